"""Pandera models of the trade tables (`trade/tables.py` holds the same columns as dtypes).

Strict: a column not declared here fails validation. Every field has a description, so these
models are the data dictionary of the trade tables too.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from trade.tables import CODE_KINDS, CURRENCIES, FLOWS, PRODUCT_LEVELS, TRADE_SOURCES, VALUATIONS

LINE = (
    "1-based physical line in `source_file` (header = line 1); for Comtrade JSON the record index."
)
FILE = "Payload the row came from: path relative to the trade snapshot root, or the payload name."


class EurostatComext(pa.DataFrameModel):
    """One Comext Relational_View data row: a reporter's trade with a partner in a period."""

    reporter_code: pl.String = pa.Field(
        description="Reporter as ISO alpha-2, or an aggregate code (EU27_2020, EU, EA, EA20)."
    )
    reporter_label: pl.String = pa.Field(description="REPORTER label as published.")
    reporter_kind: pl.String = pa.Field(
        isin=CODE_KINDS, description="country, aggregate, special or historical."
    )
    reporter_is_aggregate: pl.Boolean = pa.Field(
        description="True for a sum of reporters (never add to members)."
    )
    partner_code: pl.String = pa.Field(
        description="Partner as ISO alpha-2, an aggregate (EXT_EU27_2020…), a Eurostat pseudo-code (QP, QR…, XC, XL) or an ISO 3166-3 code."
    )
    partner_label: pl.String = pa.Field(description="PARTNER label as published.")
    partner_kind: pl.String = pa.Field(
        isin=CODE_KINDS, description="country, aggregate, special or historical."
    )
    partner_is_aggregate: pl.Boolean = pa.Field(description="True for a sum of partners.")
    product_code: pl.String = pa.Field(description="Product code; TOTAL = all goods.")
    product_label: pl.String = pa.Field(description="PRODUCT label as published.")
    flow: pl.String = pa.Field(isin=["export", "import"], description="Trade flow.")
    flow_label: pl.String = pa.Field(
        description="FLOW label as published (EXPORT, 2-EXPORT, EXPORTATION…)."
    )
    stat_procedure: pl.String = pa.Field(
        description="Statistical procedure; TOTAL = all procedures."
    )
    stat_procedure_label: pl.String = pa.Field(
        nullable=True,
        description="STAT_PROCEDURE label as published; null from the API (no such dimension).",
    )
    period_label: pl.String = pa.Field(description="PERIOD label as published.")
    year: pl.Int16 = pa.Field(ge=1988, le=2100, description="Reference year.")
    month: pl.Int8 = pa.Field(
        nullable=True, ge=1, le=12, description="Reference month; null for a whole year."
    )
    value_eur: pl.Float64 = pa.Field(
        ge=0, description="Trade value in euros (VALUE_IN_EUR; the API's OBS_VALUE)."
    )
    obs_flag: pl.String = pa.Field(
        nullable=True,
        description="SDMX observation flag (p provisional, e estimated…); null when none or "
        "from an Easy Comext download.",
    )
    label_language: pl.String = pa.Field(
        isin=["en", "fr", "sdmx"],
        description="Interface language of the download; sdmx for API codes.",
    )
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(ge=2, description=LINE)

    class Config:
        strict = True
        coerce = False
        unique = [
            "reporter_code",
            "partner_code",
            "product_code",
            "flow",
            "stat_procedure",
            "year",
            "month",
        ]


