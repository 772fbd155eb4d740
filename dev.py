"""Set-up and entry commands that need nothing but Python 3.11+ and the package index.

    python3 dev.py run    # install (first time), run every asset on the shipped snapshots, publish
    python3 dev.py test   # install (first time, with test tools), run ruff and the test suite
    python3 dev.py dagster dev   # any other command runs inside the project environment
    python3 dev.py duckdb data/published/latest/sanctions.duckdb   # the DuckDB CLI

Installs `uv` into `.tools/` (a private virtualenv), then `uv sync --frozen --compile-bytecode` from `uv.lock`
into `.venv/`. Standard library only, so it runs before anything is installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
VENV = ROOT / ".venv"
PARALLEL = ["--numprocesses=auto", "--maxprocesses=4", "--dist=loadfile"]


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_uv() -> Path:
    uv = _bin(TOOLS, "uv")
    if not uv.exists():
        print("dev.py: installing uv into .tools/", flush=True)
        venv.create(TOOLS, with_pip=True)
        subprocess.run([str(_bin(TOOLS, "python")), "-m", "pip", "install", "-q", "uv"], check=True)
    return uv


def sync(dev: bool) -> None:
    # --compile-bytecode: every process (the CLI, Dagster's code server and each run worker, the
    # test workers) then imports the installed packages from bytecode, even where the
    # environment says PYTHONDONTWRITEBYTECODE; without it each run worker compiled some 400
    # modules again (bench/bench_worker.py: 1.9 s of CPU per worker start against 1.2 s)
    args = [str(ensure_uv()), "sync", "--frozen", "--compile-bytecode", "--python", sys.executable]
    if not dev:
        # without the dev tools, but leaving them in place if a test run installed them
        args += ["--no-dev", "--inexact"]
    subprocess.run(args, check=True, cwd=ROOT)
    # the DuckLake, httpfs and postgres_scanner extensions from their packages into DuckDB's
    # extension directory: `LOAD ducklake;` (and time travel in the `duckdb` CLI, on the local or
    # the shared store) then works offline, from any directory
    install = "from resources.backend import install_extensions; install_extensions()"
    subprocess.run([str(_bin(VENV, "python")), "-c", install], check=True, cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    python = str(_bin(VENV, "python"))
    if command == "run":
        sync(dev=False)
        return subprocess.call([python, "cli.py", "run", *rest], cwd=ROOT)
    if command == "test":
        sync(dev=True)
        lint = subprocess.call([str(_bin(VENV, "ruff")), "check", "."], cwd=ROOT)
        # one worker per core (at most 4), each taking whole test files, so a file's module
        # fixtures (a pipeline run, a server) are built once; `-n 0` runs in one process
        workers = [] if any(a.startswith(("-n", "--numprocesses")) for a in rest) else PARALLEL
        tests = subprocess.call([python, "-m", "pytest", *workers, *rest], cwd=ROOT)
        return tests or lint
    sync(dev=True)
    return subprocess.call([str(_bin(VENV, command)), *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
