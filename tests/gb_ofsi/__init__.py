"""Tests of the `gb_ofsi` package (one module per publisher format); helpers they share."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable

import polars as pl

from core.canonical import ParseResult

XLSX, CSV, XML, LEGACY = "ConList.xlsx", "ConList.csv", "ConList.xml", "sanctionsconlist.csv"
HTML = b"<!DOCTYPE html><html><head><title>Error</title></head><body>Not found</body></html>"


def rows_of(result: ParseResult, table: str, entity: str) -> pl.DataFrame:
    df = result.tables[table]
    key = "from_entity_id" if table == "relationships" else "entity_id"
    return df.filter(pl.col(key) == f"gb_ofsi-{entity}")


def by_type(result: ParseResult) -> dict[str, int]:
    counts = result.tables["entities"].group_by("entity_type").len()
    return dict(counts.iter_rows())


def rows_accounted(result: ParseResult, file: str) -> tuple[int, int]:
    """(rows declared for `file`, rows found as origin == file or reject in file)."""
    taken = sum(
        df.filter(pl.col("origin") == file).height
        for name, df in result.tables.items()
        if name not in ("entities", "rejects")
    )
    rejected = result.tables["rejects"].filter(pl.col("file") == file).height
    merged = result.merged_rows.get(file, 0)  # rows folded into an identical names row
    return result.file_rows[file], taken + rejected + merged


def entries_accounted(result: ParseResult) -> bool:
    rejected = result.tables["rejects"].filter(pl.col("kind") == "entry").height
    return result.entry_count == result.tables["entities"].height + rejected


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def edit_rows(data: bytes, group: str, column: str, value: str, only_first: bool = False) -> bytes:
    """Set `column` of the rows of Group ID `group` in a 2022-layout CSV."""
    rows = csv_rows(data)
    index = rows[1].index(column)
    for row in rows[2:]:
        if row[-1] == group:
            row[index] = value
            if only_first:
                break
    return csv_bytes(rows)


def rezip(data: bytes, part: str, edit: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            payload = source.read(info)
            target.writestr(info, edit(payload) if info.filename == part else payload)
    return out.getvalue()
