"""Statements and delistings built from the versioned store (the DuckLake history lake).

Every published source publication is one lake snapshot (`resources/history.py`). Each one is
read back from the lake as it stood (`AT (VERSION => snapshot)`, that source's rows), exported
to FtM with the same code as the version's export (`ftm.export.build_export`, whose memo
serves the parties a publication shares with another) and exploded to
one row per (entity, property, value). Across all published publications of a list:

- `statements`: one row per value with the first and the last publication that carried it
  (`first_*`, `last_*`: the publication's ID, the publisher's date and when the pipeline fetched
  it), how many publications carried it, and whether the list's latest publication still does
  (`current`). A value that left the list keeps the last publication that had it: "since when
  does OFAC list this passport for this person?" is `first_published_at` of the row.
- Delistings: a party (Person, Organization, Company, Vessel, Airplane, LegalEntity) present in
  a publication and absent from the list's next one, and not back since, is delisted; the date
  is that next publication's `published_at` (the publisher's date, known as its
  `published_basis` says). It is an upper bound: the list only says the party was gone by then.
  `delisted.ftm.json` holds each such party as last published, its documents and addresses,
  and its `Sanction`s with `endDate` = that date and `status` = `delisted`; the `endDate`
  also goes into `statements` (first seen in the publication where the party disappeared).

Reconciled parties (`party-…` entities with `referents`) are not statements of their own:
they come from the reconciliation, which the lake does not hold, and every value they carry
is a statement of one of their members (their `referents`).

The exploded rows of a publication depend only on its staged content (`staged_as`: its bytes
and parser) and on the export code, so they are kept under `warehouse/ftm_statements/` and
built once; a version's own publications are exported from its tables (the rows it commits to
the lake), not read back. Each list's aggregate over its publications is kept there too and
extended by the next publication's rows (`aggregate`). Removing that folder only costs time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from core.canonical import TABLE_NAMES
from ftm.assertions import PARTY_SCHEMATA
from ftm.export import build_export
from ftm.memo import CACHE as MEMO
from ftm.memo import export_code_version
from ftm.statements import explode_lines
from resources.history import LAKE, History

if TYPE_CHECKING:  # duckdb loads when the lake is read, not with the definitions
    import duckdb

CACHE = "ftm_statements"
KEY = ["entity_id", "prop", "value"]
SCHEMA = {
    "entity_id": pl.String,
    "schema": pl.String,
    "prop": pl.String,
    "value": pl.String,
    "source": pl.String,
    "first_seen": pl.Datetime("us", "UTC"),
    "first_publication_id": pl.String,
    "first_published_at": pl.Date,
    "last_seen": pl.Datetime("us", "UTC"),
    "last_publication_id": pl.String,
    "last_published_at": pl.Date,
    "publications": pl.Int64,
    "current": pl.Boolean,
}
# what a delisted party's file keeps beside the party: entities pointing at it by these
ATTACHED = {"Sanction": "entity", "Passport": "holder", "Identification": "holder"}


def _code_fingerprint() -> str:
    """The export code and FtM version: the cached rows hold only for the same ones."""
    return export_code_version()[:12]


def publication_tables(
    con: duckdb.DuckDBPyConnection, snapshot: int, source: str, info: Mapping[str, Any]
) -> dict[str, pl.DataFrame]:
    """A source's canonical tables as the lake held them at `snapshot`."""
    tables = {}
    for table in TABLE_NAMES:
        df = con.execute(
            f'SELECT * FROM {LAKE}."{table}" AT (VERSION => {int(snapshot)}) WHERE source = ?',
            [source],
        ).pl()
        tables[table] = df.with_columns(publication_id=pl.lit(info["publication_id"]))
    tables["publications"] = pl.DataFrame(
        [{"source": source, "publication_id": info["publication_id"], "url": info.get("url")}],
        schema={"source": pl.String, "publication_id": pl.String, "url": pl.String},
    )
    return tables


def _commit_info(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, Any]]:
    rows = con.execute(
        f"SELECT snapshot_id, commit_extra_info FROM {LAKE}.snapshots() "
        "WHERE commit_message LIKE 'publication %'"
    ).fetchall()
    return {int(sid): json.loads(info) for sid, info in rows}


def current_tables(
    tables: Mapping[str, pl.DataFrame], source: str, info: Mapping[str, Any]
) -> dict[str, pl.DataFrame]:
    """A source's canonical tables as the version holds them (`publication_tables` of the
    lake snapshot that committed them: the same rows, in another order)."""
    out = {
        table: tables[table]
        .filter(pl.col("source") == source)
        .with_columns(publication_id=pl.lit(info["publication_id"]))
        for table in TABLE_NAMES
    }
    out["publications"] = pl.DataFrame(
        [{"source": source, "publication_id": info["publication_id"], "url": info.get("url")}],
        schema={"source": pl.String, "publication_id": pl.String, "url": pl.String},
    )
    return out


