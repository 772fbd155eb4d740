"""Start-up cost of the Dagster definitions against Dagster's own import.

    .venv/bin/python -m bench.bench_startup [--reps 9] [--cold 3] [--top 25]

`python -c "import definitions"` (what `dagster dev`, the daemon and every run worker pay
before any asset runs) and `python -c "import dagster"` run in fresh processes, interleaved
(dagster, definitions, definitions, dagster, …, so a drift in the machine's load falls on
both), with the bytecode caches warm (one unmeasured run of each first). The medians of the
wall time and of the CPU time (user + system of the child) are printed with their ratio; the
CPU time is steadier on a shared machine. The target of issue #17 is a ratio ≤ 1.3.

`--cold N` measures N more runs of each without bytecode caches (each run compiles into an empty
`PYTHONPYCACHEPREFIX`: no `__pycache__` is read, of the project or of the libraries, and none is
written): for information, the worst case of a fresh install.

Then one `-X importtime` run of each lists the modules `import definitions` loads beyond
`import dagster`: by top-level package (self time summed) and the slowest single imports
(cumulative), the first place to look when the ratio grows.

Measured (2-core machine shared by 6 sessions, 9 interleaved runs each, warm caches):
- before, with polars loaded by the asset modules: 1.31-1.34x (CPU and wall medians; polars
  alone made `import dagster, polars` 1.11-1.13x);
- after polars, its parsers, the matcher, the change feed, the lake and the FtM export moved
  out of `import definitions` (load 8.0 → 8.1): CPU 0.930 s → 1.120 s = **1.20x**; wall
  2.62 s → 3.94 s = 1.51x, its runs spread from 1.1 to 4.8 s with the load, so the CPU ratio
  is the one to read. Beyond `import dagster` the definitions then load 65 modules of the
  project and a few of Dagster's own, 265 ms of their own (`-X importtime`), no other library;
- the same code on a quiet machine (load 0.37, 2026-12-04 23:32, after the trade periods
  merged): `import dagster` 0.862 s wall / 0.870 s CPU, `import definitions` 1.055 / 1.060 s:
  **1.22x** wall and CPU; 68 modules beyond `import dagster`, 160 ms of their own.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATEMENTS = {
    "dagster": "import dagster",
    "definitions": "import definitions",
}


def run(statement: str, env: dict[str, str], args: tuple[str, ...] = ()) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh interpreter running `statement`."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *args, "-c", statement],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def measure(reps: int, env: dict[str, str], cold: bool) -> dict[str, list[tuple[float, float]]]:
    """`reps` interleaved runs of each statement (order alternating per repetition)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in STATEMENTS}
    names = list(STATEMENTS)
    if not cold:
        for name in names:  # warm the bytecode caches and the file system cache
            run(STATEMENTS[name], env)
    for rep in range(reps):
        for name in names if rep % 2 == 0 else reversed(names):
            if cold:
                with tempfile.TemporaryDirectory(prefix="pycache-") as prefix:
                    times[name].append(
                        run(STATEMENTS[name], {**env, "PYTHONPYCACHEPREFIX": prefix})
                    )
            else:
                times[name].append(run(STATEMENTS[name], env))
    return times


def report(title: str, times: dict[str, list[tuple[float, float]]]) -> None:
    print(f"\n{title}")
    print(f"{'':<16}{'wall median s':>13}{'cpu median s':>15}   wall runs")
    medians = {}
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        medians[name] = (wall, cpu)
        spread = " ".join(f"{w:.2f}" for w, _ in runs)
        print(f"{name:<16}{wall:>13.3f}{cpu:>15.3f}   {spread}")
    (dw, dc), (fw, fc) = medians["dagster"], medians["definitions"]
    print(f"{'ratio':<16}{fw / dw:>13.2f}{fc / dc:>15.2f}   (definitions ÷ dagster; target ≤ 1.30)")


LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def importtime(statement: str, env: dict[str, str]) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) of every module `statement` imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        match = LINE.match(line)
        if match:
            rows.append((match[4], int(match[1]), int(match[2])))
    return rows


def report_modules(env: dict[str, str], top: int) -> None:
    base = {name for name, _, _ in importtime(STATEMENTS["dagster"], env)}
    rows = [r for r in importtime(STATEMENTS["definitions"], env) if r[0] not in base]
    by_package: Counter[str] = Counter()
    for name, own, _ in rows:
        by_package[name.split(".")[0]] += own
    total = sum(by_package.values())
    print(
        f"\nmodules `import definitions` loads beyond `import dagster`: {len(rows)}, "
        f"{total / 1000:.0f} ms of their own (-X importtime)"
    )
    print("by top-level package (self time, ms):")
    for package, own in by_package.most_common(top):
        print(f"  {own / 1000:8.1f}  {package}")
    print("slowest imports (cumulative, ms):")
    for name, _, cumulative in sorted(rows, key=lambda r: -r[2])[:top]:
        print(f"  {cumulative / 1000:8.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=9, help="repetitions of each import")
    parser.add_argument(
        "--cold",
        type=int,
        default=0,
        metavar="REPS",
        help="also measure without bytecode caches, REPS runs each (every module is compiled)",
    )
    parser.add_argument("--top", type=int, default=25, help="modules listed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as data:
        # the definitions read their environment: a throwaway data directory, snapshot mode
        env = {**os.environ, "SANCTIONS_DATA_DIR": data, "SANCTIONS_MODE": "snapshot"}
        env.pop("PYTHONPYCACHEPREFIX", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
        report(
            f"warm bytecode caches, {args.reps} interleaved runs each",
            measure(args.reps, env, False),
        )
        if args.cold:
            report(
                f"cold (no bytecode caches), {args.cold} interleaved runs each",
                measure(args.cold, env, True),
            )
        report_modules(env, args.top)
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
