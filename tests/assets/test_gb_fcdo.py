"""FCDO UK Sanctions List (`gb_fcdo`) XML and CSV parsers.

No real copy of the FCDO files exists here: the fixtures were WRITTEN from FORMATS.md with the
values of nine real OFSI parties (tests/fixtures/gb_fcdo/README.md), and the same files are the
shipped snapshot. Values asserted below are those real OFSI values.
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


@pytest.fixture(scope="module")
def xml_bytes(fixtures: Path) -> bytes:
    return (fixtures / "gb_fcdo" / XML).read_bytes()


@pytest.fixture(scope="module")
def csv_bytes(fixtures: Path) -> bytes:
    return (fixtures / "gb_fcdo" / CSV).read_bytes()


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
    assert ids(xml, eid, "other") == [("15834", "15834")]
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
        "UK FCDO", RUSSIA, "UK", date(2023, 2, 23),
    )  # fmt: skip
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
    assert rows(xml, "sanctions", eid)["legal_basis"].to_list() == ["UN"]


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


def test_snapshot_is_the_fixture_and_materializes(
    snapshots: Path, fixtures: Path, tmp_path: Path
) -> None:
    catalog = json.loads((snapshots / "gb_fcdo" / "catalog.json").read_text())
    newest = max(catalog["publications"], key=lambda p: p["published_at"])
    for name, relative in newest["files"].items():
        assert (snapshots / "gb_fcdo" / relative).read_bytes() == (
            fixtures / "gb_fcdo" / name
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
