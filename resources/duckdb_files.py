"""DuckDB files written and read whole: a new file from polars tables (one transaction, one
thread, the data dictionary as comments), and whole tables read back. Used for the warehouse
(`assets/consolidated.py`) and each published version's `sanctions.duckdb`
(`resources/warehouse.py`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # duckdb and polars are imported where used, not with the definitions
    import duckdb
    import polars as pl

    from schemas.catalog import TableDoc


def sql_literal(text: str) -> str:
    """`text` as a SQL string literal (for statements that take no bound parameters: LOAD,
    ATTACH, COMMENT, secrets)."""
    return "'" + text.replace("'", "''") + "'"


def comment_sql(docs: Mapping[str, TableDoc], tables: Mapping[str, Iterable[str]]) -> str:
    """`COMMENT ON TABLE/COLUMN` statements for the documented tables and columns present
    (`tables`: table name -> its columns).

    COMMENT takes no bound parameters: the text is quoted as a SQL string literal.
    """
    statements = []
    for name, present in tables.items():
        doc = docs.get(name)
        if doc is None:
            continue
        if doc.description:
            statements.append(f'COMMENT ON TABLE "{name}" IS {sql_literal(doc.description)};')
        for column, text in doc.columns.items():
            if column not in present:
                continue
            statements.append(f'COMMENT ON COLUMN "{name}"."{column}" IS {sql_literal(text)};')
    return "\n".join(statements)


def write_database(
    path: Path,
    tables: Mapping[str, pl.DataFrame],
    sql: str = "",
    docs: Mapping[str, TableDoc] | None = None,
    late: Callable[[], Mapping[str, pl.DataFrame]] | None = None,
    base: Path | None = None,
) -> None:
    """Write `tables` into a new DuckDB file at `path` (via a temp file and rename).

    `docs` (the data dictionary) become comments on the tables and their columns. `late`
    gives more tables, written after `tables`: those are committed first, so the file is
    written while `late` waits for tables another thread computes (`publish_version`).

    `base`: a DuckDB file (closed, checkpointed) holding some of `tables` as they are (the
    warehouse, which the caller read them from under the same lock): the new file starts as
    a copy of it and only the other tables are written. A table in it that is not one of
    `tables` is an error; the row counts are verified after (`publish_version`). A base with
    a write-ahead log beside it (opened for writing since, by hand) is not copied: its file
    alone may not hold what was read from it; every table is then written.

    One transaction (two with `late`), one thread: the file is written once, at the
    checkpoint (committed table by table, each table went to the write-ahead log and was
    copied from there again), and no CPU goes to threads contending on a 2-core machine. In
    #12's steady state (a version's 23 tables, 418,787 statements, and the warehouse): 1.6 s
    of CPU for both files instead of 2.9, the same tables in the same order.
    """
    import duckdb

    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        written = dict(tables)
        if base is not None and Path(f"{base}.wal").exists():
            base = None
        if base is not None:
            shutil.copyfile(base, tmp)
        con = duckdb.connect(str(tmp), config={"threads": 1})
        try:
            if base is not None:
                held = {r[0] for r in con.execute(BASE_TABLES).fetchall()}
                if not held <= set(tables):
                    raise ValueError(
                        f"{base}: holds tables that are not the version's: "
                        f"{', '.join(sorted(held - set(tables)))}"
                    )
                written = {n: df for n, df in tables.items() if n not in held}
            con.execute("BEGIN")
            _create(con, written)
            if late is not None:
                con.execute("COMMIT")
                more = late()
                con.execute("BEGIN")
                _create(con, more)
                tables = {**tables, **more}
            if sql:
                con.execute(sql)
            if docs:
                con.execute(comment_sql(docs, {n: df.columns for n, df in tables.items()}))
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    except BaseException:
        # a failed write (disk full…) leaves nothing behind
        tmp.unlink(missing_ok=True)
        tmp.with_name(f"{tmp.name}.wal").unlink(missing_ok=True)
        raise


BASE_TABLES = "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"


def _create(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pl.DataFrame]) -> None:
    for name, df in tables.items():
        con.register("incoming", df.to_arrow())
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
        con.unregister("incoming")


def _utc(df: pl.DataFrame) -> pl.DataFrame:
    """DuckDB hands time zones back as `Etc/UTC`; the tables declare `UTC`."""
    import polars as pl

    zoned = [n for n, t in df.schema.items() if isinstance(t, pl.Datetime) and t.time_zone]
    return df.with_columns(pl.col(n).dt.convert_time_zone("UTC") for n in zoned) if zoned else df


def read_database(path: Path, tables: list[str]) -> dict[str, pl.DataFrame]:
    """Read whole tables from a DuckDB file, opened read-only."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: _utc(con.execute(f'SELECT * FROM "{name}"').pl()) for name in tables}
    finally:
        con.close()
