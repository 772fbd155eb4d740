"""FollowTheMoney export, proven by real clients: two runs on real data (the default run, whose
SDN is the 2023-12-28 CSV set, then SDN 2024-05-03 pinned), every exported entity validated by `followthemoney`,
the export loaded by `nomenklatura` and its matcher run, deltas followed to the latest
export, the version index and the dataset index."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from followthemoney import model
from nomenklatura import Resolver
from nomenklatura.db import make_session
from nomenklatura.matching import ScoringConfig, get_algorithm
from nomenklatura.store import load_entity_file_store

from ftm.delta import apply_delta
from ftm.export import build_entities, ftm_id, read_lines
from tests.test_history import ROOT, ent_nums, latest, manifest, run

SDN = ROOT / "snapshots" / "us_ofac_sdn"


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    data = tmp_path_factory.mktemp("ftm")
    assert run(data, pins={"us_ofac_sdn": "2023-12-28"}).success  # the default run
    first = latest(data)
    assert run(data, pins={"us_ofac_sdn": "2024-05-03"}).success
    second = latest(data)
    assert first != second
    return data, first, second


def entities(folder: Path) -> dict[str, dict]:
    return {e["id"]: e for e in read_lines((folder / "entities.ftm.json").read_bytes())}


def _validate(export: dict[str, dict]) -> None:
    """What followthemoney says of every entity of an export."""
    for data in export.values():
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract, data
        # re-read uncleaned: FtM's own cleaning keeps every value (none invalid for its type)
        proxy = model.get_proxy(data, cleaned=False)
        assert {k: sorted(v) for k, v in proxy.to_dict()["properties"].items()} == data[
            "properties"
        ], data["id"]
        for prop in schema.required:
            assert proxy.get(prop), (data["id"], prop)
        # every reference points at an entity of the export, of a schema its property allows
        for prop, value in proxy.itervalues():
            if prop.type.name == "entity":
                target = export.get(value)
                assert target is not None, (data["id"], prop.name, value)
                assert model.get(target["schema"]).is_a(prop.range), (data["id"], prop.name)


def test_followthemoney_validates_every_entity(versions: tuple[Path, Path, Path]) -> None:
    _, first, second = versions
    for folder in (first, second):  # the default run's export, then the next version's
        export = entities(folder)
        assert len(export) > 100_000
        _validate(export)
        schemata = {e["schema"] for e in export.values()}
        assert {
            "Person", "Organization", "Company", "Vessel", "Airplane", "Sanction", "Passport",
            "Identification", "Address", "Ownership", "UnknownLink",
        } <= schemata  # fmt: skip


def test_specific_entities(versions: tuple[Path, Path, Path]) -> None:
    _, _, second = versions
    export = entities(second)
    vessel = export["us-ofac-sdn-34940"]
    assert vessel["schema"] == "Vessel"
    assert vessel["properties"]["imoNumber"] == ["IMO9220639"]
    assert vessel["properties"]["name"] == ["BALTIC LEADER"]
    person = export["un-sc-6907997"]
    assert person["schema"] == "Person"
    assert person["properties"]["name"] == ["JÉRÔME KAKWAVU BUKANDE"]
    assert person["properties"]["nationality"] == ["cd"]
    sanctions = [
        e
        for e in export.values()
        if e["schema"] == "Sanction" and e["properties"]["entity"] == ["un-sc-6907997"]
    ]
    assert [s["properties"]["program"] for s in sanctions] == [["DRC"]]
    assert sanctions[0]["properties"]["unscId"] == ["CDi.005"]
    assert sanctions[0]["properties"]["listingDate"] == ["2005-11-01"]
    ofac = [
        e
        for e in export.values()
        if e["schema"] == "Sanction" and e["properties"]["entity"] == ["us-ofac-sdn-34940"]
    ]
    assert [s["properties"]["program"] for s in ofac] == [["RUSSIA-EO14024"]]
    # the IMO number links the SDN entry and its CSL copy into one party with referents
    party = [e for e in export.values() if "us-ofac-sdn-34940" in e.get("referents", [])]
    assert len(party) == 1
    assert party[0]["referents"] == ["us-csl-34940", "us-ofac-sdn-34940"]
    assert party[0]["properties"]["imoNumber"] == ["IMO9220639"]


def test_one_entity_per_id(versions: tuple[Path, Path, Path]) -> None:
    """Satellites derived from the same content are one entity: the UN writes the passport of
    un-sc-690744 under three labels (French, Spanish, English), the export keeps all three."""
    _, _, second = versions
    lines = (second / "entities.ftm.json").read_bytes().splitlines()
    export = entities(second)
    assert len(lines) == len(export)
    passports = [
        e
        for e in export.values()
        if e["schema"] == "Passport" and e["properties"]["holder"] == ["un-sc-690744"]
        and e["properties"]["number"] == ["645120196"]
    ]  # fmt: skip
    assert len(passports) == 1
    assert passports[0]["properties"]["type"] == [
        "Numéro de passeport", "Número de pasaporte", "Passport"
    ]  # fmt: skip


def test_clusters_and_notes_are_complete(versions: tuple[Path, Path, Path]) -> None:
    _, _, second = versions
    export = entities(second)
    clusters = pl.read_parquet(second / "clusters.parquet").filter(pl.col("cluster_size") > 1)
    expected = {
        cid: sorted(ftm_id(m) for m in members)
        for cid, members in clusters.group_by("cluster_id").agg("entity_id").iter_rows()
    }
    got = {e["id"]: e["referents"] for e in export.values() if e.get("referents")}
    assert got == expected
    # every source record is one entity with its own ID
    ids = pl.read_parquet(second / "entities.parquet")["entity_id"].to_list()
    assert all(ftm_id(i) in export for i in ids)
    # values FtM has no place for are in notes and counted: each list reference is one note
    index = json.loads((second / "index.json").read_text())
    identifiers = pl.read_parquet(second / "identifiers.parquet")
    refs = identifiers.filter(pl.col("id_type") == "list_reference").height
    assert index["export"]["notes"]["identifier list_reference"] == refs


def test_nomenklatura_loads_and_matches(versions: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, _, second = versions
    resolver = Resolver(make_session(f"sqlite:///{tmp_path / 'resolver.sqlite'}"), create=True)
    store = load_entity_file_store(second / "entities.ftm.json", resolver)
    view = store.default_view()
    algorithm, config = get_algorithm("logic-v1"), ScoringConfig.defaults()
    assert algorithm is not None
    # UK↔UN pair of the reconciliation truth (both cite UN reference CDi.005)
    uk, un = view.get_entity("gb-ofsi-8707"), view.get_entity("un-sc-6907997")
    assert uk is not None and un is not None
    assert algorithm.compare(uk, un, config).score >= 0.7
    # a different party of the same UN regime (CDi.006, GERMAIN KATANGA): no match
    other = view.get_entity("un-sc-6907998")
    assert other is not None
    assert algorithm.compare(uk, other, config).score < 0.7


def test_deltas_reach_the_latest_export(versions: tuple[Path, Path, Path]) -> None:
    data, first, second = versions
    published = data / "published"
    index = json.loads((published / "versions.json").read_text())
    assert index["latest"] == second.name
    assert [v["version"] for v in index["versions"]] == [first.name, second.name]
    assert index["versions"][1]["previous"] == first.name
    for v in index["versions"]:
        assert (published / v["delta_url"]).is_file()
        assert manifest(published / v["version"])["files"]["delta.ftm.json"]
        assert manifest(published / v["version"])["files"]["entities.ftm.json"]
    # from nothing (the first delta is all ADD) and from the first version: the latest export
    final = entities(second)
    state: dict[str, dict] = {}
    for v in index["versions"]:
        state = apply_delta(state, (published / v["delta_url"]).read_bytes())
    assert state == final
    assert apply_delta(entities(first), (second / "delta.ftm.json").read_bytes()) == final
    # the SDN parties that left and joined between the publications are the DEL and ADD
    ops = list(read_lines((second / "delta.ftm.json").read_bytes()))
    sdn = {
        op: {ftm_id(i) for i in ids}
        for op, ids in (
            (
                "DEL",
                ent_nums(SDN / "2023-12-28" / "SDN.CSV") - ent_nums(SDN / "2024-05-03" / "SDN.CSV"),
            ),
            (
                "ADD",
                ent_nums(SDN / "2024-05-03" / "SDN.CSV") - ent_nums(SDN / "2023-12-28" / "SDN.CSV"),
            ),
        )
    }
    for op, expected in sdn.items():
        got = {
            o["entity"]["id"]
            for o in ops
            if o["op"] == op and o["entity"]["id"].startswith("us-ofac-sdn-")
        }
        assert got == expected, op
    assert sdn["DEL"] and sdn["ADD"]
    assert index["versions"][1]["delta"]["MOD"] > 0


def test_snapshot_address_is_not_an_entity_value(versions: tuple[Path, Path, Path]) -> None:
    """The same records published under another snapshot address export the same entities:
    the address names our copy, not a value of the party (else every party of a list would be
    "modified" in the delta of each new publication)."""
    _, first, _ = versions
    tables = {p.stem: pl.read_parquet(p) for p in sorted(first.glob("*.parquet"))}
    assert tables["publications"]["url"].str.starts_with("snapshot://").all()
    moved = tables["publications"].with_columns(
        pl.col("url").str.replace(r"^snapshot://\d{4}-\d{2}-\d{2}/", "snapshot://2099-01-01/")
    )
    entities, stats = build_entities(tables)
    again, _ = build_entities({**tables, "publications": moved})
    assert again == entities
    assert stats.notes["snapshot address left out of sourceUrl"] == tables["publications"].height
    assert not any("snapshot://" in json.dumps(e) for e in entities[:2000])
