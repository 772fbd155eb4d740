"""The blocking checks of the trade assets, run inside the step that materializes each asset.

Each check is a plain function of frames (testable without Dagster) returning
`(passed, metadata)`; `TRADE_CHECKS` binds each to its asset, name and description. An asset
declares its checks (`check_specs`) and, after its materialization, yields their results
(`check_results`) computed on a `TradeFrames`: the tables the step has in hand, and the others
(the HS nomenclature, an unchanged source's table) each read once from the trade warehouse.
A failed check fails the step, so nothing downstream runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from dagster import AssetCheckResult, AssetCheckSpec, MetadataValue

from assets.trade_sources import INDICATOR_TABLES, frame_markdown, read_meta, read_table
from core.countries import valid_codes
from resources.storage import DataDir
from schemas.validate import failures_markdown, validate
from trade.vocabulary import CN8_PRODUCTS, CODE_KINDS, COMTRADE_VALUE_COLUMNS, CURRENCIES

if TYPE_CHECKING:  # polars and the trade modules load when a check runs
    import polars as pl

Verdict = tuple[bool, dict[str, Any]]


class TradeFrames:
    """Trade tables and source metas for one step's checks, each read at most once."""

    def __init__(self, data_dir: DataDir, frames: Mapping[str, pl.DataFrame] | None = None):
        self.data_dir = data_dir
        self._frames: dict[str, pl.DataFrame] = dict(frames or {})
        self._metas: dict[str, dict[str, Any]] = {}

    def __getitem__(self, table: str) -> pl.DataFrame:
        if table not in self._frames:
            self._frames[table] = read_table(self.data_dir, table)
        return self._frames[table]

    def meta(self, source: str) -> dict[str, Any]:
        if source not in self._metas:
            self._metas[source] = read_meta(self.data_dir, source)
        return self._metas[source]


# --- checks as pure functions (frames in, verdict and failure cases out) --------------------


def _failures(bad: pl.DataFrame, what: str) -> Verdict:
    return bad.height == 0, {
        what: bad.height,
        "failure_cases": MetadataValue.md(frame_markdown(bad, 20) if bad.height else "none"),
    }


def schema_valid(frames: Mapping[str, pl.DataFrame]) -> Verdict:
    """Pandera: each frame (by table name) is valid against its model of `schemas/trade.py`."""
    from schemas.trade import MODELS  # pandera: loaded when checking

    failures = validate({t: MODELS[t] for t in frames}, dict(frames))
    return not failures, {
        "failure_cases": MetadataValue.md(failures_markdown(failures) if failures else "none")
    }


def values_valid(df: pl.DataFrame, values: Iterable[str], currency: str | None = None) -> Verdict:
    """Values non-negative; currency (when the table carries one) among the declared ones."""
    import polars as pl

    bad = pl.any_horizontal([pl.col(v) < 0 for v in values])
    if currency:
        bad = bad | ~pl.col(currency).is_in(list(CURRENCIES))
    return _failures(df.filter(bad.fill_null(False)), "bad_values")


def periods_valid(df: pl.DataFrame, year: str = "year", month: str | None = "month") -> Verdict:
    import polars as pl

    bad = pl.col(year).is_null() | ~pl.col(year).is_between(1948, date.today().year + 1)
    if month:
        bad = bad | (pl.col(month).is_not_null() & ~pl.col(month).is_between(1, 12))
    return _failures(df.filter(bad), "bad_periods")


def codes_resolve(df: pl.DataFrame, pairs: Iterable[tuple[str, str | None]]) -> Verdict:
    """Every code present, of a known kind, and a valid ISO alpha-2 code where it is a country."""
    import polars as pl

    bad = pl.lit(False)
    for code, kind in pairs:
        bad = bad | pl.col(code).is_null()
        if kind:
            is_country = pl.col(kind) == "country"
            bad = (
                bad
                | ~pl.col(kind).is_in(list(CODE_KINDS))
                | (is_country & ~pl.col(code).is_in(list(valid_codes())))
            )
    return _failures(df.filter(bad.fill_null(True)), "unresolved_codes")


