"""OFSI XLSX: bad input refused with the file and the place."""

from __future__ import annotations

import pytest

from core.errors import SourceFormatError
from gb_ofsi import parse_conlist_xlsx
from tests.gb_ofsi import (
    XLSX,
    rezip,
)


def test_xlsx_truncated(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="not a zip archive") as error:
        parse_conlist_xlsx(XLSX, raw[XLSX][: len(raw[XLSX]) // 2])
    assert error.value.location == "zip central directory"


def test_xlsx_not_a_workbook() -> None:
    with pytest.raises(SourceFormatError, match="no zip signature"):
        parse_conlist_xlsx(XLSX, b"Last Updated,14/04/2025\nName 6,Name 1\n")


def test_xlsx_changed_header(raw: dict[str, bytes]) -> None:
    changed = rezip(
        raw[XLSX], "xl/sharedStrings.xml", lambda b: b.replace(b">Group ID<", b">Group Ref<")
    )
    with pytest.raises(SourceFormatError, match="header changed") as error:
        parse_conlist_xlsx(XLSX, changed)
    assert error.value.location == "row 2, column 36"


def test_xlsx_without_last_updated_row(raw: dict[str, bytes]) -> None:
    changed = rezip(
        raw[XLSX], "xl/sharedStrings.xml", lambda b: b.replace(b">Last Updated<", b">Updated<", 1)
    )
    with pytest.raises(SourceFormatError, match="Last Updated") as error:
        parse_conlist_xlsx(XLSX, changed)
    assert error.value.location == "row 1"