class UnComtrade(pa.DataFrameModel):
    """One Comtrade record (data/v1 API or bulk CSV), all published fields kept."""

    type_code: pl.String = pa.Field(isin=["C"], description="typeCode: C = goods.")
    freq_code: pl.String = pa.Field(isin=["A", "M"], description="freqCode: A annual, M monthly.")
    ref_period_id: pl.Int64 = pa.Field(
        nullable=True, description="refPeriodId (yyyymmdd of the period start)."
    )
    ref_year: pl.Int16 = pa.Field(ge=1962, le=2100, description="refYear.")
    ref_month: pl.Int8 = pa.Field(description="refMonth: 1-12, or 52 for annual data.")
    period: pl.String = pa.Field(description="period: yyyy or yyyymm.")
    reporter_code: pl.Int32 = pa.Field(
        description="reporterCode (Comtrade numeric, not ISO numeric)."
    )
    reporter_iso: pl.String = pa.Field(
        description="reporterISO (ISO alpha-3 or Comtrade area code)."
    )
    reporter_desc: pl.String = pa.Field(nullable=True, description="reporterDesc.")
    flow_code: pl.String = pa.Field(description="flowCode (X, M, RX, RM).")
    flow_desc: pl.String = pa.Field(nullable=True, description="flowDesc.")
    partner_code: pl.Int32 = pa.Field(description="partnerCode (0 = World).")
    partner_iso: pl.String = pa.Field(description="partnerISO.")
    partner_desc: pl.String = pa.Field(nullable=True, description="partnerDesc.")
    partner2_code: pl.Int32 = pa.Field(
        nullable=True, description="partner2Code (second partner; 0 = World)."
    )
    partner2_iso: pl.String = pa.Field(nullable=True, description="partner2ISO.")
    classification_code: pl.String = pa.Field(
        description="classificationCode (H6 = HS 2022, H5 = HS 2017…)."
    )
    classification_search_code: pl.String = pa.Field(
        nullable=True, description="classificationSearchCode (HS)."
    )
    is_original_classification: pl.Boolean = pa.Field(
        nullable=True, description="isOriginalClassification."
    )
    cmd_code: pl.String = pa.Field(
        description="cmdCode: HS code as text with leading zeros, or TOTAL."
    )
    cmd_desc: pl.String = pa.Field(nullable=True, description="cmdDesc.")
    aggr_level: pl.Int8 = pa.Field(nullable=True, description="aggrLevel (6 = HS6).")
    is_leaf: pl.Boolean = pa.Field(nullable=True, description="isLeaf.")
    customs_code: pl.String = pa.Field(nullable=True, description="customsCode (C00 = all).")
    mos_code: pl.String = pa.Field(nullable=True, description="mosCode (mode of supply; 0 = all).")
    mot_code: pl.Int32 = pa.Field(
        nullable=True, description="motCode (mode of transport; 0 = all)."
    )
    qty_unit_code: pl.Int32 = pa.Field(nullable=True, description="qtyUnitCode.")
    qty_unit_abbr: pl.String = pa.Field(nullable=True, description="qtyUnitAbbr.")
    qty: pl.Float64 = pa.Field(nullable=True, ge=0, description="qty, in qtyUnitAbbr.")
    is_qty_estimated: pl.Boolean = pa.Field(nullable=True, description="isQtyEstimated.")
    alt_qty_unit_code: pl.Int32 = pa.Field(nullable=True, description="altQtyUnitCode.")
    alt_qty: pl.Float64 = pa.Field(nullable=True, ge=0, description="altQty.")
    net_wgt: pl.Float64 = pa.Field(nullable=True, ge=0, description="netWgt in kg.")
    is_net_wgt_estimated: pl.Boolean = pa.Field(nullable=True, description="isNetWgtEstimated.")
    gross_wgt: pl.Float64 = pa.Field(nullable=True, ge=0, description="grossWgt in kg.")
    cif_value: pl.Float64 = pa.Field(nullable=True, ge=0, description="cifvalue in USD.")
    fob_value: pl.Float64 = pa.Field(nullable=True, ge=0, description="fobvalue in USD.")
    primary_value: pl.Float64 = pa.Field(
        ge=0, description="primaryValue in USD (CIF for imports, FOB for exports)."
    )
    legacy_estimation_flag: pl.Int32 = pa.Field(nullable=True, description="legacyEstimationFlag.")
    is_reported: pl.Boolean = pa.Field(nullable=True, description="isReported.")
    is_aggregate: pl.Boolean = pa.Field(
        nullable=True, description="isAggregate (Comtrade's flag on the record)."
    )
    reporter_iso2: pl.String = pa.Field(description="Reporter as ISO alpha-2 (or W00/_X/S19).")
    reporter_kind: pl.String = pa.Field(isin=CODE_KINDS, description="Kind of reporter code.")
    partner_iso2: pl.String = pa.Field(description="Partner as ISO alpha-2 (or W00/_X/S19).")
    partner_kind: pl.String = pa.Field(isin=CODE_KINDS, description="Kind of partner code.")
    partner2_iso2: pl.String = pa.Field(
        nullable=True, description="Second partner as ISO alpha-2 (or W00…)."
    )
    partner2_kind: pl.String = pa.Field(
        nullable=True, isin=CODE_KINDS, description="Kind of second partner code."
    )
    flow: pl.String = pa.Field(isin=FLOWS, description="flowCode in words.")
    month: pl.Int8 = pa.Field(
        nullable=True, ge=1, le=12, description="Month of monthly data; null for annual."
    )
    extra_fields: pl.String = pa.Field(
        nullable=True, description="Fields outside the documented layout, as JSON."
    )
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(ge=1, description=LINE)

    class Config:
        strict = True
        coerce = False


