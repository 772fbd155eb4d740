"""Tests of the `eu_fsf` package (one module per publisher format); helpers they share."""

from __future__ import annotations

import polars as pl

import eu_fsf
from core.canonical import ParseResult

XML = eu_fsf.XML_FILE
CSV = eu_fsf.CSV_FILE
LEGACY = eu_fsf.LEGACY_FILE
REAL = "xmlFullSanctionsList_1_1-excerpt-184961.xml"


def rows(result: ParseResult, table: str, entity: str) -> pl.DataFrame:
    """The rows of `table` for one entity."""
    return result.tables[table].filter(pl.col("entity_id") == entity)


def column(result: ParseResult, table: str, entity: str, name: str) -> list:
    """One column of `table` for one entity, as a list."""
    return rows(result, table, entity)[name].to_list()
