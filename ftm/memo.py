"""The FtM export's memo: each party's exported entities, kept by what they are built from.

A party's entities (the party, its documents, addresses, sanctions and the relationships it
holds) depend only on its canonical rows (the columns `ftm.export.USED` names, nothing else:
not the publication ID nor its address, not the row's origin), the schema and presence
of the parties it links to, and the export code. `ftm.export.party_keys` hashes exactly those
into the party's key, with `export_code_version()`; the memo maps the key to what the build
wrote (canonical entities, and the notes it counted, in order, so the export's statistics are
replayed exactly). A new publication that changed 1 % of a list rebuilds 1 % of its parties;
the statements (`ftm/history_statements.py`), which export each publication of the lake with
the same code, reuse the same entries.

Storage: `warehouse/ftm_entities/<source>.<code>.parquet`, one row per key with the party's
JSON lines as the export writes them (`lines`: a reused party is not decoded), what else the
export needs of it (`meta`, JSON: its notes, compacted, and the values its list's metrics
read) and a SHA-256 of key, lines and meta. A file that cannot be read (truncated, not parquet)
is logged and rebuilt from scratch; an entry whose digest does not match is logged and rebuilt;
nothing is trusted without its digest. Files are replaced atomically (complete or absent). A
change of code (any `ftm/*.py`, or the followthemoney or polars version) gives new files and
removes the old ones. Entries are not evicted within one code version: each publication adds
only the parties it changed. Removing the folder only costs time.

Validation: FtM cleans (validates) every value as it is added (`_Builder.put`), so a cached
entity was validated when it was built; a reused one is not validated again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

CACHE = "ftm_entities"
NOTE_EXAMPLES = 5  # examples kept per reason of a note (`ftm.export.ExportStats`)

# the columns the export reads, per table (besides the entity ID): exactly what a party's memo
# key hashes (`ftm/memo.py`); the builder is given these columns only, so a column read without
# being listed here fails instead of leaving the memo blind to it
USED: dict[str, tuple[str, ...]] = {
    "entities": (
        "entity_type",
        "source",
        "primary_name",
        "last_updated",
        "remarks",
        "unparsed_remarks",
        "listed_on",
    ),
    "names": ("name", "name_type", "quality", "given_name", "family_name"),
    "identifiers": ("id_type", "value", "label", "normalized", "country_code", "note"),
    "addresses": (
        "full_address",
        "street",
        "city",
        "region",
        "postal_code",
        "country_raw",
        "country_code",
        "note",
    ),
    "birth_dates": ("date_from", "date_to", "precision", "raw"),
    "birth_places": ("place", "country_code"),
    "countries": ("country_code", "relation", "raw"),
    "sanctions": ("authority", "program", "legal_basis", "listed_on"),
    "attributes": ("attribute", "value"),
    "relationships": ("to_entity_id", "to_name", "relation"),
}
CHILDREN = tuple(t for t in USED if t not in ("entities", "relationships"))


log = logging.getLogger(__name__)


@cache
def export_code_version() -> str:
    """Hash of the FtM package's sources and of the libraries whose output the memo holds
    (followthemoney cleans the values, polars encodes the rows that are hashed)."""
    digest = hashlib.sha256()
    for lib in ("followthemoney", "polars"):
        digest.update(f"{lib}={importlib.metadata.version(lib)}\0".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


FIELDS = ("lines", "meta", "examples")  # the stored parts of a payload (strings)


def _digest(key: str, *parts: str) -> str:
    return hashlib.sha256("\0".join((key, *parts)).encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class EntityMemo:
    """Payloads by party key, per source, under `folder` (None: no memo, everything built)."""

    def __init__(self, folder: Path | None, code: str | None = None) -> None:
        self.folder = folder
        self.code = code or export_code_version()
        # source → key → (lines, meta, examples, digest), verified
        self.stored: dict[str, dict[str, tuple[str, ...]]] = {}
        self.new: dict[str, dict[str, tuple[str, ...]]] = {}
        self.reused = 0
        self.built = 0
        self.rejected = 0  # entries or files found corrupt (rebuilt)

    def path(self, source: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{source}.{self.code}.parquet"

    def load(self, sources: Iterable[str]) -> None:
        """Read and verify the memo of `sources`; what fails verification is dropped, logged."""
        if self.folder is None:
            return
        for source in sources:
            path = self.path(source)
            if source in self.stored or not path.is_file():
                self.stored.setdefault(source, {})
                continue
            try:
                df = pl.read_parquet(path, columns=["key", "digest", *FIELDS])
            except Exception as exc:  # truncated or not parquet: rebuilt, never trusted
                log.warning("FtM memo %s unreadable (%s): rebuilt", path, exc)
                self.rejected += 1
                self.stored[source] = {}
                continue
            good: dict[str, tuple[str, ...]] = {}
            for key, digest, *parts in df.iter_rows():
                if key and None not in parts and digest == _digest(key, *parts):
                    good[key] = (*parts, digest)
                else:
                    self.rejected += 1
            if len(good) < df.height:
                log.warning(
                    "FtM memo %s: %d entries fail their digest: rebuilt",
                    path,
                    df.height - len(good),
                )
            self.stored[source] = good

    def get_many(
        self, sources: list[str], keys: list[str], metas: bool = True
    ) -> list[dict[str, Any] | None]:
        """The payloads kept for `keys` (by source), None where not kept: `lines`, the entries
        of the meta, and the notes' `examples` as JSON text (decoded only when still wanted:
        `ftm.export.ExportStats.replay`). The metas are decoded in one go; with `metas` False
        they are not (a payload is then its `lines` only)."""
        found = [self.stored.get(s, {}).get(k) for s, k in zip(sources, keys, strict=True)]
        hits = [f for f in found if f is not None]
        self.reused += len(hits)
        if not metas:
            return [None if f is None else {"lines": f[0]} for f in found]
        metas_ = iter(json.loads("[" + ",".join(f[1] for f in hits) + "]"))
        return [
            None if f is None else {"lines": f[0], **next(metas_), "examples": f[2]} for f in found
        ]

    def put(self, source: str, key: str, payload: dict[str, Any]) -> None:
        self.built += 1
        meta = {k: v for k, v in payload.items() if k not in FIELDS}
        parts = (payload["lines"], _json(meta), _json(payload.get("examples", {})))
        self.new.setdefault(source, {})[key] = (*parts, _digest(key, *parts))

    def save(self) -> None:
        """Write each source's memo with its new entries (atomically) and remove the files of
        other code versions."""
        if self.folder is None or not self.new:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for source, new in self.new.items():
            entries = {**self.stored.get(source, {}), **new}
            keys = sorted(entries)
            df = pl.DataFrame(
                {
                    "key": keys,
                    "digest": [entries[k][len(FIELDS)] for k in keys],
                    **{f: [entries[k][n] for k in keys] for n, f in enumerate(FIELDS)},
                },
                schema={k: pl.String for k in ("key", "digest", *FIELDS)},
            )
            path = self.path(source)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two writers never share one
            df.write_parquet(tmp, compression="zstd", compression_level=1)
            tmp.replace(path)
            self.stored[source] = entries
            for old in self.folder.glob(f"{source}.*.parquet"):
                if old != path and old.name.count(".") == 2:
                    old.unlink(missing_ok=True)
        self.new = {}

    def counts(self) -> dict[str, int]:
        """Parties reused from the memo, built, and memo entries or files found corrupt."""
        return {
            "reused": self.reused,
            "built": self.built,
            "rejected": self.rejected,
        }


def party_keys(
    tables: Mapping[str, pl.DataFrame],
    used: Mapping[str, tuple[str, ...]],
    schema_of: Mapping[str, str],
) -> list[str]:
    """The memo key of each row of `entities`: the hash of the export code, the row's `used`
    columns, the `used` columns of its rows in every
    other table, and (for the last row of an entity ID, which holds the links) its
    relationships with their targets' schemata (none: not in the lists). Encoded and joined
    by polars; only the hashing is Python's."""
    entities = tables["entities"]
    frame = entities.select(
        "entity_id",
        row=pl.struct(list(used["entities"])).struct.json_encode(),
        i=pl.int_range(pl.len()),
    ).with_columns(last=pl.col("i") == pl.col("i").last().over("entity_id"))
    parts = [pl.lit(export_code_version()), pl.col("entity_id"), pl.col("row")]
    for name, cols in used.items():
        if name == "entities":
            continue
        key = "from_entity_id" if name == "relationships" else "entity_id"
        df = tables.get(name)
        if df is None or df.is_empty():
            # as for a party with no row in a table that has rows: one list's tables (a
            # publication's statements, `ftm/history_statements.py`) may have none where the
            # version's have some, and its parties are the same parties
            parts.append(pl.lit(f"{name}\x1d"))
            continue
        if name == "relationships":  # and the schema of each target (empty: not in the lists)
            df = df.with_columns(
                target=pl.col("to_entity_id").replace_strict(
                    dict(schema_of), default="", return_dtype=pl.String
                )
            )
            cols = (*cols, "target")
        enc = (
            df.select(pl.col(key).alias("entity_id"), j=pl.struct(list(cols)).struct.json_encode())
            .group_by("entity_id", maintain_order=True)
            .agg(pl.col("j").str.join("\x1e").alias(name))
        )
        frame = frame.join(enc, on="entity_id", how="left", maintain_order="left")
        value = pl.col(name).fill_null("")
        if name == "relationships":  # the links are held by the entity's last row
            value = pl.when(pl.col("last")).then(value).otherwise(pl.lit(""))
        parts.append(pl.lit(name) + pl.lit("\x1d") + value)
    text = frame.select(pl.concat_str(parts, separator="\x1f")).to_series()
    return [hashlib.sha256(t.encode()).hexdigest() for t in text]


