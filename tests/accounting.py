"""What a list's `records_accounted` check proves, computed on a `ParseResult` in the tests."""

from __future__ import annotations

import polars as pl

from core.canonical import ParseResult


def accounting(result: ParseResult) -> dict[str, tuple[int, int]]:
    """What `records_accounted` checks: per record kind, (records, rows taken + rejects)."""
    tables, rejects = result.tables, result.tables["rejects"]
    entries = tables["entities"].height + rejects.filter(pl.col("kind") == "entry").height
    out = {"entries": (result.entry_count, entries)}
    for key, count in result.file_rows.items():
        taken = sum(
            df.filter(pl.col("origin") == key).height
            for name, df in tables.items()
            if name not in ("entities", "rejects")
        )
        out[key] = (count, taken + rejects.filter(pl.col("file") == key).height)
    return out
