"""The command line's messages: usage errors for bad pins, failed steps and checks with their
own reasons, and a full disk (a small tmpfs mounted by the test) ending in one clear message
with the run's temporary files removed."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import cli
import cli_report
from definitions import SPECS
from resources.warehouse import latest_folder, verify_published

ROOT = Path(__file__).resolve().parent.parent


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run `cli.py run <argv>` in-process; it must stop with exit 2 before running anything."""
    with pytest.raises(SystemExit) as stopped:
        cli.main(["run", "--data-dir", "/nonexistent/never-written", *argv])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: ")
    return err


def test_malformed_pin_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(capsys, "--pin", "us_ofac_sdn")
    assert (
        "argument --pin: 'us_ofac_sdn' is not SOURCE=DATE (for example us_ofac_sdn=2024-05-03)"
        in err
    )
    err = usage_error(capsys, "--pin", "us_ofac_sdn=2024-13-01")
    assert "'us_ofac_sdn=2024-13-01': '2024-13-01' is not a date (YYYY-MM-DD)" in err
    err = usage_error(capsys, "--pin", "=2024-05-03")
    assert "is not SOURCE=DATE" in err


def test_unknown_source_is_refused_with_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(capsys, "--pin", "us_ofac_sdm=2024-05-03")
    assert "--pin us_ofac_sdm=2024-05-03: unknown source 'us_ofac_sdm'; known sources: " in err
    assert all(spec.source in err for spec in SPECS)
    assert "eurostat_comext" in err


def test_date_without_a_catalog_entry_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(capsys, "--pin", "us_ofac_sdn=2020-01-01")
    assert (
        "--pin us_ofac_sdn=2020-01-01: snapshot://us_ofac_sdn: no publication dated 2020-01-01 "
        "(have 2023-12-28, 2024-05-03)"
    ) in err
    err = usage_error(capsys, "--pin", "eurostat_comext=2020-01-01")
    assert (
        "--pin eurostat_comext=2020-01-01: no eurostat_comext snapshot publication dated 2020-01-01"
        in err
    )


def test_other_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(capsys, "--pin", "us_ofac_sdn=2024-05-03", "--pin", "us_ofac_sdn=2023-12-28")
    assert "--pin us_ofac_sdn: pinned twice, to 2024-05-03 and 2023-12-28" in err
    err = usage_error(capsys, "--mode", "live", "--pin", "us_ofac_sdn=2024-05-03")
    assert "--pin serves an older snapshot publication: it needs --mode snapshot" in err
    err = usage_error(capsys, "--keep-versions", "0")
    assert "--keep-versions must be at least 1, not 0" in err


