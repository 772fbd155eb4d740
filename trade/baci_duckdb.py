"""BACI's indicators at full scale: computed by DuckDB over the stored parquet, never in memory.

BACI rows reach the indicators as CHPL scopes (HS6 lines of the Common High Priority List,
summed by tier and over all tiers) of exports per exporter, importer and year, indexed to 2021
(`indicators.scoped` then `indicators.annual_index`, in polars, over the rows in hand). A full
release holds hundreds of millions of rows; this query gives the same rows of
`trade_indicators_annual` (source `cepii_baci`) from the period files of `cepii_baci`
(`<data dir>/warehouse/trade/cepii_baci/period=*.parquet`) and `chpl_codes`, with DuckDB
streaming the join and aggregation (`tests/trade/test_baci_duckdb.py` checks that the two agree
on the fixture release). Pure: paths in, a polars frame out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from trade.indicators import BASE_YEAR, CHPL_ALL
from trade.tables import conform

# A sum stays null when every value is null (no observation is not a zero), as `indicators._sum`.
QUERY = """
WITH hs6 AS (
    SELECT coalesce(f.exporter_iso2, f.exporter_iso3) AS reporter_code,
           coalesce(f.importer_iso2, f.importer_iso3) AS partner_code,
           f.year, f.value_usd_thousands * 1000.0 AS value, f.source_file, c.tier
    FROM read_parquet($baci) AS f
    JOIN read_parquet($chpl) AS c ON f.product_code = c.hs_code
),
scoped AS (
    SELECT reporter_code, partner_code, year, 'CHPL tier ' || tier AS product_scope,
           CASE WHEN count(value) > 0 THEN sum(value) END AS value,
           list_sort(list_distinct(list(source_file))) AS source_files
    FROM hs6 GROUP BY reporter_code, partner_code, year, tier
    UNION ALL
    SELECT reporter_code, partner_code, year, $all_tiers AS product_scope,
           CASE WHEN count(value) > 0 THEN sum(value) END AS value,
           list_sort(list_distinct(list(source_file))) AS source_files
    FROM hs6 GROUP BY reporter_code, partner_code, year
)
SELECT 'cepii_baci' AS source, 'annual' AS basis, s.reporter_code, false AS reporter_is_aggregate,
       s.partner_code, 'export' AS flow, s.product_scope, s.year, 12 AS months, true AS complete,
       s.value, 'USD' AS currency, b.value AS base_2021, s.value / b.value * 100.0 AS index_2021,
       list_sort(list_distinct(list_concat(s.source_files, coalesce(b.source_files, [])))) AS
           source_files
FROM scoped AS s
LEFT JOIN scoped AS b
    ON b.year = $base_year AND b.reporter_code = s.reporter_code
    AND b.partner_code = s.partner_code AND b.product_scope = s.product_scope
"""
ORDER = [
    "source",
    "basis",
    "reporter_code",
    "reporter_is_aggregate",
    "partner_code",
    "flow",
    "product_scope",
    "year",
]


def baci_annual(
    baci: Sequence[Path], chpl: Path, memory_limit: str = "2GB", threads: int = 2
) -> pl.DataFrame:
    """`trade_indicators_annual` rows of BACI from its period files and the CHPL table."""
    with duckdb.connect(
        config={"memory_limit": memory_limit, "threads": threads, "preserve_insertion_order": False}
    ) as con:
        frame = con.execute(
            QUERY,
            {
                "baci": [str(p) for p in baci],
                "chpl": str(chpl),
                "all_tiers": CHPL_ALL,
                "base_year": BASE_YEAR,
            },
        ).pl()
    return conform("trade_indicators_annual", frame).sort(ORDER)