def publication_rows(
    lake: Path,
    pubs: pl.DataFrame,
    cache: Path,
    history: History | None = None,
    current: tuple[Mapping[str, str], Mapping[str, pl.DataFrame]] | None = None,
) -> dict[int, Path]:
    """Per published snapshot: the parquet of its exploded FtM rows (built when missing).

    `current`: the staging folder of each source's publication in the version being published
    and the version's canonical tables. A missing publication staged as one of those is read
    from the tables, not back from the lake: the lake holds exactly the rows committed from
    them (`History.commit`, re-committing nothing for a publication already current), and the
    export of a set of rows does not depend on their order."""
    cache.mkdir(parents=True, exist_ok=True)
    code = _code_fingerprint()
    paths = {
        int(r["snapshot_id"]): cache / f"{r['staged_as'] or r['publication_id']}.{code}.parquet"
        for r in pubs.iter_rows(named=True)
    }
    missing = [r for r in pubs.iter_rows(named=True) if not paths[int(r["snapshot_id"])].exists()]
    staged, tables = current if current is not None else ({}, {})
    in_hand = [r for r in missing if r["staged_as"] and staged.get(r["source"]) == r["staged_as"]]
    for r in in_hand:
        info = {"publication_id": r["publication_id"], "url": None}
        _export_rows(current_tables(tables, r["source"], info), cache, paths[int(r["snapshot_id"])])
    missing = [r for r in missing if r not in in_hand]
    if not missing:
        return paths
    # the local lake, or the storage backend's (a catalog on PostgreSQL: resources/backend.py)
    history = history or History(lake)
    with history.open(read_only=True) as con:
        infos = _commit_info(con)
        for r in missing:
            sid = int(r["snapshot_id"])
            _export_rows(publication_tables(con, sid, r["source"], infos[sid]), cache, paths[sid])
    return paths


def export_current(
    lake: Path, staged: Mapping[str, str], tables: Mapping[str, pl.DataFrame]
) -> list[Path]:
    """Export ahead the rows of the version's own publications (`staged`: each source's
    staging folder) missing from the cache, from the version's canonical `tables`; returns the
    files written.

    Each is the file `publication_rows` writes for that publication once the version's
    publication history is known (after the lake commit), the same rows: its name is the
    staging folder's (`staged_as`, which the lake's commit records) and the publication's id
    the folder's first part, as `commit_history` commits it. So the export can run beside the
    lake commit (assets/consolidated.py)."""
    cache = lake.parent / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    code = _code_fingerprint()
    written = []
    for source, staged_as in sorted(staged.items()):
        path = cache / f"{staged_as}.{code}.parquet"
        if path.exists():
            continue
        info = {"publication_id": staged_as.split(".", 1)[0], "url": None}
        _export_rows(current_tables(tables, source, info), cache, path)
        written.append(path)
    return written


def _export_rows(tables: Mapping[str, pl.DataFrame], cache: Path, path: Path) -> None:
    """A publication's exploded FtM rows, written to `path`."""
    # the parties this publication shares with one already exported (the version's own
    # export, a previous publication) come from the export's memo
    export = build_export(
        tables,
        cache.parent / MEMO,
        lines_only=True,  # its notes and metrics are the version export's business
    )
    # an entity the export writes twice (a party giving one address twice) is one here
    rows = explode_lines(export.data()).drop("source").unique()
    tmp = path.with_suffix(".tmp")
    rows.write_parquet(tmp)
    tmp.replace(path)  # complete or absent, never half written


def _sequence(pubs: pl.DataFrame) -> pl.DataFrame:
    """Published snapshots with their order `k` within their list and what to show of them."""
    return pubs.sort("snapshot_id").with_columns(
        k=pl.int_range(pl.len()).over("source"),
        seen=pl.col("fetched_at").fill_null(pl.col("committed_at")).cast(pl.Datetime("us", "UTC")),
        published_at=pl.col("published_at").cast(pl.Date),
    )


AGGREGATED = "aggregate"  # a list's values aggregated over its publications (cache files)


def aggregate(
    seq: pl.DataFrame, paths: Mapping[int, Path], cache: Path | None = None
) -> pl.DataFrame:
    """First and last publication of every value, per list (see the module docstring); with
    `last_k`, the last one's place in its list's sequence.

    `cache` (a folder): each list's aggregate is kept there under the names of the publication
    files it was built from (`_aggregate_path`); a list whose publications are those of the
    kept one is read back, one that added a publication to them (the steady state: one new
    publication of one list) is the kept aggregate merged with the new publication's rows
    (`_merged_aggregate`), not every publication re-read."""
    frames = []
    for source, mine in seq.group_by("source", maintain_order=True):
        files = [paths[int(r["snapshot_id"])] for r in mine.iter_rows(named=True)]
        agg = _list_aggregate(files, str(source[0]), cache)
        frames.append(_dated(agg.with_columns(source=pl.lit(source[0])), mine))
    if not frames:
        return pl.DataFrame(schema={**SCHEMA, "last_k": pl.Int64})
    columns = [*SCHEMA, "last_k"]
    return pl.concat(frames).select(columns).cast({**SCHEMA, "last_k": pl.Int64})  # type: ignore[arg-type]


