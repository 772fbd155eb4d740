"""Tests for the OFAC remarks parser, on real rows cut from sdn.csv / cons_prim.csv.

The fixture (tests/fixtures/ofac_remarks/remarks_sample.csv, see its README) holds full remarks
texts keyed by ent_num; every assertion below is on a value OFAC published.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from ofac.remark_labels import ID_TYPES, KNOWN_LABELS
from ofac.remarks import Remarks, is_valid_imo, parse_remarks, split_fragments

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "ofac_remarks" / "remarks_sample.csv"


@pytest.fixture(scope="module")
def sample() -> dict[str, str]:
    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        return {row["ent_num"]: row["remarks"] for row in csv.DictReader(fh)}


def parsed(sample: dict[str, str], ent_num: str) -> Remarks:
    return parse_remarks(sample[ent_num])


def ids(remarks: Remarks, id_type: str) -> list[dict]:
    return [row for row in remarks.identifiers if row["id_type"] == id_type]


def attrs(remarks: Remarks, attribute: str) -> list[str]:
    return [row["value"] for row in remarks.attributes if row["attribute"] == attribute]


# --- empty input -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   ", "-0- "])
def test_empty_input_gives_empty_remarks(text: str | None) -> None:
    r = parse_remarks(text)
    assert r == Remarks([], [], [], [], [], [], [], [])


# --- identifiers -------------------------------------------------------------------------------


def test_passport_with_country_issued_and_expiry(sample: dict[str, str]) -> None:
    (passport,) = ids(parsed(sample, "10375"), "passport")
    assert passport == {
        "id_type": "passport",
        "label": "Passport",
        "value": "H0347417",
        "normalized": "H0347417",
        "country_code": "IQ",
        "country_raw": "Iraq",
        "note": "issued 20 Feb 2003; expires 19 Feb 2011",
    }


def test_hong_kong_id_keeps_check_character_and_bno_passport(sample: dict[str, str]) -> None:
    r = parsed(sample, "9340")
    (national_id,) = ids(r, "national_id")
    assert national_id["value"] == "D489833(9)"
    assert national_id["normalized"] == "D4898339"
    assert national_id["country_code"] == "HK"
    passports = {(p["label"], p["value"], p["country_code"]) for p in ids(r, "passport")}
    assert passports == {
        ("Passport", "611657479", "CN"),
        ("Passport", "2355009C", "CN"),
        ("British National Overseas Passport", "750200421", "GB"),
    }


def test_registration_court_goes_to_note_country_to_code(sample: dict[str, str]) -> None:
    (reg,) = ids(parsed(sample, "44238"), "registration")
    assert reg["label"] == "Registration Number"
    assert reg["value"] == "HRA 738521"
    assert reg["normalized"] == "HRA738521"
    assert (reg["country_code"], reg["country_raw"], reg["note"]) == ("DE", "Germany", "Stuttgart")


def test_sberbank_swift_websites_tax_and_registration(sample: dict[str, str]) -> None:
    r = parsed(sample, "17018")
    assert [i["value"] for i in ids(r, "swift_bic")] == ["SABRRUMM"]
    assert [i["normalized"] for i in ids(r, "website")] == ["www.sberbank.ru", "www.sberbank.com"]
    (tax,) = ids(r, "tax_id")
    assert (tax["label"], tax["value"], tax["country_code"]) == ("Tax ID No.", "7707083893", "RU")
    (reg,) = ids(r, "registration")
    assert (reg["value"], reg["country_code"]) == ("1027700132195", "RU")


def test_spanish_and_mexican_labels_kept_as_written(sample: dict[str, str]) -> None:
    labels = {(i["label"], i["id_type"], i["value"]) for i in parsed(sample, "10628").identifiers}
    assert labels == {
        ("R.F.C.", "tax_id", "OIOM600614YA5"),
        ("C.U.R.P.", "national_id", "OIOM600614HSLLJR08"),
        ("Electoral Registry No.", "national_id", "OIOJMR60061425H900"),
    }
    (nit,) = parsed(sample, "16469").identifiers[:1]
    assert (nit["label"], nit["value"], nit["normalized"]) == ("NIT #", "830106350-0", "8301063500")


def test_phone_email_and_telex(sample: dict[str, str]) -> None:
    r = parsed(sample, "12312")
    phones = [(p["label"], p["normalized"]) for p in ids(r, "phone")]
    assert phones[:3] == [
        ("PHONE", "85023818221"),
        ("PHONE", "8502181118221"),
        ("FAX", "85023814576"),
    ]
    assert [e["normalized"] for e in ids(r, "email")] == ["kdb@co.chesin.com"]
    (telex,) = [i for i in r.identifiers if i["label"] == "TELEX"]
    assert telex["value"] == "360230 and 37041 KDP KP"
    # an unknown label is kept verbatim, never dropped
    assert r.unparsed == ["TGMS daesongbank"]


# --- vessels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("9212917", True),
        ("9617923", True),
        ("9212918", False),
        ("5878589", False),
        ("92129", False),
    ],
)
def test_imo_check_digit(number: str, valid: bool) -> None:
    assert is_valid_imo(number) is valid


def test_vessel_imo_mmsi_flags_and_former_name(sample: dict[str, str]) -> None:
    r = parsed(sample, "15053")
    (imo,) = ids(r, "imo")
    assert (imo["normalized"], imo["note"]) == ("9212917", None)
    assert [m["normalized"] for m in ids(r, "mmsi")] == ["677050000"]
    assert attrs(r, "former_vessel_flag") == ["Malta", "Tanzania"]
    assert r.names == [{"name": "MARINA", "name_type": "fka", "quality": "weak"}]


def test_imo_failing_check_digit_is_kept_with_note(sample: dict[str, str]) -> None:
    (imo,) = ids(parsed(sample, "19569"), "imo")
    assert imo["value"] == "5878589"
    assert imo["note"] == "invalid check digit"


def test_imo_company_number_is_not_checked(sample: dict[str, str]) -> None:
    (imo,) = ids(parsed(sample, "26929"), "imo")
    assert (imo["label"], imo["normalized"]) == ("Company Number IMO", "1865817")
    assert imo["note"] == "IMO company number"


# --- crypto ------------------------------------------------------------------------------------


def test_crypto_addresses_keep_case_and_currency(sample: dict[str, str]) -> None:
    wallets = ids(parsed(sample, "28264"), "crypto_wallet")
    assert len(wallets) == 12
    first = wallets[0]
    assert first["label"] == "Digital Currency Address - XBT"
    assert first["value"] == first["normalized"] == "1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE"
    assert first["note"] == "XBT"


def test_evm_address_normalized_lower_case(sample: dict[str, str]) -> None:
    (usdt,) = ids(parsed(sample, "43085"), "crypto_wallet")
    assert usdt["value"] == "0x38735f03b30FbC022DdD06ABED01F0Ca823C6a94"
    assert usdt["normalized"] == "0x38735f03b30fbc022ddd06abed01f0ca823c6a94"
    assert usdt["note"] == "USDT"


# --- dates of birth ----------------------------------------------------------------------------


def test_dob_year_range(sample: dict[str, str]) -> None:
    (dob,) = parsed(sample, "45897").birth_dates
    assert dob == {
        "raw": "1966 to 1967",
        "date_from": date(1966, 1, 1),
        "date_to": date(1967, 12, 31),
        "precision": "range",
        "circa": False,
    }


def test_dob_circa_dashed_range_and_alt_year(sample: dict[str, str]) -> None:
    circa, alt = parsed(sample, "11748").birth_dates
    assert circa["raw"] == "circa 1979-1982"  # raw as published
    assert (circa["date_from"], circa["date_to"]) == (date(1979, 1, 1), date(1982, 12, 31))
    assert (circa["precision"], circa["circa"]) == ("range", True)
    assert (alt["raw"], alt["precision"]) == ("1982", "year")


def test_dob_circa_day_and_month(sample: dict[str, str]) -> None:
    (day,) = parsed(sample, "7929").birth_dates
    assert (day["date_from"], day["precision"], day["circa"]) == (date(1966, 7, 7), "day", True)
    (month,) = parsed(sample, "6862").birth_dates
    assert (month["date_from"], month["date_to"]) == (date(1938, 9, 1), date(1938, 9, 30))
    assert month["precision"] == "month"


def test_bad_dates_go_to_unparsed_not_invented() -> None:
    r = parse_remarks("DOB 31 Feb 1970; alt. DOB sometime in the sixties; DOB 1962.")
    assert [d["raw"] for d in r.birth_dates] == ["1962"]
    assert r.unparsed == ["DOB 31 Feb 1970", "alt. DOB sometime in the sixties"]


def test_birth_date_rows_are_not_shared() -> None:
    first = parse_remarks("DOB 1960.").birth_dates[0]
    first["raw"] = "changed"
    assert parse_remarks("DOB 1960.").birth_dates[0]["raw"] == "1960"


# --- places, countries, gender -----------------------------------------------------------------


def test_pob_nationality_citizenship(sample: dict[str, str]) -> None:
    r = parsed(sample, "9340")
    assert r.birth_places == [{"place": "China", "country_code": "CN"}]
    assert r.countries == [
        {"country_code": "CN", "raw": "China", "relation": "nationality"},
        {"country_code": "CN", "raw": "China", "relation": "citizenship"},
        {"country_code": "KH", "raw": "Cambodia", "relation": "citizenship"},
    ]
    multi = parsed(sample, "12920").birth_places
    assert multi[0] == {
        "place": "Lowy Kariz, Spin Boldak District, Kandahar Province, Afghanistan",
        "country_code": "AF",
    }


def test_nationality_of_registration_is_jurisdiction(sample: dict[str, str]) -> None:
    r = parsed(sample, "23557")
    assert {"country_code": "RU", "raw": "Russia", "relation": "jurisdiction"} in r.countries


def test_gender_and_secondary_sanctions_risk(sample: dict[str, str]) -> None:
    r = parsed(sample, "45897")
    assert attrs(r, "gender") == ["Male"]
    assert attrs(r, "secondary_sanctions_risk") == [
        "section 1(b) of Executive Order 13224, as amended by Executive Order 13886"
    ]
    assert attrs(parsed(sample, "23127"), "gender") == ["Female"]


# --- names and relationships -------------------------------------------------------------------


def test_weak_aliases_and_later_names(sample: dict[str, str]) -> None:
    assert parsed(sample, "306").names == [{"name": "BNC", "name_type": "alias", "quality": "weak"}]
    assert parsed(sample, "41920").names == [
        {"name": "LGOK", "name_type": "nka", "quality": "weak"}
    ]
    quoted = parsed(sample, "46072").names
    assert [n["name"] for n in quoted] == ["MOGE", "M.O.G.E."]


def test_linked_to_and_family(sample: dict[str, str]) -> None:
    assert {"to_name": "LAZARUS GROUP", "relation": "linked_to"} in parsed(
        sample, "28264"
    ).relationships
    assert parsed(sample, "7731").relationships == [
        {"to_name": "Slobodan Milosevic", "relation": "spouse_of"}
    ]
    assert parsed(sample, "7280").relationships == [
        {"to_name": "Abdullah Sungkar", "relation": "founded_by"}
    ]


# --- attributes --------------------------------------------------------------------------------


def test_directive_attributes(sample: dict[str, str]) -> None:
    r = parsed(sample, "17018")
    assert attrs(r, "eo13662_directive_determination") == ["Subject to Directive 1"]
    assert attrs(r, "listing_date") == [
        "EO 14024 Directive 2: 24 Feb 2022",
        "EO 14024 Directive 3: 24 Feb 2022",
    ]
    assert attrs(r, "effective_date")[-1] == "EO 14024 Directive 3: 26 Mar 2022"
    assert attrs(r, "directives_link") == [
        "http://www.treasury.gov/resource-center/sanctions/Programs/Pages/ukraine.aspx#directives"
    ]
    eo14014 = attrs(parsed(sample, "46072"), "eo14014_directive_information")
    assert eo14014[0].startswith("Subject to Directive 1 - As of the effective date")


def test_organization_aircraft_and_status(sample: dict[str, str]) -> None:
    org = parsed(sample, "41920")
    assert attrs(org, "organization_established_date") == ["1971"]
    assert attrs(org, "organization_type") == ["Mining of iron ores"]
    aircraft = parsed(sample, "18150")
    assert attrs(aircraft, "aircraft_model") == ["Airbus A340-642"]
    assert attrs(aircraft, "aircraft_manufacture_date") == ["2002"]
    assert [(i["id_type"], i["value"]) for i in aircraft.identifiers] == [
        ("aircraft_serial", "391"),
        ("aircraft_tail", "EP-MMH"),
    ]
    individual = parsed(sample, "7686")
    assert attrs(individual, "status") == ["ICTY indictee in custody"]
    assert individual.unparsed == ["Bosnian Serb"]


def test_title_and_membership(sample: dict[str, str]) -> None:
    r = parsed(sample, "23127")
    assert attrs(r, "title") == ["Rector of Venezuela's National Electoral Council"]
    assert r.relationships == [
        {"to_name": "Venezuela's National Electoral Board", "relation": "member_of"}
    ]


# --- splitting ---------------------------------------------------------------------------------


def test_semicolons_inside_parentheses_do_not_split(sample: dict[str, str]) -> None:
    r = parsed(sample, "11313")
    (note,) = attrs(r, "note")
    assert note.startswith("(Following data derived from an Eritrean passport")
    assert "Alt. DOB: 10 October 1969; Alt. POB: Keren Eritrea" in note
    # the DOBs inside the note are not read as dates of birth
    assert [d["raw"] for d in r.birth_dates] == ["1969", "10 Oct 1969"]
    assert [n["name"] for n in r.names] == ["ABU MANSUR", "ABU MANSOUR"]


def test_final_period_removed_but_not_from_abbreviation() -> None:
    assert split_fragments("a.k.a. 'BNC'.") == ["a.k.a. 'BNC'"]
    r = parse_remarks("Linked To: KAIKAI TECHNOLOGY CO., LTD.")
    assert r.relationships == [{"to_name": "KAIKAI TECHNOLOGY CO., LTD.", "relation": "linked_to"}]
    r = parse_remarks("Website www.mkb.ru.")
    assert ids(r, "website")[0]["value"] == "www.mkb.ru"


def test_unknown_label_and_prose_values_are_unparsed() -> None:
    r = parse_remarks(
        "Favourite Colour Blue; Passport and National ID were issued in Ulm, Germany; "
        "Passport 12345 (Spain)."
    )
    assert r.unparsed == [
        "Favourite Colour Blue",
        "Passport and National ID were issued in Ulm, Germany",
    ]
    assert [p["country_code"] for p in ids(r, "passport")] == ["ES"]


# --- whole fixture -----------------------------------------------------------------------------


def test_label_table_is_complete_and_valid() -> None:
    assert len(KNOWN_LABELS) > 100
    assert set(KNOWN_LABELS.values()) <= ID_TYPES


def test_fixture_unparsed_share_and_value_domains(sample: dict[str, str]) -> None:
    fragments = unparsed = 0
    for text in sample.values():
        r = parse_remarks(text)
        fragments += len(split_fragments(text))
        unparsed += len(r.unparsed)
        assert {i["id_type"] for i in r.identifiers} <= ID_TYPES
        assert {c["relation"] for c in r.countries} <= {
            "nationality",
            "citizenship",
            "jurisdiction",
            "other",
        }
        assert {n["name_type"] for n in r.names} <= {"alias", "fka", "nka"}
        for row in r.identifiers:
            assert row["value"] and row["normalized"]
            if row["country_raw"] is None:
                assert row["country_code"] is None
    assert len(sample) >= 60
    assert fragments > 300
    assert unparsed / fragments < 0.01
