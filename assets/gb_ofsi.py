"""OFSI Consolidated List (`gb_ofsi`, frozen 2026-01-28): the Dagster declaration.

The parsers, constants and canonical mapping are in the package `gb_ofsi/`; the parsers and
the staged models are imported when the asset runs (`core.lazy`), not with the definitions.
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec, source_asset
from core.lazy import LazyMapping, lazy_function
from gb_ofsi.constants import (
    AUTHORITY,
    BASE_URL,
    CSV_NAME,
    LEGACY_NAME,
    LEGACY_URL,
    SANITY_FLOOR,
    SOURCE,
    XLSX_NAME,
    XML_NAME,
)
from resources.fetcher import FileSpec

parse_csv = lazy_function("gb_ofsi.csv", "parse_csv")
parse_csv_legacy = lazy_function("gb_ofsi.legacy_csv", "parse_csv_legacy")
parse_xlsx = lazy_function("gb_ofsi.xlsx", "parse_xlsx")
parse_xml = lazy_function("gb_ofsi.xml", "parse_xml")
CSV_MODELS = LazyMapping("schemas.gb_ofsi", "CSV_MODELS")
LEGACY_MODELS = LazyMapping("schemas.gb_ofsi", "LEGACY_MODELS")
XLSX_MODELS = LazyMapping("schemas.gb_ofsi", "XLSX_MODELS")
XML_MODELS = LazyMapping("schemas.gb_ofsi", "XML_MODELS")

SPEC = SourceSpec(
    source=SOURCE,
    publisher="HM Treasury OFSI",
    description=(
        "Consolidated List of Financial Sanctions Targets (2022 XLSX/CSV/XML, pre-2022 CSV); "
        "frozen 2026-01-28, kept for history."
    ),
    formats=(
        Format(
            "xlsx",
            (FileSpec(XLSX_NAME, BASE_URL + XLSX_NAME, "xlsx", required=False),),
            parse_xlsx,
            XLSX_MODELS,
        ),
        Format(
            "csv",
            (FileSpec(CSV_NAME, BASE_URL + CSV_NAME, "csv", required=False),),
            parse_csv,
            CSV_MODELS,
        ),
        Format(
            "xml",
            (FileSpec(XML_NAME, BASE_URL + XML_NAME, "xml", required=False),),
            parse_xml,
            XML_MODELS,
        ),
        Format(
            "csv_legacy",
            (FileSpec(LEGACY_NAME, LEGACY_URL, "csv", required=False),),
            parse_csv_legacy,
            LEGACY_MODELS,
        ),
    ),
    sanity_floor=SANITY_FLOOR,
    kinds=frozenset({"python", "polars", "excel", "csv", "xml"}),
    authority=AUTHORITY,
)

asset = source_asset(SPEC)
