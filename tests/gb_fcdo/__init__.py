"""Tests of the `gb_fcdo` package (one module per publisher format); helpers they share."""

from __future__ import annotations

import polars as pl

from core.canonical import ParseResult


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