class Notes(list[tuple[str, str]]):
    """The notes one party's build counted, in order (replayed into `ExportStats`)."""

    def note(self, reason: str, example: str) -> None:
        self.append((reason, example))

    def compact(self) -> tuple[list[tuple[str, int]], dict[str, list[str]]]:
        """Per reason (first seen first) how many, and per reason the first examples (as
        many as `ExportStats` keeps: replaying these counts and keeps the same)."""
        counts: dict[str, int] = {}
        examples: dict[str, list[str]] = {}
        for reason, example in self:
            counts[reason] = counts.get(reason, 0) + 1
            kept = examples.setdefault(reason, [])
            if len(kept) < NOTE_EXAMPLES:
                kept.append(example)
        return list(counts.items()), examples


def schemata(entities: pl.DataFrame, identifiers: pl.DataFrame | None) -> dict[str, str]:
    """FtM schema of every entity (the last row of an ID, as the export's proxies)."""
    from ftm.export import COMPANY_IDS
    from ftm.export import SCHEMA_OF as schema_of

    company: set[str] = set()
    if identifiers is not None:
        company = set(identifiers.filter(pl.col("id_type").is_in(list(COMPANY_IDS)))["entity_id"])
    out = {}
    for eid, kind in entities.select("entity_id", "entity_type").iter_rows():
        schema = schema_of.get(kind) or "LegalEntity"
        if schema == "Organization":
            schema = "Company" if eid in company else "Organization"
        out[eid] = schema
    return out


