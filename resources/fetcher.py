"""Fetching source files: one interface, two implementations (live HTTP and shipped snapshots).

Assets ask the `fetcher` resource for a named file of a source; they never know whether the
bytes came from the publisher's official URL or from the snapshot folder shipped in the repo.
Every payload says which mode produced it and which publication date it carries. The live
fetcher (HTTP) is in `resources/live.py`.

A payload is a file on disk, never bytes held in memory: the live fetcher streams each body
into a temporary file in the folder the caller names (the source's raw archive folder, so
archiving it is a rename), the snapshot fetcher points at the shipped file. Its sha256 and size
are computed while it is written (or streamed from the file), so a release of gigabytes costs
no more memory than a list of kilobytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dagster import ConfigurableResource

from core.errors import FetchError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOT_DIR = REPO_ROOT / "snapshots"
# OFAC's firewall (since 2026-07-30) refuses a User-Agent that does not begin with `Mozilla/` and
# a digit, or is shorter than 40 characters. This one passes and still names the client.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (compatible; sanctions-etl/0.2; open-source sanctions data pipeline)"
)
USER_AGENT_ENV = "SANCTIONS_USER_AGENT"


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
    # largest accepted size after HTTP decompression; None: the source's limit in
    # resources/publishers.py (largest real file × 10)
    max_bytes: int | None = None
    # more hosts a redirect may lead to, besides the URL's own and resources/publishers.HOSTS
    hosts: tuple[str, ...] = ()
    # publication page linking the file: searched (by file type) when the direct URL fails
    page: str | None = None


def file_digest(path: Path) -> tuple[str, int]:
    """(sha256, size) of the file at `path`, streamed (a file of gigabytes is never held)."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        return digest.hexdigest(), os.fstat(handle.fileno()).st_size


@dataclass
class Payload:
    """One fetched file on disk (`path`), with everything needed to trace and replay it.

    `temporary`: `path` is this fetch's own temporary file, which `DataDir.archive` links into
    the raw archive, pointing `path` at the archived copy (or `discard` removes); otherwise it
    belongs to someone else (a shipped snapshot, the archived copy a 304 reuses) and is only
    ever read or copied. Not frozen for that one reason: archiving moves the file.
    """

    source: str
    name: str
    path: Path
    sha256: str
    size: int
    url: str
    mode: str  # live | snapshot
    fetched_at: datetime
    published_at: date | None
    published_basis: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    final_url: str | None = None  # the URL read at last, after redirects (live)
    found_on: str | None = None  # the publication page `url` was found on, if any
    temporary: bool = False

    @property
    def data(self) -> bytes:
        """The whole file, read now. For the lists' files, bounded by their limit in
        `resources/publishers.py` (tens of MB at most); large trade files are read from `path`
        by streaming parsers."""
        return self.path.read_bytes()

    def discard(self) -> None:
        """Remove this fetch's temporary file (a payload that will not be archived)."""
        if self.temporary:
            self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class PreviousFetch:
    """What the archive remembers of the last fetch of a file (for conditional requests)."""

    path: Path
    etag: str | None
    last_modified: str | None
    published_at: date | None
    sha256: str | None = None  # of the archived bytes: a 304 reuses them only if they match


@dataclass(frozen=True)
class Probe:
    """What a cheap check of one file found: whether it changed since `previous`, and a token
    naming the version the publisher serves now (ETag, else Last-Modified, else sha256)."""

    name: str
    changed: bool
    token: str  # "absent" when the file is not published


class Fetcher(ConfigurableResource):
    """Interface: return the payload of `spec` for `source`, or None if this mode lacks it.

    `folder` is where a fetcher that downloads writes the body (a temporary file): callers that
    archive pass `DataDir.incoming(source)`, on the archive's own filesystem. None: the
    system's temporary folder.
    """

    def fetch(
        self,
        source: str,
        spec: FileSpec,
        previous: PreviousFetch | None,
        folder: Path | None = None,
    ) -> Payload | None:
        raise NotImplementedError

    def probe(self, source: str, spec: FileSpec, previous: PreviousFetch | None) -> Probe:
        """Has `spec`'s file changed since `previous`? This default reads the file (snapshots
        are local) and compares its sha256; the live fetcher asks the publisher conditionally."""
        payload = self.fetch(source, spec, previous)
        if payload is None:
            return Probe(spec.name, False, "absent")
        payload.discard()
        changed = previous is None or previous.sha256 != payload.sha256
        return Probe(spec.name, changed, payload.sha256)

    @property
    def mode(self) -> str:
        raise NotImplementedError


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

    def fetch(
        self,
        source: str,
        spec: FileSpec,
        previous: PreviousFetch | None,
        folder: Path | None = None,
    ) -> Payload | None:
        """The shipped file itself (`folder` is not used: nothing is downloaded)."""
        publication = self.publication(source)
        relative = publication["files"].get(spec.name)
        if relative is None:
            return None
        path = Path(self.root) / source / relative
        # a file of another publication, shipped beside the entry's own as a cross-check,
        # carries its own date (`file_dates`)
        published = publication.get("file_dates", {}).get(spec.name, publication["published_at"])
        sha256, size = file_digest(path)
        return Payload(
            source=source,
            name=spec.name,
            path=path,
            sha256=sha256,
            size=size,
            url=f"snapshot://{relative}",
            mode="snapshot",
            fetched_at=datetime.now(UTC),
            published_at=date.fromisoformat(published),
            published_basis=publication["published_basis"],
        )
