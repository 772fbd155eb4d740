"""The automation for real: `dagster-daemon` and `dagster-webserver` on one temporary
DAGSTER_HOME, the real SDN and UN snapshot files served by a local HTTP server (OFAC's firewall
rule on), the definitions of tests/automation_defs.py (real assets, real automation, ticking
every second), a webhook on 127.0.0.1 receiving the alerts. The instance has
deploy/dagster.yaml's settings (sensor and automation threads, the run queue read every
second, freshness), its storage aside: SQLite in DAGSTER_HOME.

The two lists are first ingested once in-process. Then, with nothing changed, the publisher
sensors tick and launch nothing. The SDN file is amended at the "publisher": only the SDN ingest
runs, then one run consolidates, reconciles and publishes one new version; after it, ticks
launch nothing again. (Downstream is not pre-materialized: declarative automation leaves a
missing asset alone and runs it only after a new publication, which also keeps this test short.)

Freshness: UN's fail window is cut to `UN_FAIL_SECONDS` here (SDN keeps its real 36 h). Nothing
re-checks UN, so Dagster's own freshness daemon turns it FAIL, and `alert_on_stale_lists` posts
one alert. The webserver's GraphQL API, as the UI reads it, then shows the daemon's runs, the
new materializations and both lists' freshness status. One test, one daemon and one webserver
started in parallel: every part of it costs a few seconds, not a start-up of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from dagster import AssetKey, DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.scheduler.instigation import InstigatorType, TickStatus

from assets import automation, un_sc, us_ofac_sdn
from tests.automation_defs import CONFIG_ENV, SDN_FILES, UN_FILES, build
from tests.conftest import ROOT, SNAPSHOTS
from tests.httpserver import Server, serve, serving
from tests.test_automation import AMENDED_RECORD, LAST_RECORD, Receiver
from tests.webserver import graphql, running_webserver

# generous bounds for a loaded 2-core machine: each run loads the definitions in a process of
# its own (about 15 s there), the daemon its code server once
START_TIMEOUT = 240.0
FLOW_TIMEOUT = 240.0
# UN's freshness fail window here: past it long before the SDN flow is over, never re-checked
UN_FAIL_SECONDS = 60  # Dagster refuses a fail window under a minute
UI_URL = "http://dagster.example:3000"


@dataclass
class Rig:
    server: Server
    home: Path
    data_dir: Path
    sdn: Path  # the folder the SDN files are served from (amended in place)
    instance: DagsterInstance
    env: dict[str, str]
    webhook: Receiver


def instance_yaml(postgres: bool = False) -> str:
    """deploy/dagster.yaml (the daemon's threads, the run queue, freshness): the daemon here
    acts as a deployed one. Its storage on PostgreSQL (`DAGSTER_PG_URL`) only with
    `postgres`; else Dagster's default, SQLite in DAGSTER_HOME."""
    config = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    if not postgres:
        del config["storage"]
    return yaml.safe_dump(config)


@contextmanager
def rig(tmp: Path, postgres: bool = False) -> Iterator[Rig]:
    """Server, materialized instance and the env for a daemon; the daemon is not started.

    `postgres`: the instance on the PostgreSQL database `DAGSTER_PG_URL` names (as
    deploy/dagster.yaml), not on SQLite."""
    home, data_dir, sdn = tmp / "dagster_home", tmp / "data", tmp / "publisher"
    for folder in (home, data_dir, sdn):
        folder.mkdir()
    for name in SDN_FILES:
        shutil.copy(SNAPSHOTS / "us_ofac_sdn" / "2023-12-28" / name, sdn / name)
    (home / "dagster.yaml").write_text(instance_yaml(postgres))
    with serve(tmp) as server, webhook() as hook:
        server.waf = True
        overrides: dict[str, str] = {}
        for spec, files, folder in (
            (us_ofac_sdn.SPEC, SDN_FILES, sdn),
            (un_sc.SPEC, UN_FILES, SNAPSHOTS / "un_sc" / "2026-02-27"),
        ):
            for fmt in spec.formats:
                for file in fmt.files:
                    path = f"/{spec.source}/{file.name}"
                    overrides[f"{spec.source}/{file.name}"] = server.url + path
                    if file.name in files:
                        server.files[path] = folder / file.name
        config = {
            "overrides": overrides,
            "data_dir": str(data_dir),
            "fail_windows": {"un_sc": UN_FAIL_SECONDS},
        }
        config_path = tmp / "automation.json"
        config_path.write_text(json.dumps(config))
        (tmp / "workspace.yaml").write_text(
            "load_from:\n  - python_module:\n      module_name: tests.automation_defs\n"
            f"      working_directory: {ROOT}\n"
        )
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            CONFIG_ENV: str(config_path),
            "PYTHONPATH": str(ROOT),
            automation.WEBHOOK_ENV: hook.url,
            automation.UI_URL_ENV: UI_URL,
            "FRESHNESS_DAEMON_INTERVAL_SECONDS": "1",  # Dagster's default: 30
            # one bytecode cache for the daemon, its code server, the run workers and the
            # webserver, as a deployed install has (bytecode compiled at install, or written at
            # first import): this machine's shell sets PYTHONDONTWRITEBYTECODE and uv installs
            # no bytecode, so each run worker compiled ~400 modules again (0.7 s more CPU,
            # bench/bench_worker.py); here under tmp, not in the venv or the repository
            "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        with DagsterInstance.from_config(str(home)) as instance:
            # the two lists ingested once; downstream is left to the automation (a missing
            # asset is not materialized by it on its own: only a new publication triggers it)
            defs = build(config)
            for source in ("us_ofac_sdn", "un_sc"):
                job = defs.resolve_job_def(f"ingest_{source}")
                assert job.execute_in_process(instance=instance).success
            yield Rig(server, home, data_dir, sdn, instance, env, hook)


@contextmanager
def webhook() -> Iterator[Receiver]:
    receiver = Receiver()
    with serving(receiver.httpd):
        yield receiver


@contextmanager
def daemon(r: Rig, tmp: Path) -> Iterator[subprocess.Popen]:
    log = open(tmp / "daemon.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster._daemon", "run", "-w", str(tmp / "workspace.yaml")],
        cwd=tmp,
        env=r.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def sensor_ticks(instance: DagsterInstance, name: str) -> list:
    """The sensor's completed ticks (one in progress is left out)."""
    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        if state.instigator_name == name:
            ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id)
            return [t for t in ticks if t.status != TickStatus.STARTED]
    return []


