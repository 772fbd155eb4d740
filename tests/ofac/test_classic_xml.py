"""OFAC classic XML parser (`ofac.classic_xml`), on the full shipped consolidated snapshot and a
fixture cut from it; bad input refused, unknown elements reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from core.canonical import ParseResult
from core.errors import SourceFormatError
from ofac.lists import CONS
from schemas.canonical import MODELS
from schemas.ofac import XML_MODELS
from schemas.validate import validate
from tests.ofac.helpers import read, rows


@pytest.fixture(scope="module")
def cons_xml_full(snapshots: Path) -> ParseResult:
    folder = snapshots / "us_ofac_cons" / "2025-12-19"
    return CONS.parse_xml({"CONSOLIDATED.XML": (folder / "CONSOLIDATED.XML").read_bytes()}).stamp(
        "p"
    )


def test_cons_csv_and_xml_counts(snapshots: Path, cons_xml_full: ParseResult) -> None:
    csv_result = CONS.parse_csv(read(snapshots / "us_ofac_cons" / "2025-12-19", CONS.csv_names))
    assert csv_result.tables["entities"].height == 442
    assert cons_xml_full.entry_count == 443
    assert cons_xml_full.declared_count == 443
    assert cons_xml_full.published_at == date(2025, 3, 28)
    types = dict(cons_xml_full.tables["entities"].group_by("entity_type").len().iter_rows())
    assert types == {"organization": 363, "person": 80}
    assert validate(MODELS, cons_xml_full.tables) == []
    assert validate(XML_MODELS, cons_xml_full.staged) == []


def test_xml_entry(cons_xml_full: ParseResult) -> None:
    eid = "us_ofac_cons-9639"
    entity = rows(cons_xml_full, "entities", eid).row(0, named=True)
    assert (entity["primary_name"], entity["entity_type"]) == (
        "HANIYA, Ismail Abdul Salah",
        "person",
    )
    dob = rows(cons_xml_full, "birth_dates", eid).row(0, named=True)
    assert (dob["raw"], dob["precision"], dob["date_from"]) == ("1962", "year", date(1962, 1, 1))
    assert rows(cons_xml_full, "birth_places", eid)["place"].to_list() == ["Shati"]
    aliases = rows(cons_xml_full, "names", eid).filter(pl.col("name_type") == "alias")
    assert ("HANIYA, Ismail", "strong") in list(aliases.select("name", "quality").iter_rows())
    assert rows(cons_xml_full, "sanctions", eid)["program"].to_list() == ["NS-PLC"]


# --- bad input: refused with the file and the place ----------------------------------------------


def xml(fixtures: Path) -> bytes:
    return (fixtures / "us_ofac_cons" / "CONSOLIDATED.XML").read_bytes()


def test_truncated_xml_refused(fixtures: Path) -> None:
    data = xml(fixtures)
    with pytest.raises(
        SourceFormatError, match=r"CONSOLIDATED\.XML at line \d+, column \d+: malformed XML"
    ):
        CONS.parse_xml({"CONSOLIDATED.XML": data[: len(data) // 2]})


def test_external_entity_never_resolved(fixtures: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE sdnList [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<sdnList><sdnEntry><uid>1</uid><lastName>&xxe;</lastName><sdnType>Entity</sdnType></sdnEntry></sdnList>"
    ).encode()
    with pytest.raises(
        SourceFormatError,
        match=r"CONSOLIDATED\.XML at line 2: a DOCTYPE declaration is not allowed",
    ):
        CONS.parse_xml({"CONSOLIDATED.XML": data})


def test_billion_laughs_refused() -> None:
    entities = "".join(
        f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" * 1}' * 10 + '">' for i in range(1, 10)
    )
    data = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY l0 "lol">{entities}]><sdnList>&l9;</sdnList>'.encode()
    with pytest.raises(SourceFormatError, match="DOCTYPE declaration is not allowed"):
        CONS.parse_xml({"CONSOLIDATED.XML": data})


def test_xml_duplicate_uid_refused(fixtures: Path) -> None:
    data = xml(fixtures).replace(b"<uid>17013</uid>", b"<uid>9639</uid>", 1)
    with pytest.raises(
        SourceFormatError, match=r"CONSOLIDATED\.XML at sdnEntry 2 and 1: duplicate uid 9639"
    ):
        CONS.parse_xml({"CONSOLIDATED.XML": data})


def test_xml_unknown_element_reported_not_lost(fixtures: Path) -> None:
    data = xml(fixtures).replace(
        b"<sdnType>Individual</sdnType>", b"<sdnType>Individual</sdnType><shoeSize>44</shoeSize>", 1
    )
    result = CONS.parse_xml({"CONSOLIDATED.XML": data})
    assert [(u.what, u.value) for u in result.unknowns] == [("element sdnEntry/shoeSize", "44")]
