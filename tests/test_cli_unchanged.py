"""`cli.py run` leaves unchanged sources out of its ingest run (issue #17, assets/unchanged.py).

On a copy of the shipped snapshots in a temporary data directory, through `cli.main`: a first
run ingests and publishes everything; an unchanged re-run launches no Dagster run, says per
source that it is unchanged with its mode and publication date, and records one check
(a runless materialization, same data version) per source; a `--period` re-run is left out the
same way and `--force` runs it anyway; one changed snapshot file re-runs that source's ingest
only, then the derived assets it makes stale; new ingest code re-runs every ingest.

The tests share one store and run in file order, each leaving every source current.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRun

import cli
import definitions
from assets import carryover
from assets.trade_periods import RANGE_END_TAG, RANGE_START_TAG
from assets.unchanged import SKIPPED_TAG
from resources.fetcher import SnapshotFetcher
from tests.conftest import snapshot_root

LISTS = ("eu_fsf", "gb_fcdo", "gb_ofsi", "un_sc", "us_csl", "us_ofac_cons", "us_ofac_sdn")
TRADE = (
    "cepii_baci",
    "chpl_codes",
    "eurostat_cn8",
    "eurostat_comext",
    "hs_codes",
    "imf_imts",
    "un_comtrade",
)
SOURCES = tuple(sorted(LISTS + TRADE))
# publication dates of the shipped snapshots (their catalog.json), as the run prints them
PUBLISHED = {"un_sc": "2026-02-27", "us_ofac_sdn": "2023-12-28", "eurostat_comext": "2024-11-25"}


@dataclass
class Store:
    data: Path
    home: Path
    snapshots: Path


def runs(store: Store) -> list[DagsterRun]:
    """The store's Dagster runs, oldest first."""
    with DagsterInstance.from_config(str(store.home)) as instance:
        return list(reversed(instance.get_runs()))


def run_ids(store: Store) -> list[str]:
    return [run.run_id for run in runs(store)]


def steps(store: Store, run_id: str) -> set[str]:
    with DagsterInstance.from_config(str(store.home)) as instance:
        return {
            e.step_key
            for e in instance.all_logs(run_id, of_type=DagsterEventType.STEP_START)
            if e.step_key
        }


def run_cli(store: Store, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    capsys.readouterr()
    assert cli.main(["run", "--data-dir", str(store.data), *extra]) == 0
    return capsys.readouterr().out


def source_line(out: str, source: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(f"  {source:<16} "))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    base = tmp_path_factory.mktemp("unchanged")
    root = snapshot_root(base, editable=("un_sc",))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(base / "dagster_home"))
        patch.setenv("SANCTIONS_MODE", "snapshot")
        patch.setenv("SANCTIONS_DATA_DIR", str(base / "data"))
        patch.delenv("SANCTIONS_PINS", raising=False)
        patch.setattr(definitions, "fetcher_from_env", lambda: SnapshotFetcher(root=str(root)))
        (base / "dagster_home").mkdir()
        assert cli.main(["run", "--data-dir", str(base / "data")]) == 0
        yield Store(base / "data", base / "dagster_home", root)


def test_first_run_ingests_everything(store: Store) -> None:
    ingest, refresh = runs(store)
    assert ingest.job_name == "ingest_all" and refresh.job_name == "refresh_all"
    assert steps(store, ingest.run_id) == set(SOURCES)
    assert {"consolidated", "published_version"} <= steps(store, refresh.run_id)


