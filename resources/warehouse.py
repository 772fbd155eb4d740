"""DuckDB warehouse and published versions.

The warehouse file is rebuilt in a temporary file and swapped in with a rename, so no reader
ever sees half a table. A published version is written to a hidden folder, verified (row
counts and sha256 of every file re-read), made read-only, renamed into place, and only then
is `published/latest` switched — atomically, by replacing a symlink.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from dagster import ConfigurableResource

from resources.storage import dumps

MANIFEST = "manifest.json"
DATABASE = "sanctions.duckdb"
SCHEMA_VERSION = 1


class PublishPolicy(ConfigurableResource):
    """What may be published: a list that shrank by more than `max_shrink_fraction` since the
    last published version is held back unless `allow_shrink` is set for that run."""

    max_shrink_fraction: float = 0.10
    allow_shrink: bool = False


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_database(path: Path, tables: Mapping[str, pl.DataFrame], sql: str = "") -> None:
    """Write `tables` into a new DuckDB file at `path` (via a temp file and rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for name, df in tables.items():
            con.register("incoming", df.to_arrow())
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            con.unregister("incoming")
        if sql:
            con.execute(sql)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)


def _utc(df: pl.DataFrame) -> pl.DataFrame:
    """DuckDB hands time zones back as `Etc/UTC`; the tables declare `UTC`."""
    zoned = [n for n, t in df.schema.items() if isinstance(t, pl.Datetime) and t.time_zone]
    return df.with_columns(pl.col(n).dt.convert_time_zone("UTC") for n in zoned) if zoned else df


def read_database(path: Path, tables: list[str]) -> dict[str, pl.DataFrame]:
    """Read whole tables from a DuckDB file, opened read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: _utc(con.execute(f'SELECT * FROM "{name}"').pl()) for name in tables}
    finally:
        con.close()


@contextmanager
def exclusive(
    lock_path: Path, wait_seconds: float = 600.0, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold an exclusive lock so two publishing runs never interleave; wait, then fail clearly.

    `on_wait` is called once if the lock is busy (to say that this run is waiting).
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"another run holds {lock_path} (waited {wait_seconds:.0f}s); nothing was changed"
                    ) from exc
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def latest_manifest(published: Path) -> dict[str, Any] | None:
    manifest = published / "latest" / MANIFEST
    return json.loads(manifest.read_text()) if manifest.exists() else None


def inputs_hash(publications: pl.DataFrame, extra: str = "") -> str:
    """What a version is built from: the source publications (and other published content)."""
    ids = sorted(publications["publication_id"].to_list())
    return hashlib.sha256(json.dumps([SCHEMA_VERSION, ids, extra]).encode()).hexdigest()


def publish_version(
    published: Path,
    tables: Mapping[str, pl.DataFrame],
    sources: list[dict[str, Any]],
    inputs: str,
    sql: str = "",
    extra_files: Mapping[str, bytes] | None = None,
    extra_manifest: Mapping[str, Any] | None = None,
) -> tuple[str, Path]:
    """Write, verify and atomically expose a new version; returns (version, folder)."""
    _remove_stale(published)
    built = datetime.now(UTC)
    version = f"{built:%Y%m%dT%H%M%SZ}-{inputs[:8]}"
    final = published / version
    tmp = published / f".{version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files: dict[str, dict[str, Any]] = {}
    for name, df in tables.items():
        path = tmp / f"{name}.parquet"
        df.write_parquet(path, compression="zstd", statistics=True)
        files[name] = {"file": path.name, "rows": df.height}
    write_database(tmp / DATABASE, tables, sql)
    for name, data in (extra_files or {}).items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)
    _verify(tmp, tables)
    manifest = {
        "version": version,
        "built_at": built.isoformat(),
        "schema_version": SCHEMA_VERSION,
        "inputs_hash": inputs,
        "sources": sources,
        "tables": {
            name: {**entry, "sha256": sha256_file(tmp / entry["file"])}
            for name, entry in files.items()
        },
        "database": {"file": DATABASE, "sha256": sha256_file(tmp / DATABASE)},
        "files": {name: sha256_file(tmp / name) for name in (extra_files or {})},
        **(extra_manifest or {}),
    }
    (tmp / MANIFEST).write_text(dumps(manifest))
    for path in tmp.rglob("*"):
        if path.is_file():
            path.chmod(0o444)
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    os.rename(tmp, final)
    _switch_latest(published, version)
    return version, final


def _remove_stale(published: Path) -> None:
    """Remove what a killed run left half-written (callers hold the pipeline lock)."""
    for path in published.glob(".*.tmp"):
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path)


def _verify(folder: Path, tables: Mapping[str, pl.DataFrame]) -> None:
    """Re-read what was written: every table in parquet and DuckDB has the rows it should."""
    con = duckdb.connect(str(folder / DATABASE), read_only=True)
    try:
        for name, df in tables.items():
            in_db = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            in_parquet = (
                pl.scan_parquet(folder / f"{name}.parquet").select(pl.len()).collect().item()
            )
            if in_db is None or in_db[0] != df.height or in_parquet != df.height:
                raise RuntimeError(
                    f"verification failed for {name}: expected {df.height}, "
                    f"duckdb {in_db}, parquet {in_parquet}; version not published"
                )
    finally:
        con.close()


def _switch_latest(published: Path, version: str) -> None:
    link = published / "latest"
    tmp = published / f".latest.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(version, target_is_directory=True)
    os.replace(tmp, link)
    directory = os.open(published, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def verify_published(folder: Path) -> list[str]:
    """Problems found re-hashing a published version against its manifest (empty list: intact)."""
    manifest = json.loads((folder / MANIFEST).read_text())
    problems = []
    entries = [(t["file"], t["sha256"]) for t in manifest["tables"].values()]
    entries.append((manifest["database"]["file"], manifest["database"]["sha256"]))
    entries += list(manifest.get("files", {}).items())
    for file, expected in entries:
        path = folder / file
        if not path.exists():
            problems.append(f"{file}: missing")
        elif sha256_file(path) != expected:
            problems.append(f"{file}: sha256 differs from manifest")
    return problems
