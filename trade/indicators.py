"""Circumvention indicators: pure polars functions over the parsed trade tables.

The question: do goods kept from Russia reach it through third countries? Signs looked for:
exports to Russia collapse after 2021 while exports to Armenia, Kazakhstan, Kyrgyzstan,
Georgia, the UAE, Turkey… rise far above their own pre-2022 trend; the same restricted to
Common High Priority List (CHPL) items where HS6 data exists; and importers reporting more
than exporters do for CHPL items (mirror gaps).

Rules kept throughout:
- an aggregate is never summed with its members: per-reporter figures stay per reporter, the
  EU is either the `EU27_2020` aggregate alone or the sum of the 27 member states (only where
  no aggregate is published, i.e. HS6 data), and `members_vs_aggregate` checks that member
  states sum to at most the aggregate;
- sources are never mixed (EUR and USD, different coverage): every key includes `source`;
- every indicator row lists the files it was computed from (`source_files`).
"""

from __future__ import annotations

import polars as pl

from core.countries import valid_codes
from trade.tables import EU27, SCHEMAS, Frame, conform, empty

RUSSIA = "RU"
EU_AGGREGATE = "EU27_2020"
# Named by FinCEN/BIS alerts as transshipment risks for Russia (FORMATS.md)
THIRD_COUNTRIES = ("AM", "GE", "KZ", "KG", "TJ", "UZ", "TR", "AE", "CN", "HK")
BASE_YEAR = 2021
TREND_YEARS = (2019, 2020, 2021)
# Member states may sum to slightly more than the EU aggregate only through rounding; the real
# Comext extracts match exactly (272 of 272 partner-months). Confidential trade that Eurostat
# books only at EU level makes the member sum smaller, which is allowed.
MEMBER_TOLERANCE = 0.001
ALL_GOODS = "all goods"
CHPL_ALL = "CHPL all tiers"


def _sum(column: str) -> pl.Expr:
    """Sum that stays null when every value is null (no observation is not a zero)."""
    return pl.when(pl.col(column).count() > 0).then(pl.col(column).sum())


def product_level(code: pl.Expr) -> pl.Expr:
    """TOTAL, HS2, HS4, HS6 or CN8, read from a product code's form (null if none of them)."""
    return (
        pl.when(code == "TOTAL")
        .then(pl.lit("TOTAL"))
        .when(code.str.contains(r"^\d{2}$"))
        .then(pl.lit("HS2"))
        .when(code.str.contains(r"^\d{4}$"))
        .then(pl.lit("HS4"))
        .when(code.str.contains(r"^\d{6}$"))
        .then(pl.lit("HS6"))
        .when(code.str.contains(r"^\d{8}$"))
        .then(pl.lit("CN8"))
    )


def _flows(df: Frame, **columns: pl.Expr) -> Frame:
    """`trade_flows` rows: `columns` set or rename fields; the product level, the HS6 (first six
    digits of an HS6 or CN8 code, never guessed for a heading) and a null `obs_flag` are
    derived when the source does not give them."""
    df = df.with_columns(**columns)
    present = df.collect_schema().names()
    code = pl.col("product_code")
    level = product_level(code)
    derived = {
        "product_level": level,
        "hs6": pl.when(level.is_in(["HS6", "CN8"])).then(code.str.slice(0, 6)),
        "obs_flag": pl.lit(None, pl.String),
    }
    df = df.with_columns(**{k: v for k, v in derived.items() if k not in present})
    return conform("trade_flows", df.select(list(SCHEMAS["trade_flows"])))


def flows_from_eurostat(df: Frame) -> Frame:
    """`eurostat_comext` → `trade_flows` rows (EUR)."""
    return _flows(
        df,
        source=pl.lit("eurostat_comext"),
        value=pl.col("value_eur"),
        currency=pl.lit("EUR"),
        valuation=pl.lit(None, pl.String),
        quantity=pl.lit(None, pl.Float64),
        quantity_unit=pl.lit(None, pl.String),
    )


