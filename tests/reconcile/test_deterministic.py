"""Deterministic links (`reconcile.deterministic`): UN references, documents with their
country, lists citing each other."""

import polars as pl
import pytest

from assets.reconcile import (
    check_links_evidenced,
)
from core.countries import country_in_text
from reconcile.deterministic import normalize_un_reference, un_reference_expr
from reconcile.resolve import resolve
from tests.reconcile.helpers import (
    _snapshot,
    cluster_of,
    party,
    passport,
    real_rows,
    synthetic,
)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("QDi.012", "QDI.012"),
        ("QDI.012", "QDI.012"),
        ("QDi.12", "QDI.012"),
        ("CDi. 038", "CDI.038"),
        (" KPe.070 ", "KPE.070"),
        ("TAi.079.", "TAI.079"),
        ("not a reference", "NOTAREFERENCE"),
    ],
)
def test_un_reference_normalised(raw: str, key: str) -> None:
    assert normalize_un_reference(raw) == key


def test_un_reference_expression_agrees_with_function() -> None:
    values = ["QDi.012", "QDI.12", "CDi. 038", "IRe.077", "KPi.035", "odd value"]
    expr = pl.DataFrame({"v": values}).select(un_reference_expr("v"))["v"].to_list()
    assert expr == [normalize_un_reference(v) for v in values]


@pytest.mark.parametrize(
    ("note", "code"),
    [
        ("Saudi Arabia number, issued on 27 May 2002. Expired on 3 Apr. 2007.", "SA"),
        ("(Afghan). Issued 20 Oct 1996", "AF"),
        ("Issued in Iran", "IR"),
        ("Russian foreign travel passport number", "RU"),
        ("Issued on 8 Nov 2012", None),  # "on" is not India's ISO code
        ("Issued in Jordan; Syrian passport", None),  # two countries: no certain issuer
        # real OFSI notes: longest name first, the leading country is the issuer
        ("Issued by the Democratic People's Republic of Korea", "KP"),
        ("(Congo, Democratic Republic of the) issued 21.12.2015 expiry 20.12.2020.", "CD"),
        ("South Sudan number", "SS"),
        ("United States of America. Issued 21 June 1992 in Amman, Jordan", "US"),
        ("Pakistani. Issued in Kuwait", "PK"),
        ("CAR diplomatic passport no., issued on 22 Feb. 2007 (expired on 21 Feb. 2012)", "CF"),
        ("US social security", "US"),
        ("South African. Related to alias Abdel Ilah Sabri. Confiscated.", "ZA"),
        (None, None),
    ],
)
def test_country_in_note(note: str | None, code: str | None) -> None:
    assert country_in_text(note) == code


def test_deterministic_links_carry_rule_and_value(built: dict[str, pl.DataFrame]) -> None:
    links = built["cluster_links"]
    evidence = set(
        links.filter(pl.col("rule") != "probabilistic")
        .select(pl.concat_str("left_entity_id", "right_entity_id", "evidence", separator=" "))
        .to_series()
    )
    assert "gb_ofsi-6925 un_sc-112044 un_reference: QDI.028" in evidence
    assert "gb_ofsi-13648 us_ofac_sdn-23730 imo: 7303803" in evidence
    assert "gb_ofsi-13648 us_csl-23730 imo: 7303803 (7303803 / IMO 7303803)" in evidence
    assert "us_csl-6925 us_ofac_sdn-6925 ofac_entity_number: 6925" in evidence
    assert "gb_fcdo-RUS1444 gb_ofsi-15395 ofsi_group_id: 15395" in evidence
    assert "gb_fcdo-RUS1444 gb_ofsi-15395 uk_list_reference: RUS1444" in evidence
    # a passport number links only with its issuing country (UK: read from the note)
    assert "gb_ofsi-8696 us_ofac_sdn-9332 passport: 284173|IQ" in evidence
    assert "us_csl-17016 us_ofac_cons-17016 swift_bic: GAZPRUMM" in evidence
    assert check_links_evidenced(links)[0]
    assert links.filter(pl.col("rule") != "probabilistic")["score"].unique().to_list() == [1.0]


