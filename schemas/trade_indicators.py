"""Pandera models of the derived trade tables: the indicators, the CHPL figures and the CN8
rises that `trade_indicators` builds from the source tables (`schemas/trade.py`).

Strict, and every field described, like the source tables' models: these are the data
dictionary of the indicator tables too. `schemas.trade.MODELS` lists them with the others.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from trade.tables import CURRENCIES, FLOWS

_FILES = "Every file the figure was computed from (its own and those of the base or trend)."


class TradeIndicatorsMonthly(pa.DataFrameModel):
    """Monthly values indexed to the 2021 monthly average = 100."""

    source: pl.String = pa.Field(description="Source table.")
    reporter_code: pl.String = pa.Field(description="Reporter.")
    reporter_is_aggregate: pl.Boolean = pa.Field(
        description="True for an aggregate reporter (shown alone, never summed)."
    )
    partner_code: pl.String = pa.Field(description="Partner.")
    flow: pl.String = pa.Field(isin=FLOWS, description="Flow.")
    product_scope: pl.String = pa.Field(
        description="'all goods', 'CHPL tier …' or 'CHPL all tiers'."
    )
    year: pl.Int16 = pa.Field(description="Year.")
    month: pl.Int8 = pa.Field(ge=1, le=12, description="Month.")
    value: pl.Float64 = pa.Field(nullable=True, ge=0, description="Value in `currency`.")
    currency: pl.String = pa.Field(isin=CURRENCIES, description="Currency of `value`.")
    base_2021: pl.Float64 = pa.Field(
        nullable=True, description="2021 monthly average (null unless all 12 months exist)."
    )
    index_2021: pl.Float64 = pa.Field(nullable=True, description="value / base_2021 × 100.")
    source_files: pl.List(pl.String) = pa.Field(description=_FILES)

    class Config:
        strict = True
        coerce = False


class TradeIndicatorsAnnual(pa.DataFrameModel):
    """Annual values (published, or summed from months) indexed to 2021 = 100."""

    source: pl.String = pa.Field(description="Source table.")
    basis: pl.String = pa.Field(
        isin=["annual", "sum_of_months"],
        description="Published annual figure or sum of monthly ones.",
    )
    reporter_code: pl.String = pa.Field(description="Reporter.")
    reporter_is_aggregate: pl.Boolean = pa.Field(description="True for an aggregate reporter.")
    partner_code: pl.String = pa.Field(description="Partner.")
    flow: pl.String = pa.Field(isin=FLOWS, description="Flow.")
    product_scope: pl.String = pa.Field(
        description="'all goods', 'CHPL tier …' or 'CHPL all tiers'."
    )
    year: pl.Int16 = pa.Field(description="Year.")
    months: pl.Int8 = pa.Field(
        ge=1, le=12, description="Months behind the value (12 for published annual data)."
    )
    complete: pl.Boolean = pa.Field(description="True when all 12 months are covered.")
    value: pl.Float64 = pa.Field(nullable=True, ge=0, description="Value in `currency`.")
    currency: pl.String = pa.Field(isin=CURRENCIES, description="Currency of `value`.")
    base_2021: pl.Float64 = pa.Field(
        nullable=True, description="Complete 2021 value of the same series and basis."
    )
    index_2021: pl.Float64 = pa.Field(nullable=True, description="value / base_2021 × 100.")
    source_files: pl.List(pl.String) = pa.Field(description=_FILES)

    class Config:
        strict = True
        coerce = False


class TradeDiversion(pa.DataFrameModel):
    """EU exports to a third country against its own 2019–2021 trend, beside Russia's fall."""

    source: pl.String = pa.Field(description="Source table.")
    basis: pl.String = pa.Field(
        description="annual, sum_of_months, or *_members_sum (sum of the 27 member states)."
    )
    reporter_code: pl.String = pa.Field(
        isin=["EU27_2020"], description="EU27_2020 (aggregate alone, or members summed: see basis)."
    )
    partner_code: pl.String = pa.Field(description="Third country (ISO alpha-2).")
    product_scope: pl.String = pa.Field(
        description="'all goods', 'CHPL tier …' or 'CHPL all tiers'."
    )
    year: pl.Int16 = pa.Field(ge=2022, description="Year after the invasion.")
    value: pl.Float64 = pa.Field(nullable=True, ge=0, description="EU exports to the partner.")
    currency: pl.String = pa.Field(isin=CURRENCIES, description="Currency.")
    value_2021: pl.Float64 = pa.Field(
        nullable=True, description="EU exports to the partner in 2021."
    )
    growth_vs_2021: pl.Float64 = pa.Field(nullable=True, description="value / value_2021.")
    trend_value: pl.Float64 = pa.Field(
        description="Linear trend of 2019–2021, extrapolated to `year`."
    )
    excess_over_trend: pl.Float64 = pa.Field(nullable=True, description="value − trend_value.")
    excess_pct: pl.Float64 = pa.Field(
        nullable=True, description="value / trend_value − 1 (null if the trend is not positive)."
    )
    ru_value: pl.Float64 = pa.Field(
        nullable=True, description="EU exports to Russia, same source, scope and year."
    )
    ru_value_2021: pl.Float64 = pa.Field(nullable=True, description="EU exports to Russia in 2021.")
    ru_change_vs_2021: pl.Float64 = pa.Field(
        nullable=True, description="ru_value / ru_value_2021 − 1."
    )
    ru_trend_value: pl.Float64 = pa.Field(
        nullable=True, description="Russia's 2019–2021 trend extrapolated."
    )
    ru_excess_pct: pl.Float64 = pa.Field(
        nullable=True, description="ru_value / ru_trend_value − 1."
    )
    source_files: pl.List(pl.String) = pa.Field(description=_FILES)

    class Config:
        strict = True
        coerce = False


