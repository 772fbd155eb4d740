"""Automation pieces against real servers on 127.0.0.1: the publisher sensor's conditional probe
(unchanged: no run; changed: one run keyed by the new ETag), the cadences and freshness, the
downstream conditions, and the webhook alerts (a failed blocking check's run, a stale list)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetKey,
    DagsterInstance,
    Definitions,
    RunRequest,
    SkipReason,
    asset,
    asset_check,
    build_run_status_sensor_context,
    build_sensor_context,
    define_asset_job,
    in_process_executor,
    materialize,
)
from dagster._core.definitions.freshness import FreshnessState, FreshnessStateChange
from dagster._daemon.asset_daemon import MIN_INTERVAL_LOOP_SECONDS

import definitions
from assets import automation, us_ofac_sdn
from assets.factory import ingest
from resources.live import LiveFetcher
from resources.storage import DataDir
from tests.conftest import SNAPSHOTS
from tests.httpserver import Server, serve, serving
from tests.test_live import served_spec

SDN_DIR = SNAPSHOTS / "us_ofac_sdn" / "2023-12-28"
SDN_FILES = ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")
# the SDN spec with the formats the snapshot lacks (SDN.XML, the Enhanced XML) optional: 404
SERVED_SDN = served_spec(us_ofac_sdn.SPEC, {name: name for name in SDN_FILES})
# the last record of the 2023-12-28 SDN.CSV, amended: a new publication of one entry
LAST_RECORD = b'EXCHANGE AND REMITTANCE."\r\n\x1a'
AMENDED_RECORD = b'EXCHANGE AND REMITTANCE CO."\r\n\x1a'


def amend_sdn(folder: Path) -> Path:
    """A copy of the SDN CSV set with SDN.CSV's last record amended."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SDN_FILES:
        shutil.copy(SDN_DIR / name, folder / name)
    data = (folder / "SDN.CSV").read_bytes()
    assert data.endswith(LAST_RECORD)
    (folder / "SDN.CSV").write_bytes(data[: -len(LAST_RECORD)] + AMENDED_RECORD)
    return folder


def serve_sdn(server: Server, folder: Path) -> dict[str, str]:
    """Serve the SDN CSV set in `folder`; the URL override of every SDN file (others: 404)."""
    overrides = {}
    for fmt in us_ofac_sdn.SPEC.formats:
        for file in fmt.files:
            path = f"/sdn/{file.name}"
            overrides[f"us_ofac_sdn/{file.name}"] = server.url + path
            if file.name in SDN_FILES:
                server.files[path] = folder / file.name
    return overrides


def live_fetcher(overrides: dict[str, str]) -> LiveFetcher:
    return LiveFetcher(
        timeout_seconds=10,
        deadline_seconds=30,
        max_attempts=2,
        backoff_seconds=0.01,
        url_overrides=overrides,
        allow_loopback_http=True,
    )


def test_cadences_and_freshness() -> None:
    sdn = us_ofac_sdn.SPEC.cadence
    assert sdn is automation.TWO_HOURLY  # the default from automation.DEFAULT_CADENCES
    assert sdn.fail_window == timedelta(hours=36)  # the example
    assert sdn.warn_window == timedelta(hours=6)
    assert automation.DAILY.fail_window == timedelta(hours=36)
    assert automation.DAILY.warn_window is None
    assert automation.MONTHLY.fail_window == timedelta(days=46, hours=12)
    cadences = {spec.source: spec.cadence.cron for spec in definitions.SPECS}
    assert cadences == {
        "us_ofac_sdn": "15 */2 * * *",
        "us_ofac_cons": "15 */2 * * *",
        "us_csl": "30 6 * * *",
        "un_sc": "30 6 * * *",
        "gb_fcdo": "30 6 * * *",
        "gb_ofsi": "30 6 * * *",
        "eu_fsf": "30 6 * * *",
    }


