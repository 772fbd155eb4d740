"""EU FSF CSV 1.0: the real 2018 excerpt (shipped snapshot and a cut of it), and bad input."""

from __future__ import annotations

import json
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
from tests.eu_fsf import LEGACY, column, rows

# --- the real 2018 excerpt (CSV 1.0, re-saved) ----------------------------------------------


def test_excerpt_entities_by_type(legacy: ParseResult) -> None:
    assert legacy.entry_count == 93
    assert legacy.published_at == date(2018, 7, 4)
    by_type = dict(legacy.tables["entities"].group_by("entity_type").len().iter_rows())
    assert by_type == {"person": 61, "organization": 32}
    assert legacy.tables["rejects"].filter(pl.col("kind") == "entry").height == 0
    assert legacy.unknowns == []


def test_excerpt_every_fact_row_accounted(legacy: ParseResult) -> None:
    staged, tables = legacy.staged, legacy.tables
    rejects = dict(tables["rejects"].group_by("kind").len().iter_rows())
    assert staged["names"].height == 799 == tables["names"].height + rejects["name"]
    assert tables["names"].height == 634
    assert staged["addresses"].height == tables["addresses"].height == 37
    assert staged["citizenships"].height == tables["countries"].height == 59
    # 95 birth records: 15 dated, 78 with a place only, 2 carrying nothing (N/A, no place)
    assert staged["birthdates"].height == 95
    assert tables["birth_dates"].height == 15
    assert rejects["row"] == 2
    assert staged["identifications"].height == 9
    ids = dict(tables["identifiers"].group_by("id_type").len().iter_rows())
    assert ids == {"list_reference": 93, "passport": 2, "national_id": 1, "other": 6, "phone": 7}


def test_excerpt_mugabe(legacy: ParseResult) -> None:
    eid = "eu_fsf-1"
    entity = rows(legacy, "entities", eid).row(0, named=True)
    assert entity["entity_type"] == "person"
    assert entity["primary_name"] == "Robert Gabriel Mugabe"
    assert entity["last_updated"] == date(2018, 2, 16)
    # v1.0 writes a line break inside a value as `\n`: stored as one space, kept in `published`
    assert entity["remarks"].startswith("(Date of UN designation: 2002-02-21) (Date of designation")
    assert json.loads(entity["published"])["remarks"].startswith(
        "(Date of UN designation: 2002-02-21)\n(Date of designation"
    )
    primary = rows(legacy, "names", eid).filter(pl.col("name_type") == "primary").row(0, named=True)
    assert (primary["given_name"], primary["family_name"]) == ("Robert Gabriel", "Mugabe")
    births = rows(legacy, "birth_dates", eid)
    assert set(births["date_from"].to_list()) == {date(1924, 2, 21)}
    assert set(births["precision"].to_list()) == {"day"}
    assert column(legacy, "birth_places", eid, "place") == ["Kutama"]
    passport = rows(legacy, "identifiers", eid).filter(pl.col("id_type") == "passport")
    assert passport["value"].to_list() == ["AD001095"]
    assert passport["label"].to_list() == ["National passport"]
    sanctions = rows(legacy, "sanctions", eid)
    assert set(sanctions["legal_basis"].to_list()) == {"2018/223 (OJ L43)", "1643/2002 (OJ L247)"}
    assert set(sanctions["program"].to_list()) == {"ZWE"}
    assert date(2002, 9, 13) in sanctions["listed_on"].to_list()
    refs = rows(legacy, "identifiers", eid).filter(pl.col("id_type") == "list_reference")
    assert refs["value"].to_list() == ["EU.36.64"]


def test_excerpt_saddam_hussein(legacy: ParseResult) -> None:
    eid = "eu_fsf-13"
    names = rows(legacy, "names", eid)
    assert names.select("name", "name_type", "language").rows() == [
        ("Saddam Hussein Al-Tikriti", "primary", None),
        ("Abu Ali", "alias", None),
        ("Abou Ali", "alias", "FR"),
    ]
    assert column(legacy, "birth_dates", eid, "raw") == ["1937-04-28"]
    # the spreadsheet turned the comma into a tab; it is restored
    place = rows(legacy, "birth_places", eid).row(0, named=True)
    assert (place["place"], place["country_code"]) == ("al-Awja, near Tikrit", "IQ")
    citizenship = rows(legacy, "countries", eid).row(0, named=True)
    assert (citizenship["country_code"], citizenship["raw"], citizenship["relation"]) == (
        "IQ",
        "IRQ",
        "citizenship",
    )


def test_excerpt_windows_1252_decoded(legacy: ParseResult) -> None:
    file = legacy.staged["file"].row(0, named=True)
    assert (file["layout"], file["encoding"]) == ("csv_1_0_resaved", "windows-1252")
    # 0xEF → ï, 0x92 → ’ (right single quotation mark)
    assert "Qoussaï Saddam Hussein Al-Tikriti" in column(legacy, "names", "eu_fsf-20", "name")
    streets = column(legacy, "addresses", "eu_fsf-330", "street")
    assert "Office Dha’rbi-M’unin, Opposite Khyber Bank, Abbottabad Road" in streets


