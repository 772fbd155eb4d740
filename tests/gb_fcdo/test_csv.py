"""FCDO CSV (documented layout, written sample): strict reading and bad input refused."""

from __future__ import annotations

import re
from datetime import date

import pytest

import gb_fcdo
from core.errors import SourceFormatError
from tests.gb_fcdo import CSV, attrs, rows


def test_unknown_csv_column_reported_and_kept(csv_bytes: bytes) -> None:
    lines = csv_bytes.split(b"\r\n")
    lines[1] += b",Call sign"
    lines[2:-1] = [line + (b",P5XY" if b"DPR0109" in line else b",") for line in lines[2:-1]]
    result = gb_fcdo.parse_csv({CSV: b"\r\n".join(lines)})
    assert [(u.locator, u.what, u.value) for u in result.unknowns] == [
        ("header column 59", "column Call sign", "P5XY")
    ]
    assert attrs(result, "gb_fcdo-DPR0109", "unknown:column Call sign") == ["P5XY"]


def test_conflicting_party_values_in_csv_reported(csv_bytes: bytes) -> None:
    text = csv_bytes.decode()
    lines = text.split("\r\n")
    index = next(i for i, line in enumerate(lines) if "Dmitriy" in line)
    lines[index] = lines[index].replace("21/03/2023", "22/03/2023", 1)
    result = gb_fcdo.parse_csv({CSV: "\r\n".join(lines).encode()})
    assert [(u.what, u.value) for u in result.unknowns] == [
        ("column Last Updated differs within a party", "22/03/2023")
    ]
    assert rows(result, "entities", "gb_fcdo-RUS1800")["last_updated"].to_list() == [
        date(2023, 3, 21)
    ]
    assert attrs(result, "gb_fcdo-RUS1800", "unknown:column Last Updated (last_updated)") == [
        "22/03/2023"
    ]


def test_csv_empty_and_html_refused() -> None:
    with pytest.raises(
        SourceFormatError, match=r"UK-Sanctions-List\.csv at byte 0: the file is empty"
    ):
        gb_fcdo.parse_csv({CSV: b""})
    with pytest.raises(SourceFormatError, match=r"UK-Sanctions-List\.csv at byte 0: an HTML page"):
        gb_fcdo.parse_csv({CSV: b"<html><head><title>Maintenance</title></head></html>"})


def test_csv_changed_header_refused(csv_bytes: bytes) -> None:
    renamed = csv_bytes.replace(b"Unique ID,", b"UniqueID,", 1)
    with pytest.raises(
        SourceFormatError, match=r"at line 2 \(header\): missing column\(s\) \['Unique ID'\]"
    ):
        gb_fcdo.parse_csv({CSV: renamed})
    repeated = csv_bytes.replace(b"Name 5,", b"Name 4,", 1)
    with pytest.raises(
        SourceFormatError, match=r"at line 2 \(header\): the header has repeated column"
    ):
        gb_fcdo.parse_csv({CSV: repeated})
    no_report = csv_bytes.split(b"\r\n", 1)[1]
    with pytest.raises(SourceFormatError, match=r"at line 1: expected 'Report Date: dd/mm/yyyy'"):
        gb_fcdo.parse_csv({CSV: no_report})


def test_csv_wrong_field_count_refused(csv_bytes: bytes) -> None:
    lines = csv_bytes.split(b"\r\n")
    lines[4] += b",extra"
    with pytest.raises(
        SourceFormatError, match=r"at record 3 \(line 5\): has 59 fields, expected 58"
    ):
        gb_fcdo.parse_csv({CSV: b"\r\n".join(lines)})
    lines = csv_bytes.split(b"\r\n")
    lines[4] = lines[4].rsplit(b",", 1)[0]
    with pytest.raises(
        SourceFormatError, match=r"at record 3 \(line 5\): has 57 fields, expected 58"
    ):
        gb_fcdo.parse_csv({CSV: b"\r\n".join(lines)})


def test_csv_truncated_refused(csv_bytes: bytes) -> None:
    cut = csv_bytes[: csv_bytes.index(b"PJSC Aeroflot is the largest")]
    with pytest.raises(
        SourceFormatError,
        match=r"UK-Sanctions-List\.csv at line 19 \(end of file\): a quoted field is left open "
        r".*last complete record read is record 16 \(line 18\), Unique ID 'DPR0226'",
    ):
        gb_fcdo.parse_csv({CSV: cut})
    header_only = b"\r\n".join(csv_bytes.split(b"\r\n")[:2]) + b"\r\n"
    with pytest.raises(SourceFormatError, match=r"at line 3: no data rows after the header"):
        gb_fcdo.parse_csv({CSV: header_only})


def test_csv_wrong_encoding_refused(csv_bytes: bytes) -> None:
    data = csv_bytes.decode().encode("cp1252", errors="replace")
    with pytest.raises(
        SourceFormatError, match=r"at line \d+, column \d+ \(byte \d+\): not valid utf-8"
    ):
        gb_fcdo.parse_csv({CSV: data})


def test_csv_duplicate_unique_id_refused(csv_bytes: bytes) -> None:
    lines = csv_bytes.split(b"\r\n")
    first = next(line for line in lines if b",AFG0060," in line)
    lines.insert(len(lines) - 1, first)
    with pytest.raises(
        SourceFormatError, match=r"at records 1 and 28: duplicate Unique ID AFG0060"
    ):
        gb_fcdo.parse_csv({CSV: b"\r\n".join(lines)})


def test_csv_row_without_unique_id_rejected(csv_bytes: bytes) -> None:
    lines = csv_bytes.split(b"\r\n")
    lines[3] = re.sub(rb",AFG0060,", b",,", lines[3], count=1)
    result = gb_fcdo.parse_csv({CSV: b"\r\n".join(lines)})
    reject = result.tables["rejects"].row(0, named=True)
    assert (reject["kind"], reject["locator"], reject["reason"]) == (
        "row",
        "record 2",
        "no Unique ID",
    )
    assert result.entry_count == 9
