"""Dagster's own share of a full refresh: steps, run time, step work and overhead.

    python -m bench.bench_job                 # fresh temp data dir and DAGSTER_HOME
    python -m bench.bench_job --keep DIR      # use (and keep) DIR instead
    python -m bench.bench_job --steps         # also each step's work, largest first

Runs `cli.py run` (snapshot mode) twice in a fresh data directory with a fresh DAGSTER_HOME:
a first run, then an unchanged re-run. For every Dagster run each invocation made, it reads
the run's event log (`DagsterInstance.all_logs`) and prints:

- steps: how many steps started (each is an op: an asset, or a separate asset check);
- run: wall time from the run's start event to its end event;
- step spans: sum over steps of STEP_START to STEP_SUCCESS/STEP_FAILURE (event timestamps);
- step work: sum of the steps' compute time (`StepSuccessData.duration_ms`, measured by
  Dagster around the step body; a failed step counts its span);
- overhead: run - step work, i.e. what Dagster spends between steps (planning, event log
  writes, resource set-up) plus inside steps around the body; with its ratio to the run;
- checks: sum over steps of the time from the step's first materialization to its last check
  evaluation (every step yields its materialization, then its checks): what the checks cost
  on top of fetching, parsing and storing. With `--steps`, each step's work and checks.

The process's own wall time (Python start-up, imports, building the definitions, the summary
printed after the run) is printed beside it, with the command line's own lines on its Dagster
runs and on its check of the sources (`unchanged check: …`, assets/unchanged.py). Last, the
check of an unchanged re-run is timed in this process, piece by piece (`check_parts`). Figures are printed, not asserted; note the
machine's load (printed first) beside them.

Measured on the unchanged re-run, before and after the ingest checks were carried over
(`assets/carryover.py`, issue #17 "unchanged is nearly free"; "after" also has the lighter
start-up). 2-core machine shared by 6 sessions, other tests running beside each bench, so the
load is given; compare within a row, not against other figures:

                                 before (load 10-15)   after (load 14-18)
  cli.py run, whole process             89.0 s              57.4 s
  Dagster run (14 steps)                52.8 s              34.0 s
  step work                             48.0 s              31.8 s
  checks (after materialization)        32.4 s              14.0 s
    eurostat_cn8                         9.2 s               0.8 s
    eurostat_comext                      6.0 s               0.9 s
    gb_fcdo                              3.0 s               0.7 s

After, no ingest step recomputes a check: each re-emits its previous results. What remains of
"checks" is Dagster storing the evaluations (3-6 per step, in the SQLite event log, slow under
this load). Probed in-process on `un_sc` (SQLite instance, load 8): the carry-over's look-up
takes 0.02-0.03 s, storing its 3 evaluations 0.26-0.35 s. The target (<= 1 s of Dagster work
beyond the fetch checks) is not met on this loaded machine: 14 s of check events and 2.2 s of
overhead remain.

Then the command line's check of the sources (assets/unchanged.py): an unchanged source is left
out of the ingest run, with one runless materialization recording the check; with none left, no
Dagster run. Unchanged re-run, before (203fbf1) and after, each on a fresh store:

                                   quiet (load 0.4-1.1)          loaded (other sessions)
                                   before       after         before (5.6-8.9)  after (5.6-5.0)
  cli.py run, whole process          8.9 s        3.2 s            48.9 s          5.4 s
  Dagster runs                     1: 14 steps    none           1: 14 steps       none
    its run / checks in it       4.05 / 1.95 s     -            20.0 / 10.4 s       -
  the check of the 14 sources          -          0.47 s              -            1.78 s
    of which reading the files         -          0.03 s              -            0.05 s
  staleness (`stale_derived`)      (not timed)    0.22 s         (not timed)       0.18 s

So on a quiet machine the Dagster work beyond the fetch checks is 0.66 s (0.44 + 0.22). The
check's Dagster work in process (`check_parts`, three times in a row on the same store):
quiet (load 1.0) 0.54-0.68 s = graph 0.08 + look-ups 0.13 + 14 runless materializations
0.15-0.28 + staleness 0.18-0.20; at load 2.5-3.6 with a pipeline test beside it 0.99-1.57 s
(graph 0.14-0.16, look-ups 0.26-0.27, materializations 0.35-0.73, staleness 0.22-0.44).
Reading the shipped files: 0.03-0.07 s. The target (<= 1 s of Dagster work beyond the fetch
checks) is met on a quiet machine and at the edge under load: the 14 runless materializations
are SQLite commits (two per event, with fsync), the part that grows with the load.

Issue #17's whole job, a first run on a quiet machine (2026-12-05 00:32 UTC, load 0.5-1.3,
nothing else running; 203fbf1, before the unchanged check, which a first run does not use):
`cli.py run` 63.3 s as a process; two Dagster runs (14 ingest steps, then 4 derived steps)
57.90 s; the work inside their steps 57.48 s (the in-process step bodies, as Dagster times
them: fetch, parse, checks, consolidation 1.33 s, reconciliation 3.25 s, trade indicators
3.79 s, publish 35.72 s). Dagster's own part: 0.42 s inside the runs (0.7 % of the work), and
5.8 s for the whole process beyond the work (Python start, imports, definitions, the instance,
the staleness question and the summary): 0.10 of the work, against a target of <= 10 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
END_EVENTS = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}


@dataclass
class RunFigures:
    run_id: str
    status: str
    steps: int
    run_seconds: float
    span_seconds: float
    work_seconds: float
    work_by_step: dict[str, float]
    checks_by_step: dict[str, float]

    @property
    def checks_seconds(self) -> float:
        return sum(self.checks_by_step.values())

    @property
    def overhead(self) -> float:
        return self.run_seconds - self.work_seconds


def figures(instance: object, run_id: str) -> RunFigures:
    """Steps, run time, step spans and step work of one run, from its event log."""
    logs = instance.all_logs(run_id)  # type: ignore[attr-defined]
    starts: dict[str, float] = {}
    spans: dict[str, float] = {}
    work: dict[str, float] = {}
    materialized: dict[str, float] = {}
    checked: dict[str, float] = {}
    run_start = run_end = None
    status = "?"
    for entry in logs:
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        if kind == "PIPELINE_START":
            run_start = entry.timestamp
        elif kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED"):
            run_end, status = entry.timestamp, kind.removeprefix("PIPELINE_").lower()
        elif kind == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif kind == "ASSET_MATERIALIZATION" and event.step_key:
            materialized.setdefault(event.step_key, entry.timestamp)
        elif kind == "ASSET_CHECK_EVALUATION" and event.step_key:
            checked[event.step_key] = entry.timestamp
        elif kind in END_EVENTS and event.step_key in starts:
            spans[event.step_key] = entry.timestamp - starts[event.step_key]
            if kind == "STEP_SUCCESS":
                work[event.step_key] = event.event_specific_data.duration_ms / 1000
            else:
                work[event.step_key] = spans[event.step_key]
    if run_start is None or run_end is None:
        raise RuntimeError(f"run {run_id} has no start or end event")
    return RunFigures(
        run_id,
        status,
        len(starts),
        run_end - run_start,
        sum(spans.values()),
        sum(work.values()),
        work,
        {k: checked[k] - materialized[k] for k in checked if k in materialized},
    )


def run_cli(data: Path, home: Path) -> tuple[float, str]:
    """One `cli.py run` in `data` with DAGSTER_HOME `home`: its wall time in seconds, and its
    lines saying which runs it launched and what its check of the sources cost."""
    env = {**os.environ, "DAGSTER_HOME": str(home), "SANCTIONS_MODE": "snapshot"}
    env.pop("SANCTIONS_PINS", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "run", "--data-dir", str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"cli.py run failed ({done.returncode})")
    said = [
        line.split("   dagster runs: ")[-1] if "dagster runs:" in line else line
        for line in done.stdout.splitlines()
        if line.startswith(("unchanged check:", "mode:"))
    ]
    return seconds, "\n".join(f"  {line}" for line in said)


def new_runs(home: Path, seen: set[str]) -> list[str]:
    """Runs of the instance at `home` not in `seen`, oldest first."""
    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(home)
    with DagsterInstance.get() as instance:
        ids = [r.run_id for r in reversed(instance.get_runs()) if r.run_id not in seen]
    return ids


def report(
    label: str, home: Path, seen: set[str], process_seconds: float, by_step: bool = False
) -> None:
    from dagster import DagsterInstance

    ids = new_runs(home, seen)
    seen.update(ids)
    os.environ["DAGSTER_HOME"] = str(home)
    with DagsterInstance.get() as instance:
        runs = [figures(instance, run_id) for run_id in ids]
    print(f"{label}: cli.py run took {process_seconds:.1f} s, {len(runs)} Dagster run(s)")
    for f in runs:
        print(
            f"  run {f.run_id[:8]} ({f.status}): {f.steps} steps; run {f.run_seconds:.2f} s, "
            f"step spans {f.span_seconds:.2f} s, step work {f.work_seconds:.2f} s; "
            f"overhead {f.overhead:.2f} s = {f.overhead / f.run_seconds:.1%} of the run "
            f"(between steps {f.run_seconds - f.span_seconds:.2f} s, "
            f"around step bodies {f.span_seconds - f.work_seconds:.2f} s); "
            f"checks {f.checks_seconds:.2f} s"
        )
        if by_step:
            for step, seconds in sorted(f.work_by_step.items(), key=lambda kv: -kv[1]):
                checks = f.checks_by_step.get(step)
                shown = f", checks {checks:5.2f} s" if checks is not None else ""
                print(f"    {step:<28} {seconds:7.2f} s{shown}")
    if len(runs) > 1:
        total = sum(f.run_seconds for f in runs)
        work = sum(f.work_seconds for f in runs)
        print(
            f"  all runs: {sum(f.steps for f in runs)} steps; run {total:.2f} s, step work "
            f"{work:.2f} s; overhead {total - work:.2f} s = {(total - work) / total:.1%}"
        )


def check_parts(data: Path, home: Path, repeat: int = 3) -> None:
    """The unchanged check of `cli.py run`, in this process, piece by piece (`repeat` times):
    the asset graph and fetcher, the instance look-ups and reading the files
    (`check_sources`), the runless materializations (`record_checked`) and `stale_derived`.
    Opening the instance (`DagsterInstance.get`, SQLite) is timed apart."""
    os.environ.update(
        {"DAGSTER_HOME": str(home), "SANCTIONS_DATA_DIR": str(data), "SANCTIONS_MODE": "snapshot"}
    )
    from dagster import DagsterInstance

    from assets.staleness import stale_derived
    from assets.trade_periods import periods
    from assets.unchanged import check_sources, record_checked
    from definitions import SPECS, build_definitions
    from resources.storage import DataDir

    defs = build_definitions()
    sources = sorted(
        k.to_user_string()
        for k in defs.resolve_job_def("ingest_all").asset_layer.executable_asset_keys
    )
    for _ in range(repeat):
        t0 = time.perf_counter()
        with DagsterInstance.get() as instance:
            t1 = time.perf_counter()
            fetcher = defs.resources["fetcher"].process_config_and_initialize()
            graph = defs.resolve_asset_graph()
            t2 = time.perf_counter()
            specs = {spec.source: spec for spec in SPECS}
            found = check_sources(
                instance, graph, sources, specs, fetcher, DataDir(root=str(data)), periods()
            )
            t3 = time.perf_counter()
            record_checked(instance, found)
            t4 = time.perf_counter()
            stale = stale_derived(instance, defs)
            t5 = time.perf_counter()
        read = sum(v.probe_seconds for v in found)
        dagster = (t2 - t1) + (t3 - t2 - read) + (t4 - t3) + (t5 - t4)
        print(
            f"  in process: {sum(v.skip for v in found)} of {len(found)} left out, "
            f"{len(stale)} stale; reading the files {read:.2f} s; Dagster {dagster:.2f} s = graph "
            f"{t2 - t1:.2f} + look-ups {t3 - t2 - read:.2f} + {len(found)} runless "
            f"materializations {t4 - t3:.2f} + staleness {t5 - t4:.2f}; opening the instance "
            f"{t1 - t0:.2f} s"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument("--steps", action="store_true", help="also print each step's work")
    args = parser.parse_args(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench_job-") as tmp:
        base = args.keep or Path(tmp)
        data, home = base / "data", base / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        (home / "dagster.yaml").touch()  # default instance settings, said once here
        seen: set[str] = set()
        for label in ("first run", "unchanged re-run"):
            seconds, said = run_cli(data, home)
            report(label, home, seen, seconds, args.steps)
            print(said)
        check_parts(data, home)


if __name__ == "__main__":
    main()
