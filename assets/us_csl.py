"""US Consolidated Screening List (trade.gov) — `us_csl`: the Dagster declaration.

The parsers live in the `us_csl` package (`us_csl/csv.py`, `us_csl/json.py` and the modules they
name); they and the staged models are imported when the asset runs (`core.lazy`), not with the
definitions.
"""

from __future__ import annotations

from assets.factory import Format, SourceSpec, source_asset
from core.lazy import LazyMapping, lazy_function
from resources.fetcher import FileSpec
from us_csl.constants import AUTHORITY, BASE_URL, CSV_NAME, JSON_NAME, SANITY_FLOOR, SOURCE

parse_csv = lazy_function("us_csl.csv", "parse_csv")
parse_json = lazy_function("us_csl.json", "parse_json")
CSV_MODELS = LazyMapping("schemas.us_csl", "CSV_MODELS")
JSON_MODELS = LazyMapping("schemas.us_csl", "JSON_MODELS")

SPEC = SourceSpec(
    source=SOURCE,
    publisher="US International Trade Administration (trade.gov)",
    description=(
        "Consolidated Screening List: 13 export-control and sanctions lists of Commerce, State "
        "and the Treasury (CSV, JSON)."
    ),
    formats=(
        Format("csv", (FileSpec(CSV_NAME, BASE_URL + CSV_NAME, "csv"),), parse_csv, CSV_MODELS),
        Format(
            "json", (FileSpec(JSON_NAME, BASE_URL + JSON_NAME, "json"),), parse_json, JSON_MODELS
        ),
    ),
    sanity_floor=SANITY_FLOOR,
    kinds=frozenset({"python", "polars", "csv", "json"}),
    authority=AUTHORITY,
)

asset = source_asset(SPEC)
