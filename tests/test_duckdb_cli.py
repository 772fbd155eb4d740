"""The `duckdb` command the README tells analysts to run is in the environment, matches the
pinned DuckDB, and `python3 dev.py duckdb …` runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

import dev
from resources.duckdb_files import write_database

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def test_cli_matches_the_pinned_duckdb() -> None:
    done = subprocess.run(
        [str(DUCKDB_CLI), "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.split()[0] == f"v{duckdb.__version__}"


def test_dev_py_duckdb_runs_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sanctions.duckdb"
    write_database(db, {"entities": pl.DataFrame({"entity_id": ["us_ofac_sdn-7489", "un_sc-1"]})})
    synced: list[bool] = []
    # the environment is already installed: dev.py's sync (uv) is not what is tested here
    monkeypatch.setattr(dev, "sync", lambda dev: synced.append(dev))
    code = dev.main(
        ["duckdb", "-readonly", "-csv", str(db), "-c", "SELECT count(*) AS n FROM entities"]
    )
    assert code == 0 and synced == [True]
    assert capfd.readouterr().out.split() == ["n", "2"]
