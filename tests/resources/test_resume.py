"""A body cut short is resumed where it was cut when its server serves byte ranges of the same
version (strong ETag, `If-Range`), and started over otherwise (real HTTP on 127.0.0.1, the real
SDN.CSV of 2023-12-28 and of 2024-05-03)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from core.errors import FetchError
from resources.fetcher import FileSpec
from resources.storage import DataDir
from tests.httpserver import Server
from tests.httpserver import fast_fetcher as fast

SOURCE = "us_ofac_sdn"
PATH = "/files/SDN.CSV"


def _spec(server: Server) -> FileSpec:
    return FileSpec("SDN.CSV", f"{server.url}{PATH}", "csv")


def _asked(server: Server) -> list[tuple[str | None, str | None]]:
    return [(r.get("range"), r.get("if-range")) for r in server.requests if r["path"] == PATH]


@pytest.fixture()
def ranged(server: Server, snapshots: Path) -> Server:
    sdn = snapshots / "us_ofac_sdn" / "2023-12-28" / "SDN.CSV"
    server.files[PATH] = sdn
    server.cut = {PATH}
    server.ranges = True
    server.requests.clear()
    server.sent.clear()
    yield server
    server.ranges = False
    server.cut = set()
    server.on_request = None
    server.files.pop(PATH)


def test_a_cut_body_is_resumed_from_where_it_was_cut(
    ranged: Server, snapshots: Path, tmp_path: Path
) -> None:
    """Each answer is cut 1,500,000 bytes in: three attempts read the 3,477,010 bytes once."""
    sdn = (snapshots / "us_ofac_sdn" / "2023-12-28" / "SDN.CSV").read_bytes()
    ranged.cut_at = 1_500_000
    data_dir = DataDir(root=str(tmp_path))
    folder = data_dir.incoming(SOURCE)
    payload = fast(max_attempts=3).fetch(SOURCE, _spec(ranged), None, folder)
    assert payload is not None
    assert payload.size == len(sdn) == 3_477_010
    assert payload.sha256 == hashlib.sha256(sdn).hexdigest()
    assert payload.path.read_bytes() == sdn
    etag = '"' + hashlib.sha256(sdn).hexdigest()[:16] + '"'
    assert _asked(ranged) == [
        (None, None),
        ("bytes=1500000-", etag),
        ("bytes=3000000-", etag),
    ]
    assert ranged.sent[PATH] == len(sdn)  # no byte sent twice
    path, new = data_dir.archive(payload)
    assert new and path.read_bytes() == sdn
    assert sorted(p.name for p in folder.iterdir()) == sorted([path.name, "fetch_log.jsonl"])


def test_a_version_changed_between_attempts_starts_over(
    ranged: Server, snapshots: Path, tmp_path: Path
) -> None:
    """The file changes after the cut: `If-Range` no longer matches, the server sends the new
    version whole, and the payload is that version alone (no mix of the two)."""
    newer = snapshots / "us_ofac_sdn" / "2024-05-03" / "SDN.CSV"
    ranged.cut_at = 1_000_000

    fetcher = fast(max_attempts=2)
    folder = DataDir(root=str(tmp_path)).incoming(SOURCE)
    original = ranged.files[PATH]

    def swap_after_first() -> None:  # the publisher replaces its file after the first answer
        if len(_asked(ranged)) == 2:
            ranged.files[PATH] = newer
            ranged.cut = set()

    ranged.on_request = swap_after_first
    payload = fetcher.fetch(SOURCE, _spec(ranged), None, folder)
    assert original != newer
    assert payload is not None and payload.path.read_bytes() == newer.read_bytes()
    [(first_range, _), (second_range, second_if)] = _asked(ranged)
    assert first_range is None and second_range == "bytes=1000000-" and second_if
    assert [p.name for p in folder.iterdir()] == [payload.path.name]


def test_no_resume_without_ranges_and_no_file_left(server: Server, tmp_path: Path) -> None:
    """A server that does not serve ranges: every attempt starts over, and when all are cut
    the error says so and nothing is left in the folder."""
    server.cut = {"/cut/SDN.CSV"}
    server.cut_at = 1_000_000
    server.requests.clear()
    folder = DataDir(root=str(tmp_path)).incoming(SOURCE)
    spec = FileSpec("SDN.CSV", f"{server.url}/cut/SDN.CSV", "csv")
    with pytest.raises(FetchError) as error:
        fast(max_attempts=2).fetch(SOURCE, spec, None, folder)
    assert error.value.cause == "cut"
    assert "received 1,000,000" in str(error.value)
    ranges = [r.get("range") for r in server.requests if r["path"] == "/cut/SDN.CSV"]
    assert ranges == [None, None]
    assert list(folder.iterdir()) == []
    server.cut = set()
