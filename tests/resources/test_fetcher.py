"""The live fetcher against a real HTTP server on 127.0.0.1 serving the real OFAC files."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dagster import materialize

from assets import gb_fcdo, us_ofac_cons, us_ofac_sdn
from core.errors import FetchError
from gb_fcdo.constants import PUBLICATION_PAGE
from resources import publishers
from resources.fetcher import (
    DEFAULT_USER_AGENT,
    USER_AGENT_ENV,
    FileSpec,
    SnapshotFetcher,
)
from resources.live import LiveFetcher
from resources.publishers import link_on_page
from resources.storage import DataDir
from tests.httpserver import WAF_MIN_LENGTH, WAF_RULE, Server, gzip_bomb
from tests.httpserver import fast_fetcher as fast

SDN = "SDN.CSV"


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
    live_csv_only = LiveFetcher(
        timeout_seconds=5, url_overrides=overrides, allow_loopback_http=True
    )
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

    def fetch(self, source, spec, previous, folder=None):  # type: ignore[no-untyped-def]
        if spec.name in ("SDN.XML", "SDN_ENHANCED.XML"):
            return None
        return self.inner.fetch(source, spec, previous, folder)


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


# --- #10: OFAC's firewall and download endpoint ------------------------------------------------

OLD_USER_AGENT = "sanctions-etl/0.1 (+https://github.com/; open-source sanctions data pipeline)"


def test_default_user_agent_passes_the_firewall_rule(server: Server) -> None:
    assert WAF_RULE.match(DEFAULT_USER_AGENT) and len(DEFAULT_USER_AGENT) >= WAF_MIN_LENGTH
    server.waf = True
    try:
        payload = fast().fetch("us_ofac_sdn", spec(server, "ok", "SDN_COMMENTS.CSV"), None)
    finally:
        server.waf = False
    assert payload is not None and len(payload.data) == 25_895
    assert server.requests[-1]["user-agent"] == DEFAULT_USER_AGENT


@pytest.mark.parametrize(
    "agent",
    [
        OLD_USER_AGENT,
        "Mozilla/5.0 (X11; Linux x86_64)",
        "Mozilla (compatible; sanctions-etl/0.2; pipeline)",
    ],
    ids=["old-agent", "too-short", "no-digit"],
)
def test_firewall_refuses_agents_outside_its_rule(server: Server, agent: str) -> None:
    server.waf = True
    try:
        with pytest.raises(FetchError, match=r"/ok/SDN_COMMENTS\.CSV: HTTP 403$") as refused:
            fast(user_agent=agent).fetch(
                "us_ofac_sdn", spec(server, "ok", "SDN_COMMENTS.CSV"), None
            )
    finally:
        server.waf = False
    assert refused.value.cause == "http"
    assert server.requests[-1]["user-agent"] == agent


def test_user_agent_is_configurable_from_the_environment(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import definitions

    agent = "Mozilla/5.0 (compatible; compliance-team-screening/3.1; ops desk)"
    monkeypatch.setenv("SANCTIONS_MODE", "live")
    monkeypatch.setenv(USER_AGENT_ENV, agent)
    fetcher = definitions.fetcher_from_env()
    assert isinstance(fetcher, LiveFetcher)
    resolved = fetcher.process_config_and_initialize()
    assert resolved.user_agent == agent
    monkeypatch.delenv(USER_AGENT_ENV)
    assert definitions.fetcher_from_env().user_agent == DEFAULT_USER_AGENT


def test_ofac_files_come_from_the_documented_download_endpoint(
    server: Server, snapshots: Path, tmp_path: Path
) -> None:
    files = [*us_ofac_sdn.CSV_FILES, *us_ofac_sdn.XML_FILES, *us_ofac_cons.CSV_FILES]
    files += [*us_ofac_cons.XML_FILES]
    assert {urlsplit(f.url).path for f in files} == {f"/api/download/{f.name}" for f in files}
    assert {urlsplit(f.url).hostname for f in files} == {"sanctionslistservice.ofac.treas.gov"}
    sdn = us_ofac_sdn.CSV_FILES[0]
    url = server.url + urlsplit(sdn.url).path
    server.waf = True
    try:
        payload = fast(url_overrides={"us_ofac_sdn/SDN.CSV": url}).fetch("us_ofac_sdn", sdn, None)
    finally:
        server.waf = False
    assert payload is not None
    assert payload.data == (snapshots / "us_ofac_sdn" / "2023-12-28" / SDN).read_bytes()
    # the endpoint redirects to a signed URL on the same service: the URL read is recorded
    assert [r["path"].split("?")[0] for r in server.requests[-2:]] == [
        "/api/download/SDN.CSV",
        "/published/SDN.CSV",
    ]
    assert payload.url == url
    assert payload.final_url is not None
    assert payload.final_url.startswith(f"{server.url}/published/SDN.CSV?X-Amz-Expires=3600")
    DataDir(root=str(tmp_path)).archive(payload)
    log = (tmp_path / "raw" / "us_ofac_sdn" / "fetch_log.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["final_url"] == payload.final_url


# --- #10/#16: bodies cut short, too large, bombs, slow ----------------------------------------


def test_body_shorter_than_its_content_length_is_refused(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as cut:
        fast().fetch("us_ofac_sdn", spec(server, "cut"), None)
    assert cut.value.cause == "cut"
    assert str(cut.value).startswith(f"{server.url}/cut/SDN.CSV: gave up after 3 attempts: ")
    assert "body cut short: Content-Length 3,477,010 bytes, received 2,000,000" in str(cut.value)
    assert server.hits["/cut/SDN.CSV"] == 3  # a proxy may cut one body: retried, then refused


def test_gzip_encoded_body_is_decoded(server: Server, snapshots: Path) -> None:
    payload = fast().fetch("us_ofac_sdn", spec(server, "gzip", "ALT.CSV"), None)
    assert payload is not None
    assert payload.data == (snapshots / "us_ofac_sdn" / "2023-12-28" / "ALT.CSV").read_bytes()
    assert server.requests[-1]["accept-encoding"] == "gzip"


def test_3_gib_body_stops_at_the_source_limit_in_bounded_memory(server: Server) -> None:
    limit = publishers.max_bytes("un_sc")  # 22,155,520: ten times the largest real UN file
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as large:
            fast().fetch("un_sc", FileSpec("consolidated.xml", f"{server.url}/huge/x", "xml"), None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert large.value.cause == "too_large"
    assert f"/huge/x: too large: more than {limit:,} bytes after decompression" in str(large.value)
    assert server.hits["/huge/x"] == 1  # not retried
    assert peak < 3 * limit < 1 << 30  # about the limit (measured: ≈ 2 × 22 MB), not 3 GiB
    time.sleep(0.2)
    assert server.sent["/huge/x"] < limit + (16 << 20)  # the server stopped: client hung up


def test_gzip_bomb_stops_at_the_file_limit(server: Server) -> None:
    bomb = FileSpec("CONS_PRIM.CSV", f"{server.url}/bomb/x", "csv", max_bytes=16 << 20)
    assert len(gzip_bomb()) < 1_100_000  # built before the request: 1 GiB of zeros in ~1 MB
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as large:
            fast().fetch("us_ofac_cons", bomb, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert large.value.cause == "too_large"
    assert "too large: more than 16,777,216 bytes after decompression" in str(large.value)
    assert peak < 64 << 20  # the bomb expands to 1 GiB; at most one chunk passes the limit


def test_bad_gzip_is_refused(server: Server) -> None:
    with pytest.raises(FetchError, match=r"/badgzip/x: bad gzip body at output byte 0") as bad:
        fast().fetch("us_ofac_sdn", FileSpec(SDN, f"{server.url}/badgzip/x", "csv"), None)
    assert bad.value.cause == "encoding"


def test_body_trickled_past_the_deadline_is_refused(server: Server) -> None:
    # one byte every 50 ms: each read succeeds within its timeout, the whole never ends in time
    started = time.monotonic()
    with pytest.raises(FetchError) as slow:
        fast(deadline_seconds=1.0, max_attempts=2).fetch(
            "us_ofac_sdn", spec(server, "trickle", "SDN_COMMENTS.CSV"), None
        )
    elapsed = time.monotonic() - started
    assert slow.value.cause == "deadline"
    assert "gave up after 2 attempts: deadline of 1 s passed after" in str(slow.value)
    assert "of 25895" in str(slow.value)
    assert elapsed < 4.0


def test_large_body_still_flowing_outlives_the_deadline(server: Server, snapshots: Path) -> None:
    """Past the deadline an attempt goes on while its average rate holds the floor (a multi-GB
    trade release on an ordinary link); a trickle under the floor is still refused."""
    real = (snapshots / "us_ofac_sdn" / "2023-12-28" / SDN).read_bytes()  # 5.6 MB
    server.trickle_chunk, server.trickle_seconds = 64 << 10, 0.02  # ≈ 3 MB/s: about 2 s
    steady = fast(deadline_seconds=1.0, min_bytes_per_second=200_000)
    started = time.monotonic()
    payload = steady.fetch("us_ofac_sdn", spec(server, "trickle"), None)
    assert time.monotonic() - started > 1.0  # it did outlive the deadline
    assert payload is not None and payload.data == real
    server.trickle_chunk, server.trickle_seconds = 1024, 0.05  # ≈ 20 KB/s, a tenth of the floor
    with pytest.raises(FetchError, match=r"deadline of 1 s passed .* \(under 200,000 bytes/s\)"):
        fast(deadline_seconds=1.0, min_bytes_per_second=200_000, max_attempts=1).fetch(
            "us_ofac_sdn", spec(server, "trickle"), None
        )


def test_deadline_floor_leaves_the_lists_as_they_were() -> None:
    """By default the floor is the rate at which the largest whole-source limit arrives within
    the deadline: a file under such a limit, past the deadline at that rate, is over its limit
    already. Only the files allowed more (SDN_ENHANCED.XML, the BACI release) can outlive it."""
    from resources import publishers

    fetcher = LiveFetcher()
    floor = publishers.DEFAULT_MAX_BYTES / fetcher.deadline_seconds
    assert round(floor) == 483_333  # 290 MB in 600 s
    sources = [key for key in publishers.MAX_BYTES if "/" not in key]
    assert all(floor * fetcher.deadline_seconds >= publishers.MAX_BYTES[s] for s in sources)
    longer = [k for k, v in publishers.MAX_BYTES.items() if v > floor * fetcher.deadline_seconds]
    assert longer == ["us_ofac_sdn/SDN_ENHANCED.XML", "cepii_baci/BACI_HS22_V202401.zip"]


# --- #16: redirects --------------------------------------------------------------------------


def redirecting(server: Server, path: str, location: str, **spec_fields: object) -> FileSpec:
    server.redirects[path] = location
    return FileSpec(SDN, f"{server.url}{path}", "csv", **spec_fields)  # type: ignore[arg-type]


def test_redirect_on_the_same_host_is_followed_and_recorded(server: Server) -> None:
    moved = redirecting(server, "/r/moved", "/ok/SDN_COMMENTS.CSV")
    payload = fast().fetch("us_ofac_sdn", moved, None)
    assert payload is not None and len(payload.data) == 25_895
    assert (payload.url, payload.final_url) == (moved.url, f"{server.url}/ok/SDN_COMMENTS.CSV")


@pytest.mark.parametrize(
    ("location", "hosts", "refusal"),
    [
        # another host (here the same machine under another name): not a publisher host
        (
            "http://localhost:{port}/ok/SDN.CSV",
            (),
            r"localhost is not a publisher host of this source",
        ),
        ("https://mirror.example.org/SDN.CSV", (), r"mirror\.example\.org is not a publisher host"),
        # the cloud metadata service, even when a host list names it
        (
            "http://169.254.169.254/latest/meta-data/",
            ("169.254.169.254",),
            r"169\.254\.169\.254 resolves to link-local address 169\.254\.169\.254",
        ),
        (
            "https://10.0.0.7/SDN.CSV",
            ("10.0.0.7",),
            r"resolves to private or reserved address 10\.0\.0\.7",
        ),
        ("file:///etc/passwd", (), r"refused redirect to file:///etc/passwd: only https URLs"),
    ],
    ids=["cross-host", "cross-host-https", "link-local", "private", "file"],
)
def test_redirect_off_the_publisher_is_refused(
    server: Server, location: str, hosts: tuple[str, ...], refusal: str
) -> None:
    port = urlsplit(server.url).port
    path = f"/r/{len(server.redirects)}"
    target = location.format(port=port)
    with pytest.raises(FetchError, match=refusal) as refused:
        fast().fetch("us_ofac_sdn", redirecting(server, path, target, hosts=hosts), None)
    assert str(refused.value).startswith(f"{server.url}{path}: refused redirect to {target}")
    assert refused.value.cause in ("redirect", "refused")
    assert server.hits[path] == 1  # refused at once, never retried


def test_redirect_loop_and_long_chains_are_refused(server: Server) -> None:
    loop = redirecting(server, "/r/a", "/r/b")
    server.redirects["/r/b"] = "/r/a"
    with pytest.raises(FetchError, match=r"/r/a: redirect loop: .*/r/a -> .*/r/b -> .*/r/a$"):
        fast().fetch("us_ofac_sdn", loop, None)
    for step in range(8):
        server.redirects[f"/r/chain{step}"] = f"/r/chain{step + 1}"
    with pytest.raises(FetchError, match=r"/r/chain0: more than 5 redirects: ") as chain:
        fast().fetch("us_ofac_sdn", FileSpec(SDN, f"{server.url}/r/chain0", "csv"), None)
    assert chain.value.cause == "redirect"


def test_loopback_is_refused_outside_tests(server: Server) -> None:
    before = len(server.requests)
    production = LiveFetcher(max_attempts=1)
    with pytest.raises(FetchError, match=r"refused .*127\.0\.0\.1 resolves to loopback address"):
        production.fetch("us_ofac_sdn", spec(server, "ok"), None)
    assert len(server.requests) == before  # not even contacted


# --- #16: raw archive written safely and verified before reuse --------------------------------


def test_truncated_archive_is_never_reused_on_304(server: Server, tmp_path: Path) -> None:
    data_dir = DataDir(root=str(tmp_path))
    fetcher = fast()
    first = fetcher.fetch("us_ofac_sdn", spec(server, "ok", "ALT.CSV"), None)
    assert first is not None
    path, _ = data_dir.archive(first)
    original = first.data  # read from the archived copy, which `first` names now
    intact = data_dir.previous_fetch("us_ofac_sdn", "ALT.CSV")
    assert intact is not None and intact.sha256 == first.sha256
    path.chmod(0o644)
    path.write_bytes(original[:100_000])  # the raw archive file is cut
    # the storage does not offer the damaged copy for a conditional request...
    assert data_dir.previous_fetch("us_ofac_sdn", "ALT.CSV") is None
    # ...and the fetcher, offered it anyway, gets a 304 but fetches again unconditionally
    again = fetcher.fetch("us_ofac_sdn", spec(server, "ok", "ALT.CSV"), intact)
    assert again is not None and not again.not_modified and again.data == original
    assert server.requests[-2].get("if-none-match") == first.etag
    assert "if-none-match" not in server.requests[-1]
    # archiving the good bytes repairs the damaged copy (through a temporary file)
    repaired_path, rewritten = data_dir.archive(again)
    assert repaired_path == path and rewritten and path.read_bytes() == original
    log = (tmp_path / "raw" / "us_ofac_sdn" / "fetch_log.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["repaired_archive"] is True
    assert data_dir.previous_fetch("us_ofac_sdn", "ALT.CSV") is not None


def test_archive_goes_through_a_temporary_file(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = DataDir(root=str(tmp_path))
    folder = data_dir.incoming("us_ofac_sdn")
    served = (server.root / "SDN_COMMENTS.CSV").read_bytes()

    def crash(fd: int) -> None:
        raise OSError("disk gone")

    # the body streams into the archive folder and is fsynced before it becomes a payload: a
    # crash there leaves no temporary file
    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk gone"):
        fast().fetch("us_ofac_sdn", spec(server, "ok", "SDN_COMMENTS.CSV"), None, folder)
    assert list(folder.iterdir()) == []
    monkeypatch.undo()
    payload = fast().fetch("us_ofac_sdn", spec(server, "ok", "SDN_COMMENTS.CSV"), None, folder)
    assert payload is not None and payload.temporary
    assert payload.path.parent == folder and payload.path.name.startswith(".fetch-")
    assert (payload.size, payload.data) == (len(served), served)
    # a file owned by someone else (a shipped snapshot) is copied through a temporary file: a
    # crash before the rename leaves nothing under the final name, and no temporary file
    shipped = SnapshotFetcher().fetch("us_ofac_sdn", us_ofac_sdn.CSV_FILES[0], None)
    assert shipped is not None and not shipped.temporary
    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk gone"):
        data_dir.archive(shipped)
    assert list(folder.iterdir()) == [payload.path]
    monkeypatch.undo()
    # the streamed file is linked under its final name (the same inode: no byte copied), its
    # temporary name is gone and the payload names the archived copy
    inode = payload.path.stat().st_ino
    path, new = data_dir.archive(payload)
    assert new and path.read_bytes() == served and path.stat().st_ino == inode
    assert (payload.path, payload.temporary) == (path, False)
    assert path.stat().st_mode & 0o777 == 0o444  # read-only: never written in place
    assert sorted(p.name for p in folder.iterdir()) == sorted([path.name, "fetch_log.jsonl"])
    # the shipped file is copied, never linked nor made read-only: it stays the repo's own
    copied, _ = data_dir.archive(shipped)
    assert copied.stat().st_ino != shipped.path.stat().st_ino
    assert shipped.path.stat().st_mode & 0o200


# --- #10: the UK list's links move -------------------------------------------------------------

PAGE = "the-uk-sanctions-list.html"
ASSETS = "https://assets.publishing.service.gov.uk"


def test_links_are_picked_on_the_publication_page_by_file_type(fixtures: Path) -> None:
    html = (fixtures / "gb_fcdo" / PAGE).read_bytes()
    page = PUBLICATION_PAGE
    assert link_on_page(page, html, gb_fcdo.XML_FILES[0]) == (
        f"{ASSETS}/media/67fd0c2e9a1b8b6f8d2b1a10/UK-Sanctions-List.xml"
    )
    assert link_on_page(page, html, gb_fcdo.CSV_FILES[0]) == (
        f"{ASSETS}/media/67fd0c2e9a1b8b6f8d2b1a11/UK-Sanctions-List.csv"
    )
    # renamed but alone of its type: still found; two of a type and none by name: refused
    renamed = html.replace(b"a10/UK-Sanctions-List.xml", b"a10/UK_Sanctions_List_2026.xml")
    assert link_on_page(page, renamed, gb_fcdo.XML_FILES[0]).endswith("/UK_Sanctions_List_2026.xml")
    two = renamed.replace(b"a13/UK-Sanctions-List.json", b"a13/UK-Sanctions-List-Welsh.xml")
    with pytest.raises(FetchError, match=r"2 \.xml links and none named UK-Sanctions-List\.xml"):
        link_on_page(page, two, gb_fcdo.XML_FILES[0])
    with pytest.raises(FetchError, match=r"no \.xml link on the page") as none:
        link_on_page(
            page, b"<html><body><a href='/x.pdf'>x</a></body></html>", gb_fcdo.XML_FILES[0]
        )
    assert none.value.cause == "not_found_on_page"


def test_failed_direct_url_falls_back_to_the_publication_page(
    server: Server, snapshots: Path, fixtures: Path
) -> None:
    html = (fixtures / "gb_fcdo" / PAGE).read_bytes().replace(ASSETS.encode(), server.url.encode())
    server.pages["/government/publications/the-uk-sanctions-list"] = html
    media = "/media/67fd0c2e9a1b8b6f8d2b1a10/UK-Sanctions-List.xml"
    server.files[media] = fixtures / "gb_fcdo" / "UK-Sanctions-List.xml"
    xml = gb_fcdo.XML_FILES[0]
    fetcher = fast(
        url_overrides={"gb_fcdo/UK-Sanctions-List.xml": f"{server.url}/docs/UK-Sanctions-List.xml"},
        page_overrides={"gb_fcdo": f"{server.url}/government/publications/the-uk-sanctions-list"},
    )
    payload = fetcher.fetch("gb_fcdo", xml, None)
    assert payload is not None
    assert payload.data == server.files[media].read_bytes()
    assert (payload.url, payload.found_on) == (
        f"{server.url}{media}",
        f"{server.url}/government/publications/the-uk-sanctions-list",
    )
    assert [r["path"] for r in server.requests[-3:]] == [
        "/docs/UK-Sanctions-List.xml",
        "/government/publications/the-uk-sanctions-list",
        media,
    ]
    # the page's link is gone too: both failures are named
    del server.files[media]
    with pytest.raises(
        FetchError, match=r"HTTP 404 \(link found on .* after the direct URL failed"
    ):
        fetcher.fetch("gb_fcdo", xml, None)


def test_every_list_has_publisher_hosts_and_size_limits() -> None:
    from assets import eu_fsf, gb_ofsi, un_sc, us_csl

    lists = (us_ofac_sdn, us_ofac_cons, us_csl, un_sc, gb_fcdo, gb_ofsi, eu_fsf)
    for module in lists:
        source = module.SPEC.source
        assert source in publishers.MAX_BYTES and source in publishers.HOSTS
        for fmt in module.SPEC.formats:
            for file in fmt.files:
                # the file's own host, and its page's, are publisher hosts of the source
                assert urlsplit(file.url).hostname in publishers.HOSTS[source], file.url
                assert file.page is None or urlsplit(file.page).hostname in publishers.HOSTS[source]
    assert publishers.max_bytes("un_sc", "consolidated.xml") == 2_215_552 * 10
    assert publishers.max_bytes("us_ofac_sdn", "SDN.CSV") == 290_000_000
    assert publishers.max_bytes("us_ofac_sdn", "SDN_ENHANCED.XML") == 1_054_189_910
    assert publishers.max_bytes("eurostat_comext", "x.csv") == publishers.DEFAULT_MAX_BYTES
