"""Deltas between two versions' FtM exports, and the version index `versions.json`.

A delta line is `{"op": "ADD" | "MOD" | "DEL", "entity": {...}}`: ADD and MOD carry the
entity as the new version has it, DEL the entity as the previous version had it. Applying a
version's delta to the previous version's export gives exactly its export (`apply_delta`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ftm.export import read_lines, to_lines
from ftm.memo import head

DELTA_FILE = "delta.ftm.json"
DELISTED_FILE = "delisted.ftm.json"
ENTITIES_FILE = "entities.ftm.json"
INDEX_FILE = "index.json"
VERSIONS_FILE = "versions.json"


def _lines_by_id(data: bytes) -> dict[str, bytes]:
    """Each entity's JSON line by ID (the ID read from the line's head, `ftm.memo.head`)."""
    out = {}
    for line in data.splitlines():
        if line.strip():
            out[head(line.decode())[0]] = line
    return out


class Op(NamedTuple):
    """One delta operation: `op` and the entity's JSON line as its export holds it."""

    op: str
    line: bytes


def compute_delta(previous: bytes | None, current: bytes) -> list[Op]:
    """ADD/MOD/DEL per entity, by ID, in ID order; with no previous export every entity is an
    ADD.

    Lines are compared first: only entities whose lines differ in both exports are decoded (and
    compared as entities, so a line written otherwise by older code is not a change). An op
    keeps its entity as a line, not decoded: the current export's lines are what `to_lines`
    writes, so `delta_lines` writes each op around its line as `to_lines` would write the
    decoded op, without decoding the 136,000 lines of a first version (all ADD) and encoding
    them again. A DEL's line, from the previous export, is decoded and written again."""
    before = _lines_by_id(previous) if previous else {}
    after = _lines_by_id(current)
    ops: list[Op] = []
    for eid in sorted(before.keys() | after.keys()):
        old, new = before.get(eid), after.get(eid)
        if old == new:
            continue
        if old is None and new is not None:
            ops.append(Op("ADD", new))
        elif new is None and old is not None:  # written again: the previous export's code
            ops.append(Op("DEL", to_lines([json.loads(old)]).rstrip(b"\n")))
        elif new is not None and old is not None and json.loads(old) != json.loads(new):
            ops.append(Op("MOD", new))
    return ops


def delta_counts(ops: Iterable[Op]) -> dict[str, int]:
    """Operations by kind."""
    counts = {"ADD": 0, "MOD": 0, "DEL": 0}
    for op in ops:
        counts[op.op] += 1
    return counts


def apply_delta(export: Mapping[str, dict[str, Any]], delta: bytes) -> dict[str, dict[str, Any]]:
    """What a consumer holds after applying `delta` to `export` (entities by ID)."""
    state = dict(export)
    for op in read_lines(delta):
        entity = op["entity"]
        if op["op"] == "DEL":
            state.pop(entity["id"], None)
        else:
            state[entity["id"]] = entity
    return state


def delta_lines(ops: Iterable[Op]) -> bytes:
    """`delta.ftm.json`: one operation per line, `{"op":…,"entity":…}` as `to_lines` would
    write it."""
    return b"".join(b'{"op":"%s","entity":%s}\n' % (op.op.encode(), op.line) for op in ops)


def versions_entry(
    manifest: Mapping[str, Any],
    counts: Mapping[str, Any],
    delta: Mapping[str, int],
    previous: str | None,
    metrics: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One version in `versions.json`: time, source publications, counts, delta URL."""
    version = manifest["version"]
    return {
        "version": version,
        "built_at": manifest["built_at"],
        "previous": previous,
        "sources": [
            {k: s.get(k) for k in ("source", "publication_id", "published_at", "entry_count")}
            for s in manifest["sources"]
        ],
        "entities": counts,
        "delta": delta,
        "entities_url": f"{version}/{ENTITIES_FILE}",
        "delta_url": f"{version}/{DELTA_FILE}",
        "index_url": f"{version}/{INDEX_FILE}",
        "metrics": dict(metrics or {}),
    }


def updated_versions(existing: bytes | None, entry: Mapping[str, Any], present: set[str]) -> bytes:
    """`versions.json` with `entry` appended; versions removed by retention stay listed with
    `"available": false` (their deltas are gone, the chain after them is intact)."""
    versions = json.loads(existing)["versions"] if existing else []
    versions = [v for v in versions if v["version"] != entry["version"]] + [dict(entry)]
    for v in versions:
        v["available"] = v["version"] in present
    return (
        json.dumps({"latest": entry["version"], "versions": versions}, indent=1) + "\n"
    ).encode()
