"""OFSI Consolidated List XLSX (2022 `ConList.xlsx`, canonical): reader, zip-bomb limits checked first."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

import polars as pl

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.sniff import refuse_html, require_content
from core.zipsafe import check_zip
from gb_ofsi.constants import HEADER_2022, XLSX, XLSX_LIMITS, XLSX_NAME
from gb_ofsi.mapping import _result
from gb_ofsi.read import _check_group_ids, _check_header, _clean, _published


def read_xlsx(name: str, data: bytes) -> tuple[date, pl.DataFrame, list[Unknown]]:
    """Read the single sheet of an OFSI XLSX (row 1 `Last Updated`, row 2 the header)."""
    require_content(name, data)
    refuse_html(name, data)
    if not data.startswith(b"PK\x03\x04"):
        raise SourceFormatError(name, "byte 0", "not an XLSX workbook (no zip signature)")
    check_zip(name, data, XLSX_LIMITS)
    try:
        sheets = pl.read_excel(
            io.BytesIO(data), engine="calamine", sheet_id=0, has_header=False, infer_schema_length=0
        )
    except Exception as exc:  # calamine/zip errors have no common base class
        raise SourceFormatError(
            name, "workbook", f"unreadable XLSX: {str(exc).splitlines()[0]}"
        ) from exc
    if not sheets:
        raise SourceFormatError(name, "workbook", "the workbook has no sheet")
    first, *others = sheets
    raw = sheets[first]
    unknowns = [
        Unknown(
            name,
            f"sheet {other!r}",
            "sheet",
            f"extra sheet of {sheets[other].height} rows not read",
        )
        for other in others
    ]
    # Trailing formatted-but-empty columns are not data.
    while (
        raw.width > len(HEADER_2022) and raw.get_column(raw.columns[-1]).null_count() == raw.height
    ):
        raw = raw.drop(raw.columns[-1])
    if raw.height < 2:
        raise SourceFormatError(
            name, f"row {raw.height + 1}", "no header row: the sheet is truncated"
        )
    published = _published(name, list(raw.row(0)), "row")
    _check_header(name, [c or "" for c in raw.row(1)], HEADER_2022, "row")
    df = raw.slice(2).rename(dict(zip(raw.columns, HEADER_2022.values(), strict=True)))
    df = _clean(df).with_columns(row=pl.int_range(3, df.height + 3, dtype=pl.Int64))
    df = df.filter(~pl.all_horizontal(pl.exclude("row").is_null()))
    _check_group_ids(name, df, "row")
    return published, df, unknowns


def parse_conlist_xlsx(name: str, data: bytes) -> ParseResult:
    """2022-format ConList.xlsx → canonical tables (one party per Group ID)."""
    published, df, unknowns = read_xlsx(name, data)
    return _result(replace(XLSX, file=name), df, unknowns, published)


def parse_xlsx(files: Mapping[str, bytes]) -> ParseResult:
    """Format `xlsx`: ConList.xlsx."""
    return parse_conlist_xlsx(XLSX_NAME, files[XLSX_NAME])
