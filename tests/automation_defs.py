"""Definitions the daemon test (tests/test_automation_daemon.py) and bench/automation.py load
through a workspace file: two real lists (OFAC SDN, UN) served by a local HTTP server, their
real ingest assets and checks, the real consolidation, reconciliation and publishing, and the
real automation (`assets.automation`) turned on, ticking every second.

The live fetcher's URL overrides, the data directory and the lists' shortened freshness windows
(`fail_windows`, seconds) come from the JSON file named by `SANCTIONS_TEST_AUTOMATION` (written
by the test), since the daemon, the webserver and the run workers load this module in processes
of their own.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import timedelta
from typing import Any

from dagster import Definitions, in_process_executor

from assets import automation, consolidated, reconcile, un_sc, us_ofac_sdn
from assets.factory import Format, SourceSpec, source_asset
from resources.backend import StorageBackend
from resources.live import LiveFetcher
from resources.storage import DataDir
from resources.warehouse import PublishPolicy

CONFIG_ENV = "SANCTIONS_TEST_AUTOMATION"
SDN_FILES = ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")
UN_FILES = ("consolidated.xml",)


def served_spec(spec: SourceSpec, files: dict[str, str]) -> SourceSpec:
    """`spec` with the files the snapshot lacks optional (the server answers them 404). Here,
    not in tests/test_live.py, which uses it too, because each run worker of the daemon loads
    this module and must not import the whole project's definitions."""
    formats = tuple(
        Format(
            fmt.name,
            tuple(
                f if f.name in files else dataclasses.replace(f, required=False) for f in fmt.files
            ),
            fmt.parse,
            fmt.staged_models,
        )
        for fmt in spec.formats
    )
    return dataclasses.replace(spec, formats=formats)


def build(config: dict[str, Any]) -> Definitions:
    """The two lists and everything downstream, automated, against `config`'s server."""
    specs = [
        served_spec(us_ofac_sdn.SPEC, {n: n for n in SDN_FILES}),
        served_spec(un_sc.SPEC, {n: n for n in UN_FILES}),
    ]
    lists = [source_asset(spec) for spec in specs]
    publish_assets = consolidated.build_consolidated(
        specs,
        extras=[
            consolidated.Publishes(
                "reconciliation", reconcile.reconcile_tables, stale=reconcile.stale
            )
        ],
    )
    auto = automation.build_automation(
        specs,
        trade_selection=None,
        trade_keys=[],
        enabled=True,
        automation_interval_seconds=1,
        check_seconds=1,
        fail_windows={
            source: timedelta(seconds=seconds)
            for source, seconds in config.get("fail_windows", {}).items()
        },
    )
    fetcher = LiveFetcher(
        timeout_seconds=10,
        deadline_seconds=30,
        max_attempts=2,
        backoff_seconds=0.01,
        url_overrides=config["overrides"],
        allow_loopback_http=True,
    )
    return Definitions(
        assets=automation.apply_automation(
            lists + reconcile.RECONCILE_ASSETS + publish_assets, auto
        ),
        jobs=auto.jobs,
        sensors=auto.sensors,
        # no cron fallbacks here: they fire on the wall clock (OFAC's at :15 of every even
        # hour) and would add runs to a test counting them; tests/test_automation.py checks them
        schedules=[],
        resources={
            "fetcher": fetcher,
            "data_dir": DataDir(root=config["data_dir"]),
            "publish_policy": PublishPolicy(),
            "storage": StorageBackend(),
        },
        executor=in_process_executor,
    )


def load_config() -> dict[str, Any]:
    with open(os.environ[CONFIG_ENV], encoding="utf-8") as handle:
        return json.load(handle)


if CONFIG_ENV in os.environ:
    defs = build(load_config())
