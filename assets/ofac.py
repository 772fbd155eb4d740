"""The Dagster declaration shared by OFAC's two lists (`us_ofac_sdn`, `us_ofac_cons`).

Both publish the same three formats, read by the `ofac` package: the legacy CSV set
(`ofac/legacy_csv.py`), the classic XML (`ofac/classic_xml.py`) and the Enhanced XML
(`ofac/enhanced.py`); `ofac/lists.py` names each list's files. The parsers and the staged
models are imported when an asset runs (`core.lazy`), not with the definitions.
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec
from core.lazy import LazyMapping
from ofac.constants import AUTHORITY, BASE_URL
from ofac.lists import OfacList
from resources.fetcher import FileSpec

CSV_MODELS = LazyMapping("schemas.ofac", "CSV_MODELS")
XML_MODELS = LazyMapping("schemas.ofac", "XML_MODELS")
ENHANCED_MODELS = LazyMapping("schemas.ofac", "ENHANCED_MODELS")


def ofac_spec(lst: OfacList, description: str, sanity_floor: int) -> SourceSpec:
    """The `SourceSpec` of one OFAC list, its files at OFAC's download endpoint.

    Only the primary CSV is in every snapshot (the others are `history_optional`); the Enhanced
    XML of the consolidated list comes zipped.
    """
    primary, *secondary = lst.csv_names
    csv_files = (
        FileSpec(primary, BASE_URL + primary, "csv"),
        *(FileSpec(n, BASE_URL + n, "csv", history_optional=True) for n in secondary),
    )
    enhanced_kind = "zip" if lst.enhanced_name.endswith(".ZIP") else "xml"
    return SourceSpec(
        source=lst.source,
        publisher="US Treasury OFAC",
        description=description,
        formats=(
            Format("csv", csv_files, lst.parse_csv, CSV_MODELS),
            Format(
                "xml",
                (FileSpec(lst.xml_name, BASE_URL + lst.xml_name, "xml"),),
                lst.parse_xml,
                XML_MODELS,
            ),
            Format(
                "enhanced",
                (FileSpec(lst.enhanced_name, BASE_URL + lst.enhanced_name, enhanced_kind),),
                lst.parse_enhanced_xml,
                ENHANCED_MODELS,
            ),
        ),
        sanity_floor=sanity_floor,
        # live: the Enhanced XML is canonical, the legacy CSV set and classic XML cross-check it;
        # snapshots hold the legacy CSV set of each publication, so it stays canonical there
        live_formats=("enhanced",),
        kinds=frozenset({"python", "polars", "csv", "xml"}),
        authority=AUTHORITY,
    )