def test_unchanged_rerun_launches_no_run(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    before = run_ids(store)
    out = run_cli(store, capsys)
    assert run_ids(store) == before  # no Dagster run at all
    assert "dagster runs: none (no source to ingest)" in out
    for source in SOURCES:
        line = source_line(out, source)
        assert "snapshot" in line
        assert "unchanged, not run: payload and ingest code unchanged since its last ingest" in line
    for source, day in PUBLISHED.items():
        assert f"published {day}" in source_line(out, source)
    assert f"unchanged check: {len(SOURCES)} of {len(SOURCES)} source(s) left out" in out
    assert "derived assets rebuilt: none" in out
    assert "NOTHING PUBLISHED: no input" in out
    assert "the current version is still " in out

    # one check recorded per source: a runless materialization with the same data version
    with DagsterInstance.from_config(str(store.home)) as instance:
        for source in SOURCES:
            last, previous = instance.fetch_materializations(AssetKey(source), limit=2).records
            assert last.run_id == "" and last.asset_materialization is not None
            assert last.asset_materialization.tags[SKIPPED_TAG] == "true"
            version = last.asset_materialization.tags[carryover.DATA_VERSION_TAG]
            assert version == previous.asset_materialization.tags[carryover.DATA_VERSION_TAG]
            metadata = last.asset_materialization.metadata
            assert metadata["unchanged_payload"].value is True
            assert metadata[carryover.CHECKS_ON_KEY].value == previous.storage_id
        # Dagster's freshness and the stale alert read the latest materialization: this one
        sdn = instance.get_latest_materialization_event(AssetKey("us_ofac_sdn"))
        assert sdn is not None and sdn.run_id == ""

    # again: the recorded check stands for the checks of the run before (not re-run)
    out = run_cli(store, capsys)
    assert run_ids(store) == before
    assert f"{len(SOURCES)} of {len(SOURCES)} source(s) left out" in out


def test_period_rerun_is_left_out_and_force_runs_it(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    before = run_ids(store)
    out = run_cli(store, capsys, "--period", "2022..2023")
    assert run_ids(store) == before
    assert "unchanged, not run" in source_line(out, "eurostat_comext")

    out = run_cli(store, capsys, "--period", "2023", "--force")
    (forced,) = runs(store)[len(before) :]
    assert forced.job_name == "ingest_all"
    assert (forced.tags[RANGE_START_TAG], forced.tags[RANGE_END_TAG]) == ("2023", "2023")
    assert steps(store, forced.run_id) == set(SOURCES)
    assert "unchanged check:" not in out  # --force checks nothing
    line = source_line(out, "eurostat_comext")
    assert "ingested: same payload" in line and "published 2024-11-25" in line
    assert "derived assets rebuilt: none" in out


def test_changed_snapshot_reruns_only_that_source(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    # the copy's UN list gains a trailing newline: new bytes, the same designations
    xml = store.snapshots / "un_sc" / "2026-02-27" / "consolidated.xml"
    xml.write_bytes(xml.read_bytes() + b"\n")
    before = run_ids(store)
    out = run_cli(store, capsys)
    ingest, refresh = runs(store)[len(before) :]
    assert steps(store, ingest.run_id) == {"un_sc"}
    assert {"consolidated", "reconciliation", "published_version"} <= steps(store, refresh.run_id)
    assert "trade_indicators" not in steps(store, refresh.run_id)
    line = source_line(out, "un_sc")
    assert "ingested: new payload (payload changed since its last ingest)" in line
    assert "published 2026-02-27" in line
    assert "unchanged, not run" in source_line(out, "us_ofac_sdn")
    assert f"{len(SOURCES) - 1} of {len(SOURCES)} source(s) left out" in out


def test_new_ingest_code_reruns_every_ingest(
    store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(carryover, "check_code_version", lambda: "new-code-version")
    before = run_ids(store)
    out = run_cli(store, capsys)
    (ingest,) = runs(store)[len(before) :]  # the same data versions: nothing derived is stale
    assert steps(store, ingest.run_id) == set(SOURCES)
    for source in SOURCES:
        assert "(ingest code changed since its last ingest)" in source_line(out, source)
    assert "derived assets rebuilt: none" in out
    # the new code recorded: unchanged again
    before = run_ids(store)
    run_cli(store, capsys)
    assert run_ids(store) == before
