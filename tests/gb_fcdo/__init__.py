"""Tests of the `gb_fcdo` package (one module per publisher format); helpers they share."""

from __future__ import annotations

import polars as pl

import gb_fcdo
from core.canonical import ParseResult

XML = gb_fcdo.XML_NAME
CSV = gb_fcdo.CSV_NAME
PARTIES = {
    "gb_fcdo-AFG0060", "gb_fcdo-AQD0315", "gb_fcdo-DPR0104", "gb_fcdo-DPR0109", "gb_fcdo-DPR0185",
    "gb_fcdo-DPR0226", "gb_fcdo-RUS1444", "gb_fcdo-RUS1707", "gb_fcdo-RUS1800",
}  # fmt: skip
RUSSIA = "The Russia (Sanctions) (EU Exit) Regulations 2019"
REAL = "UK-Sanctions-List-excerpt-2026-08-14.xml"
ISIL = "Isil (Da'esh) and Al-Qaeda (United Nations Sanctions) (EU Exit) Regulations 2019"


def rows(result: ParseResult, table: str, entity: str) -> pl.DataFrame:
    key = "from_entity_id" if table == "relationships" else "entity_id"
    return result.tables[table].filter(pl.col(key) == entity)


def attrs(result: ParseResult, entity: str, attribute: str) -> list[str]:
    return (
        rows(result, "attributes", entity)
        .filter(pl.col("attribute") == attribute)["value"]
        .to_list()
    )


def ids(result: ParseResult, entity: str, id_type: str) -> list[tuple[str, str]]:
    df = rows(result, "identifiers", entity).filter(pl.col("id_type") == id_type)
    return list(df.select("value", "normalized").iter_rows())
