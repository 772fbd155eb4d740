"""Trade data by month: one month (or a run of months) refreshed inside its year's partition.

The trade sources stay partitioned by year (`assets/trade_periods.py`): a month is asked for
with the run tag `trade/months` (`2023-05`, or `2023-05..2023-07`) on a run of its year's
partition (`month_tags`; `cli.py run --period 2023-05` sets both). Such a run fetches only
those months where the publisher's API can be asked for them (Comext's SDMX
`startPeriod`/`endPeriod`); the shipped snapshots hold every month, so they are parsed whole and
only the months asked for are taken. In each year file the rows of those months are replaced
and nothing else: the annual rows, the other months and every other year keep their values, and
a file with nothing to replace is not rewritten. The year file is rewritten atomically in parse
order (`YEAR_ORDER`), so it is, row for row, the file a full build of the same data writes.

What is refused, with an error naming the month and the source (nothing is stored):
- a month of a yearly source (`cepii_baci`, `imf_imts`: their figures are annual, a month
  cannot be carved out of them; refreshing the whole year instead would rewrite more than was
  asked) — refresh the year (the partition without the tag);
- a month a monthly series does not hold (the source has monthly rows that year, but none of
  that month; live: the API, asked for that month, answers without rows), or whose stored rows
  the fetched data no longer has (never dropped silently);
- a month of a year the source has not built yet (a month is refreshed within its stored year);
- a malformed month, or one outside the trade periods.
A source with no monthly rows in that year at all (Comtrade's annual answers, the CN8 workbooks
outside 2020-2022) has nothing to refresh and leaves its files as they are (`refreshed` is empty).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from assets.trade_periods import (
    YEAR_COLUMNS,
    UnknownPeriodError,
    check_periods,
    period_path,
    range_tags,
    write_atomic,
)
from resources.fetcher import Fetcher, FileSpec
from resources.storage import DataDir, dumps

if TYPE_CHECKING:  # polars and dagster's run types load when a month run starts
    import polars as pl
    from dagster import AssetExecutionContext, MaterializeResult

    from assets.trade_sources import Fetched
    from trade.tables import TradeParse

MONTHS_TAG = "trade/months"
# the month column of each source table that has monthly rows (Comtrade: 52 = annual)
MONTH_COLUMNS: dict[str, str] = {
    "eurostat_comext": "month",
    "eurostat_cn8": "month",
    "un_comtrade": "ref_month",
}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthRefusedError(ValueError):
    """A month refresh that cannot be done as asked (nothing was stored)."""


def year_order(table: str) -> tuple[pl.Expr, ...]:
    """Sort keys giving a year file's rows in parse order, whatever mix of payloads they come
    from: file and line (unique within a file); CN8 sheets are read month column by month
    column, so sheet, month, then row (checked on the shipped workbooks: a full build's year
    files are sorted on these keys)."""
    import polars as pl

    if table == "eurostat_cn8":
        sheet = pl.col("source_sheet").str.extract(r"(\d+)$").cast(pl.Int32)
        return (pl.col("source_file"), sheet, pl.col("month"), pl.col("source_line"))
    return (pl.col("source_file"), pl.col("source_line"))


@dataclass(frozen=True)
class Months:
    """A run of consecutive months, `first` … `last` ("YYYY-MM")."""

    first: str
    last: str

    def names(self) -> list[str]:
        (y, m), (last_y, last_m) = (_split(self.first), _split(self.last))
        out = []
        while (y, m) <= (last_y, last_m):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def years(self) -> list[str]:
        return sorted({k[:4] for k in self.names()})

    def of_year(self, year: str) -> list[int]:
        return [int(k[5:]) for k in self.names() if k[:4] == year]

    def tag(self) -> str:
        return self.first if self.first == self.last else f"{self.first}..{self.last}"


def _split(key: str) -> tuple[int, int]:
    return int(key[:4]), int(key[5:])


def is_month(text: str) -> bool:
    """Whether `text` is written as a month (`YYYY-MM`, or a range of them), not a year."""
    return bool(_MONTH.match(text.partition("..")[0].strip()))


def parse_months(text: str) -> Months:
    """`YYYY-MM` or `YYYY-MM..YYYY-MM`, checked against the trade periods (else an error naming
    the bad month)."""
    first, _, last = (part.strip() for part in text.partition(".."))
    last = last or first
    for key in (first, last):
        match = _MONTH.match(key)
        if not match or not 1 <= int(match[2]) <= 12:
            raise UnknownPeriodError(f"{key!r} is not a month (YYYY-MM, e.g. 2023-05)")
        try:
            check_periods([match[1]])
        except UnknownPeriodError as exc:
            raise UnknownPeriodError(f"month {key}: {exc}") from None
    if first > last:
        raise UnknownPeriodError(f"trade month range {first}..{last} runs backwards")
    return Months(first, last)


def month_tags(months: Months) -> dict[str, str]:
    """Run tags for a month refresh: the range of the months' years, and the months."""
    years = months.years()
    return range_tags(years[0], years[-1]) | {MONTHS_TAG: months.tag()}