def flows_from_cn8(df: Frame) -> Frame:
    """`eurostat_cn8` → `trade_flows` rows (EUR, member states; `:` stays a null value with
    its flag)."""
    return _flows(
        df,
        source=pl.lit("eurostat_cn8"),
        reporter_is_aggregate=pl.lit(False),
        partner_is_aggregate=pl.lit(False),
        value=pl.col("value_eur"),
        currency=pl.lit("EUR"),
        valuation=pl.lit(None, pl.String),
        quantity=pl.lit(None, pl.Float64),
        quantity_unit=pl.lit(None, pl.String),
    )


def flows_from_comtrade(df: Frame) -> Frame:
    """`un_comtrade` → `trade_flows` rows (USD; X at FOB, M at CIF as primaryValue)."""
    valuation = (
        pl.when(pl.col("flow").is_in(["import", "re_import"]))
        .then(pl.lit("CIF"))
        .otherwise(pl.lit("FOB"))
    )
    return _flows(
        df,
        source=pl.lit("un_comtrade"),
        reporter_code=pl.col("reporter_iso2"),
        reporter_is_aggregate=pl.col("reporter_kind") == "aggregate",
        partner_code=pl.col("partner_iso2"),
        partner_is_aggregate=pl.col("partner_kind") == "aggregate",
        year=pl.col("ref_year"),
        product_code=pl.col("cmd_code"),
        value=pl.col("primary_value"),
        currency=pl.lit("USD"),
        valuation=valuation,
        quantity=pl.col("qty"),
        quantity_unit=pl.col("qty_unit_abbr"),
    )


def flows_from_baci(df: Frame) -> Frame:
    """`cepii_baci` → `trade_flows` export rows (USD; BACI values are reconciled, FOB)."""
    return _flows(
        df,
        source=pl.lit("cepii_baci"),
        reporter_code=pl.col("exporter_iso2").fill_null(pl.col("exporter_iso3")),
        reporter_is_aggregate=pl.lit(False),
        partner_code=pl.col("importer_iso2").fill_null(pl.col("importer_iso3")),
        partner_is_aggregate=pl.lit(False),
        flow=pl.lit("export"),
        month=pl.lit(None, pl.Int8),
        value=pl.col("value_usd_thousands") * 1000.0,
        currency=pl.lit("USD"),
        valuation=pl.lit("FOB"),
        quantity=pl.col("quantity_tonnes"),
        quantity_unit=pl.lit("t"),
    )


def flows_from_imf(df: Frame) -> Frame:
    """`imf_imts` → `trade_flows` rows (USD; empty cells stay null)."""
    return _flows(
        df,
        source=pl.lit("imf_imts"),
        reporter_is_aggregate=pl.lit(False),
        month=pl.lit(None, pl.Int8),
        product_code=pl.lit("TOTAL"),
        value=pl.col("value_usd_millions") * 1e6,
        currency=pl.lit("USD"),
        quantity=pl.lit(None, pl.Float64),
        quantity_unit=pl.lit(None, pl.String),
    )


def trade_flows(*frames: pl.DataFrame) -> pl.DataFrame:
    """One long table of all sources (frames already in `trade_flows` shape)."""
    present = [f for f in frames if f.height]
    return pl.concat(present) if present else empty("trade_flows")


# --- aggregates --------------------------------------------------------------------------


def members_vs_aggregate(
    flows: pl.DataFrame, aggregate: str = EU_AGGREGATE, members: tuple[str, ...] = EU27
) -> pl.DataFrame:
    """Per source, partner, flow, product and period: member states' sum beside the aggregate.

    `ok` is false where the members sum to more than the aggregate (beyond MEMBER_TOLERANCE):
    that would mean double counting or a wrong label mapping.
    """
    keys = ["source", "partner_code", "flow", "product_code", "year", "month"]
    member_sum = (
        flows.filter(
            pl.col("reporter_code").is_in(list(members)) & ~pl.col("reporter_is_aggregate")
        )
        .group_by(keys)
        .agg(members_sum=pl.col("value").sum(), members_reporting=pl.len())
    )
    total = flows.filter(pl.col("reporter_code") == aggregate).select(
        *keys, aggregate_value=pl.col("value")
    )
    out = total.join(member_sum, on=keys, how="inner", nulls_equal=True)
    excess = pl.col("members_sum") - pl.col("aggregate_value")
    return out.with_columns(
        excess_ratio=excess / pl.col("aggregate_value"),
        ok=excess <= MEMBER_TOLERANCE * pl.col("aggregate_value"),
    ).sort(keys, nulls_last=True)


