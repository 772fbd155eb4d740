"""Sources left out of the command line's ingest run when nothing they read changed (issue #17).

Before its ingest run, `cli.py run` asks of every list and trade source whether an ingest would
only find again what its last materialization recorded. A source is left out when all hold:

- **payload**: the files an ingest would read have the sha256s its last materialization read
  (`PAYLOAD_KEY`, recorded by every ingest: a digest of each file's name and sha256). Snapshot
  mode reads the shipped files (local, about 35 MB in all); live mode asks the publisher the
  conditional question the sensors ask (`Fetcher.probe`: a 304 costs no body) and takes the
  archived bytes' sha256 when the answer is "unchanged". The reference is the last
  *materialization*, not the last fetch: a fetch whose parse or step failed is run again.
- **code**: that materialization recorded the code version the ingest would record now
  (`carryover.CODE_VERSION_KEY`: the project's sources and the locked libraries; new code must
  re-run its ingest, which then re-parses or re-checks as `assets/factory.py` decides).
- **stored**: the data directory still holds what it staged under that data version (the
  list's current staged publication; the trade source's table or every period of the run).
- **checks**: the latest evaluation of each of the asset's checks is complete, is on that
  materialization, and is not a failed blocking check (a failure must fail again, visibly).
- **periods** (partitioned trade sources): every period of the run's range (`--period`, else
  all) was materialized, each with the same payload, code and data version.

Each source left out gets one runless materialization (`record_checked`): the same data version
(so nothing downstream turns stale) and the previous metadata, with `last_checked` now and
`CHECKS_ON_KEY` naming the materialization its checks were evaluated on. It keeps "last
checked" and Dagster's freshness right: Dagster's freshness daemon judges a time-window policy
on the last materialization only (`TimeWindowFreshnessPolicyEvaluator`), not on observations,
and `alert_on_stale_lists` reads the same event. One event per source, no run, no step.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assets import carryover
from assets.trade_periods import PARTITIONED
from assets.trade_sources import LIVE_FILES, snapshot_payloads, snapshot_root
from core.errors import FetchError
from resources.fetcher import Fetcher, FileSpec
from resources.storage import DataDir

if TYPE_CHECKING:
    from dagster import AssetCheckKey, DagsterInstance, EventLogRecord, ExecuteInProcessResult
    from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecord

    from assets.factory import SourceSpec

PAYLOAD_KEY = "payload_sha256"  # digest of (file name, sha256) of every file the ingest read
SKIPPED_TAG = "sanctions/unchanged_check"  # on the runless materialization of a source left out


def payload_digest(files: Iterable[tuple[str, str]]) -> str:
    """One digest of the files an ingest read: (official file name, sha256) pairs, any order."""
    text = json.dumps(sorted(set(files)))
    return hashlib.sha256(text.encode()).hexdigest()


def _probe_live(source: str, files: Sequence[FileSpec], fetcher: Fetcher, data_dir: DataDir):
    """(name, sha256) of each file the publisher still serves unchanged since the archived
    fetch; None as soon as one changed or was never fetched."""
    pairs = []
    for file in files:
        previous = data_dir.previous_fetch(source, file.name)
        probe = fetcher.probe(source, file, previous)
        if probe.changed or (previous is None and probe.token != "absent"):
            return None
        if probe.token != "absent" and previous is not None:
            pairs.append((file.name, previous.sha256 or ""))
    return pairs


def current_files(
    source: str, spec: SourceSpec | None, fetcher: Fetcher, data_dir: DataDir
) -> list[tuple[str, str]] | None:
    """(name, sha256) of every file an ingest of `source` would read now, found cheaply; None
    when a file changed (or is new) at the publisher: the ingest must run."""
    if spec is not None:  # a list: every format's files
        files = [file for fmt in spec.formats for file in fmt.files]
        if fetcher.mode == "live":
            return _probe_live(source, files, fetcher, data_dir)
        pairs = []
        for file in files:
            payload = fetcher.fetch(source, file, None)
            if payload is not None:
                pairs.append((payload.name, payload.sha256))
        return pairs
    specs = LIVE_FILES[source]
    if fetcher.mode == "live" and specs:
        return _probe_live(source, specs, fetcher, data_dir)
    # snapshot mode, or a trade source only shipped as a snapshot (as `fetch_files` reads it)
    pin = getattr(fetcher, "pins", {}).get(source)
    _, payloads = snapshot_payloads(source, snapshot_root(fetcher), pin)
    return [(name, payload.sha256) for name, payload in payloads]


@dataclass
class Verdict:
    """Whether `source` is left out of the ingest run, and why (`reason`, said to the user)."""

    source: str
    skip: bool
    reason: str
    probe_seconds: float = 0.0
    latest: EventLogRecord | None = None  # its last materialization
    partition: str | None = None  # the runless materialization's partition (partitioned)

    def metadata(self) -> dict[str, Any]:
        event = self.latest.asset_materialization if self.latest else None
        return dict(event.metadata) if event else {}

    def shown(self, key: str) -> str:
        value = self.metadata().get(key)
        return str(getattr(value, "value", value)) if value is not None else "unknown"


def _value(record: EventLogRecord, key: str) -> Any:
    event = record.asset_materialization
    value = event.metadata.get(key) if event else None
    return getattr(value, "value", value)


def _version(record: EventLogRecord) -> str | None:
    event = record.asset_materialization
    return event.tags.get(carryover.DATA_VERSION_TAG) if event else None


def _stored(data_dir: DataDir, source: str, version: str, periods: list[str] | None) -> bool:
    """The data directory still holds what the ingest staged under `version`."""
    if source in LIVE_FILES:  # a trade source: its table, or each period of the run
        from assets.trade import unchanged_rows

        return unchanged_rows(data_dir, source, version, periods) is not None
    current = data_dir.current_publication(source)
    return current == version and data_dir.staging_dir(source, version).is_dir()


def _checks_hold(
    checks: Sequence[AssetCheckKey],
    found: Mapping[AssetCheckKey, AssetCheckExecutionRecord],
    latest: EventLogRecord,
) -> str | None:
    """Why the asset's last check results do not stand for its last materialization (None: they
    do: each complete, on it, and no blocking one failed)."""
    from dagster._core.storage.asset_check_execution_record import (
        COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
    )

    on = int(_value(latest, carryover.CHECKS_ON_KEY) or latest.storage_id)
    for check_key in sorted(checks, key=lambda k: k.name):
        record = found.get(check_key)
        if record is None or record.status not in COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES:
            return f"check {check_key.name} has no complete evaluation"
        evaluation = record.event.dagster_event.asset_check_evaluation_data  # type: ignore[union-attr]
        target = evaluation.target_materialization_data
        if target is None or target.storage_id != on:
            return f"check {check_key.name} was not evaluated on the last ingest"
        if not evaluation.passed and evaluation.blocking:
            return f"blocking check {check_key.name} failed at the last ingest"
    return None


def _period_records(
    instance: DagsterInstance, source: str, periods: list[str]
) -> tuple[list[EventLogRecord], list[str]]:
    """The latest materialization of each of `periods` (deduplicated), and the periods never
    materialized. Two queries."""
    from dagster import AssetKey, AssetRecordsFilter, DagsterEventType

    key = AssetKey(source)
    ids = instance.get_latest_storage_id_by_partition(
        key, DagsterEventType.ASSET_MATERIALIZATION, set(periods)
    )
    missing = sorted(set(periods) - set(ids))
    unique = sorted(set(ids.values()))
    if missing or not unique:
        return [], missing
    found = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, storage_ids=unique), limit=len(unique)
    ).records
    return list(found), []


def verdict(
    source: str,
    latest: EventLogRecord | None,
    records: list[EventLogRecord],
    checks: str | None,
    files: list[tuple[str, str]] | None,
    data_dir: DataDir,
    periods: list[str] | None,
) -> Verdict:
    """Whether an ingest of `source` would find only what its last materialization(s) recorded
    (`records`: the latest, or each period's of the run; `checks`: why its checks do not hold):
    see the module's docstring."""
    run = Verdict(source, False, "", latest=latest)
    digest, code = payload_digest(files or ()), carryover.check_code_version()
    versions = {_version(r) for r in records}
    if latest is None:
        run.reason = "never ingested"
    elif files is None:
        run.reason = "changed at the publisher"
    elif any(_value(r, PAYLOAD_KEY) is None for r in records):
        run.reason = "its last ingest recorded no payload digest"
    elif any(_value(r, PAYLOAD_KEY) != digest for r in records):
        run.reason = "payload changed since its last ingest"
    elif any(_value(r, carryover.CODE_VERSION_KEY) != code for r in records):
        run.reason = "ingest code changed since its last ingest"
    elif len(versions) != 1 or None in versions:
        run.reason = "periods ingested from different payloads"
    elif not _stored(data_dir, source, versions.pop() or "", periods):
        run.reason = "its staged data is no longer in the data directory"
    elif checks is not None:
        run.reason = checks
    else:
        return Verdict(
            source,
            True,
            "payload and ingest code unchanged since its last ingest",
            latest=latest,
            partition=periods[-1] if periods else None,
        )
    return run


def check_sources(
    instance: DagsterInstance,
    graph: BaseAssetGraph,
    sources: Sequence[str],
    specs: Mapping[str, SourceSpec],
    fetcher: Fetcher,
    data_dir: DataDir,
    periods: list[str],
) -> list[Verdict]:
    """A verdict for each of `sources` (lists by `specs`, the others trade sources). A probe
    that fails (publisher down) is no verdict of "unchanged": the ingest runs and retries.

    The instance is asked in few queries: the latest materialization of every source, and the
    latest evaluation of every check, at once; two more per partitioned source."""
    from dagster import AssetKey

    keys = [AssetKey(source) for source in sources]
    latest = {
        record.asset_entry.asset_key.to_user_string(): record.asset_entry.last_materialization_record
        for record in instance.get_asset_records(keys)
    }
    check_keys = {key.to_user_string(): list(graph.get(key).check_keys) for key in keys}
    found = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [check for checks in check_keys.values() for check in checks]
    )
    verdicts = []
    for source in sources:
        started = time.perf_counter()
        note = ""
        try:
            files = current_files(source, specs.get(source), fetcher, data_dir)
        except (FetchError, OSError) as exc:
            files, note = None, f"the check failed ({exc}); ingesting"
        probed = time.perf_counter() - started
        last = latest.get(source)
        records, missing, in_range = [last] if last else [], [], None
        if source in PARTITIONED and last is not None and files is not None:
            records, missing = _period_records(instance, source, periods)
            in_range = periods
        checks = _checks_hold(check_keys[source], found, last) if last else None
        found_verdict = verdict(source, last, records, checks, files, data_dir, in_range)
        if missing:
            found_verdict.reason = f"period(s) {', '.join(missing)} never ingested"
        if note:
            found_verdict.reason = note
        found_verdict.probe_seconds = probed
        verdicts.append(found_verdict)
    return verdicts


