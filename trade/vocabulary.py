"""The trade tables' vocabularies and the names the Dagster definitions need, without polars.

Plain values: loading the definitions reads them (the published trade tables are assets of
their own, the checks are declared per table), while the column schemas (`trade/tables.py`,
polars types) load with the parsers. Each module that owns a name re-exports it.
"""

from __future__ import annotations

FLOWS = ("export", "import", "re_export", "re_import")
CURRENCIES = ("EUR", "USD")
VALUATIONS = ("FOB", "CIF")
# country: ISO 3166-1 alpha-2; aggregate: a sum of other rows (EU27_2020, EA, G001…);
# special: a publisher pseudo-partner that is not a sum (high seas, not specified, Ceuta…);
# historical: a former economy, coded with its ISO 3166-3 four-letter code.
CODE_KINDS = ("country", "aggregate", "special", "historical")
TRADE_SOURCES = ("eurostat_comext", "eurostat_cn8", "un_comtrade", "cepii_baci", "imf_imts")
# product_level of a product code: TOTAL, or an HS/CN code by its number of digits
PRODUCT_LEVELS = ("TOTAL", "HS2", "HS4", "HS6", "CN8")
REFERENCE_TABLES = ("hs_codes", "chpl_codes")

# The 27 member states of EU27_2020, in ISO alpha-2 (Eurostat writes Greece as EL; ISO is GR).
EU27 = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip

# UN Comtrade's value, quantity and weight columns (`un_comtrade`), non-negative where present
COMTRADE_VALUE_COLUMNS = (
    "qty",
    "alt_qty",
    "net_wgt",
    "gross_wgt",
    "cif_value",
    "fob_value",
    "primary_value",
)
# the Data Browser's product table (`eurostat_databrowser`): one row per product sheet, its
# label and extraction
CN8_PRODUCTS = "eurostat_cn8_products"
# the tables `chpl_indicators.build` returns
CHPL_TABLES = (
    "trade_product_chpl",
    "trade_chpl_monthly",
    "trade_chpl_annual",
    "trade_chpl_substitution",
    "trade_cn8_rises",
)