def head(line: str) -> tuple[str, str]:
    """ID and schema of a JSON line written by `_line` (its first two keys)."""
    end = line.find('"', 7)
    start = end + len('","schema":"')
    stop = line.find('"', start)
    if (
        line.startswith('{"id":"')
        and line.startswith('","schema":"', end)
        and "\\" not in line[:stop]
    ):
        return line[7:end], line[start:stop]
    data = json.loads(line)
    return data["id"], data["schema"]


def heads(texts: pl.DataFrame) -> pl.DataFrame:
    """Each party's JSON lines (`line`, joined by newlines) as one row per entity with its ID
    and schema, read from the line's head (as `ftm.export` writes it) or, where that is escaped,
    from the whole line."""
    frame = (
        texts.select(pl.col("line").str.split("\n"))
        .explode("line")
        .with_columns(
            id=pl.col("line").str.extract(r'^\{"id":"([^"\\]*)","schema":"', 1),
            schema=pl.col("line").str.extract(r'^\{"id":"[^"\\]*","schema":"([^"\\]*)"', 1),
        )
    )
    if frame["id"].null_count() or frame["schema"].null_count():
        heads = [head(line) for line in frame["line"]]
        frame = frame.with_columns(
            id=pl.Series([h[0] for h in heads], dtype=pl.String),
            schema=pl.Series([h[1] for h in heads], dtype=pl.String),
        )
    return frame


def party_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """What `ftm.assertions.list_metrics` reads of a party: schema, publisher and whether
    each measured property has a value (its first one)."""
    from ftm.assertions import FILL_RATES

    measured = {prop for _, prop in FILL_RATES}
    props = record["properties"]
    return {
        "id": record["id"],
        "schema": record["schema"],
        "properties": {
            "publisher": props.get("publisher", []),
            **{k: v[:1] for k, v in props.items() if k in measured and v},
        },
    }
