"""Fetching source files: one interface, two implementations (live HTTP and shipped snapshots).

Assets ask the `fetcher` resource for a named file of a source; they never know whether the
bytes came from the publisher's official URL or from the snapshot folder shipped in the repo.
Every payload says which mode produced it and which publication date it carries.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
from dagster import ConfigurableResource, get_dagster_logger

from core.errors import FetchError, SourceFormatError
from core.sniff import check_payload

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOT_DIR = REPO_ROOT / "snapshots"
USER_AGENT = "sanctions-etl/0.1 (+https://github.com/; open-source sanctions data pipeline)"


@dataclass(frozen=True)
class FileSpec:
    """One file a source publishes: its official name and URL, and what kind of bytes to expect."""

    name: str
    url: str
    kind: str  # csv | xml | xlsx | json | zip | gz
    # required: the publisher serves it (live: a 404 fails the fetch); optional files answering
    # 404/410 are treated as not published. history_optional: an old snapshot may lack it.
    required: bool = True
    history_optional: bool = False


@dataclass(frozen=True)
class Payload:
    """Bytes of one fetched file, with everything needed to trace and replay it."""

    source: str
    name: str
    data: bytes
    url: str
    mode: str  # live | snapshot
    fetched_at: datetime
    published_at: date | None
    published_basis: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class PreviousFetch:
    """What the archive remembers of the last fetch of a file (for conditional requests)."""

    path: Path
    etag: str | None
    last_modified: str | None
    published_at: date | None


class Fetcher(ConfigurableResource):
    """Interface: return the payload of `spec` for `source`, or None if this mode lacks it."""

    def fetch(self, source: str, spec: FileSpec, previous: PreviousFetch | None) -> Payload | None:
        raise NotImplementedError

    @property
    def mode(self) -> str:
        raise NotImplementedError


class LiveFetcher(Fetcher):
    """Fetches the official URLs with timeouts, retries with backoff and conditional requests.

    A 5xx answer, a timeout or a dropped connection is retried up to `max_attempts` times with
    exponential backoff; a 304 reuses the archived bytes; an HTML page served with status 200
    is refused rather than parsed as data.
    """

    timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 15.0
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 60.0
    url_overrides: dict[str, str] = {}

    @property
    def mode(self) -> str:
        return "live"

    def fetch(self, source: str, spec: FileSpec, previous: PreviousFetch | None) -> Payload | None:
        url = self.url_overrides.get(f"{source}/{spec.name}", spec.url)
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        if previous is not None:
            if previous.etag:
                headers["If-None-Match"] = previous.etag
            if previous.last_modified:
                headers["If-Modified-Since"] = previous.last_modified
        timeout = httpx.Timeout(self.timeout_seconds, connect=self.connect_timeout_seconds)
        log = get_dagster_logger()
        last_error = "no attempt made"
        with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client:
            for attempt in range(1, self.max_attempts + 1):
                try:
                    response = client.get(url)
                except httpx.TimeoutException as exc:
                    last_error = f"timed out ({type(exc).__name__})"
                except httpx.TransportError as exc:
                    last_error = f"transport error: {exc}"
                else:
                    if response.status_code == 304 and previous is not None:
                        return self._not_modified(source, spec, url, previous, response)
                    if response.status_code == 200:
                        return self._payload(source, spec, url, response)
                    last_error = f"HTTP {response.status_code}"
                    if response.status_code in (404, 410) and not spec.required:
                        log.info(f"{url}: HTTP {response.status_code}; optional file not published")
                        return None
                    if response.status_code < 500 and response.status_code != 429:
                        raise FetchError(url, last_error)
                if attempt < self.max_attempts:
                    delay = min(self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds)
                    log.warning(
                        f"{url}: {last_error}; retry {attempt}/{self.max_attempts - 1} in {delay:.1f}s"
                    )
                    time.sleep(delay)
        raise FetchError(url, f"gave up after {self.max_attempts} attempts: {last_error}")

    def _payload(self, source: str, spec: FileSpec, url: str, response: httpx.Response) -> Payload:
        data = response.content
        content_type = response.headers.get("content-type", "")
        if "text/html" in content_type and spec.kind != "html":
            raise FetchError(url, f"served {content_type!r} instead of {spec.kind}: refused")
        try:
            if spec.kind in ("csv", "xml", "json"):
                check_payload(spec.name, data)
        except SourceFormatError as exc:
            raise FetchError(url, str(exc)) from exc
        last_modified = response.headers.get("last-modified")
        published = _http_date(last_modified)
        return Payload(
            source=source,
            name=spec.name,
            data=data,
            url=url,
            mode="live",
            fetched_at=datetime.now(UTC),
            published_at=published,
            published_basis="HTTP Last-Modified" if published else "unknown",
            etag=response.headers.get("etag"),
            last_modified=last_modified,
        )

    def _not_modified(
        self,
        source: str,
        spec: FileSpec,
        url: str,
        previous: PreviousFetch,
        response: httpx.Response,
    ) -> Payload:
        return Payload(
            source=source,
            name=spec.name,
            data=previous.path.read_bytes(),
            url=url,
            mode="live",
            fetched_at=datetime.now(UTC),
            published_at=previous.published_at,
            published_basis="HTTP 304 (unchanged since archived copy)",
            etag=response.headers.get("etag", previous.etag),
            last_modified=response.headers.get("last-modified", previous.last_modified),
            not_modified=True,
        )


def _http_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


class SnapshotFetcher(Fetcher):
    """Reads files from a snapshot folder described by its `catalog.json`.

    Each source has a folder `<root>/<source>/` whose `catalog.json` lists the publications it
    holds (publication date, how that date is known, and the file for each official file name,
    relative to that folder). By default the newest complete publication is served (a catalog
    entry marked `"complete": false` lacks files the publisher serves and is kept for
    history); `pins` selects another by its date. `file_dates` gives the date of a file that
    belongs to another publication than the entry's.
    """

    root: str = str(DEFAULT_SNAPSHOT_DIR)
    pins: dict[str, str] = {}

    @property
    def mode(self) -> str:
        return "snapshot"

    def publication(self, source: str) -> dict:
        path = Path(self.root) / source / "catalog.json"
        publications = json.loads(path.read_text())["publications"] if path.exists() else []
        if not publications:
            raise FetchError(f"snapshot://{source}", f"no snapshot of {source} in {self.root}")
        pin = self.pins.get(source)
        if pin:
            chosen = [p for p in publications if p["published_at"] == pin]
            if not chosen:
                dates = ", ".join(p["published_at"] for p in publications)
                raise FetchError(
                    f"snapshot://{source}", f"no publication dated {pin} (have {dates})"
                )
            return chosen[0]
        complete = [p for p in publications if p.get("complete", True)]
        return max(complete or publications, key=lambda p: p["published_at"])

    def fetch(self, source: str, spec: FileSpec, previous: PreviousFetch | None) -> Payload | None:
        publication = self.publication(source)
        relative = publication["files"].get(spec.name)
        if relative is None:
            return None
        path = Path(self.root) / source / relative
        # a file of another publication, shipped beside the entry's own as a cross-check,
        # carries its own date (`file_dates`)
        published = publication.get("file_dates", {}).get(spec.name, publication["published_at"])
        return Payload(
            source=source,
            name=spec.name,
            data=path.read_bytes(),
            url=f"snapshot://{relative}",
            mode="snapshot",
            fetched_at=datetime.now(UTC),
            published_at=date.fromisoformat(published),
            published_basis=publication["published_basis"],
        )
