"""OFSI Consolidated List: checks every format reader shares (header, publication date, Group IDs)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import polars as pl

from core.errors import SourceFormatError
from core.records import first_difference
from gb_ofsi.fields import _date

# --- reading the files -----------------------------------------------------------------------


def _clean(df: pl.DataFrame) -> pl.DataFrame:
    """Strip every cell; an empty or whitespace-only cell is null."""
    stripped = {c: pl.col(c).str.strip_chars() for c in df.columns if df.schema[c] == pl.String}
    return df.with_columns(pl.when(s != "").then(s).alias(c) for c, s in stripped.items())


def _published(name: str, fields: list[str | None], unit: str) -> date:
    """Row 1: `Last Updated,<dd/mm/yyyy>` (padded with empty cells)."""
    cells = [(f or "").strip() for f in fields]
    if len(cells) < 2 or cells[0] != "Last Updated" or any(cells[2:]):
        raise SourceFormatError(
            name, f"{unit} 1", f"expected 'Last Updated,<dd/mm/yyyy>', found {cells[:3]!r}"
        )
    parsed = _date(cells[1]) if cells[1] else None
    if parsed is None or parsed.precision != "day":
        raise SourceFormatError(name, f"{unit} 1", f"bad publication date {cells[1]!r}")
    return parsed.date_from


def _check_header(name: str, found: list[str], expected: Iterable[str], unit: str) -> None:
    expected = list(expected)
    found = [f.strip() for f in found]
    if found != expected:
        diff = first_difference(found, expected)
        raise SourceFormatError(
            name,
            f"{unit} 2, column {diff + 1}",
            f"header changed: expected {len(expected)} columns {expected[diff : diff + 3]}…, "
            f"found {len(found)} columns {found[diff : diff + 3]}…",
        )


def _check_group_ids(name: str, df: pl.DataFrame, unit: str) -> None:
    """Every record names its party; a missing Group ID means a short or truncated record."""
    bad = df.filter(pl.col("group_id").is_null() | ~pl.col("group_id").str.contains(r"^\d+$"))
    if bad.height:
        row = bad.row(0, named=True)
        what = (
            "no Group ID (short or truncated record?)"
            if row["group_id"] is None
            else f"Group ID {row['group_id']!r} is not a number"
        )
        raise SourceFormatError(name, f"{unit} {row['row']}", what)