def rows_accounted(meta: dict[str, Any]) -> Verdict:
    """The accounting a source's meta records: every group's rows add up."""
    import polars as pl

    rows = meta["accounting"]
    table = pl.DataFrame(rows) if rows else pl.DataFrame({"group": [], "ok": []})
    return all(r["ok"] for r in rows), {"accounting": MetadataValue.md(frame_markdown(table, 40))}


def aggregates_not_double_counted(comext: pl.DataFrame) -> Verdict:
    """EU member states sum to at most the EU27_2020 aggregate (tolerance in indicators)."""
    import polars as pl

    from trade import indicators

    flows = indicators.flows_from_eurostat(comext)
    compared = indicators.members_vs_aggregate(flows)
    bad = compared.filter(~pl.col("ok"))
    passed, metadata = _failures(bad, "periods_over_aggregate")
    metadata["periods_compared"] = compared.height
    metadata["max_excess_ratio"] = (
        float(compared["excess_ratio"].max() or 0.0) if compared.height else 0.0
    )
    return passed, metadata


def hs_codes_exist(
    df: pl.DataFrame, hs_codes: pl.DataFrame, code: str, edition: tuple[str, str] | None = None
) -> Verdict:
    """HS6 codes of the table are subheadings of HS 2022 (rows of other HS editions are counted, not checked)."""
    import polars as pl

    hs = hs_codes.select(pl.col("hs_code").alias(code))
    other = 0
    if edition:
        column, value = edition
        other = df.filter(pl.col(column) != value).height
        df = df.filter(pl.col(column) == value)
    bad = df.join(hs, on=code, how="anti")
    passed, metadata = _failures(bad.select(code).unique(), "unknown_codes")
    metadata["rows_in_other_hs_editions"] = other
    return passed, metadata


def not_available_is_null(cells: pl.DataFrame) -> Verdict:
    """`obs_flag` set exactly where `value_eur` is null (so a `:` never became 0)."""
    import polars as pl

    bad = cells.filter(pl.col("value_eur").is_null() != pl.col("obs_flag").is_not_null())
    passed, metadata = _failures(bad, "cells_flag_mismatch")
    metadata["cells_not_available"] = int(cells["obs_flag"].is_not_null().sum())
    return passed, metadata


def cn8_subheadings_exist(products: pl.DataFrame, hs_codes: pl.DataFrame) -> Verdict:
    """The HS6 of every CN8/HS6 product line is an HS 2022 subheading (HS4 lines have none)."""
    import polars as pl

    products = products.filter(pl.col("hs6").is_not_null())
    hs = hs_codes.filter(pl.col("level") == 6)
    bad = products.join(hs.select(pl.col("hs_code").alias("hs6")), on="hs6", how="anti")
    passed, metadata = _failures(bad.select("product_code", "hs6", "source_sheet"), "unknown_hs6")
    metadata["product_lines_checked"] = products.height
    return passed, metadata


def chpl_in_nomenclature(chpl: pl.DataFrame, hs_codes: pl.DataFrame) -> Verdict:
    from trade import chpl_codes

    return _failures(chpl_codes.missing_from_nomenclature(chpl, hs_codes), "codes_not_in_hs2022")


def source_files_present(tables: Mapping[str, pl.DataFrame]) -> Verdict:
    import polars as pl

    empty_rows = {
        t: df.filter(pl.col("source_files").list.len() == 0).height for t, df in tables.items()
    }
    return sum(empty_rows.values()) == 0, {
        "rows_without_source_files": MetadataValue.json(empty_rows)
    }


# --- the checks of each asset ----------------------------------------------------------------

Run = Callable[[TradeFrames], Verdict]


@dataclass(frozen=True)
class TradeCheck:
    """One blocking check of a trade asset: what it is called and says, and how it runs."""

    asset: str
    name: str
    description: str
    run: Run

    def spec(self) -> AssetCheckSpec:
        return AssetCheckSpec(
            self.name, asset=self.asset, blocking=True, description=self.description
        )

    def result(self, frames: TradeFrames) -> AssetCheckResult:
        passed, metadata = self.run(frames)
        return AssetCheckResult(check_name=self.name, passed=passed, metadata=metadata)


def _schema(table: str) -> Run:
    return lambda t: schema_valid({table: t[table]})


