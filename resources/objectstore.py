"""Published versions on an S3-compatible object store (the `shared` storage backend).

Layout under `s3://<bucket>/<prefix>/`:

| key | what |
|---|---|
| `published/<version>/…` | the version's files, exactly as the local folder (`manifest.json` with the sha256 of each) |
| `published/versions.json` | the index of published versions (`ftm/delta.py`: each version's sources, counts, delta URLs; `available` false once retention removed it) |
| `published/latest.json` | `{"version", "manifest_sha256"}`: the newest complete, verified version |
| `lake/…` | the DuckLake data files (written by DuckDB; the catalog is on PostgreSQL) |
| `lake/published.json` | the ledger of the lake snapshots each published version holds |

Publishing a version (`push_version`, `push_index`, then `point_latest`):

1. every file is uploaded, never overwriting an existing object: a conditional create
   (`If-None-Match: *`) on the single PUT, or, for a file over `multipart_threshold` (by
   default S3's 5 GiB limit of one PUT), on the `CompleteMultipartUpload` of boto3's managed
   transfer (parts uploaded in parallel and retried each). A retry that finds the object with
   the same sha256 goes on; a different one is an error;
2. every object listed in the manifest, and the manifest itself, is read back and its sha256
   compared with the manifest's (and the manifest's with the local one);
3. `versions.json`: the bucket's index with this version's entry merged in (entries of every
   machine's versions are kept; `available` says which retention is about to remove), written
   conditionally (`If-Match` the ETag just read, `If-None-Match: *` when there is none). It
   names only versions whose objects are complete and verified;
4. only then is `latest.json` written, conditionally: `If-Match: <ETag read when the run
   started>` (or `If-None-Match: *` when there was none). Another writer that moved `latest`
   meanwhile makes this write fail (HTTP 412): the new version's objects stay on the store,
   complete, but `latest` is not moved over the other writer's version. A refused
   `versions.json` stops the publish before `latest.json` too.

What this relies on: single-object PUTs and multipart completions are atomic (a GET returns the
whole old or the whole new object, never a mix or a part: S3 is strongly read-after-write
consistent since 2020, and so are MinIO and moto) and the store honours conditional writes
(`If-None-Match` on PutObject and CompleteMultipartUpload since 2024-08, `If-Match` since
2024-11 on AWS S3; moto 5 does on both: `tests/shared/test_objectstore.py` checks the 412s).
boto3's managed transfer does not accept `IfNoneMatch` among its upload arguments (s3transfer
0.19), so it is added to the transfer's own PutObject / CompleteMultipartUpload requests by a
botocore `before-parameter-build` handler for that key; a refused completion is aborted by the
transfer (no parts are left behind). On a store that ignored the conditions, nothing checks
an object's absence, but the PostgreSQL advisory lock that every shared publish holds
(`resources/backend.py`) still serializes writers, version names are unique (build time and
inputs), and step 2 reads every object back before anything points at it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from botocore.exceptions import ClientError

from resources.storage import atomic_write, dumps
from resources.warehouse import (
    LATEST_JSON,
    MANIFEST,
    VERSION_NAME,
    _version_order,
    sha256_file,
    verify_published,
)

PUBLISHED = "published"
VERSIONS_JSON = "versions.json"  # as ftm/delta.py's VERSIONS_FILE (not imported: FtM is heavy)
# S3's largest single PUT (AWS documents 5 GiB); a larger file must go in parts
PUT_LIMIT = 5 * 1024**3

log = logging.getLogger(__name__)


class PublishConflict(RuntimeError):
    """The store refused a conditional write: another writer got there first."""


def _precondition_failed(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error.get("Code") in {"PreconditionFailed", "ConditionalRequestConflict"} or status in {
        409,
        412,
    }


def _not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}


@dataclass(frozen=True)
class ObjectStore:
    """A bucket and a key prefix, through a boto3 S3 client."""

    client: Any
    bucket: str
    prefix: str = ""
    multipart_threshold: int = PUT_LIMIT  # files above it are uploaded in parts

    def key(self, *parts: str) -> str:
        return "/".join(p.strip("/") for p in (self.prefix, *parts) if p.strip("/"))

    def url(self, *parts: str) -> str:
        return f"s3://{self.bucket}/{self.key(*parts)}"

    def _get_object(self, key: str) -> dict[str, Any] | None:
        """The GetObject answer (body not read yet), or None when there is no such object."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _not_found(exc):
                return None
            raise

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and ETag, or None when there is no such object."""
        answer = self._get_object(key)
        if answer is None:
            return None
        return answer["Body"].read(), answer["ETag"]

    def digest(self, key: str) -> str | None:
        """The object's sha256, streamed (None when there is no such object)."""
        answer = self._get_object(key)
        if answer is None:
            return None
        digest = hashlib.sha256()
        for chunk in answer["Body"].iter_chunks(1 << 20):
            digest.update(chunk)
        return digest.hexdigest()

    def put(
        self, key: str, data: bytes | BinaryIO, *, if_none_match: bool = False, if_match: str = ""
    ) -> str:
        """Write one object (conditionally when asked; `data` may be an open file, streamed);
        returns its ETag."""
        extra: dict[str, str] = {}
        if if_none_match:
            extra["IfNoneMatch"] = "*"
        if if_match:
            extra["IfMatch"] = if_match
        try:
            answer = self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)
        except ClientError as exc:
            if _precondition_failed(exc):
                raise PublishConflict(f"{self.bucket}/{key}: conditional write refused") from exc
            raise
        return str(answer["ETag"])

    def upload(self, key: str, path: Path, *, if_none_match: bool = False) -> None:
        """Upload a file through boto3's managed transfer: one PUT up to
        `multipart_threshold`, parts above it; `if_none_match` makes it a conditional create
        (on the PUT, or on the completion of the parts)."""
        from boto3.s3.transfer import TransferConfig

        def condition(params: dict[str, Any], **_: Any) -> None:
            if params.get("Bucket") == self.bucket and params.get("Key") == key:
                params["IfNoneMatch"] = "*"

        config = TransferConfig(multipart_threshold=self.multipart_threshold)
        events = self.client.meta.events
        hooks = [
            # botocore keys handlers by unique_id alone: one id per operation
            (f"before-parameter-build.s3.{operation}", f"sanctions-if-none-match:{operation}:{key}")
            for operation in ("PutObject", "CompleteMultipartUpload")
        ]
        if if_none_match:
            for event, unique_id in hooks:
                events.register(event, condition, unique_id=unique_id)
        try:
            with open(path, "rb") as handle:
                self.client.upload_fileobj(handle, self.bucket, key, Config=config)
        except ClientError as exc:
            if _precondition_failed(exc):
                raise PublishConflict(f"{self.bucket}/{key}: conditional write refused") from exc
            raise
        finally:
            if if_none_match:
                for event, unique_id in hooks:
                    events.unregister(event, unique_id=unique_id)

    def keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix.rstrip("/") + "/"):
            for item in page.get("Contents", []):
                yield item["Key"]

    def folders(self, prefix: str) -> list[str]:
        """The names of the 'folders' directly under `prefix`."""
        paginator = self.client.get_paginator("list_objects_v2")
        names = []
        base = prefix.rstrip("/") + "/"
        for page in paginator.paginate(Bucket=self.bucket, Prefix=base, Delimiter="/"):
            for item in page.get("CommonPrefixes", []):
                names.append(item["Prefix"][len(base) :].rstrip("/"))
        return names

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # at most 1000 keys per request
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            answer = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})
            if answer.get("Errors"):
                raise RuntimeError(f"could not delete from {self.bucket}: {answer['Errors']}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def latest(store: ObjectStore) -> tuple[dict[str, Any] | None, str]:
    """`published/latest.json` and its ETag (None and "" when nothing was published yet)."""
    found = store.get(store.key(PUBLISHED, LATEST_JSON))
    if found is None:
        return None, ""
    return json.loads(found[0]), found[1]


def version_names(store: ObjectStore) -> list[str]:
    """The versions on the store, oldest first (by build time, then build order)."""
    names = [n for n in store.folders(store.key(PUBLISHED)) if VERSION_NAME.match(n)]
    return sorted(names, key=_version_order)


def manifest_entries(manifest: dict[str, Any]) -> dict[str, str]:
    """Every file a manifest lists, with its sha256 (the manifest itself not included)."""
    entries = {t["file"]: t["sha256"] for t in manifest["tables"].values()}
    entries[manifest["database"]["file"]] = manifest["database"]["sha256"]
    entries.update(manifest.get("files", {}))
    return entries


def push_version(store: ObjectStore, folder: Path) -> str:
    """Upload a sealed local version folder, never overwriting, and verify it by reading every
    object back against the manifest. Returns the manifest's sha256."""
    version = folder.name
    local_manifest = (folder / MANIFEST).read_bytes()
    manifest = json.loads(local_manifest)
    entries = manifest_entries(manifest)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    unlisted = [p for p in files if p.relative_to(folder).as_posix() not in {*entries, MANIFEST}]
    if unlisted:
        raise RuntimeError(f"{folder}: files not in the manifest: {unlisted}; not pushed")
    # the manifest last, so a version without its manifest is visibly incomplete
    for path in sorted(files, key=lambda p: p.name == MANIFEST):
        name = path.relative_to(folder).as_posix()
        key = store.key(PUBLISHED, version, name)
        try:
            store.upload(key, path, if_none_match=True)
        except PublishConflict:
            if store.digest(key) != sha256_file(path):
                raise RuntimeError(
                    f"{store.url(PUBLISHED, version, name)} exists with other bytes: "
                    "a published version is never overwritten; nothing moved"
                ) from None
    problems = verify_remote(store, version, sha256(local_manifest))
    if problems:
        raise RuntimeError(f"version {version} on the store does not verify: {'; '.join(problems)}")
    return sha256(local_manifest)


def verify_remote(store: ObjectStore, version: str, manifest_sha256: str | None) -> list[str]:
    """Problems found reading a version's objects back against its manifest (empty: intact)."""
    found = store.get(store.key(PUBLISHED, version, MANIFEST))
    if found is None:
        return [f"{store.url(PUBLISHED, version, MANIFEST)}: missing"]
    if manifest_sha256 is not None and sha256(found[0]) != manifest_sha256:
        return [f"{store.url(PUBLISHED, version, MANIFEST)}: sha256 differs from latest.json"]
    problems = []
    for name, expected in manifest_entries(json.loads(found[0])).items():
        got = store.digest(store.key(PUBLISHED, version, name))
        url = store.url(PUBLISHED, version, name)
        if got is None:
            problems.append(f"{url}: missing")
        elif got != expected:
            problems.append(f"{url}: sha256 differs from the manifest's {expected[:12]}…")
    return problems


def push_index(store: ObjectStore, local_index: Path, version: str, keep: int) -> bytes | None:
    """Merge `version`'s entry of the local `versions.json` into the bucket's and write it
    conditionally (after the version's objects, before `latest.json`). `available` is false for
    the versions retention will remove (`keep`, as `remove_old_versions`, with `version` as
    latest). Returns the bytes written, which the caller mirrors into the local index; None,
    writing nothing, when the local index has no entry for `version` (a version published
    before the index existed)."""
    local = json.loads(local_index.read_bytes()) if local_index.is_file() else {"versions": []}
    entry = next((v for v in local["versions"] if v["version"] == version), None)
    if entry is None:
        return None
    key = store.key(PUBLISHED, VERSIONS_JSON)
    found = store.get(key)
    names = version_names(store)
    present = set(names) - set(retention_plan(names, keep, {version}))
    versions = json.loads(found[0])["versions"] if found else []
    versions = [v for v in versions if v["version"] != version] + [dict(entry)]
    for v in versions:
        v["available"] = v["version"] in present
    body = (json.dumps({"latest": version, "versions": versions}, indent=1) + "\n").encode()
    try:
        if found:
            store.put(key, body, if_match=found[1])
        else:
            store.put(key, body, if_none_match=True)
    except PublishConflict:
        raise PublishConflict(
            f"{store.url(PUBLISHED, VERSIONS_JSON)} changed while this run merged version "
            f"{version} into it: latest was not moved"
        ) from None
    return body


def pull_index(store: ObjectStore, local_index: Path) -> bool:
    """Mirror the bucket's `versions.json` into the local one (atomically), so a machine that
    follows another's version builds its next entry on the bucket's chain and its local index
    lists every machine's versions. False when the bucket has none (the local one is kept)."""
    found = store.get(store.key(PUBLISHED, VERSIONS_JSON))
    if found is None:
        return False
    atomic_write(local_index, found[0])
    return True


def point_latest(store: ObjectStore, version: str, manifest_sha256: str, expected_etag: str) -> str:
    """Write `latest.json` last, only if it is still what this run read (`expected_etag`; ""
    when there was none). Raises PublishConflict otherwise. Returns the new ETag."""
    body = dumps({"version": version, "manifest_sha256": manifest_sha256}).encode()
    key = store.key(PUBLISHED, LATEST_JSON)
    try:
        if expected_etag:
            return store.put(key, body, if_match=expected_etag)
        return store.put(key, body, if_none_match=True)
    except PublishConflict:
        now, _ = latest(store)
        raise PublishConflict(
            f"{store.url(PUBLISHED, LATEST_JSON)} changed since this run read it (now "
            f"{now['version'] if now else 'absent'}): version {version} is complete on the store "
            "but latest was not moved"
        ) from None


def pull_version(store: ObjectStore, version: str, target: Path, manifest_sha256: str) -> None:
    """Download a version into `target` (a new folder), verified against its manifest."""
    problems = verify_remote(store, version, manifest_sha256)
    if problems:
        raise RuntimeError(f"version {version} on the store is damaged: {'; '.join(problems)}")
    base = store.key(PUBLISHED, version) + "/"
    for key in store.keys(base):
        path = target / key[len(base) :]
        path.parent.mkdir(parents=True, exist_ok=True)
        store.client.download_file(store.bucket, key, str(path))
    problems = verify_published(target, manifest_sha256)  # and again, as downloaded
    if problems:
        raise RuntimeError(f"version {version} downloaded damaged: {'; '.join(problems)}")


def retention_plan(names: list[str], keep: int, pinned: set[str]) -> list[str]:
    """The versions (of `names`, oldest first) retention removes: all but the newest `keep`,
    never one of `pinned` (latest)."""
    if keep < 1:
        raise ValueError(f"keep_versions must be at least 1, not {keep}")
    return [n for n in names[: max(len(names) - keep, 0)] if n not in pinned]


def remove_old_versions(store: ObjectStore, keep: int) -> list[str]:
    """Retention on the store: keep the newest `keep` versions and the one `latest.json` names.

    Returns the versions removed (the caller logs them). The lake (its catalog and data files)
    is not touched: the history keeps every published publication.
    """
    names = version_names(store)
    pointer, _ = latest(store)
    removed = retention_plan(names, keep, {pointer["version"]} if pointer else set())
    for name in removed:
        # the manifest first: a half-removed version is visibly incomplete, never "complete"
        store.delete([store.key(PUBLISHED, name, MANIFEST)])
        store.delete(list(store.keys(store.key(PUBLISHED, name))))
        log.info("retention: removed %s", store.url(PUBLISHED, name))
    return removed