class CepiiBaci(pa.DataFrameModel):
    """One BACI flow: exporter, importer, HS6 product, year."""

    year: pl.Int16 = pa.Field(ge=1995, le=2100, description="t: year.")
    exporter_code: pl.Int32 = pa.Field(description="i: exporter, BACI numeric code.")
    importer_code: pl.Int32 = pa.Field(description="j: importer, BACI numeric code.")
    exporter_iso2: pl.String = pa.Field(
        nullable=True, description="Exporter ISO alpha-2 from the country file (null if none)."
    )
    exporter_iso3: pl.String = pa.Field(description="Exporter ISO alpha-3 from the country file.")
    importer_iso2: pl.String = pa.Field(
        nullable=True, description="Importer ISO alpha-2 from the country file."
    )
    importer_iso3: pl.String = pa.Field(description="Importer ISO alpha-3 from the country file.")
    product_code: pl.String = pa.Field(
        str_matches=r"^\d{6}$", description="k: HS6 product, six characters with leading zero."
    )
    value_usd_thousands: pl.Float64 = pa.Field(ge=0, description="v: value in thousand US dollars.")
    quantity_tonnes: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="q: quantity in tonnes; null where BACI writes NA."
    )
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(ge=2, description=LINE)

    class Config:
        strict = True
        coerce = False
        unique = ["year", "exporter_code", "importer_code", "product_code"]


class CepiiBaciCountries(pa.DataFrameModel):
    """BACI country_codes file: numeric code → names and ISO codes."""

    country_code: pl.Int32 = pa.Field(unique=True, description="BACI numeric code.")
    country_name: pl.String = pa.Field(description="Country name.")
    country_iso2: pl.String = pa.Field(
        nullable=True, description="ISO alpha-2 ('NA' is Namibia); null where BACI writes N/A."
    )
    country_iso3: pl.String = pa.Field(description="ISO alpha-3.")
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(ge=2, description=LINE)

    class Config:
        strict = True
        coerce = False


class ImfImts(pa.DataFrameModel):
    """One IMF IMTS observation: reporter × counterpart × indicator × year."""

    reporter_code: pl.String = pa.Field(description="Reporter ISO alpha-2 (RU).")
    reporter_iso3: pl.String = pa.Field(description="COUNTRY.ID as published.")
    partner_code: pl.String = pa.Field(
        description="Counterpart: ISO alpha-2, IMF aggregate/unallocated code, or ISO 3166-3 code."
    )
    partner_imf_code: pl.String = pa.Field(description="COUNTERPART_COUNTRY.ID as published.")
    partner_label: pl.String = pa.Field(description="COUNTERPART_COUNTRY as published.")
    partner_kind: pl.String = pa.Field(
        isin=CODE_KINDS, description="country, aggregate, special (not specified) or historical."
    )
    partner_is_aggregate: pl.Boolean = pa.Field(description="True for IMF group codes (G…, GX…).")
    indicator: pl.String = pa.Field(isin=["MG_CIF_USD", "XG_FOB_USD"], description="INDICATOR.ID.")
    flow: pl.String = pa.Field(isin=["import", "export"], description="Flow of the indicator.")
    valuation: pl.String = pa.Field(
        isin=VALUATIONS, description="CIF for imports, FOB for exports."
    )
    year: pl.Int16 = pa.Field(ge=1948, le=2100, description="Year column.")
    value_usd_millions: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="Value in millions of US dollars; null = empty cell."
    )
    series_code: pl.String = pa.Field(description="SERIES_CODE.")
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(ge=2, description=LINE)

    class Config:
        strict = True
        coerce = False
        unique = ["series_code", "year"]


class HsCodes(pa.DataFrameModel):
    """HS 2022 nomenclature: chapters, headings, subheadings and the TOTAL row."""

    hs_code: pl.String = pa.Field(
        unique=True, description="HS code as text with leading zeros, or TOTAL."
    )
    description: pl.String = pa.Field(description="Official description.")
    level: pl.Int8 = pa.Field(
        isin=[2, 4, 5, 6], description="2 chapter, 4 heading, 6 subheading, 5 the TOTAL row."
    )
    parent: pl.String = pa.Field(description="Parent code (TOTAL for chapters).")
    section: pl.String = pa.Field(description="Section (roman numeral) or TOTAL.")
    section_name: pl.String = pa.Field(
        nullable=True, description="Section name from sections.csv; null for TOTAL."
    )
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(ge=2, description=LINE)

    class Config:
        strict = True
        coerce = False


