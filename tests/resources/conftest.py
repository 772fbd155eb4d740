"""The real SDN files served on 127.0.0.1 (`server`), and fetches without a folder streamed into
the system's temporary folder: here, the test's own."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.httpserver import Server, serve


@pytest.fixture(autouse=True)
def _own_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))


@pytest.fixture(scope="module")
def server(snapshots: Path) -> Iterator[Server]:
    with serve(snapshots / "us_ofac_sdn" / "2023-12-28") as running:
        yield running
