"""OFSI Consolidated List (`gb_ofsi`, frozen 2026-01-28): the Dagster declaration.

The parsers, constants and canonical mapping are in the package `gb_ofsi/`.
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec, source_asset
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
from gb_ofsi.csv import parse_csv
from gb_ofsi.legacy_csv import parse_csv_legacy
from gb_ofsi.xlsx import parse_xlsx
from gb_ofsi.xml import parse_xml
from resources.fetcher import FileSpec
from schemas.gb_ofsi import CSV_MODELS, LEGACY_MODELS, XLSX_MODELS, XML_MODELS

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