def test_shared_passports_of_two_officials_prove_nothing(built: dict[str, pl.DataFrame]) -> None:
    clusters, links = built["clusters"], built["cluster_links"]
    # the UK and the UN give Azim Aghajani and Ali Akbar Tabatabaei the same two passports
    assert cluster_of(clusters, "gb_ofsi-16164") == {"gb_ofsi-16164", "un_sc-110444"}
    assert cluster_of(clusters, "gb_ofsi-16163") == {
        "gb_ofsi-16163",
        "un_sc-110406",
        "us_ofac_sdn-13106",
    }
    assert links.filter(pl.col("evidence").str.contains("6620505|IR", literal=True)).is_empty()


def test_lists_citing_each_other_and_names_join_one_party(built: dict[str, pl.DataFrame]) -> None:
    clusters = built["clusters"]
    assert cluster_of(clusters, "gb_fcdo-DPR0226") == {
        "gb_fcdo-DPR0226",
        "gb_ofsi-13420",
        "un_sc-6908566",
        "us_ofac_sdn-16084",
        "us_csl-16084",
    }
    assert cluster_of(clusters, "gb_ofsi-15015") == {
        "gb_ofsi-15015",
        "us_ofac_cons-17016",
        "us_csl-17016",
    }
    assert cluster_of(clusters, "eu_fsf-101") == {
        "eu_fsf-101",
        "gb_ofsi-7608",
        "un_sc-6908085",
        "us_ofac_sdn-7880",
    }


def test_passport_links_only_with_same_country() -> None:
    tables = synthetic(
        [
            party("gb_ofsi-1", "Alpha Person"),
            party("un_sc-1", "Bravo Someone"),
            party("us_ofac_sdn-1", "Charlie Other"),
            party("eu_fsf-1", "Delta Else"),
        ],
        [
            passport("gb_ofsi-1", "A1234567", "IR"),
            passport("un_sc-1", "A1234567", "IR"),
            passport("us_ofac_sdn-1", "A1234567", "IQ"),  # same number, other country
            passport("eu_fsf-1", "A1234567", None),  # no country: too weak
        ],
    )
    res = resolve(tables)
    assert res.links.select("left_entity_id", "right_entity_id", "rule").rows() == [
        ("gb_ofsi-1", "un_sc-1", "passport")
    ]
    assert res.links["evidence"].item() == "passport: A1234567|IR"


def test_passport_number_letter_o_read_as_zero() -> None:
    # real pair: the UK writes Amer FOZ's Syrian passport 06010274747, OFAC O6O1O274747
    tables = synthetic(
        [party("gb_ofsi-1", "Amer FOZ"), party("us_ofac_sdn-1", "Nobody Alike")],
        [
            passport("gb_ofsi-1", "06010274747", "SY"),
            passport("us_ofac_sdn-1", "O6O1O274747", "SY"),
        ],
    )
    links = resolve(tables).links
    # the evidence keeps both spellings as published
    assert links.select("rule", "evidence").rows() == [
        ("passport", "passport: 06010274747|SY (06010274747 / O6O1O274747)")
    ]


def test_historic_un_references_link_old_uk_files() -> None:
    # the 2018 OFSI CSV writes `QI.A.12.01` (today QDi.012) and the Iran committee's
    # `E.29.I.11`, which the UN keeps in its comments (`[Old Reference # E.29.I.11]`)
    un = _snapshot("un_sc", "2026-02-27")["identifiers"]
    qdi = un.filter(pl.col("normalized") == "QDI.012")["entity_id"].item()
    iran = un.filter(pl.col("value") == "E.29.I.11")["entity_id"].item()
    tables = real_rows(
        ("gb_ofsi", "2018-04-13", ("gb_ofsi-6923", "gb_ofsi-10657")),
        ("un_sc", "2026-02-27", (qdi, iran)),
    )
    res = resolve(tables)
    rules = {
        (r["left_entity_id"], r["right_entity_id"]): (r["rule"], r["evidence"])
        for r in res.links.iter_rows(named=True)
    }
    assert rules[("gb_ofsi-6923", qdi)] == (
        "un_reference",
        "un_reference: QDI.012 (QI.A.12.01 / QDi.012)",
    )
    assert rules[("gb_ofsi-10657", iran)][0] == "un_reference"