def test_definitions_carry_the_automation() -> None:
    defs = definitions.build_definitions(automation_enabled=False)
    graph = defs.resolve_asset_graph()
    policy = graph.get(AssetKey("us_ofac_sdn")).freshness_policy
    assert policy is not None
    assert policy.fail_window.to_timedelta() == timedelta(hours=36)
    assert graph.get(AssetKey("eurostat_comext")).freshness_policy is not None
    for key in ("consolidated", "reconciliation", "published_version"):
        assert graph.get(AssetKey(key)).automation_condition is not None, key
    assert graph.get(AssetKey("us_ofac_sdn")).automation_condition is None
    sensors = {s.name: s for s in defs.sensors}
    assert {f"{s.source}_publisher" for s in definitions.SPECS} < set(sensors)
    assert {"downstream_automation", "alert_on_run_failure", "alert_on_stale_lists"} < set(sensors)
    # downstream follows at the asset daemon's next loop, not after Dagster's default 30 s
    assert sensors["downstream_automation"].minimum_interval_seconds == 1
    assert sensors["downstream_automation"].minimum_interval_seconds < MIN_INTERVAL_LOOP_SECONDS
    # snapshot mode: everything is off unless SANCTIONS_AUTOMATION=on
    assert {s.default_status.value for s in defs.sensors} == {"STOPPED"}
    assert {s.default_status.value for s in defs.schedules} == {"STOPPED"}
    on = definitions.build_definitions(automation_enabled=True)
    assert {s.default_status.value for s in on.sensors} == {"RUNNING"}
    schedules = {s.name: s.cron_schedule for s in on.schedules}
    assert schedules["us_ofac_sdn_fallback"] == "15 */2 * * *"
    assert schedules["trade_fallback"] == "0 7 3 * *"


def test_trade_cron_launches_the_current_period() -> None:
    """The monthly trade cron ingests the year current at its tick (a partition of the trade
    sources), in the trade job; a year before the first period is refused by name."""
    from dagster import build_schedule_context

    defs = definitions.build_definitions(automation_enabled=True)
    repo = defs.get_repository_def()
    trade_cron = repo.get_schedule_def("trade_fallback")
    assert trade_cron.job_name == "ingest_trade"
    job = defs.resolve_job_def("ingest_trade")
    assert job.partitions_def is not None
    for tick, period in ((datetime(2026, 3, 3, 7, tzinfo=UTC), "2026"),
                         (datetime(2025, 12, 3, 7, tzinfo=UTC), "2025")):  # fmt: skip
        with build_schedule_context(scheduled_execution_time=tick, repository_def=repo) as context:
            (request,) = trade_cron.evaluate_tick(context).run_requests or []
        assert request.partition_key == period
    late = datetime(2005, 3, 3, 7, tzinfo=UTC)
    with (
        pytest.raises(Exception, match="evaluation of schedule trade_fallback") as failed,
        build_schedule_context(scheduled_execution_time=late, repository_def=repo) as context,
    ):
        trade_cron.evaluate_tick(context)
    assert "unknown trade period(s) 2005: periods are years 2010 to" in str(failed.value.__cause__)


def test_publisher_sensor_launches_only_on_change(tmp_path: Path) -> None:
    data_dir = DataDir(root=str(tmp_path / "data"))
    with serve(tmp_path) as server:
        server.waf = True
        overrides = serve_sdn(server, SDN_DIR)
        fetcher = live_fetcher(overrides)
        defs = definitions.build_definitions(fetcher, data_dir, automation_enabled=True)
        sensor = defs.resolve_sensor_def("us_ofac_sdn_publisher")
        resources = {"fetcher": fetcher, "data_dir": data_dir}

        def tick() -> list[RunRequest] | SkipReason:
            with build_sensor_context(resources=resources, definitions=defs) as context:
                result = sensor(context)
            return result if isinstance(result, SkipReason) else result.run_requests

        # never fetched: the sensor asks for the first ingest
        first = tick()
        assert isinstance(first, list) and len(first) == 1
        assert first[0].tags["sanctions/source"] == "us_ofac_sdn"
        assert ingest(SERVED_SDN, fetcher, data_dir).publication_id

        # unchanged: one conditional GET per archived file, each answered 304; no run
        before, sent = len(server.requests), sum(server.sent.values())
        unchanged = tick()
        assert isinstance(unchanged, SkipReason)
        assert "unchanged at the publisher (4 files)" in unchanged.skip_message
        probes = server.requests[before:]
        assert len(probes) == 4 and all("if-none-match" in r for r in probes)
        assert sum(server.sent.values()) == sent  # no body sent

        # the publisher amends SDN.CSV: one run, keyed by the new ETags; the same key again
        amended = amend_sdn(tmp_path / "amended")
        serve_sdn(server, amended)
        changed = tick()
        assert isinstance(changed, list) and len(changed) == 1
        assert changed[0].run_key.startswith("us_ofac_sdn:")
        again = tick()
        assert isinstance(again, list) and again[0].run_key == changed[0].run_key
        assert changed[0].run_key != first[0].run_key
        outcome = ingest(SERVED_SDN, fetcher, data_dir)
        assert not outcome.unchanged
        assert isinstance(tick(), SkipReason)


