"""The versioned store: a DuckLake lake holding every source publication ever ingested.

Each source publication is committed as one DuckLake snapshot whose commit message names the
publication (`commit_extra_info` holds its ID, date and sha256), so "the list as that
publication had it" is `FROM history.<table> AT (VERSION => <its snapshot>)`. Rows are stored
without `publication_id` and a new publication writes only the rows that changed (deleted rows
and inserted rows), so storage grows with the change, not with the size of the list.

DuckLake's catalog is a DuckDB file only the pipeline opens, under the publish lock; every
published version carries a frozen copy of it (`history.ducklake`) for analysts, whose data
files are shared and never rewritten.

Only what is published is history: the pipeline commits a publication when the version holding
it is being published (after every blocking check passed), and the ledger `published.json`
beside the catalog names the snapshots that went into a published version. A commit whose
publishing then failed (disk full, a kill) stays in the lake but out of the ledger, so no
history table of a later version counts it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.vocabulary import TABLE_NAMES
from resources.duckdb_files import sql_literal
from resources.storage import atomic_write, dumps

if TYPE_CHECKING:  # duckdb is imported where the lake is opened, not with the definitions
    import duckdb
    import polars as pl

CATALOG = "catalog.ducklake"
LEDGER = "published.json"
LAKE = "lake"
# where a published version holds the lake's data files, relative to its `history.ducklake`
VERSION_DATA_PATH = "lake/"


@cache
def duckdb_types() -> dict[type[pl.DataType], str]:
    """The lake's column type for each polars type of the canonical tables."""
    import polars as pl

    return {pl.String: "VARCHAR", pl.Date: "DATE", pl.Boolean: "BOOLEAN", pl.Int64: "BIGINT"}


def extension_path() -> Path:
    """The DuckLake extension shipped inside its PyPI package (loaded offline, by path)."""
    import duckdb_extension_ducklake

    root = Path(duckdb_extension_ducklake.__file__).parent
    return next(root.rglob("ducklake.duckdb_extension"))


def install_extension(con: duckdb.DuckDBPyConnection | None = None) -> Path:
    """Install the packaged DuckLake extension into DuckDB's extension directory (offline).

    After this, `LOAD ducklake;` and `ATTACH 'ducklake:…'` work in any DuckDB of the same
    version (the `duckdb` CLI included) without reaching the extension repository. Nothing is
    copied when the installed extension already came from this package file. Returns the
    installed file.
    """
    import duckdb

    own = con is None
    con = con or duckdb.connect()
    try:
        source = str(extension_path())
        row = con.execute(
            "SELECT installed, installed_from, install_path FROM duckdb_extensions() "
            "WHERE extension_name = 'ducklake'"
        ).fetchone()
        if row is None or not row[0] or row[1] != source or not Path(row[2]).is_file():
            con.execute(f"FORCE INSTALL {sql_literal(source)}")
            row = con.execute(
                "SELECT installed, installed_from, install_path FROM duckdb_extensions() "
                "WHERE extension_name = 'ducklake'"
            ).fetchone()
        assert row is not None and row[0], "DuckLake extension not installed"
        return Path(row[2])
    finally:
        if own:
            con.close()


def attach_version_sql(folder: Path, alias: str = "history") -> str:
    """The ATTACH statement for a published version's history, from any directory.

    A version's `history.ducklake` names its data folder relatively (`lake/`), which DuckDB
    resolves against the working directory: inside the version folder a plain
    `ATTACH 'ducklake:history.ducklake' AS history (READ_ONLY)` works; from elsewhere the data
    path is given explicitly, as here.
    """
    folder = folder.resolve()
    catalog = sql_literal(f"ducklake:{folder / 'history.ducklake'}")
    data = sql_literal(f"{folder / VERSION_DATA_PATH.rstrip('/')}/")
    return f"ATTACH {catalog} AS {alias} (READ_ONLY, DATA_PATH {data}, OVERRIDE_DATA_PATH TRUE)"


def lake_columns(table: str) -> dict[str, pl.DataType]:
    """Columns a table has in the lake: the canonical ones less `publication_id`."""
    from core.canonical import table_schema

    return {c: t for c, t in table_schema(table).items() if c != "publication_id"}