# --- product scope -----------------------------------------------------------------------


def scoped(flows: pl.DataFrame, chpl: pl.DataFrame) -> pl.DataFrame:
    """Flows summed by product scope: `all goods` (TOTAL rows) and CHPL tiers (HS6 rows).

    HS6 lines outside the CHPL stay in `trade_flows` but are not an indicator scope here.
    """
    keys = [
        "source",
        "reporter_code",
        "reporter_is_aggregate",
        "partner_code",
        "flow",
        "year",
        "month",
        "currency",
    ]
    total = flows.filter(pl.col("product_code") == "TOTAL").select(
        *keys, "value", product_scope=pl.lit(ALL_GOODS), source_files=pl.concat_list("source_file")
    )
    tiers = chpl.select(pl.col("hs_code").alias("product_code"), "tier")
    hs6 = flows.join(tiers, on="product_code", how="inner")
    summed = [
        part.group_by([*keys, "product_scope"]).agg(
            value=_sum("value"), source_files=pl.col("source_file").unique().sort()
        )
        for part in (
            hs6.with_columns(product_scope=pl.lit("CHPL tier ") + pl.col("tier")),
            hs6.with_columns(product_scope=pl.lit(CHPL_ALL)),
        )
    ]
    return pl.concat([total, *summed], how="diagonal_relaxed")


def _files(*columns: str) -> pl.Expr:
    return pl.concat_list([pl.col(c).fill_null([]) for c in columns]).list.unique().list.sort()


# --- indices -----------------------------------------------------------------------------

INDEX_KEYS = [
    "source",
    "reporter_code",
    "reporter_is_aggregate",
    "partner_code",
    "flow",
    "product_scope",
]


def monthly_index(scopes: pl.DataFrame, base_year: int = BASE_YEAR) -> pl.DataFrame:
    """Monthly values indexed to the base year's monthly average = 100.

    The base needs all 12 months of the base year; otherwise the index is null (a reporter
    with gaps gets no index rather than a misleading one).
    """
    monthly = scopes.filter(pl.col("month").is_not_null())
    base = (
        monthly.filter(pl.col("year") == base_year)
        .group_by(INDEX_KEYS)
        .agg(
            base_2021=pl.when(pl.col("value").count() == 12).then(pl.col("value").mean()),
            base_files=pl.col("source_files")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
        )
    )
    out = monthly.join(base, on=INDEX_KEYS, how="left").with_columns(
        index_2021=pl.col("value") / pl.col("base_2021") * 100.0,
        source_files=_files("source_files", "base_files"),
    )
    return conform("trade_indicators_monthly", out.drop("base_files")).sort(
        INDEX_KEYS[:1] + INDEX_KEYS[1:] + ["year", "month"]
    )


def annual_values(scopes: pl.DataFrame) -> pl.DataFrame:
    """Annual values: published annual rows (basis `annual`) and sums of months (`sum_of_months`)."""
    keys = [*INDEX_KEYS, "year", "currency"]
    annual = scopes.filter(pl.col("month").is_null()).select(
        *keys, "value", "source_files", basis=pl.lit("annual"), months=pl.lit(12, pl.Int8)
    )
    summed = (
        scopes.filter(pl.col("month").is_not_null())
        .group_by(keys)
        .agg(
            value=_sum("value"),
            source_files=pl.col("source_files")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
            months=pl.col("month").n_unique().cast(pl.Int8),
        )
        .with_columns(basis=pl.lit("sum_of_months"))
    )
    return pl.concat([annual, summed], how="diagonal_relaxed").with_columns(
        complete=pl.col("months") == 12
    )