def record_checked(instance: DagsterInstance, verdicts: Iterable[Verdict]) -> None:
    """One runless materialization per source left out: same data version and metadata, checked
    now (see the module's docstring for why a materialization, not an observation)."""
    from dagster import AssetKey, AssetMaterialization, MetadataValue

    now = datetime.now(UTC).isoformat()
    for found in verdicts:
        if not found.skip or found.latest is None:
            continue
        previous = found.latest
        metadata = {
            **found.metadata(),
            "last_checked": MetadataValue.text(now),
            "unchanged_payload": MetadataValue.bool(True),
            "ingest_run": MetadataValue.text("none: payload and ingest code unchanged"),
            carryover.CHECKS_ON_KEY: MetadataValue.int(
                int(_value(previous, carryover.CHECKS_ON_KEY) or previous.storage_id)
            ),
        }
        instance.report_runless_asset_event(
            AssetMaterialization(
                asset_key=AssetKey(found.source),
                partition=found.partition,
                description="Checked by `cli.py run`: unchanged, not ingested again.",
                metadata=metadata,
                tags={
                    carryover.DATA_VERSION_TAG: _version(previous) or "",
                    SKIPPED_TAG: "true",
                },
            )
        )


def _shown(metadata: Mapping[str, Any], key: str) -> Any:
    value = metadata.get(key)
    return getattr(value, "value", value)


