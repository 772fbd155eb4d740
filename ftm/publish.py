"""The FtM files of a version (`entities.ftm.json`, `delta.ftm.json`, `index.json`) and the
version index `published/versions.json`; called by the publishing asset."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ftm.assertions import evaluate, list_metrics, load_bounds
from ftm.delta import (
    DELISTED_FILE,
    DELTA_FILE,
    ENTITIES_FILE,
    INDEX_FILE,
    VERSIONS_FILE,
    Op,
    compute_delta,
    delta_counts,
    delta_lines,
    updated_versions,
    versions_entry,
)
from ftm.export import Export, build_export, ftm_id, to_lines
from ftm.history_statements import export_current, version_history
from ftm.memo import CACHE as MEMO
from resources.history import History
from resources.storage import atomic_write
from resources.warehouse import version_names

EXAMPLES = 5
TABLES = ("statements",)  # the tables `version_files` adds to a version


def _issues(tables: Mapping[str, pl.DataFrame], source: str) -> dict[str, Any]:
    """Rejects and unknown fields of one list, with counts and examples."""
    out: dict[str, Any] = {}
    rejects = tables.get("rejects")
    if rejects is not None:
        mine = rejects.filter(pl.col("source") == source)
        out["rejects"] = {
            "count": mine.height,
            "by_reason": dict(
                mine.group_by("reason").len().sort("len", descending=True).head(20).rows()
            ),
            "examples": mine.select("kind", "file", "locator", "reason").head(EXAMPLES).to_dicts(),
        }
    attributes = tables.get("attributes")
    if attributes is not None and "source" in attributes.columns:
        unknown = attributes.filter(
            (pl.col("source") == source) & (pl.col("attribute") == "unknown_feature")
        )
        out["unknown_fields"] = {
            "count": unknown.height,
            "examples": unknown["value"].head(EXAMPLES).to_list(),
        }
    return out


def dataset_index(
    tables: Mapping[str, pl.DataFrame],
    stats: Mapping[str, Any],
    delta: Mapping[str, int],
    formats: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`index.json`: per list its publisher, publication and how its date is known, counts by
    type, changes in this version and issues; and the export's counts and notes."""
    pubs = tables["publications"]
    entities = tables["entities"]
    changes = tables.get("changes")
    lists = []
    for source in sorted(entities["source"].unique()):
        pub = pubs.filter(pl.col("source") == source).head(1).to_dicts()
        row = pub[0] if pub else {}
        lists.append(
            {
                "source": source,
                "publication_id": row.get("publication_id"),
                "publisher_url": row.get("url"),
                "published_at": str(row.get("published_at")) if row.get("published_at") else None,
                "published_basis": row.get("published_basis"),
                "format": row.get("format"),
                "entities_by_type": dict(
                    entities.filter(pl.col("source") == source)
                    .group_by("entity_type")
                    .len()
                    .sort("entity_type")
                    .rows()
                ),
                "changes_in_this_version": dict(
                    changes.filter(pl.col("source") == source)
                    .group_by("change")
                    .len()
                    .sort("change")
                    .rows()
                )
                if changes is not None
                else {},
                # formats_disagree: ftm/checks.py format_disagreements (the formats_agree check)
                "issues": {**_issues(tables, source), **(formats or {}).get(source, {})},
            }
        )
    return {"lists": lists, "export": dict(stats), "delta": dict(delta)}


@dataclass(frozen=True)
class Exported:
    """A version's FtM export and its delta (`export_version`)."""

    built: Export
    data: bytes  # entities.ftm.json
    ops: list[Op]  # the delta against `previous`
    previous: str | None  # the version the delta is taken against (None: every entity added)
    metrics: dict[str, Any]  # per list (`list_metrics`)
    checks: list[dict[str, Any]]  # the assertions (ftm/bounds.json) evaluated on `metrics`
    seconds: dict[str, float]


