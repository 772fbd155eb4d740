"""OFSI XML: bad input refused, unknown elements reported and kept, a copy without namespace."""

from __future__ import annotations

import polars as pl
import pytest

from core.errors import SourceFormatError
from gb_ofsi import parse_conlist_xml
from tests.gb_ofsi import (
    XML,
    rows_of,
)


def test_xml_truncated(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="malformed XML"):
        parse_conlist_xml(XML, raw[XML][: len(raw[XML]) // 2])


def test_xml_external_entity_is_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<ArrayOfFinancialSanctionsTarget><FinancialSanctionsTarget><Name6>&x;</Name6>"
        b"</FinancialSanctionsTarget></ArrayOfFinancialSanctionsTarget>"
    )
    with pytest.raises(SourceFormatError, match="DOCTYPE") as error:
        parse_conlist_xml(XML, xxe)
    assert error.value.location == "line 2"


def test_xml_billion_laughs_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<ArrayOfFinancialSanctionsTarget>&lol2;</ArrayOfFinancialSanctionsTarget>"
    )
    with pytest.raises(SourceFormatError, match="DOCTYPE"):
        parse_conlist_xml(XML, bomb)


def test_xml_wrong_root(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="expected ArrayOfFinancialSanctionsTarget"):
        parse_conlist_xml(XML, b"<Designations><Designation/></Designations>")


def test_xml_target_without_group_id(raw: dict[str, bytes]) -> None:
    broken = raw[XML].replace(b"<GroupID>13647</GroupID>", b"", 1)
    with pytest.raises(SourceFormatError, match="no Group ID") as error:
        parse_conlist_xml(XML, broken)
    assert error.value.location.startswith("FinancialSanctionsTarget ")


def test_xml_unknown_element_is_reported_and_kept(raw: dict[str, bytes]) -> None:
    added = raw[XML].replace(
        b"<GroupID>13647</GroupID>",
        b"<GroupID>13647</GroupID><Ship_CallSign>HMZF</Ship_CallSign>",
        1,
    )
    result = parse_conlist_xml(XML, added)
    assert [u.what for u in result.unknowns] == ["element FinancialSanctionsTarget/Ship_CallSign"]
    kept = rows_of(result, "attributes", "13647").filter(pl.col("attribute") == "Ship_CallSign")
    assert kept.get_column("value").to_list() == ["HMZF"]
    assert result.entry_count == 12


def test_xml_without_namespace(raw: dict[str, bytes]) -> None:
    plain = raw[XML].replace(
        b' xmlns="http://schemas.hmtreasury.gov.uk/ofsi/consolidatedlist"', b"", 1
    )
    assert parse_conlist_xml(XML, plain).entry_count == 12
