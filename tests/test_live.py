"""Live mode end to end, for every list, against a local HTTP server serving the real snapshots.

The server stands in for today's publishers (#10): OFAC's firewall rule is on for every request,
OFAC answers its documented `api/download/{file}` with a redirect to a signed URL, the CSL
download is cut short on the first run, the FCDO's direct URLs answer 404 and its files are
linked from the gov.uk publication page, and every file carries an ETag so the next run gets
304. Each list's real ingest (`assets.factory.ingest`: fetch, archive, parse, stage) runs with
the live fetcher, as the list's asset does.

Formats the snapshots do not hold (SDN.XML, the EU's 1.1 files, OFSI's 2022 CSV and XML…)
answer 404 and are declared optional here, as a publisher that does not serve them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import definitions
from assets.factory import IngestOutcome, SourceSpec, ingest
from assets.unchanged import current_files, payload_digest
from core.errors import FetchError
from resources.fetcher import DEFAULT_USER_AGENT, SnapshotFetcher
from resources.live import LiveFetcher
from resources.storage import DataDir
from tests.automation_defs import served_spec
from tests.conftest import FIXTURES, SNAPSHOTS
from tests.httpserver import Server, serve

PAGE_PATH = "/government/publications/the-uk-sanctions-list"
ASSETS = "https://assets.publishing.service.gov.uk"
CSL_PATH = "/downloadable_consolidated_screening_list/v1/consolidated.csv"
SOURCES = [module.SPEC.source for module in definitions.SOURCES]


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[Server, LiveFetcher, dict[str, SourceSpec]]]:
    with serve(SNAPSHOTS) as server:
        server.waf = True
        overrides: dict[str, str] = {}
        specs: dict[str, SourceSpec] = {}
        for module in definitions.SOURCES:
            spec = module.SPEC
            files = SnapshotFetcher().publication(spec.source)["files"]
            if spec.source == "gb_fcdo":  # the constructed sample below has both files
                files = {name: name for name in ("UK-Sanctions-List.xml", "UK-Sanctions-List.csv")}
            specs[spec.source] = served_spec(spec, files)
            for fmt in spec.formats:
                for file in fmt.files:
                    url = urlsplit(file.url)
                    query = f"?{url.query}" if url.query else ""
                    overrides[f"{spec.source}/{file.name}"] = server.url + url.path + query
                    if file.name not in files or spec.source == "gb_fcdo":
                        continue  # 404: not served (the FCDO's direct URLs have moved)
                    path = SNAPSHOTS / spec.source / files[file.name]
                    if url.path.startswith("/api/download/"):
                        # OFAC: the download endpoint redirects here, as to its bucket
                        server.files[f"/published/{file.name}"] = path
                    else:
                        server.files[url.path] = path
        page = (FIXTURES / "gb_fcdo" / "the-uk-sanctions-list.html").read_bytes()
        server.pages[PAGE_PATH] = page.replace(ASSETS.encode(), server.url.encode())
        # the shipped FCDO snapshot is an XML-only excerpt: serve the constructed sample written
        # in both layouts (tests/fixtures/gb_fcdo/README.md), as the live list has both files
        fcdo = FIXTURES / "gb_fcdo"
        server.files["/media/67fd0c2e9a1b8b6f8d2b1a10/UK-Sanctions-List.xml"] = (
            fcdo / "UK-Sanctions-List.xml"
        )
        server.files["/media/67fd0c2e9a1b8b6f8d2b1a11/UK-Sanctions-List.csv"] = (
            fcdo / "UK-Sanctions-List.csv"
        )
        fetcher = LiveFetcher(
            timeout_seconds=10,
            deadline_seconds=30,
            max_attempts=2,
            backoff_seconds=0.01,
            url_overrides=overrides,
            page_overrides={"gb_fcdo": server.url + PAGE_PATH},
            allow_loopback_http=True,
        )
        yield server, fetcher, specs


def raw_payloads(data_dir: DataDir, source: str) -> list[str]:
    folder = data_dir.raw / source
    names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    return [name for name in names if name != "fetch_log.jsonl"]


def test_live_mode_for_every_list(
    live: tuple[Server, LiveFetcher, dict[str, SourceSpec]], tmp_path: Path
) -> None:
    server, fetcher, specs = live
    data_dir = DataDir(root=str(tmp_path))
    assert set(specs) == set(SOURCES) == {
        "us_ofac_sdn", "us_ofac_cons", "us_csl", "un_sc", "gb_fcdo", "gb_ofsi", "eu_fsf",
    }  # fmt: skip

    # --- first run: the CSL download is cut short after 1,000,000 of its 1,386,578 bytes
    server.cut = {CSL_PATH}
    server.cut_at = 1_000_000
    first: dict[str, IngestOutcome] = {}
    for source in SOURCES:
        if source == "us_csl":
            with pytest.raises(FetchError) as cut:
                ingest(specs[source], fetcher, data_dir)
            assert cut.value.cause == "cut"
            assert str(cut.value).startswith(f"{server.url}{CSL_PATH}: gave up after 2 attempts")
            assert "Content-Length 1,386,578 bytes, received 1,000,000" in str(cut.value)
            # nothing archived as a payload, nothing staged: no publication
            assert raw_payloads(data_dir, source) == []
            assert data_dir.current_publication(source) is None
            continue
        first[source] = ingest(specs[source], fetcher, data_dir)
        assert not first[source].unchanged
    # every request passed the firewall rule with the default User-Agent
    assert {r["user-agent"] for r in server.requests} == {DEFAULT_USER_AGENT}

    counts = {
        s: o.meta["formats"][o.meta["primary_format"]]["entry_count"] for s, o in first.items()
    }
    assert counts == {
        "us_ofac_sdn": 13_821,
        # live: the Enhanced XML is canonical (the served CONS_ENHANCED.ZIP, 443 entries)
        "us_ofac_cons": 443,
        "un_sc": 1_003,
        "gb_fcdo": 9,
        "gb_ofsi": 4_688,
        "eu_fsf": 93,
    }
    assert first["us_ofac_cons"].meta["primary_format"] == "enhanced"
    # OFAC: the documented endpoint, redirected to the signed URL that was read
    sdn_log = [
        json.loads(line)
        for line in (data_dir.raw / "us_ofac_sdn" / "fetch_log.jsonl").read_text().splitlines()
    ]
    assert {(r["name"], r["url"].removeprefix(server.url)) for r in sdn_log} == {
        (name, f"/api/download/{name}")
        for name in ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")
    }
    assert all(
        "/published/" in r["final_url"] and "X-Amz-Expires" in r["final_url"] for r in sdn_log
    )
    # FCDO: the direct URLs answered 404; both files came from the links on the gov.uk page
    fcdo_files = {
        f["name"]: f["url"].removeprefix(server.url)
        for fmt in first["gb_fcdo"].meta["formats"].values()
        for f in fmt["files"]
    }
    assert fcdo_files == {
        "UK-Sanctions-List.xml": "/media/67fd0c2e9a1b8b6f8d2b1a10/UK-Sanctions-List.xml",
        "UK-Sanctions-List.csv": "/media/67fd0c2e9a1b8b6f8d2b1a11/UK-Sanctions-List.csv",
    }
    assert server.hits["/docs/UK-Sanctions-List.xml"] == 1
    assert server.hits[PAGE_PATH] == 2  # once per file

    # --- second run: the CSL is whole again; everything else answers 304
    server.cut = set()
    before = {source: raw_payloads(data_dir, source) for source in SOURCES}
    requests_before = len(server.requests)
    second = {source: ingest(specs[source], fetcher, data_dir) for source in SOURCES}
    csl = second.pop("us_csl")
    assert not csl.unchanged
    assert csl.meta["formats"]["csv"]["entry_count"] == 14_048  # distinct _id of 14,160 records
    assert len(raw_payloads(data_dir, "us_csl")) == 1
    for source, outcome in second.items():
        assert outcome.unchanged, source  # same publication: nothing parsed, nothing new
        assert outcome.publication_id == first[source].publication_id
        assert raw_payloads(data_dir, source) == before[source]
    conditional = [r for r in server.requests[requests_before:] if "if-none-match" in r]
    assert conditional, "the second run sent conditional requests"
    for source in second:
        log = (data_dir.raw / source / "fetch_log.jsonl").read_text().splitlines()
        last = [json.loads(line) for line in log][-len(raw_payloads(data_dir, source)) :]
        assert all(r["not_modified"] and not r["new_payload"] for r in last), source

    # --- third run: the CSL too is unchanged now
    assert ingest(specs["us_csl"], fetcher, data_dir).unchanged


def test_the_unchanged_check_asks_the_publisher_and_trusts_only_the_archive(
    live: tuple[Server, LiveFetcher, dict[str, SourceSpec]], tmp_path: Path
) -> None:
    """`cli.py run`'s check in live mode (assets/unchanged.py): each file is asked with the
    conditional request the sensors send, and an unchanged answer stands for the archived
    copy's sha256, so the digest equals the one the ingest recorded; a file changed at the
    publisher, a file never fetched, or a publisher down means the ingest runs."""
    server, fetcher, specs = live
    data_dir = DataDir(root=str(tmp_path))
    sources = [s for s in SOURCES if s != "us_csl"]  # the CSL is cut short in the test above
    # never ingested: nothing archived to stand for, the ingest must run
    assert current_files("un_sc", specs["un_sc"], fetcher, data_dir) is None
    recorded = {s: payload_digest(ingest(specs[s], fetcher, data_dir).files) for s in sources}
    archived = {s: raw_payloads(data_dir, s) for s in sources}

    requests_before = len(server.requests)
    found = {s: current_files(s, specs[s], fetcher, data_dir) for s in sources}
    assert {s: payload_digest(pairs or ()) for s, pairs in found.items()} == recorded
    assert all(pairs for pairs in found.values())
    assert dict(found["us_ofac_sdn"] or ()) == {  # type: ignore[arg-type]
        name: json.loads(line)["sha256"]
        for line in (data_dir.raw / "us_ofac_sdn" / "fetch_log.jsonl").read_text().splitlines()
        for name in [json.loads(line)["name"]]
    }
    asked = server.requests[requests_before:]
    # every served file was asked conditionally (304: no body came); the others asked are
    # the files not served (404) and the FCDO's publication page, where its links are read
    unconditional = {r["path"].split("?")[0] for r in asked if "if-none-match" not in r}
    served_paths = {p for p, _ in server.files.items()}
    assert PAGE_PATH in unconditional and not unconditional & served_paths
    assert {r["path"] for r in asked if "if-none-match" in r} >= {
        "/published/SDN.CSV?X-Amz-Expires=3600&X-Amz-Signature=" + "0" * 64,
        "/media/67fd0c2e9a1b8b6f8d2b1a10/UK-Sanctions-List.xml",
    }
    assert {s: raw_payloads(data_dir, s) for s in sources} == archived  # nothing fetched

    # SDN.CSV changes at the publisher: only the SDN list must be ingested
    sdn_path = "/published/SDN.CSV"
    served = server.files[sdn_path]
    server.files[sdn_path] = SNAPSHOTS / "us_ofac_sdn" / "2024-05-03" / "SDN.CSV"
    try:
        assert current_files("us_ofac_sdn", specs["us_ofac_sdn"], fetcher, data_dir) is None
        assert current_files("un_sc", specs["un_sc"], fetcher, data_dir) == found["un_sc"]
    finally:
        server.files[sdn_path] = served
    assert (
        current_files("us_ofac_sdn", specs["us_ofac_sdn"], fetcher, data_dir)
        == found["us_ofac_sdn"]
    )

    # the publisher is down: the check fails (the CLI then ingests, and the fetch retries)
    down = fetcher.model_copy(update={"url_overrides": {
        key: url.replace(server.url, "http://127.0.0.1:9") for key, url in fetcher.url_overrides.items()
    }, "max_attempts": 1})  # fmt: skip
    with pytest.raises(FetchError):
        current_files("un_sc", specs["un_sc"], down, data_dir)
