"""UN Security Council Consolidated List (`un_sc`): acceptance on both shipped snapshots, details
on a fixture cut from the 2026-02-27 file (tests/fixtures/un_sc/README.md), bad input refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from dagster import materialize

from assets import un_sc
from core.canonical import ParseResult
from core.errors import SourceFormatError
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from schemas.canonical import MODELS
from schemas.un_sc import MODELS as STAGED_MODELS
from schemas.validate import validate
from tests.accounting import accounting
from un_sc.constants import FILE_NAME
from un_sc.mapping import normalize_document, parse_xs_date
from un_sc.xml import parse_consolidated

NEWEST, OLDER = "2026-02-27", "2025-04-19"


def snapshot(snapshots: Path, day: str) -> bytes:
    return (snapshots / "un_sc" / day / FILE_NAME).read_bytes()


@pytest.fixture(scope="module")
def newest(snapshots: Path) -> ParseResult:
    return un_sc.parse({FILE_NAME: snapshot(snapshots, NEWEST)}).stamp("x")


@pytest.fixture(scope="module")
def older(snapshots: Path) -> ParseResult:
    return un_sc.parse({FILE_NAME: snapshot(snapshots, OLDER)}).stamp("x")


@pytest.fixture(scope="module")
def xml_bytes(fixtures: Path) -> bytes:
    return (fixtures / "un_sc" / FILE_NAME).read_bytes()


@pytest.fixture(scope="module")
def small(xml_bytes: bytes) -> ParseResult:
    return parse_consolidated(xml_bytes).stamp("x")


def rows(result: ParseResult, table: str, dataid: str) -> pl.DataFrame:
    return result.tables[table].filter(pl.col("entity_id") == f"un_sc-{dataid}")


# --- acceptance on the two real files ----------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "published", "people", "organizations"),
    [("newest", date(2026, 2, 27), 730, 273), ("older", date(2025, 4, 19), 684, 193)],
)
def test_counts_by_entity_type(
    which: str, published: date, people: int, organizations: int, request: pytest.FixtureRequest
) -> None:
    result: ParseResult = request.getfixturevalue(which)
    counts = dict(result.tables["entities"].group_by("entity_type").len().iter_rows())
    assert counts == {"person": people, "organization": organizations}
    assert result.entry_count == people + organizations
    assert result.published_at == published
    assert result.tables["rejects"].filter(pl.col("kind") == "entry").height == 0


@pytest.mark.parametrize("which", ["newest", "older"])
def test_schema_valid(which: str, request: pytest.FixtureRequest) -> None:
    result: ParseResult = request.getfixturevalue(which)
    assert validate(MODELS, result.tables) == []
    assert validate(STAGED_MODELS, result.staged) == []


@pytest.mark.parametrize("which", ["newest", "older"])
def test_every_record_accounted(which: str, request: pytest.FixtureRequest) -> None:
    result: ParseResult = request.getfixturevalue(which)
    for what, (records, accounted) in accounting(result).items():
        assert records == accounted, what


def test_record_counts_of_newest(newest: ParseResult) -> None:
    key = f"{FILE_NAME}/"
    assert {k.removeprefix(key): v for k, v in newest.file_rows.items()} == {
        "DESIGNATION": 427, "ENTITY_ADDRESS": 336, "ENTITY_ALIAS": 613, "INDIVIDUAL_ADDRESS": 475,
        "INDIVIDUAL_ALIAS": 2_139, "INDIVIDUAL_DATE_OF_BIRTH": 870, "INDIVIDUAL_DOCUMENT": 468,
        "INDIVIDUAL_PLACE_OF_BIRTH": 634, "LAST_DAY_UPDATED": 1_891, "LIST_TYPE": 1_003,
        "NATIONALITY": 652, "TITLE": 193,
    }  # fmt: skip
    # 14 documents carry no NUMBER (the number is only in their NOTE): rejected, with their text
    rejects = newest.tables["rejects"]
    assert rejects.height == 14
    assert set(rejects["reason"]) == {"document without NUMBER (details only in its text)"}


def test_unknowns_in_real_files(newest: ParseResult, older: ParseResult) -> None:
    for result in (newest, older):
        assert sorted((u.what, u.value) for u in result.unknowns) == [
            ("date of birth format", "24/06/1402 (Hijri Calendar)"),
            ("date of birth format", "30-35 years old"),
            ("date of birth format", "Between Aug. and Sep. 1977"),
        ]


def test_regimes_and_legal_basis(newest: ParseResult) -> None:
    sanctions = newest.tables["sanctions"]
    assert set(sanctions["authority"]) == {"UN Security Council"}
    assert sanctions["legal_basis"].null_count() == 0
    programs = dict(sanctions.group_by("program").len().iter_rows())
    assert programs["Al-Qaida"] == 341
    assert programs["DPRK"] == 155
    assert programs["Iran"] == 121  # back on the list since the 2025 snapback; not in 2025-04
    assert len(programs) == 14
    listed = sanctions.join(newest.tables["entities"], on="entity_id")
    assert (listed["listed_on"] == listed["listed_on_right"]).all()


def test_reference_numbers_link_key(newest: ParseResult) -> None:
    ids = newest.tables["identifiers"].filter(pl.col("id_type") == "un_reference")
    refs = ids.filter(pl.col("label") == "UN reference number")
    assert refs.height == 1_003
    assert refs["normalized"].n_unique() == 1_003
    assert (refs["normalized"] == refs["value"].str.to_uppercase()).all()


def test_old_references_from_comments(newest: ParseResult) -> None:
    # the UN keeps an Iran party's 1737-committee number in its comments; older UK and EU
    # files quote it, so it is a second UN reference of the party (raw value kept)
    old = newest.tables["identifiers"].filter(pl.col("label") == "Old reference number (comments)")
    assert old.height == 114
    assert old["entity_id"].n_unique() == 114
    assert rows(newest, "identifiers", "110443").filter(pl.col("id_type") == "un_reference")[
        ["value", "normalized"]
    ].sort("value").rows() == [("I.47.D.2", "I.47.D.2"), ("IRi.004", "IRI.004")]
    assert rows(newest, "identifiers", "110444").filter(
        pl.col("label") == "Old reference number (comments)"
    )["value"].to_list() == ["I.AC.50.18.04.12.(1)"]


def test_individual_from_full_file(newest: ParseResult) -> None:
    entity = rows(newest, "entities", "6907993").row(0, named=True)
    assert entity["primary_name"] == "ERIC BADEGE"
    assert entity["entity_type"] == "person"
    assert entity["listed_on"] == date(2012, 12, 31)
    assert entity["last_updated"] == date(2016, 10, 13)
    assert rows(newest, "identifiers", "6907993")[["id_type", "value"]].rows() == [
        ("un_reference", "CDi.001")
    ]
    birth = rows(newest, "birth_dates", "6907993").row(0, named=True)
    assert (birth["raw"], birth["precision"]) == ("1971", "year")
    assert (birth["date_from"], birth["date_to"]) == (date(1971, 1, 1), date(1971, 12, 31))
    assert rows(newest, "countries", "6907993")[["country_code", "raw", "relation"]].rows() == [
        ("CD", "Democratic Republic of the Congo", "nationality")
    ]
    address = rows(newest, "addresses", "6907993").row(0, named=True)
    assert (address["country_code"], address["note"]) == ("RW", "as of early 2016")


def test_alias_listing_several_spellings(newest: ParseResult) -> None:
    names = newest.tables["names"]
    soleimani = names.filter(pl.col("entity_id") == "un_sc-110408")
    published = "Qasim Soleimani; Qasem Sulaimani; Qasim Sulaimani; Qasim Sulaymani; Qasem Sulaymani; Kasim Soleimani; Kasim Sulaimani; Kasim Sulaymani"
    # the name as published stays; each spelling is a name of its own, same quality
    assert soleimani.filter(pl.col("name") == published).height == 1
    parts = soleimani.filter(pl.col("origin") == "consolidated.xml/INDIVIDUAL_ALIAS/ALIAS_NAME")
    assert parts.filter(pl.col("quality") == "strong")["name"].to_list()[:3] == [
        "Qasim Soleimani",
        "Qasem Sulaimani",
        "Qasim Sulaimani",
    ]
    sabet = names.filter(
        (pl.col("entity_id") == "un_sc-110413") & pl.col("origin").str.ends_with("/ALIAS_NAME")
    )
    assert "M. Javad Kareemi Sabet" in sabet["name"].to_list()  # "… b) M. Javad …"
    # a list inside brackets is not cut: al-Baghdadi's Arabic alias stays whole only
    assert names.filter(
        (pl.col("entity_id") == "un_sc-2975516") & pl.col("origin").str.ends_with("/ALIAS_NAME")
    ).is_empty()
    assert names.filter(pl.col("origin").str.ends_with("/ALIAS_NAME")).height == 69


def test_snapshot_catalog_serves_newest_and_keeps_older(snapshots: Path) -> None:
    fetcher = SnapshotFetcher(root=str(snapshots))
    assert fetcher.publication("un_sc")["published_at"] == NEWEST
    pinned = SnapshotFetcher(root=str(snapshots), pins={"un_sc": OLDER})
    assert pinned.publication("un_sc")["files"] == {FILE_NAME: f"{OLDER}/{FILE_NAME}"}


def test_materializes_from_snapshot(tmp_path: Path) -> None:
    result = materialize(
        [un_sc.asset],
        resources={"fetcher": SnapshotFetcher(), "data_dir": DataDir(root=str(tmp_path))},
    )
    assert result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    # the three dates of birth written only as free text are reported (a warning), not lost
    assert evaluations == {
        "schema_valid": True, "records_accounted": True, "no_unknown_fields": False,
    }  # fmt: skip


# --- details, on the fixture ---------------------------------------------------------------------


def test_dates_of_birth_in_every_form(small: ParseResult) -> None:
    kony = rows(small, "birth_dates", "6908538")
    forms = {(r["raw"], r["precision"]) for r in kony.iter_rows(named=True)}
    assert ("1964-09-18", "day") in forms  # DATE
    assert ("1959", "year") in forms  # YEAR
    assert ("August 1961", "month") in forms  # only a NOTE, read as free text
    august = kony.filter(pl.col("raw") == "August 1961").row(0, named=True)
    assert (august["date_from"], august["date_to"]) == (date(1961, 8, 1), date(1961, 8, 31))
    assert kony.height == 10
    taganda = rows(small, "birth_dates", "6908021").row(0, named=True)
    assert (taganda["raw"], taganda["precision"], taganda["circa"]) == ("1973-1974", "range", False)
    assert (taganda["date_from"], taganda["date_to"]) == (date(1973, 1, 1), date(1974, 12, 31))
    both = rows(small, "birth_dates", "6908006")
    assert both[["raw", "precision", "circa"]].rows() == [
        ("1962-03-17", "day", False),  # EXACT
        ("approximately 1966", "year", True),  # APPROXIMATELY
    ]


def test_kony(small: ParseResult) -> None:
    assert rows(small, "entities", "6908538")["primary_name"].to_list() == ["JOSEPH KONY"]
    assert rows(small, "identifiers", "6908538")["value"].to_list() == ["CFi.009"]
    assert rows(small, "countries", "6908538")["country_code"].to_list() == ["UG"]
    sanction = rows(small, "sanctions", "6908538").row(0, named=True)
    assert (sanction["program"], sanction["legal_basis"]) == ("CAR", "UNSCR 2127 (2013)")
    assert sanction["listed_on"] == date(2016, 3, 7)
    names = rows(small, "names", "6908538")
    assert ("Le Messie sanglant", "alias", "low") in names[["name", "name_type", "quality"]].rows()
    assert ("Kony", "alias", "strong") in names[["name", "name_type", "quality"]].rows()


def test_time_zone_suffixed_dates(small: ParseResult) -> None:
    assert parse_xs_date("2015-03-27-04:00") == date(2015, 3, 27)
    assert parse_xs_date("2015-03-27Z") == date(2015, 3, 27)
    assert parse_xs_date("2015-02-30") is None
    staged = small.staged["entries"].filter(pl.col("dataid") == 6908450)
    assert staged["listed_on"].to_list() == ["2015-03-27-04:00"]
    for dataid in ("6908450", "6908451"):
        assert rows(small, "entities", dataid)["listed_on"].to_list() == [date(2015, 3, 27)]
        assert rows(small, "sanctions", dataid)["listed_on"].to_list() == [date(2015, 3, 27)]


def test_entity_with_aliases(small: ParseResult) -> None:
    entity = rows(small, "entities", "6908451").row(0, named=True)
    assert entity["primary_name"] == "HAJI BASIR AND ZARJMIL COMPANY HAWALA"
    assert entity["entity_type"] == "organization"
    names = rows(small, "names", "6908451")
    aliases = names.filter(pl.col("name_type") == "alias")
    assert aliases.height == 7
    assert set(aliases["quality"]) == {"strong"}
    assert "Haji Basir Hawala" in aliases["name"].to_list()
    original = names.filter(pl.col("name_type") == "original_script").row(0, named=True)
    assert original["script"] == "Arabic"
    assert rows(small, "identifiers", "6908451")["normalized"].to_list() == ["TAE.014"]
    addresses = rows(small, "addresses", "6908451")
    assert addresses.height == 11
    assert set(addresses["country_code"]) == {"PK", "AF", "AE", "IR"}
    adf = rows(small, "names", "6908402")
    assert "NALU" in adf.filter(pl.col("name_type") == "fka")["name"].to_list()


def test_reference_number_trailing_space(small: ParseResult) -> None:
    ref = rows(small, "identifiers", "6908499").row(0, named=True)
    assert (ref["value"], ref["normalized"]) == ("KPe.023", "KPE.023")


def test_passport_and_un_country_names(small: ParseResult) -> None:
    passport = rows(small, "identifiers", "110424").filter(pl.col("id_type") == "passport")
    row = passport.row(0, named=True)
    assert row["value"] == "Diplomatic Passport: Z30321794"
    assert row["normalized"] == "Z30321794"
    assert (row["country_code"], row["country_raw"]) == ("IR", "Iran (Islamic Republic of)")
    assert rows(small, "countries", "110424")["country_code"].to_list() == ["IR"]


def test_document_without_number_rejected_with_its_text(small: ParseResult) -> None:
    reject = small.tables["rejects"].row(0, named=True)
    assert reject["kind"] == "identifier"
    assert reject["file"] == f"{FILE_NAME}/INDIVIDUAL_DOCUMENT"
    assert "DATAID 113328" in reject["locator"]
    assert "SSN 156-92-9858" in reject["raw"]


def test_unreadable_date_of_birth_kept_as_text(small: ParseResult) -> None:
    kept = rows(small, "attributes", "2983746").filter(pl.col("attribute") == "birth_date_text")
    assert kept["value"].to_list() == ["EXACT Between Aug. and Sep. 1977"]
    assert [(u.what, u.value) for u in small.unknowns] == [
        ("date of birth format", "Between Aug. and Sep. 1977")
    ]


def test_title_designation_and_original_script(small: ParseResult) -> None:
    attributes = rows(small, "attributes", "110447")
    assert attributes.filter(pl.col("attribute") == "title")["value"].to_list() == ["Mullah"]
    assert attributes.filter(pl.col("attribute") == "designation").height == 2
    original = rows(small, "names", "110447").filter(pl.col("name_type") == "original_script")
    assert original[["name", "script"]].rows() == [("محمد طاهر أنوري", "Arabic")]


def test_fixture_accounted_and_valid(small: ParseResult) -> None:
    for what, (records, accounted) in accounting(small).items():
        assert records == accounted, what
    assert validate(MODELS, small.tables) == []
    assert validate(STAGED_MODELS, small.staged) == []


def test_normalize_document() -> None:
    assert normalize_document("D 000769") == "D000769"
    assert normalize_document("CAR diplomatic passport no. D00000898") == "D00000898"
    assert normalize_document("Afghan passport number SE 012820") == "SE012820"
    assert normalize_document("381110042 (Expired 25 Jan. 2016)") == "381110042"
    assert normalize_document("Laissez-passer no. N°235/MISPAT") is None


# --- strict: what the parser does not know is reported, and kept -------------------------------


def test_unknown_elements_reported_and_kept(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(
        b"<GENDER>Male</GENDER>", b"<GENDER>Male</GENDER><EYE_COLOUR>brown</EYE_COLOUR>", 1
    ).replace(b"<COUNTRY>Rwanda</COUNTRY>", b"<COUNTRY>Rwanda</COUNTRY><PO_BOX>12</PO_BOX>", 1)
    result = parse_consolidated(data)
    whats = {(u.what, u.value) for u in result.unknowns}
    assert ("element EYE_COLOUR", "brown") in whats
    assert ("element INDIVIDUAL_ADDRESS/PO_BOX", "12") in whats
    kept = rows(result, "attributes", "6907993")
    assert ("eye_colour", "brown") in kept[["attribute", "value"]].rows()
    assert ("individual_address_po_box", "12") in kept[["attribute", "value"]].rows()


def test_unknown_codes_reported(xml_bytes: bytes) -> None:
    data = (
        xml_bytes.replace(b"<QUALITY>Good</QUALITY>", b"<QUALITY>Medium</QUALITY>", 1)
        .replace(b"<UN_LIST_TYPE>DRC</UN_LIST_TYPE>", b"<UN_LIST_TYPE>Atlantis</UN_LIST_TYPE>", 1)
        .replace(b"<TYPE_OF_DOCUMENT>Passport<", b"<TYPE_OF_DOCUMENT>Seaman book<", 1)
    )
    result = parse_consolidated(data)
    whats = {u.what for u in result.unknowns}
    assert {"alias QUALITY", "UN_LIST_TYPE (no legal basis known)", "TYPE_OF_DOCUMENT"} <= whats
    assert rows(result, "sanctions", "6907993")[["program", "legal_basis"]].rows() == [
        ("Atlantis", None)
    ]
    assert "other" in result.tables["identifiers"]["id_type"].to_list()


def test_nested_element_reported_and_kept(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(
        b"<NOTE>as of early 2016</NOTE>", b"<NOTE><PART>as of early 2016</PART></NOTE>", 1
    )
    result = parse_consolidated(data)
    assert ("nested element INDIVIDUAL_ADDRESS/NOTE/PART", "as of early 2016") in {
        (u.what, u.value) for u in result.unknowns
    }
    kept = rows(result, "attributes", "6907993")
    assert "as of early 2016" in kept["value"].to_list()


def test_entry_without_dataid_or_name_rejected(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(b"<DATAID>6907993</DATAID>", b"<DATAID/>", 1).replace(
        b"<FIRST_NAME>ADF</FIRST_NAME>", b"<FIRST_NAME/>", 1
    )
    result = parse_consolidated(data)
    entries = result.tables["rejects"].filter(pl.col("kind") == "entry")
    assert entries["reason"].to_list() == [
        "missing or non-numeric DATAID (none)",
        "no name (FIRST_NAME…FOURTH_NAME all empty)",
    ]
    assert "ERIC" in entries["raw"][0]
    assert result.entry_count == 12
    assert result.tables["entities"].height == 10
    for what, (records, accounted) in accounting(result).items():
        assert records == accounted, what


# --- bad input: refused with the file and the place ----------------------------------------------


def test_empty_and_html_refused() -> None:
    with pytest.raises(SourceFormatError, match=r"consolidated\.xml at byte 0: the file is empty"):
        parse_consolidated(b" \n")
    page = b"<!DOCTYPE html><html><body>Service Unavailable</body></html>"
    with pytest.raises(SourceFormatError, match=r"consolidated\.xml at byte 0: an HTML page"):
        parse_consolidated(page)


def test_truncated_refused(xml_bytes: bytes) -> None:
    with pytest.raises(
        SourceFormatError, match=r"consolidated\.xml at line \d+, column \d+: malformed XML"
    ):
        parse_consolidated(xml_bytes[: len(xml_bytes) // 2])


def test_wrong_encoding_refused(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(b"ERIC", "ÉRIC".encode("cp1252"), 1)
    with pytest.raises(SourceFormatError, match=r"consolidated\.xml at line 7, column \d+"):
        parse_consolidated(data)


def test_external_entity_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<CONSOLIDATED_LIST dateGenerated="2026-01-01T00:00:00Z"><INDIVIDUALS><INDIVIDUAL>'
        "<DATAID>1</DATAID><FIRST_NAME>&x;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS>"
        "<ENTITIES/></CONSOLIDATED_LIST>"
    ).encode()
    with pytest.raises(
        SourceFormatError, match=r"consolidated\.xml at line 2: a DOCTYPE declaration"
    ):
        parse_consolidated(data)


def test_billion_laughs_refused() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    data = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY l0 "lol">{entities}]>'
        "<CONSOLIDATED_LIST>&l9;</CONSOLIDATED_LIST>"
    ).encode()
    with pytest.raises(SourceFormatError, match="DOCTYPE declaration is not allowed"):
        parse_consolidated(data)


def test_changed_layout_refused(xml_bytes: bytes) -> None:
    with pytest.raises(SourceFormatError, match=r"at root element: expected CONSOLIDATED_LIST"):
        parse_consolidated(b'<?xml version="1.0"?><sdnList><sdnEntry/></sdnList>')
    no_date = xml_bytes.replace(b'dateGenerated="2026-02-27T00:00:09.554Z"', b"", 1)
    with pytest.raises(SourceFormatError, match=r"at CONSOLIDATED_LIST/@dateGenerated"):
        parse_consolidated(no_date)
    start, end = xml_bytes.index(b"<ENTITIES>"), xml_bytes.index(b"</ENTITIES>") + 11
    with pytest.raises(SourceFormatError, match=r"at CONSOLIDATED_LIST: no ENTITIES element"):
        parse_consolidated(xml_bytes[:start] + xml_bytes[end:])


def test_duplicate_dataid_refused(xml_bytes: bytes) -> None:
    data = xml_bytes.replace(b"<DATAID>6908538</DATAID>", b"<DATAID>6907993</DATAID>", 1)
    with pytest.raises(
        SourceFormatError,
        match=r"consolidated\.xml at line 4 \(INDIVIDUAL\) and line \d+ \(INDIVIDUAL\): "
        r"duplicate DATAID 6907993",
    ):
        parse_consolidated(data)
