"""Trade data by period: the yearly partitions of the trade source assets and their storage.

One partitions definition, yearly (`PERIODS`), for the five sources that carry a period
(Comext, CN8, Comtrade, BACI, IMF). Why one and yearly: every one of their tables has a year
column, and Comext's downloads mix annual and monthly rows of the same year, so a year is the
one period all five share; a Dagster job cannot mix partitions definitions, so with one
definition a single run (one range run, `range_tags`) covers every trade source, where a
monthly and a yearly definition would need two runs and two jobs. One month (or a run of
months) is refreshed inside its year's partition: a run of that year tagged `trade/months`
(`assets/trade_months.py`) replaces only that month's rows in the year file; the annual rows,
the other months and the other years are not touched.

Each period of a table is its own file, `<data dir>/warehouse/trade/<table>/period=<year>.parquet`,
written atomically; a run rewrites (or, when the period has no rows any more, removes) only the
files of the periods in its range (a month run: only the year files holding its months). `scan_periods` reads all stored periods back in the order of
the source's files and lines (`parse_order`), the order of the table before it was partitioned,
so the tables built from it are the same row for row.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import BackfillPolicy, BetaWarning, TimeWindowPartitionsDefinition

from resources.storage import DataDir

if TYPE_CHECKING:  # polars loads when a period is read or written, not with the definitions
    import polars as pl

# The first period. Every query the live fetcher sends starts in 2019 (Comext `startPeriod`,
# Comtrade `period`, BACI HS22 from 2022) and the oldest year in the shipped snapshots is 2010
# (Comext's annual series): 2010 covers all of them. A row of an earlier year is refused with a
# clear error (`split_periods`), never dropped: move this back to take older data.
FIRST_YEAR = 2010
# yearly, keys "2010" … ; `end_offset=1` makes the current (incomplete) year a partition too,
# so the monthly cron can launch it
PERIODS = TimeWindowPartitionsDefinition(
    start=str(FIRST_YEAR), fmt="%Y", cron_schedule="0 0 1 1 *", end_offset=1
)
# `backfill_policy` is marked beta in dagster 1.13; the pinned version is what is tested, so its
# warning (once per partitioned asset, on every load of the definitions) is not repeated to users
warnings.filterwarnings("ignore", "Parameter `backfill_policy`", BetaWarning)
BACKFILL = BackfillPolicy.single_run()  # a range of years runs as one step
# the period (year) column of each partitioned source table
YEAR_COLUMNS: dict[str, str] = {
    "eurostat_comext": "year",
    "eurostat_cn8": "year",
    "un_comtrade": "ref_year",
    "cepii_baci": "year",
    "imf_imts": "year",
}
PARTITIONED = tuple(YEAR_COLUMNS)
# The order of a table's rows as parsed (file by file, line by line), recovered across its
# period files by a stable sort on these keys: each period file keeps parse order, so rows that
# tie (a CN8 sheet's cells, laid out month by month) come back in period order, as parsed. BACI
# has none: its files are yearly, so period order is already file order (and 200 M rows need no
# sort). CN8's workbooks are read sheet by sheet ("Sheet 1", "Sheet 2", … in workbook order).
ORDERED_BY_LINES = ("eurostat_comext", "un_comtrade", "imf_imts")


def parse_order(table: str) -> tuple[pl.Expr, ...]:
    """The sort keys giving back `table`'s parse order across its period files (none: BACI)."""
    import polars as pl

    if table in ORDERED_BY_LINES:
        return (pl.col("source_file"), pl.col("source_line"))
    if table == "eurostat_cn8":
        sheet = pl.col("source_sheet").str.extract(r"(\d+)$").cast(pl.Int32)
        return (pl.col("source_file"), sheet)
    if table == "cepii_baci":
        return ()
    raise KeyError(f"{table} is not a partitioned trade table")


RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


class UnknownPeriodError(ValueError):
    """A period key that is not one of the trade partitions."""


def periods() -> list[str]:
    """Every period key, oldest first ("2010" … the current year)."""
    return PERIODS.get_partition_keys()


def period_at(moment: datetime) -> str:
    """The period current at `moment` (its year): what the monthly trade cron refreshes."""
    return check_periods([str(moment.year)])[0]


