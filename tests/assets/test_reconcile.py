"""Reconciliation: entity resolution, stable party IDs, divergence tables and the Dagster asset.

Most tests run on `tests/fixtures/reconcile/`: 43 real entries of all seven lists (cut from a
warehouse built on the shipped snapshots, see its README) chosen for the hard cases — a shared
alias between two people, two officials listed with the same passports, a father and his son,
birth dates one day apart, a UK listing without the UN reference, lists citing each other.
Small synthetic frames pin single rules.
"""

import json
import random
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl
import pytest
from dagster import materialize

from assets.consolidated import inputs_path
from assets.reconcile import (
    RECONCILE_ASSETS,
    RECONCILE_CHECKS,
    check_counts_per_source,
    check_links_evidenced,
    check_one_cluster_each,
    check_one_type_each,
    reconcile_dir,
    reconcile_tables,
)
from core import divergence
from core import resolve as matcher
from core.canonical import frame, table_schema
from core.divergence import reconcile
from resources.storage import DataDir
from resources.warehouse import write_database
from schemas.reconcile import MODELS
from schemas.validate import validate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reconcile"
TABLES = ("entities", "names", "identifiers", "birth_dates", "countries", "attributes", "sanctions")


def load_fixture() -> dict[str, pl.DataFrame]:
    out = {}
    for table in TABLES:
        schema = table_schema(table)
        rows = [json.loads(line) for line in (FIXTURES / f"{table}.jsonl").open(encoding="utf-8")]
        for row in rows:
            for column, dtype in schema.items():
                if dtype == pl.Date and row.get(column):
                    row[column] = date.fromisoformat(row[column])
        out[table] = pl.DataFrame(rows, schema=schema)
    return out


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return load_fixture()


