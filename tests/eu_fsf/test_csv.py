"""EU FSF CSV 1.1: the fixture written from FORMATS.md, its layout variants, and bad input."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

import eu_fsf
from core.canonical import ParseResult
from core.errors import SourceFormatError
from tests.eu_fsf import CSV, rows


def test_csv_short_prefixes_and_unknown_column(csv_bytes: bytes, csv11: ParseResult) -> None:
    header, body = csv_bytes.split(b"\n", 1)
    for long, short in (
        (b"BirthDate_", b"Birt_"),
        (b"Identification_", b"Iden_"),
        (b"Address_", b"Addr_"),
        (b"Citizenship_", b"Citi_"),
    ):
        header = header.replace(long, short)
    # The new column goes first: a quoted contact field spans lines, so row ends are not line ends.
    records = [
        (b"Energy;" if line.startswith(b"14/03/2025;7700;") else b";") + line
        if line.startswith(b"14/03/2025")
        else line
        for line in body.split(b"\n")
    ]
    data = b"Entity_Sector;" + header + b"\n" + b"\n".join(records)
    result = eu_fsf.parse_csv_file(CSV, data).stamp("c")
    assert [(u.what, u.value) for u in result.unknowns] == [("column", "Entity_Sector")]
    kept = rows(result, "attributes", "eu_fsf-7700").select("attribute", "value").rows()
    assert ("csv.Entity_Sector", "Energy") in kept
    for table in ("birth_dates", "identifiers", "addresses", "names"):
        assert_frame_equal(result.tables[table], csv11.tables[table])


def test_csv_bad_input(csv_bytes: bytes) -> None:
    header, body = csv_bytes.split(b"\n", 1)
    first_row = body.split(b"\n", 1)[0]
    width = header.count(b";") + 1
    cases = {
        "truncated": (
            csv_bytes[:-200],
            r"line 26 \(end of file\): the last line has no line break: the file is truncated; "
            r"the last complete record read is record 22 \(line 23\), Entity_LogicalId '7700'",
        ),
        "empty": (b"", "byte 0: the file is empty"),
        "html": (b"<html><head><title>500</title></head></html>", "byte 0: an HTML page"),
        "changed header": (
            csv_bytes.replace(b"NameAlias_WholeName", b"NameAlias_FullName", 1),
            r"line 1 \(header\): changed header: missing NameAlias_WholeName",
        ),
        "wrong encoding": (
            csv_bytes.replace("Павел".encode(), "Pavél".encode("cp1252")),
            r"line \d+, column \d+ \(byte \d+\): not valid utf-8",
        ),
        "extra field": (
            header + b"\n" + first_row + b";surplus\n" + body,
            rf"record 2 has {width + 1} fields, expected {width}",
        ),
        "duplicate logicalId": (
            csv_bytes.replace(b"14/03/2025;6912;EU.4207.13", b"14/03/2025;139011;EU.4207.13"),
            r"Entity_LogicalId 139011 \(records \d+…\d+\): conflicting eu_reference_number",
        ),
    }
    for case, (data, message) in cases.items():
        with pytest.raises(SourceFormatError, match=message) as info:
            eu_fsf.parse_csv({CSV: data})
        assert info.value.file == CSV, case