def check_periods(keys: Sequence[str]) -> list[str]:
    """`keys` if every one is a trade period, else an error naming the bad ones and the range."""
    known = periods()
    bad = sorted({k for k in keys if k not in known})
    if bad:
        raise UnknownPeriodError(
            f"unknown trade period(s) {', '.join(bad)}: periods are years {known[0]} to {known[-1]}"
        )
    return list(keys)


def range_tags(first: str | None = None, last: str | None = None) -> dict[str, str]:
    """Run tags for one run over periods `first`..`last` (default: all), as a backfill sends."""
    known = periods()
    first, last = check_periods([first or known[0], last or first or known[-1]])
    if known.index(first) > known.index(last):
        raise UnknownPeriodError(f"trade period range {first}..{last} runs backwards")
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def full_range_tags() -> dict[str, str]:
    """Run tags covering every trade period (the command line's and tests' full runs)."""
    return range_tags()


# --- storage ---------------------------------------------------------------------------------


def period_dir(data_dir: DataDir, table: str) -> Path:
    return data_dir.path / "warehouse" / "trade" / table


def period_path(data_dir: DataDir, table: str, period: str) -> Path:
    return period_dir(data_dir, table) / f"period={period}.parquet"


def stored_periods(data_dir: DataDir, table: str) -> list[Path]:
    """The stored period files of `table`, oldest first."""
    folder = period_dir(data_dir, table)
    return sorted(folder.glob("period=*.parquet")) if folder.is_dir() else []


def scan_periods(data_dir: DataDir, table: str) -> pl.LazyFrame:
    """Every stored period of `table`, in source file and line order (empty if none)."""
    import polars as pl

    from trade.tables import empty

    files = stored_periods(data_dir, table)
    if not files:
        return empty(table).lazy()
    frame = pl.scan_parquet(files)
    order = parse_order(table)
    return frame.sort(*order, maintain_order=True) if order else frame


def write_atomic(path: Path, frame: pl.DataFrame | pl.LazyFrame) -> None:
    """Write parquet to `path` through a scratch file and a rename (runs may overlap)."""
    import polars as pl

    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    if isinstance(frame, pl.LazyFrame):
        frame.sink_parquet(scratch)
    else:
        frame.write_parquet(scratch)
    os.replace(scratch, path)


def period_counts(table: str, frame: pl.DataFrame | pl.LazyFrame) -> dict[str, int]:
    """Rows per period of a parsed table; a row outside every period is an error (not lost)."""
    import polars as pl

    column = YEAR_COLUMNS[table]
    counts = frame.lazy().group_by(column).agg(pl.len()).collect(engine="streaming")
    known = set(periods())
    by_period = {(None if y is None else str(y)): int(n) for y, n in counts.iter_rows() if n}
    outside = sorted(str(p) for p in by_period if p not in known)
    if outside:
        raise UnknownPeriodError(
            f"{table}: rows of year(s) {', '.join(outside)} ({column}) fall outside the trade "
            f"periods {min(known)}..{max(known)}: nothing was stored; extend "
            "assets/trade_periods.FIRST_YEAR to take them"
        )
    return by_period  # type: ignore[return-value]


def write_periods(
    data_dir: DataDir, table: str, frame: pl.DataFrame | pl.LazyFrame, keys: Sequence[str]
) -> dict[str, int]:
    """Store the rows of each period in `keys` as its own file; return rows per period.

    A period of `keys` without rows has its file removed; periods outside `keys` are not
    touched (their rows, if the parse holds any, are stored by their own partition's run).
    """
    import polars as pl

    counts = period_counts(table, frame)
    column = YEAR_COLUMNS[table]
    period_dir(data_dir, table).mkdir(parents=True, exist_ok=True)  # stored, even if empty
    written: dict[str, int] = {}
    for key in keys:
        path = period_path(data_dir, table, key)
        rows = counts.get(key, 0)
        if rows:
            write_atomic(path, frame.lazy().filter(pl.col(column) == int(key)))
        else:
            path.unlink(missing_ok=True)
        written[key] = rows
    return written