class TradeMirrorGaps(pa.DataFrameModel):
    """Exporter-reported exports vs importer-reported imports of a CHPL item."""

    source: pl.String = pa.Field(description="Source table (un_comtrade).")
    exporter_code: pl.String = pa.Field(description="Exporter (reporter of the X record).")
    importer_code: pl.String = pa.Field(description="Importer (reporter of the M record).")
    product_code: pl.String = pa.Field(str_matches=r"^\d{6}$", description="HS6 code.")
    chpl_tier: pl.String = pa.Field(description="CHPL tier of the product.")
    year: pl.Int16 = pa.Field(description="Year.")
    month: pl.Int8 = pa.Field(nullable=True, description="Month; null for annual records.")
    export_value_usd: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="Exporter's reported exports (FOB)."
    )
    import_value_usd: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="Importer's reported imports (CIF)."
    )
    gap_usd: pl.Float64 = pa.Field(nullable=True, description="import − export.")
    gap_ratio: pl.Float64 = pa.Field(nullable=True, description="import / export.")
    source_files: pl.List(pl.String) = pa.Field(description="Files of the X and M records.")

    class Config:
        strict = True
        coerce = False


_CN8_FILES = "Data Browser workbooks the figure was computed from."
_EU = "EU27_2020: the sum of the 27 member states (the extract has no EU aggregate)."
_GROUP = "direct (RU, BY) or neighbour (AM, GE, KZ, KG, UZ)."
_NA = (
    "Cells summed that were not available (`:`): not added as zero; a sum with no reported cell"
    " is null."
)


class TradeProductChpl(pa.DataFrameModel):
    """Every product line of the CN8 extract: its HS6 and, through it, its CHPL item and tier."""

    source: pl.String = pa.Field(isin=["eurostat_cn8"], description="Source table.")
    product_code: pl.String = pa.Field(unique=True, description="CN8, HS6 or HS4 code.")
    product_level: pl.String = pa.Field(isin=["CN8", "HS6", "HS4"], description="Level.")
    hs6: pl.String = pa.Field(nullable=True, description="HS6 (null for an HS4 line).")
    product_label: pl.String = pa.Field(description="PRODUCT label as published.")
    chpl_tier: pl.String = pa.Field(
        nullable=True, description="CHPL tier of the HS6; null when not on the list or HS4."
    )
    chpl_tier_group: pl.Int8 = pa.Field(nullable=True, description="Tier number (1-4).")
    chpl_match: pl.String = pa.Field(
        isin=["hs6", "heading", "none"],
        description="hs6: the line's HS6 is a CHPL code; heading: an HS4 line whose heading "
        "holds CHPL codes (no tier, kept out of CHPL sums); none: not a CHPL item.",
    )
    source_files: pl.List(pl.String) = pa.Field(description=_CN8_FILES)

    class Config:
        strict = True
        coerce = False


