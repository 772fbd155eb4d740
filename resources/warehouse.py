"""DuckDB warehouse and published versions.

A file whose bytes an earlier published version already holds is hard-linked from it, not
copied (`share_unchanged`): unchanged tables, charts and lake data files cost their disk space
once across versions, and every version folder still holds all of its files itself.

The warehouse file is rebuilt in a temporary file and swapped in with a rename, so no reader
ever sees half a table (`resources.duckdb_files`). A published version is written to a hidden
folder, verified (row counts and sha256 of every file re-read), made read-only (files and
folders), renamed into place, and only then are the pointers switched: `published/latest.json`
(version and the sha256 of its manifest) is replaced atomically, then the symlink
`published/latest`.

Readers that open more than one file must pin one version first: read `latest.json` (or
resolve the symlink once, `os.path.realpath`) and read every file from that version's folder
(`latest_folder`). Opening `latest/a.parquet` then `latest/b.parquet` can mix two versions if
a publish switches `latest` in between.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import ConfigurableResource

from resources.duckdb_files import write_database
from resources.storage import atomic_write, dumps

if TYPE_CHECKING:  # duckdb and polars are imported where used, not with the definitions
    import polars as pl

    from schemas.catalog import TableDoc

MANIFEST = "manifest.json"
DATABASE = "sanctions.duckdb"
LATEST = "latest"
LATEST_JSON = "latest.json"
SCHEMA_VERSION = 1
# `<build time>-<inputs hash prefix>`, with `-<n>` when two builds share a second
VERSION_NAME = re.compile(r"^(?P<built>\d{8}T\d{6}Z)-[0-9a-f]{8}(?:-(?P<n>\d+))?$")


class PublishPolicy(ConfigurableResource):
    """What may be published and what is kept.

    A list that shrank by more than `max_shrink_fraction` since the last published version is
    held back unless `allow_shrink` is set for that run. After each publish the newest
    `keep_versions` versions are kept (plus whatever `latest` points to); older ones are
    removed. The history lake keeps every publication regardless.
    """

    max_shrink_fraction: float = 0.10
    allow_shrink: bool = False
    keep_versions: int = 30


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    """The manifest `published/latest` points to (unverified; see `published_base`)."""
    manifest = published / LATEST / MANIFEST
    return json.loads(manifest.read_text()) if manifest.exists() else None


def latest_pointer(published: Path) -> dict[str, Any] | None:
    """`published/latest.json`: the latest version's name and its manifest's sha256."""
    path = published / LATEST_JSON
    return json.loads(path.read_text()) if path.exists() else None


def latest_folder(published: Path) -> Path | None:
    """The folder of the latest version, resolved once: the safe way for readers.

    Read every file of one query from the folder returned here, never through `latest/…`
    twice: a publish may switch `latest` in between. `latest.json` names the version (written
    atomically after the version folder is complete and verified); without it (a data
    directory from before it existed) the symlink is resolved once.
    """
    pointer = latest_pointer(published)
    if pointer is not None:
        return published / pointer["version"]
    link = published / LATEST
    return Path(os.path.realpath(link)) if link.exists() else None


def inputs_hash(publications: pl.DataFrame, extra: str = "") -> str:
    """What a version is built from: the source publications (and other published content)."""
    ids = sorted(publications["publication_id"].to_list())
    return hashlib.sha256(json.dumps([SCHEMA_VERSION, ids, extra]).encode()).hexdigest()


def _version_order(name: str) -> tuple[str, int, str]:
    match = VERSION_NAME.match(name)
    assert match is not None
    return match["built"], int(match["n"] or 1), name


def version_names(published: Path) -> list[str]:
    """Published version folders, oldest first (by build time, then build order)."""
    if not published.is_dir():
        return []
    names = [p.name for p in published.iterdir() if VERSION_NAME.match(p.name) and p.is_dir()]
    return sorted(names, key=_version_order)


def publish_version(
    published: Path,
    tables: Mapping[str, pl.DataFrame],
    sources: list[dict[str, Any]],
    inputs: str,
    sql: str = "",
    extra_files: Mapping[str, bytes] | None = None,
    extra_manifest: Mapping[str, Any] | None = None,
    linked_files: Mapping[str, Path] | None = None,
    docs: Mapping[str, TableDoc] | None = None,
    late: Callable[[], tuple[Mapping[str, pl.DataFrame], Mapping[str, bytes]]] | None = None,
    base_database: Path | None = None,
) -> tuple[str, Path]:
    """Write, verify and atomically expose a new version; returns (version, folder).

    `base_database`: a DuckDB file holding some of `tables` as they are (`write_database`'s
    `base`): the version's database starts as a copy of it.

    `late` gives more tables and files (after `tables`, `extra_files`), asked for once
    `tables` are written: the caller computes them meanwhile (in a thread). Its error fails
    the publish like any other.

    `linked_files` (name in the version -> existing immutable file) are hard-linked into the
    version (copied where a link is not possible, e.g. across file systems) and listed in the
    manifest like `extra_files`: the version then holds them itself.

    On any failure (disk full, a bad table) the half-written folder is removed and `latest`
    is left as it was.
    """
    _remove_stale(published)
    built = datetime.now(UTC)
    stamp = f"{built:%Y%m%dT%H%M%SZ}"
    # a second version built within the same second sorts after the first: `-2`, `-3`…
    same_second = [_version_order(n)[1] for n in version_names(published) if n.startswith(stamp)]
    n = max(same_second) + 1 if same_second else 1
    version = f"{stamp}-{inputs[:8]}" + (f"-{n}" if n > 1 else "")
    final = published / version
    tmp = published / f".{version}.tmp"
    remove_tree(tmp)
    tmp.mkdir(parents=True)
    try:
        files: dict[str, dict[str, Any]] = {}

        def write_parquet(batch: Mapping[str, pl.DataFrame]) -> None:
            for name, df in batch.items():
                path = tmp / f"{name}.parquet"
                df.write_parquet(path, compression="zstd", statistics=True)
                files[name] = {"file": path.name, "rows": df.height}

        more: dict[str, pl.DataFrame] = {}
        extras = dict(extra_files or {})

        def late_tables() -> Mapping[str, pl.DataFrame]:
            assert late is not None
            got, got_files = late()
            more.update(got)
            extras.update(got_files)
            write_parquet(got)
            return got

        write_parquet(tables)
        write_database(
            tmp / DATABASE, tables, sql, docs, late_tables if late else None, base_database
        )
        tables = {**tables, **more}
        for name, data in extras.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)
        for name, source in (linked_files or {}).items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, tmp / name)
            except OSError:  # another file system, or links not supported
                shutil.copyfile(source, tmp / name)
        _verify(tmp, tables)
        hashes = share_unchanged(published, tmp)
        manifest = {
            "version": version,
            "built_at": built.isoformat(),
            "schema_version": SCHEMA_VERSION,
            "inputs_hash": inputs,
            "sources": sources,
            "tables": {
                name: {**entry, "sha256": hashes[entry["file"]]} for name, entry in files.items()
            },
            "database": {"file": DATABASE, "sha256": hashes[DATABASE]},
            "files": {name: hashes[name] for name in [*extras, *(linked_files or {})]},
            **(extra_manifest or {}),
        }
        (tmp / MANIFEST).write_text(dumps(manifest))
        _seal(tmp)
        os.rename(tmp, final)
    except BaseException:
        remove_tree(tmp)
        raise
    switch_latest(published, version)
    return version, final


def _manifest_files(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(file, sha256) of every file a manifest lists."""
    entries = [(t["file"], t["sha256"]) for t in manifest["tables"].values()]
    entries.append((manifest["database"]["file"], manifest["database"]["sha256"]))
    return entries + list(manifest.get("files", {}).items())