class ChplCodes(pa.DataFrameModel):
    """Common High Priority List: HS6 codes by tier."""

    hs_code: pl.String = pa.Field(unique=True, str_matches=r"^\d{6}$", description="HS6 code.")
    tier: pl.String = pa.Field(
        isin=["1", "2", "3.A", "3.B", "4.A", "4.B"], description="CHPL tier."
    )
    tier_group: pl.Int8 = pa.Field(
        isin=[1, 2, 3, 4], description="Tier number without the A/B split."
    )
    published_at: pl.Date = pa.Field(description="Publication date of the list version.")
    source_url: pl.String = pa.Field(description="Where the list is published.")
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(ge=2, description=LINE)

    class Config:
        strict = True
        coerce = False


class TradeFlows(pa.DataFrameModel):
    """All sources in one long table: reporter, partner, flow, period, product, value."""

    source: pl.String = pa.Field(isin=TRADE_SOURCES, description="Source table.")
    reporter_code: pl.String = pa.Field(
        description="Reporter (ISO alpha-2 or aggregate code); exporter for BACI."
    )
    reporter_is_aggregate: pl.Boolean = pa.Field(description="True for a sum of reporters.")
    partner_code: pl.String = pa.Field(
        description="Partner (ISO alpha-2, aggregate or special code)."
    )
    partner_is_aggregate: pl.Boolean = pa.Field(description="True for a sum of partners.")
    flow: pl.String = pa.Field(isin=FLOWS, description="Flow as seen by the reporter.")
    year: pl.Int16 = pa.Field(description="Reference year.")
    month: pl.Int8 = pa.Field(
        nullable=True, ge=1, le=12, description="Month; null for annual data."
    )
    product_code: pl.String = pa.Field(description="HS code, CN8 code or TOTAL.")
    product_level: pl.String = pa.Field(
        nullable=True,
        isin=PRODUCT_LEVELS,
        description="TOTAL, HS2, HS4, HS6 or CN8, read from the code's form; null for another form.",
    )
    hs6: pl.String = pa.Field(
        nullable=True,
        str_matches=r"^\d{6}$",
        description="HS6 subheading: the code itself (HS6) or its first six digits (CN8); null "
        "for totals and headings (an HS4 code is never assigned a subheading).",
    )
    value: pl.Float64 = pa.Field(
        nullable=True,
        ge=0,
        description="Value in `currency` units (not thousands/millions); null = no observation "
        "(see `obs_flag`).",
    )
    obs_flag: pl.String = pa.Field(
        nullable=True,
        description="Publisher's flag or special value: `:` (not available, value null) in the "
        "Data Browser extract; Eurostat SDMX flags (p, e…); null when none.",
    )
    currency: pl.String = pa.Field(isin=CURRENCIES, description="EUR (Eurostat) or USD.")
    valuation: pl.String = pa.Field(
        nullable=True, isin=VALUATIONS, description="FOB or CIF where known."
    )
    quantity: pl.Float64 = pa.Field(nullable=True, ge=0, description="Quantity in `quantity_unit`.")
    quantity_unit: pl.String = pa.Field(
        nullable=True, description="Unit of `quantity` (t for BACI tonnes)."
    )
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(ge=1, description=LINE)

    class Config:
        strict = True
        coerce = False


class TradeRejects(pa.DataFrameModel):
    """Source rows not taken (e.g. an identical repeat of a period already read)."""

    source: pl.String = pa.Field(description="Source table.")
    source_file: pl.String = pa.Field(description=FILE)
    source_line: pl.Int32 = pa.Field(description=LINE)
    reason: pl.String = pa.Field(description="Why the row was not taken.")
    raw: pl.String = pa.Field(description="The row as read.")

    class Config:
        strict = True
        coerce = False


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


