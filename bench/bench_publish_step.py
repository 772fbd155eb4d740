"""The steps after an SDN change, in-process on the daemon test's rig (#12): wall seconds of
the downstream run and of its steps, in the steady state, old and new code interleaved.

    .venv/bin/python -m bench.bench_publish_step OUT [ROOT]

ROOT (default: this tree) is the code imported, e.g. a `git archive` of an older commit
unpacked elsewhere, so the two can run in turn on the same machine state. The rig is
tests/test_automation_daemon.py's; the downstream assets are materialized once (the
previous version), then SDN is amended 4 times (the bench_e2e records, the last back to the
first amendment, whose statement rows are then cached), each time ingested and the
downstream run timed: its wall seconds, the steps' (their events), the process's CPU seconds
and the other processes' (`others_cpu`, from /proc/stat: what the load took from the
run), and `ftm_summary["seconds"]`. Each version's folder is copied to OUT/v<i>, to compare
the two codes' outputs (bench/compare_published.py; the FtM files with `cmp`).

Figures (2026-12-05; old = 50228f5, new = h-publish's threads), published_version wall s,
amendments 1-3 (the 4th re-uses cached statement rows), each line one rig, interleaved:
- quiet (others_cpu ≤ 0.13 s per run), load 0.6-3.7 (07:18-07:22):
    old  6.00 5.79 6.14 | 5.54 5.61 5.52   downstream 8.75 8.34 8.77 | 7.99 8.04 8.00
    new  5.31 4.85 4.66 | 4.59 4.51 4.53   downstream 8.01 7.76 7.25 | 7.39 7.00 7.17
  medians 5.70 → 4.62 s (−1.1 s); downstream 8.19 → 7.32 s; its CPU 9.63 → 9.48 s.
- another session busy on one core (others_cpu 9-11 s per run, load 4-5, 06:57-06:59):
    old 7.20 7.37 7.26, new 5.55 6.35 6.72.
Inside the step, old: lake commit 0.7 s, history tables 0.7 s, FtM export 0.9 s, delta 0.2 s,
statements 1.2 s, writing the version 1.5 s, one after the other. New: the export, delta and
the new publication's statement rows (2.3 s) in a thread beside the commit and the history
tables on one lake connection (they slow each other: the GIL, and polars' own threads on 2
cores), then the statements' remainder (0.55 s) in the thread while the version's other
tables are written. Outputs: every published table (compare_published; run times, the
server's port and the parser fingerprint in `staged_as` aside), each table of the version's
DuckDB file against its parquet, its comments and macro, entities.ftm.json, delta.ftm.json,
delisted.ftm.json and index.json (port aside) are the same.

Session 9 (2026-12-05 10:10-10:27, load 1-2): the version's DuckDB file starts as a copy of the
warehouse file (the canonical tables are in it already; 0.38 of 1.0-1.4 s of writing the
rig's 27 MB file). published_version, amendments 0-3: old (a250f7b) 4.70 5.11 5.42 4.81, new
4.69 5.02 4.51 4.11; the next two rounds of the new code 4.19 4.25 4.45 4.25 and 4.08 3.98
4.32 4.08. Same tables: every table of the version's DuckDB file equals its parquet (a sum of
whole-row hashes), with the same comments, macro and views as the old code's file. Measured
and not kept: the parquet files written in a thread beside the DuckDB file (4.2 against
4.16 s, interleaved: polars' writer already uses both cores).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def busy() -> float:
    """CPU seconds the whole machine has spent busy since boot."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def main(out: Path) -> None:
    from dagster import DagsterEventType

    from bench.bench_e2e import (
        AMENDED_AGAIN,
        AMENDED_RECORD,
        AMENDED_THIRD,
        CONFIG_ENV,
        build,
        rewrite_last,
    )
    from tests.test_automation import LAST_RECORD
    from tests.test_automation_daemon import rig

    def step_seconds(instance: object, run_id: str, step: str) -> float:
        kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}
        records = instance.all_logs(run_id, of_type=kinds)  # type: ignore[attr-defined]
        at = {r.dagster_event.event_type: r.timestamp for r in records if r.step_key == step}
        return at[DagsterEventType.STEP_SUCCESS] - at[DagsterEventType.STEP_START]

    with (
        tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as name,
        rig(Path(name), False) as r,
    ):
        defs = build(json.loads(Path(r.env[CONFIG_ENV]).read_text()))
        job = defs.resolve_implicit_global_asset_job_def()
        keys = job.asset_layer.asset_graph.get_all_asset_keys()
        down = [k for k in keys if k.to_user_string() not in ("us_ofac_sdn", "un_sc")]
        ingest = defs.resolve_job_def("ingest_us_ofac_sdn")
        assert job.execute_in_process(instance=r.instance, asset_selection=down).success
        changes = [
            (LAST_RECORD, AMENDED_RECORD),
            (AMENDED_RECORD, AMENDED_AGAIN),
            (AMENDED_AGAIN, AMENDED_THIRD),
            (AMENDED_THIRD, AMENDED_RECORD),
        ]
        for i, (old, new) in enumerate(changes):
            rewrite_last(r, old, new)
            assert ingest.execute_in_process(instance=r.instance).success
            start, cpu, machine = time.perf_counter(), os.times(), busy()
            result = job.execute_in_process(instance=r.instance, asset_selection=down)
            wall = time.perf_counter() - start
            assert result.success
            ran = (os.times().user + os.times().system) - (cpu.user + cpu.system)
            ftm = {}
            for m in result.asset_materializations_for_node("published_version"):
                if m.asset_key.to_user_string() == "published_version" and "ftm" in m.metadata:
                    ftm = m.metadata["ftm"].value.get("seconds", {})  # type: ignore[union-attr]
            steps = ("consolidated", "reconciliation", "published_version")
            figures = {
                "i": i,
                "downstream": round(wall, 2),
                **{s: round(step_seconds(r.instance, result.run_id, s), 2) for s in steps},
                "cpu": round(ran, 2),
                "others_cpu": round(busy() - machine - ran, 2),
                "ftm": ftm,
            }
            print(json.dumps(figures), flush=True)
            dest = out / f"v{i}"
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree((r.data_dir / "published" / "latest").resolve(), dest)


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.path.insert(0, sys.argv[2])
    main(Path(sys.argv[1]))
