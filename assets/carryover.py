"""An ingest step's checks, carried over when nothing they read has changed (issue #17).

The checks of an ingest asset are deterministic functions of what it staged (its data
version) and of the code (the checks, the Pandera models, the spec's thresholds, the locked
libraries). When this materialization has the data version the previous one recorded, and the
previous one recorded the same code version (`CODE_VERSION_KEY` in its metadata), the checks
evaluated on it in its step are re-emitted: same pass or fail, severity and metadata, plus
where they came from. A failed check is carried over failed, so a blocking one still fails the step.
Otherwise (new data, new code, no earlier evaluation of every check on that materialization)
`carried_over` returns None and the step computes its checks as before.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import TYPE_CHECKING

from dagster import AssetCheckResult, DataVersion, MetadataValue

from assets import staleness

if TYPE_CHECKING:
    from dagster import AssetExecutionContext, AssetKey

CODE_VERSION_KEY = "check_code_version"
DATA_VERSION_TAG = "dagster/data_version"
# the metadata a carried-over result adds to the evaluation it copies
CARRIED_RUN_KEY = "carried_over_from_run"
CARRIED_VERSION_KEY = "carried_over_for_data_version"
# on a runless materialization recorded for a source the command line checked and left out
# (assets/unchanged.py): the materialization whose check evaluations still stand for it
CHECKS_ON_KEY = "checks_evaluated_on_storage_id"


@cache
def _locked_libraries() -> str:
    """Hash of the locked dependencies: a Pandera or pycountry upgrade can change a result."""
    lock = staleness.ROOT / "uv.lock"
    return hashlib.sha256(lock.read_bytes()).hexdigest()[:16] if lock.exists() else "no-lock"


def check_code_version() -> str:
    """The code the checks ran: the project's sources and the locked libraries."""
    return f"{staleness.project_code_version()}-{_locked_libraries()}"


def code_metadata() -> dict[str, str]:
    """What a materialization records so that its checks can be carried over later."""
    return {CODE_VERSION_KEY: check_code_version()}


def carried_over(
    context: AssetExecutionContext, key: AssetKey, version: DataVersion
) -> list[AssetCheckResult] | None:
    """The previous evaluations of `key`'s selected checks, when they still hold for `version`.

    Called before this step's materialization is yielded, so the latest one stored is the
    previous one.
    """
    from dagster import AssetCheckKey
    from dagster._core.storage.asset_check_execution_record import (
        COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
    )

    instance = context.instance
    records = instance.fetch_materializations(key, limit=1).records
    if not records:
        return None
    previous = records[0]
    materialization = previous.asset_materialization
    if materialization is None:
        return None
    if materialization.tags.get(DATA_VERSION_TAG) != version.value:
        return None
    recorded = materialization.metadata.get(CODE_VERSION_KEY)
    if recorded is None or recorded.value != check_code_version():
        return None
    # a source checked unchanged and left out of a run names where its checks were evaluated
    checked_on = materialization.metadata.get(CHECKS_ON_KEY)
    target_id = int(checked_on.value) if checked_on is not None else previous.storage_id
    checks: list[AssetCheckKey] = sorted(
        (k for k in context.selected_asset_check_keys if k.asset_key == key),
        key=lambda k: k.name,
    )
    results = []
    for check_key in checks:
        # this run's own planned evaluation is the latest record: take the latest completed one
        history = instance.event_log_storage.get_asset_check_execution_history(
            check_key, limit=1, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
        )
        event = history[0].event if history else None
        evaluation = event.dagster_event.asset_check_evaluation_data if event else None
        target = evaluation.target_materialization_data if evaluation else None
        if evaluation is None or target is None or target.storage_id != target_id:
            # not every check was evaluated on that materialization: compute them
            return None
        results.append(
            AssetCheckResult(
                check_name=check_key.name,
                asset_key=key,
                passed=evaluation.passed,
                severity=evaluation.severity,
                description=evaluation.description,
                metadata={
                    # the run that computed them (an earlier carry-over names it already)
                    CARRIED_RUN_KEY: MetadataValue.text(history[0].run_id),
                    **evaluation.metadata,
                    CARRIED_VERSION_KEY: MetadataValue.text(version.value),
                },
            )
        )
    return results
