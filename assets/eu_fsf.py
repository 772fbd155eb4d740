"""EU Financial Sanctions Files (`eu_fsf`): the Dagster declaration.

The parsers, constants and canonical mapping are in the package `eu_fsf/`; the parsers and
the staged models are imported when the asset runs (`core.lazy`), not with the definitions.
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec, source_asset
from core.lazy import LazyMapping, lazy_function
from eu_fsf.constants import (
    AUTHORITY,
    CSV_FILE,
    CSV_URL,
    EXCERPTS,
    LEGACY_FILE,
    LEGACY_URL,
    SANITY_FLOOR,
    SOURCE,
    XML_FILE,
    XML_URL,
)
from resources.fetcher import FileSpec

parse_csv = lazy_function("eu_fsf.csv", "parse_csv")
parse_legacy = lazy_function("eu_fsf.legacy_csv", "parse_legacy")
parse_xml = lazy_function("eu_fsf.xml", "parse_xml")
STAGED_MODELS = LazyMapping("schemas.eu_fsf", "MODELS")

SPEC = SourceSpec(
    source=SOURCE,
    publisher="European Commission (FPI), Financial Sanctions Files",
    description=(
        "Consolidated list of persons, groups and entities subject to EU financial sanctions "
        "(XML 1.1, CSV 1.1, legacy CSV 1.0)."
    ),
    formats=(
        Format("xml", (FileSpec(XML_FILE, XML_URL, "xml"),), parse_xml, STAGED_MODELS),
        Format("csv", (FileSpec(CSV_FILE, CSV_URL, "csv"),), parse_csv, STAGED_MODELS),
        Format(
            "csv_legacy",
            (FileSpec(LEGACY_FILE, LEGACY_URL, "csv", required=False),),
            parse_legacy,
            STAGED_MODELS,
        ),
    ),
    sanity_floor=SANITY_FLOOR,
    excerpts=EXCERPTS,
    kinds=frozenset({"python", "polars", "xml", "csv"}),
    authority=AUTHORITY,
)

asset = source_asset(SPEC)