def share_unchanged(published: Path, folder: Path) -> dict[str, str]:
    """Hard-link every file of the new version `folder` whose bytes an existing version already
    holds, instead of keeping a second copy; returns the sha256 of every file (by name).

    Candidates come from the manifests of the published versions (newest first), whatever the
    file's name there, and each is re-hashed before it is linked: a damaged file (its bytes no
    longer those of its manifest) is never shared into a new version. A version folder holds
    its files itself (links, not pointers elsewhere), so retention removing the older version
    removes a name, not the content, and a copied or moved folder (`cp -r`) is complete.
    Where a link is not possible (another file system, the link limit) the copy stays.
    """
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    hashes = {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}
    wanted = set(hashes.values())
    candidates: dict[str, list[Path]] = {}
    for name in reversed(version_names(published)):
        try:
            entries = _manifest_files(json.loads((published / name / MANIFEST).read_text()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # an unreadable manifest offers nothing to share
        for file, sha in entries:
            if sha in wanted:
                candidates.setdefault(sha, []).append(published / name / file)
    checked: dict[Path, str] = {}
    for path in files:
        sha = hashes[path.relative_to(folder).as_posix()]
        for candidate in candidates.get(sha, []):
            link = path.with_name(f".{path.name}.link")
            try:
                if os.path.samefile(candidate, path):
                    break  # already one file (e.g. a lake data file linked from the warehouse)
                if candidate.stat().st_size != path.stat().st_size:
                    continue
                if candidate not in checked:
                    checked[candidate] = sha256_file(candidate)
                if checked[candidate] != sha:
                    continue  # damaged since it was published: not shared
                link.unlink(missing_ok=True)
                os.link(candidate, link)
                os.replace(link, path)
                break
            except OSError:  # gone meanwhile, another file system, too many links…
                link.unlink(missing_ok=True)
                continue
    return hashes


def _seal(folder: Path) -> None:
    """Make every file and folder read-only and flush them to disk."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_file():
            path.chmod(0o444)
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        elif path.is_dir():
            path.chmod(0o555)
    folder.chmod(0o555)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def remove_tree(path: Path) -> None:
    """Remove a file or a (possibly read-only) folder; nothing if it is not there."""
    if path.is_symlink() or path.is_file():
        path.unlink()
        return
    if not path.exists():
        return
    for folder in [path, *(p for p in path.rglob("*") if p.is_dir() and not p.is_symlink())]:
        folder.chmod(folder.stat().st_mode | stat.S_IWUSR | stat.S_IXUSR)
    shutil.rmtree(path)


def _remove_stale(published: Path) -> None:
    """Remove what a killed run left half-written (callers hold the pipeline lock)."""
    for path in published.glob(".*.tmp"):
        remove_tree(path)


def remove_old_versions(published: Path, keep: int) -> list[str]:
    """Retention: keep the newest `keep` versions and whatever `latest` points to.

    Returns the versions removed. Callers hold the pipeline lock. The history lake is not
    touched: every publication stays there.
    """
    if keep < 1:
        raise ValueError(f"keep_versions must be at least 1, not {keep}")
    names = version_names(published)
    pinned = {os.path.basename(os.path.realpath(published / LATEST))}
    pointer = latest_pointer(published)
    if pointer is not None:
        pinned.add(pointer["version"])
    removed = [n for n in names[: max(len(names) - keep, 0)] if n not in pinned]
    for name in removed:
        remove_tree(published / name)
    if removed:
        _fsync_dir(published)
    return removed


def _verify(folder: Path, tables: Mapping[str, pl.DataFrame]) -> None:
    """Re-read what was written: every table in parquet and DuckDB has the rows it should."""
    import duckdb
    import polars as pl

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


def switch_latest(published: Path, version: str) -> None:
    """Point `latest.json` and then the `latest` symlink at `version` (each atomically).

    Also the way to roll `latest` back to an older version by hand (callers hold the
    pipeline lock)."""
    manifest_sha = sha256_file(published / version / MANIFEST)
    atomic_write(
        published / LATEST_JSON,
        dumps({"version": version, "manifest_sha256": manifest_sha}).encode(),
    )
    link = published / LATEST
    tmp = published / f".latest.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(version, target_is_directory=True)
    os.replace(tmp, link)
    _fsync_dir(published)


def repoint_latest(published: Path) -> None:
    """Make `latest.json` agree with the `latest` symlink (a run killed between the two, or a
    data directory from before `latest.json`)."""
    link = published / LATEST
    if not link.exists():
        return
    version = os.path.basename(os.path.realpath(link))
    pointer = latest_pointer(published)
    manifest_sha = sha256_file(published / version / MANIFEST)
    if pointer != {"version": version, "manifest_sha256": manifest_sha}:
        switch_latest(published, version)


def verify_published(folder: Path, manifest_sha256: str | None = None) -> list[str]:
    """Problems found re-hashing a published version against its manifest (empty: intact).

    Each problem names the damaged file by its full path. `manifest_sha256` (from
    `latest.json`) also checks the manifest itself.
    """
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        return [f"{manifest_path}: missing"]
    if manifest_sha256 is not None and sha256_file(manifest_path) != manifest_sha256:
        return [f"{manifest_path}: sha256 differs from latest.json"]
    try:
        entries = _manifest_files(json.loads(manifest_path.read_text()))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return [f"{manifest_path}: unreadable ({type(exc).__name__}: {exc})"]
    problems = []
    for file, expected in entries:
        path = folder / file
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif (found := sha256_file(path)) != expected:
            problems.append(
                f"{path}: sha256 {found[:12]}… differs from the manifest's {expected[:12]}…"
            )
    return problems


@dataclass(frozen=True)
class Base:
    """What a new version builds on: the newest published version that verifies.

    `latest` is the version `published/latest` points to, `damage` what is wrong with it
    (empty when intact), `manifest` the manifest of the newest intact version (latest itself
    when intact), `skipped` the damaged versions passed over on the way.
    """

    latest: str | None
    damage: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    skipped: dict[str, list[str]] = field(default_factory=dict)

    @property
    def latest_intact(self) -> bool:
        return self.latest is not None and not self.damage


def published_base(published: Path) -> Base:
    """Verify `latest` against its manifest (and `latest.json`) before building on it; if it is
    damaged, fall back to the newest older version that verifies."""
    link = published / LATEST
    if not link.is_symlink() and not link.exists():
        return Base(latest=None)
    latest = os.path.basename(os.path.realpath(link))
    pointer = latest_pointer(published)
    expected = pointer["manifest_sha256"] if pointer and pointer["version"] == latest else None
    damage = verify_published(published / latest, expected)
    if not damage:
        return Base(latest, [], json.loads((published / latest / MANIFEST).read_text()))
    skipped: dict[str, list[str]] = {}
    for name in reversed(version_names(published)):
        if name == latest:
            continue
        problems = verify_published(published / name)
        if not problems:
            manifest = json.loads((published / name / MANIFEST).read_text())
            return Base(latest, damage, manifest, skipped)
        skipped[name] = problems
    return Base(latest, damage, None, skipped)
