"""gb_ofsi: OFSI Consolidated List parsers (2022 XLSX/CSV/XML, pre-2022 CSV).

Full counts come from the shipped snapshots; behaviour and bad input from the small fixtures
in tests/fixtures/gb_ofsi (see its README: the XLSX and legacy CSV are cut from real files,
the 2022 CSV and XML are written from those rows).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from dagster import materialize

from assets import gb_ofsi
from assets.gb_ofsi import (
    SPEC,
    enumerated,
    parse_conlist_csv,
    parse_conlist_xlsx,
    parse_conlist_xml,
    parse_legacy_csv,
    parse_other_information,
)
from core.canonical import ParseResult
from core.errors import SourceFormatError
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from schemas.canonical import MODELS
from schemas.validate import validate

XLSX, CSV, XML, LEGACY = "ConList.xlsx", "ConList.csv", "ConList.xml", "sanctionsconlist.csv"
HTML = b"<!DOCTYPE html><html><head><title>Error</title></head><body>Not found</body></html>"


# --- shared parses ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_dir(fixtures: Path) -> Path:
    return fixtures / "gb_ofsi"


@pytest.fixture(scope="module")
def raw(fixture_dir: Path) -> dict[str, bytes]:
    return {
        XLSX: (fixture_dir / "ConList_excerpt.xlsx").read_bytes(),
        CSV: (fixture_dir / "ConList_excerpt.csv").read_bytes(),
        XML: (fixture_dir / "ConList_excerpt.xml").read_bytes(),
        LEGACY: (fixture_dir / "sanctionsconlist_excerpt.csv").read_bytes(),
    }


@pytest.fixture(scope="module")
def excerpt(raw: dict[str, bytes]) -> dict[str, ParseResult]:
    return {
        "xlsx": parse_conlist_xlsx(XLSX, raw[XLSX]),
        "csv": parse_conlist_csv(CSV, raw[CSV]),
        "xml": parse_conlist_xml(XML, raw[XML]),
        "csv_legacy": parse_legacy_csv(LEGACY, raw[LEGACY]),
    }


@pytest.fixture(scope="module")
def full(snapshots: Path) -> dict[str, ParseResult]:
    folder = snapshots / "gb_ofsi"
    return {
        "2025": parse_conlist_xlsx(XLSX, (folder / "2025-04-14" / XLSX).read_bytes()),
        "2023": parse_conlist_xlsx(XLSX, (folder / "2023-06-05" / XLSX).read_bytes()),
        "2018": parse_legacy_csv(LEGACY, (folder / "2018-04-13" / LEGACY).read_bytes()),
    }


def rows_of(result: ParseResult, table: str, entity: str) -> pl.DataFrame:
    df = result.tables[table]
    key = "from_entity_id" if table == "relationships" else "entity_id"
    return df.filter(pl.col(key) == f"gb_ofsi-{entity}")


def by_type(result: ParseResult) -> dict[str, int]:
    counts = result.tables["entities"].group_by("entity_type").len()
    return dict(counts.iter_rows())


def rows_accounted(result: ParseResult, file: str) -> tuple[int, int]:
    """(rows declared for `file`, rows found as origin == file or reject in file)."""
    taken = sum(
        df.filter(pl.col("origin") == file).height
        for name, df in result.tables.items()
        if name not in ("entities", "rejects")
    )
    rejected = result.tables["rejects"].filter(pl.col("file") == file).height
    merged = result.merged_rows.get(file, 0)  # rows folded into an identical names row
    return result.file_rows[file], taken + rejected + merged


def entries_accounted(result: ParseResult) -> bool:
    rejected = result.tables["rejects"].filter(pl.col("kind") == "entry").height
    return result.entry_count == result.tables["entities"].height + rejected


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def edit_rows(data: bytes, group: str, column: str, value: str, only_first: bool = False) -> bytes:
    """Set `column` of the rows of Group ID `group` in a 2022-layout CSV."""
    rows = csv_rows(data)
    index = rows[1].index(column)
    for row in rows[2:]:
        if row[-1] == group:
            row[index] = value
            if only_first:
                break
    return csv_bytes(rows)


def rezip(data: bytes, part: str, edit: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            payload = source.read(info)
            target.writestr(info, edit(payload) if info.filename == part else payload)
    return out.getvalue()


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


# --- small parsers ----------------------------------------------------------------------------


def test_other_information_labels() -> None:
    info = parse_other_information(
        "(UK Sanctions List Ref):RUS0001. Trust services. (UN Ref):QDi.001. "
        "Listed in 2001 (2008): x "
        "(Gender):Male (Hair colour):red (Phone number):(1) +7 1 (2) +7 2"
    )
    assert info.fields["uk_sanctions_list_ref"] == ["RUS0001"]
    assert info.fields["un_ref"] == ["QDi.001"]
    # An unknown label is reported and stays inside the value it interrupts.
    assert info.fields["gender"] == ["Male (Hair colour):red"]
    assert info.unknown_labels == ["Hair colour"]
    assert info.fields["phone_number"] == ["(1) +7 1 (2) +7 2"]
    assert info.remarks == "Trust services. Listed in 2001 (2008): x"


def test_other_information_unreadable_reference_is_kept() -> None:
    info = parse_other_information("(UN Ref):not a ref")
    assert "un_ref" not in info.fields
    assert info.unparsed == ["(UN Ref):not a ref"]


def test_enumerated_cells() -> None:
    assert enumerated("(1) Syria (2) Lebanon.") == ("Syria", "Lebanon")
    assert enumerated("1) Saudi Arabia 2) Qatar") == ("Saudi Arabia", "Qatar")
    assert enumerated("a) General, b) Minister") == ("General", "Minister")
    assert enumerated("(1) 6487 (2) - (3) 388181") == ("6487", "388181")
    assert enumerated("Resolution 1822 (2008)") == ("Resolution 1822 (2008)",)
    assert enumerated("-") == ()


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


def test_xlsx_truncated(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="not a zip archive") as error:
        parse_conlist_xlsx(XLSX, raw[XLSX][: len(raw[XLSX]) // 2])
    assert error.value.location == "zip central directory"


def test_xlsx_not_a_workbook() -> None:
    with pytest.raises(SourceFormatError, match="no zip signature"):
        parse_conlist_xlsx(XLSX, b"Last Updated,14/04/2025\nName 6,Name 1\n")


def test_xlsx_changed_header(raw: dict[str, bytes]) -> None:
    changed = rezip(
        raw[XLSX], "xl/sharedStrings.xml", lambda b: b.replace(b">Group ID<", b">Group Ref<")
    )
    with pytest.raises(SourceFormatError, match="header changed") as error:
        parse_conlist_xlsx(XLSX, changed)
    assert error.value.location == "row 2, column 36"


def test_xlsx_without_last_updated_row(raw: dict[str, bytes]) -> None:
    changed = rezip(
        raw[XLSX], "xl/sharedStrings.xml", lambda b: b.replace(b">Last Updated<", b">Updated<", 1)
    )
    with pytest.raises(SourceFormatError, match="Last Updated") as error:
        parse_conlist_xlsx(XLSX, changed)
    assert error.value.location == "row 1"


def test_csv_truncated_inside_a_quoted_field(raw: dict[str, bytes]) -> None:
    cut = raw[CSV][: raw[CSV].index(b"(UK Statement of Reasons)", 20_000)]
    with pytest.raises(SourceFormatError) as error:
        parse_conlist_csv(CSV, cut)
    assert error.value.location == "line 28 (end of file)"
    assert error.value.message.startswith("a quoted field is left open")
    assert error.value.message.endswith("record 25 (line 27), Group ID '14082'")


def test_csv_truncated_mid_record(raw: dict[str, bytes]) -> None:
    lines = raw[CSV].rstrip(b"\r\n").split(b"\r\n")
    cut = b"\r\n".join([*lines[:-1], lines[-1].rsplit(b",", 3)[0]]) + b"\r\n"
    with pytest.raises(SourceFormatError, match="no Group ID") as error:
        parse_conlist_csv(CSV, cut)
    assert error.value.location == f"record {len(csv_rows(raw[CSV]))}"


def test_csv_changed_header(raw: dict[str, bytes]) -> None:
    rows = csv_rows(raw[CSV])
    rows[1].insert(5, "Name 7")
    for row in rows[2:]:
        row.insert(5, "")
    with pytest.raises(SourceFormatError, match="header changed") as error:
        parse_conlist_csv(CSV, csv_bytes(rows))
    assert error.value.location == "record 2, column 6"


def test_csv_wrong_encoding(raw: dict[str, bytes]) -> None:
    latin = raw[CSV].decode("utf-8").encode("cp1252", errors="replace")
    with pytest.raises(SourceFormatError, match="not valid utf-8") as error:
        parse_conlist_csv(CSV, latin)
    assert error.value.location.startswith("line 3,")


def test_csv_first_line_must_be_last_updated(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="Last Updated") as error:
        parse_conlist_csv(CSV, raw[CSV].split(b"\r\n", 1)[1])
    assert error.value.location == "record 1"


def test_csv_accepts_lf_and_padded_first_line(
    raw: dict[str, bytes], excerpt: dict[str, ParseResult]
) -> None:
    variant = raw[CSV].replace(b"\r\n", b"\n").replace(b"14/04/2025\n", b"14/04/2025,,,,\n", 1)
    result = parse_conlist_csv(CSV, variant)
    assert result.entry_count == 12
    assert result.counts() == excerpt["csv"].counts()


def test_legacy_wrong_encoding_utf8(raw: dict[str, bytes]) -> None:
    utf8 = raw[LEGACY].decode("cp1252").encode("utf-8")
    with pytest.raises(SourceFormatError, match="UTF-8, expected Windows-1252") as error:
        parse_legacy_csv(LEGACY, utf8)
    assert error.value.location.startswith("line ")


def test_legacy_undefined_windows_1252_byte(raw: dict[str, bytes]) -> None:
    broken = raw[LEGACY].replace(b"ABU MUSAB", b"ABU \x81MUSAB", 1)
    with pytest.raises(SourceFormatError, match="not valid cp1252") as error:
        parse_legacy_csv(LEGACY, broken)
    assert error.value.location.startswith("line ")


def test_legacy_changed_header(raw: dict[str, bytes]) -> None:
    changed = raw[LEGACY].replace(b",NI Number,", b",National ID,", 1)
    with pytest.raises(SourceFormatError, match="header changed") as error:
        parse_legacy_csv(LEGACY, changed)
    assert error.value.location == "record 2, column 13"


def test_legacy_parser_refuses_the_2022_layout(raw: dict[str, bytes]) -> None:
    with pytest.raises(SourceFormatError, match="UTF-8, expected Windows-1252"):
        parse_legacy_csv(LEGACY, raw[CSV])
    with pytest.raises(SourceFormatError, match="header changed: expected 29 columns") as error:
        parse_legacy_csv(LEGACY, raw[CSV].decode("utf-8").encode("cp1252", errors="replace"))
    assert (
        error.value.location == "record 2, column 8"
    )  # Name 6…Title agree, then DOB vs Name Non-Latin Script


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


# --- the source module ------------------------------------------------------------------------


def test_spec_formats_and_files() -> None:
    assert SPEC.source == "gb_ofsi"
    assert [f.name for f in SPEC.formats] == ["xlsx", "csv", "xml", "csv_legacy"]
    files = {f.name: (f.files[0].name, f.files[0].url, f.files[0].kind) for f in SPEC.formats}
    base = "https://ofsistorage.blob.core.windows.net/publishlive/"
    assert files == {
        "xlsx": (XLSX, base + "2022format/ConList.xlsx", "xlsx"),
        "csv": (CSV, base + "2022format/ConList.csv", "csv"),
        "xml": (XML, base + "2022format/ConList.xml", "xml"),
        "csv_legacy": (LEGACY, base + "ConList.csv", "csv"),
    }
    assert gb_ofsi.asset.key.to_user_string() == "gb_ofsi"
    checks = {spec.name for check in gb_ofsi.checks for spec in check.check_specs}
    assert checks == {"schema_valid", "records_accounted", "no_unknown_fields", "formats_agree"}


def test_snapshot_catalog_serves_the_newest_publication(snapshots: Path) -> None:
    fetcher = SnapshotFetcher(root=str(snapshots))
    assert fetcher.publication("gb_ofsi")["files"] == {XLSX: "2025-04-14/ConList.xlsx"}
    pinned = SnapshotFetcher(root=str(snapshots), pins={"gb_ofsi": "2018-04-13"})
    assert pinned.publication("gb_ofsi")["files"] == {LEGACY: "2018-04-13/sanctionsconlist.csv"}
    for publication in ("2025-04-14", "2023-06-05", "2018-04-13"):
        assert SnapshotFetcher(root=str(snapshots), pins={"gb_ofsi": publication}).publication(
            "gb_ofsi"
        )


def test_materialize_a_pinned_snapshot(snapshots: Path, tmp_path: Path) -> None:
    """The real asset and its checks, on the 2018 publication (the smallest)."""
    fetcher = SnapshotFetcher(root=str(snapshots), pins={"gb_ofsi": "2018-04-13"})
    result = materialize(
        [gb_ofsi.asset, *gb_ofsi.checks],
        resources={"fetcher": fetcher, "data_dir": DataDir(root=str(tmp_path))},
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "schema_valid": True,
        "records_accounted": True,
        "no_unknown_fields": False,
        "formats_agree": True,
    }
    metadata = result.asset_materializations_for_node("gb_ofsi")[0].metadata
    assert metadata["primary_format"].value == "csv_legacy"
    assert metadata["entry_count"].value == 2_106
    assert metadata["published_at"].value == "2018-04-13"


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