def export_version(
    tables: Mapping[str, pl.DataFrame],
    published: Path,
    previous: str | None,
    *,
    lake: Path,
    staged: Mapping[str, str] | None = None,
) -> Exported:
    """The part of `version_files` that needs only the version's canonical tables (and
    reconciliation's `clusters`), not its history: the export, its delta, and the statement
    rows of the version's own publications ahead (`export_current`, with `staged`). It reads
    and writes no lake table, so the publishing asset runs it in a thread beside the lake
    commit (Python beside DuckDB, which releases the GIL)."""
    start = time.perf_counter()
    built = build_export(tables, lake.parent / MEMO)
    export = built.data()
    seconds = {"export": time.perf_counter() - start}
    before = published / previous / ENTITIES_FILE if previous else None
    prior = before.read_bytes() if before is not None and before.is_file() else None
    start = time.perf_counter()
    ops = compute_delta(prior, export)
    seconds["delta"] = time.perf_counter() - start
    # --- ftm: assertions (ftm/bounds.json) ---
    metrics = list_metrics(built.parties)
    checks = evaluate(metrics, load_bounds(), set(tables["publications"]["source"]))
    if staged is not None:
        start = time.perf_counter()
        export_current(lake, staged, tables)
        seconds["statements_ahead"] = time.perf_counter() - start
    previous = previous if prior is not None else None
    return Exported(built, export, ops, previous, metrics, checks, seconds)


def version_files(
    tables: Mapping[str, pl.DataFrame],
    published: Path,
    previous: str | None,
    *,
    lake: Path,
    formats: Mapping[str, Any] | None = None,
    history: History | None = None,
    staged: Mapping[str, str] | None = None,
    exported: Exported | None = None,
) -> tuple[dict[str, bytes], dict[str, pl.DataFrame], dict[str, Any]]:
    """The version's FtM files (relative name → bytes), its `statements` table, and a
    summary for `versions.json`.

    `lake`: the versioned store, read for `statements` and `delisted.ftm.json` (with the
    version's `publication_history`), through `history` when the storage backend gives one
    (the shared lake's catalog on PostgreSQL); `formats`: per list, the formats that disagree;
    `staged`: the staging folder of each list's publication in `tables` (its statements are
    then exported from `tables`, not read back from the lake); `exported`: `export_version`
    of the same tables, already run (else it runs here).

    The export reuses the entities of parties whose rows did not change from its memo under
    the lake's folder (`ftm/memo.py`). The delta is taken against the previous version's
    export (`previous`, the newest intact version); with none (first version, or one published
    before the export existed) every entity is an ADD."""
    if exported is None:
        exported = export_version(tables, published, previous, lake=lake, staged=staged)
    built, ops = exported.built, exported.ops
    seconds = dict(exported.seconds)
    counts = delta_counts(ops)
    summary = built.stats.to_dict()
    index = dataset_index(tables, summary, counts, formats)
    # --- ftm: assertions (ftm/bounds.json), statements and delistings from the lake ---
    metrics, checks = exported.metrics, exported.checks
    index["assertions"] = checks
    start = time.perf_counter()
    statements, delisted, per_list = version_history(
        lake,
        tables["publication_history"],
        history,
        current=(staged, tables) if staged is not None else None,
    )
    seconds["statements"] = time.perf_counter() - start
    index["delisted"] = per_list
    # --- end ftm ---
    files = {
        ENTITIES_FILE: exported.data,
        DELTA_FILE: delta_lines(ops),
        DELISTED_FILE: to_lines(delisted),
        INDEX_FILE: (json.dumps(index, indent=1, default=str) + "\n").encode(),
    }
    return (
        files,
        dict(zip(TABLES, [statements], strict=True)),
        {
            "counts": summary["schemata"],
            "delta": counts,
            "previous": exported.previous,
            "metrics": metrics,
            "assertions": checks,
            "export_memo": built.stats.memo,
            "seconds": {k: round(v, 2) for k, v in seconds.items()},
        },
    )


def record_version(
    published: Path, manifest: Mapping[str, Any], summary: Mapping[str, Any]
) -> Path:
    """Add the version to `published/versions.json` (atomically replaced)."""
    path = published / VERSIONS_FILE
    existing = path.read_bytes() if path.is_file() else None
    present = set(version_names(published))
    entry = versions_entry(
        manifest, summary["counts"], summary["delta"], summary["previous"], summary["metrics"]
    )
    atomic_write(path, updated_versions(existing, entry, present))
    return path


__all__ = [
    "TABLES",
    "Exported",
    "dataset_index",
    "export_version",
    "ftm_id",
    "record_version",
    "version_files",
]
