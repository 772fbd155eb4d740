"""What a run worker does between `launched` and `started` (bench_e2e's milestones), in CPU
seconds of a fresh process, which the machine's load moves far less than the wall seconds
bench_e2e reads from the runs' events.

    .venv/bin/python -m bench.bench_worker [--reps 4]

The code server spawns each run worker (`multiprocessing` `spawn`, fixed in Dagster's gRPC
server); before its `RUN_START` event the worker imports Dagster and its CLI (the code server's
`__main__`, re-imported by `spawn`), opens the instance from its reference (the storage: SQLAlchemy
and Alembic's migration scripts) and loads the code location and the job's execution plan. The
child here does the same steps in that order, against the daemon rig's instance (SQLite, as
tests/test_automation_daemon.py) and definitions (tests/automation_defs.py), and prints its
CPU time at each step (`time.process_time()`: since the interpreter started). Run twice,
interleaved: as this machine's shell runs it (PYTHONDONTWRITEBYTECODE set, so the modules the
install left without bytecode are compiled again in every process), and with one bytecode cache
(`PYTHONPYCACHEPREFIX`, warmed by one unmeasured run), as the rig's daemon now has it and a
deployment installed with bytecode does.

Measured 2026-12-05 04:31 (load 5.0-5.9, 2-core machine shared by five sessions; medians of 4,
CPU seconds at each step since the interpreter started):
    as this shell runs it:  dagster and its CLI 0.78, instance opened 1.78, definitions and
                            plan loaded 1.89
    one bytecode cache:     dagster and its CLI 0.63, instance opened 1.10, definitions and
                            plan loaded 1.16
i.e. 0.73 s of CPU less per run worker (two per change), most of it the instance (1.00 s ->
0.47 s: Alembic's migration scripts and SQLAlchemy, left without bytecode by the install).
What stays, ~1.2 s of CPU, is Dagster's own: its import and CLI (0.6 s), its storage (0.5 s);
the project's definitions take 0.06 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.automation_defs import CONFIG_ENV
from tests.conftest import ROOT
from tests.test_automation_daemon import instance_yaml

CHILD = """
import time
marks = {"python started": time.process_time()}
import dagster._cli, dagster._grpc.impl  # the spawned worker's __main__ and its entry point
marks["dagster and its CLI imported"] = time.process_time()
from dagster import DagsterInstance
instance = DagsterInstance.from_config(HOME)
instance.get_runs(limit=1)
marks["instance opened"] = time.process_time()
import tests.automation_defs as code
job = code.defs.resolve_job_def("ingest_us_ofac_sdn")
from dagster._core.execution.api import create_execution_plan
create_execution_plan(job)
marks["definitions and plan loaded"] = time.process_time()
import json
print(json.dumps(marks))
"""


def child(home: Path, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.replace("HOME", repr(str(home)))],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        home = tmp / "home"
        home.mkdir()
        (home / "dagster.yaml").write_text(instance_yaml())
        config = tmp / "automation.json"
        config.write_text(json.dumps({"overrides": {}, "data_dir": str(tmp / "data")}))
        base = {**os.environ, CONFIG_ENV: str(config), "PYTHONPATH": str(ROOT)}
        base.pop("PYTHONPYCACHEPREFIX", None)
        variants = {
            "as this shell runs it": {**base},
            "one bytecode cache": {
                **{k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"},
                "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
            },
        }
        for env in variants.values():
            child(home, env)  # unmeasured: creates the instance's database, warms the cache
        results: dict[str, list[dict[str, float]]] = {label: [] for label in variants}
        for _ in range(args.reps):
            for label, env in variants.items():
                results[label].append(child(home, env))
        print(
            f"run worker start-up, CPU seconds since the interpreter started (median of "
            f"{args.reps}; PYTHONDONTWRITEBYTECODE here: "
            f"{os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')})"
        )
        for label, runs in results.items():
            marks = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            steps = ", ".join(f"{k} {v:.2f}" for k, v in marks.items())
            print(f"  {label}: {steps}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
