"""US Consolidated Screening List (`us_csl`), CSV: acceptance on the shipped 2022 snapshot, the
truncated 2023 copy refused (or its tail rejected), details on records cut from the real files
(tests/fixtures/us_csl/README.md), mapping rules, and bad input refused."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from dagster import materialize

from assets import us_csl
from core.canonical import ParseResult
from core.errors import SourceFormatError
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from schemas.canonical import MODELS
from schemas.us_csl import CSV_MODELS, JSON_MODELS
from schemas.validate import validate
from tests.accounting import accounting
from tests.us_csl.helpers import EL, HEADER, csv_bytes, record, rows, values
from us_csl.constants import CSV_NAME
from us_csl.csv import ids_layout, parse_csv, parse_csv_bytes

SNAPSHOT = "2022-05-16"


@pytest.fixture(scope="module")
def gz_bytes(snapshots: Path) -> bytes:
    return (snapshots / "us_csl" / SNAPSHOT / "consolidated.csv.gz").read_bytes()


@pytest.fixture(scope="module")
def full(gz_bytes: bytes) -> ParseResult:
    return parse_csv({CSV_NAME: gz_bytes}).stamp("x")


@pytest.fixture(scope="module")
def truncated_bytes(fixtures: Path) -> bytes:
    return (fixtures / "us_csl" / "csl.csv").read_bytes()


@pytest.fixture(scope="module")
def partial(truncated_bytes: bytes) -> ParseResult:
    return parse_csv_bytes(CSV_NAME, truncated_bytes, strict=False).stamp("x")


# --- acceptance on the complete 2022 list --------------------------------------------------------


def test_counts_of_the_2022_list(full: ParseResult) -> None:
    staged = full.staged["records"]
    assert staged.height == 14_160
    assert full.file_rows == {CSV_NAME: 14_160}
    assert staged["_id"].n_unique() == 14_048
    by_source = dict(staged["source"].str.extract(r"\(([^)]+)\)").value_counts().iter_rows())
    assert by_source == {
        "SDN": 10_026, "EL": 2_001, "DTC": 727, "DPL": 462, "SSI": 290, "UVL": 201, "ISN": 163,
        "PLC": 78, "MEU": 71, "CMIC": 68, "CAP": 53, "NS-MBS List": 17, "FSE": 3,
    }  # fmt: skip
    assert dict(staged["type"].value_counts().iter_rows()) == {
        "Individual": 5_286, "Entity": 4_533, "Vessel": 433, "Aircraft": 283, None: 3_625,
    }  # fmt: skip
    # 112 repeated records are the same OFAC entries on further Treasury sub-lists: 14,048 parties
    entities = full.tables["entities"]
    assert entities.height == full.entry_count == 14_048
    assert dict(entities["entity_type"].value_counts().iter_rows()) == {
        "person": 5_284, "organization": 4_423 + 3_625, "vessel": 433, "aircraft": 283,
    }  # fmt: skip
    assert full.tables["rejects"].height == 0
    assert accounting(full) == {"entries": (14_048, 14_048), CSV_NAME: (14_160, 14_160)}


def test_every_sub_list_is_an_authority(full: ParseResult) -> None:
    sanctions = full.tables["sanctions"]
    parties = dict(sanctions.group_by("authority").agg(pl.col("entity_id").n_unique()).iter_rows())
    assert parties == {
        "US OFAC SDN": 10_026, "US BIS Entity List": 2_001, "US State DDTC ITAR Debarred": 727,
        "US BIS Denied Persons List": 462, "US OFAC SSI": 290, "US BIS Unverified List": 201,
        "US State ISN Nonproliferation Sanctions": 163, "US OFAC NS-PLC": 78,
        "US BIS Military End User List": 71, "US OFAC NS-CMIC": 68,
        "US OFAC CAPTA": 52,  # 53 records: 15268 is listed twice
        "US OFAC NS-MBS": 17, "US OFAC FSE": 3,
    }  # fmt: skip
    russia = sanctions.filter(pl.col("program") == "RUSSIA-EO14024")
    assert russia["entity_id"].n_unique() == 894  # 991 records, repeats merged


def test_repeated_id_is_one_party_on_several_lists(full: ParseResult) -> None:
    # VTB Bank (OFAC 17013): CAPTA, SDN and SSI records, identical but for lists and ids
    assert rows(full, "entities", "17013").height == 1
    assert values(full, "sanctions", "17013", "authority", "program") == {
        (authority, program)
        for authority in ("US OFAC CAPTA", "US OFAC SDN", "US OFAC SSI")
        for program in ("UKRAINE-EO13662", "RUSSIA-EO14024")
    }
    anchors = rows(full, "attributes", "17013").filter(pl.col("attribute") == "source_list")
    assert anchors.height == 3
    # the SDN record alone adds the secondary-sanctions note: the union is kept, once
    risk = rows(full, "attributes", "17013").filter(
        pl.col("attribute") == "secondary_sanctions_risk"
    )
    assert risk["value"].to_list() == [
        "Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201 and/or 589.209"
    ]
    assert rows(full, "identifiers", "17013").filter(pl.col("value") == "VTBRRUMM").height == 1
    # 15268 is on CAPTA twice: one party, one set of sanctions, two records accounted
    assert (
        rows(full, "attributes", "15268").filter(pl.col("attribute") == "source_list").height == 2
    )
    assert values(full, "sanctions", "15268", "authority", "program") == {
        ("US OFAC CAPTA", "561-Related")
    }


def test_entity_list_party_with_address_and_licence(full: ParseResult) -> None:
    eid = "4398d33e9e93c7477af39f1e0bfffc13ddd47bcc"
    entity = rows(full, "entities", eid).row(0, named=True)
    assert (entity["primary_name"], entity["entity_type"], entity["listed_on"]) == (
        "140 Repair Plant JSC", "organization", date(2022, 4, 7),
    )  # fmt: skip
    assert values(full, "addresses", eid, "full_address", "postal_code", "country_code") == {
        ("19 Luysi Chalovskoy St., Borisov, 222512, BY", "222512", "BY")
    }
    attributes = dict(rows(full, "attributes", eid).select("attribute", "value").iter_rows())
    assert attributes["license_requirement"] == (
        "For all items subject to the EAR. (See §§734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR.)"
    )
    assert attributes["license_policy"] == "Policy of denial."
    assert attributes["source_list"] == EL
    assert values(full, "sanctions", eid, "authority", "program", "legal_basis", "listed_on") == {
        ("US BIS Entity List", None, "87 FR 20299", date(2022, 4, 7))
    }
    assert values(full, "names", eid, "name", "name_type") == {
        ("140 Repair Plant JSC", "primary"),
        ("Open Joint Stock Company 140 Repair Plant", "alias"),
        ("and JSC 140 Repair Plant", "alias"),  # as published
    }


def test_sdn_vessel_with_imo_and_call_sign(full: ParseResult) -> None:
    assert rows(full, "entities", "15052")[["primary_name", "entity_type"]].row(0) == (
        "AMBER",
        "vessel",
    )
    assert values(full, "identifiers", "15052", "id_type", "value", "normalized") == {
        ("list_reference", "15052", "15052"),
        ("call_sign", "5IM 597", "5IM 597"),
        ("imo", "IMO 9357406", "9357406"),
        ("mmsi", "677049700", "677049700"),
    }
    assert values(full, "countries", "15052", "country_code", "raw", "relation") == {
        ("PA", "Panama", "flag")
    }
    attributes = set(rows(full, "attributes", "15052").select("attribute", "value").rows())
    assert {
        ("vessel_type", "Crude Oil Tanker"),
        ("gross_tonnage", "317356"),
        ("gross_registered_tonnage", "163660"),
        ("former_vessel_flag", "Cyprus"),
        ("former_vessel_flag", "Tanzania"),
        ("additional_sanctions_information", "Subject to Secondary Sanctions"),
    } <= attributes
    assert values(full, "names", "15052", "name", "name_type") == {
        ("AMBER", "primary"), ("HARAZ", "alias"), ("FREEDOM", "alias"),
    }  # fmt: skip


def test_individual_with_date_of_birth_and_passport(full: ParseResult) -> None:
    assert values(full, "names", "17291", "name_type", "given_name", "family_name") >= {
        ("primary", "'Abd al-Malik Muhammad Yusuf 'Uthman", "'ABD AL-SALAM")
    }
    assert values(full, "birth_dates", "17291", "raw", "date_from", "date_to", "precision") == {
        ("1989-07-13", date(1989, 7, 13), date(1989, 7, 13), "day")
    }
    assert values(full, "countries", "17291", "country_code", "relation") == {("JO", "nationality")}
    assert values(full, "identifiers", "17291", "id_type", "value", "country_code", "note") == {
        ("list_reference", "17291", None, None),
        ("national_id", "28940000602", "QA", None),
        ("passport", "K475336", "JO", "issued 2009-08-31; expires 2014-08-30"),
    }
    circa = rows(full, "birth_dates", "10480").row(0, named=True)
    assert (circa["raw"], circa["precision"], circa["circa"]) == ("circa 1961", "year", True)
    assert (circa["date_from"], circa["date_to"]) == (date(1961, 1, 1), date(1961, 12, 31))


def test_malformed_start_dates_are_kept_raw_not_invented(full: ParseResult) -> None:
    bad = full.tables["attributes"].filter(pl.col("attribute") == "start_date_unparsed")
    assert sorted(bad["value"].to_list()) == ["0017-05-26", "0097-06-30", "0097-06-30"]
    listed = full.tables["entities"].filter(pl.col("entity_id").is_in(bad["entity_id"].implode()))
    assert listed["listed_on"].null_count() == 3
    reported = [u.value for u in full.unknowns if u.what == "malformed date"]
    assert sorted(reported) == ["0017-05-26", "0097-06-30", "0097-06-30"]


def test_ent_num_is_only_an_identifier(full: ParseResult) -> None:
    refs = full.tables["identifiers"].filter(pl.col("id_type") == "list_reference")
    treasury = full.staged["records"].filter(pl.col("entity_number").is_not_null())
    assert refs.height == treasury["_id"].n_unique() == 10_423
    assert set(refs["label"]) == {"OFAC ent_num"}
    assert (refs["entity_id"] == "us_csl-" + refs["value"]).all()


def test_untyped_records_are_organizations_unless_personal_facts(
    full: ParseResult, sample: ParseResult
) -> None:
    untyped = full.staged["records"].filter(pl.col("type").is_null())
    ids = ("us_csl-" + untyped["_id"]).implode()
    kinds = full.tables["entities"].filter(pl.col("entity_id").is_in(ids))["entity_type"]
    assert dict(kinds.value_counts().iter_rows()) == {"organization": 3_625}
    # the rule: an untyped record with a date of birth (or place of birth, citizenship,
    # nationality) is a person
    result = parse_csv_bytes(
        CSV_NAME, csv_bytes(record("a1", "Some One", dob="1970"), record("b2", "Some Firm"))
    )
    assert dict(result.tables["entities"][["entity_id", "entity_type"]].iter_rows()) == {
        "us_csl-a1": "person", "us_csl-b2": "organization",
    }  # fmt: skip


def test_unknowns_of_the_2022_list(full: ParseResult) -> None:
    assert Counter(u.what for u in full.unknowns) == {
        "IMO check digit fails": 9,
        "malformed date": 3,
    }
    failing = {u.value for u in full.unknowns if u.what == "IMO check digit fails"}
    kept = full.tables["identifiers"].filter(pl.col("value").is_in(list(failing)))
    assert set(kept["id_type"]) == {"registration"}  # kept, labelled, never a bad IMO
    assert (kept["value"].n_unique(), kept.height) == (9, 10)  # one number is on two vessels


def test_stamped_output_is_schema_valid(
    full: ParseResult, partial: ParseResult, from_json: ParseResult
) -> None:
    for result, staged in ((full, CSV_MODELS), (partial, CSV_MODELS), (from_json, JSON_MODELS)):
        assert validate(MODELS, result.tables) == []
        assert validate(staged, result.staged) == []


def test_snapshot_is_the_real_gzip_under_the_official_name(
    snapshots: Path, gz_bytes: bytes, full: ParseResult
) -> None:
    publication = SnapshotFetcher(root=str(snapshots)).publication("us_csl")
    assert publication["published_at"] == SNAPSHOT
    assert publication["files"] == {CSV_NAME: f"{SNAPSHOT}/consolidated.csv.gz"}
    assert gz_bytes[:2] == b"\x1f\x8b"
    plain = parse_csv_bytes(CSV_NAME, gzip.decompress(gz_bytes)).stamp("x")
    for table, df in full.tables.items():
        assert plain.tables[table].equals(df), table


def test_materializes_from_snapshot(tmp_path: Path) -> None:
    result = materialize(
        [us_csl.asset],
        resources={"fetcher": SnapshotFetcher(), "data_dir": DataDir(root=str(tmp_path))},
    )
    assert result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    # the JSON format is absent from the snapshot: formats_agree passes trivially; the IMO
    # numbers failing their check digit and the malformed dates are reported as unknowns
    assert evaluations == {
        "schema_valid": True, "records_accounted": True, "no_unknown_fields": False, "formats_agree": True,
    }  # fmt: skip


# --- the truncated 2023 copy ---------------------------------------------------------------------


def test_truncated_file_is_refused_by_default(truncated_bytes: bytes) -> None:
    with pytest.raises(SourceFormatError) as err:
        parse_csv({CSV_NAME: truncated_bytes})
    assert err.value.location == "record 4228, line 4233"
    assert "truncated" in err.value.message and "unterminated" in err.value.message


def test_lenient_mode_rejects_the_tail_and_the_repeated_header(partial: ParseResult) -> None:
    rejects = partial.tables["rejects"]
    assert rejects[["kind", "locator"]].rows() == [
        ("entry", "record 4228, line 4233"),
        ("row", "record 1"),
    ]
    tail = rejects.row(0, named=True)
    assert tail["raw"].startswith(
        '"11476","Specially Designated Nationals (SDN) - Treasury Department"'
    )
    assert tail["raw"].endswith("la Cuspide departament")
    assert "verbatim repeat of the header" in rejects.row(1, named=True)["reason"]
    staged = partial.staged["records"]
    assert staged.height == 4_226
    assert staged["_id"].n_unique() == 4_219
    by_source = dict(staged["source"].str.extract(r"\(([^)]+)\)").value_counts().iter_rows())
    assert (by_source["SDN"], by_source["EL"], by_source["DPL"], by_source["CAP"]) == (
        1_737,
        919,
        577,
        1,
    )
    entities = partial.tables["entities"]
    assert entities.height == 4_219
    assert dict(entities["entity_type"].value_counts().iter_rows()) == {
        "person": 1_122, "organization": 3_094, "vessel": 3,
    }  # fmt: skip
    assert accounting(partial) == {"entries": (4_220, 4_220), CSV_NAME: (4_228, 4_228)}
    assert [u.what for u in partial.unknowns] == ["truncated record"]


def test_repeated_header_is_rejected_in_strict_mode_too(truncated_bytes: bytes) -> None:
    complete = truncated_bytes[: truncated_bytes.rindex(b'\n"11476"') + 1]
    result = parse_csv_bytes(CSV_NAME, complete)
    assert result.tables["rejects"][["kind", "locator"]].rows() == [("row", "record 1")]
    assert result.tables["entities"].height == 4_219


def test_2023_ids_are_packed_type_first(partial: ParseResult) -> None:
    items = pl.DataFrame(
        {"raw": ["Passport, E590976, TN, 19 Jun 1987, 18 Jun 1992", "SWIFT/BIC, CKLBCNBJ"]}
    )
    assert ids_layout(items) == "type_first"
    assert (
        ids_layout(pl.DataFrame({"raw": ["CA, BC166787, Passport", "Male, Gender"]})) == "type_last"
    )
    passports = partial.tables["identifiers"].filter(pl.col("value") == "E590976")
    assert passports[["id_type", "country_code", "note"]].rows() == [
        ("passport", "TN", "issued 19 Jun 1987; expires 18 Jun 1992")
    ]
    vtb = rows(partial, "identifiers", "17013")
    assert ("registration", "Registration ID", "1027739609391", "RU") in set(
        vtb.select("id_type", "label", "value", "country_code").rows()
    )


def test_2023_name_spellings_of_one_party_are_merged(partial: ParseResult) -> None:
    # PLC writes `Given FAMILY`, SDN `FAMILY, Given`: same words, same party
    assert rows(partial, "entities", "9659")["primary_name"].to_list() == [
        "Fathi Ahmad Mohammad HAMMAD"
    ]
    assert {("HAMMAD, Fathi Ahmad Mohammad", "alias")} <= values(
        partial, "names", "9659", "name", "name_type"
    )


# --- details on records cut from the real files --------------------------------------------------


def test_sample_records(sample: ParseResult) -> None:
    assert sample.staged["records"].height == 13
    assert sample.tables["entities"].height == 10
    ash = rows(sample, "entities", "deb7a1d5743a85c354ca1a2c7f2664e2104b32d7").row(0, named=True)
    assert (ash["primary_name"], ash["remarks"]) == ("I. ASH", "FEDERAL REGISTER NOTICE UPDATED")
    attributes = set(
        rows(sample, "attributes", "deb7a1d5743a85c354ca1a2c7f2664e2104b32d7")
        .select("attribute", "value")
        .rows()
    )
    assert {("end_date", "2056-06-29"), ("standard_order", "Y")} <= attributes
    aircraft = values(sample, "identifiers", "15445", "id_type", "value")
    assert ("aircraft_serial", "464") in aircraft
    # NS-MBS and SSI records of one bank: the programs of both lists, each under its list
    assert values(sample, "sanctions", "17014", "authority", "program") == {
        ("US OFAC NS-MBS", "UKRAINE-EO13662"), ("US OFAC NS-MBS", "MBS"),
        ("US OFAC SSI", "UKRAINE-EO13662"), ("US OFAC SSI", "RUSSIA-EO14024"),
    }  # fmt: skip
    assert accounting(sample) == {"entries": (10, 10), CSV_NAME: (13, 13)}


# --- mapping rules on small synthetic records ------------------------------------------------------


def test_same_id_with_different_names_becomes_numbered_parties() -> None:
    result = parse_csv_bytes(
        CSV_NAME, csv_bytes(record("x9", "Alpha Trading"), record("x9", "Beta Shipping"))
    )
    assert result.tables["entities"]["entity_id"].to_list() == ["us_csl-x9-1", "us_csl-x9-2"]
    assert [u.what for u in result.unknowns] == [
        "conflicting records for _id",
        "conflicting records for _id",
    ]
    assert accounting(result) == {"entries": (2, 2), CSV_NAME: (2, 2)}


def test_unknown_sub_list_type_and_column_are_reported_and_kept() -> None:
    data = csv_bytes(
        record("a1", "Some Firm", source="Brand New List (BNL) - Somewhere"),
        record("b2", "Odd One", type_="Organisation"),
    )
    result = parse_csv_bytes(CSV_NAME, data)
    assert rows(result, "sanctions", "a1")["authority"].to_list() == [
        "Brand New List (BNL) - Somewhere"
    ]
    rejects = result.tables["rejects"]
    assert rejects[["kind", "locator", "reason"]].rows() == [
        ("entry", "record 2", "unknown type Organisation")
    ]
    assert {u.what for u in result.unknowns} == {"sub-list (source)", "type"}
    assert accounting(result) == {"entries": (2, 2), CSV_NAME: (2, 2)}
    extra = parse_csv_bytes(
        CSV_NAME, csv_bytes(record("a1", "Firm") + ',"42"', header=HEADER + ",risk_score")
    )
    assert [(u.what, u.value) for u in extra.unknowns] == [("column", "risk_score")]
    assert values(extra, "attributes", "a1", "attribute", "value", "origin") >= {
        ("risk_score", "42", "consolidated.csv:risk_score")
    }


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "location", "message"),
    [
        (b"", "byte 0", "empty"),
        (b"  \n\n", "byte 0", "empty"),
        (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "byte 0", "HTML"),
        (b'{"results": []}', "line 1", "found JSON"),
        (
            csv_bytes(record("a1", "X"), header=HEADER.replace(",name,", ",full_name,")),
            "line 1 (header)",
            "missing ['name']",
        ),
        (
            csv_bytes(record("a1", "X"), header=HEADER.replace(",ids", "")),
            "line 1 (header)",
            "missing ['ids']",
        ),
        (
            csv_bytes(record("a1", "X"), header=HEADER + ",name"),
            "line 1 (header)",
            "repeated ['name']",
        ),
        (
            csv_bytes(record("a1", "Caf\xe9")).replace("Caf\xe9".encode(), b"Caf\xe9"),
            "line 2, column",
            "not valid utf-8",
        ),
        (
            "\ufeff".encode("utf-16-le")
            + csv_bytes(record("a1", "X")).decode().encode("utf-16-le"),
            "line 1",
            "not valid utf-8",
        ),
        (
            csv_bytes(record("a1", "X"), '"b2","' + EL + '"', record("c3", "Z")),
            "record 2, line 3",
            "2 fields, expected 29",
        ),
        (csv_bytes(record("a1", "X") + ',"extra"'), "record 1, line 2", "30 fields, expected 29"),
        (csv_bytes(record("a1", "X"))[:-20], "record 1, line 2", "truncated"),
        (gzip.compress(csv_bytes(record("a1", "X")))[:-12], "gzip stream", "truncated"),
    ],
    ids=[
        "empty",
        "blank",
        "html",
        "json-as-csv",
        "renamed-column",
        "missing-column",
        "repeated-column",
        "latin-1",
        "utf-16",
        "short-record",
        "long-record",
        "cut-mid-field",
        "cut-gzip",
    ],
)
def test_bad_csv_is_refused(data: bytes, location: str, message: str) -> None:
    with pytest.raises(SourceFormatError) as err:
        parse_csv_bytes(CSV_NAME, data)
    assert err.value.file == CSV_NAME
    assert err.value.location.startswith(location)
    assert message in err.value.message


def test_cut_without_quotes_is_refused_too() -> None:
    # 2022-style unquoted fields, file cut inside the last record: too few fields, no newline
    data = (HEADER + "\nabc," + EL + ",,,,Firm One,,\n" + "def," + EL + ",,,,Firm Two").encode()
    with pytest.raises(SourceFormatError) as err:
        parse_csv_bytes(CSV_NAME, data)
    assert err.value.location == "record 2, line 3"
    assert "6 fields of 29" in err.value.message