def run_months(tags: Mapping[str, str], partition_keys: Sequence[str]) -> Months | None:
    """The months a run asks for (None: whole years); its partitions must be their years."""
    text = tags.get(MONTHS_TAG)
    if text is None:
        return None
    months = parse_months(text)
    if sorted(partition_keys) != months.years():
        raise UnknownPeriodError(
            f"run tag {MONTHS_TAG}={text} needs the run's partitions to be year(s) "
            f"{', '.join(months.years())}, not {', '.join(partition_keys)}"
        )
    return months


def refuse_yearly(source: str, months: Months) -> None:
    if source not in MONTH_COLUMNS:
        years = ", ".join(months.years())
        raise MonthRefusedError(
            f"{source} is yearly (annual figures only): month {months.tag()} cannot be refreshed "
            f"on its own; refresh the year (partition {years} without the {MONTHS_TAG} tag, "
            f"or `cli.py run --period {months.years()[0]}`)"
        )


def live_specs(
    source: str, specs: Sequence[FileSpec], months: Months, overrides: Mapping[str, str]
) -> tuple[FileSpec, ...]:
    """The live files narrowed to the months, where the publisher's API can be asked for them
    (Comext's SDMX `startPeriod`/`endPeriod`, on the fetcher's URL override if it has one);
    () when its live query has no monthly rows (Comtrade's `C/A` answers are annual). Each file
    is named after its months (`comext_exports_RU_2023-05.csv`): the archive keeps it apart
    from the whole series, and its rows say which answer they came from."""
    if source != "eurostat_comext":
        return ()
    span = months.first if months.first == months.last else f"{months.first}_{months.last}"
    out = []
    for spec in specs:
        url = urlsplit(overrides.get(f"{source}/{spec.name}", spec.url))
        query = [(k, v) for k, v in parse_qsl(url.query) if k not in ("startPeriod", "endPeriod")]
        query += [("startPeriod", months.first), ("endPeriod", months.last)]
        stem, dot, suffix = spec.name.rpartition(".")
        out.append(
            FileSpec(
                f"{stem}_{span}{dot}{suffix}",
                urlunsplit(url._replace(query=urlencode(query))),
                spec.kind,
            )
        )
    return tuple(out)


