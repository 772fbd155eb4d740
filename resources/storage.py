"""The data directory of CONTRACT.md: raw archive, staging, warehouse and published versions.

Raw payloads are stored once, byte for byte, named with fetch time and sha256, and never
overwritten (a copy found damaged is replaced). A live payload arrives as a temporary file the
fetcher streamed into the source's archive folder (`DataDir.incoming`): it is hard-linked under
its final name and its temporary name removed, so nothing is copied or read into memory. A file
owned by someone else (a shipped snapshot) is copied in blocks through a temporary file and
fsync. A payload whose sha256 was archived before is not stored again; the fetch is appended to
the source's fetch log instead, so every fetch stays on record.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource

from resources.fetcher import Payload, PreviousFetch
from resources.parts import remove_stale

DEFAULT_DATA_DIR = "data"


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _store_raw(path: Path, payload: Payload, replace: bool = False) -> None:
    """Put `payload`'s file at `path`, read-only, never overwriting another payload.

    A temporary payload (already fsynced by the fetcher) is hard-linked into place; one on
    another filesystem, or a file owned by someone else (a shipped snapshot), is copied in blocks
    to a temporary file beside `path` and fsynced first. A new file is linked into place, which
    fails if `path` exists: an archived payload is never overwritten. `replace` swaps a damaged
    copy for the good bytes by an atomic rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _beside(path, payload) if payload.temporary else None
    if tmp is None:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle, open(payload.path, "rb") as source:
                shutil.copyfileobj(source, handle, 1 << 20)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    try:
        os.chmod(tmp, 0o444)  # a raw payload is never written again
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        payload.discard()
    _fsync_dir(path.parent)


def _beside(path: Path, payload: Payload) -> Path | None:
    """A new name for `payload`'s temporary file in `path`'s folder (a hard link: no bytes move),
    or None when it lies on another filesystem and must be copied."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.unlink(name)
    try:
        os.link(payload.path, name)
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            return None
        raise
    return Path(name)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _intact(path: Path, sha256: str | None) -> bool:
    """`path` exists and its bytes hash to `sha256` (streamed: archives can be large)."""
    if sha256 is None:
        return path.is_file()
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=_json_default)


class DataDir(ConfigurableResource):
    """Root of everything a run writes (`SANCTIONS_DATA_DIR`, default `./data`)."""

    root: str = DEFAULT_DATA_DIR

    @property
    def path(self) -> Path:
        return Path(self.root).resolve()

    @property
    def raw(self) -> Path:
        return self.path / "raw"

    @property
    def staging(self) -> Path:
        return self.path / "warehouse" / "staging"

    @property
    def warehouse_db(self) -> Path:
        return self.path / "warehouse" / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.path / "published"

    @property
    def lake(self) -> Path:
        return self.path / "warehouse" / "lake"

    @property
    def lock(self) -> Path:
        """Held while the history and the published versions change: runs never interleave."""
        return self.path / "warehouse" / ".pipeline.lock"

    # --- raw archive -------------------------------------------------------------------
    def incoming(self, source: str) -> Path:
        """Where a fetcher streams `source`'s bodies (temporary `.fetch-*.part` files): the
        archive folder itself, so archiving a payload is a link on the same filesystem.

        The temporary files a killed fetch left there (its process gone) are removed first
        (`resources.parts.remove_stale`)."""
        folder = self.raw / source
        remove_stale(folder)
        return folder

    def _fetch_log(self, source: str) -> Path:
        return self.raw / source / "fetch_log.jsonl"

    def find_raw(self, source: str, sha256: str) -> Path | None:
        """The archived payload whose name carries `sha256` (its bytes are not checked here)."""
        folder = self.raw / source
        if not folder.is_dir():
            return None
        for path in sorted(folder.glob(f"*_{sha256}_*")):
            if not path.name.endswith(".json") and not path.name.startswith("."):
                return path
        return None

    def archive(self, payload: Payload) -> tuple[Path, bool]:
        """Store `payload` under raw/<source>/; returns (path, newly_written).

        A temporary payload is hard-linked into place and its temporary name removed (the
        fetcher wrote and fsynced it in this folder); any other file is copied through a
        temporary file and fsync. Either way a no-overwrite link puts it under its final name,
        so a crash never leaves half a payload there. A payload archived before is not stored
        again (its temporary file is removed), unless the archived copy no longer matches its
        sha256: then it is replaced by an atomic rename and the fetch log says so. A temporary
        payload's `path` then names the archived copy.
        """
        existing = self.find_raw(payload.source, payload.sha256)
        repaired = (
            existing is not None
            and existing != payload.path
            and not _intact(existing, payload.sha256)
        )
        if existing is None:
            stamp = payload.fetched_at.strftime("%Y%m%dT%H%M%S%fZ")
            path = self.raw / payload.source / f"{stamp}_{payload.sha256}_{payload.name}"
            _store_raw(path, payload)
        else:
            path = existing
            if repaired:
                _store_raw(path, payload, replace=True)
            else:
                payload.discard()
        if payload.temporary:  # its file is gone: the archived copy holds the same bytes
            payload.path, payload.temporary = path, False
        newly_written = existing is None or repaired
        record = {k: v for k, v in asdict(payload).items() if k not in ("path", "temporary")}
        record.update(sha256=payload.sha256, size=payload.size, path=str(path))
        record["new_payload"] = existing is None
        if repaired:
            record["repaired_archive"] = True
        self._fetch_log(payload.source).parent.mkdir(parents=True, exist_ok=True)
        with open(self._fetch_log(payload.source), "a", encoding="utf-8") as log:
            log.write(json.dumps(record, sort_keys=True, default=_json_default) + "\n")
            log.flush()
            os.fsync(log.fileno())
        return path, newly_written

    def previous_fetch(self, source: str, name: str) -> PreviousFetch | None:
        """The last archived live fetch of `name`, for conditional requests (ETag/Last-Modified).

        None when there is none, or when its archived bytes are gone or no longer match their
        recorded sha256: the next fetch is then unconditional, so a damaged archive is never
        reused on a 304.
        """
        log = self._fetch_log(source)
        if not log.exists():
            return None
        last = None
        for line in log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["name"] == name and record["mode"] == "live":
                last = record
        if last is None or not _intact(Path(last["path"]), last.get("sha256")):
            return None
        published = last.get("published_at")
        return PreviousFetch(
            path=Path(last["path"]),
            etag=last.get("etag"),
            last_modified=last.get("last_modified"),
            published_at=date.fromisoformat(published) if published else None,
            sha256=last.get("sha256"),
        )

    # --- staging -------------------------------------------------------------------------
    def staging_dir(self, source: str, publication_id: str) -> Path:
        return self.staging / source / publication_id

    def current_publication(self, source: str) -> str | None:
        pointer = self.staging / source / "CURRENT"
        return pointer.read_text().strip() if pointer.exists() else None

    def set_current_publication(self, source: str, publication_id: str) -> None:
        atomic_write(self.staging / source / "CURRENT", publication_id.encode())
