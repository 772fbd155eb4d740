"""Clusters and stable party IDs (`reconcile.clusters`): one cluster per entity, one entry
per listing unit, IDs carried across runs, conflicts reported."""

import random
from datetime import date

import polars as pl

from assets.reconcile import (
    check_one_type_each,
)
from core.canonical import frame
from reconcile.clusters import _mint, assign_cluster_ids
from reconcile.divergence import reconcile
from reconcile.resolve import resolve
from schemas.reconcile import MODELS
from schemas.validate import validate
from tests.reconcile.helpers import (
    TABLES,
    born,
    cluster_of,
    groups,
    ids_of,
    party,
    real_rows,
    synthetic,
)


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


def test_one_list_entry_per_party_from_scores() -> None:
    # two UK entries alike in every way: the UN entry never joins both, and as nothing tells
    # which one it is, it joins neither (`Settings.ambiguity_margin`)
    people = ("gb_ofsi-1", "gb_ofsi-2", "un_sc-1")
    tables = synthetic(
        [party(e, "Zarkon Velthamir Oubrique") for e in people],
        dates=[born(e, date(1961, 5, 4)) for e in people],
    )
    res = resolve(tables)
    assert res.clusters["cluster_id"].n_unique() == 3
    assert res.links.is_empty()
    # one of them born another day: the UN entry joins the other
    dates = [born(e, date(1961, 5, 4)) for e in people[1:]] + [born("gb_ofsi-1", date(1970, 1, 2))]
    res = resolve(synthetic([party(e, "Zarkon Velthamir Oubrique") for e in people], dates=dates))
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
    res = resolve(tables)
    linked = res.links.select("left_entity_id", "right_entity_id").rows()
    assert linked == [("un_sc-111944", "un_sc-6908034")]
    assert cluster_of(res.clusters, "un_sc-7000001") == {"un_sc-7000001"}
    # the two entries of one list in one party are reported
    assert res.conflicts.filter(pl.col("attribute") == "same_source_members").height == 1


def test_single_party_and_empty_input() -> None:
    lone = resolve(synthetic([party("gb_ofsi-1", "Lone Vessel", "vessel")]))
    assert lone.clusters.select("entity_id", "cluster_size").rows() == [("gb_ofsi-1", 1)]
    empty, _ = reconcile({name: frame(name) for name in TABLES})
    assert all(df.is_empty() for df in empty.values())
    assert validate(MODELS, empty) == []


def test_party_id_minted_from_smallest_member() -> None:
    assigned = ids_of(assign_cluster_ids(groups(("b", "a"), ("c",)), None))
    assert assigned["a"] == assigned["b"] == _mint("a")
    assert assigned["c"] == _mint("c")
    assert assigned["a"].startswith("party-") and len(assigned["a"]) == 22


def test_party_id_kept_while_any_member_persists() -> None:
    previous = pl.DataFrame({"entity_id": ["a", "b", "c"], "cluster_id": ["party-x"] * 3})
    # the smallest member left, a new one arrived: still the same party
    assigned = ids_of(assign_cluster_ids(groups(("b", "c", "d")), previous))
    assert set(assigned.values()) == {"party-x"}


def test_party_id_on_split_and_merge_is_deterministic() -> None:
    previous = pl.DataFrame(
        {
            "entity_id": ["a", "b", "c", "d", "e", "f", "g"],
            "cluster_id": ["party-x"] * 4 + ["party-y", "party-z", "party-z"],
        }
    )
    new = groups(("a", "b"), ("c", "d"), ("e", "f", "g"))
    assigned = ids_of(assign_cluster_ids(new, previous))
    # split of party-x 2/2: the new cluster with the smaller member keeps it
    assert assigned["a"] == assigned["b"] == "party-x"
    assert assigned["c"] == assigned["d"] == _mint("c")
    # merge of party-y (1 member) and party-z (2 members): the larger share wins
    assert assigned["e"] == assigned["f"] == assigned["g"] == "party-z"
    shuffled = new.sample(fraction=1.0, shuffle=True, seed=3)
    again = ids_of(
        assign_cluster_ids(shuffled, previous.sample(fraction=1.0, shuffle=True, seed=5))
    )
    assert again == assigned


def test_minted_party_id_never_reuses_an_id_in_use() -> None:
    # an older party already holds the ID "c" would mint
    previous = pl.DataFrame({"entity_id": ["q"], "cluster_id": [_mint("c")]})
    assigned = ids_of(assign_cluster_ids(groups(("q",), ("c",)), previous))
    assert assigned["q"] == _mint("c")
    assert assigned["c"] == _mint("c", 1)


def test_party_ids_stable_across_runs(tables: dict[str, pl.DataFrame]) -> None:
    first = resolve(tables)
    # drop one member of a multi-member party: the others keep the party's ID
    entities = tables["entities"].filter(pl.col("entity_id") != "gb_ofsi-6925")
    second = resolve({**tables, "entities": entities}, previous_clusters=first.clusters)
    before = ids_of(first.clusters)
    after = ids_of(second.clusters)
    assert after["un_sc-112044"] == before["un_sc-112044"]
    assert all(after[e] == before[e] for e in after)


def test_order_of_input_rows_does_not_matter(tables: dict[str, pl.DataFrame]) -> None:
    rng = random.Random(11)
    shuffled = {
        name: df.sample(fraction=1.0, shuffle=True, seed=rng.randrange(1000))
        for name, df in tables.items()
    }
    first, second = resolve(tables), resolve(shuffled)
    assert first.clusters.equals(second.clusters)
    assert first.links.equals(second.links)


def test_link_joining_two_entries_of_one_list_needs_strong_evidence() -> None:
    # real: the UK's Hassan Dahir AWEYS (6995, QDi.042) and the UN's two entries for him
    # (111944 QDi.042, 6908034 SOi.002: same primary name, same birth year) — one party,
    # reported in `cluster_conflicts`
    tables = real_rows(
        ("gb_ofsi", "2025-04-14", ("gb_ofsi-6995",)),
        ("un_sc", "2026-02-27", ("un_sc-111944", "un_sc-6908034")),
    )
    res = resolve(tables)
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
    res = resolve({**tables, "names": names, "entities": entities})
    assert "un_sc-6908034" not in cluster_of(res.clusters, "gb_ofsi-6995")
    assert res.stats["probabilistic_links_refused"] >= 1