def write_months(
    data_dir: DataDir,
    table: str,
    frame: pl.DataFrame | pl.LazyFrame,
    months: Months,
    asked: bool = False,
) -> dict[str, dict[str, int]]:
    """Replace the rows of `months` in each year file of `table` with `frame`'s rows of those
    months; the rest of each file is kept as stored. Returns per year the rows refreshed per
    month (an empty dict: no monthly rows that year in the data nor the store, not rewritten).

    Everything is checked before any file is written: a month the data lacks while the series
    has other months that year (or, `asked`: the publisher was asked for these months only), or
    whose stored rows the data no longer has, is refused.
    """
    import polars as pl

    year, month = pl.col(YEAR_COLUMNS[table]), pl.col(MONTH_COLUMNS[table])
    monthly = month.is_between(1, 12)
    plans: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
    counts: dict[str, dict[str, int]] = {}
    for key in months.years():
        wanted = months.of_year(key)
        path = period_path(data_dir, table, key)
        stored = pl.read_parquet(path) if path.exists() else None
        in_year = frame.lazy().filter((year == int(key)) & monthly)
        fresh = in_year.filter(month.is_in(wanted)).collect()
        have = sorted(in_year.select(month.unique()).collect().to_series().to_list())
        old = {} if stored is None else _month_counts(stored.filter(month.is_in(wanted)), month)
        new = _month_counts(fresh, month)
        for m in wanted:
            name = f"{key}-{m:02d}"
            if not new.get(m) and old.get(m):
                raise MonthRefusedError(
                    f"{table}: month {name} has {old[m]} stored rows but none in the fetched "
                    "data: refused (rows are never dropped; refresh the year to accept it)"
                )
            if not new.get(m) and (have or asked):
                listed = ", ".join(f"{key}-{h:02d}" for h in have) or "none"
                raise MonthRefusedError(
                    f"{table}: month {name} is not in the data (its monthly rows of {key}: "
                    f"{listed}); nothing was stored"
                )
        counts[key] = {f"{key}-{m:02d}": n for m, n in sorted(new.items())}
        if fresh.height or old:
            kept = (
                stored.filter(~month.is_in(wanted) | month.is_null())
                if stored is not None
                else None
            )
            plans[key] = (fresh, kept if kept is not None else fresh.clear())
    for key, (fresh, kept) in plans.items():
        merged = pl.concat([kept, fresh]).sort(*year_order(table), maintain_order=True)
        write_atomic(period_path(data_dir, table, key), merged)
    return counts


def _month_counts(frame: pl.DataFrame, month: pl.Expr) -> dict[int, int]:
    return {int(m): int(n) for m, n in frame.group_by(month).len().iter_rows() if n}


# --- the month run of one source (called by `assets/trade._materialize`) ----------------------


