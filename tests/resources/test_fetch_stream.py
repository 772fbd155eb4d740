"""The live fetcher streams every body to a file: nothing is held whole in memory, a failed
attempt leaves no file, and the archive takes the streamed file by a link (real HTTP on
127.0.0.1, real OFAC files and a generated body of hundreds of MB)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import FetchError
from resources.fetcher import FileSpec
from resources.storage import DataDir
from tests.httpserver import MIB, Server, gzip_bomb, huge_chunks, serve
from tests.httpserver import fast_fetcher as fast

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE = "us_ofac_sdn"


def test_failed_attempts_leave_no_file(server: Server, tmp_path: Path) -> None:
    """Cut bodies (retried), a body past the limit, a gzip bomb, an HTML page and a 404 each
    fail, and the folder the fetcher streams into is empty afterwards; a 500 then a 200
    leaves exactly the payload's file."""
    folder = DataDir(root=str(tmp_path)).incoming(SOURCE)
    gzip_bomb()  # built before the server is asked for it (seconds, past the read timeout)
    server.cut.add("/cut/SDN.CSV")
    failing = [
        (FileSpec("SDN.CSV", f"{server.url}/cut/SDN.CSV", "csv"), "cut"),
        (FileSpec("x.csv", f"{server.url}/huge/x", "csv", max_bytes=5 * MIB), "too_large"),
        (FileSpec("b.csv", f"{server.url}/bomb/b", "csv", max_bytes=5 * MIB), "too_large"),
        (FileSpec("SDN.CSV", f"{server.url}/html/SDN.CSV", "csv"), "html"),
        (FileSpec("SDN.CSV", f"{server.url}/gone/SDN.CSV", "csv"), "http"),
    ]
    for spec, cause in failing:
        with pytest.raises(FetchError) as error:
            fast(max_attempts=2).fetch(SOURCE, spec, None, folder)
        assert error.value.cause == cause
        assert not folder.exists() or list(folder.iterdir()) == [], spec.url
    assert server.hits["/cut/SDN.CSV"] == 2  # retried, and each attempt's file removed
    spec = FileSpec("ADD.CSV", f"{server.url}/flaky/ADD.CSV", "csv")
    payload = fast().fetch(SOURCE, spec, None, folder)
    assert payload is not None and list(folder.iterdir()) == [payload.path]
    served = (server.root / "ADD.CSV").read_bytes()
    assert (payload.size, payload.sha256) == (len(served), hashlib.sha256(served).hexdigest())


def test_304_points_at_the_archived_file(server: Server, tmp_path: Path) -> None:
    """A 304 writes nothing: the payload is the archived copy (verified, not copied), and
    archiving it again records the fetch without a new file."""
    data_dir = DataDir(root=str(tmp_path))
    folder = data_dir.incoming(SOURCE)
    spec = FileSpec("SDN.CSV", f"{server.url}/ok/SDN.CSV", "csv")
    first = fast().fetch(SOURCE, spec, None, folder)
    assert first is not None
    archived, new = data_dir.archive(first)
    assert new and first.path == archived
    previous = data_dir.previous_fetch(SOURCE, "SDN.CSV")
    again = fast().fetch(SOURCE, spec, previous, folder)
    assert again is not None and again.not_modified and not again.temporary
    assert (again.path, again.sha256, again.size) == (archived, first.sha256, first.size)
    assert data_dir.archive(again) == (archived, False)
    assert sorted(p.name for p in folder.iterdir()) == sorted([archived.name, "fetch_log.jsonl"])
    log = [json.loads(line) for line in (folder / "fetch_log.jsonl").read_text().splitlines()]
    assert [(e["sha256"], e["size"], e["path"]) for e in log] == [
        (first.sha256, first.size, str(archived))
    ] * 2
    assert not {"temporary", "data"} & set(log[0])


CHILD = """
import json, sys
from pathlib import Path
from resources.fetcher import FileSpec
from resources.live import LiveFetcher
from resources.storage import DataDir
url, root, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
data_dir = DataDir(root=root)
spec = FileSpec("big.csv", url, "csv", max_bytes=size)
fetcher = LiveFetcher(allow_loopback_http=True, max_attempts=1)
payload = fetcher.fetch("cepii_baci", spec, None, data_dir.incoming("cepii_baci"))
path, new = data_dir.archive(payload)
status = Path("/proc/self/status").read_text().splitlines()
peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
print(json.dumps({"path": str(path), "new": new, "sha256": payload.sha256, "peak": peak}))
"""


def test_a_large_body_streams_to_disk_in_bounded_memory(tmp_path: Path) -> None:
    """A 384 MiB body, generated while served, fetched and archived in a child process: the
    child's peak resident memory (its own VmHWM) stays far below the body's size, and the
    archived file hashes to the served bytes."""
    size = 384 * MIB
    expected = hashlib.sha256()
    for chunk in huge_chunks(size):
        expected.update(chunk)
    with serve(tmp_path) as server:
        server.huge_bytes = size
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                f"{server.url}/huge/big.csv",
                str(tmp_path / "d"),
                str(size),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert child.returncode == 0, child.stderr[-3000:]
        assert server.sent["/huge/big.csv"] == size
    result = json.loads(child.stdout.strip().splitlines()[-1])
    archived = Path(result["path"])
    assert result["new"] and archived.stat().st_size == size
    assert result["sha256"] == expected.hexdigest()
    digest = hashlib.sha256()
    with open(archived, "rb") as handle:
        while block := handle.read(MIB):
            digest.update(block)
    assert digest.hexdigest() == expected.hexdigest()
    # nothing but the archived file and the log is left in the archive folder
    assert sorted(p.name for p in archived.parent.iterdir()) == sorted(
        [archived.name, "fetch_log.jsonl"]
    )
    print(f"child peak RSS {result['peak'] / MIB:.0f} MiB for a {size / MIB:.0f} MiB body")
    assert result["peak"] < size // 3, f"child peak RSS {result['peak'] / MIB:.0f} MiB"


def test_baci_release_limit_is_its_parser_limit() -> None:
    """The fetch limit of a BACI release is the most its parser accepts expanded (a zip is never
    larger than its members stored as they are), not the lists' default."""
    from assets.trade_sources import LIVE_FILES
    from resources import publishers
    from trade.cepii_baci import RELEASE_LIMITS

    (spec,) = LIVE_FILES["cepii_baci"]
    assert publishers.max_bytes("cepii_baci", spec.name) == RELEASE_LIMITS.total
    assert publishers.max_bytes("cepii_baci", spec.name) > 10 * publishers.DEFAULT_MAX_BYTES