class EurostatCn8(pa.DataFrameModel):
    """One cell of a Data Browser product sheet: a member state's exports of one CN8 (or HS6,
    HS4) line to one partner in one month."""

    reporter_code: pl.String = pa.Field(description="Member state, ISO alpha-2 (GR for Greece).")
    reporter_label: pl.String = pa.Field(
        description="REPORTER label as published (\"Belgium (incl. Luxembourg 'LU' -> 1998)\")."
    )
    reporter_kind: pl.String = pa.Field(isin=CODE_KINDS, description="Kind of the code.")
    partner_code: pl.String = pa.Field(description="Partner, ISO alpha-2.")
    partner_label: pl.String = pa.Field(description="PARTNER label as published.")
    partner_kind: pl.String = pa.Field(isin=CODE_KINDS, description="Kind of the code.")
    product_code: pl.String = pa.Field(
        str_matches=r"^(\d{8}|\d{6}|\d{4})$",
        description="The code in brackets at the end of the PRODUCT label: CN8, HS6 or HS4.",
    )
    product_level: pl.String = pa.Field(
        isin=["CN8", "HS6", "HS4"], description="Level of `product_code`."
    )
    hs6: pl.String = pa.Field(
        nullable=True,
        str_matches=r"^\d{6}$",
        description="First six digits of a CN8 code (its HS subheading), the HS6 code itself; "
        "null for an HS4 heading (never guessed).",
    )
    flow: pl.String = pa.Field(isin=["export", "import"], description="Trade flow.")
    period_label: pl.String = pa.Field(description="TIME column label (yyyy-mm).")
    year: pl.Int16 = pa.Field(ge=1988, le=2100, description="Reference year.")
    month: pl.Int8 = pa.Field(ge=1, le=12, description="Reference month.")
    value_eur: pl.Float64 = pa.Field(
        nullable=True, ge=0, description="Value in euros; null when the cell holds a special value."
    )
    obs_flag: pl.String = pa.Field(
        nullable=True,
        description="The special value the cell holds (`:`), null when it holds a number.",
    )
    obs_flag_label: pl.String = pa.Field(
        nullable=True,
        description="Meaning of `obs_flag` from the sheet's own legend (`not available`).",
    )
    source_file: pl.String = pa.Field(description=FILE)
    source_sheet: pl.String = pa.Field(description="Sheet of the workbook (Sheet 1 …).")
    source_line: pl.Int32 = pa.Field(ge=12, description="1-based row of the sheet.")
    source_cell: pl.String = pa.Field(description="Cell of the value (C12 …).")

    class Config:
        strict = True
        coerce = False
        unique = ["reporter_code", "partner_code", "product_code", "flow", "year", "month"]


class EurostatCn8Products(pa.DataFrameModel):
    """One Data Browser product sheet: its product, flow, indicator and extraction (what the
    sheet says once, kept off its cells)."""

    product_code: pl.String = pa.Field(
        str_matches=r"^(\d{8}|\d{6}|\d{4})$", description="CN8, HS6 or HS4 code."
    )
    product_level: pl.String = pa.Field(isin=["CN8", "HS6", "HS4"], description="Level.")
    hs6: pl.String = pa.Field(nullable=True, description="HS6 (null for an HS4 heading).")
    product_label: pl.String = pa.Field(
        description="PRODUCT label as published, with the label history of the code "
        "(`…(2022-2500);…(2017-2021) [84798997]`)."
    )
    flow: pl.String = pa.Field(isin=["export", "import"], description="Trade flow.")
    flow_label: pl.String = pa.Field(description="FLOW as published (EXPORT).")
    indicator: pl.String = pa.Field(isin=["VALUE_IN_EUROS"], description="INDICATORS.")
    dataset: pl.String = pa.Field(description="Dataset code (DS-045409__custom_…).")
    data_updated: pl.String = pa.Field(description="'Last updated' of the data (dd/mm/yyyy hh:mm).")
    extracted: pl.String = pa.Field(description="'Data extracted on' time (dd/mm/yyyy hh:mm:ss).")
    months: pl.Int16 = pa.Field(ge=1, description="Month columns of the sheet.")
    first_month: pl.String = pa.Field(description="First month column (yyyy-mm).")
    last_month: pl.String = pa.Field(description="Last month column (yyyy-mm).")
    rows: pl.Int32 = pa.Field(ge=0, description="Reporter × partner rows kept from the sheet.")
    source_file: pl.String = pa.Field(description=FILE)
    source_sheet: pl.String = pa.Field(description="Sheet of the workbook.")

    class Config:
        strict = True
        coerce = False
        unique = ["product_code", "flow"]


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


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "eurostat_comext": EurostatComext,
    "eurostat_cn8": EurostatCn8,
    "eurostat_cn8_products": EurostatCn8Products,
    "un_comtrade": UnComtrade,
    "cepii_baci": CepiiBaci,
    "cepii_baci_countries": CepiiBaciCountries,
    "imf_imts": ImfImts,
    "hs_codes": HsCodes,
    "chpl_codes": ChplCodes,
    "trade_flows": TradeFlows,
    "trade_rejects": TradeRejects,
    "trade_indicators_monthly": TradeIndicatorsMonthly,
    "trade_indicators_annual": TradeIndicatorsAnnual,
    "trade_diversion": TradeDiversion,
    "trade_mirror_gaps": TradeMirrorGaps,
    "trade_product_chpl": TradeProductChpl,
    "trade_chpl_monthly": TradeChplMonthly,
    "trade_chpl_annual": TradeChplAnnual,
    "trade_chpl_substitution": TradeChplSubstitution,
    "trade_cn8_rises": TradeCn8Rises,
}
