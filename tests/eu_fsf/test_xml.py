"""EU FSF XML 1.1: the fixture written from FORMATS.md, four real records of the export of 2026-08-05 (asserted field by field), and bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import eu_fsf
from core.canonical import ParseResult
from core.errors import SourceFormatError
from schemas.canonical import MODELS
from schemas.eu_fsf import MODELS as STAGED_MODELS
from schemas.validate import validate
from tests.eu_fsf import REAL, XML, column, rows

# --- XML 1.1 and CSV 1.1 (written fixtures) ------------------------------------------------


def test_xml_fixture_parties(xml: ParseResult) -> None:
    assert xml.entry_count == 3
    assert xml.published_at == date(2025, 3, 14)
    assert xml.unknowns == []
    assert xml.staged["file"]["global_file_id"].to_list() == ["160532"]
    entities = xml.tables["entities"].select(
        "entity_id", "entity_type", "primary_name", "listed_on"
    )
    assert entities.rows() == [
        ("eu_fsf-139011", "person", "Pavel Andreyevich SOKOLOV", date(2022, 2, 23)),
        ("eu_fsf-6912", "person", "Abu Hamza AL-FARISI", date(2014, 9, 23)),
        ("eu_fsf-7700", "organization", "Balkan Precision Components d.o.o.", date(2023, 6, 23)),
    ]


def test_xml_names_keep_language_script_and_strength(xml: ParseResult) -> None:
    names = rows(xml, "names", "eu_fsf-139011").select(
        "name", "name_type", "quality", "script", "language"
    )
    assert names.rows() == [
        ("Pavel Andreyevich SOKOLOV", "primary", "strong", "Latin", None),
        ("Павел Андреевич СОКОЛОВ", "alias", "strong", "Cyrillic", "RU"),
        ("Pavel SOKOLOFF", "alias", "weak", "Latin", None),
    ]
    arabic = rows(xml, "names", "eu_fsf-6912").filter(pl.col("language") == "AR")
    assert arabic.select("name", "script").row(0) == ("أبو حمزة الفارسي", "Arabic")
    remark = rows(xml, "attributes", "eu_fsf-139011").filter(pl.col("attribute") == "name_remark")
    assert remark["value"].to_list() == ["Low quality alias."]


def test_xml_un_and_eu_references(xml: ParseResult) -> None:
    refs = xml.tables["identifiers"].filter(
        pl.col("id_type").is_in(["un_reference", "list_reference"])
    )
    assert ("eu_fsf-6912", "un_reference", "QDi.901", "QDI.901") in refs.select(
        "entity_id", "id_type", "value", "normalized"
    ).rows()
    assert refs.filter(pl.col("id_type") == "list_reference").height == 3
    assert refs.filter(pl.col("id_type") == "un_reference").height == 1


def test_xml_partial_birth_dates_keep_precision(xml: ParseResult) -> None:
    births = xml.tables["birth_dates"].select(
        "entity_id", "raw", "date_from", "date_to", "precision", "circa"
    )
    assert births.rows() == [
        ("eu_fsf-139011", "1968-03-14", date(1968, 3, 14), date(1968, 3, 14), "day", False),
        ("eu_fsf-139011", "1969-03", date(1969, 3, 1), date(1969, 3, 31), "month", False),
        ("eu_fsf-6912", "1975", date(1975, 1, 1), date(1975, 12, 31), "year", True),
        ("eu_fsf-6912", "1972-1974", date(1972, 1, 1), date(1974, 12, 31), "range", False),
    ]
    places = xml.tables["birth_places"].select("entity_id", "place", "country_code").rows()
    assert places == [
        ("eu_fsf-139011", "Sverdlovsk (now Yekaterinburg)", "RU"),
        ("eu_fsf-6912", "Mosul, Nineveh", "IQ"),
    ]


def test_xml_documents_with_issuing_country(xml: ParseResult) -> None:
    docs = xml.tables["identifiers"].filter(
        pl.col("id_type").is_in(["passport", "national_id", "registration", "tax_id"])
    )
    found = docs.select("entity_id", "id_type", "value", "country_code", "country_raw").rows()
    assert ("eu_fsf-139011", "passport", "753214689", "RU", "RUSSIAN FEDERATION") in found
    assert ("eu_fsf-6912", "national_id", "00412377", "IQ", "IRAQ") in found
    # `00` / UNKNOWN is an unknown country, not a code
    assert ("eu_fsf-6912", "passport", "A1234567", None, "UNKNOWN") in found
    passport = docs.filter(pl.col("value") == "753214689")
    assert passport["note"].to_list() == [
        "issued by Ministry of Internal Affairs; issued 2015-06-02"
    ]
    assert docs.filter(pl.col("value") == "A1234567")["note"].to_list() == ["known expired"]


def test_xml_serbia_cs_is_rs(xml: ParseResult) -> None:
    address = rows(xml, "addresses", "eu_fsf-7700").row(0, named=True)
    assert (address["country_code"], address["country_raw"]) == ("RS", "SERBIA")
    assert address["full_address"] == "Bulevar Mihajla Pupina 10, Belgrade, 11070, SERBIA"
    docs = rows(xml, "identifiers", "eu_fsf-7700").filter(
        pl.col("id_type").is_in(["registration", "tax_id"])
    )
    assert set(docs["country_code"].to_list()) == {"RS"}
    contacts = rows(xml, "identifiers", "eu_fsf-7700").filter(
        pl.col("id_type").is_in(["phone", "email", "website"])
    )
    assert contacts.select("id_type", "value", "normalized").rows() == [
        ("phone", "+381 11 123 4567", "+381111234567"),
        ("email", "office@bpc.example.rs", "office@bpc.example.rs"),
        ("website", "www.bpc.example.rs", "www.bpc.example.rs"),
    ]


def test_xml_regulations_are_sanctions(xml: ParseResult) -> None:
    sanctions = rows(xml, "sanctions", "eu_fsf-7700").select(
        "authority", "program", "legal_basis", "listed_on"
    )
    assert sanctions.rows() == [
        ("EU", "RUS", "2023/1216 (OJ L159I)", date(2023, 6, 23)),
        # an amendment's publication is not a listing: the party's designationDate is
        ("EU", "RUS", "2024/1745 (OJ L 2024/1745)", date(2023, 6, 23)),
    ]
    assert column(xml, "entities", "eu_fsf-7700", "last_updated") == [date(2024, 6, 24)]


def test_xml_and_csv_describe_the_same_parties(xml: ParseResult, csv11: ParseResult) -> None:
    assert csv11.entry_count == xml.entry_count == 3
    assert csv11.published_at == xml.published_at
    assert csv11.unknowns == []
    for table, left in xml.tables.items():
        a = left.drop("origin", "publication_id", strict=False)
        b = csv11.tables[table].drop("origin", "publication_id", strict=False)
        assert_frame_equal(a.sort(a.columns, nulls_last=True), b.sort(a.columns, nulls_last=True))


def test_fixtures_schema_valid(xml: ParseResult, csv11: ParseResult) -> None:
    for result in (xml, csv11):
        assert validate(MODELS, result.tables) == []
        assert validate(STAGED_MODELS, result.staged) == []


def test_xml_spelling_variants_of_formats_md(xml_bytes: bytes, xml: ParseResult) -> None:
    """FORMATS.md names `day`/`month`/`issuedDate`; excerpts of the export show others."""
    variant = (
        xml_bytes.replace(b'dayOfMonth="', b'day="')
        .replace(b'monthOfYear="', b'month="')
        .replace(b'issueDate="', b'issuedDate="')
    )
    result = eu_fsf.parse_xml_file(XML, variant).stamp("x")
    assert result.unknowns == []
    assert_frame_equal(result.tables["birth_dates"], xml.tables["birth_dates"])
    assert_frame_equal(result.tables["identifiers"], xml.tables["identifiers"])


def test_xml_birth_date_edge_cases(xml_bytes: bytes) -> None:
    data = (
        xml_bytes.replace(b'birthdate="1968-03-14"', b'birthdate="1968-02-30"')
        .replace(b'yearRangeFrom="1972" yearRangeTo="1974"', b'yearRangeFrom="1972"')
        .replace(b'calendarType="GREGORIAN" city="Mosul"', b'calendarType="HIJRI" city="Mosul"')
    )
    result = eu_fsf.parse_xml_file(XML, data)
    births = result.tables["birth_dates"].select("entity_id", "raw", "precision").rows()
    assert births == [
        ("eu_fsf-139011", "1969-03", "month"),
        ("eu_fsf-6912", "1975", "year"),
        ("eu_fsf-6912", "1972", "year"),
    ]
    assert [(u.what, u.value) for u in result.unknowns] == [
        ("birth date format", "1968-02-30"),
        ("calendarType", "HIJRI"),
    ]
    kept = result.tables["attributes"].select("entity_id", "attribute", "value").rows()
    assert ("eu_fsf-139011", "birth_date_unparsed", "1968-02-30") in kept
    assert ("eu_fsf-6912", "birth_calendar", "HIJRI") in kept
    # the place of the unreadable date is still taken
    assert "Sverdlovsk (now Yekaterinburg)" in column(
        result, "birth_places", "eu_fsf-139011", "place"
    )


def test_xml_unknown_fields_reported_and_kept(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(
        b'<subjectType code="enterprise" classificationCode="E"/>',
        b'<subjectType code="enterprise" classificationCode="E"/><vesselInfo imo="9123456"/>',
    ).replace(b'logicalId="171601"', b'logicalId="171601" sectorCode="C26"')
    result = eu_fsf.parse_xml_file(XML, data)
    what = {u.what for u in result.unknowns}
    assert what == {"element sanctionEntity/vesselInfo", "attribute identification@sectorCode"}
    kept = rows(result, "attributes", "eu_fsf-7700").select("attribute", "value").rows()
    assert ("identification.sectorCode", "C26") in kept
    assert any(a == "sanctionEntity/vesselInfo" and "9123456" in v for a, v in kept)


def test_xml_entity_without_name_rejected(xml_bytes: bytes) -> None:
    start = xml_bytes.index(b'<nameAlias firstName="" middleName="" lastName="" wholeName="Balkan')
    end = xml_bytes.index(b"<identification", start)
    result = eu_fsf.parse_xml_file(XML, xml_bytes[:start] + xml_bytes[end:])
    assert result.entry_count == 3
    assert result.tables["entities"].height == 2
    reject = result.tables["rejects"].filter(pl.col("kind") == "entry").row(0, named=True)
    assert reject["locator"] == "entity 3 (logicalId 7700)"
    assert reject["reason"] == "no usable name alias"
    assert 'euReferenceNumber="EU.8812.44"' in reject["raw"]
    assert rows(result, "identifiers", "eu_fsf-7700").height == 0


# --- bad input: refused, naming the file and the place --------------------------------------


def test_xml_bad_input(xml_bytes: bytes, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE export [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<export><sanctionEntity logicalId="1"><remark>&x;</remark></sanctionEntity></export>'
    ).encode()
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE export [<!ENTITY l0 "lol">{laughs}]><export>&l9;</export>'
    )
    cp1252 = xml_bytes.replace("Павел".encode(), "Pavél".encode("cp1252"))
    cases = {
        "truncated": (xml_bytes[: len(xml_bytes) // 2], r"line \d+, column \d+: malformed XML"),
        "empty": (b"", "byte 0: the file is empty"),
        "html": (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "an HTML page"),
        "xxe": (xxe, "line 2: a DOCTYPE declaration is not allowed"),
        "billion laughs": (bomb.encode(), "DOCTYPE declaration is not allowed"),
        "wrong encoding": (cp1252, "malformed XML"),
        "wrong root": (b'<?xml version="1.0"?><sdnList/>', "root element: expected export"),
    }
    for case, (data, message) in cases.items():
        with pytest.raises(SourceFormatError, match=message) as info:
            eu_fsf.parse_xml({XML: data})
        assert info.value.file == XML, case


def test_xml_duplicate_logical_id_refused(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(
        b'euReferenceNumber="EU.4207.13" logicalId="6912"',
        b'euReferenceNumber="EU.4207.13" logicalId="139011"',
    )
    with pytest.raises(
        SourceFormatError,
        match=r"sanctionEntity 2 \(logicalId 139011\): duplicate logicalId 139011 "
        r"\(first at sanctionEntity 1\)",
    ):
        eu_fsf.parse_xml({XML: data})


# --- real records: the XML 1.1 of 2026-08-05, field by field -----------------------------------


def test_real_xml_parsed_without_unknowns(real: ParseResult) -> None:
    assert real.unknowns == []
    assert real.tables["rejects"].height == 0
    assert real.entry_count == 4
    assert real.published_at == date(2026, 8, 5)
    assert real.staged["file"].select("generation_date", "global_file_id").row(0) == (
        "2026-08-05T16:47:04.449+02:00",
        "184961",
    )
    entities = real.tables["entities"].select(
        "entity_id", "entity_type", "primary_name", "listed_on", "last_updated", "remarks"
    )
    assert entities.rows() == [
        ("eu_fsf-13", "person", "Saddam Hussein Al-Tikriti", None, date(2003, 7, 8), "UNSC RESOLUTION 1483"),
        ("eu_fsf-191", "person", "Henin Ashraf Refaat Nabith", None, date(2025, 1, 31), None),
        ("eu_fsf-980", "organization", "Global Relief Foundation (GRF)", None, date(2014, 4, 1), None),
        ("eu_fsf-330", "organization", "Al-Rasheed Trust", date(2001, 10, 6), date(2024, 1, 15), None),
    ]  # fmt: skip
    assert real.counts() == {
        "entities": 4, "names": 23, "identifiers": 12, "addresses": 13, "birth_dates": 3,
        "birth_places": 2, "countries": 1, "sanctions": 4, "attributes": 3, "relationships": 0,
        "rejects": 0,
    }  # fmt: skip
    assert validate(MODELS, real.tables) == []
    assert validate(STAGED_MODELS, real.staged) == []


def test_real_xml_saddam_hussein(real: ParseResult) -> None:
    eid = "eu_fsf-13"
    names = rows(real, "names", eid).select(
        "name", "name_type", "quality", "language", "given_name", "family_name"
    )
    assert names.rows() == [
        ("Saddam Hussein Al-Tikriti", "primary", "strong", None, "Saddam", "Hussein Al-Tikriti"),
        ("Abu Ali", "alias", "strong", None, None, None),
        ("Abou Ali", "alias", "strong", "FR", None, None),
    ]
    # the EU reference is the list's own; `unitedNationId=""` gives no UN reference
    assert rows(real, "identifiers", eid).select("id_type", "value").rows() == [
        ("list_reference", "EU.27.28")
    ]
    birth = rows(real, "birth_dates", eid).select("raw", "date_from", "precision", "circa")
    assert birth.rows() == [("1937-04-28", date(1937, 4, 28), "day", False)]
    assert rows(real, "birth_places", eid).select("place", "country_code").rows() == [
        ("al-Awja, near Tikrit", "IQ")
    ]
    assert rows(real, "countries", eid).select("country_code", "raw", "relation").rows() == [
        ("IQ", "IRAQ", "citizenship")
    ]
    assert column(real, "attributes", eid, "value") == ["M"]  # gender, carried on a name
    sanction = rows(real, "sanctions", eid).select("program", "legal_basis", "listed_on")
    # a `regulation` (not an amendment) and no designationDate: its publication lists the party
    assert sanction.rows() == [("IRQ", "1210/2003 (OJ L169)", date(2003, 7, 8))]


def test_real_xml_passport_of_unknown_country(real: ParseResult) -> None:
    eid = "eu_fsf-191"
    passport = rows(real, "identifiers", eid).filter(pl.col("id_type") == "passport")
    # countryIso2Code `00` / UNKNOWN: no code, the words kept; no flag set, so no note
    assert passport.select("value", "normalized", "label", "country_code", "country_raw", "note").rows() == [
        ("488555", "488555", "National passport", None, "UNKNOWN", None)
    ]  # fmt: skip
    assert rows(real, "names", eid).height == 7
    # the publisher marks no primary name: the first strong name without a language or in English
    assert rows(real, "names", eid).filter(pl.col("name_type") == "primary")["name"].to_list() == [
        "Henin Ashraf Refaat Nabith"
    ]
    births = rows(real, "birth_dates", eid).select("raw", "precision").rows()
    assert births == [("1965-04-14", "day"), ("1964-03-01", "day")]
    # city `-` says nothing: the place is the country; two dates, one place
    assert rows(real, "birth_places", eid).select("place", "country_code").rows() == [
        ("PAKISTAN", "PK")
    ]
    # only an amendment of 2025 is given and no designationDate: the listing date is unknown
    sanction = rows(real, "sanctions", eid).select("program", "legal_basis", "listed_on")
    assert sanction.rows() == [("TERR", "2025/206 (L 202500206)", None)]


def test_real_xml_po_box_in_zip_code(real: ParseResult) -> None:
    addresses = rows(real, "addresses", "eu_fsf-980").select(
        "full_address", "street", "city", "postal_code", "country_code", "note"
    )
    assert addresses.rows() == [
        # published as zipCode="PO Box 1406 - 60455", poBox=""
        ("PO Box 1406, Bridgeview, Illinois, 60455, UNITED STATES", None, "Bridgeview, Illinois",
         "60455", "US", "PO Box 1406"),
        ("9935 South 76th Avenue, Unit 1, Bridgeview, Illinois, 60455, UNITED STATES",
         "9935 South 76th Avenue, Unit 1", "Bridgeview, Illinois", "60455", "US", None),
    ]  # fmt: skip


def test_real_xml_contacts_names_and_remark(real: ParseResult) -> None:
    eid = "eu_fsf-330"
    assert rows(real, "names", eid).height == 12
    bulgarian = rows(real, "names", eid).filter(pl.col("language") == "BG")
    assert bulgarian.select("name", "script").rows() == [
        ("Организация за подпомагане на Ulema, Пакистан", "Cyrillic")
    ]
    phones = rows(real, "identifiers", eid).filter(pl.col("id_type") == "phone")
    # `668 33 01; 0300- 820 91 99` is two numbers; the FAX is a phone number labelled FAX
    assert phones.select("label", "value", "normalized").rows() == [
        ("PHONE", "497 92 63", "4979263"),
        ("PHONE", "262 38 18-19", "262381819"),
        ("PHONE", "587-25 45", "5872545"),
        ("PHONE", "668 33 01", "6683301"),
        ("PHONE", "0300- 820 91 99", "03008209199"),
        ("FAX", "662 38 14", "6623814"),
        ("PHONE", "042-681 20 81", "0426812081"),
    ]
    addresses = rows(real, "addresses", eid)
    assert addresses.height == 11
    assert set(addresses["country_code"]) == {"PK"}
    swat = addresses.filter(pl.col("region") == "Swat").row(0, named=True)
    assert (swat["city"], swat["street"]) == (
        "Mingora",
        "Office Dha’rbi-M’unin, Top Floor, Dr. Dawa Khan Dental Clinic Surgeon, Main Baxae,Mingora",
    )
    # the multi-line remark of nameAlias 908 (lines with trailing spaces) is about the entity:
    # kept whole; compared word by word, whether or not whitespace inside values is normalised
    remark = column(real, "attributes", eid, "value")
    assert len(remark) == 1
    words = " ".join(remark[0].split())
    assert words.startswith("Banned in Pakistan since October 2001. Reportedly defunct.")
    assert "Associated with Jaish-i-Mohammed. Operations in Afghanistan: Herat," in words
    assert "'Aid Organization of the Ulema, Pakistan' (listed on 24.4.2002" in words.replace(
        "‘", "'"
    ).replace("’", "'")
    assert words.endswith("entry on 21 October 2008.")
    sanction = rows(real, "sanctions", eid).select("program", "legal_basis", "listed_on")
    # the 2024 act is an amendment: the party's designationDate is its listing date
    assert sanction.rows() == [("TAQA", "2024/328 (OJ L15012024)", date(2001, 10, 6))]


def test_real_xml_regulation_details_staged(real: ParseResult) -> None:
    """What the canonical tables have no column for stays in the staged frames."""
    regs = real.staged["regulations"].select(
        "entity_logical_id", "regulation_type", "organisation_type", "entry_into_force_date"
    )
    assert regs.rows() == [
        ("13", "regulation", "commission", "2003-07-07"),
        ("191", "amendment", "council", "2025-02-01"),
        ("980", "amendment", "commission", "2014-03-31"),
        ("330", "amendment", "commission", "2024-01-16"),
    ]
    summaries = real.staged["names"].filter(pl.col("entity_logical_id") == "191")
    assert summaries["reg_number_title"].to_list() == [
        "2025/206 (L 202500206)", "2025/206 (L 202500206)", "2022/1230 (OJ L190)",
        "2024/329 (OJ L16012024)", "2022/1230 (OJ L190)", "2024/329 (OJ L16012024)",
        "2022/1230 (OJ L190)",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("zip_code", "po_box", "expected"),
    [
        ('zipCode="P.O. Box 55"', 'poBox=""', (None, "PO Box 55")),
        ('zipCode="PO BOX 1406, 60455"', 'poBox=""', ("60455", "PO Box 1406")),
        ('zipCode="60455"', 'poBox=""', ("60455", None)),
        # a poBox of its own: the zipCode is left as published
        ('zipCode="PO Box 1406 - 60455"', 'poBox="7"', ("PO Box 1406 - 60455", "PO Box 7")),
    ],
)
def test_po_box_written_into_zip_code(
    fixtures: Path, zip_code: str, po_box: str, expected: tuple[str | None, str | None]
) -> None:
    data = (fixtures / "eu_fsf" / REAL).read_text(encoding="utf-8")
    original = 'poBox="" zipCode="PO Box 1406 - 60455"'
    assert data.count(original) == 1
    result = eu_fsf.parse_xml({XML: data.replace(original, f"{po_box} {zip_code}").encode()})
    first = rows(result, "addresses", "eu_fsf-980").row(0, named=True)
    assert (first["postal_code"], first["note"]) == expected
