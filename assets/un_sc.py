"""UN Security Council Consolidated List — `un_sc`: the Dagster declaration.

The parser lives in the `un_sc` package (`un_sc/xml.py` and the modules it names); it and the
staged models are imported when the asset runs (`core.lazy`), not with the definitions.
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec, source_asset
from core.lazy import LazyMapping, lazy_function
from resources.fetcher import FileSpec
from un_sc.constants import AUTHORITY, FILE_NAME, SANITY_FLOOR, SOURCE, URL

parse = lazy_function("un_sc.xml", "parse")
STAGED_MODELS = LazyMapping("schemas.un_sc", "MODELS")

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