def test_malformed_pin_from_the_shell(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "cli.py", "run", "--data-dir", str(tmp_path), "--pin", "us_ofac_sdn"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "is not SOURCE=DATE" in done.stderr
    assert "Traceback" not in done.stderr and "ValueError" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was run, nothing written


def test_remove_temporary_removes_only_what_a_run_left_half_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    keep = [
        data / "raw" / "us_ofac_sdn" / "20240503T000000Z_ab_SDN.CSV",
        data / "warehouse" / "warehouse.duckdb",
        data / "warehouse" / ".pipeline.lock",
        data / "published" / "20261204T144605Z-d983127c" / "entities.parquet",
    ]
    stale = [
        data / "published" / ".20261204T150000Z-d983127c.tmp" / "charts" / "c.png",
        data / "warehouse" / ".warehouse.duckdb.tmp",
        data / "warehouse" / ".warehouse.duckdb.tmp.wal",
        data / "warehouse" / ".history.12.ducklake",
        data / "warehouse" / "staging" / "us_ofac_sdn" / ".us_ofac_sdn-1.f.123.ab.tmp" / "x",
    ]
    for path in keep + stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    # a half-written version already sealed read-only when the run died
    (data / "published" / ".20261204T150000Z-d983127c.tmp" / "charts").chmod(0o555)
    (data / "published" / ".20261204T150000Z-d983127c.tmp").chmod(0o555)
    removed = cli_report.remove_temporary(data)
    assert sorted(removed) == sorted(
        [
            data / "published" / ".20261204T150000Z-d983127c.tmp",
            data / "warehouse" / ".warehouse.duckdb.tmp",
            data / "warehouse" / ".warehouse.duckdb.tmp.wal",
            data / "warehouse" / ".history.12.ducklake",
            data / "warehouse" / "staging" / "us_ofac_sdn" / ".us_ofac_sdn-1.f.123.ab.tmp",
        ]
    )
    assert all(p.exists() for p in keep)
    assert not any(p.exists() for p in stale)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs mounted for the test (tests and CI run as root); a failed mount fails the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def resize(mount: Path, kib: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={kib}k", str(mount)], check=True)


def used_kib(mount: Path) -> int:
    stats = os.statvfs(mount)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize // 1024


def cli_run(data: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAGSTER_HOME": str(data / "dagster_home")}
    return subprocess.run(
        [sys.executable, "cli.py", "run", "--data-dir", str(data), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def temporary_files(data: Path) -> list[Path]:
    patterns = (".*.tmp", ".*.tmp.wal", ".scratch-*", ".history.*.ducklake")
    return [p for pattern in patterns for p in data.rglob(pattern)]


def test_disk_full_ends_in_a_clear_message(small_disk: Path) -> None:
    data = small_disk / "data"
    first = cli_run(data)
    assert first.returncode == 0, first.stderr[-3000:]
    version = latest_folder(data / "published")
    assert version is not None
    assert f"PUBLISHED: new version {version.name}" in first.stdout

    # nothing changed: said plainly on stdout, naming the current version
    same = cli_run(data)
    assert same.returncode == 0, same.stderr[-3000:]
    assert (
        "NOTHING PUBLISHED: no input (source publication, trade or reconciliation table) "
        f"changed since the last version; the current version is still {version.name}"
    ) in same.stdout
    assert latest_folder(data / "published") == version

    # room for the new SDN publication's raw file and staging, not for its warehouse and
    # version: a step runs out of space
    resize(small_disk, used_kib(small_disk) + 30 * 1024)
    full = cli_run(data, "--pin", "us_ofac_sdn=2024-05-03")
    assert full.returncode == 1
    assert "RUN FAILED — the previously published version (if any) is unchanged." in full.stderr
    assert f"DISK FULL: no space left on the device holding {data} (step " in full.stderr
    failed = [line for line in full.stderr.splitlines() if line.startswith("  step ")]
    assert failed and "No space left on device" in failed[0]
    assert "Traceback (most recent call last)" not in full.stderr
    assert temporary_files(data) == []
    assert latest_folder(data / "published") == version
    assert verify_published(version) == []

    # the disk filled to the last byte by something else: even Dagster's event log (SQLite under
    # DAGSTER_HOME) cannot be written; still one clear message, no traceback
    ballast = small_disk / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * (1 << 20)):  # unbuffered: stops at the last byte
            pass
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    assert os.statvfs(small_disk).f_bavail == 0
    stopped = cli_run(data, "--pin", "us_ofac_sdn=2024-05-03")
    assert stopped.returncode == 1
    assert f"DISK FULL: no space left on the device holding {data}" in stopped.stderr
    assert "Nothing was published; the previously published version (if any) is unchanged." in (
        stopped.stderr
    )
    assert "Free some space and run again." in stopped.stderr
    assert "Traceback (most recent call last)" not in stopped.stderr
    assert temporary_files(data) == []
    assert latest_folder(data / "published") == version

    # space freed: the same run publishes (a second version with its FtM export and delta
    # needs more than the 400 MiB the first one fitted in)
    ballast.unlink()
    resize(small_disk, 1024 * 1024)
    again = cli_run(data, "--pin", "us_ofac_sdn=2024-05-03")
    assert again.returncode == 0, again.stderr[-3000:]
    published = latest_folder(data / "published")
    assert published is not None and published != version
    con = duckdb.connect(str(published / "sanctions.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM entities WHERE source = 'us_ofac_sdn'").fetchone() == (
        14_965,
    )
    con.close()