class TradeChplMonthly(pa.DataFrameModel):
    """EU exports of CHPL items to Russia, Belarus and the neighbours, by tier and month,
    indexed to the 2021 monthly average = 100."""

    source: pl.String = pa.Field(isin=["eurostat_cn8"], description="Source table.")
    reporter_code: pl.String = pa.Field(isin=["EU27_2020"], description=_EU)
    reporter_basis: pl.String = pa.Field(isin=["members_sum"], description="How EU is formed.")
    partner_code: pl.String = pa.Field(description="Partner, ISO alpha-2.")
    partner_group: pl.String = pa.Field(isin=["direct", "neighbour"], description=_GROUP)
    product_scope: pl.String = pa.Field(description="'CHPL tier …' or 'CHPL all tiers'.")
    year: pl.Int16 = pa.Field(description="Year.")
    month: pl.Int8 = pa.Field(ge=1, le=12, description="Month.")
    value_eur: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="Sum of the reported cells, EUR."
    )
    cells_reported: pl.Int32 = pa.Field(ge=0, description="Cells with a value in the sum.")
    cells_not_available: pl.Int32 = pa.Field(ge=0, description=_NA)
    product_lines: pl.Int32 = pa.Field(ge=1, description="CN8 lines in the scope.")
    base_2021: pl.Float64 = pa.Field(
        nullable=True, description="2021 monthly average (null unless all 12 months reported)."
    )
    index_2021: pl.Float64 = pa.Field(nullable=True, description="value_eur / base_2021 × 100.")
    source_files: pl.List(pl.String) = pa.Field(description=_CN8_FILES)

    class Config:
        strict = True
        coerce = False
        unique = ["partner_code", "product_scope", "year", "month"]


class TradeChplAnnual(pa.DataFrameModel):
    """EU exports of CHPL items by partner, tier and year (sum of months), 2021 = 100."""

    source: pl.String = pa.Field(isin=["eurostat_cn8"], description="Source table.")
    reporter_code: pl.String = pa.Field(isin=["EU27_2020"], description=_EU)
    reporter_basis: pl.String = pa.Field(isin=["members_sum"], description="How EU is formed.")
    partner_code: pl.String = pa.Field(description="Partner, ISO alpha-2.")
    partner_group: pl.String = pa.Field(isin=["direct", "neighbour"], description=_GROUP)
    product_scope: pl.String = pa.Field(description="'CHPL tier …' or 'CHPL all tiers'.")
    year: pl.Int16 = pa.Field(description="Year.")
    months_reported: pl.Int8 = pa.Field(
        ge=0, le=12, description="Months with at least one reported cell."
    )
    value_eur: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="Sum of the reported cells of the year, EUR."
    )
    cells_reported: pl.Int32 = pa.Field(ge=0, description="Cells with a value in the sum.")
    cells_not_available: pl.Int32 = pa.Field(ge=0, description=_NA)
    product_lines: pl.Int32 = pa.Field(ge=1, description="CN8 lines in the scope.")
    base_2021: pl.Float64 = pa.Field(nullable=True, description="The 2021 value of the series.")
    index_2021: pl.Float64 = pa.Field(nullable=True, description="value_eur / base_2021 × 100.")
    source_files: pl.List(pl.String) = pa.Field(description=_CN8_FILES)

    class Config:
        strict = True
        coerce = False
        unique = ["partner_code", "product_scope", "year"]


