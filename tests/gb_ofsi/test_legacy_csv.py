"""OFSI pre-2022 CSV: bad input refused with the file and the place."""

from __future__ import annotations

import pytest

from core.errors import SourceFormatError
from gb_ofsi import parse_legacy_csv
from tests.gb_ofsi import CSV, LEGACY


def test_legacy_wrong_encoding_utf8(raw: dict[str, bytes]) -> None:
    utf8 = raw[LEGACY].decode("cp1252").encode("utf-8")
    with pytest.raises(SourceFormatError, match="UTF-8, expected Windows-1252") as error:
        parse_legacy_csv(LEGACY, utf8)
    assert error.value.location.startswith("line ")


def test_legacy_undefined_windows_1252_byte(raw: dict[str, bytes]) -> None:
    broken = raw[LEGACY].replace(b"ABU MUSAB", b"ABU \x81MUSAB", 1)
    with pytest.raises(SourceFormatError, match="not valid cp1252") as error:
        parse_legacy_csv(LEGACY, broken)
    assert error.value.location.startswith("line ")


def test_legacy_changed_header(raw: dict[str, bytes]) -> None:
    changed = raw[LEGACY].replace(b",NI Number,", b",National ID,", 1)
    with pytest.raises(SourceFormatError, match="header changed") as error:
        parse_legacy_csv(LEGACY, changed)
    assert error.value.location == "record 2, column 13"


def test_legacy_parser_refuses_the_2022_layout(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="UTF-8, expected Windows-1252"):
        parse_legacy_csv(LEGACY, raw[CSV])
    with pytest.raises(SourceFormatError, match="header changed: expected 29 columns") as error:
        parse_legacy_csv(LEGACY, raw[CSV].decode("utf-8").encode("cp1252", errors="replace"))
    assert (
        error.value.location == "record 2, column 8"
    )  # Name 6…Title agree, then DOB vs Name Non-Latin Script