def materialize_months(
    context: AssetExecutionContext,
    source: str,
    fetcher: Fetcher,
    data_dir: DataDir,
    parse: Callable[[Fetched, Path], tuple[TradeParse, pl.DataFrame]],
    months: Months,
) -> tuple[MaterializeResult, dict[str, pl.DataFrame]]:
    """Fetch (live: only `months`), parse and store the rows of `months` of one source; the
    data version of the run's year(s) is what their files are now built from."""
    import polars as pl
    from dagster import DataVersion, MaterializeResult, MetadataValue

    # `assets.trade` imports this module: its key function is taken when a month run starts
    from assets.trade import input_key
    from assets.trade_sources import (
        LIVE_FILES,
        fetch_files,
        frame_markdown,
        meta_path,
        read_meta,
        read_table,
        table_path,
        warehouse,
        write_table,
    )
    from trade.tables import TradeParse, empty

    refuse_yearly(source, months)
    meta = read_meta(data_dir, source) if meta_path(data_dir, source).exists() else {}
    stored: dict[str, dict[str, Any]] = meta.get("periods", {})
    years = months.years()
    if unbuilt := [y for y in years if y not in stored]:
        raise MonthRefusedError(
            f"{source}: year(s) {', '.join(unbuilt)} not built yet: a month is refreshed within "
            f"its stored year; run partition(s) {', '.join(unbuilt)} first "
            f"(`cli.py run --period {unbuilt[0]}`)"
        )

    def version() -> DataVersion:  # what the run's year files are built from
        keys = [stored[y]["input_key"] for y in years]
        return DataVersion(keys[0] if len(keys) == 1 else input_key(keys))

    base = {"mode": fetcher.mode, "months": months.tag()}
    live = fetcher.mode != "snapshot" and bool(LIVE_FILES[source])
    overrides = getattr(fetcher, "url_overrides", {})
    specs = live_specs(source, LIVE_FILES[source], months, overrides) if live else None
    if live and not specs:
        context.log.info(f"{source}: its live query has no monthly rows: nothing to refresh")
        note = "live query annual: no monthly rows, nothing fetched or refreshed"
        return MaterializeResult(metadata={**base, "note": note}, data_version=version()), {}
    fetched = fetch_files(source, fetcher, data_dir, specs)
    key = input_key([f["sha256"] for f in fetched.described])
    if all(
        stored[y].get("input_key") == key
        or all(stored[y].get("months", {}).get(m) == key for m in months.names() if m[:4] == y)
        for y in years
    ):
        context.log.info(f"{source}: months {months.tag()} already built from these payloads")
        # no payload digest (assets/unchanged.py): a month run does not vouch for its years'
        # other months, so the next full run of the source is never left out on its account
        metadata = {**base, "published_at": fetched.published_at or "unknown", "unchanged": True}
        return MaterializeResult(metadata=metadata, data_version=version()), {}
    with tempfile.TemporaryDirectory(dir=warehouse(data_dir), prefix=".scratch-") as tmp:
        if fetched.files:
            result, accounting = parse(fetched, Path(tmp))
        else:
            result = TradeParse(source=source, table=source, frame=empty(source))
            accounting = result.accounting(None)
        # live, the publisher was asked for these months only: one it answers without is not
        # published (yet)
        refreshed = write_months(data_dir, result.table, result.frame, months, bool(specs))
        rejects = result.rejects
        if specs:  # a payload of these months only: the other periods' rejects stay
            previous = table_path(data_dir, f"{result.table}_rejects")
            if previous.exists():
                rejects = pl.concat([read_table(data_dir, f"{result.table}_rejects"), rejects])
                rejects = rejects.unique(maintain_order=True)
        write_table(data_dir, f"{result.table}_rejects", rejects)
        for name, frame in result.extra.items():
            write_table(data_dir, f"{result.table}_{name}", frame)
    for y, counts in refreshed.items():
        if not counts:
            continue  # no monthly rows that year, in the data nor stored: file not rewritten
        path = period_path(data_dir, result.table, y)
        rows = pl.scan_parquet(path).select(pl.len()).collect().item() if path.exists() else 0
        asked = [m for m in months.names() if m[:4] == y]
        stored[y] = {
            "input_key": input_key([stored[y]["input_key"], *(f"{m}={key}" for m in asked)]),
            "rows": rows,
            "months": {**stored[y].get("months", {}), **dict.fromkeys(asked, key)},
        }
    meta |= {
        "mode": fetched.mode,
        "published_at": fetched.published_at,
        "published_basis": fetched.published_basis,
        "note": fetched.note,
        "files": fetched.described,
        "rows": sum(n for counts in refreshed.values() for n in counts.values()),
        "rejects": rejects.height,
        "accounting": accounting.to_dicts(),
        "unknowns": [u.as_dict() for u in result.unknowns],
        "input_key": input_key([dumps(stored)]),
        "periods": dict(sorted(stored.items())),
        "months": months.tag(),
    }
    meta_path(data_dir, source).write_text(dumps(meta))
    context.log.info(f"{source}: months {months.tag()} refreshed: {refreshed}")
    metadata = {
        **base,
        "published_at": fetched.published_at or "unknown",
        "rows_by_month": MetadataValue.json(refreshed),
        "rejects": rejects.height,
        "source_files": len(fetched.files),
        "accounting": MetadataValue.md(frame_markdown(accounting, 20)),
        "raw_sha256": MetadataValue.json({f["name"]: f["sha256"] for f in fetched.described[:40]}),
    }
    # the checks read the stored tables: every period, with the refreshed months
    return MaterializeResult(metadata=metadata, data_version=version()), {}
