"""OFSI 2022 CSV: bad input refused with the file and the place; accepted variants."""

from __future__ import annotations

import pytest

from core.canonical import ParseResult
from core.errors import SourceFormatError
from gb_ofsi import parse_conlist_csv
from tests.gb_ofsi import (
    CSV,
    csv_bytes,
    csv_rows,
)


def test_csv_truncated_inside_a_quoted_field(raw: dict[str, bytes]) -> None:
    cut = raw[CSV][: raw[CSV].index(b"(UK Statement of Reasons)", 20_000)]
    with pytest.raises(SourceFormatError) as error:
        parse_conlist_csv(CSV, cut)
    assert error.value.location == "line 28 (end of file)"
    assert error.value.message.startswith("a quoted field is left open")
    assert error.value.message.endswith("record 25 (line 27), Group ID '14082'")


def test_csv_truncated_mid_record(raw: dict[str, bytes]) -> None:
    lines = raw[CSV].rstrip(b"\r\n").split(b"\r\n")
    cut = b"\r\n".join([*lines[:-1], lines[-1].rsplit(b",", 3)[0]]) + b"\r\n"
    with pytest.raises(SourceFormatError, match="no Group ID") as error:
        parse_conlist_csv(CSV, cut)
    assert error.value.location == f"record {len(csv_rows(raw[CSV]))}"


def test_csv_changed_header(raw: dict[str, bytes]) -> None:
    rows = csv_rows(raw[CSV])
    rows[1].insert(5, "Name 7")
    for row in rows[2:]:
        row.insert(5, "")
    with pytest.raises(SourceFormatError, match="header changed") as error:
        parse_conlist_csv(CSV, csv_bytes(rows))
    assert error.value.location == "record 2, column 6"


def test_csv_wrong_encoding(raw: dict[str, bytes]) -> None:
    latin = raw[CSV].decode("utf-8").encode("cp1252", errors="replace")
    with pytest.raises(SourceFormatError, match="not valid utf-8") as error:
        parse_conlist_csv(CSV, latin)
    assert error.value.location.startswith("line 3,")


def test_csv_first_line_must_be_last_updated(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="Last Updated") as error:
        parse_conlist_csv(CSV, raw[CSV].split(b"\r\n", 1)[1])
    assert error.value.location == "record 1"


def test_csv_accepts_lf_and_padded_first_line(
    raw: dict[str, bytes], excerpt: dict[str, ParseResult]
) -> None:
    variant = raw[CSV].replace(b"\r\n", b"\n").replace(b"14/04/2025\n", b"14/04/2025,,,,\n", 1)
    result = parse_conlist_csv(CSV, variant)
    assert result.entry_count == 12
    assert result.counts() == excerpt["csv"].counts()
