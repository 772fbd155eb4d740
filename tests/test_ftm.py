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

from cli_report import step_error
from ftm.assertions import PARTY_SCHEMATA
from ftm.delta import apply_delta, compute_delta, delta_lines
from ftm.export import ADDRESS_LEFT_OUT, build_entities, ftm_id, read_lines, to_lines
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
        # every entity, links included, names the list it comes from as a plain string
        lists = {"us_ofac_sdn", "us_ofac_cons", "eu_fsf", "gb_fcdo", "gb_ofsi", "un_sc", "us_csl"}
        links = [e for e in export.values() if e["schema"] in ("Ownership", "UnknownLink")]
        assert all(len(e["properties"]["publisher"]) == 1 for e in links)
        assert {p for e in export.values() for p in e["properties"].get("publisher", [])} <= lists


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


def test_delta_lines_are_written_as_to_lines_writes_them(
    versions: tuple[Path, Path, Path],
) -> None:
    """The delta keeps each entity as its export's line and writes the op around it
    (`ftm.delta.Op`): the first version's delta is each line of its export as an ADD, in the
    export's order, and the lines of both real deltas are byte for byte what `to_lines`
    writes for the decoded op (every line of the second, every 100th of the first)."""
    _, first, second = versions
    lines = (first / "entities.ftm.json").read_bytes().splitlines()
    delta = (first / "delta.ftm.json").read_bytes()
    assert delta.splitlines() == [b'{"op":"ADD","entity":' + line + b"}" for line in lines]
    sample = b"\n".join(delta.splitlines()[::100]) + b"\n"
    assert to_lines(read_lines(sample)) == sample
    delta = (second / "delta.ftm.json").read_bytes()
    decoded = list(read_lines(delta))
    assert to_lines(decoded) == delta
    assert {op["op"] for op in decoded} == {"ADD", "MOD", "DEL"}
    assert [list(op) for op in decoded[:1]] == [["op", "entity"]]


def test_delta_of_lines_written_otherwise(versions: tuple[Path, Path, Path]) -> None:
    """A previous export's line written otherwise (another encoder's spacing and escapes) is no
    change while its entity is equal, and a DEL of it carries the entity written again."""
    _, first, _ = versions
    lines = (first / "entities.ftm.json").read_bytes().splitlines()
    kept, gone = lines[:50], lines[50:60]
    other = [json.dumps(json.loads(line), ensure_ascii=True).encode() for line in lines[:60]]
    assert other != lines[:60]
    previous, current = b"\n".join(other) + b"\n", b"\n".join(kept) + b"\n"
    ops = compute_delta(previous, current)
    assert [op.op for op in ops] == ["DEL"] * 10
    assert delta_lines(ops) == to_lines(
        {"op": "DEL", "entity": json.loads(line)}
        for line in sorted(gone, key=lambda x: json.loads(x)["id"])
    )
    assert compute_delta(current, current) == []
    assert delta_lines(compute_delta(None, current)) == to_lines(
        {"op": "ADD", "entity": json.loads(line)} for line in kept
    )


def test_dataset_index(versions: tuple[Path, Path, Path]) -> None:
    _, _, second = versions
    index = json.loads((second / "index.json").read_text())
    lists = {entry["source"]: entry for entry in index["lists"]}
    assert set(lists) == {
        "us_ofac_sdn",
        "us_ofac_cons",
        "eu_fsf",
        "gb_fcdo",
        "gb_ofsi",
        "un_sc",
        "us_csl",
    }
    entities_pq = pl.read_parquet(second / "entities.parquet")
    sdn = lists["us_ofac_sdn"]
    assert (
        sum(sdn["entities_by_type"].values())
        == entities_pq.filter(pl.col("source") == "us_ofac_sdn").height
    )
    assert sdn["published_at"].startswith("2024-05-03")
    rejects = pl.read_parquet(second / "rejects.parquet")
    for source, entry in lists.items():
        assert (
            entry["issues"]["rejects"]["count"] == rejects.filter(pl.col("source") == source).height
        )


