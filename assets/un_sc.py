"""UN Security Council Consolidated List — `un_sc`: the Dagster declaration.

The parser lives in the `un_sc` package (`un_sc/xml.py` and the modules it names).
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec, source_asset
from resources.fetcher import FileSpec
from schemas.un_sc import MODELS as STAGED_MODELS
from un_sc.constants import AUTHORITY, FILE_NAME, SANITY_FLOOR, SOURCE, URL
from un_sc.xml import parse

SPEC = SourceSpec(
    source=SOURCE,
    publisher="United Nations Security Council",
    description="Consolidated United Nations Security Council Sanctions List (XML).",
    formats=(Format("xml", (FileSpec(FILE_NAME, URL, "xml"),), parse, STAGED_MODELS),),
    sanity_floor=SANITY_FLOOR,
    kinds=frozenset({"python", "polars", "xml"}),
    authority=AUTHORITY,
)

asset = source_asset(SPEC)