def wait_for(what: str, condition, timeout: float, log: Path) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def runs(instance: DagsterInstance, after: float = 0.0) -> list:
    return [
        r
        for r in instance.get_run_records(RunsFilter(created_after=_dt(after)))
        if r.create_timestamp.timestamp() > after
    ]


def _dt(stamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(stamp, UTC)


def published_version(data_dir: Path) -> str | None:
    latest = data_dir / "published" / "latest"
    return latest.resolve().name if latest.exists() else None


def amend(r: Rig) -> None:
    path = r.sdn / "SDN.CSV"
    data = path.read_bytes()
    path.write_bytes(data[: -len(LAST_RECORD)] + AMENDED_RECORD)


def finished(records: list) -> bool:
    done = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
    return bool(records) and all(r.dagster_run.status in done for r in records)


def freshness(instance: DagsterInstance) -> dict[str, FreshnessState]:
    """Both lists' freshness state as Dagster's freshness daemon last recorded it."""
    keys = [AssetKey("us_ofac_sdn"), AssetKey("un_sc")]
    return {
        key.to_user_string(): record.freshness_state
        for key, record in instance.get_freshness_state_records(keys).items()
    }


RUNS = "query { runsOrError { ... on Runs { results { runId jobName status } } } }"
NODES = """
query Nodes($keys: [AssetKeyInput!]) {
  assetNodes(assetKeys: $keys) {
    assetKey { path }
    assetMaterializations(limit: 1) { runId }
    freshnessStatusInfo { freshnessStatus }
    internalFreshnessPolicy {
      ... on TimeWindowFreshnessPolicy { failWindowSeconds warnWindowSeconds }
    }
  }
}
"""


def test_daemon_runs_only_what_changed(tmp_path: Path) -> None:
    log = tmp_path / "daemon.log"
    with (
        rig(tmp_path) as r,
        daemon(r, tmp_path),
        running_webserver(r.home, r.env, START_TIMEOUT, tmp_path / "workspace.yaml") as ui,
    ):
        assert published_version(r.data_dir) is None
        before = len(runs(r.instance))
        # nothing changed: every publisher sensor ticks (skipped) and nothing is launched
        wait_for(
            "two ticks of each publisher sensor",
            lambda: all(
                len(sensor_ticks(r.instance, f"{s}_publisher")) >= 2
                for s in ("us_ofac_sdn", "un_sc")
            ),
            START_TIMEOUT,
            log,
        )
        for source in ("us_ofac_sdn", "un_sc"):
            statuses = {t.status for t in sensor_ticks(r.instance, f"{source}_publisher")}
            assert statuses == {TickStatus.SKIPPED}, (source, statuses)
        assert len(runs(r.instance)) == before

        # the publisher amends SDN.CSV
        changed_at = time.time()
        amend(r)

        def published() -> bool:
            return published_version(r.data_dir) is not None and finished(
                runs(r.instance, changed_at)
            )

        elapsed = wait_for("the new published version", published, FLOW_TIMEOUT, log)
        new = runs(r.instance, changed_at)
        jobs = sorted(rec.dagster_run.job_name for rec in new)
        assert jobs == ["__ASSET_JOB", "ingest_us_ofac_sdn"], jobs
        assert all(rec.dagster_run.status == DagsterRunStatus.SUCCESS for rec in new)
        downstream = next(rec for rec in new if rec.dagster_run.job_name == "__ASSET_JOB")
        selected = {k.to_user_string() for k in downstream.dagster_run.asset_selection or ()}
        assert {k for k in selected if not k.startswith("published/")} == {
            "consolidated",
            "reconciliation",
            "published_version",
        }
        # the published tables are materialized by the publish step, with it
        assert {"published/entities", "published/sanctions"} <= selected
        print(f"changed file -> published version through the daemon: {elapsed:.1f} s")

        # after it, ticks launch nothing: no second ingest, no second publication
        ticks = len(sensor_ticks(r.instance, "us_ofac_sdn_publisher"))
        wait_for(
            "three more ticks",
            lambda: len(sensor_ticks(r.instance, "us_ofac_sdn_publisher")) >= ticks + 3,
            60,
            log,
        )
        time.sleep(3)  # a few automation ticks too
        assert len(runs(r.instance, changed_at)) == 2
        manifest = json.loads((r.data_dir / "published" / "latest" / "manifest.json").read_text())
        assert manifest["version"] == published_version(r.data_dir)

        # Dagster's freshness daemon judged UN (window cut to 60 s, never re-checked) FAIL and
        # SDN (36 h, just ingested) PASS; the stale alert followed, once
        wait_for(
            "un_sc's freshness FAIL and its alert",
            lambda: (
                freshness(r.instance).get("un_sc") == FreshnessState.FAIL and bool(r.webhook.bodies)
            ),
            FLOW_TIMEOUT,
            log,
        )
        assert freshness(r.instance) == {
            "un_sc": FreshnessState.FAIL,
            "us_ofac_sdn": FreshnessState.PASS,
        }
        ticks = len(sensor_ticks(r.instance, "alert_on_stale_lists"))
        wait_for(
            "three more ticks of the stale alert",
            lambda: len(sensor_ticks(r.instance, "alert_on_stale_lists")) >= ticks + 3,
            60,
            log,
        )
        assert len(r.webhook.bodies) == 1, r.webhook.bodies  # one FAIL episode, one alert
        body = r.webhook.bodies[0]
        assert body["source"] == "un_sc"
        assert body["reason"].startswith("stale: Dagster freshness FAIL since ")
        assert f"(fail window {UN_FAIL_SECONDS / 3600:g} h)" in body["reason"]
        assert body["link"] == f"{UI_URL}/assets/un_sc"

        # the webserver on the same DAGSTER_HOME shows it all through its GraphQL API
        shown = {run["runId"]: run for run in graphql(ui, RUNS)["runsOrError"]["results"]}
        for rec in new:
            run = shown[rec.dagster_run.run_id]
            assert (run["jobName"], run["status"]) == (rec.dagster_run.job_name, "SUCCESS")
        keys = [{"path": [key]} for key in ("us_ofac_sdn", "un_sc", "published_version")]
        nodes = {
            "/".join(node["assetKey"]["path"]): node
            for node in graphql(ui, NODES, {"keys": keys})["assetNodes"]
        }
        ingest_run = next(
            rec.dagster_run.run_id for rec in new if rec.dagster_run.job_name != "__ASSET_JOB"
        )
        sdn, un, version = nodes["us_ofac_sdn"], nodes["un_sc"], nodes["published_version"]
        assert sdn["assetMaterializations"][0]["runId"] == ingest_run
        assert version["assetMaterializations"][0]["runId"] == downstream.dagster_run.run_id
        assert sdn["freshnessStatusInfo"] == {"freshnessStatus": "HEALTHY"}
        assert sdn["internalFreshnessPolicy"] == {
            "failWindowSeconds": 36 * 3600,
            "warnWindowSeconds": 6 * 3600,
        }
        assert un["freshnessStatusInfo"] == {"freshnessStatus": "DEGRADED"}
        assert un["internalFreshnessPolicy"]["failWindowSeconds"] == UN_FAIL_SECONDS
        assert version["freshnessStatusInfo"] is None  # no policy downstream
