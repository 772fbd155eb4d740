"""Issue #12's downstream run, step by step, in the steady state: each step's wall seconds in a
fresh process, as the daemon's run worker runs them (the in-process executor: consolidated,
reconciliation, published_version one after the other, each module imported on first use).

    .venv/bin/python -m bench.bench_downstream_steps [--rounds 4] [CODE_ROOT ...]

The rig is tests/test_automation_daemon.py's (SDN 2023-12-28 and UN served locally; no
daemon). Everything downstream is materialized once (the previous version); then, each round,
SDN.CSV's last record is amended (a new text each round), the SDN ingest runs in this process,
and the downstream run runs in a child process started like a run worker (`dagster` and the
definitions imported, then the job): its steps' seconds come from its events
(STEP_START → STEP_SUCCESS). With CODE_ROOTs (checkouts, e.g. `git archive` of two commits;
default this one), rounds alternate between them, so each meets the same machine state; the
data directory is shared, so each round starts where the last one ended.

#12, h-recon: the `consolidated` and `reconciliation` steps, old (50228f5, `git archive`) and
new code alternating, 4 rounds each, medians (wall seconds of each step):
  load 2.8-3.5 (2026-12-05 07:05-07:08): reconciliation 1.77 -> 0.83 (rounds: 1.70, 1.90,
    1.67, 1.84 -> 0.86, 0.76, 0.92, 0.80), consolidated 1.79 -> 1.75, published_version
    8.45 -> 8.31 (not touched here)
  load 2.7-6.1 (06:42-06:46): reconciliation 2.32 -> 1.25, consolidated 3.42 -> 2.01
What changed: each entity type's scored links are kept for the next run whose rows of that
type are unchanged (`reconcile.memo`; an SDN amendment that changes no party's name, dates,
countries or documents reuses all four types: `reconcile()` 1.1 -> 0.36 s in-process); the
union-find runs over the entities a link names (no set per entity of every list, which also
woke the garbage collector: 0.13 s of it); the coverage table in a thread beside the lag
(0.25 -> 0.15 s); the checks' Pandera in a thread beside the writes (DuckDB and the parquet
writers release the GIL). That last pays only with a free core: at load 3+ on 2 cores the
consolidated step is unchanged (its warehouse write, 0.45 s, is most of it). The published
tables (bench/compare_published.py, 23 tables) and the six reconciliation tables (frame for
frame, in order) are identical, with the memo used and with it empty.

Session 9, published_version (a250f7b against the version's DuckDB file started as a copy of
the warehouse file), old and new alternating, 5 rounds each, load 0.9-1.7 (2026-12-05
09:57-10:07): 5.20 -> 4.62 s (medians; rounds 5.65, 5.18, 5.11, 5.24, 5.36 -> 5.03, 4.75,
4.87, 5.18, 4.59 with the commit's first form). Measured and not kept, same bench: importing
pandera at the start of `consolidated` and followthemoney during `reconciliation` (in the
checks' thread, for the next step): no change beyond the noise (consolidated 1.39 -> 1.55,
published_version 5.05 -> 5.04, reconciliation 0.77 -> 0.89 s).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, sys
from dagster import DagsterEventType, DagsterInstance
from tests.automation_defs import CONFIG_ENV, build
import os
defs = build(json.loads(open(os.environ[CONFIG_ENV]).read()))
job = defs.resolve_implicit_global_asset_job_def()
down = [k for k in job.asset_layer.asset_graph.get_all_asset_keys()
        if k.to_user_string() not in ("us_ofac_sdn", "un_sc")]
with DagsterInstance.get() as instance:
    result = job.execute_in_process(instance=instance, asset_selection=down)
    assert result.success
    start, steps = {}, {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            start[event.step_key] = entry.timestamp
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            steps[event.step_key] = entry.timestamp - start[event.step_key]
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            kept = event.event_specific_data.materialization.metadata.get("entity_types_kept")
            if kept is not None:  # the matcher's memo (reconcile.memo), where the code has it
                steps["entity types kept"] = kept.value
print("STEPS " + json.dumps(steps))
"""


def main() -> None:
    args = sys.argv[1:]
    rounds = 4
    if args[:1] == ["--rounds"]:
        rounds, args = int(args[1]), args[2:]
    roots = [Path(arg).resolve() for arg in args] or [ROOT]
    sys.path.insert(0, str(ROOT))
    from bench.bench_e2e import rig_job
    from tests.test_automation import LAST_RECORD
    from tests.test_automation_daemon import rig

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as name:
        tmp = Path(name)
        with rig(tmp, False) as r:
            defs, job, down = rig_job(r)
            assert job.execute_in_process(instance=r.instance, asset_selection=down).success
            ingest = defs.resolve_job_def("ingest_us_ofac_sdn")
            last = LAST_RECORD
            seen: dict[str, list[dict[str, float]]] = {str(root): [] for root in roots}
            for i in range(rounds * len(roots)):
                root = roots[i % len(roots)]
                new = LAST_RECORD.replace(b'."', f' {i + 1}."'.encode())
                path = r.sdn / "SDN.CSV"
                data = path.read_bytes()
                path.write_bytes(data[: -len(last)] + new)
                last = new
                assert ingest.execute_in_process(instance=r.instance).success
                env = {**r.env, "PYTHONPATH": str(root)}
                out = subprocess.run(
                    [sys.executable, "-c", CHILD],
                    cwd=root,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                lines = [x for x in out.stdout.splitlines() if x.startswith("STEPS ")]
                if out.returncode or not lines:
                    sys.exit(f"{root}: downstream failed\n{out.stderr[-3000:]}")
                steps = json.loads(lines[-1][6:])
                seen[str(root)].append(steps)
                load = os.getloadavg()[0]
                shown = ", ".join(f"{k} {v:.2f}" for k, v in sorted(steps.items()))
                print(f"round {i} load {load:.1f} {root}: {shown}", flush=True)
            for root, runs in seen.items():
                keys = sorted({k for run in runs for k in run})
                medians = {k: statistics.median(run[k] for run in runs if k in run) for k in keys}
                print(root, "medians:", ", ".join(f"{k} {v:.2f}" for k, v in medians.items()))


if __name__ == "__main__":
    main()
