"""The data directory of CONTRACT.md: raw archive, staging, warehouse and published versions.

Raw payloads are written once, byte for byte, named with fetch time and sha256, and never
overwritten. A payload whose sha256 was archived before is not written again; the fetch is
appended to the source's fetch log instead, so every fetch stays on record.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource

from resources.fetcher import Payload, PreviousFetch

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
    def _fetch_log(self, source: str) -> Path:
        return self.raw / source / "fetch_log.jsonl"

    def find_raw(self, source: str, sha256: str) -> Path | None:
        folder = self.raw / source
        if not folder.is_dir():
            return None
        for path in folder.glob(f"*_{sha256}_*"):
            if not path.name.endswith(".json"):
                return path
        return None

    def archive(self, payload: Payload) -> tuple[Path, bool]:
        """Store `payload` under raw/<source>/; returns (path, newly_written)."""
        existing = self.find_raw(payload.source, payload.sha256)
        newly_written = existing is None
        if existing is None:
            stamp = payload.fetched_at.strftime("%Y%m%dT%H%M%S%fZ")
            path = self.raw / payload.source / f"{stamp}_{payload.sha256}_{payload.name}"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as handle:  # "x": never overwrite an archived payload
                handle.write(payload.data)
                handle.flush()
                os.fsync(handle.fileno())
        else:
            path = existing
        record = {k: v for k, v in asdict(payload).items() if k != "data"}
        record.update(sha256=payload.sha256, size=len(payload.data), path=str(path))
        record["new_payload"] = newly_written
        self._fetch_log(payload.source).parent.mkdir(parents=True, exist_ok=True)
        with open(self._fetch_log(payload.source), "a", encoding="utf-8") as log:
            log.write(json.dumps(record, sort_keys=True, default=_json_default) + "\n")
        return path, newly_written

    def previous_fetch(self, source: str, name: str) -> PreviousFetch | None:
        """The last archived fetch of `name`, for conditional requests (ETag/Last-Modified)."""
        log = self._fetch_log(source)
        if not log.exists():
            return None
        last = None
        for line in log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["name"] == name and record["mode"] == "live":
                last = record
        if last is None or not Path(last["path"]).exists():
            return None
        published = last.get("published_at")
        return PreviousFetch(
            path=Path(last["path"]),
            etag=last.get("etag"),
            last_modified=last.get("last_modified"),
            published_at=date.fromisoformat(published) if published else None,
        )

    # --- staging -------------------------------------------------------------------------
    def staging_dir(self, source: str, publication_id: str) -> Path:
        return self.staging / source / publication_id

    def current_publication(self, source: str) -> str | None:
        pointer = self.staging / source / "CURRENT"
        return pointer.read_text().strip() if pointer.exists() else None

    def set_current_publication(self, source: str, publication_id: str) -> None:
        atomic_write(self.staging / source / "CURRENT", publication_id.encode())
