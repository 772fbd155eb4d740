"""FCDO XML: strict reading (unknowns reported and kept), bad input refused, and four REAL designations of the XML of 2026-08-14 asserted field by field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import gb_fcdo
from core.canonical import ParseResult
from core.dates import parse_dmy
from core.errors import SourceFormatError
from schemas.canonical import MODELS
from schemas.gb_fcdo import XML_MODELS
from schemas.validate import validate
from tests.gb_fcdo import ISIL, REAL, XML, attrs, ids, rows

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