def test_statements_since_when(versions: tuple[Path, Path, Path]) -> None:
    """Statements from the lake: every SDN passport's first and last publication."""
    _, first, second = versions
    pubs = pl.read_parquet(second / "publications.parquet").filter(
        pl.col("source") == "us_ofac_sdn"
    )
    old_pub = pl.read_parquet(first / "publications.parquet").filter(
        (pl.col("source") == "us_ofac_sdn") & (pl.col("format") == "csv")
    )["publication_id"][0]
    new_pub = pubs["publication_id"][0]
    passports = {
        v: {
            (e["id"], p)
            for e in entities(v).values()
            if e["id"].startswith("us-ofac-sdn-")
            for p in e["properties"].get("passportNumber", [])
        }
        for v in (first, second)
    }
    before, after = passports[first], passports[second]
    statements = pl.read_parquet(second / "statements.parquet")
    rows = {
        (r["entity_id"], r["value"]): r
        for r in statements.filter(
            pl.col("entity_id").str.starts_with("us-ofac-sdn-")
            & (pl.col("prop") == "passportNumber")
        ).iter_rows(named=True)
    }
    assert set(rows) == before | after and before - after and after - before
    for key, r in rows.items():
        assert r["first_published_at"].isoformat() == (
            "2023-12-28" if key in before else "2024-05-03"
        )
        assert r["last_published_at"].isoformat() == (
            "2024-05-03" if key in after else "2023-12-28"
        )
        assert r["current"] == (key in after)
        assert r["publications"] == len([v for v in (before, after) if key in v])
    # Victor BOYARKIN's Russian passport, listed in both publications
    kept = rows[("us-ofac-sdn-26194", "200042334")]
    assert (kept["first_publication_id"], kept["last_publication_id"]) == (old_pub, new_pub)
    assert kept["current"] and kept["schema"] == "Person"
    # Emmerson MNANGAGWA stays listed (re-designated under GLOMAG) but OFAC dropped passport
    # AD00060 and gave AD005831 and AD006846: the old one was last seen in 2023-12-28
    dropped = rows[("us-ofac-sdn-7513", "AD00060")]
    assert dropped["last_publication_id"] == old_pub and not dropped["current"]
    assert dropped["last_published_at"].isoformat() == "2023-12-28"
    assert rows[("us-ofac-sdn-7513", "AD005831")]["first_publication_id"] == new_pub
    # the first version's statements hold its publications only, each seen once
    assert pl.read_parquet(first / "statements.parquet")["publications"].max() == 1
    # the README's question, asked of the analyst database
    import duckdb

    con = duckdb.connect(str(second / "sanctions.duckdb"), read_only=True)
    since = con.execute(
        "SELECT first_published_at::VARCHAR, first_publication_id, last_published_at::VARCHAR "
        "FROM statements WHERE entity_id = ? AND prop = 'passportNumber' AND value = ?",
        ["us-ofac-sdn-7513", "AD00060"],
    ).fetchall()
    con.close()
    assert since == [("2023-12-28", old_pub, "2023-12-28")]


