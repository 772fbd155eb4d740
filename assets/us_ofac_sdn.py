"""OFAC Specially Designated Nationals (SDN) list — `us_ofac_sdn`.

Published by the US Treasury's Office of Foreign Assets Control several times a week. Live,
the Enhanced XML (SDN_ENHANCED.XML) is canonical; in snapshot mode the legacy CSV set is (it
is what every snapshot holds). The other formats present are parsed too and reconciled with
the canonical one by the `formats_agree` check.
"""

from __future__ import annotations

from collections.abc import Mapping

from assets.factory import Format, SourceSpec, source_assets
from assets.ofac import AUTHORITY, BASE_URL, parse_csv_set, parse_xml_file
from core.canonical import ParseResult
from ofac.enhanced import parse_enhanced
from resources.fetcher import FileSpec
from schemas.ofac import CSV_MODELS, ENHANCED_MODELS, XML_MODELS

SOURCE = "us_ofac_sdn"
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 5,974 entries on 2018-01-01 (7,345 on 2018-12-05 less the 1,371 added that
# year: sanctions-intelligence.com, "Global sanctions lists: comparison by numbers", Dec 2018);
# 8,062 at the end of 2019; 13,821 in 2023-12 and 14,965 in 2024-05 (the shipped snapshots).
SANITY_FLOOR = 597

CSV_FILES = (
    FileSpec("SDN.CSV", BASE_URL + "SDN.CSV", "csv"),
    FileSpec("ADD.CSV", BASE_URL + "ADD.CSV", "csv", history_optional=True),
    FileSpec("ALT.CSV", BASE_URL + "ALT.CSV", "csv", history_optional=True),
    FileSpec("SDN_COMMENTS.CSV", BASE_URL + "SDN_COMMENTS.CSV", "csv", history_optional=True),
)
XML_FILES = (FileSpec("SDN.XML", BASE_URL + "SDN.XML", "xml"),)
ENHANCED_FILES = (FileSpec("SDN_ENHANCED.XML", BASE_URL + "SDN_ENHANCED.XML", "xml"),)


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """SDN legacy CSV set → canonical tables."""
    return parse_csv_set(files, SOURCE, "SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")


def parse_xml(files: Mapping[str, bytes]) -> ParseResult:
    """SDN.XML → canonical tables."""
    return parse_xml_file("SDN.XML", files["SDN.XML"], SOURCE)


def parse_enhanced_xml(files: Mapping[str, bytes]) -> ParseResult:
    """SDN_ENHANCED.XML (Enhanced XML) → canonical tables."""
    return parse_enhanced(files, SOURCE, "SDN_ENHANCED.XML")


SPEC = SourceSpec(
    source=SOURCE,
    publisher="US Treasury OFAC",
    description="Specially Designated Nationals and Blocked Persons list (Enhanced XML, legacy CSV set, classic XML).",
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