def _aggregated(rows: pl.LazyFrame) -> pl.LazyFrame:
    """`rows` (KEY, schema, k) aggregated per value."""
    return rows.group_by(KEY).agg(
        # an entity may change schema (an Organization becoming a Company when its list adds a
        # registration number): the value keeps its entity's latest
        pl.col("schema").sort_by("k").last(),
        pl.col("k").min().alias("first_k"),
        pl.col("k").max().alias("last_k"),
        pl.col("k").n_unique().cast(pl.Int64).alias("publications"),
    )


def _scan(files: list[Path], start: int = 0) -> pl.LazyFrame:
    """The publications' rows, each with its place `k` in the list's sequence."""
    return pl.concat(
        [pl.scan_parquet(f).with_columns(k=pl.lit(start + k)) for k, f in enumerate(files)]
    )


def _aggregate_path(cache: Path, source: str, files: list[Path]) -> Path:
    """Where a list's aggregate over `files` (its publications' rows, in order) is kept: named
    by a hash of their names (each names its staged publication, its parser and the export
    code, and is never rewritten: `publication_rows`)."""
    digest = hashlib.sha256("\0".join(f.name for f in files).encode()).hexdigest()[:16]
    return cache / f"{AGGREGATED}.{source}.{digest}.parquet"


def _list_aggregate(files: list[Path], source: str, cache: Path | None) -> pl.DataFrame:
    if cache is None:
        return _aggregated(_scan(files)).collect()
    path = _aggregate_path(cache, source, files)
    if path.is_file():
        return pl.read_parquet(path)
    before = _aggregate_path(cache, source, files[:-1]) if len(files) > 1 else None
    if before is not None and before.is_file():
        agg = _merged_aggregate(pl.read_parquet(before), files[-1], len(files) - 1)
    else:
        agg = _aggregated(_scan(files)).collect()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    agg.write_parquet(tmp)
    tmp.replace(path)  # complete or absent
    for old in cache.glob(f"{AGGREGATED}.{source}.*.parquet"):
        if old != path:  # only the newest is extended
            old.unlink(missing_ok=True)
    return agg


def _merged_aggregate(before: pl.DataFrame, file: Path, k: int) -> pl.DataFrame:
    """The aggregate over publications 0…k from the one over 0…k-1 (`before`) and the rows of
    publication k: what `_aggregated` gives over all of them. Each new row is one publication
    aggregated alone; every `k` of `before` is below the new one, so the latest schema is the
    one of the greatest `last_k`, and the counts add up (no publication is in both)."""
    new = pl.scan_parquet(file).select(
        *KEY, "schema", first_k=pl.lit(k), last_k=pl.lit(k), publications=pl.lit(1)
    )
    return (
        pl.concat([before.lazy(), new.cast(dict(before.schema))])  # type: ignore[arg-type]
        .group_by(KEY)
        .agg(
            pl.col("schema").sort_by("last_k").last(),
            pl.col("first_k").min(),
            pl.col("last_k").max(),
            pl.col("publications").sum(),
        )
        .collect()
    )


def _dated(agg: pl.DataFrame, mine: pl.DataFrame) -> pl.DataFrame:
    """`first_k`/`last_k` replaced by the publications' IDs and dates; `current` set."""
    side = mine.select("k", "publication_id", "published_at", "seen")
    last_k = int(mine["k"].max())  # type: ignore[arg-type]
    return (
        agg.join(side.rename(lambda c: f"first_{c}"), on="first_k", how="left")
        .join(side.rename(lambda c: f"last_{c}"), on="last_k", how="left")
        .with_columns(current=pl.col("last_k") == last_k)
    )


