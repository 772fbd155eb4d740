"""OFSI canonical mapping: full snapshots (counts, a person, a ship, Windows-1252), the three 2022 layouts agreeing, party-level values, rejects of bad parties, historic UN references."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from assets.gb_ofsi import SPEC
from core.canonical import ParseResult
from core.errors import SourceFormatError
from gb_ofsi import parse_conlist_csv
from schemas.canonical import MODELS
from schemas.validate import validate
from tests.gb_ofsi import (
    CSV,
    LEGACY,
    XLSX,
    XML,
    by_type,
    edit_rows,
    entries_accounted,
    rows_accounted,
    rows_of,
)

# --- full snapshots: counts, a person, a ship, Windows-1252 ----------------------------------


def test_2025_xlsx_counts(full: dict[str, ParseResult]) -> None:
    result = full["2025"]
    assert result.published_at == date(2025, 4, 14)
    assert result.entry_count == 4_688
    assert by_type(result) == {"person": 3_663, "organization": 1_010, "vessel": 15}
    assert result.file_rows == {XLSX: 18_798}
    assert rows_accounted(result, XLSX) == (18_798, 18_798)
    assert result.tables["rejects"].height == 0
    assert entries_accounted(result)
    assert result.tables["sanctions"].get_column("program").n_unique() == 31


def test_2023_xlsx_counts(full: dict[str, ParseResult]) -> None:
    result = full["2023"]
    assert result.published_at == date(2023, 6, 5)
    assert result.entry_count == 3_993
    assert by_type(result) == {"person": 3_231, "organization": 747, "vessel": 15}
    assert rows_accounted(result, XLSX) == (16_823, 16_823)
    assert result.unknowns == []


def test_2018_legacy_counts(full: dict[str, ParseResult]) -> None:
    result = full["2018"]
    assert result.published_at == date(2018, 4, 13)
    assert result.entry_count == 2_106
    assert by_type(result) == {"person": 1_426, "organization": 680}
    assert rows_accounted(result, LEGACY) == (9_487, 9_487)
    assert entries_accounted(result)


def test_an_individual_with_year_only_birth_date(full: dict[str, ParseResult]) -> None:
    result = full["2025"]
    entity = rows_of(result, "entities", "6923").row(0, named=True)
    assert entity["entity_type"] == "person"
    assert entity["primary_name"] == "Nashwan Abd Al-Razzaq ABD AL-BAQI"
    assert entity["listed_on"] == date(2001, 10, 10)
    assert entity["last_updated"] == date(2020, 12, 31)
    assert entity["remarks"].startswith("Joined Al-Qaida in 1996")
    assert "(UN Ref)" not in entity["remarks"] and "(Gender)" not in entity["remarks"]
    dob = rows_of(result, "birth_dates", "6923").row(0, named=True)
    assert (dob["raw"], dob["precision"]) == ("00/00/1961", "year")
    assert (dob["date_from"], dob["date_to"]) == (date(1961, 1, 1), date(1961, 12, 31))
    nationality = rows_of(result, "countries", "6923").filter(pl.col("relation") == "nationality")
    assert nationality.select("country_code", "raw").rows() == [("IQ", "Iraq")]
    ids = dict(rows_of(result, "identifiers", "6923").select("id_type", "normalized").iter_rows())
    assert ids["list_reference"] == "AQD0271"
    assert ids["un_reference"] == "QDI.012"
    un = rows_of(result, "identifiers", "6923").filter(pl.col("id_type") == "un_reference")
    assert un.get_column("value").to_list() == ["QDi.012"]
    names = rows_of(result, "names", "6923")
    assert names.filter(pl.col("name_type") == "original_script").get_column("name").to_list() == [
        "نشوان عبد الرزاق عبد الباقي"
    ]
    assert names.filter(pl.col("name") == "Abu AYUB").get_column("quality").to_list() == ["low"]
    assert rows_of(result, "sanctions", "6923").select("authority", "program").rows() == [
        ("UK OFSI", "ISIL (Da'esh) and Al-Qaida")
    ]


def test_a_month_precision_birth_date(full: dict[str, ParseResult]) -> None:
    dob = rows_of(full["2025"], "birth_dates", "15611").row(0, named=True)
    assert (dob["raw"], dob["precision"]) == ("00/05/1964", "month")
    assert (dob["date_from"], dob["date_to"]) == (date(1964, 5, 1), date(1964, 5, 31))


def test_a_ship_with_its_imo_number(full: dict[str, ParseResult]) -> None:
    result = full["2025"]
    ship = rows_of(result, "entities", "13647").row(0, named=True)
    assert (ship["entity_type"], ship["primary_name"]) == ("vessel", "CHON MYONG 1")
    imo = rows_of(result, "identifiers", "13647").filter(pl.col("id_type") == "imo")
    assert imo.select("value", "normalized").rows() == [("8712362", "8712362")]
    flag = rows_of(result, "countries", "13647").filter(pl.col("relation") == "flag")
    assert flag.select("country_code", "raw").rows() == [("KP", "North Korea")]
    attributes = dict(
        rows_of(result, "attributes", "13647").select("attribute", "value").iter_rows()
    )
    assert attributes["vessel_type"] == "Oil tanker"
    assert attributes["vessel_owner"] == "Chonmyong Shipping Co"
    assert attributes["vessel_year_built"] == "1987"
    assert rows_of(result, "names", "13647").height == 9
    assert result.tables["identifiers"].filter(pl.col("id_type") == "imo").height == 15


def test_document_issuer_read_from_its_note(full: dict[str, ParseResult]) -> None:
    ids = full["2025"].tables["identifiers"]
    docs = ids.filter(pl.col("id_type").is_in(["passport", "national_id"]))
    # the issuing country of 427 of 1,026 documents: 109 notes that are just a country, the
    # rest named in words; the note stays whole beside the code
    assert docs.height == 1_026
    assert docs["country_code"].is_not_null().sum() == 427
    ri = docs.filter(pl.col("entity_id") == "gb_ofsi-13573", pl.col("id_type") == "passport")
    assert ri.select("value", "country_code", "country_raw").row(0) == (
        "654234735",
        "KP",
        "Issued by the Democratic People's Republic of Korea",
    )
    boshab = docs.filter(pl.col("entity_id") == "gb_ofsi-13459", pl.col("id_type") == "passport")
    assert boshab["country_code"].to_list() == ["CD"]  # "(Congo, Democratic Republic of the)"
    # a note naming no country leaves the issuer unknown
    undated = docs.filter(pl.col("note") == "Issued on 8 Nov 2012")
    assert undated.height >= 1 and undated["country_code"].is_null().all()


def test_windows_1252_text_is_decoded(full: dict[str, ParseResult]) -> None:
    result = full["2018"]
    en_dash = rows_of(result, "entities", "8787").row(0, named=True)["remarks"]
    assert "height: 5 feet 6 inches – 168 cm" in en_dash
    curly = rows_of(result, "entities", "12999").row(0, named=True)["remarks"]
    assert "the “Fundamental” splinter" in curly
    assert "â€" not in "".join(result.tables["entities"].get_column("remarks").drop_nulls())
    ids = rows_of(result, "identifiers", "13562").filter(pl.col("id_type") == "un_reference")
    assert ids.select("value", "normalized").rows() == [("KPI.067", "KPI.067")]


@pytest.mark.parametrize("year", ["2025", "2023", "2018"])
def test_snapshot_output_passes_the_canonical_schemas(
    full: dict[str, ParseResult], year: str
) -> None:
    result = full[year]
    assert validate(MODELS, result.stamp(f"gb_ofsi-test-{year}").tables) == []
    assert validate(SPEC.format(result.format).staged_models, result.staged) == []


# --- fixtures: the three 2022 layouts agree, party-level values --------------------------------


def _comparable(result: ParseResult, table: str) -> pl.DataFrame:
    df = result.tables[table].drop("source", "publication_id")
    df = df.drop("origin") if "origin" in df.columns else df
    if table == "attributes":  # the XML writes this date as an ISO datetime
        df = df.filter(pl.col("attribute") != "uk_sanctions_list_date_designated")
    return df.sort(df.columns, nulls_last=True)


@pytest.mark.parametrize("other", ["csv", "xml"])
def test_2022_layouts_give_the_same_tables(excerpt: dict[str, ParseResult], other: str) -> None:
    for table in excerpt["xlsx"].tables:
        assert _comparable(excerpt["xlsx"], table).equals(_comparable(excerpt[other], table)), table
    assert excerpt["xlsx"].entry_count == excerpt[other].entry_count == 12


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "xml", "csv_legacy"])
def test_excerpts_validate_and_account(excerpt: dict[str, ParseResult], fmt: str) -> None:
    result = excerpt[fmt]
    file = {"xlsx": XLSX, "csv": CSV, "xml": XML, "csv_legacy": LEGACY}[fmt]
    declared, found = rows_accounted(result, file)
    assert declared == found == (69 if fmt == "csv_legacy" else 52)
    assert entries_accounted(result)
    assert validate(MODELS, result.stamp("p").tables) == []
    assert validate(SPEC.format(fmt).staged_models, result.staged) == []


def test_staged_models_are_strict(excerpt: dict[str, ParseResult]) -> None:
    rows = excerpt["csv"].staged["rows"]
    models = SPEC.format("csv").staged_models
    assert validate(models, {"rows": rows.with_columns(extra=pl.lit("x"))})
    assert validate(models, {"rows": rows.with_columns(group_type=pl.lit("Aircraft"))})
    assert validate(models, {"rows": rows.with_columns(alias_quality=pl.lit("Medium quality"))})


def test_xml_has_no_date_of_its_own(excerpt: dict[str, ParseResult]) -> None:
    assert excerpt["xml"].published_at is None
    assert excerpt["csv"].published_at == excerpt["xlsx"].published_at == date(2025, 4, 14)


def test_cross_product_rows_keep_each_value_once(excerpt: dict[str, ParseResult]) -> None:
    result = excerpt["xlsx"]
    # 8 published rows (2 names × 2 dates of birth × 2 addresses) → each name variant once
    assert rows_of(result, "names", "12206").height == 2
    assert rows_of(result, "names", "12206").get_column("name").n_unique() == 2
    assert result.merged_rows == {"ConList.xlsx": 8}
    assert sorted(rows_of(result, "birth_dates", "12206").get_column("raw")) == [
        "06/03/1955",
        "15/03/1955",
    ]
    assert rows_of(result, "addresses", "12206").height == 2
    nationalities = (
        rows_of(result, "countries", "12206").select("country_code", "raw").sort("raw").rows()
    )
    assert nationalities == [("IR", "Iran"), ("US", "United States")]


def test_one_designation_per_regime(excerpt: dict[str, ParseResult]) -> None:
    result = excerpt["xlsx"]
    sanctions = (
        rows_of(result, "sanctions", "11788").select("program", "listed_on").sort("program").rows()
    )
    assert sanctions == [("Iran", date(2011, 4, 14)), ("Syria", date(2011, 6, 24))]
    assert rows_of(result, "entities", "11788").get_column("listed_on").to_list() == [
        date(2011, 4, 14)
    ]
    assert rows_of(result, "birth_dates", "11788").select("raw", "precision").rows() == [
        ("1963", "year")
    ]


def test_mm_yyyy_birth_date(excerpt: dict[str, ParseResult]) -> None:
    dob = rows_of(excerpt["xlsx"], "birth_dates", "13754").row(0, named=True)
    assert (dob["raw"], dob["precision"], dob["date_to"]) == ("09/1962", "month", date(1962, 9, 30))


def test_identical_rows_are_legitimate_variants(excerpt: dict[str, ParseResult]) -> None:
    """OFSI repeats whole rows (56 in the 2025 list): a repeated row is folded, not a new name."""
    result = excerpt["xlsx"]
    names = rows_of(result, "names", "15044")
    assert names.height == 6
    assert names.filter(pl.col("name").is_duplicated()).height == 0
    assert rows_of(result, "entities", "15044").height == 1


def test_party_without_primary_name_row(excerpt: dict[str, ParseResult]) -> None:
    result = excerpt["xlsx"]
    entity = rows_of(result, "entities", "16789").row(0, named=True)
    assert entity["primary_name"] == "PREMERA (H.K.) INTERNATIONAL CO, LIMITED"
    assert rows_of(result, "names", "16789").get_column("name_type").sort().to_list() == [
        "alias",
        "original_script",
    ]


def test_enumerated_documents_pair_numbers_with_details(excerpt: dict[str, ParseResult]) -> None:
    ids = rows_of(excerpt["xlsx"], "identifiers", "14766")
    passports = (
        ids.filter(pl.col("id_type") == "passport").select("value", "note").sort("value").rows()
    )
    assert passports == [
        ("3950952", "Russian citizen foreign passport"),
        ("5803989141", "Russian citizen passport"),
    ]
    national = (
        ids.filter(pl.col("id_type") == "national_id").select("value", "note").sort("value").rows()
    )
    assert national == [
        ("262404751144", "Tax Identification Number"),
        ("M-209", "Wagner Group identification number"),
    ]


def test_entity_contact_details_and_parent(excerpt: dict[str, ParseResult]) -> None:
    result = excerpt["xlsx"]
    ids = dict(rows_of(result, "identifiers", "16242").select("id_type", "normalized").iter_rows())
    assert ids == {
        "list_reference": "RUS2020",
        "phone": "+73414565385",
        "website": "www.vzavod.ru",
        "registration": "1101828001000",
    }
    parents = rows_of(result, "relationships", "16242").select("to_name", "relation").rows()
    assert parents == [("Moscow Institute of Thermal Technology", "parent_company")]
    # `(Phone number):(Fax): … (Tel): …` — the sub-labels name each number.
    phones = rows_of(result, "identifiers", "14082").filter(pl.col("id_type") == "phone")
    assert sorted(phones.select("label", "normalized").rows()) == [
        ("Fax", "+375172134163"),
        ("Tel", "+375172154051"),
    ]
    assert (
        rows_of(result, "relationships", "14082").filter(pl.col("relation") == "subsidiary").height
        == 5
    )


def test_conflicting_group_type_rejects_the_party(raw: dict[str, bytes]) -> None:
    """A Group ID whose rows disagree on Group Type is not one party: the group is rejected,
    its rows are still all accounted for (one entry reject + one row reject per further row)."""
    changed = edit_rows(raw[CSV], "12206", "Group Type", "Entity", only_first=True)
    result = parse_conlist_csv(CSV, changed)
    rejects = result.tables["rejects"]
    assert rejects.filter(pl.col("kind") == "entry").get_column("reason").to_list() == [
        "conflicting Group Type: Entity, Individual"
    ]
    assert rejects.filter(pl.col("kind") == "row").height == 7
    assert rows_of(result, "entities", "12206").height == 0
    assert rows_of(result, "names", "12206").height == 0
    assert entries_accounted(result)
    assert rows_accounted(result, CSV) == (52, 52)
    assert "conflicting Group Type" in [u.what for u in result.unknowns]


def test_unknown_group_type_rejects_the_party(raw: dict[str, bytes]) -> None:
    result = parse_conlist_csv(CSV, edit_rows(raw[CSV], "13647", "Group Type", "Aircraft"))
    entry = result.tables["rejects"].filter(pl.col("kind") == "entry").row(0, named=True)
    assert entry["reason"] == "unknown Group Type: Aircraft"
    assert ("Group Type", "Aircraft") in [(u.what, u.value) for u in result.unknowns]
    assert rows_accounted(result, CSV) == (52, 52)


def test_unknown_alias_type_rejects_the_name(raw: dict[str, bytes]) -> None:
    result = parse_conlist_csv(
        CSV, edit_rows(raw[CSV], "8384", "Alias Type", "Nickname", only_first=True)
    )
    names = result.tables["rejects"].filter(pl.col("kind") == "name")
    assert names.get_column("reason").to_list() == ["unknown Alias Type 'Nickname'"]
    assert rows_accounted(result, CSV) == (52, 52)
    assert rows_of(result, "entities", "8384").height == 1


def test_conflicting_party_field_is_reported_and_both_kept(raw: dict[str, bytes]) -> None:
    result = parse_conlist_csv(
        CSV, edit_rows(raw[CSV], "8384", "Nationality", "Iran", only_first=True)
    )
    conflicts = [u for u in result.unknowns if u.what == "conflicting nationality"]
    assert len(conflicts) == 1 and set(conflicts[0].value.split(" | ")) == {"Iraq", "Iran"}
    assert sorted(rows_of(result, "countries", "8384").get_column("country_code")) == ["IQ", "IR"]


def test_unknown_other_information_label_is_reported(raw: dict[str, bytes]) -> None:
    changed = raw[CSV].replace(b"(Gender):Male", b"(Eye colour):brown (Gender):Male", 1)
    result = parse_conlist_csv(CSV, changed)
    assert ("Other Information label", "Eye colour") in [(u.what, u.value) for u in result.unknowns]


def test_row_without_group_id_is_refused(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="Group ID 'x12' is not a number"):
        parse_conlist_csv(CSV, edit_rows(raw[CSV], "8384", "Group ID", "x12", only_first=True))


def test_2018_historic_un_references(full: dict[str, ParseResult]) -> None:
    # the 2018 CSV writes the UN references in their pre-2011 and committee forms: each is
    # kept as published and normalised to today's reference where the mapping is certain
    result = full["2018"]
    ids = result.tables["identifiers"].filter(pl.col("id_type") == "un_reference")
    got = {
        r[0].removeprefix("gb_ofsi-"): r[1:]
        for r in ids.select("entity_id", "value", "normalized").iter_rows()
    }
    assert got["6923"] == ("QI.A.12.01", "QDI.012")  # QDi.012 in the 2025 XLSX (same Group ID)
    assert got["13188"] == ("QE.A.146.14", "QDE.146")
    assert got["12156"] == ("TI.A.155.11", "TAI.155")
    assert got["12704"] == ("TE.R.11.12", "TAE.011")
    assert got["11743"] == ("Q.I.A.291.11", "QDI.291")
    assert got["13539"] == ("QD1.410", "QDI.410")
    # Iran committee numbers have no certain current form: kept, linked by the UN's comments
    assert got["10657"] == ("E.29.I.11", "E.29.I.11")
    assert got["12492"] == ("I.AC.50.20.12.12.(1)", "I.AC.50.20.12.12.(1)")
    assert got["10443"] == ("E.03.III.3", "E.03.III.3")
    assert ids.height == 669
    assert ids.filter(pl.col("normalized").str.contains(r"^[A-Z]{3}\.\d{3}$")).height == 622