@pytest.fixture(scope="module")
def built(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    out, _ = reconcile(tables)
    return out


def cluster_of(clusters: pl.DataFrame, entity_id: str) -> set[str]:
    cluster_id = clusters.filter(pl.col("entity_id") == entity_id)["cluster_id"].item()
    return set(clusters.filter(pl.col("cluster_id") == cluster_id)["entity_id"])


# --- normalisation ---------------------------------------------------------------------------


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
    assert matcher.normalize_un_reference(raw) == key


def test_un_reference_expression_agrees_with_function() -> None:
    values = ["QDi.012", "QDI.12", "CDi. 038", "IRe.077", "KPi.035", "odd value"]
    expr = pl.DataFrame({"v": values}).select(matcher._un_reference_expr("v"))["v"].to_list()
    assert expr == [matcher.normalize_un_reference(v) for v in values]


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
    assert matcher.country_in_text(note) == code


def test_name_tokens_ignore_order_honorifics_legal_forms() -> None:
    assert matcher.name_tokens("GHAILANI, Ahmed Khalfan") == matcher.name_tokens(
        "Sheikh Ahmed Khalfan GHAILANI"
    )
    assert matcher.name_tokens("OOO Romashka", "organization") == ["romashka"]
    assert matcher.name_tokens("Romashka LLC", "organization") == ["romashka"]
    assert matcher.name_tokens("JOINT STOCK COMPANY LOMO", "organization") == ["lomo"]
    # transliterated: Cyrillic matches its Latin spelling
    assert matcher.name_tokens("ООО Ромашка", "organization") == ["romashka"]
    # a repeated name part is kept: Ibrahim Sab'awi Ibrahim is not Sab'awi Ibrahim
    assert matcher.name_tokens("IBRAHIM SABAWI IBRAHIM HASAN") == [
        "hasan",
        "ibrahim",
        "ibrahim",
        "sabawi",
    ]
    # a name made only of legal-form words keeps them
    assert matcher.name_tokens("THE COMPANY", "organization") == ["company", "the"]


def test_skeleton_unifies_spellings() -> None:
    assert matcher.skeleton("muhammad") == matcher.skeleton("mohammed") == "mhmd"
    assert matcher.skeleton("khalid") == matcher.skeleton("halid")
    assert matcher.skeleton("ai") == "ai"  # all vowels: the token itself


def test_bracketed_acronym_dropped_country_kept() -> None:
    assert matcher.without_acronym("BUTEMBO AIRLINES (BAL)") == "BUTEMBO AIRLINES"
    assert matcher.without_acronym("AL-HARAMAIN FOUNDATION (PAKISTAN)") is None
    assert matcher.without_acronym("PLAIN NAME") is None


# --- resolution on real records ----------------------------------------------------------------


def test_every_entity_in_exactly_one_cluster(
    tables: dict[str, pl.DataFrame], built: dict[str, pl.DataFrame]
) -> None:
    clusters = built["clusters"]
    assert clusters.height == tables["entities"].height == 43
    assert clusters["entity_id"].n_unique() == 43
    assert clusters["cluster_id"].n_unique() == 15
    assert check_one_type_each(clusters)[0]
    sizes = clusters.group_by("cluster_id").len()
    assert (
        clusters.join(sizes, on="cluster_id").filter(pl.col("len") != pl.col("cluster_size")).height
        == 0
    )


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


def test_uk_listing_without_un_reference_linked_by_score(built: dict[str, pl.DataFrame]) -> None:
    link = (
        built["cluster_links"]
        .filter(pl.col("left_entity_id") == "gb_ofsi-16131")
        .row(0, named=True)
    )
    assert link["right_entity_id"] == "un_sc-110362"
    assert link["rule"] == "probabilistic"
    assert link["score"] > 0.99
    assert (
        "'defense export logistics ministry' ~ 'defense export logistics ministry'"
        in link["evidence"]
    )


def test_father_and_son_kept_apart(built: dict[str, pl.DataFrame]) -> None:
    clusters = built["clusters"]
    # the EU's Sab'awi Ibrahim Hassan is the UK/UN father, not his son Ibrahim Sab'awi Ibrahim
    assert cluster_of(clusters, "eu_fsf-98") == {"eu_fsf-98", "gb_ofsi-7610", "un_sc-6908083"}
    assert cluster_of(clusters, "gb_ofsi-8696") == {
        "gb_ofsi-8696",
        "un_sc-6908130",
        "us_ofac_sdn-9332",
    }
    assert cluster_of(clusters, "gb_ofsi-8694") == {
        "gb_ofsi-8694",
        "un_sc-6908394",
        "us_ofac_sdn-9330",
    }


def test_shared_alias_does_not_merge_two_people(built: dict[str, pl.DataFrame]) -> None:
    clusters = built["clusters"]
    # Ghailani and Abubaker Shariff Ahmed are both published as "Abubakar AHMED"
    assert cluster_of(clusters, "un_sc-112044") == {
        "un_sc-112044",
        "gb_ofsi-6925",
        "us_ofac_sdn-6925",
        "us_csl-6925",
    }
    assert cluster_of(clusters, "gb_ofsi-12737") == {"gb_ofsi-12737", "un_sc-6908044"}


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


def test_conflicts_reported_not_hidden(built: dict[str, pl.DataFrame]) -> None:
    conflicts = built["cluster_conflicts"]
    chu = conflicts.filter(pl.col("left_entity_id") == "gb_ofsi-13560").row(0, named=True)
    assert chu["attribute"] == "birth_date"
    assert chu["right_entity_id"] == "un_sc-6908641"
    assert (chu["left_values"], chu["right_values"]) == ("23/11/1986", "1986-11-22")
    between = built["divergence_conflicts"]
    assert set(between["left_entity_id"]) == {"gb_ofsi-13560", "gb_ofsi-16163"}
    assert set(zip(between["left_authority"], between["right_authority"], strict=True)) == {
        ("UK", "UN")
    }


# --- single rules on synthetic records --------------------------------------------------------


def synthetic(
    parties: list[dict], identifiers: list[dict] | None = None, dates: list[dict] | None = None
) -> dict[str, pl.DataFrame]:
    """Canonical frames for a few parties: {entity_id, source, entity_type, name}."""
    entities = frame(
        "entities",
        [
            {
                "source": p["source"],
                "publication_id": f"{p['source']}-test",
                "entity_id": p["entity_id"],
                "source_id": p["entity_id"].split("-", 1)[1],
                "entity_type": p["entity_type"],
                "primary_name": p["name"],
            }
            for p in parties
        ],
    )
    names = frame(
        "names",
        [
            {
                "source": p["source"],
                "publication_id": f"{p['source']}-test",
                "entity_id": p["entity_id"],
                "name": p["name"],
                "name_type": "primary",
            }
            for p in parties
        ],
    )
    source_of = {p["entity_id"]: p["source"] for p in parties}
    ids = frame(
        "identifiers",
        [
            {"source": source_of[i["entity_id"]], "publication_id": "x-test", **i}
            for i in identifiers or []
        ],
    )
    births = frame(
        "birth_dates",
        [
            {"source": source_of[d["entity_id"]], "publication_id": "x-test", **d}
            for d in dates or []
        ],
    )
    return {
        "entities": entities,
        "names": names,
        "identifiers": ids,
        "birth_dates": births,
        "countries": frame("countries"),
        "attributes": frame("attributes"),
        "sanctions": frame("sanctions"),
    }


def party(entity_id: str, name: str, entity_type: str = "person") -> dict:
    return {
        "entity_id": entity_id,
        "source": entity_id.split("-")[0],
        "entity_type": entity_type,
        "name": name,
    }


def passport(entity_id: str, number: str, country: str | None) -> dict:
    return {
        "entity_id": entity_id,
        "id_type": "passport",
        "value": number,
        "normalized": number,
        "country_code": country,
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
    res = matcher.resolve(tables)
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
    links = matcher.resolve(tables).links
    # the evidence keeps both spellings as published
    assert links.select("rule", "evidence").rows() == [
        ("passport", "passport: 06010274747|SY (06010274747 / O6O1O274747)")
    ]


def registration(entity_id: str, value: str) -> dict:
    return {"entity_id": entity_id, "id_type": "registration", "value": value}


def test_companies_with_different_register_numbers_kept_apart() -> None:
    # real case: OAO "VO TPE" (UK) and OOO "VO TPE" (OFAC, and the UK apart) are two companies
    # of one name; their OGRNs (13 digits) differ, the OOO's agree
    tables = synthetic(
        [
            party("gb_ofsi-13524", 'OAO "VO TECHNOPROMEXPORT"', "organization"),
            party("gb_ofsi-13525", 'OOO "VO TECHNOPROMEXPORT"', "organization"),
            party("us_ofac_sdn-23565", "OOO VO TECHNOPROMEXPORT", "organization"),
        ],
        [
            registration("gb_ofsi-13524", "1067746244026 dated 27/07/1992. Tax ID: 7705713236"),
            registration("gb_ofsi-13525", "1147746527279 dated 27/07/1992. Tax ID: 7701863782e"),
            registration("us_ofac_sdn-23565", "1147746527279"),
        ],
    )
    res = matcher.resolve(tables)
    linked = res.links.filter(pl.col("rule") == "probabilistic")
    assert linked.select("left_entity_id", "right_entity_id").rows() == [
        ("gb_ofsi-13525", "us_ofac_sdn-23565")
    ]
    assert cluster_of(res.clusters, "gb_ofsi-13524") == {"gb_ofsi-13524"}
    # without register numbers the two names are one party's
    bare = synthetic(
        [
            party("gb_ofsi-13524", 'OAO "VO TECHNOPROMEXPORT"', "organization"),
            party("us_ofac_sdn-23565", "OOO VO TECHNOPROMEXPORT", "organization"),
        ]
    )
    assert matcher.resolve(bare).links.height == 1


def test_different_entity_types_never_linked() -> None:
    tables = synthetic(
        [
            party("gb_ofsi-1", "Ocean Star", "vessel"),
            party("us_ofac_sdn-1", "Ocean Star", "organization"),
        ],
        [
            {"entity_id": e, "id_type": "imo", "value": "9187629", "normalized": "9187629"}
            for e in ("gb_ofsi-1", "us_ofac_sdn-1")
        ],
    )
    res = matcher.resolve(tables)
    assert res.clusters["cluster_id"].n_unique() == 2
    assert res.links.is_empty()


def born(entity_id: str, day: date) -> dict:
    return {
        "entity_id": entity_id,
        "raw": day.isoformat(),
        "date_from": day,
        "date_to": day,
        "precision": "day",
    }


def test_one_list_entry_per_party_from_scores() -> None:
    # two UK entries alike in every way: the UN entry never joins both, and as nothing tells
    # which one it is, it joins neither (`Settings.ambiguity_margin`)
    people = ("gb_ofsi-1", "gb_ofsi-2", "un_sc-1")
    tables = synthetic(
        [party(e, "Zarkon Velthamir Oubrique") for e in people],
        dates=[born(e, date(1961, 5, 4)) for e in people],
    )
    res = matcher.resolve(tables)
    assert res.clusters["cluster_id"].n_unique() == 3
    assert res.links.is_empty()
    # one of them born another day: the UN entry joins the other
    dates = [born(e, date(1961, 5, 4)) for e in people[1:]] + [born("gb_ofsi-1", date(1970, 1, 2))]
    res = matcher.resolve(
        synthetic([party(e, "Zarkon Velthamir Oubrique") for e in people], dates=dates)
    )
    assert res.links.select("left_entity_id", "right_entity_id").rows() == [
        ("gb_ofsi-2", "un_sc-1")
    ]


def test_un_lists_a_party_once_per_committee() -> None:
    # real case: the UN lists Hassan Dahir AWEYS as QDi.042 (Al-Qaida) and SOi.002 (Somalia);
    # two UN entries of different regimes may be one party, two of one regime may not
    # (a third, Somalia entry of the name born another day stays apart; born the same day it
    # would make the Al-Qaida entry's link ambiguous, and none would be made)
    people = ("un_sc-111944", "un_sc-6908034", "un_sc-7000001")
    days = (date(1935, 1, 1), date(1935, 1, 1), date(1950, 6, 1))
    tables = synthetic(
        [party(e, "HASSAN DAHIR AWEYS") for e in people],
        dates=[born(e, d) for e, d in zip(people, days, strict=True)],
    )
    tables["sanctions"] = frame(
        "sanctions",
        [
            {"source": "un_sc", "publication_id": "un_sc-test", "entity_id": e, "program": p}
            for e, p in zip(people, ("Al-Qaida", "Somalia", "Somalia"), strict=True)
        ],
    )
    res = matcher.resolve(tables)
    linked = res.links.select("left_entity_id", "right_entity_id").rows()
    assert linked == [("un_sc-111944", "un_sc-6908034")]
    assert cluster_of(res.clusters, "un_sc-7000001") == {"un_sc-7000001"}
    # the two entries of one list in one party are reported
    assert res.conflicts.filter(pl.col("attribute") == "same_source_members").height == 1


def test_namesakes_on_one_list_make_a_name_weak() -> None:
    # two UK entries share the name: the name alone no longer tells which one the UN means
    tables = synthetic(
        [
            party("gb_ofsi-1", "Zarkon Velthamir Oubrique"),
            party("gb_ofsi-2", "Zarkon Velthamir Oubrique"),
            party("un_sc-1", "ZARKON VELTHAMIR OUBRIQUE"),
        ]
    )
    assert matcher.resolve(tables).links.is_empty()


def test_birth_dates_decide_between_namesakes() -> None:
    tables = synthetic(
        [party("gb_ofsi-1", "Quentin Marlowe Astrid"), party("un_sc-1", "Quentin Marlowe Astrid")],
        dates=[
            {
                "entity_id": "gb_ofsi-1",
                "raw": "1960",
                "date_from": date(1960, 1, 1),
                "date_to": date(1960, 12, 31),
                "precision": "year",
            },
            {
                "entity_id": "un_sc-1",
                "raw": "1975-03-02",
                "date_from": date(1975, 3, 2),
                "date_to": date(1975, 3, 2),
                "precision": "day",
            },
        ],
    )
    assert matcher.resolve(tables).links.is_empty()


def test_single_party_and_empty_input() -> None:
    lone = matcher.resolve(synthetic([party("gb_ofsi-1", "Lone Vessel", "vessel")]))
    assert lone.clusters.select("entity_id", "cluster_size").rows() == [("gb_ofsi-1", 1)]
    empty, _ = reconcile({name: frame(name) for name in TABLES})
    assert all(df.is_empty() for df in empty.values())
    assert validate(MODELS, empty) == []


# --- stable party IDs ---------------------------------------------------------------------------


def groups(*members: tuple[str, ...]) -> pl.DataFrame:
    rows = [{"entity_id": e, "group": min(m)} for m in members for e in m]
    return pl.DataFrame(rows, schema={"entity_id": pl.String, "group": pl.String})


def ids_of(assigned: pl.DataFrame) -> dict[str, str]:
    return dict(assigned.select("entity_id", "cluster_id").iter_rows())


def test_party_id_minted_from_smallest_member() -> None:
    assigned = ids_of(matcher.assign_cluster_ids(groups(("b", "a"), ("c",)), None))
    assert assigned["a"] == assigned["b"] == matcher._mint("a")
    assert assigned["c"] == matcher._mint("c")
    assert assigned["a"].startswith("party-") and len(assigned["a"]) == 22


def test_party_id_kept_while_any_member_persists() -> None:
    previous = pl.DataFrame({"entity_id": ["a", "b", "c"], "cluster_id": ["party-x"] * 3})
    # the smallest member left, a new one arrived: still the same party
    assigned = ids_of(matcher.assign_cluster_ids(groups(("b", "c", "d")), previous))
    assert set(assigned.values()) == {"party-x"}


def test_party_id_on_split_and_merge_is_deterministic() -> None:
    previous = pl.DataFrame(
        {
            "entity_id": ["a", "b", "c", "d", "e", "f", "g"],
            "cluster_id": ["party-x"] * 4 + ["party-y", "party-z", "party-z"],
        }
    )
    new = groups(("a", "b"), ("c", "d"), ("e", "f", "g"))
    assigned = ids_of(matcher.assign_cluster_ids(new, previous))
    # split of party-x 2/2: the new cluster with the smaller member keeps it
    assert assigned["a"] == assigned["b"] == "party-x"
    assert assigned["c"] == assigned["d"] == matcher._mint("c")
    # merge of party-y (1 member) and party-z (2 members): the larger share wins
    assert assigned["e"] == assigned["f"] == assigned["g"] == "party-z"
    shuffled = new.sample(fraction=1.0, shuffle=True, seed=3)
    again = ids_of(
        matcher.assign_cluster_ids(shuffled, previous.sample(fraction=1.0, shuffle=True, seed=5))
    )
    assert again == assigned


def test_minted_party_id_never_reuses_an_id_in_use() -> None:
    # an older party already holds the ID "c" would mint
    previous = pl.DataFrame({"entity_id": ["q"], "cluster_id": [matcher._mint("c")]})
    assigned = ids_of(matcher.assign_cluster_ids(groups(("q",), ("c",)), previous))
    assert assigned["q"] == matcher._mint("c")
    assert assigned["c"] == matcher._mint("c", 1)


def test_party_ids_stable_across_runs(tables: dict[str, pl.DataFrame]) -> None:
    first = matcher.resolve(tables)
    # drop one member of a multi-member party: the others keep the party's ID
    entities = tables["entities"].filter(pl.col("entity_id") != "gb_ofsi-6925")
    second = matcher.resolve({**tables, "entities": entities}, previous_clusters=first.clusters)
    before = ids_of(first.clusters)
    after = ids_of(second.clusters)
    assert after["un_sc-112044"] == before["un_sc-112044"]
    assert all(after[e] == before[e] for e in after)


# --- divergence ---------------------------------------------------------------------------------


def test_coverage_answers_who_did_not_list(built: dict[str, pl.DataFrame]) -> None:
    coverage = built["divergence_coverage"]
    russia = coverage.filter(
        (pl.col("authority") == "US")
        & (pl.col("program") == "RUSSIA-EO14024")
        & ~pl.col("on_eu")
        & ~pl.col("on_uk")
    )
    assert russia["entity_ids"].to_list() == [["us_ofac_sdn-34676"]]
    row = russia.row(0, named=True)
    assert row["missing_from"] == ["EU", "UK", "UN"]
    assert row["publication_ids"] == ["us_ofac_sdn-5ec6ac52d802c894"]
    assert "un_sc-afeb96b9ef40d458" in row["searched_publication_ids"]
    gazprom = coverage.filter(pl.col("entity_ids").list.contains("gb_ofsi-15015")).row(
        0, named=True
    )
    assert (gazprom["authority"], gazprom["program"]) == ("UK", "Russia")
    assert gazprom["listed_by"] == ["UK", "US"]
    assert gazprom["missing_from"] == ["EU", "UN"]
    assert gazprom["other_entity_ids"] == ["us_csl-17016", "us_ofac_cons-17016"]
    un_not_uk = coverage.filter((pl.col("authority") == "UN") & ~pl.col("on_uk"))
    assert un_not_uk.is_empty()  # every UN party of the fixture is also on a UK list


def test_coverage_only_counts_authorities_in_the_run(
    tables: dict[str, pl.DataFrame], built: dict[str, pl.DataFrame]
) -> None:
    clusters = built["clusters"].filter(pl.col("source") != "un_sc")
    coverage = divergence.coverage(clusters, tables)
    assert not coverage.is_empty()
    assert "UN" not in set(coverage["missing_from"].explode())


def test_lag_in_days_behind_the_first_authority(built: dict[str, pl.DataFrame]) -> None:
    lag = built["divergence_lag"]
    ghailani = lag.filter(pl.col("entity_ids").list.contains("gb_ofsi-6925")).row(0, named=True)
    un = lag.filter(pl.col("entity_ids").list.contains("un_sc-112044")).row(0, named=True)
    us = lag.filter(pl.col("entity_ids").list.contains("us_ofac_sdn-6925")).row(0, named=True)
    assert (ghailani["listed_on"], ghailani["first_authority"], ghailani["lag_days"]) == (
        date(2001, 10, 12),
        "UK",
        0,
    )
    assert (un["listed_on"], un["lag_days"]) == (date(2001, 10, 17), 5)
    assert us["listed_on"] is None and us["lag_days"] is None  # OFAC CSV files give no date
    snapback = lag.filter(pl.col("entity_ids").list.contains("gb_ofsi-16131")).row(0, named=True)
    assert (snapback["first_authority"], snapback["lag_days"]) == ("UN", 4879)


def test_all_tables_valid(built: dict[str, pl.DataFrame]) -> None:
    assert set(built) == set(MODELS)
    assert validate(MODELS, built) == []


def test_models_refuse_bad_rows(built: dict[str, pl.DataFrame]) -> None:
    clusters = built["clusters"]
    bad_id = clusters.with_columns(cluster_id=pl.lit("p-1"))
    mixed = clusters.with_columns(cluster_id=pl.lit(clusters["cluster_id"][0]))
    links = built["cluster_links"].with_columns(evidence=pl.lit("no rule"))
    failures = validate(
        {"clusters": MODELS["clusters"], "cluster_links": MODELS["cluster_links"]},
        {"clusters": bad_id, "cluster_links": links},
    )
    assert {f.table for f in failures} == {"clusters", "cluster_links"}
    assert validate({"clusters": MODELS["clusters"]}, {"clusters": mixed})
    # a link inside one list is refused, but for two UN entries joined by score
    scored = built["cluster_links"].filter(pl.col("rule") == "probabilistic").head(1)
    model = {"cluster_links": MODELS["cluster_links"]}
    for source, refused in (("gb_ofsi", True), ("un_sc", False)):
        inside = scored.with_columns(left_source=pl.lit(source), right_source=pl.lit(source))
        found = validate(model, {"cluster_links": inside})
        checks = [c for f in found for c in f.failure_cases["check"].to_list()]
        assert checks == (["across_sources"] if refused else [])


# --- checks and the Dagster asset -------------------------------------------------------------


def test_check_functions_catch_failures(
    tables: dict[str, pl.DataFrame], built: dict[str, pl.DataFrame]
) -> None:
    clusters, entities = built["clusters"], tables["entities"]
    assert check_one_cluster_each(clusters, entities)[0]
    twice = pl.concat([clusters, clusters.head(1).with_columns(cluster_id=pl.lit("party-x"))])
    passed, meta = check_one_cluster_each(
        twice.drop("cluster_size").with_columns(cluster_size=pl.lit(1)), entities
    )
    assert not passed and meta["in_several_clusters"] == 1
    passed, meta = check_one_cluster_each(clusters.tail(-1), entities)
    assert not passed and meta["in_no_cluster"] == 1
    mixed = clusters.with_columns(cluster_id=pl.lit("party-0000000000000000"))
    assert not check_one_type_each(mixed)[0]
    no_evidence = built["cluster_links"].with_columns(
        evidence=pl.when(pl.col("rule") == "imo").then(pl.lit("imo: ")).otherwise("evidence")
    )
    passed, meta = check_links_evidenced(no_evidence)
    assert not passed and meta["without_evidence"] == 3
    assert check_counts_per_source(clusters, entities)[0]
    passed, meta = check_counts_per_source(clusters.filter(pl.col("source") != "eu_fsf"), entities)
    assert not passed
    assert {r["source"]: r["clustered"] for r in meta["per_source"]}["eu_fsf"] == 0


def test_asset_writes_checked_tables_and_keeps_ids(
    tmp_path: Path, tables: dict[str, pl.DataFrame]
) -> None:
    data_dir = DataDir(root=str(tmp_path))
    write_database(data_dir.warehouse_db, tables)
    with pytest.raises(FileNotFoundError, match="reconciliation"):
        reconcile_tables(data_dir)
    first = materialize(RECONCILE_ASSETS + RECONCILE_CHECKS, resources={"data_dir": data_dir})
    assert first.success
    checks = {e.check_name: e.passed for e in first.get_asset_check_evaluations()}
    assert checks == {
        "one_cluster_per_record": True,
        "one_entity_type_per_cluster": True,
        "deterministic_links_evidenced": True,
        "counts_match_canonical": True,
        "reconcile_valid": True,
    }
    published = reconcile_tables(data_dir)
    assert set(published) == set(MODELS)
    assert sorted(p.name for p in reconcile_dir(data_dir).glob("*.parquet")) == sorted(
        f"{name}.parquet" for name in MODELS
    )
    assert published["clusters"].height == 43
    metadata = first.asset_materializations_for_node("reconciliation")[0].metadata
    assert metadata["parties"].value == 15
    assert metadata["party_ids_carried_over"].value == 0
    again = materialize(RECONCILE_ASSETS, resources={"data_dir": data_dir})
    metadata = again.asset_materializations_for_node("reconciliation")[0].metadata
    assert metadata["party_ids_carried_over"].value == 15
    assert reconcile_tables(data_dir)["clusters"].equals(published["clusters"])


def test_unchanged_inputs_are_not_reconciled_again(
    tmp_path: Path, tables: dict[str, pl.DataFrame]
) -> None:
    data_dir = DataDir(root=str(tmp_path))
    write_database(data_dir.warehouse_db, tables)
    inputs_path(data_dir).write_text('{"gb_ofsi": "gb_ofsi-2025-04-14.abc"}')
    assets = RECONCILE_ASSETS + RECONCILE_CHECKS
    first = materialize(assets, resources={"data_dir": data_dir})
    assert (
        first.asset_materializations_for_node("reconciliation")[0].metadata["unchanged"].value
        is False
    )
    built = reconcile_tables(data_dir)

    again = materialize(assets, resources={"data_dir": data_dir})
    metadata = again.asset_materializations_for_node("reconciliation")[0].metadata
    assert metadata["unchanged"].value is True
    assert metadata["parties"].value == 15
    assert metadata["rows_clusters"].value == 43
    evaluations = again.get_asset_check_evaluations()
    assert len(evaluations) == 5 and all(e.passed for e in evaluations)
    assert {e.metadata["checked"].value for e in evaluations} == {"earlier, on the same tables"}

    # a table changed behind the asset's back is rebuilt and checked again
    folder = reconcile_dir(data_dir)
    built["clusters"].head(3).write_parquet(folder / "clusters.parquet")
    third = materialize(assets, resources={"data_dir": data_dir})
    assert (
        third.asset_materializations_for_node("reconciliation")[0].metadata["unchanged"].value
        is False
    )
    assert "checked" not in third.get_asset_check_evaluations()[0].metadata
    assert reconcile_tables(data_dir)["clusters"].equals(built["clusters"])

    # other warehouse inputs: rebuilt
    inputs_path(data_dir).write_text('{"gb_ofsi": "gb_ofsi-2025-04-14.def"}')
    fourth = materialize(RECONCILE_ASSETS, resources={"data_dir": data_dir})
    assert (
        fourth.asset_materializations_for_node("reconciliation")[0].metadata["unchanged"].value
        is False
    )


def test_order_of_input_rows_does_not_matter(tables: dict[str, pl.DataFrame]) -> None:
    rng = random.Random(11)
    shuffled = {
        name: df.sample(fraction=1.0, shuffle=True, seed=rng.randrange(1000))
        for name, df in tables.items()
    }
    first, second = matcher.resolve(tables), matcher.resolve(shuffled)
    assert first.clusters.equals(second.clusters)
    assert first.links.equals(second.links)


def test_stale_reconciliation_is_refused_at_publish() -> None:
    from assets.reconcile import stale

    entities = pl.DataFrame({"entity_id": ["us_ofac_sdn-1", "un_sc-2"]})
    clusters = pl.DataFrame({"entity_id": ["us_ofac_sdn-1", "un_sc-3"]})
    assert stale({"clusters": clusters}, {"entities": entities}) == (
        "1 entities are in no cluster and 1 clustered entities are gone "
        "(materialize `reconciliation` first)"
    )
    assert stale({"clusters": entities}, {"entities": entities}) is None


# --- issue 15: the classes of error found on other years of the lists (real rows) -------------


@lru_cache(maxsize=8)
def _snapshot(source: str, published_at: str) -> dict[str, pl.DataFrame]:
    from bench.bench_reconcile import load_source

    return load_source(source, published_at)


def real_rows(*wanted: tuple[str, str, tuple[str, ...]]) -> dict[str, pl.DataFrame]:
    """The canonical rows of a few real entries: (source, snapshot, entity IDs) each."""
    parts = []
    for source, published_at, ids in wanted:
        tables = _snapshot(source, published_at)
        parts.append({n: df.filter(pl.col("entity_id").is_in(ids)) for n, df in tables.items()})
    return {n: pl.concat([p[n] for p in parts], how="vertical_relaxed") for n in parts[0]}


def _linked(res: matcher.Resolution, left: str, right: str) -> bool:
    return right in cluster_of(res.clusters, left)


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
    res = matcher.resolve(tables)
    rules = {
        (r["left_entity_id"], r["right_entity_id"]): (r["rule"], r["evidence"])
        for r in res.links.iter_rows(named=True)
    }
    assert rules[("gb_ofsi-6923", qdi)] == (
        "un_reference",
        "un_reference: QDI.012 (QI.A.12.01 / QDi.012)",
    )
    assert rules[("gb_ofsi-10657", iran)][0] == "un_reference"


def test_identical_names_always_meet() -> None:
    # UK 2023 lists KHORASAN METALLURGY INDUSTRIES (10448), the UN 2026 too (110367): however
    # the blocks fall, two parties carrying one whole name are compared on it
    tables = real_rows(
        ("gb_ofsi", "2023-06-05", ("gb_ofsi-10448",)),
        ("un_sc", "2026-02-27", ("un_sc-110367",)),
    )
    index = matcher.entity_index(
        tables["entities"].join(matcher.listing_units(tables), on="entity_id"), None
    )
    names = matcher.prepare_names(tables, index.filter(pl.col("entity_type") == "organization"))
    exact = matcher._exact_pairs(names, matcher.DEFAULT.window + 1)
    keys = names["key"]
    assert {(keys[a], keys[b]) for a, b in exact.select("nid_l", "nid_r").iter_rows()} == {
        ("industries khorasan metallurgy", "industries khorasan metallurgy")
    }
    # the primary name is each party's first name (it carries the party into its blocks)
    first = names.group_by("eidx", maintain_order=True).first()
    assert first["primary"].all()
    assert _linked(matcher.resolve(tables), "gb_ofsi-10448", "un_sc-110367")


def test_low_quality_alias_is_weaker_evidence_not_none() -> None:
    # the UN gives `Mansur Ahmad al-Sa'adi` as a low-quality alias of 6908884 (primary
    # `MANSUR AL-SA'ADI`); it is the UK's primary name for 15592. The pair is a candidate, its
    # name weighed 4 below a strong one, and still linked (the logit is 4: p = 0.98)
    tables = real_rows(
        ("gb_ofsi", "2025-04-14", ("gb_ofsi-15592",)),
        ("un_sc", "2026-02-27", ("un_sc-6908884",)),
    )
    tables["identifiers"] = tables["identifiers"].filter(pl.col("id_type") != "un_reference")
    # (both also publish the name in Arabic script, a strong match of its own: left out here)
    tables["names"] = tables["names"].filter(pl.col("name_type") != "original_script")
    low = tables["names"].filter(pl.col("quality") == "low")["name"].to_list()
    assert "Mansur Ahmad al-Sa’adi" in low
    scored, _, _ = matcher.probabilistic_links(tables, keep_scores=True)
    assert scored.height == 1
    weak = scored.row(0, named=True)
    assert weak["sim"] == 100.0
    assert weak["w_name"] == 11.0 - matcher.DEFAULT.weak_name_discount
    assert weak["logit"] == 4.0
    # marked strong, the same alias would weigh in full
    strong = {**tables, "names": tables["names"].with_columns(quality=pl.lit(None))}
    assert matcher.probabilistic_links(strong, keep_scores=True)[0]["w_name"].item() == 11.0


def test_bracketed_parts_are_name_variants() -> None:
    assert matcher.bracket_variants("ELECTRO SANAM COMPANY (E.S. CO ./ E.X. CO.)") == (
        "ELECTRO SANAM COMPANY",
        ["E.S. CO .", "E.X. CO."],
    )
    assert matcher.bracket_variants("AL-HARAMAIN FOUNDATION (PAKISTAN)") == (None, [])
    # the 2018 UK file's ELECTRO SANAM (10443) is the UN's (110390), by name alone
    tables = real_rows(
        ("gb_ofsi", "2018-04-13", ("gb_ofsi-10443",)),
        ("un_sc", "2026-02-27", ("un_sc-110390",)),
    )
    tables["identifiers"] = tables["identifiers"].filter(pl.col("id_type") != "un_reference")
    scored, found, _ = matcher.probabilistic_links(tables, keep_scores=True)
    assert scored["sim"].item() == 100.0
    assert found.select("left_entity_id", "right_entity_id").rows() == [
        ("gb_ofsi-10443", "un_sc-110390")
    ]


def test_name_commonness_counts_across_lists() -> None:
    assert pl.DataFrame({"n": [2, 1]}).select(matcher.commonness(pl.col("n"))).item() == 1
    assert pl.DataFrame({"n": [5, 4, 3]}).select(matcher.commonness(pl.col("n"))).item() == 4
    assert pl.DataFrame({"n": [1]}).select(matcher.commonness(pl.col("n"))).item() == 1
    # the UK lists MOHAMMAD REZA NAQDI twice (the Iran nuclear and the Iran human-rights
    # regimes), the UN once: a name two entries of one list share and one of another carries
    # is not common in the world (it was `2`, the most of one list, before)
    uk = _snapshot("gb_ofsi", "2025-04-14")["names"]
    naqdi = uk.filter(pl.col("name").str.to_uppercase() == "MOHAMMAD REZA NAQDI")["entity_id"]
    assert naqdi.n_unique() == 2
    tables = real_rows(
        ("gb_ofsi", "2025-04-14", tuple(naqdi.unique())), ("un_sc", "2026-02-27", ("un_sc-110421",))
    )
    index = matcher.entity_index(
        tables["entities"].join(matcher.listing_units(tables), on="entity_id"), None
    )
    names = matcher.prepare_names(tables, index)
    assert names.filter(pl.col("key") == "mohammad naqdi reza")["name_mult"].unique().to_list() == [
        1
    ]


def test_link_joining_two_entries_of_one_list_needs_strong_evidence() -> None:
    # real: the UK's Hassan Dahir AWEYS (6995, QDi.042) and the UN's two entries for him
    # (111944 QDi.042, 6908034 SOi.002: same primary name, same birth year) — one party,
    # reported in `cluster_conflicts`
    tables = real_rows(
        ("gb_ofsi", "2025-04-14", ("gb_ofsi-6995",)),
        ("un_sc", "2026-02-27", ("un_sc-111944", "un_sc-6908034")),
    )
    res = matcher.resolve(tables)
    assert cluster_of(res.clusters, "gb_ofsi-6995") == {
        "gb_ofsi-6995",
        "un_sc-111944",
        "un_sc-6908034",
    }
    same = res.conflicts.filter(pl.col("attribute") == "same_source_members")
    assert same.select("left_entity_id", "right_entity_id").rows() == [
        ("un_sc-111944", "un_sc-6908034")
    ]
    # the second UN entry known under the name only as an alias, with a birth range that
    # overlaps: the link would put two UN entries in one party on weaker evidence, refused
    names = tables["names"].with_columns(
        name_type=pl.when(
            (pl.col("entity_id") == "un_sc-6908034") & (pl.col("name_type") == "primary")
        )
        .then(pl.lit("alias"))
        .otherwise(pl.col("name_type"))
    )
    entities = tables["entities"].with_columns(
        primary_name=pl.when(pl.col("entity_id") == "un_sc-6908034")
        .then(pl.lit("SHEIKH HASSAN"))
        .otherwise(pl.col("primary_name"))
    )
    res = matcher.resolve({**tables, "names": names, "entities": entities})
    assert "un_sc-6908034" not in cluster_of(res.clusters, "gb_ofsi-6995")
    assert res.stats["probabilistic_links_refused"] >= 1
