"""Shared helpers of the OFAC tests: reading a file set, an entity's rows of a table."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.canonical import ParseResult


def read(folder: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in names}


def rows(result: ParseResult, table: str, entity: str) -> pl.DataFrame:
    df = result.tables[table]
    key = "from_entity_id" if table == "relationships" else "entity_id"
    return df.filter(pl.col(key) == entity)