def source_lines(
    sources: Sequence[str], verdicts: Sequence[Verdict], result: ExecuteInProcessResult | None
) -> list[str]:
    """Per source, as the command line prints it: the mode and publication date it used, and
    whether it was left out unchanged or ingested (the ingest run `result`), and why."""
    by_source = {v.source: v for v in verdicts}
    ran: dict[str, Mapping[str, Any]] = {}
    for event in result.all_events if result is not None else []:
        if event.is_step_materialization:
            done = event.event_specific_data.materialization  # type: ignore[union-attr]
            ran.setdefault(done.asset_key.to_user_string(), done.metadata)
    lines = ["sources:"]
    for source in sources:
        found = by_source.get(source)
        if found is not None and found.skip:
            mode, published = found.shown("mode"), found.shown("published_at")
            what = f"unchanged, not run: {found.reason}"
        elif source in ran:
            meta = ran[source]
            mode, published = _shown(meta, "mode"), _shown(meta, "published_at") or "unknown"
            same = _shown(meta, "unchanged_payload") or _shown(meta, "unchanged")
            what = f"ingested: {'same' if same else 'new'} payload"
            if found is not None and found.reason:
                what += f" ({found.reason})"
        else:
            mode, published, what = "-", "-", "not ingested (its step failed or did not run)"
        lines.append(f"  {source:<16} {mode:<8} published {published:<10}  {what}")
    return lines
