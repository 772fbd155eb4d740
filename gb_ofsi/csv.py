"""OFSI Consolidated List CSV (2022 `ConList.csv`; also the reader of the pre-2022 layout)."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

import polars as pl

from core.canonical import ParseResult
from core.errors import SourceFormatError
from core.records import first_bad_record
from core.sniff import check_payload, decode
from core.truncation import require_complete_csv
from gb_ofsi.constants import CSV, CSV_NAME, HEADER_2022
from gb_ofsi.mapping import _result
from gb_ofsi.read import _check_group_ids, _check_header, _clean, _published


def _locate_csv_problem(text_: str, width: int, first: int) -> str:
    """Find the first record polars refused: wrong field count or an unterminated quote.

    `first` is the record number of the first line of `text_` in the whole file.
    """
    bad = first_bad_record(text_, width, strict=True)
    if bad is None:
        return "unparseable CSV"
    if bad.error is not None:
        return f"record {first + bad.index} ({bad.error})"
    return f"record {first + bad.index} ({bad.fields} fields, expected {width})"


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def read_csv_layout(
    name: str, data: bytes, header: Mapping[str, str], encoding: str
) -> tuple[date, pl.DataFrame]:
    """Read a `Last Updated` line, the exact header and the rows of an OFSI CSV.

    Returns the publication date and the rows under internal column names (stripped, blank =
    null), with `row` = the record number in the file (the `Last Updated` line is record 1).
    """
    check_payload(name, data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    require_complete_csv(name, data, encoding=encoding, header_lines=2, key="Group ID")
    if encoding == "cp1252" and not data.isascii() and _is_utf8(data):
        # Windows-1252 decodes almost any byte: a UTF-8 re-save is non-ASCII yet valid UTF-8.
        line = data.count(b"\n", 0, _NON_ASCII.search(data).start()) + 1
        raise SourceFormatError(
            name, f"line {line}", "the file is UTF-8, expected Windows-1252 — wrong encoding?"
        )
    if data[:1024].lstrip()[:1] in (b"<", b"{"):
        raise SourceFormatError(name, "line 1", "expected CSV, found markup or JSON")
    end = data.find(b"\n")
    first = decode(name, data[: end if end >= 0 else len(data)], encoding).rstrip("\r")
    published = _published(name, next(csv.reader([first])), "record")
    if end < 0 or not data[end + 1 :].strip():
        raise SourceFormatError(name, "record 2", "no header line after 'Last Updated'")
    # UTF-8 goes to polars as is (polars refuses invalid UTF-8; `decode` then names the place);
    # Windows-1252 is decoded strictly and handed over as UTF-8.
    if encoding == "utf-8":
        body = data[end + 1 :]
    else:
        body = decode(name, data, encoding).split("\n", 1)[1].encode("utf-8")
    try:
        df = pl.read_csv(body, has_header=True, infer_schema=False, quote_char='"')
    except pl.exceptions.PolarsError as exc:
        decode(name, data, encoding)
        where = _locate_csv_problem(body.decode("utf-8"), len(header), first=2)
        raise SourceFormatError(name, where, str(exc).splitlines()[0]) from exc
    _check_header(name, df.columns, header, "record")
    df = _clean(df.rename(dict(header))).with_columns(
        row=pl.int_range(3, df.height + 3, dtype=pl.Int64)
    )
    _check_group_ids(name, df, "record")
    return published, df


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def parse_conlist_csv(name: str, data: bytes) -> ParseResult:
    """2022-format ConList.csv (UTF-8, same 36 columns as the XLSX) → canonical tables."""
    published, df = read_csv_layout(name, data, HEADER_2022, "utf-8")
    return _result(replace(CSV, file=name), df, [], published)


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """Format `csv`: ConList.csv (2022 layout)."""
    return parse_conlist_csv(CSV_NAME, files[CSV_NAME])
