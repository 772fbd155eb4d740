"""FCDO canonical mapping: what the written XML / CSV sample (nine real OFSI parties in the documented layout) gives, and the two formats agreeing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from assets.factory import compare_formats
from core.canonical import ParseResult
from resources.staging import write_publication
from schemas.canonical import MODELS
from schemas.gb_fcdo import CSV_MODELS, XML_MODELS
from schemas.validate import validate
from tests.gb_fcdo import PARTIES, RUSSIA, attrs, ids, rows

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
