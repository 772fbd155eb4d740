"""Dagster entry point (loaded by workspace.yaml): every list, consolidation and publishing.

Adding a list means adding its module to `SOURCES`. The fetcher is the live one when
`SANCTIONS_MODE=live` (User-Agent from `SANCTIONS_USER_AGENT` when set), else the snapshot
shipped in the repo (`SANCTIONS_PINS=source=date,…` selects older snapshot publications); the
data directory is `SANCTIONS_DATA_DIR` (default `./data`); the storage backend is
`SANCTIONS_STORAGE` (`local` by default, `shared`: `resources/backend.py`).
"""

from __future__ import annotations

import os
from types import ModuleType

from dagster import (
    AssetSelection,
    Definitions,
    EnvVar,
    ExecutorDefinition,
    define_asset_job,
    in_process_executor,
    multiprocess_executor,
)

from assets import (
    automation,
    consolidated,
    eu_fsf,
    gb_fcdo,
    gb_ofsi,
    reconcile,
    staleness,
    trade,
    trade_periods,
    un_sc,
    us_csl,
    us_ofac_cons,
    us_ofac_sdn,
)
from resources.backend import StorageBackend, storage_from_env
from resources.fetcher import USER_AGENT_ENV, Fetcher, SnapshotFetcher
from resources.live import LiveFetcher
from resources.storage import DataDir
from resources.warehouse import PublishPolicy

SOURCES: tuple[ModuleType, ...] = (
    us_ofac_sdn,
    us_ofac_cons,
    us_csl,
    un_sc,
    gb_fcdo,
    gb_ofsi,
    eu_fsf,
)
SPECS = [module.SPEC for module in SOURCES]

publish_assets = consolidated.build_consolidated(
    SPECS,
    extras=[
        consolidated.Publishes(
            "reconciliation",
            reconcile.reconcile_tables,
            stale=reconcile.stale,
            names=reconcile.TABLES,
        ),
        consolidated.Publishes(
            "trade_indicators", trade.publish_tables, trade.chart_pngs, names=trade.PUBLISHED
        ),
    ],
)

refresh_all = define_asset_job(
    "refresh_all",
    # every asset: what the string "*" selects, without loading Dagster's selection-language
    # parser (antlr) with the definitions
    selection=AssetSelection.all(),
    description="Fetch every list, validate, consolidate and publish a new version.",
    # the trade sources are partitioned by year: a run covers every period unless its own
    # range tags say otherwise (one run, as a single-run backfill; `cli.py run --period`)
    tags=trade_periods.full_range_tags(),
)
# the command line's first phase: every asset that fetches (lists and trade sources); the
# derived ones follow only when Dagster reports them stale (assets/staleness.py)
ingest_all = define_asset_job(
    "ingest_all",
    selection=AssetSelection.all() - AssetSelection.assets(*staleness.DERIVED).downstream(),
    description="Fetch, parse and check every list and trade source (no consolidation).",
    tags=trade_periods.full_range_tags(),
)


def fetcher_from_env() -> Fetcher:
    """Live fetcher (official URLs) when SANCTIONS_MODE=live, else the shipped snapshots."""
    mode = os.environ.get("SANCTIONS_MODE", "snapshot")
    if mode == "live":
        if USER_AGENT_ENV in os.environ:  # e.g. when a publisher's firewall changes its rule
            return LiveFetcher(user_agent=EnvVar(USER_AGENT_ENV))
        return LiveFetcher()
    if mode == "snapshot":
        pins = os.environ.get("SANCTIONS_PINS", "")
        return SnapshotFetcher(pins=dict(pin.split("=", 1) for pin in pins.split(",") if pin))
    raise ValueError(f"SANCTIONS_MODE must be 'live' or 'snapshot', not {mode!r}")


def policy_from_env() -> PublishPolicy:
    """Publish policy; `SANCTIONS_KEEP_VERSIONS` sets how many versions are kept (default 30)."""
    if "SANCTIONS_KEEP_VERSIONS" in os.environ:
        return PublishPolicy(keep_versions=EnvVar.int("SANCTIONS_KEEP_VERSIONS"))
    return PublishPolicy()


def executor_from_env() -> ExecutorDefinition:
    """`SANCTIONS_EXECUTOR`: `in_process` (default), `multiprocess` (the lists ingest in parallel,
    one process per step; needs a persistent Dagster instance, e.g. deploy/dagster.yaml) or `k8s`
    (one Kubernetes Job per step, `dagster_k8s.k8s_job_executor`: deploy/k8s.md)."""
    name = os.environ.get("SANCTIONS_EXECUTOR", "in_process")
    if name == "in_process":
        return in_process_executor
    if name == "multiprocess":
        return multiprocess_executor
    if name == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    raise ValueError(f"SANCTIONS_EXECUTOR must be in_process, multiprocess or k8s, not {name!r}")


def data_dir_from_env() -> DataDir:
    if "SANCTIONS_DATA_DIR" in os.environ:
        return DataDir(root=EnvVar("SANCTIONS_DATA_DIR"))
    return DataDir()


def build_definitions(
    fetcher: Fetcher | None = None,
    data_dir: DataDir | None = None,
    policy: PublishPolicy | None = None,
    automation_enabled: bool | None = None,
    automation_interval_seconds: int = automation.AUTOMATION_INTERVAL_SECONDS,
    storage: StorageBackend | None = None,
) -> Definitions:
    """All assets (their checks declared on them, run in their steps), the refresh job and the
    automation, with the given (or environment's) resources; automation runs when
    `automation_enabled` (default: the environment's `SANCTIONS_AUTOMATION`)."""
    trade_keys = [key.to_user_string() for a in trade.TRADE_ASSETS for key in a.keys]
    auto = automation.build_automation(
        SPECS,
        trade_selection=AssetSelection.groups(trade.GROUP),
        trade_keys=[k for k in trade_keys if k != "trade_indicators"],
        enabled=automation_enabled,
        automation_interval_seconds=automation_interval_seconds,
        trade_period_at=trade_periods.period_at,
    )
    return Definitions(
        assets=automation.apply_automation(
            staleness.with_code_versions(
                [module.asset for module in SOURCES]
                + trade.TRADE_ASSETS
                + reconcile.RECONCILE_ASSETS
                + publish_assets
            ),
            auto,
        ),
        jobs=[refresh_all, ingest_all, *auto.jobs],
        sensors=auto.sensors,
        schedules=auto.schedules,
        resources={
            "fetcher": fetcher or fetcher_from_env(),
            "data_dir": data_dir or data_dir_from_env(),
            "publish_policy": policy or policy_from_env(),
            # `local` unless SANCTIONS_STORAGE=shared (resources/backend.py lists the settings)
            "storage": storage or storage_from_env(),
        },
        executor=executor_from_env(),
    )


defs = build_definitions()