def test_statements_aggregate_extended(versions: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """A list's aggregate kept from the previous version, extended by its new publication's
    rows, is the aggregate over all its publications; an unchanged list's is read back."""
    from polars.testing import assert_frame_equal

    from ftm import history_statements as hs

    data, _, second = versions
    seq = hs._sequence(pl.read_parquet(second / "publication_history.parquet"))
    sdn = seq.filter(pl.col("source") == "us_ofac_sdn")
    assert sdn.height == 2  # 2023-12-28, then 2024-05-03
    # every publication's rows are kept: nothing is read from the lake
    paths = hs.publication_rows(data / "warehouse" / "lake", seq, data / "warehouse" / hs.CACHE)
    full = hs.aggregate(seq, paths).sort(hs.KEY)
    # the second version kept one aggregate per list, the SDN's its two publications'
    kept = sorted(p.name.split(".")[1] for p in (data / "warehouse" / hs.CACHE).glob("aggregate.*"))
    assert kept == sorted(seq["source"].unique())
    earlier = seq.filter(pl.col("snapshot_id") != sdn["snapshot_id"][-1])
    hs.aggregate(earlier, paths, tmp_path)  # the previous version's
    extended = hs.aggregate(seq, paths, tmp_path)  # its SDN aggregate merged with the new rows
    assert_frame_equal(extended.sort(hs.KEY), full)
    assert_frame_equal(hs.aggregate(seq, paths, tmp_path).sort(hs.KEY), full)  # read back
    assert full.filter(pl.col("publications") == 2).height > 0
    assert (full["first_publication_id"] != full["last_publication_id"]).any()


def test_statements_of_a_new_publication_from_the_version(
    versions: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """A version's own publications are exported from its tables, not read back from the
    lake: the same rows."""
    from polars.testing import assert_frame_equal

    from core.canonical import TABLE_NAMES
    from ftm import history_statements as hs

    data, _, second = versions
    seq = hs._sequence(pl.read_parquet(second / "publication_history.parquet"))
    newest = seq.filter(pl.col("k") == pl.col("k").max().over("source"))
    staged = dict(newest.select("source", "staged_as").iter_rows())
    tables = {n: pl.read_parquet(second / f"{n}.parquet") for n in TABLE_NAMES}
    lake = data / "warehouse" / "lake"
    read_back = hs.publication_rows(lake, newest, tmp_path / "lake")
    in_hand = hs.publication_rows(lake, newest, tmp_path / "version", current=(staged, tables))
    assert sorted(read_back) == sorted(in_hand) and len(in_hand) == len(staged) == 7
    heights = []
    for sid, path in in_hand.items():
        rows = pl.read_parquet(path)
        assert_frame_equal(
            rows.sort(rows.columns), pl.read_parquet(read_back[sid]).sort(rows.columns)
        )
        heights.append(rows.height)
    assert min(heights) > 0 and sum(heights) > 100_000
    # exported ahead, beside the lake commit (`export_current`): the files `publication_rows`
    # then finds in place (it exports nothing, reads no lake), with the same rows
    ahead = tmp_path / "ahead"
    written = hs.export_current(ahead / "lake", staged, tables)
    found = hs.publication_rows(lake, newest, ahead / hs.CACHE, current=({}, {}))
    assert sorted(written) == sorted(found.values()) and len(written) == 7
    for sid, path in found.items():
        rows = pl.read_parquet(path)
        assert_frame_equal(
            rows.sort(rows.columns), pl.read_parquet(in_hand[sid]).sort(rows.columns)
        )
    assert hs.export_current(ahead / "lake", staged, tables) == []  # already there: kept


def test_delistings(versions: tuple[Path, Path, Path]) -> None:
    """A party gone from the next publication is delisted on that publication's date."""
    _, first, second = versions
    gone = ent_nums(SDN / "2023-12-28" / "SDN.CSV") - ent_nums(SDN / "2024-05-03" / "SDN.CSV")
    delisted = {e["id"]: e for e in read_lines((second / "delisted.ftm.json").read_bytes())}
    parties = {i for i, e in delisted.items() if e["schema"] in PARTY_SCHEMATA}
    assert parties == {ftm_id(i) for i in gone}
    # the same parties as the history's stretches that ended (entity_history)
    ended = pl.read_parquet(second / "entity_history.parquet").filter(
        pl.col("to_publication_id").is_not_null()
    )
    assert {ftm_id(i) for i in ended["entity_id"]} == parties
    index = json.loads((second / "index.json").read_text())
    assert index["delisted"] == {"us_ofac_sdn": len(gone)} and len(gone) == 112
    assert json.loads((first / "index.json").read_text())["delisted"] == {}
    assert (first / "delisted.ftm.json").read_bytes() == b""
    # Robert MUGABE (OFAC ended the Zimbabwe program in March 2024): his Sanction ends with
    # the 2024-05-03 publication, the first that no longer lists him
    mugabe = delisted["us-ofac-sdn-7480"]
    assert mugabe["properties"]["passportNumber"] == ["AD002119"]
    sanctions = [
        e
        for e in delisted.values()
        if e["schema"] == "Sanction" and e["properties"]["entity"] == ["us-ofac-sdn-7480"]
    ]
    assert len(sanctions) == 1
    sanction = sanctions[0]["properties"]
    assert sanction["program"] == ["ZIMBABWE"] and sanction["endDate"] == ["2024-05-03"]
    assert sanction["status"] == ["delisted"]
    # followthemoney validates them (references resolve within the file or the export)
    _validate({**entities(second), **delisted})
    # the endDate is a statement too, first seen in the publication where he disappeared
    end = pl.read_parquet(second / "statements.parquet").filter(
        (pl.col("entity_id") == sanctions[0]["id"]) & (pl.col("prop") == "endDate")
    )
    assert end["value"].to_list() == ["2024-05-03"]
    assert end["first_published_at"][0].isoformat() == "2024-05-03" and end["current"][0]
    # where the source gives the end (the CSL's end_date), the exported Sanction carries it
    export = entities(second)
    ends = pl.read_parquet(second / "attributes.parquet").filter(pl.col("attribute") == "end_date")
    assert ends.height == 417
    sanction_ends: dict[str, set[str]] = {}
    for e in export.values():
        if e["schema"] == "Sanction" and "endDate" in e["properties"]:
            for holder in e["properties"]["entity"]:
                sanction_ends.setdefault(holder, set()).update(e["properties"]["endDate"])
    expected: dict[str, set[str]] = {}
    for entity_id, value in ends.select("entity_id", "value").iter_rows():
        expected.setdefault(ftm_id(entity_id), set()).add(value)
    assert sanction_ends == expected
    ash = pl.read_parquet(second / "entities.parquet").filter(pl.col("primary_name") == "I. ASH")
    assert sanction_ends[ftm_id(ash["entity_id"][0])] == {"2056-06-29"}


def test_index_lists_disagreeing_formats(versions: tuple[Path, Path, Path]) -> None:
    """OFAC's non-SDN list ships as CSV (canonical), XML and Enhanced XML of other dates."""
    _, _, second = versions
    lists = {e["source"]: e for e in json.loads((second / "index.json").read_text())["lists"]}
    cons = lists["us_ofac_cons"]["issues"]
    assert cons["formats_compared"] == {"canonical": "csv", "others": ["enhanced", "xml"]}
    by_format = {d["format"]: d for d in cons["disagreeing_formats"]}
    assert set(by_format) == {"enhanced", "xml"}
    xml = by_format["xml"]
    assert xml["published_at"] == {"csv": "2025-12-19", "xml": "2025-03-28"}
    assert (xml["differences"], xml["entries"]) == (76, 14)
    assert sum(xml["by_kind"].values()) == xml["differences"]
    assert xml["by_kind"]["identifier only in csv"] == 22
    assert by_format["enhanced"]["differences"] == 711
    assert xml["examples"] and all(
        {"entity_id", "what", "side", "value"} == set(x) for x in xml["examples"]
    )
    # a list published in one format only has nothing to compare
    assert "formats_compared" not in lists["us_ofac_sdn"]["issues"]


def test_assertions_from_history(versions: tuple[Path, Path, Path]) -> None:
    """Bounds derived from the real publications, evaluated on every version."""
    data, first, second = versions
    from ftm.assertions import derive, evaluate, load_bounds

    bounds = load_bounds()
    history = json.loads((data / "published" / "versions.json").read_text())["versions"]
    # the figures beside the thresholds are the real ones: the pipeline measures the same
    observed = {p["published_at"]: p for p in bounds["lists"]["us_ofac_sdn"]["observed"]}
    assert observed["2023-12-28"]["metrics"] == history[0]["metrics"]["us_ofac_sdn"]
    assert observed["2024-05-03"]["metrics"] == history[1]["metrics"]["us_ofac_sdn"]
    assert observed["2023-12-28"]["metrics"]["count_Vessel"] == 764
    # and the thresholds are the rule applied to them
    derived = derive({s: e["observed"] for s, e in bounds["lists"].items()})
    assert {s: e["assertions"] for s, e in bounds["lists"].items()} == {
        s: e["assertions"] for s, e in derived.items()
    }
    sdn = {
        (a["metric"], "min" if "min" in a else "max"): a
        for a in bounds["lists"]["us_ofac_sdn"]["assertions"]
    }
    # count minimum: 687, warns only (SDN's real 2018 size is far below it)
    assert sdn[("count_Vessel", "min")] == {
        "metric": "count_Vessel",
        "min": int(764 * 0.9),
        "severity": "warning",
    }
    # near-complete IMO numbers block: ⌊0.9908 × 0.9⌋
    assert sdn[("fill_vessel_imo", "min")]["min"] == 0.8917
    assert sdn[("fill_vessel_imo", "min")]["severity"] == "blocking"
    # a partial property (nationality, 67 % of SDN persons) only warns
    assert sdn[("fill_person_nationality", "min")]["min"] == 0.6015
    assert sdn[("fill_person_nationality", "min")]["severity"] == "warning"
    for folder in (first, second):
        rows = json.loads((folder / "index.json").read_text())["assertions"]
        assert rows and all(r["status"] in ("ok", "not applicable") for r in rows), folder
    # a version whose SDN vessels lost their IMO numbers fails a blocking assertion
    degraded = {"us_ofac_sdn": {**history[1]["metrics"]["us_ofac_sdn"], "fill_vessel_imo": 0.5}}
    failed = [r for r in evaluate(degraded, bounds) if r["status"] == "failed"]
    assert [(r["metric"], r["severity"]) for r in failed if r["source"] == "us_ofac_sdn"] == [
        ("fill_vessel_imo", "blocking")
    ]


def test_blocking_assertion_stops_publication(
    versions: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """SDN 2024-05-03 with its vessels' IMO numbers struck out: the publishing step fails on
    `ftm_bounds_us_ofac_sdn`, nothing is published, the previous version stays latest."""
    import re

    from tests.conftest import snapshot_root

    data, _, second = versions
    root = snapshot_root(tmp_path)
    csv = root / "us_ofac_sdn" / "2024-05-03" / "SDN.CSV"
    text, struck = re.subn(
        rb"Vessel Registration Identification IMO \d+(; )?", b"", csv.read_bytes()
    )
    assert struck == 850
    csv.write_bytes(text)
    versions_before = (data / "published" / "versions.json").read_bytes()
    result = run(data, pins={"us_ofac_sdn": "2024-05-03"}, root=root)
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["published_version"]
    said = step_error(failures[0].event_specific_data.error)
    # 3 of 851 vessels keep an IMO number written another way ("Identification Number IMO")
    assert "BlockingAssertionFailed: blocking FtM assertion(s) failed, nothing published" in said
    assert "us_ofac_sdn fill_vessel_imo = 0.0035 is below its minimum 0.8917 (blocking)" in said
    evaluations = {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name.startswith("ftm_bounds_")
    }
    check = evaluations["ftm_bounds_us_ofac_sdn"]
    assert not check.passed and check.blocking
    assert "us_ofac_sdn fill_vessel_imo = 0.0035 is below its minimum 0.8917" in check.description
    assert (
        evaluations["ftm_bounds_us_csl"].passed and evaluations["ftm_bounds_un_sc_warning"].passed
    )
    assert latest(data) == second
    assert (data / "published" / "versions.json").read_bytes() == versions_before


def test_publication_address_is_not_an_entity_value(versions: tuple[Path, Path, Path]) -> None:
    """The same records published under another address (another snapshot's, or a web address
    as a live fetch records it) export the same entities: the address is provenance of the
    publication (in the `publications` table and index.json), not a value of the party (else
    every party of a list would be "modified" in the delta whenever it changes)."""
    _, first, _ = versions
    tables = {p.stem: pl.read_parquet(p) for p in sorted(first.glob("*.parquet"))}
    assert tables["publications"]["url"].str.starts_with("snapshot://").all()
    moved = tables["publications"].with_columns(
        pl.col("url").str.replace(r"^snapshot://\d{4}-\d{2}-\d{2}/", "snapshot://2099-01-01/")
    )
    live = tables["publications"].with_columns(
        pl.col("url").str.replace(r"^snapshot://\d{4}-\d{2}-\d{2}/", "http://127.0.0.1:8080/")
    )
    exported, stats = build_entities(tables)
    for other in (moved, live):
        again, again_stats = build_entities({**tables, "publications": other})
        assert again == exported
        assert again_stats.notes[ADDRESS_LEFT_OUT] == tables["publications"].height
    assert stats.notes[ADDRESS_LEFT_OUT] == tables["publications"].height
    assert stats.note_examples[ADDRESS_LEFT_OUT][0] == tables["publications"]["url"][0]
    assert not any("sourceUrl" in e["properties"] for e in exported)
    assert not any("snapshot://" in json.dumps(e) for e in exported)
    # the address stays where the publication is described: index.json of the version
    index = json.loads((first / "index.json").read_text())
    urls = {x["publisher_url"] for x in index["lists"]}
    assert urls <= set(tables["publications"]["url"]) and all(
        u.startswith("snapshot://") for u in urls
    )
