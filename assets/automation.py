"""Each list refreshes by itself: publisher sensors, cron fallbacks, declarative automation
downstream, freshness policies and webhook alerts — all Dagster's own machinery.

- **Cadence** (`Cadence`, one per list in `DEFAULT_CADENCES`, overridable by
  `SourceSpec.cadence`): how often the publisher is checked, and the cron of the fallback run.
- **Publisher sensor** per list (`<source>_publisher`): asks the publisher cheaply whether any
  file changed since the archived fetch (`Fetcher.probe`: a conditional GET answered 304 with
  no body), and launches the list's ingest job only then. The run key is the list's new
  version tokens (ETag, else Last-Modified, else sha256), so one change launches one run.
- **Cron fallback** per list (`<source>_fallback`): the ingest job on the list's cron, whatever
  the sensor saw. An ingest of an unchanged payload keeps its data version (the publication id).
- **Downstream** (`consolidated`, `reconciliation`, `published_version`): declarative automation
  (`AutomationCondition`). `consolidated` runs when a list's *data version* changed — a new
  publication, never a re-check of the same one — once no list ingest is still in progress, so
  lists changing together give one consolidation; the others follow it eagerly.
- **Freshness** (`freshness_policy`): per list, derived from its cadence; judged on the last
  ingest run (= the last successful check of the publisher) by Dagster's freshness daemon,
  which records every change of state (PASS/WARN/FAIL) as an event.
- **Alerts** (`alert`): a failed run (a failed blocking check fails its run) and a list whose
  Dagster freshness turned FAIL post JSON `{source, reason, link}` to `SANCTIONS_ALERT_WEBHOOK`.

Off by default (snapshot mode has nothing to watch): `SANCTIONS_AUTOMATION=on` starts every
sensor and schedule of this module when the daemon loads the definitions.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    AssetSpec,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    FreshnessPolicy,
    RunFailureSensorContext,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    get_dagster_logger,
    run_failure_sensor,
    schedule,
    sensor,
)
from dagster._core.definitions.freshness import FreshnessState, FreshnessStateRecord
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from resources.fetcher import Fetcher, FileSpec, Probe
from resources.storage import DataDir

AUTOMATION_ENV = "SANCTIONS_AUTOMATION"  # "on": sensors and schedules start with the daemon
WEBHOOK_ENV = "SANCTIONS_ALERT_WEBHOOK"  # URL receiving the JSON alerts
UI_URL_ENV = "SANCTIONS_DAGSTER_URL"  # base of the links in alerts
DEFAULT_UI_URL = "http://localhost:3000"
SOURCE_TAG = "sanctions/source"
# The downstream automation is evaluated at every loop of Dagster's asset daemon (every 5 s in
# dagster 1.13, fixed in its code): a lower interval only lets it tick at each loop, while 30 s
# (Dagster's default) left a new publication waiting up to 30 s for its downstream run. An
# evaluation with nothing to request costs ~0.02 s of CPU for the full definitions, plus the
# tick's record (bench/bench_e2e.py).
AUTOMATION_INTERVAL_SECONDS = 1


@dataclass(frozen=True)
class Cadence:
    """How often a list is checked (`check_seconds`) and run regardless (`cron`, every `every`)."""

    cron: str
    every: timedelta
    check_seconds: int

    @property
    def fail_window(self) -> timedelta:
        """No successful check for this long is a failure of freshness.

        One and a half times the cadence, and never under 36 hours: a daily list may miss one
        day's run (publisher down, retries spent) and recover at the next before it is called
        stale; a list checked more often than daily (OFAC, every 2 hours) is held to the same
        36 hours, since its consumers take a daily version. Monthly trade data: 46.5 days.
        """
        return max(self.every, timedelta(days=1)) * 1.5

    @property
    def warn_window(self) -> timedelta | None:
        """Three consecutive missed runs warn (OFAC: 6 hours); None where that reaches the
        fail window (daily and monthly lists fail before a third run is missed)."""
        warn = self.every * 3
        return warn if warn < self.fail_window else None


HOUR = 3600
TWO_HOURLY = Cadence(cron="15 */2 * * *", every=timedelta(hours=2), check_seconds=15 * 60)
DAILY = Cadence(cron="30 6 * * *", every=timedelta(days=1), check_seconds=HOUR)
MONTHLY = Cadence(cron="0 7 3 * *", every=timedelta(days=31), check_seconds=24 * HOUR)

# One place: the cadence of every list (OFAC publishes several times a week at any hour; the
# others at most daily; trade statistics monthly). A list absent here is checked daily.
DEFAULT_CADENCES: dict[str, Cadence] = {
    "us_ofac_sdn": TWO_HOURLY,
    "us_ofac_cons": TWO_HOURLY,
    "us_csl": DAILY,
    "un_sc": DAILY,
    "gb_fcdo": DAILY,
    "gb_ofsi": DAILY,
    "eu_fsf": DAILY,
    "trade": MONTHLY,
}


def default_cadence(source: str) -> Cadence:
    """The cadence of `source` from `DEFAULT_CADENCES` (daily for a list it does not name)."""
    return DEFAULT_CADENCES.get(source, DAILY)


class _Spec(Protocol):
    source: str
    cadence: Cadence | None

    @property
    def formats(self) -> Sequence[Any]: ...


def automation_on() -> bool:
    """`SANCTIONS_AUTOMATION=on` (or `1`/`true`): sensors and schedules start running."""
    return os.environ.get(AUTOMATION_ENV, "off").strip().lower() in ("on", "1", "true", "yes")


def _cadence(spec: _Spec) -> Cadence:
    return spec.cadence or default_cadence(spec.source)


def freshness_policy(cadence: Cadence, fail_window: timedelta | None = None) -> FreshnessPolicy:
    """Dagster freshness (shown in the UI, evaluated by Dagster's freshness daemon) of a list's
    ingest asset, from its cadence; `fail_window` replaces the cadence's (no warning then)."""
    if fail_window is not None:
        return FreshnessPolicy.time_window(fail_window=fail_window)
    return FreshnessPolicy.time_window(
        fail_window=cadence.fail_window, warn_window=cadence.warn_window
    )


# --- downstream: declarative automation -----------------------------------------------------


def new_publication_condition() -> AutomationCondition:
    """Run once after any list brought a new publication (its data version changed), when no
    dependency is still running or missing: several lists changing together give one run."""
    changed = AutomationCondition.any_deps_match(AutomationCondition.data_version_changed())
    return (
        changed.since_last_handled()
        & ~AutomationCondition.any_deps_missing()
        & ~AutomationCondition.any_deps_in_progress()
        & ~AutomationCondition.in_progress()
    ).with_label("new publication of a list")


DOWNSTREAM_CONDITIONS: dict[str, Callable[[], AutomationCondition]] = {
    "consolidated": new_publication_condition,
    "reconciliation": AutomationCondition.eager,
    "published_version": AutomationCondition.eager,
}


# --- per list: job, sensor, schedule ---------------------------------------------------------


def ingest_job(
    source: str, selection: AssetSelection | None = None
) -> UnresolvedAssetJobDefinition:
    """The job fetching one list (its asset and checks), launched by its sensor and schedule."""
    return define_asset_job(
        f"ingest_{source}",
        selection=selection or AssetSelection.assets(source),
        description=f"Fetch {source}; downstream follows by declarative automation.",
        tags={SOURCE_TAG: source},
    )


def probe_source(spec: _Spec, fetcher: Fetcher, data_dir: DataDir) -> tuple[bool, list[Probe]]:
    """Ask the publisher about every file the archive has fetched before (all formats).

    Changed when any file changed, or when no file of the list was ever fetched live.
    """
    files: list[FileSpec] = [file for fmt in spec.formats for file in fmt.files]
    probes: list[Probe] = []
    known = 0
    for file in files:
        previous = data_dir.previous_fetch(spec.source, file.name)
        if previous is None and fetcher.mode == "live":
            continue  # never fetched (an optional file not published): the ingest decides
        known += 1
        probes.append(fetcher.probe(spec.source, file, previous))
    return known == 0 or any(p.changed for p in probes), probes


def run_key(source: str, probes: Iterable[Probe]) -> str:
    """The list's version as the publisher names it now: one run per new version."""
    tokens = json.dumps(sorted((p.name, p.token) for p in probes))
    return f"{source}:{hashlib.sha256(tokens.encode()).hexdigest()[:16]}"


def publisher_sensor(
    spec: _Spec,
    job: UnresolvedAssetJobDefinition,
    status: DefaultSensorStatus,
    check_seconds: int | None = None,
) -> SensorDefinition:
    """Checks `spec`'s publisher every `cadence.check_seconds`; runs the ingest on a change."""

    @sensor(
        name=f"{spec.source}_publisher",
        job=job,
        minimum_interval_seconds=check_seconds or _cadence(spec).check_seconds,
        default_status=status,
        description=f"Conditional request to the publisher of {spec.source}; ingests on change.",
    )
    def check_publisher(
        context: SensorEvaluationContext, fetcher: Fetcher, data_dir: DataDir
    ) -> SensorResult | SkipReason:
        changed, probes = probe_source(spec, fetcher, data_dir)
        if not changed:
            return SkipReason(f"{spec.source}: unchanged at the publisher ({len(probes)} files)")
        key = run_key(spec.source, probes)
        return SensorResult(
            run_requests=[
                RunRequest(
                    run_key=key,
                    tags={SOURCE_TAG: spec.source, "sanctions/trigger": "publisher_changed"},
                )
            ],
            cursor=key,
        )

    return check_publisher


def fallback_schedule(
    source: str, cadence: Cadence, job: UnresolvedAssetJobDefinition, status: DefaultScheduleStatus
) -> ScheduleDefinition:
    """The ingest job on the list's cron, in case the publisher's validators mislead."""
    return ScheduleDefinition(
        name=f"{source}_fallback",
        cron_schedule=cadence.cron,
        execution_timezone="UTC",
        job=job,
        default_status=status,
        description=f"Cron fallback for {source} ({cadence.cron} UTC).",
    )


def period_schedule(
    source: str,
    cadence: Cadence,
    job: UnresolvedAssetJobDefinition,
    status: DefaultScheduleStatus,
    period_at: Callable[[datetime], str],
) -> ScheduleDefinition:
    """The ingest job of partitioned data on its cron, for the period current at each tick
    (`period_at` of the scheduled time: trade data, the year of the month just published)."""

    @schedule(
        name=f"{source}_fallback",
        cron_schedule=cadence.cron,
        execution_timezone="UTC",
        job=job,
        default_status=status,
        description=f"Cron fallback for {source} ({cadence.cron} UTC), current period.",
    )
    def current_period(context: ScheduleEvaluationContext) -> RunRequest:
        period = period_at(context.scheduled_execution_time)
        return RunRequest(
            run_key=f"{source}:{period}:{context.scheduled_execution_time:%Y-%m-%d}",
            partition_key=period,
        )

    return current_period


# --- alerts ----------------------------------------------------------------------------------


def alert(source: str, reason: str, link: str, url: str | None = None) -> bool:
    """POST `{source, reason, link}` as JSON to the webhook (`SANCTIONS_ALERT_WEBHOOK`).

    Returns False when no webhook is configured. A webhook that fails raises: the sensor's tick
    fails visibly in the UI and the alert is tried again at its next tick.
    """
    import httpx  # only when an alert is sent: not loaded with the definitions

    url = url or os.environ.get(WEBHOOK_ENV)
    if not url:
        get_dagster_logger().warning(f"alert not sent (no {WEBHOOK_ENV}): {source}: {reason}")
        return False
    response = httpx.post(
        url, json={"source": source, "reason": reason, "link": link}, timeout=10.0
    )
    response.raise_for_status()
    return True


def ui_link(path: str) -> str:
    return os.environ.get(UI_URL_ENV, DEFAULT_UI_URL).rstrip("/") + path


def run_failure_alert(status: DefaultSensorStatus) -> SensorDefinition:
    """Any failed run (a failed blocking check fails its run too) sends an alert."""

    @run_failure_sensor(
        name="alert_on_run_failure",
        default_status=status,
        monitor_all_code_locations=False,
        description=f"POSTs {{source, reason, link}} to ${WEBHOOK_ENV} for every failed run.",
    )
    def alert_on_run_failure(context: RunFailureSensorContext) -> None:
        run = context.dagster_run
        source = run.tags.get(SOURCE_TAG) or run.job_name
        reason = context.failure_event.message or "run failed"
        steps = [
            error.message.strip()
            for event in context.get_step_failure_events()
            if (error := getattr(event.event_specific_data, "error", None)) is not None
        ]
        if steps:
            reason = f"{reason}: {' | '.join(steps)}"
        alert(source, reason, ui_link(f"/runs/{run.run_id}"))

    return alert_on_run_failure


def stale_reason(
    state: FreshnessStateRecord, last_checked: float | None, window: timedelta | None, now: datetime
) -> str:
    """The alert's text for a list Dagster's freshness daemon judged FAIL."""
    since = state.updated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    reason = f"stale: Dagster freshness FAIL since {since}"
    if last_checked is not None:
        hours = (now - datetime.fromtimestamp(last_checked, UTC)).total_seconds() / 3600
        reason += f"; not successfully checked for {hours:.1f} h"
    if window is not None:
        reason += f" (fail window {window.total_seconds() / 3600:g} h)"
    return reason


def stale_alert(
    windows: dict[str, timedelta],
    status: DefaultSensorStatus,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    interval_seconds: int = 15 * 60,
) -> SensorDefinition:
    """Alerts once per FAIL episode of a list's freshness, as Dagster's freshness daemon records it.

    The judgement is Dagster's: its freshness daemon (on unless `freshness: enabled: false` in
    dagster.yaml) evaluates every asset's `FreshnessPolicy` and records each change of state as
    a `FRESHNESS_STATE_CHANGE` event; this sensor reads the latest one per list
    (`instance.get_freshness_state_records`). An episode is one FAIL record (its change time):
    the cursor remembers the episodes alerted, so a list stays alerted once until it passes and
    fails again. `windows` only words the reason.
    """

    @sensor(
        name="alert_on_stale_lists",
        minimum_interval_seconds=interval_seconds,
        default_status=status,
        description=f"POSTs {{source, reason, link}} to ${WEBHOOK_ENV} when a list's freshness "
        "turns FAIL (Dagster's freshness daemon).",
    )
    def alert_on_stale_lists(context: SensorEvaluationContext) -> SkipReason:
        instance = context.instance
        if not instance.freshness_enabled:
            return SkipReason("freshness daemon disabled (dagster.yaml `freshness: enabled`)")
        alerted: dict[str, float] = json.loads(context.cursor) if context.cursor else {}
        states = instance.get_freshness_state_records([AssetKey(s) for s in windows])
        sent = []
        for key, state in sorted(states.items(), key=lambda item: item[0].to_user_string()):
            source = key.to_user_string()
            episode = state.updated_at.timestamp()
            if state.freshness_state != FreshnessState.FAIL or alerted.get(source) == episode:
                continue  # fresh, or this episode was alerted already
            event = instance.get_latest_materialization_event(key)
            reason = stale_reason(
                state, event.timestamp if event else None, windows.get(source), now()
            )
            alert(source, reason, ui_link(f"/assets/{source}"))
            alerted[source] = episode
            sent.append(source)
        context.update_cursor(json.dumps(alerted))
        return SkipReason(f"stale alerts sent: {', '.join(sent) or 'none'}")

    return alert_on_stale_lists


# --- everything together ---------------------------------------------------------------------


def apply_automation(assets: list[AssetsDefinition], auto: Automation) -> list[AssetsDefinition]:
    """Freshness policies and automation conditions applied once, in the root definitions.

    A step that materializes several assets and cannot be subset (the publish step and the
    published tables) runs on one condition: its assets without one of their own follow it.
    """

    def step_condition(asset: AssetsDefinition) -> AutomationCondition | None:
        if asset.can_subset:
            return None
        keys = [k.to_user_string() for k in asset.keys if k.to_user_string() in auto.conditions]
        if len({id(auto.conditions[k]) for k in keys}) > 1:
            raise ValueError(f"one step, several automation conditions: {', '.join(keys)}")
        return auto.conditions[keys[0]] if keys else None

    def apply(spec: AssetSpec, shared: AutomationCondition | None) -> AssetSpec:
        key = spec.key.to_user_string()
        changes: dict[str, Any] = {}
        if key in auto.freshness:
            changes["freshness_policy"] = auto.freshness[key]
        condition = auto.conditions.get(key, shared)
        if condition is not None:
            changes["automation_condition"] = condition
        return spec.replace_attributes(**changes) if changes else spec

    applied = []
    for asset in assets:
        shared = step_condition(asset)
        applied.append(asset.map_asset_specs(lambda spec, shared=shared: apply(spec, shared)))
    return applied


@dataclass
class Automation:
    jobs: list[UnresolvedAssetJobDefinition]
    sensors: list[SensorDefinition]
    schedules: list[ScheduleDefinition]
    freshness: dict[str, FreshnessPolicy]  # asset key -> policy
    conditions: dict[str, AutomationCondition]  # asset key -> condition


def build_automation(
    specs: Sequence[_Spec],
    trade_selection: AssetSelection | None,
    trade_keys: Sequence[str],
    enabled: bool | None = None,
    automation_interval_seconds: int = AUTOMATION_INTERVAL_SECONDS,
    check_seconds: int | None = None,
    fail_windows: Mapping[str, timedelta] | None = None,
    trade_period_at: Callable[[datetime], str] | None = None,
) -> Automation:
    """Jobs, sensors, schedules, freshness and conditions for `specs` and the trade data.

    `check_seconds` replaces every list's sensor interval and the stale alert's (tests and
    benches tick fast); `fail_windows` replaces the fail window of the lists it names (a test
    lets a list go stale in seconds, through Dagster's real freshness evaluation).
    `trade_period_at` names the trade partition current at a time: the trade cron then
    ingests that period only (without it, the whole trade job, unpartitioned).
    """
    on = automation_on() if enabled is None else enabled
    sensor_status = DefaultSensorStatus.RUNNING if on else DefaultSensorStatus.STOPPED
    schedule_status = DefaultScheduleStatus.RUNNING if on else DefaultScheduleStatus.STOPPED
    jobs: list[UnresolvedAssetJobDefinition] = []
    sensors: list[SensorDefinition] = []
    schedules: list[ScheduleDefinition] = []
    freshness: dict[str, FreshnessPolicy] = {}
    windows: dict[str, timedelta] = {}
    for spec in specs:
        cadence = _cadence(spec)
        job = ingest_job(spec.source)
        jobs.append(job)
        sensors.append(publisher_sensor(spec, job, sensor_status, check_seconds))
        schedules.append(fallback_schedule(spec.source, cadence, job, schedule_status))
        window = (fail_windows or {}).get(spec.source)
        freshness[spec.source] = freshness_policy(cadence, window)
        windows[spec.source] = window or cadence.fail_window
    if trade_selection is not None:
        trade = default_cadence("trade")
        trade_job = ingest_job("trade", trade_selection)
        jobs.append(trade_job)
        schedules.append(
            period_schedule("trade", trade, trade_job, schedule_status, trade_period_at)
            if trade_period_at
            else fallback_schedule("trade", trade, trade_job, schedule_status)
        )
        for key in trade_keys:
            freshness[key] = freshness_policy(trade)
    conditions = {key: make() for key, make in DOWNSTREAM_CONDITIONS.items()}
    sensors.append(
        AutomationConditionSensorDefinition(
            "downstream_automation",
            target=AssetSelection.assets(*conditions),
            default_status=sensor_status,
            minimum_interval_seconds=automation_interval_seconds,
            emit_backfills=False,
            description="Consolidate, reconcile and publish after a new publication of a list.",
        )
    )
    sensors.append(run_failure_alert(sensor_status))
    sensors.append(stale_alert(windows, sensor_status, interval_seconds=check_seconds or 15 * 60))
    return Automation(jobs, sensors, schedules, freshness, conditions)
