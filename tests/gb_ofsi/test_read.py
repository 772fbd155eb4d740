"""OFSI readers, every format: empty and HTML payloads refused with the file and the place."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.canonical import ParseResult
from core.errors import SourceFormatError
from gb_ofsi import parse_conlist_csv, parse_conlist_xlsx, parse_conlist_xml, parse_legacy_csv
from tests.gb_ofsi import CSV, HTML, LEGACY, XLSX, XML

# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parse", "name"),
    [
        (parse_conlist_xlsx, XLSX),
        (parse_conlist_csv, CSV),
        (parse_conlist_xml, XML),
        (parse_legacy_csv, LEGACY),
    ],
)
@pytest.mark.parametrize("payload", [b"", b"  \r\n", HTML])
def test_empty_and_html_are_refused(
    parse: Callable[[str, bytes], ParseResult], name: str, payload: bytes
) -> None:
    with pytest.raises(SourceFormatError) as error:
        parse(name, payload)
    assert error.value.file == name
    assert error.value.location == "byte 0"
