"""Versioned store on real data: two SDN publications ingested in order, then time travel,
the change feed against independently computed set differences, bitemporal questions, the
shrink guard (a held-back publication never becomes history), an analyst holding the file
open, SIGKILL mid-publish and two runs at once."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import ExecuteInProcessResult
from lxml import etree

import definitions
from cli_report import report_failures
from core.canonical import TABLE_NAMES
from resources.fetcher import SnapshotFetcher
from resources.history import (
    History,
    attach_version_sql,
    entity_history,
    extension_path,
    install_extension,
    lake_columns,
)
from resources.storage import DataDir
from resources.warehouse import PublishPolicy, sha256_file, verify_published
from tests.conftest import snapshot_root

ROOT = Path(__file__).resolve().parent.parent
SDN = ROOT / "snapshots" / "us_ofac_sdn"


def run(
    data: Path,
    pins: dict[str, str] | None = None,
    root: Path | None = None,
    allow_shrink: bool = False,
) -> ExecuteInProcessResult:
    fetcher = SnapshotFetcher(pins=pins or {}, **({"root": str(root)} if root else {}))
    defs = definitions.build_definitions(
        fetcher, DataDir(root=str(data)), PublishPolicy(allow_shrink=allow_shrink)
    )
    return defs.resolve_job_def("refresh_all").execute_in_process(raise_on_error=False)


def ent_nums(path: Path) -> set[str]:
    with open(path, encoding="latin-1", newline="") as handle:
        return {f"us_ofac_sdn-{row[0]}" for row in csv.reader(handle) if len(row) == 12}


def latest(data: Path) -> Path:
    return (data / "published" / "latest").resolve()


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    data = tmp_path_factory.mktemp("history")
    assert run(data, pins={"us_ofac_sdn": "2023-12-28", "un_sc": "2025-04-19"}).success
    first = latest(data)
    assert run(data, pins={"us_ofac_sdn": "2024-05-03"}).success  # UN: its newest, 2026-02-27
    second = latest(data)
    assert first != second
    return data, first, second


def changes(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(folder / "changes.parquet").filter(pl.col("source") == "us_ofac_sdn")


def test_change_feed_matches_set_differences(two_versions: tuple[Path, Path, Path]) -> None:
    _, _, second = two_versions
    old, new = ent_nums(SDN / "2023-12-28" / "SDN.CSV"), ent_nums(SDN / "2024-05-03" / "SDN.CSV")
    feed = changes(second)
    counts = dict(feed.group_by("change").len().iter_rows())
    rekeyed = counts.get("party_rekeyed", 0)
    assert counts["party_removed"] + rekeyed == len(old - new) == 112
    assert counts["party_added"] + rekeyed == len(new - old) == 1_256
    assert set(feed.filter(pl.col("change") == "party_removed")["entity_id"]) <= old - new
    assert "us_ofac_sdn-7480" in set(
        feed.filter(pl.col("change") == "party_removed")["entity_id"]
    )  # MUGABE
    pubs = feed.select("publication_before", "publication_after").unique()
    assert pubs.height == 1 and pubs["publication_before"][0] != pubs["publication_after"][0]


def un_ids(path: Path) -> set[str]:
    root = etree.parse(str(path)).getroot()
    return {f"un_sc-{e.findtext('DATAID')}" for e in root.iter("INDIVIDUAL", "ENTITY")}


def test_un_change_feed_matches_set_differences(two_versions: tuple[Path, Path, Path]) -> None:
    _, _, second = two_versions
    un = ROOT / "snapshots" / "un_sc"
    old, new = (
        un_ids(un / "2025-04-19" / "consolidated.xml"),
        un_ids(un / "2026-02-27" / "consolidated.xml"),
    )
    feed = pl.read_parquet(second / "changes.parquet").filter(pl.col("source") == "un_sc")
    counts = dict(feed.group_by("change").len().iter_rows())
    rekeyed = counts.get("party_rekeyed", 0)
    assert counts["party_removed"] + rekeyed == len(old - new) == 10
    assert counts["party_added"] + rekeyed == len(new - old) == 136
    alias = feed.filter(
        (pl.col("entity_id") == "un_sc-6908131") & (pl.col("change") == "name_added")
    )
    assert alias["new_value"].to_list() == ["BASHAR AL-NASIRI | alias"]


def test_field_level_change_of_a_known_party(two_versions: tuple[Path, Path, Path]) -> None:
    _, _, second = two_versions
    party = changes(second).filter(pl.col("entity_id") == "us_ofac_sdn-7489")
    name = party.filter(
        (pl.col("change") == "attribute_changed") & (pl.col("field") == "primary_name")
    ).row(0, named=True)
    assert (name["old_value"], name["new_value"]) == (
        "CHIWENGA, Constantine Gureya",
        "CHIWENGA, Constantino Guveya",
    )
    programs = {
        (r["change"], r["old_value"] or r["new_value"])
        for r in party.filter(pl.col("field") == "sanctions").iter_rows(named=True)
    }
    assert programs == {
        ("program_removed", "US OFAC | ZIMBABWE"),
        ("program_added", "US OFAC | GLOMAG"),
    }
    # the 2024-05-03 snapshot has no ALT.CSV: aliases are not compared, so none is "removed"
    alias_removals = party.filter(
        (pl.col("change") == "name_removed") & (pl.col("old_value").str.ends_with("| alias"))
    )
    assert alias_removals.height == 0


def test_time_travel_returns_the_earlier_publication(two_versions: tuple[Path, Path, Path]) -> None:
    _, first, second = two_versions
    con = duckdb.connect(str(second / "sanctions.duckdb"), read_only=True)
    history = con.execute(
        "SELECT publication_id, snapshot_id, published_at FROM publication_history WHERE source = 'us_ofac_sdn' ORDER BY snapshot_id"
    ).fetchall()
    assert [str(h[2]) for h in history] == ["2023-12-28", "2024-05-03"]
    con.execute(f"LOAD '{extension_path()}'")
    con.execute(attach_version_sql(second))
    earlier = con.execute(
        f"SELECT count(*) FROM history.entities AT (VERSION => {history[0][1]}) WHERE source = 'us_ofac_sdn'"
    ).fetchone()
    now = con.execute(
        "SELECT count(*) FROM history.entities WHERE source = 'us_ofac_sdn'"
    ).fetchone()
    assert (earlier, now) == ((13_821,), (14_965,))
    name = con.execute(
        f"SELECT primary_name FROM history.entities AT (VERSION => {history[0][1]}) WHERE entity_id = 'us_ofac_sdn-7489'"
    ).fetchone()
    assert name == ("CHIWENGA, Constantine Gureya",)
    con.close()
    # the first version's own copy still answers as it did
    con = duckdb.connect(str(first / "sanctions.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM entities WHERE source = 'us_ofac_sdn'").fetchone() == (
        13_821,
    )
    con.close()


TIME_TRAVEL = """
SET autoinstall_known_extensions = false;
SET custom_extension_repository = 'http://127.0.0.1:9';  -- nothing is downloaded
LOAD ducklake;
{attach};
SELECT primary_name FROM history.entities AT (VERSION => {snapshot})
WHERE entity_id = 'us_ofac_sdn-7489';
SELECT count(*) FROM history.names AT (VERSION => {snapshot}) WHERE source = 'us_ofac_sdn';
"""


def test_moved_version_keeps_time_travel_offline(
    two_versions: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """A version folder copied elsewhere answers time-travel queries in a fresh `duckdb` CLI
    process, from another directory, with the pipeline's lake out of reach and no network."""
    data, first, second = two_versions
    expected_names = (
        pl.scan_parquet(first / "names.parquet")
        .filter(pl.col("source") == "us_ofac_sdn")
        .select(pl.len())
        .collect()
        .item()
    )
    # the trade tables did not change: the second version links the first's file, one inode
    shared = ("trade_flows.parquet", "hs_codes.parquet", "charts/trade_diversion.png")
    assert all((second / n).samefile(first / n) for n in shared)
    assert not (second / "names.parquet").samefile(first / "names.parquet")
    moved = tmp_path / "elsewhere" / second.name
    shutil.copytree(second, moved)
    assert verify_published(moved) == []
    assert not any((moved / n).samefile(second / n) for n in shared)  # the copy holds its own
    lake_files = [n for n in manifest(moved)["files"] if n.startswith("lake/")]
    assert lake_files and all((moved / n).is_file() for n in lake_files)
    catalog = duckdb.connect(str(moved / "history.ducklake"), read_only=True)
    data_path = catalog.execute(
        "SELECT value FROM ducklake_metadata WHERE key = 'data_path'"
    ).fetchone()
    catalog.close()
    assert data_path == ("lake/",)  # relative: nothing points outside the version
    con = duckdb.connect(str(moved / "sanctions.duckdb"), read_only=True)
    [(snapshot,)] = con.execute(
        "SELECT snapshot_id FROM publication_history "
        "WHERE source = 'us_ofac_sdn' AND published_at = DATE '2023-12-28'"
    ).fetchall()
    con.close()
    home = tmp_path / "home"  # a fresh DuckDB extension directory
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    subprocess.run(
        [sys.executable, "-c", "from resources.history import install_extension as i; i()"],
        check=True,
        cwd=ROOT,
        env=env,
    )
    assert (home / ".duckdb" / "extensions").is_dir()
    duckdb_cli = Path(sys.executable).parent / "duckdb"
    away = data / "warehouse" / "lake.away"
    (data / "warehouse" / "lake").rename(away)  # the pipeline's own lake is not used
    try:
        other = tmp_path / "other"
        other.mkdir()
        for cwd, attach in (
            (other, attach_version_sql(moved)),
            (moved, "ATTACH 'ducklake:history.ducklake' AS history (READ_ONLY)"),
        ):
            sql = TIME_TRAVEL.format(attach=attach, snapshot=snapshot)
            done = subprocess.run(
                [str(duckdb_cli), "-csv", "-noheader", "-c", sql],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            assert done.stdout.splitlines() == [
                '"CHIWENGA, Constantine Gureya"',
                str(expected_names),
            ]
    finally:
        away.rename(data / "warehouse" / "lake")


def test_extension_installs_once(tmp_path: Path) -> None:
    """`install_extension` puts the packaged file into DuckDB's extension directory, once."""
    con = duckdb.connect(config={"extension_directory": str(tmp_path / "ext")})
    installed = install_extension(con)
    assert installed.is_relative_to(tmp_path / "ext") and installed.is_file()
    mtime = installed.stat().st_mtime_ns
    assert install_extension(con) == installed and installed.stat().st_mtime_ns == mtime
    con.execute("LOAD ducklake")
    con.close()


def test_sanctioned_on_answers_bitemporal_questions(two_versions: tuple[Path, Path, Path]) -> None:
    _, _, second = two_versions
    con = duckdb.connect(str(second / "sanctions.duckdb"), read_only=True)
    before = con.execute(
        "SELECT first_published_at, delisted_by FROM sanctioned_on('us_ofac_sdn-7480', DATE '2024-01-15')"
    ).fetchall()
    assert (
        len(before) == 1
        and str(before[0][0]) == "2023-12-28"
        and before[0][1].startswith("us_ofac_sdn-")
    )
    after = con.execute(
        "SELECT * FROM sanctioned_on('us_ofac_sdn-7480', DATE '2024-06-01')"
    ).fetchall()
    assert after == []
    # a party first published on 2024-05-03 was not known to us from the 2023 publication
    added = sorted(
        ent_nums(SDN / "2024-05-03" / "SDN.CSV") - ent_nums(SDN / "2023-12-28" / "SDN.CSV")
    )[0]
    row = con.execute(
        "SELECT first_published_at FROM sanctioned_on(?, DATE '2024-05-10')", [added]
    ).fetchone()
    assert row is not None and str(row[0]) == "2024-05-03"
    con.close()


def test_reingesting_same_publication_changes_nothing(
    two_versions: tuple[Path, Path, Path],
) -> None:
    data, _, second = two_versions
    snapshots_before = manifest(second)["lake_snapshot"]
    result = run(data, pins={"us_ofac_sdn": "2024-05-03"})
    assert result.success
    assert latest(data) == second
    publish = result.asset_materializations_for_node("published_version")[0].metadata
    assert publish["unchanged"].value is True
    commits = (
        result.asset_materializations_for_node("published_version")[0]
        .metadata["history_commits"]
        .value
    )
    assert commits == "none: nothing published"  # no new lake snapshot
    assert manifest(latest(data))["lake_snapshot"] == snapshots_before


def shrunk_snapshots(tmp_path: Path) -> Path:
    root = snapshot_root(tmp_path)
    sdn = root / "us_ofac_sdn" / "2023-12-28" / "SDN.CSV"
    lines = sdn.read_bytes().rstrip(b"\x1a").split(b"\r\n")
    sdn.write_bytes(b"\r\n".join(lines[:12_000]) + b"\r\n\x1a")  # 13,821 → 12,000 entries
    # A delisted party leaves every file of the set: rows naming it would prove SDN.CSV cut.
    kept = {line.split(b",", 1)[0] for line in lines[:12_000]}
    for name in ("ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV"):
        path = sdn.with_name(name)
        data = path.read_bytes().rstrip(b"\x1a")
        records, start, quoted = [], 0, False
        for match in re.finditer(rb'["\n]', data):
            if match.group() == b'"':
                quoted = not quoted
            elif not quoted:
                records.append(data[start : match.end()])
                start = match.end()
        path.write_bytes(b"".join(r for r in records if r.split(b",", 1)[0] in kept) + b"\x1a")
    return root


def lake_publications(data: Path) -> list[str]:
    """Publication IDs of every commit in the lake, in order (the pipeline's own catalog)."""
    con = duckdb.connect()
    con.execute(f"LOAD '{extension_path()}'")
    catalog = data / "warehouse" / "lake" / "catalog.ducklake"
    con.execute(f"ATTACH 'ducklake:{catalog}' AS lake (READ_ONLY)")
    rows = con.execute(
        "SELECT commit_extra_info FROM lake.snapshots() WHERE commit_message LIKE 'publication %' "
        "ORDER BY snapshot_id"
    ).fetchall()
    con.close()
    return [json.loads(r[0])["publication_id"] for r in rows]


def test_held_back_publication_is_not_history(tmp_path: Path) -> None:
    """A shrunk list held back by `no_sudden_shrink`, then a later good one: the published
    version's history knows nothing of the held-back publication; the override publishes it."""
    data = tmp_path / "data"
    assert run(data).success  # SDN 2023-12-28, 13,821 parties
    first = latest(data)
    first_sdn = next(
        s["publication_id"] for s in manifest(first)["sources"] if s["source"] == "us_ofac_sdn"
    )
    root = shrunk_snapshots(tmp_path)
    held = run(data, root=root)
    assert not held.success
    evaluation = next(
        e.event_specific_data for e in held.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == "no_sudden_shrink"
    )  # fmt: skip
    assert not evaluation.passed
    assert (
        "list us_ofac_sdn shrank from 13,821 to 12,000 parties (13.2% > 10%) — held back"
        in evaluation.description
    )
    assert "--allow-shrink" in evaluation.description
    # the command line prints it as the reason the run failed
    out = io.StringIO()
    assert report_failures(held, out=out, notes=io.StringIO()) is None
    assert (
        "  check consolidated:no_sudden_shrink did not pass (blocking: nothing downstream ran): "
        "list us_ofac_sdn shrank from 13,821 to 12,000 parties (13.2% > 10%) — held back: publish "
        "only with the override PublishPolicy.allow_shrink=true (`cli.py run --allow-shrink`)"
    ) in out.getvalue()
    assert latest(data) == first
    assert not held.asset_materializations_for_node("published_version")
    # the held-back publication: what the warehouse holds now, and nowhere in the history
    con = duckdb.connect(str(data / "warehouse" / "warehouse.duckdb"), read_only=True)
    shrunk_sdn = con.execute(
        "SELECT DISTINCT publication_id FROM entities WHERE source = 'us_ofac_sdn'"
    ).fetchone()[0]
    con.close()
    assert shrunk_sdn != first_sdn
    assert shrunk_sdn not in lake_publications(data)

    # a later good publication (2024-05-03, 14,965 parties) is published
    assert run(data, pins={"us_ofac_sdn": "2024-05-03"}).success
    second = latest(data)
    assert second != first
    later_sdn = next(
        s["publication_id"] for s in manifest(second)["sources"] if s["source"] == "us_ofac_sdn"
    )
    assert shrunk_sdn not in lake_publications(data)
    con = duckdb.connect(str(second / "sanctions.duckdb"), read_only=True)
    history = con.execute(
        "SELECT publication_id FROM publication_history WHERE source = 'us_ofac_sdn' ORDER BY snapshot_id"
    ).fetchall()
    assert history == [(first_sdn,), (later_sdn,)]
    mentions = con.execute(
        "SELECT count(*) FROM entity_history WHERE ? IN (from_publication_id, to_publication_id)",
        [shrunk_sdn],
    ).fetchone()
    assert mentions == (0,)
    in_feed = con.execute(
        "SELECT count(*) FROM changes WHERE ? IN (publication_before, publication_after)",
        [shrunk_sdn],
    ).fetchone()
    assert in_feed == (0,)
    # a party the shrunk file cut off but both real publications list: never delisted
    kept = sorted(
        (ent_nums(SDN / "2023-12-28" / "SDN.CSV") & ent_nums(SDN / "2024-05-03" / "SDN.CSV"))
        - ent_nums(root / "us_ofac_sdn" / "2023-12-28" / "SDN.CSV")
    )
    assert len(kept) > 1_000
    rows = con.execute(
        "SELECT first_told_by, delisted_by FROM sanctioned_on(?, DATE '2024-06-01')", [kept[0]]
    ).fetchall()
    assert rows == [(first_sdn, None)]
    delisted = con.execute(
        "SELECT count(*) FROM entity_history WHERE to_publication_id IS NOT NULL AND entity_id IN "
        "(SELECT unnest(?::VARCHAR[]))",
        [kept],
    ).fetchone()
    assert delisted == (0,)
    con.close()

    # the override publishes the shrunk list, and only then is it history
    forced = run(data, root=root, allow_shrink=True)
    assert forced.success
    third = latest(data)
    counts = {
        s["source"]: s["canonical_entities"] for s in manifest(third)["sources"] if s["primary"]
    }
    assert counts["us_ofac_sdn"] == 12_000
    published = pl.read_parquet(third / "publication_history.parquet").filter(
        pl.col("source") == "us_ofac_sdn"
    )
    assert published["publication_id"].to_list() == [first_sdn, later_sdn, shrunk_sdn]


def test_analyst_holding_the_file_open_blocks_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(data, pins={"us_ofac_sdn": "2023-12-28"}).success
    version = latest(data)
    database = version / "sanctions.duckdb"
    digest = sha256_file(database)
    analyst = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys; c=duckdb.connect({str(database)!r}, read_only=True); c.execute('SELECT count(*) FROM entities').fetchone(); print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert analyst.stdout is not None and analyst.stdout.readline().strip() == "open"
        assert run(data, pins={"us_ofac_sdn": "2024-05-03"}).success
        assert latest(data) != version
        assert sha256_file(database) == digest
    finally:
        analyst.communicate("", timeout=30)


def cli(data: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(data / "dagster_home")}
    return subprocess.Popen(
        [sys.executable, "cli.py", "run", "--data-dir", str(data), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_sigkill_mid_publish_leaves_previous_version_intact(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(data, pins={"us_ofac_sdn": "2023-12-28"}).success
    version = latest(data)
    process = cli(data, "--pin", "us_ofac_sdn=2024-05-03")
    published = data / "published"
    killed = False
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if any(
            p.name.startswith(".") and p.name.endswith(".tmp") and p.is_dir()
            for p in published.iterdir()
        ):
            os.kill(process.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.002)
    process.wait(timeout=60)
    assert killed, "the publish window was not caught"
    assert latest(data) == version
    assert verify_published(version) == []
    con = duckdb.connect(str(published / "latest" / "sanctions.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM entities WHERE source = 'us_ofac_sdn'").fetchone() == (
        13_821,
    )
    con.close()
    assert run(data, pins={"us_ofac_sdn": "2024-05-03"}).success
    assert latest(data) != version
    assert verify_published(latest(data)) == []
    assert not [p for p in published.iterdir() if p.name.endswith(".tmp")]


def test_two_runs_at_once_serialize(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = cli(data)
    second = cli(data, "--pin", "us_ofac_sdn=2024-05-03")
    outputs = [p.communicate(timeout=300)[0].decode() for p in (first, second)]
    codes = [p.returncode for p in (first, second)]
    failures = [out[-4000:] for out, code in zip(outputs, codes, strict=True) if code]
    assert codes == [0, 0], "\n\n".join(failures)
    # one run waited for the other (and said so); each then published its own version
    assert sum("waiting for it to finish" in out for out in outputs) == 1
    versions = sorted(
        p
        for p in (data / "published").iterdir()
        if not p.name.startswith((".", "latest")) and p.is_dir()
    )
    assert len(versions) == 2
    for version in versions:
        assert verify_published(version) == []
    con = duckdb.connect(str(data / "published" / "latest" / "sanctions.duckdb"), read_only=True)
    sources = dict(con.execute("SELECT source, count(*) FROM entities GROUP BY source").fetchall())
    con.close()
    assert sources["us_ofac_sdn"] in (13_821, 14_965)


def lake_tables(entity_ids: list[str]) -> dict[str, pl.DataFrame]:
    """Lake tables of one source listing `entity_ids` (other columns and tables empty)."""
    tables = {t: pl.DataFrame(schema=lake_columns(t)) for t in TABLE_NAMES}
    listed = pl.DataFrame({"entity_id": entity_ids, "source": ["us_ofac_sdn"] * len(entity_ids)})
    tables["entities"] = pl.concat([tables["entities"], listed], how="diagonal_relaxed").select(
        list(lake_columns("entities"))
    )
    return tables


def test_a_commit_never_published_counts_nowhere(tmp_path: Path) -> None:
    """A commit whose publishing failed (disk full, a kill) stays in the lake but out of the
    ledger: publication_history and entity_history (hence sanctioned_on) skip it."""
    history = History(tmp_path / "lake")

    def publication(pid: str, day: str) -> dict[str, str]:
        return {
            "source": "us_ofac_sdn",
            "publication_id": pid,
            "staged_as": f"{pid}.f",
            "published_at": day,
        }

    with history.open() as con:
        a = history.commit(
            con, "us_ofac_sdn", publication("A", "2024-01-01"), lake_tables(["1", "2", "3"])
        )
        history.record_published("v1", a.snapshot_id, [a.snapshot_id])
        b = history.commit(con, "us_ofac_sdn", publication("B", "2024-02-01"), lake_tables(["1"]))
        c = history.commit(
            con, "us_ofac_sdn", publication("C", "2024-03-01"), lake_tables(["1", "2", "3", "4"])
        )
        assert a.snapshot_id < b.snapshot_id < c.snapshot_id
        v1 = {"version": "v1", "lake_snapshot": a.snapshot_id}
        published = history.published_snapshots(con, v1) | {c.snapshot_id}
        assert published == {a.snapshot_id, c.snapshot_id}
        assert history.snapshots(con, published)["publication_id"].to_list() == ["A", "C"]
        stretches = entity_history(history, con, published)
        assert stretches.filter(pl.col("entity_id") == "2").select(
            "from_publication_id", "to_publication_id"
        ).rows() == [("A", None)]
        assert "B" not in set(stretches["to_publication_id"].drop_nulls())
        # counted blindly, B would delist parties 2 and 3
        blind = entity_history(history, con)
        assert sorted(blind.filter(pl.col("to_publication_id") == "B")["entity_id"]) == ["2", "3"]
        # killed after switching latest to v2 but before the ledger recorded it
        v2 = {"version": "v2", "lake_snapshot": c.snapshot_id}
        assert history.published_snapshots(con, v2) == {a.snapshot_id, c.snapshot_id}
        # a lake from before the ledger: what the latest version held counts
        history.ledger.unlink()
        assert history.published_snapshots(con, v1) == {a.snapshot_id}