class Receiver:
    """A webhook on 127.0.0.1 recording the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    receiver = Receiver()
    monkeypatch.setenv(automation.WEBHOOK_ENV, receiver.url)
    monkeypatch.setenv(automation.UI_URL_ENV, "http://dagster.example:3000")
    with serving(receiver.httpd):
        yield receiver


def test_failed_blocking_check_alerts(webhook: Receiver) -> None:
    @asset(name="us_ofac_sdn")
    def listed() -> int:
        return 1

    @asset_check(asset=listed, name="records_accounted", blocking=True)
    def accounted() -> AssetCheckResult:
        return AssetCheckResult(passed=False, description="3 records unaccounted")

    job = define_asset_job("ingest_us_ofac_sdn", tags={automation.SOURCE_TAG: "us_ofac_sdn"})
    defs = Definitions(
        assets=[listed], asset_checks=[accounted], jobs=[job], executor=in_process_executor
    )
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("ingest_us_ofac_sdn").execute_in_process(
            instance=instance, raise_on_error=False, tags={automation.SOURCE_TAG: "us_ofac_sdn"}
        )
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        sensor = automation.run_failure_alert(automation.DefaultSensorStatus.RUNNING)
        context = build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        )
        sensor(context.for_run_failure())
    assert len(webhook.bodies) == 1
    body = webhook.bodies[0]
    assert body["source"] == "us_ofac_sdn"
    assert "blocking asset check failed" in body["reason"]
    assert "records_accounted" in body["reason"]
    assert body["link"] == f"http://dagster.example:3000/runs/{result.run_id}"


def report_freshness(instance: DagsterInstance, source: str, state: FreshnessState) -> None:
    """Record a change of freshness state as Dagster's freshness daemon does (its own call; the
    daemon itself evaluates the policies in tests/test_automation_daemon.py)."""
    previous = instance.get_freshness_state_records([AssetKey(source)]).get(AssetKey(source))
    instance._report_runless_asset_event(  # the daemon's own way to record it
        FreshnessStateChange(
            key=AssetKey(source),
            previous_state=previous.freshness_state if previous else FreshnessState.UNKNOWN,
            new_state=state,
            state_change_timestamp=datetime.now(UTC).timestamp(),
        )
    )


def test_stale_list_alerts_once_per_fail_episode(webhook: Receiver) -> None:
    @asset(name="un_sc")
    def listed() -> int:
        return 1

    windows = {"un_sc": automation.DAILY.fail_window, "eu_fsf": automation.DAILY.fail_window}
    later = datetime.now(UTC) + timedelta(hours=37)
    sensor = automation.stale_alert(windows, automation.DefaultSensorStatus.RUNNING, lambda: later)
    cursor = None

    def tick(instance: DagsterInstance) -> None:
        nonlocal cursor
        with build_sensor_context(instance=instance, cursor=cursor) as context:
            sensor(context)
            cursor = context.cursor

    with DagsterInstance.ephemeral() as instance:
        assert materialize([listed], instance=instance).success
        report_freshness(instance, "un_sc", FreshnessState.PASS)
        tick(instance)
        assert webhook.bodies == []  # PASS: nothing; eu_fsf never evaluated: nothing
        report_freshness(instance, "un_sc", FreshnessState.FAIL)
        tick(instance)
        tick(instance)  # the same FAIL episode: no second alert
        assert len(webhook.bodies) == 1
        report_freshness(instance, "un_sc", FreshnessState.PASS)
        tick(instance)
        report_freshness(instance, "un_sc", FreshnessState.FAIL)  # a new episode
        tick(instance)
    assert len(webhook.bodies) == 2
    body = webhook.bodies[0]
    assert body["source"] == "un_sc"
    assert body["reason"].startswith("stale: Dagster freshness FAIL since ")
    assert "; not successfully checked for 37.0 h (fail window 36 h)" in body["reason"]
    assert body["link"] == "http://dagster.example:3000/assets/un_sc"


def test_stale_alert_needs_the_freshness_daemon(webhook: Receiver, tmp_path: Path) -> None:
    (tmp_path / "dagster.yaml").write_text("freshness:\n  enabled: false\n")
    sensor = automation.stale_alert(
        {"un_sc": automation.DAILY.fail_window}, automation.DefaultSensorStatus.RUNNING
    )
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        report_freshness(instance, "un_sc", FreshnessState.FAIL)
        with build_sensor_context(instance=instance) as context:
            skipped = sensor(context)
    assert isinstance(skipped, SkipReason)
    assert "freshness daemon disabled" in (skipped.skip_message or "")
    assert webhook.bodies == []