def annual_index(scopes: pl.DataFrame, base_year: int = BASE_YEAR) -> pl.DataFrame:
    """Annual values indexed to the (complete) base year = 100, per basis."""
    values = annual_values(scopes)
    keys = [*INDEX_KEYS, "basis"]
    base = values.filter((pl.col("year") == base_year) & pl.col("complete")).select(
        *keys, base_2021=pl.col("value"), base_files=pl.col("source_files")
    )
    out = values.join(base, on=keys, how="left").with_columns(
        index_2021=pl.col("value") / pl.col("base_2021") * 100.0,
        source_files=_files("source_files", "base_files"),
    )
    return conform("trade_indicators_annual", out.drop("base_files")).sort([*keys, "year"])


# --- diversion ---------------------------------------------------------------------------


def eu_exports(annual: pl.DataFrame) -> pl.DataFrame:
    """EU exports per source: the EU27_2020 aggregate alone where published, else the sum of the
    27 member states (HS6 sources) — never both, never aggregates with members."""
    exports = annual.filter((pl.col("flow") == "export") & pl.col("complete"))
    aggregate = exports.filter(pl.col("reporter_code") == EU_AGGREGATE)
    with_aggregate = aggregate.select("source").unique()
    members = (
        exports.join(with_aggregate, on="source", how="anti")
        .filter(pl.col("reporter_code").is_in(list(EU27)) & ~pl.col("reporter_is_aggregate"))
        .group_by("source", "basis", "partner_code", "product_scope", "year", "currency")
        .agg(
            value=_sum("value"),
            source_files=pl.col("source_files")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
        )
        .with_columns(basis=pl.col("basis") + "_members_sum", reporter_code=pl.lit(EU_AGGREGATE))
    )
    cols = [
        "source",
        "basis",
        "reporter_code",
        "partner_code",
        "product_scope",
        "year",
        "value",
        "currency",
        "source_files",
    ]
    return pl.concat([aggregate.select(cols), members.select(cols)])


def _with_trend(series: pl.DataFrame, trend_years: tuple[int, ...]) -> pl.DataFrame:
    """Linear trend fitted by least squares on `trend_years` (all required), per series."""
    keys = ["source", "basis", "reporter_code", "partner_code", "product_scope"]
    pre = series.filter(pl.col("year").is_in(list(trend_years)) & pl.col("value").is_not_null())
    x, y = pl.col("year").cast(pl.Float64), pl.col("value")
    fit = (
        pre.group_by(keys)
        .agg(
            n=pl.len(),
            x_mean=x.mean(),
            y_mean=y.mean(),
            sxy=((x - x.mean()) * (y - y.mean())).sum(),
            sxx=((x - x.mean()) ** 2).sum(),
            trend_files=pl.col("source_files")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
        )
        .filter(pl.col("n") == len(trend_years))
        .with_columns(slope=pl.col("sxy") / pl.col("sxx"))
    )
    base = series.filter(pl.col("year") == BASE_YEAR).select(*keys, value_2021=pl.col("value"))
    return (
        series.join(fit, on=keys, how="left")
        .join(base, on=keys, how="left")
        .with_columns(
            trend_value=pl.col("y_mean")
            + pl.col("slope") * (pl.col("year").cast(pl.Float64) - pl.col("x_mean"))
        )
    )


def diversion(
    annual: pl.DataFrame, trend_years: tuple[int, ...] = TREND_YEARS, first_year: int = 2022
) -> pl.DataFrame:
    """Per third country and year since `first_year`: EU exports against the partner's own
    pre-2022 linear trend, beside the change in direct EU exports to Russia.

    `excess_pct` = value / trend − 1 (null when the trend is not positive); `growth_vs_2021` =
    value / value in 2021; `ru_change_vs_2021` = Russia's value / its 2021 value − 1.
    """
    series = _with_trend(eu_exports(annual), trend_years)
    keys = ["source", "basis", "reporter_code", "product_scope", "year"]
    positive = pl.col("trend_value") > 0
    series = series.with_columns(
        excess_over_trend=pl.col("value") - pl.col("trend_value"),
        excess_pct=pl.when(positive).then(pl.col("value") / pl.col("trend_value") - 1.0),
        growth_vs_2021=pl.col("value") / pl.col("value_2021"),
        source_files=_files("source_files", "trend_files"),
    )
    russia = series.filter(pl.col("partner_code") == RUSSIA).select(
        *keys,
        ru_value=pl.col("value"),
        ru_value_2021=pl.col("value_2021"),
        ru_change_vs_2021=pl.col("value") / pl.col("value_2021") - 1.0,
        ru_trend_value=pl.col("trend_value"),
        ru_excess_pct=pl.col("excess_pct"),
        ru_files=pl.col("source_files"),
    )
    partners = series.filter(
        (pl.col("year") >= first_year)
        & (pl.col("partner_code") != RUSSIA)
        & pl.col("partner_code").is_in(list(valid_codes()))
        & pl.col("trend_value").is_not_null()
    )
    out = partners.join(russia, on=keys, how="left").with_columns(
        source_files=_files("source_files", "ru_files")
    )
    return conform("trade_diversion", out.select(SCHEMAS["trade_diversion"].keys())).sort(
        ["source", "basis", "product_scope", "partner_code", "year"]
    )


