"""FCDO UK Sanctions List (`gb_fcdo`) XML and CSV parsers.

Two kinds of fixture (tests/fixtures/gb_fcdo/README.md):
- `UK-Sanctions-List-excerpt-2026-08-14.xml`: four REAL designations of the FCDO's XML of
  2026-08-14, also the shipped snapshot. The tests under "real records" assert them field by
  field.
- `UK-Sanctions-List.xml` / `.csv`: a sample WRITTEN in the documented layout with the values of
  nine real OFSI parties; the only test of the CSV layout (no real FCDO CSV was at hand) and of
  the two formats agreeing.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from dagster import materialize

from assets import gb_fcdo
from assets.factory import compare_formats
from core.canonical import ParseResult
from core.dates import parse_dmy
from core.errors import SourceFormatError
from resources.fetcher import SnapshotFetcher
from resources.staging import write_publication
from resources.storage import DataDir
from schemas.canonical import MODELS
from schemas.gb_fcdo import CSV_MODELS, XML_MODELS
from schemas.validate import validate

XML = gb_fcdo.XML_NAME
CSV = gb_fcdo.CSV_NAME
PARTIES = {
    "gb_fcdo-AFG0060", "gb_fcdo-AQD0315", "gb_fcdo-DPR0104", "gb_fcdo-DPR0109", "gb_fcdo-DPR0185",
    "gb_fcdo-DPR0226", "gb_fcdo-RUS1444", "gb_fcdo-RUS1707", "gb_fcdo-RUS1800",
}  # fmt: skip
RUSSIA = "The Russia (Sanctions) (EU Exit) Regulations 2019"
REAL = "UK-Sanctions-List-excerpt-2026-08-14.xml"
ISIL = "Isil (Da'esh) and Al-Qaeda (United Nations Sanctions) (EU Exit) Regulations 2019"


@pytest.fixture(scope="module")
def xml_bytes(fixtures: Path) -> bytes:
    return (fixtures / "gb_fcdo" / XML).read_bytes()


@pytest.fixture(scope="module")
def csv_bytes(fixtures: Path) -> bytes:
    return (fixtures / "gb_fcdo" / CSV).read_bytes()


@pytest.fixture(scope="module")
def real(fixtures: Path) -> ParseResult:
    """The four real designations of the FCDO XML of 2026-08-14."""
    return gb_fcdo.parse_xml({XML: (fixtures / "gb_fcdo" / REAL).read_bytes()}).stamp("r")


@pytest.fixture(scope="module")
def xml(xml_bytes: bytes) -> ParseResult:
    return gb_fcdo.parse_xml({XML: xml_bytes}).stamp("x")


@pytest.fixture(scope="module")
def csv(csv_bytes: bytes) -> ParseResult:
    return gb_fcdo.parse_csv({CSV: csv_bytes}).stamp("c")


def rows(result: ParseResult, table: str, entity: str) -> pl.DataFrame:
    key = "from_entity_id" if table == "relationships" else "entity_id"
    return result.tables[table].filter(pl.col(key) == entity)


def attrs(result: ParseResult, entity: str, attribute: str) -> list[str]:
    return (
        rows(result, "attributes", entity)
        .filter(pl.col("attribute") == attribute)["value"]
        .to_list()
    )


def ids(result: ParseResult, entity: str, id_type: str) -> list[tuple[str, str]]:
    df = rows(result, "identifiers", entity).filter(pl.col("id_type") == id_type)
    return list(df.select("value", "normalized").iter_rows())


# --- what the fixtures hold ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "csv"])
def test_counts_by_type(fmt: str, request: pytest.FixtureRequest) -> None:
    result: ParseResult = request.getfixturevalue(fmt)
    counts = dict(result.tables["entities"].group_by("entity_type").len().iter_rows())
    assert counts == {"person": 4, "organization": 3, "vessel": 2}
    assert result.entry_count == 9
    assert result.tables["rejects"].height == 0
    assert result.unknowns == []
    assert result.published_at == date(2025, 4, 14)
    assert result.counts()["names"] == 26


def test_russian_individual(xml: ParseResult) -> None:
    eid = "gb_fcdo-RUS1800"
    entity = rows(xml, "entities", eid).row(0, named=True)
    assert (entity["entity_type"], entity["primary_name"]) == ("person", "Dmitry Yuryevich LELIKOV")
    assert (entity["listed_on"], entity["last_updated"]) == (date(2023, 2, 23), date(2023, 3, 21))
    names = rows(xml, "names", eid).select("name", "name_type", "script", "language").rows()
    assert names == [
        ("Dmitry Yuryevich LELIKOV", "primary", None, None),
        ("Dmitriy Yurievich LELIKOV", "primary_variation", None, None),
        ("Дмитрий Юрьевич Леликов", "original_script", "Cyrillic", "Russian"),
    ]
    primary = rows(xml, "names", eid).row(0, named=True)
    assert (primary["given_name"], primary["family_name"]) == ("Dmitry Yuryevich", "LELIKOV")
    dob = rows(xml, "birth_dates", eid).row(0, named=True)
    assert (dob["raw"], dob["date_from"], dob["precision"]) == (
        "05/09/1968",
        date(1968, 9, 5),
        "day",
    )
    countries = rows(xml, "countries", eid).select("country_code", "relation").rows()
    assert countries == [("RU", "nationality"), ("RU", "birth")]
    assert ids(xml, eid, "passport") == [("514408956", "514408956")]
    assert ids(xml, eid, "national_id") == [("4606153352", "4606153352")]
    assert ids(xml, eid, "list_reference") == [("RUS1800", "RUS1800")]
    assert ids(xml, eid, "ofsi_group_id") == [("15834", "15834")]
    assert ids(xml, eid, "other") == []
    assert attrs(xml, eid, "gender") == ["Male"]
    assert attrs(xml, eid, "sanctions_imposed") == [
        "Asset freeze",
        "Travel Ban",
        "Trust services sanctions",
    ]
    address = rows(xml, "addresses", eid).row(0, named=True)
    assert (address["street"], address["city"], address["postal_code"], address["country_code"]) == (
        "23 Tiz Vatutinki", "Moscow", "142793", "RU",
    )  # fmt: skip
    sanction = rows(xml, "sanctions", eid).row(0, named=True)
    assert (sanction["authority"], sanction["program"], sanction["legal_basis"], sanction["listed_on"]) == (
        "UK FCDO", RUSSIA, RUSSIA, date(2023, 2, 23),
    )  # fmt: skip
    assert attrs(xml, eid, "designation_source") == ["UK"]
    assert "Rostec" in attrs(xml, eid, "uk_statement_of_reasons")[0]


def test_un_listed_individual(xml: ParseResult) -> None:
    eid = "gb_fcdo-AQD0315"
    assert ids(xml, eid, "un_reference") == [("QDi.368", "QDI.368")]
    names = rows(xml, "names", eid).filter(pl.col("name_type") != "original_script")
    assert names.select("name", "name_type", "quality").rows() == [
        ("SHAMIL MAGOMEDOVICH ISMAILOV", "primary", None),
        ("Shamil Magomedovich ALIEV", "alias", "strong"),
        ("Abu HANIFA", "alias", "weak"),
    ]
    passport = (
        rows(xml, "identifiers", eid).filter(pl.col("id_type") == "passport").row(0, named=True)
    )
    assert (passport["value"], passport["note"]) == (
        "514448632",
        "Russian foreign travel passport number",
    )
    assert rows(xml, "addresses", eid)["country_code"].to_list() == ["IQ", "SY"]
    assert rows(xml, "birth_places", eid).select("place", "country_code").rows() == [
        ("Astrakhan, Russia", "RU")
    ]
    assert rows(xml, "sanctions", eid)["legal_basis"].to_list() == [
        "The ISIL (Da'esh) and Al-Qaida (United Nations Sanctions) (EU Exit) Regulations 2019"
    ]
    assert attrs(xml, eid, "designation_source") == ["UN"]


def test_partial_birth_dates_keep_their_precision(xml: ParseResult) -> None:
    dobs = rows(xml, "birth_dates", "gb_fcdo-AFG0060").select(
        "raw", "date_from", "date_to", "precision"
    )
    assert dobs.rows() == [
        ("00/00/1967", date(1967, 1, 1), date(1967, 12, 31), "year"),
        ("00/00/1966", date(1966, 1, 1), date(1966, 12, 31), "year"),
    ]
    assert attrs(xml, "gb_fcdo-AFG0060", "title") == ["Maulavi"]


def test_ship_with_imo_flag_and_owner(xml: ParseResult) -> None:
    eid = "gb_fcdo-DPR0109"
    assert rows(xml, "entities", eid)["primary_name"].to_list() == ["JI SONG 8"]
    assert rows(xml, "names", eid).height == 6
    assert ids(xml, eid, "imo") == [("IMO8503228", "8503228")]
    assert rows(xml, "countries", eid).select("country_code", "raw", "relation").rows() == [
        ("KP", "North Korea", "flag")
    ]
    assert attrs(xml, eid, "previous_flag") == ["Hong Kong"]
    assert attrs(xml, eid, "vessel_type") == ["General Cargo / Multi Purpose"]
    assert attrs(xml, eid, "vessel_tonnage") == ["3953"]
    assert attrs(xml, eid, "vessel_length") == ["105"]
    assert attrs(xml, eid, "vessel_year_built") == ["1985"]
    assert attrs(xml, eid, "current_owner_operator") == ["Phyongchon Shipping & Marine"]
    owner = rows(xml, "relationships", eid).row(0, named=True)
    # the owner is listed too (DPR0185), so the link resolves to it
    assert (owner["relation"], owner["to_entity_id"]) == ("owner_operator", "gb_fcdo-DPR0185")
    assert set(attrs(xml, eid, "sanctions_indicator")) == {
        "AssetFreeze",
        "ProhibitionOfPortEntry",
        "Deflag",
    }


def test_entities_details(xml: ParseResult) -> None:
    aeroflot = rows(xml, "relationships", "gb_fcdo-RUS1444")
    assert aeroflot.filter(pl.col("relation") == "subsidiary").height == 7
    assert aeroflot.filter(pl.col("relation") == "parent_company")["to_name"].to_list() == [
        "Federal Agency for State Property Management"
    ]
    assert ids(xml, "gb_fcdo-RUS1444", "registration") == [("29063984", "29063984")]
    assert ids(xml, "gb_fcdo-RUS1444", "website") == [
        ("https://www.aeroflot.ru/ru-en", "https://www.aeroflot.ru/ru-en")
    ]
    assert ids(xml, "gb_fcdo-RUS1707", "phone") == [("+7 (499) 608-89-93", "74996088993")]
    assert ids(xml, "gb_fcdo-RUS1707", "email") == [("info@obl.ru", "info@obl.ru")]
    assert len(ids(xml, "gb_fcdo-RUS1707", "registration")) == 2
    assert attrs(xml, "gb_fcdo-RUS1707", "type_of_entity") == ["Military shipping and logistics"]


def test_csv_and_xml_give_the_same_parties(xml: ParseResult, csv: ParseResult) -> None:
    for table in xml.tables:
        left = xml.tables[table].drop("publication_id", "origin", strict=False)
        right = csv.tables[table].drop("publication_id", "origin", strict=False)
        if table == "attributes":  # the CSV has no SanctionsImposedIndicators
            left = left.filter(pl.col("attribute") != "sanctions_indicator")
        assert left.sort(pl.all()).equals(right.sort(pl.all())), table
    assert set(xml.tables["entities"]["entity_id"]) == PARTIES


def test_formats_agree_check_finds_no_difference(
    xml: ParseResult, csv: ParseResult, tmp_path: Path
) -> None:
    write_publication(tmp_path / "pub", {"xml": xml, "csv": csv}, {"primary_format": "xml"})
    assert compare_formats(tmp_path / "pub", {"primary_format": "xml"}, "csv").height == 0


@pytest.mark.parametrize("fmt", ["xml", "csv"])
def test_schema_valid(fmt: str, request: pytest.FixtureRequest) -> None:
    result: ParseResult = request.getfixturevalue(fmt)
    staged = XML_MODELS if fmt == "xml" else CSV_MODELS
    assert validate(MODELS, result.tables) == []
    assert validate(staged, result.staged) == []


def test_snapshot_is_the_real_excerpt_and_materializes(
    snapshots: Path, fixtures: Path, tmp_path: Path
) -> None:
    catalog = json.loads((snapshots / "gb_fcdo" / "catalog.json").read_text())
    newest = max(catalog["publications"], key=lambda p: p["published_at"])
    assert newest["published_at"] == "2026-08-14"
    assert set(newest["files"]) == {XML}  # the excerpt is XML only: no real CSV was at hand
    assert (snapshots / "gb_fcdo" / newest["files"][XML]).read_bytes() == (
        fixtures / "gb_fcdo" / REAL
    ).read_bytes()
    result = materialize(
        [gb_fcdo.asset, *gb_fcdo.checks],
        resources={"fetcher": SnapshotFetcher(), "data_dir": DataDir(root=str(tmp_path))},
    )
    assert result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {
        "schema_valid": True, "records_accounted": True, "no_unknown_fields": True, "formats_agree": True,
    }  # fmt: skip
    meta = result.asset_materializations_for_node("gb_fcdo")[0].metadata
    assert (meta["entry_count"].value, meta["rows_entities"].value) == (4, 4)
    assert (meta["formats"].value, meta["unknown_fields"].value) == ("xml", 0)
    assert meta["published_at"].value == "2026-08-14"


# --- strict: what the parser does not know is reported, and kept ------------------------------


def test_unknown_xml_elements_reported_and_kept(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(
        b"<UniqueID>RUS1800</UniqueID>",
        b"<UniqueID>RUS1800</UniqueID><Aliases2><Alias>DL</Alias></Aliases2>",
    ).replace(b"<Gender>Male</Gender>", b"<Gender>Male</Gender><EyeColour>brown</EyeColour>", 1)
    data = data.replace(b"<DateGenerated>", b"<Disclaimer>draft</Disclaimer><DateGenerated>")
    result = gb_fcdo.parse_xml({XML: data})
    found = [(u.locator, u.what, u.value) for u in result.unknowns]
    assert found == [
        ("Designations/Disclaimer", "element Designations/Disclaimer", "draft"),
        (
            "Designation 9 (RUS1800)",
            "element Designation/Aliases2",
            "<Aliases2><Alias>DL</Alias></Aliases2>",
        ),
        (
            "Designation 9 (RUS1800)",
            "element Designation/IndividualDetails/Individual/Genders/EyeColour",
            "brown",
        ),
    ]
    kept = rows(result, "attributes", "gb_fcdo-RUS1800").filter(
        pl.col("attribute").str.starts_with("unknown:")
    )
    assert kept.select("attribute", "value").rows() == [
        ("unknown:Designation/Aliases2", "<Aliases2><Alias>DL</Alias></Aliases2>"),
        ("unknown:Designation/IndividualDetails/Individual/Genders/EyeColour", "brown"),
    ]
    assert result.tables["entities"].height == 9


def test_unknown_csv_column_reported_and_kept(csv_bytes: bytes) -> None:
    lines = csv_bytes.split(b"\r\n")
    lines[1] += b",Call sign"
    lines[2:-1] = [line + (b",P5XY" if b"DPR0109" in line else b",") for line in lines[2:-1]]
    result = gb_fcdo.parse_csv({CSV: b"\r\n".join(lines)})
    assert [(u.locator, u.what, u.value) for u in result.unknowns] == [
        ("header column 59", "column Call sign", "P5XY")
    ]
    assert attrs(result, "gb_fcdo-DPR0109", "unknown:column Call sign") == ["P5XY"]


def test_unknown_codes_reported(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(b"<NameType>Alias</NameType>", b"<NameType>Nickname</NameType>", 1)
    data = data.replace(
        b"<AliasStrength>Low quality</AliasStrength>", b"<AliasStrength>Medium</AliasStrength>"
    )
    data = data.replace(
        b"<IndividualEntityShip>Ship</IndividualEntityShip>",
        b"<IndividualEntityShip>Aircraft</IndividualEntityShip>",
        1,
    )
    data = data.replace(b"<IMONumber>IMO8503228</IMONumber>", b"<IMONumber>IMO8503229</IMONumber>")
    result = gb_fcdo.parse_xml({XML: data})
    found = {(u.what, u.value) for u in result.unknowns}
    assert found == {
        ("NameType", "Nickname"), ("AliasStrength", "Medium"), ("IndividualEntityShip", "Aircraft"),
        ("IMO number failing its check digit", "IMO8503229"),
    }  # fmt: skip
    # the alias with an unknown type is kept as an alias; the unknown party type is a reject
    assert "Shamil Magomedovich ALIEV" in rows(result, "names", "gb_fcdo-AQD0315")["name"].to_list()
    reject = result.tables["rejects"].row(0, named=True)
    assert (reject["kind"], reject["locator"]) == ("entry", "Designation 3 (DPR0104)")
    assert "<UniqueID>DPR0104</UniqueID>" in reject["raw"]
    assert result.entry_count == result.tables["entities"].height + 1
    bad_imo = (
        rows(result, "identifiers", "gb_fcdo-DPR0109")
        .filter(pl.col("label") == "IMO number")
        .row(0, named=True)
    )
    assert (bad_imo["id_type"], bad_imo["note"]) == ("other", "fails the IMO check digit")
    assert validate(MODELS, result.stamp("p").tables) == []


def test_alternative_wrapper_names_are_known(xml_bytes: bytes, xml: ParseResult) -> None:
    data = xml_bytes
    for old, new in (
        (b"PassportDetail>", b"Passport>"), (b"NationalIdentifierDetail>", b"NationalIdentifier>"),
        (b"TypeOfShips>", b"TypeOfShipDetails>"), (b"TonnageOfShips>", b"TonnageOfShipDetails>"),
        (b"LengthOfShips>", b"LengthOfShipDetails>"), (b"YearBuilts>", b"YearsBuilt>"),
    ):  # fmt: skip
        data = data.replace(old, new)
    result = gb_fcdo.parse_xml({XML: data}).stamp("x")
    assert result.unknowns == []
    assert result.tables["identifiers"].equals(xml.tables["identifiers"])
    assert result.tables["attributes"].equals(xml.tables["attributes"])


def test_namespaced_copy_reads_the_same(xml_bytes: bytes, xml: ParseResult) -> None:
    data = xml_bytes.replace(b"<Designations ", b'<Designations xmlns="urn:fcdo:test" ', 1)
    result = gb_fcdo.parse_xml({XML: data}).stamp("x")
    assert result.unknowns == []
    assert all(result.tables[t].equals(xml.tables[t]) for t in xml.tables)


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


# --- bad input: refused with the file and the place -------------------------------------------------


def test_xml_truncated_refused(xml_bytes: bytes) -> None:
    with pytest.raises(
        SourceFormatError, match=r"UK-Sanctions-List\.xml at line \d+, column \d+: malformed XML"
    ):
        gb_fcdo.parse_xml({XML: xml_bytes[: len(xml_bytes) // 2]})


def test_xml_external_entity_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE Designations [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<Designations><Designation><UniqueID>&xxe;</UniqueID></Designation></Designations>"
    ).encode()
    with pytest.raises(
        SourceFormatError, match=r"UK-Sanctions-List\.xml at line 2: a DOCTYPE declaration"
    ):
        gb_fcdo.parse_xml({XML: data})


def test_xml_billion_laughs_refused() -> None:
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY l0 "lol">{entities}]><Designations>&l9;</Designations>'
    with pytest.raises(SourceFormatError, match="DOCTYPE declaration is not allowed"):
        gb_fcdo.parse_xml({XML: data.encode()})


def test_xml_empty_html_and_wrong_encoding_refused(xml_bytes: bytes) -> None:
    with pytest.raises(
        SourceFormatError, match=r"UK-Sanctions-List\.xml at byte 0: the file is empty"
    ):
        gb_fcdo.parse_xml({XML: b"  \n"})
    page = b"<!DOCTYPE html><html><body>Service Unavailable</body></html>"
    with pytest.raises(SourceFormatError, match=r"UK-Sanctions-List\.xml at byte 0: an HTML page"):
        gb_fcdo.parse_xml({XML: page})
    latin = xml_bytes.decode().replace("Леликов", "Lélikov").encode("cp1252", errors="replace")
    with pytest.raises(
        SourceFormatError, match=r"UK-Sanctions-List\.xml at line \d+, column \d+: malformed XML"
    ):
        gb_fcdo.parse_xml({XML: latin})


def test_xml_without_designations_refused() -> None:
    data = b'<?xml version="1.0"?><sdnList><sdnEntry><uid>1</uid></sdnEntry></sdnList>'
    with pytest.raises(SourceFormatError, match=r"at root element sdnList: no Designation element"):
        gb_fcdo.parse_xml({XML: data})


def test_xml_duplicate_unique_id_refused(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(b"<UniqueID>DPR0104</UniqueID>", b"<UniqueID>AQD0315</UniqueID>")
    with pytest.raises(
        SourceFormatError, match=r"at Designation 2 and 3: duplicate UniqueID AQD0315"
    ):
        gb_fcdo.parse_xml({XML: data})


def test_xml_designation_without_unique_id_rejected(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(b"<UniqueID>DPR0104</UniqueID>", b"")
    result = gb_fcdo.parse_xml({XML: data})
    reject = result.tables["rejects"].row(0, named=True)
    assert (reject["kind"], reject["locator"], reject["reason"]) == (
        "entry",
        "Designation 3 (None)",
        "no UniqueID",
    )
    assert result.entry_count == 9 and result.tables["entities"].height == 8


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


# --- real records: the FCDO's XML of 2026-08-14, field by field ----------------------------------


def test_real_excerpt_parsed_without_unknowns(real: ParseResult) -> None:
    assert real.unknowns == []
    assert real.tables["rejects"].height == 0
    assert real.entry_count == 4
    assert real.published_at == date(2026, 8, 14)
    entities = real.tables["entities"].select("entity_id", "entity_type", "primary_name").rows()
    assert entities == [
        ("gb_fcdo-AFG0011", "person", "ABDUL LATIF MANSUR"),
        ("gb_fcdo-AQD0128", "person", "AKRAM TURKI HISHAN AL-MAZIDIH"),
        ("gb_fcdo-AQD0377", "organization", "Khatiba al-Tawhid wal-Jihad (KTJ)"),
        ("gb_fcdo-DPR0075", "vessel", "Petrel 8"),
    ]
    assert real.counts() == {
        "entities": 4, "names": 17, "identifiers": 14, "addresses": 3, "birth_dates": 7,
        "birth_places": 3, "countries": 3, "sanctions": 4, "attributes": 29,
        "relationships": 1, "rejects": 0,
    }  # fmt: skip
    assert validate(MODELS, real.tables) == []
    assert validate(XML_MODELS, real.staged) == []


def test_real_afg0011(real: ParseResult) -> None:
    eid = "gb_fcdo-AFG0011"
    entity = rows(real, "entities", eid).row(0, named=True)
    assert (entity["listed_on"], entity["last_updated"]) == (date(2001, 1, 31), date(2026, 4, 29))
    assert entity["remarks"].startswith("Taliban Shadow Governor for Logar Province")
    assert entity["remarks"].endswith("View-UN-Notices-Individuals#2006-25913")
    names = rows(real, "names", eid).select(
        "name", "name_type", "quality", "given_name", "family_name"
    )
    assert names.rows() == [
        ("ABDUL LATIF MANSUR", "primary", None, "ABDUL LATIF", "MANSUR"),
        ("Abdul Latif MANSOOR", "alias", "strong", "Abdul Latif", "MANSOOR"),
        ("Wali MOHAMMAD", "alias", "strong", "Wali", "MOHAMMAD"),
        ("عبد اللطيف منصور", "original_script", None, None, None),
    ]
    assert ids(real, eid, "list_reference") == [("AFG0011", "AFG0011")]
    assert ids(real, eid, "un_reference") == [("TAi.007", "TAI.007")]
    assert ids(real, eid, "ofsi_group_id") == [("7270", "7270")]
    # the passport number is published with a leading space (` D0009720`); the issuing country
    # is given only in the additional information, in words
    passports = rows(real, "identifiers", eid).filter(pl.col("id_type") == "passport")
    assert passports.select("value", "normalized", "country_code").rows() == [
        ("D0009720", "D0009720", "AF"),
        ("D0010442", "D0010442", "AF"),
    ]
    assert passports["note"].to_list() == [
        "Afghanistan diplomatic passport number D0009720, issued on 12 Oct. 2021 issued in Kabul, "
        "Afghanistan, expires 12 Oct. 2026 (Name in Latin script: ABDUL LATIF MANSOOR)",
        "Afghanistan diplomatic passport D0010442, issued on 13 Nov. 2024, expires 13 Nov. 2029",
    ]
    assert passports["country_raw"].to_list() == passports["note"].to_list()
    # `dd/mm/1968` is the year 1968; `12/11/1967`, published twice, is one date
    dobs = rows(real, "birth_dates", eid).select("raw", "date_from", "date_to", "precision")
    assert dobs.rows() == [
        ("dd/mm/1968", date(1968, 1, 1), date(1968, 12, 31), "year"),
        ("12/11/1967", date(1967, 11, 12), date(1967, 11, 12), "day"),
    ]
    assert rows(real, "birth_places", eid).select("place", "country_code").rows() == [
        ("Zurmat District, Paktia Province, Afghanistan", "AF"),
        ("Garda Saray District, Paktia Province, Afghanistan", "AF"),
        ("Afghanistan", "AF"),
    ]
    countries = rows(real, "countries", eid).select("country_code", "raw", "relation").rows()
    assert countries == [("AF", "Afghanistan", "nationality"), ("AF", "Afghanistan", "birth")]
    address = rows(real, "addresses", eid).row(0, named=True)
    assert (address["full_address"], address["street"], address["city"], address["country_code"]) == (
        "Darul Aman, Kabul, Afghanistan", "Darul Aman, Kabul", None, "AF",
    )  # fmt: skip
    assert attrs(real, eid, "title") == ["Maulavi"]
    # published with two spaces before the bracket; compared word by word, so the test holds
    # whether or not whitespace inside values is normalised
    assert [" ".join(v.split()) for v in attrs(real, eid, "position")] == [
        "Minister of Agriculture under the previous Taliban regime (1996-2001)"
    ]
    assert attrs(real, eid, "sanctions_imposed") == ["Asset freeze", "Travel Ban"]
    assert attrs(real, eid, "sanctions_indicator") == ["AssetFreeze", "TravelBan"]
    assert attrs(real, eid, "designation_source") == ["UN"]
    # `<UKStatementofReasons>` holds only a line break: no statement
    assert attrs(real, eid, "uk_statement_of_reasons") == []
    sanction = rows(real, "sanctions", eid).row(0, named=True)
    regime = "The Afghanistan (Sanctions) (EU Exit) Regulations 2020"
    assert (sanction["program"], sanction["legal_basis"], sanction["listed_on"]) == (
        regime, regime, date(2001, 1, 31),
    )  # fmt: skip


def test_real_aqd0128_partial_dates_and_national_id(real: ParseResult) -> None:
    eid = "gb_fcdo-AQD0128"
    dobs = rows(real, "birth_dates", eid).select("raw", "date_from", "date_to", "precision")
    assert dobs.rows() == [
        ("dd/mm/1974", date(1974, 1, 1), date(1974, 12, 31), "year"),
        ("dd/mm/1975", date(1975, 1, 1), date(1975, 12, 31), "year"),
        ("dd/mm/1979", date(1979, 1, 1), date(1979, 12, 31), "year"),
        ("dd/09/1958", date(1958, 9, 1), date(1958, 9, 30), "month"),
        ("1985", date(1985, 1, 1), date(1985, 12, 31), "year"),
    ]
    assert attrs(real, eid, "date_of_birth") == []  # nothing left unread
    # NameType written `Primary name` (lower-case n) is the primary name
    names = rows(real, "names", eid).select("name", "name_type", "quality").rows()
    assert names == [
        ("AKRAM TURKI HISHAN AL-MAZIDIH", "primary", None),
        ("Abu Akram", "alias", "weak"),
        ("Akram Turki Al-Hishan", "alias", "strong"),
        ("Abu Jarrah", "alias", "weak"),
        ("أكرم تركي هاشم المزيده", "original_script", None),
    ]
    national = rows(real, "identifiers", eid).filter(pl.col("id_type") == "national_id")
    assert national.select("value", "normalized", "country_code", "note").rows() == [
        ("0075258", "0075258", None, "Ration card no.")  # the leading zero kept; no country given
    ]
    assert ids(real, eid, "ofsi_group_id") == [("11050", "11050")]
    assert ids(real, eid, "un_reference") == [("QDi.276", "QDI.276")]
    addresses = rows(real, "addresses", eid).select("full_address", "city", "country_code")
    assert addresses.rows() == [
        ("Iraq", None, "IQ"),
        ("Deir ez-Zor Governorate, Syria", "Deir ez-Zor Governorate", "SY"),
    ]
    assert rows(real, "countries", eid).is_empty()  # no nationality, no birth place published
    assert attrs(real, eid, "sanctions_indicator") == ["AssetFreeze", "ArmsEmbargo", "TravelBan"]
    assert rows(real, "sanctions", eid)["program"].to_list() == [ISIL]


def test_real_aqd0377_entity(real: ParseResult) -> None:
    eid = "gb_fcdo-AQD0377"
    entity = rows(real, "entities", eid).row(0, named=True)
    assert (entity["listed_on"], entity["last_updated"]) == (date(2022, 3, 7), date(2022, 3, 8))
    assert entity["remarks"].startswith("Khatiba al-Tawhid wal-Jihad (formerly known as Jannat")
    names = rows(real, "names", eid).select("name", "name_type", "given_name", "family_name")
    assert names.rows() == [
        ("Khatiba al-Tawhid wal-Jihad (KTJ)", "primary", None, None),
        ("Jama'at al-Tawhid wal-Jihad", "alias", None, None),
        ("Jannat Oshiklari", "alias", None, None),  # published with a trailing space
        ("Катиба ат-Таухид валь-Джихад", "original_script", None, None),
    ]
    assert ids(real, eid, "ofsi_group_id") == [("14211", "14211")]
    assert ids(real, eid, "un_reference") == [("QDe.168", "QDE.168")]
    assert attrs(real, eid, "type_of_entity") == ["Terrorist Group"]
    assert rows(real, "addresses", eid).is_empty()
    assert rows(real, "birth_dates", eid).is_empty()


def test_real_dpr0075_ship(real: ParseResult) -> None:
    eid = "gb_fcdo-DPR0075"
    names = rows(real, "names", eid).select("name", "name_type").rows()
    assert names == [
        ("Petrel 8", "primary"),
        ("Jal Vahini", "alias"),
        ("Jal_Vahini", "alias"),
        ("Tian Tai 36", "alias"),
    ]
    # the IMO number carries the `IMO` prefix and passes its check digit; no OFSI or UN ID
    assert rows(real, "identifiers", eid).select("id_type", "value", "normalized").rows() == [
        ("list_reference", "DPR0075", "DPR0075"),
        ("imo", "IMO9562233", "9562233"),
    ]
    assert rows(real, "countries", eid).select("country_code", "raw", "relation").rows() == [
        ("KM", "Comoros", "flag")
    ]
    assert attrs(real, eid, "previous_flag") == ["India"]
    assert attrs(real, eid, "vessel_type") == ["Bulk Carrier"]
    assert attrs(real, eid, "vessel_tonnage") == ["7078"]
    assert attrs(real, eid, "vessel_length") == ["134.5"]
    assert attrs(real, eid, "vessel_year_built") == ["2011"]
    assert attrs(real, eid, "current_owner_operator") == ["Global United Shipping India"]
    assert attrs(real, eid, "sanctions_indicator") == ["ProhibitionOfPortEntry"]
    assert attrs(real, eid, "sanctions_imposed") == ["Prohibition of port entry"]
    owner = rows(real, "relationships", eid).row(0, named=True)
    # the owner is not a designation of this excerpt: named, not linked
    assert (owner["relation"], owner["to_name"], owner["to_entity_id"]) == (
        "owner_operator", "Global United Shipping India", None,
    )  # fmt: skip
    sanction = rows(real, "sanctions", eid).row(0, named=True)
    dprk = "The Democratic People's Republic of Korea (Sanctions) (EU Exit) Regulations 2019"
    assert (sanction["program"], sanction["listed_on"]) == (dprk, date(2017, 10, 3))


def test_real_root_attributes_known_and_others_reported(fixtures: Path) -> None:
    data = (fixtures / "gb_fcdo" / REAL).read_bytes()
    extra = data.replace(b'dateGenerated="', b'version="2" dateGenerated="', 1)
    found = [(u.what, u.value) for u in gb_fcdo.parse_xml({XML: extra}).unknowns]
    assert found == [("attribute Designations@version", "2")]
    # without the DateGenerated element, the root's generation time still dates the file
    bare = re.sub(rb"<DateGenerated>[^<]*</DateGenerated>", b"", data)
    assert gb_fcdo.parse_xml({XML: bare}).published_at == date(2026, 8, 14)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("dd/mm/1968", (date(1968, 1, 1), date(1968, 12, 31), "year")),
        ("DD/MM/1968", (date(1968, 1, 1), date(1968, 12, 31), "year")),
        ("dd/09/1958", (date(1958, 9, 1), date(1958, 9, 30), "month")),
        ("1985", (date(1985, 1, 1), date(1985, 12, 31), "year")),
        ("00/00/1994", (date(1994, 1, 1), date(1994, 12, 31), "year")),  # OFSI's spelling
        ("00/02/1996", (date(1996, 2, 1), date(1996, 2, 29), "month")),
        ("12/mm/1968", (date(1968, 1, 1), date(1968, 12, 31), "year")),
        ("12/11/1967", (date(1967, 11, 12), date(1967, 11, 12), "day")),
        ("dd/13/1968", None),
        ("31/02/1968", None),
        ("0000", None),
        ("xx/mm/1968", None),
    ],
)
def test_uk_partial_dates(raw: str, expected: tuple[date, date, str] | None) -> None:
    parsed = parse_dmy(raw)
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None and parsed.raw == raw
        assert (parsed.date_from, parsed.date_to, parsed.precision) == expected