def test_excerpt_letters_lost_in_resave_are_rejected(legacy: ParseResult) -> None:
    names = legacy.tables["names"]
    assert names.filter(pl.col("name").str.contains("?", literal=True)).height == 0
    lost = legacy.tables["rejects"].filter(pl.col("kind") == "name")
    assert lost.height == 165
    assert (
        lost.filter(pl.col("raw").str.contains("Revolu?ní rada Fatáhu", literal=True)).height == 1
    )
    # the Latin-script names of the same party are kept
    assert "Abu Nidal Organisation" in column(legacy, "names", "eu_fsf-201", "name")


def test_excerpt_quoted_value_with_semicolon(legacy: ParseResult) -> None:
    functions = rows(legacy, "attributes", "eu_fsf-43").filter(pl.col("attribute") == "function")
    assert "Former Governor of Karbala and An Najaf;" in functions["value"].to_list()


def test_excerpt_contacts_and_packed_documents(legacy: ParseResult) -> None:
    phones = rows(legacy, "identifiers", "eu_fsf-330").filter(pl.col("id_type") == "phone")
    assert ("PHONE", "0300-820 91 99", "03008209199") in phones.select(
        "label", "value", "normalized"
    ).rows()
    assert ("FAX", "662 38 14") in phones.select("label", "value").rows()
    document = rows(legacy, "identifiers", "eu_fsf-93").filter(pl.col("value") == "33301/862")
    assert document.select("id_type", "label", "note").row(0) == (
        "other",
        "Other identification number",
        "issued: 17 october 1997 expires: 1 october 2005",
    )


def test_excerpt_schema_valid(legacy: ParseResult) -> None:
    assert validate(MODELS, legacy.tables) == []
    assert validate(STAGED_MODELS, legacy.staged) == []


def test_excerpt_fixture_matches_snapshot(fixtures: Path, legacy: ParseResult) -> None:
    cut = eu_fsf.parse_legacy_file(
        LEGACY, (fixtures / "eu_fsf" / "csvFullSanctionsList_excerpt.csv").read_bytes()
    )
    entities = cut.tables["entities"].drop("source", "publication_id")
    expected = (
        legacy.tables["entities"]
        .drop("source", "publication_id")
        .join(entities.select("entity_id"), on="entity_id", how="semi")
    )
    assert entities["entity_id"].to_list() == [f"eu_fsf-{i}" for i in (1, 13, 43, 92, 207, 330)]
    assert_frame_equal(entities, expected)


def test_legacy_bad_input(snapshot_bytes: bytes, fixtures: Path) -> None:
    excerpt = (fixtures / "eu_fsf" / "csvFullSanctionsList_excerpt.csv").read_bytes()
    lines = excerpt.split(b"\n")
    plain = "\n".join(
        line[1:-1].rstrip("\t").replace("\t", ",").replace('""', '"')
        for line in excerpt.decode("cp1252").split("\n")[:-1]
    )
    short = plain.split("\n")
    plain += "\n"
    short[3] = short[3].rsplit(";", 1)[0]
    cases = {
        "truncated": (
            excerpt[: len(excerpt) - 500],
            r"line 67 \(end of file\): a quoted field is left open at the end of the file: the "
            r"file is truncated; the last complete record read is record 65 \(line 66\)",
        ),
        "empty": (b"", "byte 0: the file is empty"),
        "html": (b"<!doctype html><html></html>", "byte 0: an HTML page"),
        "changed header": (
            excerpt.replace(b"Naal_wholename", b"Naal_fullname", 1),
            r"line 1, column 18: changed header",
        ),
        "wrong encoding": (plain.encode("utf-16"), r"line 1: not an FSF 1.0 CSV"),
        "publisher layout in cp1252": (
            plain.encode("cp1252"),
            r"line \d+, column \d+ \(byte \d+\): not valid utf-8",
        ),
        "missing field": ("\n".join(short).encode() + b"\n", r"line 4: 58 fields, expected 59"),
        "duplicate logicalId": (
            b"\n".join([*lines[:2], lines[2].replace(b"EU.36.64", b"EU.99.99"), *lines[3:]]),
            r"Entity_LogicalId 1 \(records 2…6\): conflicting eu_reference_number",
        ),
    }
    for case, (data, message) in cases.items():
        with pytest.raises(SourceFormatError, match=message) as info:
            eu_fsf.parse_legacy({LEGACY: data})
        assert info.value.file == LEGACY, case


def test_legacy_publisher_layout_reads_like_the_resaved_copy(fixtures: Path) -> None:
    """The 1.0 file as the publisher served it (UTF-8, no quotes or padding) gives the same data."""
    excerpt = (fixtures / "eu_fsf" / "csvFullSanctionsList_excerpt.csv").read_bytes()
    plain = "\n".join(
        line[1:-1].rstrip("\t").replace("\t", ",").replace('""', '"')
        for line in excerpt.decode("cp1252").split("\n")[:-1]
    )
    plain += "\n"  # the publisher's file ends with a line break, like every real one
    resaved = eu_fsf.parse_legacy_file(LEGACY, excerpt)
    published = eu_fsf.parse_legacy_file(LEGACY, plain.encode("utf-8"))
    assert published.staged["file"]["layout"].to_list() == ["csv_1_0"]
    assert published.staged["file"]["encoding"].to_list() == ["utf-8"]
    assert_frame_equal(published.tables["entities"], resaved.tables["entities"])
    # outside the lossy re-save, a `?` in a name is not taken for a lost letter
    lost = resaved.tables["rejects"].filter(pl.col("kind") == "name").height
    assert lost > 0
    assert published.tables["names"].height == resaved.tables["names"].height + lost
