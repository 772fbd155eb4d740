"""Blocking and scoring (`reconcile.blocking`, `reconcile.scoring`, `reconcile.probabilistic`):
which scored links are made and which are not."""

from datetime import date

import polars as pl

from reconcile.blocking import _exact_pairs
from reconcile.names import (
    prepare_names,
)
from reconcile.probabilistic import entity_index, listing_units, probabilistic_links
from reconcile.resolve import resolve
from reconcile.weights import DEFAULT
from tests.reconcile.helpers import (
    _linked,
    cluster_of,
    party,
    real_rows,
    registration,
    synthetic,
)


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
    res = resolve(tables)
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
    assert resolve(bare).links.height == 1


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
    res = resolve(tables)
    assert res.clusters["cluster_id"].n_unique() == 2
    assert res.links.is_empty()


def test_namesakes_on_one_list_make_a_name_weak() -> None:
    # two UK entries share the name: the name alone no longer tells which one the UN means
    tables = synthetic(
        [
            party("gb_ofsi-1", "Zarkon Velthamir Oubrique"),
            party("gb_ofsi-2", "Zarkon Velthamir Oubrique"),
            party("un_sc-1", "ZARKON VELTHAMIR OUBRIQUE"),
        ]
    )
    assert resolve(tables).links.is_empty()


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
    assert resolve(tables).links.is_empty()


def test_identical_names_always_meet() -> None:
    # UK 2023 lists KHORASAN METALLURGY INDUSTRIES (10448), the UN 2026 too (110367): however
    # the blocks fall, two parties carrying one whole name are compared on it
    tables = real_rows(
        ("gb_ofsi", "2023-06-05", ("gb_ofsi-10448",)),
        ("un_sc", "2026-02-27", ("un_sc-110367",)),
    )
    index = entity_index(tables["entities"].join(listing_units(tables), on="entity_id"), None)
    names = prepare_names(tables, index.filter(pl.col("entity_type") == "organization"))
    exact = _exact_pairs(names, DEFAULT.window + 1)
    keys = names["key"]
    assert {(keys[a], keys[b]) for a, b in exact.select("nid_l", "nid_r").iter_rows()} == {
        ("industries khorasan metallurgy", "industries khorasan metallurgy")
    }
    # the primary name is each party's first name (it carries the party into its blocks)
    first = names.group_by("eidx", maintain_order=True).first()
    assert first["primary"].all()
    assert _linked(resolve(tables), "gb_ofsi-10448", "un_sc-110367")


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
    scored, _, _ = probabilistic_links(tables, keep_scores=True)
    assert scored.height == 1
    weak = scored.row(0, named=True)
    assert weak["sim"] == 100.0
    assert weak["w_name"] == 11.0 - DEFAULT.weak_name_discount
    assert weak["logit"] == 4.0
    # marked strong, the same alias would weigh in full
    strong = {**tables, "names": tables["names"].with_columns(quality=pl.lit(None))}
    assert probabilistic_links(strong, keep_scores=True)[0]["w_name"].item() == 11.0
