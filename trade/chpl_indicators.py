"""Product-level circumvention indicators on the Common High Priority List (CHPL).

Pure polars over `trade_flows` rows of the Data Browser CN8 extract (`eurostat_cn8`: EU member
states' exports to Russia, Belarus and five neighbours, monthly) and `chpl_codes`.

Conventions, kept by every table here:
- **EU** = the sum of the 27 member states (`reporter_code` EU27_2020, `reporter_basis`
  members_sum): the extract publishes no EU aggregate, so nothing is counted twice.
- **Not available is not zero.** A cell published as `:` is never added as 0: sums add the
  reported cells and say how many cells were not available beside them; a sum over cells none
  of which was reported is null, and so is any change or ratio built on it.
- **CHPL join.** A CN8 code's HS6 is its first six digits; a CN8 or HS6 line is a CHPL item
  when that HS6 is on the list (`chpl_match` hs6, with its tier). An HS4 line (a partial
  heading sheet) cannot be given an HS6: it is marked `chpl_match` heading when the heading
  holds CHPL subheadings, gets no tier, and is left out of every CHPL sum (counting it would
  put non-CHPL subheadings of the heading into CHPL figures).
- **Substitution windows**: March–December 2021 against March–December 2022. The same ten
  calendar months on both sides, so seasonality cancels; February 2022 (invasion on the 24th,
  first export bans on the 25th) and January, its pre-war neighbour, are left out of both.
"""

from __future__ import annotations

import polars as pl

from trade.tables import conform
from trade.vocabulary import CHPL_TABLES

TABLES = CHPL_TABLES  # the tables `build` returns (named in trade/vocabulary.py)

SOURCE = "eurostat_cn8"
EU = "EU27_2020"
EU_BASIS = "members_sum"
DIRECT = ("RU", "BY")
NEIGHBOURS = ("AM", "GE", "KZ", "KG", "UZ")
BASE_YEAR = 2021
CHPL_ALL = "CHPL all tiers"
TIER_SCOPE = "CHPL tier "
# (year, first month, last month) of the substitution windows (see the module docstring)
PRE_WINDOW = (2021, 3, 12)
POST_WINDOW = (2022, 3, 12)
RISE_YEARS = (2021, 2022)
# the `trade_flows` columns these indicators read (the asset loads only these)
FLOW_COLUMNS = (
    "source",
    "reporter_is_aggregate",
    "partner_code",
    "flow",
    "year",
    "month",
    "product_code",
    "hs6",
    "value",
    "source_file",
)


def _files() -> pl.Expr:
    return pl.col("source_file").unique().sort()


def _reported(column: str = "value") -> pl.Expr:
    """Sum of the reported cells; null when none was reported (not available is not zero)."""
    return pl.when(pl.col(column).count() > 0).then(pl.col(column).sum())


def _reported_where(condition: pl.Expr) -> pl.Expr:
    """`_reported` over the cells meeting `condition`."""
    value = pl.col("value").filter(condition)
    return pl.when(value.count() > 0).then(value.sum())


def _group(partner: pl.Expr) -> pl.Expr:
    return (
        pl.when(partner.is_in(list(DIRECT)))
        .then(pl.lit("direct"))
        .when(partner.is_in(list(NEIGHBOURS)))
        .then(pl.lit("neighbour"))
        .otherwise(pl.lit("other"))
    )


def product_chpl(products: pl.DataFrame, chpl: pl.DataFrame) -> pl.DataFrame:
    """Every product line of the extract with its HS6, CHPL item and tier (`trade_product_chpl`).

    `products` holds product_code, product_level, hs6, product_label and source_file.
    """
    tiers = chpl.select(
        pl.col("hs_code").alias("hs6"),
        chpl_tier=pl.col("tier"),
        chpl_tier_group=pl.col("tier_group"),
    )
    headings = chpl.select(pl.col("hs_code").str.slice(0, 4).alias("heading")).unique()
    lines = products.group_by("product_code", "product_level", "hs6", "product_label").agg(
        source_files=_files()
    )
    out = (
        lines.join(tiers, on="hs6", how="left")
        .with_columns(heading=pl.col("product_code").str.slice(0, 4))
        .join(headings.with_columns(in_heading=pl.lit(True)), on="heading", how="left")
        .with_columns(
            chpl_match=pl.when(pl.col("chpl_tier").is_not_null())
            .then(pl.lit("hs6"))
            .when((pl.col("product_level") == "HS4") & pl.col("in_heading").fill_null(False))
            .then(pl.lit("heading"))
            .otherwise(pl.lit("none")),
            source=pl.lit(SOURCE),
        )
    )
    return conform("trade_product_chpl", out.drop("heading", "in_heading")).sort("product_code")


