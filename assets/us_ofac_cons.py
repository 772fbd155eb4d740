"""OFAC Consolidated (non-SDN) Sanctions List — `us_ofac_cons`.

OFAC's lists other than the SDN list (SSI, NS-PLC, CMIC, NS-MBS, FSE, CAPTA…), in the same
legacy CSV, classic XML and Enhanced XML formats as the SDN list, so it shares their parsers.
Live, the Enhanced XML (CONS_ENHANCED.ZIP) is canonical; in snapshot mode the CSV set is. The
other formats present are reconciled with the canonical one by `formats_agree`.
"""

from __future__ import annotations

from collections.abc import Mapping

from assets.factory import Format, SourceSpec, source_assets
from assets.ofac import AUTHORITY, BASE_URL, parse_csv_set, parse_xml_file
from core.canonical import ParseResult
from ofac.enhanced import parse_enhanced
from resources.fetcher import FileSpec
from schemas.ofac import CSV_MODELS, ENHANCED_MODELS, XML_MODELS

SOURCE = "us_ofac_cons"
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 442 entries (CONS_PRIM.CSV of 2025-12-19, the shipped snapshot); the list
# has carried the 78 NS-PLC entries and some 290 SSI entries for years (SOURCES.md, CSL 2022).
SANITY_FLOOR = 44

CSV_FILES = (
    FileSpec("CONS_PRIM.CSV", BASE_URL + "CONS_PRIM.CSV", "csv"),
    FileSpec("CONS_ADD.CSV", BASE_URL + "CONS_ADD.CSV", "csv", history_optional=True),
    FileSpec("CONS_ALT.CSV", BASE_URL + "CONS_ALT.CSV", "csv", history_optional=True),
    FileSpec("CONS_COMMENTS.CSV", BASE_URL + "CONS_COMMENTS.CSV", "csv", history_optional=True),
)
XML_FILES = (FileSpec("CONSOLIDATED.XML", BASE_URL + "CONSOLIDATED.XML", "xml"),)
ENHANCED_FILES = (FileSpec("CONS_ENHANCED.ZIP", BASE_URL + "CONS_ENHANCED.ZIP", "zip"),)


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """Non-SDN legacy CSV set → canonical tables."""
    return parse_csv_set(
        files, SOURCE, "CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV"
    )


def parse_xml(files: Mapping[str, bytes]) -> ParseResult:
    """CONSOLIDATED.XML → canonical tables."""
    return parse_xml_file("CONSOLIDATED.XML", files["CONSOLIDATED.XML"], SOURCE)


def parse_enhanced_xml(files: Mapping[str, bytes]) -> ParseResult:
    """CONS_ENHANCED.ZIP (Enhanced XML) → canonical tables."""
    return parse_enhanced(files, SOURCE, "CONS_ENHANCED.ZIP")


SPEC = SourceSpec(
    source=SOURCE,
    publisher="US Treasury OFAC",
    description="Consolidated (non-SDN) Sanctions List (Enhanced XML, legacy CSV set, classic XML).",
    formats=(
        Format("csv", CSV_FILES, parse_csv, CSV_MODELS),
        Format("xml", XML_FILES, parse_xml, XML_MODELS),
        Format("enhanced", ENHANCED_FILES, parse_enhanced_xml, ENHANCED_MODELS),
    ),
    sanity_floor=SANITY_FLOOR,
    # live: the Enhanced XML is canonical, the legacy CSV set and classic XML cross-check it;
    # snapshots hold the legacy CSV set of each publication, so it stays canonical there
    live_formats=("enhanced",),
    kinds=frozenset({"python", "polars", "csv", "xml"}),
    authority=AUTHORITY,
)

asset, checks = source_assets(SPEC)
