"""Pandera models of the trade tables (`trade/tables.py` holds the same columns as dtypes): the
source tables and `trade_flows` here, the indicator tables in `schemas/trade_indicators.py`.

Strict: a column not declared here fails validation. Every field has a description, so these
models are the data dictionary of the trade tables too.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.trade_indicators import (
    TradeChplAnnual,
    TradeChplMonthly,
    TradeChplSubstitution,
    TradeCn8Rises,
    TradeDiversion,
    TradeIndicatorsAnnual,
    TradeIndicatorsMonthly,
    TradeMirrorGaps,
    TradeProductChpl,
)
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
