"""UK Sanctions List (FCDO) (`gb_fcdo`): the Dagster declaration.

The parsers, constants and canonical mapping are in the package `gb_fcdo/`.
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec, source_asset
from gb_fcdo.constants import (
    AUTHORITY,
    BASE_URL,
    CSV_NAME,
    EXCERPTS,
    PUBLICATION_PAGE,
    SANITY_FLOOR,
    SOURCE,
    XML_NAME,
)
from gb_fcdo.csv import parse_csv
from gb_fcdo.xml import parse_xml
from resources.fetcher import FileSpec
from schemas.gb_fcdo import CSV_MODELS, XML_MODELS

# the documented direct URLs; when one fails, the link is looked up on the publication page
XML_FILES = (FileSpec(XML_NAME, BASE_URL + XML_NAME, "xml", page=PUBLICATION_PAGE),)
CSV_FILES = (FileSpec(CSV_NAME, BASE_URL + CSV_NAME, "csv", page=PUBLICATION_PAGE),)

SPEC = SourceSpec(
    source=SOURCE,
    publisher="UK Foreign, Commonwealth & Development Office (FCDO)",
    description=(
        "UK Sanctions List, the single official UK list since 28 January 2026 "
        f"(XML canonical, CSV reconciled; {PUBLICATION_PAGE})."
    ),
    formats=(
        Format("xml", XML_FILES, parse_xml, XML_MODELS),
        Format("csv", CSV_FILES, parse_csv, CSV_MODELS),
    ),
    sanity_floor=SANITY_FLOOR,
    excerpts=EXCERPTS,
    kinds=frozenset({"python", "polars", "xml", "csv"}),
    authority=AUTHORITY,
)

asset = source_asset(SPEC)
