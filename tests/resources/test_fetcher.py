"""The live fetcher against a real HTTP server on 127.0.0.1 serving the real OFAC files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from dagster import materialize

from assets import us_ofac_sdn
from core.errors import FetchError
from resources.fetcher import FileSpec, LiveFetcher, SnapshotFetcher
from resources.storage import DataDir
from tests.httpserver import Server, serve

SDN = "SDN.CSV"


@pytest.fixture(scope="module")
def server(snapshots: Path) -> Iterator[Server]:
    with serve(snapshots / "us_ofac_sdn" / "2023-12-28") as running:
        yield running


def fast(**overrides: object) -> LiveFetcher:
    settings: dict[str, object] = {
        "timeout_seconds": 0.5,
        "connect_timeout_seconds": 0.5,
        "max_attempts": 3,
        "backoff_seconds": 0.01,
    }
    return LiveFetcher(**{**settings, **overrides})


def spec(server: Server, mode: str, name: str = SDN) -> FileSpec:
    return FileSpec(name, f"{server.url}/{mode}/{name}", "csv")


def test_200_archives_bytes_named_by_time_and_sha(
    server: Server, snapshots: Path, tmp_path: Path
) -> None:
    data_dir = DataDir(root=str(tmp_path))
    payload = fast().fetch("us_ofac_sdn", spec(server, "ok"), None)
    assert payload is not None
    real = (snapshots / "us_ofac_sdn" / "2023-12-28" / SDN).read_bytes()
    assert payload.data == real
    assert payload.sha256 == "d768d28ee9e3ac7b27f9a956c922bf97dc286ebd39eff63faa4ef231f1ef668b"
    assert (payload.mode, payload.published_at, payload.published_basis) == (
        "live",
        date(2023, 12, 28),
        "HTTP Last-Modified",
    )
    path, new = data_dir.archive(payload)
    assert new and path.read_bytes() == real
    assert path.parent == tmp_path / "raw" / "us_ofac_sdn"
    assert payload.sha256 in path.name and path.name.startswith(
        payload.fetched_at.strftime("%Y%m%dT%H%M%S")
    )


def test_304_reuses_archived_payload_without_rewriting(server: Server, tmp_path: Path) -> None:
    data_dir = DataDir(root=str(tmp_path))
    fetcher = fast()
    first = fetcher.fetch("us_ofac_sdn", spec(server, "ok"), None)
    assert first is not None
    data_dir.archive(first)
    previous = data_dir.previous_fetch("us_ofac_sdn", SDN)
    assert previous is not None and previous.etag == first.etag
    second = fetcher.fetch("us_ofac_sdn", spec(server, "ok"), previous)
    assert second is not None and second.not_modified
    assert server.requests[-1]["if-none-match"] == first.etag
    assert server.requests[-1]["if-modified-since"] == first.last_modified
    assert second.sha256 == first.sha256
    _, new = data_dir.archive(second)
    assert not new
    payloads = [
        p for p in (tmp_path / "raw" / "us_ofac_sdn").iterdir() if p.name != "fetch_log.jsonl"
    ]
    assert len(payloads) == 1
    log = [
        json.loads(line)
        for line in (tmp_path / "raw" / "us_ofac_sdn" / "fetch_log.jsonl").read_text().splitlines()
    ]
    assert [entry["not_modified"] for entry in log] == [False, True]


def test_500_then_success_is_retried(server: Server) -> None:
    payload = fast().fetch("us_ofac_sdn", spec(server, "flaky", "ADD.CSV"), None)
    assert payload is not None and len(payload.data) == 1_226_935
    assert server.hits["/flaky/ADD.CSV"] == 2


def test_timeout_gives_up_with_clear_error(server: Server) -> None:
    server.slow_seconds = 2.0
    with pytest.raises(FetchError, match=r"/slow/ALT\.CSV: gave up after 2 attempts: timed out"):
        fast(max_attempts=2).fetch("us_ofac_sdn", spec(server, "slow", "ALT.CSV"), None)
    assert server.hits["/slow/ALT.CSV"] == 2


def test_html_page_with_200_is_refused(server: Server) -> None:
    with pytest.raises(
        FetchError, match=r"served 'text/html; charset=utf-8' instead of csv: refused"
    ):
        fast().fetch("us_ofac_sdn", spec(server, "html"), None)
    with pytest.raises(FetchError, match=r"an HTML page was served instead of data"):
        fast().fetch("us_ofac_sdn", spec(server, "htmlcsv"), None)


def test_client_error_is_not_retried(server: Server) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fast().fetch("us_ofac_sdn", spec(server, "gone"), None)
    assert server.hits["/gone/SDN.CSV"] == 1


def test_live_mode_end_to_end_and_unchanged_payload_not_reparsed(
    server: Server, tmp_path: Path
) -> None:
    overrides = {
        f"us_ofac_sdn/{f.name}": f"{server.url}/ok/{f.name}" for f in us_ofac_sdn.CSV_FILES
    }
    overrides["us_ofac_sdn/SDN.XML"] = f"{server.url}/gone/SDN.XML"
    resources = {"fetcher": fast(url_overrides=overrides), "data_dir": DataDir(root=str(tmp_path))}
    first = materialize([us_ofac_sdn.asset], resources=resources, raise_on_error=False)
    # SDN.XML answers 404 here: a client error is not retried and fails the fetch clearly
    assert not first.success
    overrides.pop("us_ofac_sdn/SDN.XML")
    live_csv_only = LiveFetcher(timeout_seconds=5, url_overrides=overrides)
    result = materialize(
        [us_ofac_sdn.asset], resources={**resources, "fetcher": _CsvOnly(inner=live_csv_only)}
    )
    assert result.success
    metadata = result.asset_materializations_for_node("us_ofac_sdn")[0].metadata
    assert metadata["mode"].value == "live"
    assert metadata["published_at"].value == "2023-12-28"
    assert metadata["unchanged_payload"].value is False
    again = materialize(
        [us_ofac_sdn.asset], resources={**resources, "fetcher": _CsvOnly(inner=live_csv_only)}
    )
    metadata = again.asset_materializations_for_node("us_ofac_sdn")[0].metadata
    assert metadata["unchanged_payload"].value is True
    assert server.requests[-1].get("if-none-match")


class _CsvOnly(LiveFetcher):
    """Live fetcher that reports the XML formats as not published (the test server has none)."""

    inner: LiveFetcher

    def fetch(self, source, spec, previous):  # type: ignore[no-untyped-def]
        if spec.name in ("SDN.XML", "SDN_ENHANCED.XML"):
            return None
        return self.inner.fetch(source, spec, previous)


def test_snapshot_fetcher_pins_and_reports_date(tmp_path: Path) -> None:
    fetcher = SnapshotFetcher()
    payload = fetcher.fetch("us_ofac_sdn", us_ofac_sdn.CSV_FILES[0], None)
    assert payload is not None
    assert (payload.mode, payload.published_at, payload.url) == (
        "snapshot",
        date(2023, 12, 28),
        "snapshot://2023-12-28/SDN.CSV",
    )
    assert fetcher.fetch("us_ofac_sdn", us_ofac_sdn.XML_FILES[0], None) is None
    with pytest.raises(
        FetchError, match=r"no publication dated 1999-01-01 \(have 2023-12-28, 2024-05-03\)"
    ):
        SnapshotFetcher(pins={"us_ofac_sdn": "1999-01-01"}).fetch(
            "us_ofac_sdn", us_ofac_sdn.CSV_FILES[0], None
        )