def chpl_lines(flows: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    """EU export rows of CHPL items (matched at HS6), with their tier and partner group."""
    items = mapping.filter(pl.col("chpl_match") == "hs6").select(
        "product_code", "chpl_tier", "chpl_tier_group"
    )
    return flows.filter(
        (pl.col("source") == SOURCE)
        & (pl.col("flow") == "export")
        & ~pl.col("reporter_is_aggregate")
    ).join(items, on="product_code", how="inner")


def _scoped(lines: pl.DataFrame) -> pl.DataFrame:
    """The CHPL rows twice: once under their tier, once under all tiers."""
    return pl.concat(
        [
            lines.with_columns(product_scope=pl.lit(TIER_SCOPE) + pl.col("chpl_tier")),
            lines.with_columns(product_scope=pl.lit(CHPL_ALL)),
        ]
    )


def _sums(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return df.group_by(keys).agg(
        value_eur=_reported(),
        cells_reported=pl.col("value").count().cast(pl.Int32),
        cells_not_available=pl.col("value").null_count().cast(pl.Int32),
        product_lines=pl.col("product_code").n_unique().cast(pl.Int32),
        source_files=_files(),
    )


def _eu(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        source=pl.lit(SOURCE),
        reporter_code=pl.lit(EU),
        reporter_basis=pl.lit(EU_BASIS),
        partner_group=_group(pl.col("partner_code")),
    )


def chpl_monthly(lines: pl.DataFrame) -> pl.DataFrame:
    """EU CHPL exports by partner, tier and month, indexed to the 2021 monthly average = 100.

    The base needs a reported value in each of the 12 months of 2021, else it is null.
    """
    keys = ["partner_code", "product_scope"]
    monthly = _sums(_scoped(lines), [*keys, "year", "month"])
    base = (
        monthly.filter(pl.col("year") == BASE_YEAR)
        .group_by(keys)
        .agg(base_2021=pl.when(pl.col("value_eur").count() == 12).then(pl.col("value_eur").mean()))
    )
    out = _eu(monthly.join(base, on=keys, how="left")).with_columns(
        index_2021=pl.col("value_eur") / pl.col("base_2021") * 100.0
    )
    return conform("trade_chpl_monthly", out).sort([*keys, "year", "month"])


def chpl_annual(lines: pl.DataFrame) -> pl.DataFrame:
    """EU CHPL exports by partner, tier and year (sum of months), indexed to 2021 = 100."""
    keys = ["partner_code", "product_scope"]
    annual = _sums(_scoped(lines), [*keys, "year"])
    months = (
        _scoped(lines)
        .filter(pl.col("value").is_not_null())
        .group_by([*keys, "year"])
        .agg(months_reported=pl.col("month").n_unique().cast(pl.Int8))
    )
    annual = annual.join(months, on=[*keys, "year"], how="left").with_columns(
        pl.col("months_reported").fill_null(0)
    )
    base = annual.filter(pl.col("year") == BASE_YEAR).select(*keys, base_2021=pl.col("value_eur"))
    out = _eu(annual.join(base, on=keys, how="left")).with_columns(
        index_2021=pl.col("value_eur") / pl.col("base_2021") * 100.0
    )
    return conform("trade_chpl_annual", out).sort([*keys, "year"])


def _in_window(window: tuple[int, int, int]) -> pl.Expr:
    year, first, last = window
    return (pl.col("year") == year) & pl.col("month").is_between(first, last)


def _label(window: tuple[int, int, int]) -> str:
    year, first, last = window
    return f"{year}-{first:02d}..{year}-{last:02d}"


def substitution(lines: pl.DataFrame, chpl: pl.DataFrame) -> pl.DataFrame:
    """Per CHPL HS6: the fall of EU exports to Russia and Belarus between the windows against
    the rise to the five neighbours, in EUR and as a share of the fall.

    Every CHPL code is listed; one with no CN8 line in the extract has `product_lines` 0,
    null values, and the workbooks searched as its `source_files`. `rise_share_of_fall` = neighbours' rise / direct fall, null unless the direct
    exports fell. `substitution_rank` orders the lines whose direct exports fell and whose
    neighbour exports rose by that rise (1 = largest), null for the others.
    """
    windowed = lines.with_columns(
        window=pl.when(_in_window(PRE_WINDOW))
        .then(pl.lit("pre"))
        .when(_in_window(POST_WINDOW))
        .then(pl.lit("post")),
        group=_group(pl.col("partner_code")),
    ).filter(pl.col("window").is_not_null() & (pl.col("group") != "other"))
    sums = windowed.group_by("hs6", "group", "window").agg(value=_reported())
    wide = sums.with_columns(name=pl.col("group") + "_" + pl.col("window") + "_eur").pivot(
        on="name", index="hs6", values="value"
    )
    for column in ("direct_pre_eur", "direct_post_eur", "neighbour_pre_eur", "neighbour_post_eur"):
        if column not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(column))
    per_neighbour = (
        windowed.filter(pl.col("group") == "neighbour")
        .group_by("hs6", "partner_code")
        .agg(
            pre=_reported_where(pl.col("window") == "pre"),
            post=_reported_where(pl.col("window") == "post"),
        )
        .with_columns(rise=pl.col("post") - pl.col("pre"))
        .sort("rise", descending=True, nulls_last=True)
        .group_by("hs6", maintain_order=True)
        .agg(
            top_neighbour=pl.col("partner_code").first(),
            top_neighbour_rise_eur=pl.col("rise").first(),
        )
    )
    coverage = lines.group_by("hs6").agg(
        product_lines=pl.col("product_code").n_unique().cast(pl.Int32), source_files=_files()
    )
    searched = sorted(lines["source_file"].unique().to_list())
    fall = pl.col("direct_pre_eur") - pl.col("direct_post_eur")
    rise = pl.col("neighbour_post_eur") - pl.col("neighbour_pre_eur")
    out = (
        chpl.select(pl.col("hs_code").alias("hs6"), chpl_tier=pl.col("tier"))
        .join(coverage, on="hs6", how="left")
        .join(wide, on="hs6", how="left")
        .join(per_neighbour, on="hs6", how="left")
        .with_columns(
            pl.col("product_lines").fill_null(0),
            # a code without lines was looked for in every workbook: they are its evidence
            pl.col("source_files").fill_null(pl.lit(searched, dtype=pl.List(pl.String))),
            direct_fall_eur=fall,
            neighbour_rise_eur=rise,
        )
        .with_columns(
            rise_share_of_fall=pl.when(pl.col("direct_fall_eur") > 0).then(
                pl.col("neighbour_rise_eur") / pl.col("direct_fall_eur")
            ),
            top_neighbour=pl.when(pl.col("top_neighbour_rise_eur").is_not_null()).then(
                pl.col("top_neighbour")
            ),
        )
    )
    ranked = (pl.col("direct_fall_eur") > 0) & (pl.col("neighbour_rise_eur") > 0)
    # ties in the rise are ranked by HS6 code, every run alike
    out = out.sort("hs6").with_columns(
        substitution_rank=pl.when(ranked).then(
            pl.when(ranked)
            .then(pl.col("neighbour_rise_eur"))
            .rank("ordinal", descending=True)
            .cast(pl.Int32)
        ),
        source=pl.lit(SOURCE),
        reporter_code=pl.lit(EU),
        pre_window=pl.lit(_label(PRE_WINDOW)),
        post_window=pl.lit(_label(POST_WINDOW)),
    )
    return conform("trade_chpl_substitution", out).sort("substitution_rank", "hs6", nulls_last=True)


def cn8_rises(flows: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    """Per product line and partner: EU exports in 2021 and 2022 (sums of the reported months),
    the change, the ratio, and `rise_rank` within the partner (1 = largest rise in EUR).

    Every line of the extract is listed, CHPL or not (`chpl_tier` null when not); a line with
    nothing reported in one of the years has no change, ratio or rank.
    """
    first, second = RISE_YEARS
    data = flows.filter(
        (pl.col("source") == SOURCE)
        & (pl.col("flow") == "export")
        & ~pl.col("reporter_is_aggregate")
        & pl.col("year").is_in(list(RISE_YEARS))
    )
    out = (
        data.group_by("product_code", "partner_code")
        .agg(
            value_2021=_reported_where(pl.col("year") == first),
            value_2022=_reported_where(pl.col("year") == second),
            cells_not_available=pl.col("value").null_count().cast(pl.Int32),
            source_files=_files(),
        )
        .join(
            mapping.select("product_code", "product_level", "hs6", "product_label", "chpl_tier"),
            on="product_code",
            how="left",
        )
        # group_by gives no order: ties in the change are ranked by product code, every run alike
        .sort("partner_code", "product_code")
        .with_columns(
            change_eur=pl.col("value_2022") - pl.col("value_2021"),
            ratio_2022_2021=pl.when(pl.col("value_2021") > 0).then(
                pl.col("value_2022") / pl.col("value_2021")
            ),
        )
        .with_columns(
            rise_rank=pl.col("change_eur")
            .rank("ordinal", descending=True)
            .over("partner_code")
            .cast(pl.Int32),
            partner_group=_group(pl.col("partner_code")),
            source=pl.lit(SOURCE),
            reporter_code=pl.lit(EU),
        )
    )
    return conform("trade_cn8_rises", out).sort("partner_code", "rise_rank", nulls_last=True)


def build(
    flows: pl.DataFrame, products: pl.DataFrame, chpl: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """All CHPL product-level tables from `trade_flows` (any sources: only `eurostat_cn8` rows
    are used), the extract's product lines and `chpl_codes`."""
    flows = flows.filter(pl.col("source") == SOURCE).select(FLOW_COLUMNS)
    mapping = product_chpl(products, chpl)
    lines = chpl_lines(flows, mapping)
    return {
        "trade_product_chpl": mapping,
        "trade_chpl_monthly": chpl_monthly(lines),
        "trade_chpl_annual": chpl_annual(lines),
        "trade_chpl_substitution": substitution(lines, chpl),
        "trade_cn8_rises": cn8_rises(flows, mapping),
    }