# --- mirror gaps -------------------------------------------------------------------------


def mirror_gaps(
    flows: pl.DataFrame, chpl: pl.DataFrame, source: str = "un_comtrade"
) -> pl.DataFrame:
    """Exporter-reported exports (X, FOB) against importer-reported imports (M, CIF) of CHPL items.

    Only pairs where both sides report are kept. `gap_usd` = imports − exports; a CIF/FOB margin
    of a few percent is normal, a large positive gap means the importer records goods of that
    origin that the exporter did not record as sent there.
    """
    data = flows.filter(pl.col("source") == source)
    tiers = chpl.select(pl.col("hs_code").alias("product_code"), chpl_tier=pl.col("tier"))
    keys = ["exporter_code", "importer_code", "product_code", "year", "month"]
    exports = data.filter(pl.col("flow") == "export").select(
        exporter_code=pl.col("reporter_code"),
        importer_code=pl.col("partner_code"),
        product_code="product_code",
        year="year",
        month="month",
        export_value_usd=pl.col("value"),
        x_file=pl.col("source_file"),
    )
    imports = data.filter(pl.col("flow") == "import").select(
        exporter_code=pl.col("partner_code"),
        importer_code=pl.col("reporter_code"),
        product_code="product_code",
        year="year",
        month="month",
        import_value_usd=pl.col("value"),
        m_file=pl.col("source_file"),
    )
    out = (
        exports.join(imports, on=keys, how="inner", nulls_equal=True)
        .join(tiers, on="product_code", how="inner")
        .with_columns(
            source=pl.lit(source),
            gap_usd=pl.col("import_value_usd") - pl.col("export_value_usd"),
            gap_ratio=pl.col("import_value_usd") / pl.col("export_value_usd"),
            source_files=pl.concat_list("x_file", "m_file").list.unique().list.sort(),
        )
    )
    return conform("trade_mirror_gaps", out.drop("x_file", "m_file")).sort(keys, nulls_last=True)


# --- one call ----------------------------------------------------------------------------


def build(flows: pl.DataFrame, chpl: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """All indicator tables from `trade_flows` and `chpl_codes`."""
    scopes = scoped(flows, chpl)
    annual = annual_index(scopes)
    return {
        "trade_indicators_monthly": monthly_index(scopes),
        "trade_indicators_annual": annual,
        "trade_diversion": diversion(annual),
        "trade_mirror_gaps": mirror_gaps(flows, chpl),
    }


def ratio(
    annual: pl.DataFrame, source: str, partner: str, year: int, basis: str = "annual"
) -> float | None:
    """EU27_2020 exports to `partner` in `year` over 2021 (aggregate alone, all goods)."""
    row = annual.filter(
        (pl.col("source") == source)
        & (pl.col("basis") == basis)
        & (pl.col("reporter_code") == EU_AGGREGATE)
        & (pl.col("partner_code") == partner)
        & (pl.col("flow") == "export")
        & (pl.col("product_scope") == ALL_GOODS)
        & (pl.col("year") == year)
    )
    return None if row.height != 1 or row["index_2021"][0] is None else row["index_2021"][0] / 100.0
