"""A fetch killed mid-body leaves its `.part` file; the next fetch into that folder removes it,
and only it: files of live writers, of other hosts, or named otherwise stay (real HTTP on
127.0.0.1, a real fetch in a child process killed with SIGKILL)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from resources.fetcher import FileSpec
from resources.parts import Writer, new_part, remove_stale, writer_of
from resources.storage import DataDir
from tests.httpserver import MIB, serve
from tests.httpserver import fast_fetcher as fast
from tests.resources.test_fetch_stream import CHILD

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE = "cepii_baci"


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".fetch-*.part"))


def test_a_killed_fetch_leaves_a_part_the_next_fetch_removes(tmp_path: Path) -> None:
    data_dir = DataDir(root=str(tmp_path / "d"))
    folder = tmp_path / "d" / "raw" / SOURCE
    with serve(tmp_path) as server:
        server.huge_bytes = 2 << 30  # far more than is sent before the kill
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                f"{server.url}/huge/big.csv",
                str(tmp_path / "d"),
                str(2 << 30),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 120
            while not (_parts(folder) and _parts(folder)[0].stat().st_size > 8 * MIB):
                assert child.poll() is None, child.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the child wrote no body in 120 s"
                time.sleep(0.05)
            # alive, its file is its own: a sweep from another process leaves it
            assert remove_stale(folder) == []
            child.kill()
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        [left] = _parts(folder)
        writer = writer_of(left)
        assert writer == Writer(socket.gethostname(), child.pid, writer.started)  # type: ignore[union-attr]
        assert writer is not None and writer.started.isdigit() and not writer.alive()
        assert left.stat().st_size > 8 * MIB
        # the next fetch into the folder removes it first, then writes its own file
        incoming = data_dir.incoming(SOURCE)
        assert incoming == folder and _parts(folder) == []
    sdn = ROOT / "snapshots" / "us_ofac_sdn" / "2023-12-28" / "SDN.CSV"
    with serve(sdn.parent) as server:
        spec = FileSpec("SDN.CSV", f"{server.url}/ok/SDN.CSV", "csv")
        payload = fast().fetch("us_ofac_sdn", spec, None, data_dir.incoming("us_ofac_sdn"))
    assert payload is not None and payload.size == sdn.stat().st_size
    path, new = data_dir.archive(payload)
    assert new and path.read_bytes() == sdn.read_bytes()
    assert _parts(path.parent) == []


def test_only_the_files_of_gone_writers_on_this_host_are_removed(tmp_path: Path) -> None:
    mine = new_part(tmp_path)
    os.close(mine[0])
    me = Writer.this()
    assert writer_of(mine[1]) == me and me.alive()
    # a PID taken again by a later process: same PID, another start time
    reused = tmp_path / f".fetch-{Writer(me.host, me.pid, '1').tag()}abc.part"
    other_host = tmp_path / f".fetch-{Writer('elsewhere.example', 1, '1').tag()}abc.part"
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    gone = tmp_path / f".fetch-{Writer(me.host, int(finished.stdout), '').tag()}abc.part"
    unnamed = tmp_path / ".fetch-q1w2e3r4.part"  # named before writers were named
    for path in (reused, other_host, gone, unnamed):
        path.write_bytes(b"x" * 10)
    assert remove_stale(tmp_path) == sorted([reused, gone])
    assert _parts(tmp_path) == sorted([mine[1], other_host, unnamed])
    assert remove_stale(tmp_path / "never-made") == []
