"""UK Sanctions List (FCDO) (`gb_fcdo`): the Dagster declaration.

The parsers, constants and canonical mapping are in the package `gb_fcdo/`; the parsers and
the staged models are imported when the asset runs (`core.lazy`), not with the definitions.
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec, source_asset
from core.lazy import LazyMapping, lazy_function
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
from resources.fetcher import FileSpec

parse_csv = lazy_function("gb_fcdo.csv", "parse_csv")
parse_xml = lazy_function("gb_fcdo.xml", "parse_xml")
CSV_MODELS = LazyMapping("schemas.gb_fcdo", "CSV_MODELS")
XML_MODELS = LazyMapping("schemas.gb_fcdo", "XML_MODELS")

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