def connect(
    catalog: Path, data_path: Path | None = None, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the lake at `catalog` attached as `lake`."""
    import duckdb

    con = duckdb.connect()
    # LOAD and ATTACH take no bound parameters: paths are quoted as SQL string literals
    con.execute(f"LOAD {sql_literal(str(extension_path()))}")
    options = ["READ_ONLY"] if read_only else []
    if data_path is not None:
        options.append(f"DATA_PATH {sql_literal(f'{data_path}/')}")
    suffix = f" ({', '.join(options)})" if options else ""
    con.execute(f"ATTACH {sql_literal(f'ducklake:{catalog}')} AS {LAKE}{suffix}")
    return con


@dataclass(frozen=True)
class Committed:
    source: str
    publication_id: str
    snapshot_id: int
    new: bool
    inserted: dict[str, int]
    deleted: dict[str, int]


def _with_ordinal(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Number identical rows so a multiset difference keeps duplicates apart."""
    import polars as pl

    return df.with_columns(_n=pl.int_range(pl.len()).over(columns))


class History:
    """The lake under `<data>/warehouse/lake/`: catalog file plus immutable parquet data files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.catalog = folder / CATALOG
        self.data = folder / "data"
        self.ledger = folder / LEDGER

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection with the lake attached (the shared backend attaches its own)."""
        self.data.mkdir(parents=True, exist_ok=True)
        return connect(self.catalog, None if read_only else self.data, read_only)

    @contextmanager
    def open(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.connect(read_only)
        try:
            if not read_only:
                self._ensure_tables(con)
            yield con
        finally:
            con.close()

    def _ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        # every table's columns in one query (not one per table: each open of the lake asks)
        have: dict[str, set[str]] = {}
        for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ?",
            [LAKE],
        ).fetchall():
            have.setdefault(table, set()).add(column)
        for table in TABLE_NAMES:
            if table not in have:
                columns = ", ".join(
                    f'"{c}" {duckdb_types()[t]}' for c, t in lake_columns(table).items()
                )
                con.execute(f'CREATE TABLE {LAKE}."{table}" ({columns})')
                continue
            # a lake written before a canonical column was added gets it (null in older rows)
            for c, t in lake_columns(table).items():
                if c not in have[table]:
                    con.execute(
                        f'ALTER TABLE {LAKE}."{table}" ADD COLUMN "{c}" {duckdb_types()[t]}'
                    )

    def snapshots(
        self, con: duckdb.DuckDBPyConnection, only: Collection[int] | None = None
    ) -> pl.DataFrame:
        """Every publication commit (or those in `only`): snapshot, time, the publication."""
        import polars as pl

        rows = con.execute(
            f"SELECT snapshot_id, snapshot_time, commit_extra_info FROM {LAKE}.snapshots() "
            "WHERE commit_message LIKE 'publication %' ORDER BY snapshot_id"
        ).fetchall()
        records = [
            {"snapshot_id": sid, "committed_at": when, **json.loads(info)}
            for sid, when, info in rows
        ]
        schema = {
            "snapshot_id": pl.Int64,
            "committed_at": pl.Datetime("us", "UTC"),
            "source": pl.String,
            "publication_id": pl.String,
            "format": pl.String,
            "published_at": pl.String,
            "published_basis": pl.String,
            "fetched_at": pl.String,
            "sha256": pl.String,
            "entry_count": pl.Int64,
            "files": pl.String,
            "staged_as": pl.String,
        }
        df = pl.DataFrame(records, schema=schema, strict=False)
        if only is not None:
            df = df.filter(pl.col("snapshot_id").is_in(sorted(only)))
        return df.with_columns(
            pl.col("published_at").str.to_date(strict=False),
            pl.col("fetched_at").str.to_datetime(time_zone="UTC", strict=False),
        )

    def commit(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        publication: Mapping[str, Any],
        tables: Mapping[str, pl.DataFrame],
    ) -> Committed:
        """Make the lake hold exactly `tables` for `source`, as one snapshot naming `publication`.

        Re-committing a publication that is already current for its source creates nothing.
        """
        import polars as pl

        publication_id = publication["publication_id"]
        known = self.snapshots(con).filter(pl.col("source") == source)
        # same publication parsed by the same code: nothing to commit (a parser fix re-commits)
        if known.height and known["staged_as"][-1] == publication.get("staged_as", publication_id):
            return Committed(source, publication_id, int(known["snapshot_id"][-1]), False, {}, {})
        inserted: dict[str, int] = {}
        deleted: dict[str, int] = {}
        con.execute("BEGIN")
        try:
            for table in TABLE_NAMES:
                columns = list(lake_columns(table))
                new = tables[table].select(columns)
                old = (
                    con.execute(
                        f'SELECT rowid AS _rowid, * FROM {LAKE}."{table}" WHERE source = ?',
                        [source],
                    ).pl()
                    if known.height
                    else pl.DataFrame()
                )
                if old.height:
                    old = _with_ordinal(
                        old.with_columns(pl.col(c).cast(t) for c, t in lake_columns(table).items()),
                        columns,
                    )
                    new = _with_ordinal(new, columns)
                    gone = old.join(new, on=[*columns, "_n"], how="anti", nulls_equal=True)
                    added = new.join(
                        old.drop("_rowid"), on=[*columns, "_n"], how="anti", nulls_equal=True
                    )
                else:  # first publication of the source: everything is new
                    gone, added = old, new
                if gone.height:
                    con.register("gone", gone.select("_rowid").to_arrow())
                    con.execute(
                        f'DELETE FROM {LAKE}."{table}" WHERE rowid IN (SELECT _rowid FROM gone)'
                    )
                    con.unregister("gone")
                if added.height:
                    con.register("added", added.select(columns).to_arrow())
                    con.execute(f'INSERT INTO {LAKE}."{table}" BY NAME SELECT * FROM added')
                    con.unregister("added")
                inserted[table], deleted[table] = added.height, gone.height
            info = json.dumps({k: _jsonable(v) for k, v in publication.items()}, sort_keys=True)
            con.execute(
                f"CALL {LAKE}.set_commit_message('sanctions-etl', ?, extra_info => ?)",
                [f"publication {publication_id}", info],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        snapshot = con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()
        assert snapshot is not None
        return Committed(source, publication_id, int(snapshot[0]), True, inserted, deleted)

    def current_snapshot(self, con: duckdb.DuckDBPyConnection) -> int:
        row = con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()
        return int(row[0]) if row else 0

    def table_at(self, con: duckdb.DuckDBPyConnection, table: str, snapshot: int) -> pl.DataFrame:
        """A lake table as it stood at `snapshot`."""
        return con.execute(f'SELECT * FROM {LAKE}."{table}" AT (VERSION => {int(snapshot)})').pl()

    def published_snapshots(
        self, con: duckdb.DuckDBPyConnection, latest: Mapping[str, Any] | None
    ) -> set[int]:
        """Snapshots that went into a published version, from the ledger.

        `latest` is the manifest `published/latest` points to: a run killed after switching
        `latest` but before recording it in the ledger is recorded here. A lake older than the
        ledger (no `published.json`) counts every commit up to the latest version's snapshot,
        which is what its versions published.
        """
        import polars as pl

        entries = self.ledger_entries()
        published = {s for entry in entries for s in entry["snapshots"]}
        if latest is None or latest.get("lake_snapshot") is None:
            return published
        if any(entry["version"] == latest["version"] for entry in entries):
            return published
        snaps = self.snapshots(con).filter(pl.col("snapshot_id") <= latest["lake_snapshot"])
        if not entries:  # before the ledger: every commit then was part of a published version
            return published | set(snaps["snapshot_id"].to_list())
        # the latest version's own commits: each source's last one up to its snapshot
        last = snaps.group_by("source").agg(pl.col("snapshot_id").max())
        return published | set(last["snapshot_id"].to_list())

    def record_published(self, version: str, lake_snapshot: int, snapshots: Iterable[int]) -> None:
        """Add a published version and the snapshots it holds to the ledger (atomically)."""
        entries = [e for e in self.ledger_entries() if e["version"] != version]
        entries.append(
            {"version": version, "lake_snapshot": lake_snapshot, "snapshots": sorted(snapshots)}
        )
        self.write_ledger(entries)

    # --- where the ledger lives (the shared backend keeps it on the object store) ---------
    def ledger_entries(self) -> list[dict[str, Any]]:
        """The ledger's entries, oldest first (none before the first published version)."""
        return json.loads(self.ledger.read_text())["versions"] if self.ledger.exists() else []

    def write_ledger(self, entries: list[dict[str, Any]]) -> None:
        atomic_write(self.ledger, dumps({"versions": entries}).encode())

    def freeze(self, target: Path, data_path: str = VERSION_DATA_PATH) -> None:
        """Copy the (closed) catalog for a published version, its data path set to `data_path`.

        DuckLake reads a relative data path relative to the catalog file, so a version whose
        catalog says `lake/` and holds the lake's data files under `lake/` (`data_files`) keeps
        time travel wherever the version folder is copied or moved.
        """
        import duckdb

        shutil.copyfile(self.catalog, target)
        con = duckdb.connect(str(target))  # the catalog is a plain DuckDB database
        try:
            con.execute(
                "UPDATE ducklake_metadata SET value = ? WHERE key = 'data_path'", [data_path]
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()

    def data_files(self) -> dict[str, Path]:
        """Every data file of the lake, by its path under the data folder (`main/entities/…`)."""
        if not self.data.is_dir():
            return {}
        return {
            path.relative_to(self.data).as_posix(): path
            for path in sorted(self.data.rglob("*"))
            if path.is_file()
        }


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def entity_history(
    history: History, con: duckdb.DuckDBPyConnection, only: Collection[int] | None = None
) -> pl.DataFrame:
    """Per party, each stretch of consecutive publications that listed it (bitemporal facts).

    `only`: the snapshots that count (the published ones); a commit never published is skipped,
    so it neither delists nor lists anyone.

    `from_*` is the first publication of the stretch (published_at: the publisher's date;
    fetched_at: when we learned it); `to_*` is the publication that no longer listed the party
    (null while it is still listed).
    """
    import polars as pl

    snaps = history.snapshots(con, only).with_columns(k=pl.int_range(pl.len()).over("source"))
    frames = []
    for row in snaps.iter_rows(named=True):
        present = con.execute(
            f"SELECT entity_id, listed_on FROM {LAKE}.entities AT (VERSION => {int(row['snapshot_id'])}) WHERE source = ?",
            [row["source"]],
        ).pl()
        frames.append(
            present.with_columns(source=pl.lit(row["source"]), k=pl.lit(row["k"], dtype=pl.Int64))
        )
    schema = {
        "source": pl.String,
        "entity_id": pl.String,
        "listed_on": pl.Date,
        "from_publication_id": pl.String,
        "from_published_at": pl.Date,
        "from_fetched_at": pl.Datetime("us", "UTC"),
        "to_publication_id": pl.String,
        "to_published_at": pl.Date,
        "to_fetched_at": pl.Datetime("us", "UTC"),
    }
    if not frames:
        return pl.DataFrame(schema=schema)
    presence = pl.concat(frames).with_columns(pl.col("k").cast(pl.Int64))
    last_k = snaps.group_by("source").agg(pl.col("k").max().alias("last_k"))
    runs = (
        presence.sort("source", "entity_id", "k")
        .with_columns(run=pl.col("k") - pl.int_range(pl.len()).over("source", "entity_id"))
        .group_by("source", "entity_id", "run")
        .agg(
            pl.col("k").min().alias("first_k"),
            pl.col("k").max().alias("end_k"),
            pl.col("listed_on").last(),
        )
        .join(last_k, on="source")
        .with_columns(to_k=pl.when(pl.col("end_k") < pl.col("last_k")).then(pl.col("end_k") + 1))
    )
    pubs = snaps.select(
        "source",
        "k",
        "publication_id",
        "published_at",
        pl.col("fetched_at").fill_null(pl.col("committed_at")),
    )
    first = pubs.rename(
        {
            "k": "first_k",
            "publication_id": "from_publication_id",
            "published_at": "from_published_at",
            "fetched_at": "from_fetched_at",
        }
    )
    gone = pubs.rename(
        {
            "k": "to_k",
            "publication_id": "to_publication_id",
            "published_at": "to_published_at",
            "fetched_at": "to_fetched_at",
        }
    )
    return (
        runs.join(first, on=["source", "first_k"], how="left")
        .join(gone, on=["source", "to_k"], how="left")
        .select(list(schema))
        .cast(schema)
        .sort("source", "entity_id", "from_published_at")
    )


SANCTIONED_ON = """
CREATE MACRO sanctioned_on(party, d) AS TABLE
SELECT source, entity_id, listed_on,
       from_publication_id AS first_told_by, from_published_at AS first_published_at,
       from_fetched_at AS known_since, from_fetched_at::DATE <= d AS known_on_that_date,
       to_publication_id AS delisted_by, to_published_at AS delisted_published_at
FROM entity_history
WHERE entity_id = party
  AND coalesce(listed_on, from_published_at) <= d
  AND (to_published_at IS NULL OR to_published_at > d);
"""