class TradeChplSubstitution(pa.DataFrameModel):
    """Per CHPL HS6: the fall of EU exports to Russia + Belarus from March–December 2021 to
    March–December 2022, against the rise to the five neighbours over the same windows."""

    source: pl.String = pa.Field(isin=["eurostat_cn8"], description="Source table.")
    reporter_code: pl.String = pa.Field(isin=["EU27_2020"], description=_EU)
    hs6: pl.String = pa.Field(unique=True, description="CHPL HS6 code (all 50 listed).")
    chpl_tier: pl.String = pa.Field(description="CHPL tier.")
    product_lines: pl.Int32 = pa.Field(
        ge=0, description="CN8 lines of this HS6 in the extract (0: not covered, values null)."
    )
    pre_window: pl.String = pa.Field(description="Months before: 2021-03..2021-12.")
    post_window: pl.String = pa.Field(description="Months after: 2022-03..2022-12.")
    direct_pre_eur: pl.Float64 = pa.Field(
        nullable=True, description="EU exports to RU + BY in the pre window (reported cells)."
    )
    direct_post_eur: pl.Float64 = pa.Field(
        nullable=True, description="EU exports to RU + BY in the post window."
    )
    direct_fall_eur: pl.Float64 = pa.Field(
        nullable=True, description="direct_pre_eur − direct_post_eur (positive = a fall)."
    )
    neighbour_pre_eur: pl.Float64 = pa.Field(
        nullable=True, description="EU exports to AM+GE+KZ+KG+UZ in the pre window."
    )
    neighbour_post_eur: pl.Float64 = pa.Field(
        nullable=True, description="EU exports to the neighbours in the post window."
    )
    neighbour_rise_eur: pl.Float64 = pa.Field(
        nullable=True, description="neighbour_post_eur − neighbour_pre_eur (positive = a rise)."
    )
    rise_share_of_fall: pl.Float64 = pa.Field(
        nullable=True,
        description="neighbour_rise_eur / direct_fall_eur; null unless the direct exports fell.",
    )
    top_neighbour: pl.String = pa.Field(
        nullable=True, description="Neighbour with the largest rise."
    )
    top_neighbour_rise_eur: pl.Float64 = pa.Field(
        nullable=True, description="That neighbour's rise, EUR."
    )
    substitution_rank: pl.Int32 = pa.Field(
        nullable=True,
        ge=1,
        description="Rank by neighbour_rise_eur (1 = largest) among lines whose direct exports "
        "fell and neighbour exports rose; null otherwise.",
    )
    source_files: pl.List(pl.String) = pa.Field(description=_CN8_FILES)

    class Config:
        strict = True
        coerce = False


class TradeCn8Rises(pa.DataFrameModel):
    """Per CN8 line and partner: EU exports in 2021 and 2022, and the rank of the rise."""

    source: pl.String = pa.Field(isin=["eurostat_cn8"], description="Source table.")
    reporter_code: pl.String = pa.Field(isin=["EU27_2020"], description=_EU)
    partner_code: pl.String = pa.Field(description="Partner, ISO alpha-2.")
    partner_group: pl.String = pa.Field(isin=["direct", "neighbour"], description=_GROUP)
    product_code: pl.String = pa.Field(description="CN8 (or HS6/HS4) code.")
    product_level: pl.String = pa.Field(isin=["CN8", "HS6", "HS4"], description="Level.")
    hs6: pl.String = pa.Field(nullable=True, description="HS6 of the line.")
    product_label: pl.String = pa.Field(description="PRODUCT label as published.")
    chpl_tier: pl.String = pa.Field(
        nullable=True, description="CHPL tier of the line's HS6; null when not a CHPL item."
    )
    value_2021: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="Sum of the reported months of 2021 (27 members), EUR."
    )
    value_2022: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="Sum of the reported months of 2022, EUR."
    )
    change_eur: pl.Float64 = pa.Field(nullable=True, description="value_2022 − value_2021.")
    ratio_2022_2021: pl.Float64 = pa.Field(
        nullable=True, description="value_2022 / value_2021 (null when 2021 is null or 0)."
    )
    cells_not_available: pl.Int32 = pa.Field(ge=0, description=_NA)
    rise_rank: pl.Int32 = pa.Field(
        nullable=True, ge=1, description="Rank of change_eur within the partner (1 = largest rise)."
    )
    source_files: pl.List(pl.String) = pa.Field(description=_CN8_FILES)

    class Config:
        strict = True
        coerce = False
        unique = ["partner_code", "product_code"]
