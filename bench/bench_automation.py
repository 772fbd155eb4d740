"""Automation costs: a publisher-sensor tick on an unchanged list, and a changed file to a
published version through `dagster-daemon`.

    .venv/bin/python -m bench.bench_automation            # sensor tick only
    .venv/bin/python -m bench.bench_automation --daemon   # and the end-to-end flow

The tick: the real `us_ofac_sdn_publisher` sensor (its function, with its resources) against a
local HTTP server serving the real 2023-12-28 SDN CSV set, after one ingest, so every file is
answered 304: the work of one tick (reading the fetch log, verifying the archived copies'
sha256, four conditional GETs). The end to end: tests/test_automation_daemon.py's rig (the two
lists ingested, the daemon started with every sensor ticking each second), then SDN.CSV amended
at the server; the time until the new version is published (ingest run, then one downstream
run consolidating, reconciling and publishing) is measured.

Targets (issue #12): tick ≤ 0.2 s, end to end ≤ 15 s.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from dagster import SkipReason, build_sensor_context

from assets import automation
from assets.factory import ingest
from bench.common import best_of
from resources.storage import DataDir
from tests.automation_defs import build
from tests.httpserver import serve
from tests.test_automation import SDN_DIR, SERVED_SDN, live_fetcher, serve_sdn


def tick_seconds(tmp: Path) -> tuple[float, float, float, float]:
    """Best and median wall time of 20 ticks of the SDN publisher sensor on an unchanged list:
    the sensor's work (`probe_source`) and the whole invocation (with Dagster's test context
    and resource set-up, which the daemon does its own way)."""
    data_dir = DataDir(root=str(tmp / "data"))
    with serve(tmp) as server:
        server.waf = True
        fetcher = live_fetcher(serve_sdn(server, SDN_DIR))
        ingest(SERVED_SDN, fetcher, data_dir)
        auto = automation.build_automation(
            [SERVED_SDN], trade_selection=None, trade_keys=[], enabled=True
        )
        sensor = next(s for s in auto.sensors if s.name == "us_ofac_sdn_publisher")
        resources = {"fetcher": fetcher, "data_dir": data_dir}

        def tick() -> None:
            with build_sensor_context(resources=resources) as context:
                assert isinstance(sensor(context), SkipReason)

        def work() -> None:
            changed, _ = automation.probe_source(SERVED_SDN, fetcher, data_dir)
            assert not changed

        tick()  # warm: imports, first connection, the TLS context
        ticks = sorted(best_of(tick, runs=1) for _ in range(20))
        works = sorted(best_of(work, runs=1) for _ in range(20))
        return works[0], works[10], ticks[0], ticks[10]


def end_to_end_seconds(tmp: Path) -> float:
    """tests/test_automation_daemon.py's rig, its daemon, and bench_e2e's measuring of a
    changed SDN file (seconds until `latest` names the new version)."""
    from bench.bench_e2e import measure_change
    from tests.test_automation_daemon import daemon, rig

    with rig(tmp) as r, daemon(r, tmp):
        return measure_change(r, tmp / "daemon.log").seconds


def main() -> None:
    build  # noqa: B018 - the daemon loads tests/automation_defs.py; imported here to fail early
    with tempfile.TemporaryDirectory() as tmp:
        work, work_median, tick, tick_median = tick_seconds(Path(tmp))
    print(
        f"sensor work, unchanged us_ofac_sdn (4 files, 304 each): best {work:.3f} s, "
        f"median {work_median:.3f} s"
    )
    print(
        f"whole sensor invocation (with build_sensor_context): best {tick:.3f} s, "
        f"median {tick_median:.3f} s"
    )
    if "--daemon" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            seconds = end_to_end_seconds(Path(tmp))
        print(f"changed SDN.CSV -> published version through dagster-daemon: {seconds:.1f} s")


if __name__ == "__main__":
    main()