def _values(table: str, values: Iterable[str], currency: str | None = None) -> Run:
    return lambda t: values_valid(t[table], values, currency)


def _periods(table: str, year: str = "year", month: str | None = "month") -> Run:
    return lambda t: periods_valid(t[table], year, month)


def _codes(table: str, pairs: Iterable[tuple[str, str | None]]) -> Run:
    return lambda t: codes_resolve(t[table], pairs)


def _accounted(source: str) -> Run:
    return lambda t: rows_accounted(t.meta(source))


def _hs(table: str, code: str, edition: tuple[str, str] | None = None) -> Run:
    return lambda t: hs_codes_exist(t[table], t["hs_codes"], code, edition)


_V, _P, _C, _A = "values_valid", "periods_parse", "codes_resolve", "rows_accounted"
_FLOW_TABLES = ("trade_flows", *INDICATOR_TABLES)
TRADE_CHECKS: list[TradeCheck] = [
    TradeCheck(
        "eurostat_comext",
        "schema_valid",
        "Pandera: eurostat_comext is valid.",
        _schema("eurostat_comext"),
    ),
    TradeCheck(
        "eurostat_comext",
        _V,
        "Values are non-negative euros.",
        _values("eurostat_comext", ["value_eur"]),
    ),
    TradeCheck(
        "eurostat_comext",
        _P,
        "Every period is a year (month 1-12 or null).",
        _periods("eurostat_comext"),
    ),
    TradeCheck(
        "eurostat_comext",
        _C,
        "Reporters and partners resolve to ISO alpha-2 or known codes.",
        _codes(
            "eurostat_comext",
            [("reporter_code", "reporter_kind"), ("partner_code", "partner_kind")],
        ),
    ),
    TradeCheck(
        "eurostat_comext",
        _A,
        "Input rows = output rows + rejects, per download folder.",
        _accounted("eurostat_comext"),
    ),
    TradeCheck(
        "eurostat_comext",
        "no_aggregate_double_count",
        "EU member states sum to at most the EU27_2020 aggregate.",
        lambda t: aggregates_not_double_counted(t["eurostat_comext"]),
    ),
    TradeCheck(
        "eurostat_cn8", "schema_valid", "Pandera: eurostat_cn8 is valid.", _schema("eurostat_cn8")
    ),
    TradeCheck(
        "eurostat_cn8",
        _V,
        "Values are non-negative euros; `:` cells stay null.",
        _values("eurostat_cn8", ["value_eur"]),
    ),
    TradeCheck(
        "eurostat_cn8",
        "products_schema_valid",
        "Pandera: eurostat_cn8_products (one row per product sheet) is valid.",
        _schema(CN8_PRODUCTS),
    ),
    TradeCheck("eurostat_cn8", _P, "Every period is a month.", _periods("eurostat_cn8")),
    TradeCheck(
        "eurostat_cn8",
        "hs_codes_exist",
        "The HS6 of every CN8 line is an HS 2022 subheading (the key of the CHPL join).",
        lambda t: cn8_subheadings_exist(t[CN8_PRODUCTS], t["hs_codes"]),
    ),
    TradeCheck(
        "eurostat_cn8",
        _C,
        "Reporters and partners resolve to ISO alpha-2 codes.",
        _codes(
            "eurostat_cn8", [("reporter_code", "reporter_kind"), ("partner_code", "partner_kind")]
        ),
    ),
    TradeCheck(
        "eurostat_cn8",
        _A,
        "Data rows read = rows kept + rows rejected, per workbook; one cell per month per row.",
        _accounted("eurostat_cn8"),
    ),
    TradeCheck(
        "eurostat_cn8",
        "not_available_is_null",
        "A special value (`:`) is a null value with its flag, a number never has a flag.",
        lambda t: not_available_is_null(t["eurostat_cn8"]),
    ),
    TradeCheck(
        "un_comtrade", "schema_valid", "Pandera: un_comtrade is valid.", _schema("un_comtrade")
    ),
    TradeCheck(
        "un_comtrade",
        _V,
        "Values, quantities and weights are non-negative (USD, declared units).",
        _values("un_comtrade", COMTRADE_VALUE_COLUMNS),
    ),
    TradeCheck(
        "un_comtrade",
        _P,
        "refYear plausible, month 1-12 for monthly records.",
        _periods("un_comtrade", "ref_year"),
    ),
    TradeCheck(
        "un_comtrade",
        _C,
        "Reporters and partners resolve.",
        _codes(
            "un_comtrade", [("reporter_iso2", "reporter_kind"), ("partner_iso2", "partner_kind")]
        ),
    ),
    TradeCheck(
        "un_comtrade",
        "hs_codes_exist",
        "HS 2022 (H6) commodity codes exist in the nomenclature.",
        _hs("un_comtrade", "cmd_code", ("classification_code", "H6")),
    ),
    TradeCheck("un_comtrade", _A, "Every record read is stored.", _accounted("un_comtrade")),
    TradeCheck(
        "cepii_baci", "schema_valid", "Pandera: cepii_baci is valid.", _schema("cepii_baci")
    ),
    TradeCheck(
        "cepii_baci",
        _V,
        "Values (thousand USD) and tonnes are non-negative.",
        _values("cepii_baci", ["value_usd_thousands", "quantity_tonnes"]),
    ),
    TradeCheck("cepii_baci", _P, "Years plausible.", _periods("cepii_baci", month=None)),
    TradeCheck(
        "cepii_baci",
        _C,
        "Exporters and importers resolve through the country file.",
        _codes("cepii_baci", [("exporter_iso3", None), ("importer_iso3", None)]),
    ),
    TradeCheck(
        "cepii_baci",
        "hs_codes_exist",
        "HS6 products exist in HS 2022.",
        _hs("cepii_baci", "product_code"),
    ),
    TradeCheck("cepii_baci", _A, "Every row read is stored.", _accounted("cepii_baci")),
    TradeCheck("imf_imts", "schema_valid", "Pandera: imf_imts is valid.", _schema("imf_imts")),
    TradeCheck(
        "imf_imts",
        _V,
        "Values (millions USD) are non-negative; empty cells stay null.",
        _values("imf_imts", ["value_usd_millions"]),
    ),
    TradeCheck("imf_imts", _P, "Year columns plausible.", _periods("imf_imts", month=None)),
    TradeCheck(
        "imf_imts",
        _C,
        "Counterparts resolve (ISO, IMF aggregate or historical).",
        _codes("imf_imts", [("reporter_code", None), ("partner_code", "partner_kind")]),
    ),
    TradeCheck("imf_imts", _A, "Every series × year cell is a row.", _accounted("imf_imts")),
    TradeCheck("hs_codes", "schema_valid", "Pandera: hs_codes is valid.", _schema("hs_codes")),
    TradeCheck(
        "chpl_codes", "schema_valid", "Pandera: chpl_codes is valid.", _schema("chpl_codes")
    ),
    TradeCheck(
        "chpl_codes",
        "hs_codes_exist",
        "Every CHPL code is an HS 2022 subheading.",
        lambda t: chpl_in_nomenclature(t["chpl_codes"], t["hs_codes"]),
    ),
    TradeCheck(
        "trade_indicators",
        "schema_valid",
        "Pandera: trade_flows and indicator tables are valid.",
        lambda t: schema_valid({name: t[name] for name in _FLOW_TABLES}),
    ),
    TradeCheck(
        "trade_indicators",
        "source_files_present",
        "Every indicator row names its source files.",
        lambda t: source_files_present({name: t[name] for name in INDICATOR_TABLES}),
    ),
    TradeCheck(
        "trade_indicators",
        "values_valid",
        "trade_flows values non-negative in EUR or USD.",
        _values("trade_flows", ["value"], "currency"),
    ),
]


def check_specs(asset: str) -> list[AssetCheckSpec]:
    """The checks of trade asset `asset`, declared on it."""
    return [check.spec() for check in TRADE_CHECKS if check.asset == asset]


def check_results(asset: str, frames: TradeFrames) -> Iterator[AssetCheckResult]:
    """The checks of trade asset `asset`, evaluated on `frames`."""
    for check in TRADE_CHECKS:
        if check.asset == asset:
            yield check.result(frames)