def _entities(rows: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """FtM entities back from exploded rows (values sorted, as in the export)."""
    out: dict[str, dict[str, Any]] = {}
    props: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for eid, schema, prop, value in rows.select("entity_id", "schema", "prop", "value").iter_rows():
        out.setdefault(eid, {"id": eid, "schema": schema, "properties": {}})
        props[eid][prop].add(value)
    for eid, entity in out.items():
        entity["properties"] = {k: sorted(v) for k, v in sorted(props[eid].items())}
    return out


def delistings(
    statements: pl.DataFrame, seq: pl.DataFrame, paths: Mapping[int, Path]
) -> tuple[list[dict[str, Any]], pl.DataFrame]:
    """Delisted parties as FtM entities (`delisted.ftm.json`) and their `endDate` statements."""
    parties = (
        statements.filter((pl.col("prop") == "publisher") & pl.col("schema").is_in(PARTY_SCHEMATA))
        .group_by("entity_id", "source")
        .agg(pl.col("current").any(), pl.col("last_k").max())
        .filter(~pl.col("current"))
        .select("entity_id", "source", "last_k")
    )
    if parties.is_empty():
        return [], statements.head(0).select(list(SCHEMA))
    ks = seq.select("source", "k", "snapshot_id", "publication_id", "published_at", "seen")
    last_k = seq.group_by("source").agg(pl.col("k").max().alias("source_last_k"))
    gone = (
        parties.join(
            ks.select("source", pl.col("k").alias("last_k"), "snapshot_id"),
            on=["source", "last_k"],
        )
        .join(last_k, on="source")
        .with_columns(end_k=pl.col("last_k") + 1)
        .join(
            ks.select(
                "source",
                pl.col("k").alias("end_k"),
                pl.col("publication_id").alias("end_publication_id"),
                pl.col("published_at").alias("end_published_at"),
                pl.col("seen").alias("end_seen"),
            ),
            on=["source", "end_k"],
        )
    )
    out: list[dict[str, Any]] = []
    ends: list[dict[str, Any]] = []
    for (snapshot,), group in gone.group_by("snapshot_id"):
        rows = pl.read_parquet(paths[int(snapshot)])  # type: ignore[arg-type]
        wanted = set(group["entity_id"])
        pointing = pl.lit(False)
        for schema, prop in ATTACHED.items():
            pointing = pointing | ((pl.col("schema") == schema) & (pl.col("prop") == prop))
        attached = rows.filter(pl.col("value").is_in(wanted) & pointing)
        referenced = rows.filter(
            pl.col("entity_id").is_in(wanted) & (pl.col("prop") == "addressEntity")
        )["value"]
        keep = wanted | set(attached["entity_id"]) | set(referenced)
        entities = _entities(rows.filter(pl.col("entity_id").is_in(keep)))
        by_party = {r["entity_id"]: r for r in group.iter_rows(named=True)}
        for entity in entities.values():
            if entity["schema"] != "Sanction":
                continue
            party = by_party.get(entity["properties"]["entity"][0])
            if party is None:
                continue
            end = party["end_published_at"].isoformat()
            props = {**entity["properties"], "endDate": [end], "status": ["delisted"]}
            entity["properties"] = dict(sorted(props.items()))
            ends.append(
                {
                    "entity_id": entity["id"],
                    "schema": "Sanction",
                    "prop": "endDate",
                    "value": end,
                    "source": party["source"],
                    "first_seen": party["end_seen"],
                    "first_publication_id": party["end_publication_id"],
                    "first_published_at": party["end_published_at"],
                    "last_k": party["source_last_k"],
                    "publications": party["source_last_k"] - party["last_k"],
                }
            )
        out.extend(entities.values())
    end_rows = pl.DataFrame(ends)
    if end_rows.height:
        latest = ks.select(
            "source",
            pl.col("k").alias("last_k"),
            pl.col("publication_id").alias("last_publication_id"),
            pl.col("published_at").alias("last_published_at"),
            pl.col("seen").alias("last_seen"),
        )
        end_rows = (
            end_rows.join(latest, on=["source", "last_k"])
            .with_columns(current=pl.lit(True))
            .select(list(SCHEMA))
            .cast(SCHEMA)  # type: ignore[arg-type]
        )
    else:
        end_rows = statements.head(0).select(list(SCHEMA))
    return sorted(out, key=lambda e: e["id"]), end_rows


def version_history(
    lake: Path,
    publication_history: pl.DataFrame,
    history: History | None = None,
    current: tuple[Mapping[str, str], Mapping[str, pl.DataFrame]] | None = None,
) -> tuple[pl.DataFrame, list[dict[str, Any]], dict[str, int]]:
    """The version's `statements` table, its delisted entities, and delisted parties per list.

    `publication_history` is the version's table of published snapshots (the ledger's and this
    version's own commits): a commit never published counts for nothing. `current`: the
    version's own publications and tables (`publication_rows`)."""
    seq = _sequence(publication_history)
    paths = publication_rows(lake, seq, lake.parent / CACHE, history, current)
    statements = aggregate(seq, paths, lake.parent / CACHE)
    delisted, ends = delistings(statements, seq, paths)
    per_list: dict[str, int] = defaultdict(int)
    for e in delisted:
        if e["schema"] in PARTY_SCHEMATA:
            per_list[e["properties"]["publisher"][0]] += 1
    table = pl.concat([statements.select(list(SCHEMA)), ends]).sort(KEY)
    return table, delisted, dict(sorted(per_list.items()))
