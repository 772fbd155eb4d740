"""Tests of the `eu_fsf` package (one module per publisher format); helpers they share."""

from __future__ import annotations

import polars as pl

from core.canonical import ParseResult


def rows(result: ParseResult, table: str, entity: str) -> pl.DataFrame:
    """The rows of `table` for one entity."""
    return result.tables[table].filter(pl.col("entity_id") == entity)


def column(result: ParseResult, table: str, entity: str, name: str) -> list:
    """One column of `table` for one entity, as a list."""
    return rows(result, table, entity)[name].to_list()
