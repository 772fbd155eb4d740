"""Publishing to the object store (moto): never overwritten, verified, `latest.json` last and
conditional, readers never see half a version, retention on the bucket."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
import threading
from pathlib import Path

import polars as pl
import pytest

from resources import objectstore
from resources.backend import StorageBackend
from resources.warehouse import MANIFEST, publish_version


def build(published: Path, n: int, rows: int = 2000) -> str:
    """A small local version `n` (one table of `rows` rows whose values depend on `n`)."""
    table = pl.DataFrame(
        {"i": list(range(rows)), "v": [f"version {n} row {i}" for i in range(rows)]}
    )
    version, _ = publish_version(
        published, {"t": table}, sources=[], inputs=hashlib.sha256(str(n).encode()).hexdigest()
    )
    return version


def test_moto_honours_conditional_writes(backend: StorageBackend) -> None:
    store = backend.store()
    key = store.key("probe")
    etag = store.put(key, b"one", if_none_match=True)
    with pytest.raises(objectstore.PublishConflict):
        store.put(key, b"two", if_none_match=True)  # exists: refused
    with pytest.raises(objectstore.PublishConflict):
        store.put(key, b"two", if_match='"0000"')  # not the current ETag: refused
    store.put(key, b"two", if_match=etag)
    assert store.get(key)[0] == b"two"  # type: ignore[index]


def test_push_verifies_and_never_overwrites(backend: StorageBackend, published: Path) -> None:
    store = backend.store()
    version = build(published, 1)
    with backend.publishing(published) as publish:
        assert publish.done(version, keep_versions=5) == []
    pointer, _ = objectstore.latest(store)
    assert pointer is not None and pointer["version"] == version
    assert objectstore.verify_remote(store, version, pointer["manifest_sha256"]) == []
    keys = sorted(k.rsplit("/", 1)[1] for k in store.keys(store.key("published", version)))
    assert keys == ["manifest.json", "sanctions.duckdb", "t.parquet"]
    # pushing the same version again is a no-op; other bytes under its name are refused
    assert objectstore.push_version(store, published / version) == pointer["manifest_sha256"]
    forged = published.parent / "forged" / version
    forged.mkdir(parents=True)
    for f in (published / version).iterdir():
        (forged / f.name).write_bytes(f.read_bytes())
    (forged / "t.parquet").write_bytes(b"not the published table")
    with pytest.raises(RuntimeError, match="never overwritten"):
        objectstore.push_version(store, forged)
    assert objectstore.verify_remote(store, version, pointer["manifest_sha256"]) == []
    # a damaged object on the store is named by the read-back check
    store.client.put_object(
        Bucket=store.bucket, Key=store.key("published", version, "t.parquet"), Body=b"x"
    )
    assert objectstore.verify_remote(store, version, None) == [
        f"{store.url('published', version, 't.parquet')}: sha256 differs from the manifest's "
        f"{json.loads((published / version / 'manifest.json').read_text())['tables']['t']['sha256'][:12]}…"
    ]


def test_latest_is_not_moved_over_another_writer(backend: StorageBackend, tmp_path: Path) -> None:
    """Two writers read the same `latest.json`; the second to point it loses (HTTP 412)."""
    store = backend.store()
    first = build(tmp_path / "a", 1)
    with backend.publishing(tmp_path / "a") as publish:
        publish.done(first, keep_versions=5)
    _, etag = objectstore.latest(store)
    mine, theirs = build(tmp_path / "b", 2), build(tmp_path / "c", 3)
    sha = objectstore.push_version(store, tmp_path / "c" / theirs)
    objectstore.point_latest(store, theirs, sha, etag)
    sha = objectstore.push_version(store, tmp_path / "b" / mine)
    with pytest.raises(objectstore.PublishConflict, match=f"now {theirs}"):
        objectstore.point_latest(store, mine, sha, etag)
    assert objectstore.latest(store)[0]["version"] == theirs  # type: ignore[index]


def test_readers_never_see_half_a_version_and_retention(
    backend: StorageBackend, published: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A reader loops on `latest.json` → manifest → every file (sha256) while 6 versions are
    published one after the other; every version it reads is whole. Then retention keeps 2."""
    stop = threading.Event()
    seen: dict[str, int] = {}
    problems: list[str] = []

    def reader() -> None:
        store = backend.store()  # a client of its own, as another machine would have
        while not stop.is_set():
            pointer, _ = objectstore.latest(store)
            if pointer is None:
                continue
            found = objectstore.verify_remote(store, pointer["version"], pointer["manifest_sha256"])
            problems.extend(found)
            seen[pointer["version"]] = seen.get(pointer["version"], 0) + 1

    thread = threading.Thread(target=reader)
    thread.start()
    versions = []
    try:
        for n in range(6):
            version = build(published, n)
            with backend.publishing(published) as publish:
                publish.done(version, keep_versions=10)
            versions.append(version)
    finally:
        stop.set()
        thread.join()
    assert problems == []
    assert sum(seen.values()) >= 6 and len(seen) >= 2, seen
    assert set(seen) <= set(versions)
    store = backend.store()
    assert objectstore.version_names(store) == versions
    with (
        caplog.at_level(logging.INFO),
        backend.publishing(published, logging.getLogger("test")) as publish,
    ):
        removed = publish.done(versions[-1], keep_versions=2)
    assert removed == versions[:4]
    assert objectstore.version_names(store) == versions[4:]
    assert f"removed 4 version(s): {', '.join(versions[:4])}" in caplog.text
    assert objectstore.latest(store)[0]["version"] == versions[-1]  # type: ignore[index]
    # keep=1 never removes the version latest names
    assert objectstore.remove_old_versions(store, 1) == [versions[4]]
    assert objectstore.version_names(store) == [versions[5]]


def test_a_new_machine_follows_the_bucket(backend: StorageBackend, tmp_path: Path) -> None:
    """A machine whose local folder lacks the bucket's latest pulls it (verified) first."""
    version = build(tmp_path / "a", 1)
    with backend.publishing(tmp_path / "a") as publish:
        publish.done(version, keep_versions=5)
    other = tmp_path / "b"
    other.mkdir()
    with backend.publishing(other):
        pass
    assert (other / "latest").resolve().name == version
    assert (other / version / "t.parquet").read_bytes() == (
        tmp_path / "a" / version / "t.parquet"
    ).read_bytes()


def build_indexed(published: Path, n: int) -> str:
    """`build`, with the version's entry in the local `versions.json`, as the publish step
    records it (`ftm.publish.record_version`)."""
    from ftm.publish import record_version

    version = build(published, n)
    manifest = json.loads((published / version / "manifest.json").read_text())
    summary = {"counts": {"Person": n}, "delta": {"ADD": n}, "previous": None, "metrics": {}}
    record_version(published, manifest, summary)
    return version


def test_versions_index_is_published_before_latest(
    backend: StorageBackend, published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`versions.json` goes to the bucket after the version's objects and before `latest.json`;
    it keeps every version's entry, marks those retention removes, and is written
    conditionally: a writer that changed it meanwhile stops the publish, latest unmoved."""
    store = backend.store()
    monkeypatch.setattr(StorageBackend, "store", lambda self: store)  # one client, observed
    puts: list[str] = []
    store.client.meta.events.register(
        "before-parameter-build.s3.PutObject",
        lambda params, **_: puts.append(params["Key"].rsplit("/", 1)[-1]),
    )
    versions = []
    for n in range(3):
        puts.clear()
        with backend.publishing(published) as publish:  # as the publish step: follow, build
            version = build_indexed(published, n)
            publish.done(version, keep_versions=2)
        versions.append(version)
        # the version's objects (manifest last), then the index, then the pointer
        assert puts[-3:] == ["manifest.json", "versions.json", "latest.json"], puts
    found = store.get(store.key("published", "versions.json"))
    assert found is not None
    index = json.loads(found[0])
    assert index["latest"] == versions[-1]
    assert [(v["version"], v["available"]) for v in index["versions"]] == [
        (versions[0], False),  # removed by retention (keep 2) in the same publish
        (versions[1], True),
        (versions[2], True),
    ]
    assert index["versions"][2]["entities"] == {"Person": 2}
    assert objectstore.version_names(store) == versions[1:]
    # the local index mirrors the bucket's, and a machine that follows the bucket pulls it
    assert (published / "versions.json").read_bytes() == found[0]
    other = published.parent / "other"
    with backend.publishing(other):
        pass
    assert (other / "latest").resolve().name == versions[-1]
    assert (other / "versions.json").read_bytes() == found[0]

    # another writer rewrites versions.json between this run's read and its write
    monkeypatch.undo()
    rival = backend.store()  # a client of its own

    def interleave(params: dict, **_: object) -> None:
        if params["Key"].endswith("/versions.json") and "IfMatch" in params:
            rival.put(params["Key"], b'{"latest": "theirs", "versions": []}\n')

    store.client.meta.events.register("before-parameter-build.s3.PutObject", interleave)
    version = build_indexed(published, 3)
    sha = objectstore.push_version(store, published / version)
    with pytest.raises(objectstore.PublishConflict, match="latest was not moved"):
        objectstore.push_index(store, published / "versions.json", version, keep=2)
    assert objectstore.latest(store)[0]["version"] == versions[-1]  # type: ignore[index]
    assert sha


MIB = 1 << 20
# real bytes for a file over the lowered threshold: the three largest shipped CSV snapshots
BIG_PARTS = (
    "us_ofac_sdn/2023-12-28/SDN.CSV",
    "us_ofac_sdn/2024-05-03/SDN.CSV",
    "gb_ofsi/2018-04-13/sanctionsconlist.csv",
)


def test_multipart_upload_is_a_conditional_create(
    backend: StorageBackend, published: Path, tmp_path: Path
) -> None:
    """Above `multipart_threshold` (S3's 5 GiB PUT limit; lowered to 5 MiB here) a file goes
    up in parts through boto3's managed transfer, and the completion is conditional: other
    bytes under a published name are refused, and the refused upload leaves no parts."""
    from tests.conftest import SNAPSHOTS

    store = dataclasses.replace(backend.store(), multipart_threshold=5 * MIB)
    big = b"".join((SNAPSHOTS / part).read_bytes() for part in BIG_PARTS)
    assert len(big) > 10 * MIB
    version, folder = publish_version(
        published, {}, sources=[], inputs="b" * 64, extra_files={"archive.csv": big}
    )
    completions: list[dict] = []
    store.client.meta.events.register(
        "before-call.s3.CompleteMultipartUpload",
        lambda params, **_: completions.append(dict(params.get("headers", {}))),
    )
    sha = objectstore.push_version(store, folder)
    key = store.key("published", version, "archive.csv")
    head = store.client.head_object(Bucket=store.bucket, Key=key)
    assert head["ContentLength"] == len(big)
    assert head["ETag"].endswith('-2"')  # a multipart ETag: 8 MiB + the rest
    assert [c.get("If-None-Match") for c in completions] == ["*"]
    assert objectstore.verify_remote(store, version, sha) == []
    small = store.client.head_object(
        Bucket=store.bucket, Key=store.key("published", version, MANIFEST)
    )
    assert "-" not in small["ETag"]  # under the threshold: one PUT

    forged = tmp_path / "forged" / version
    shutil.copytree(folder, forged)
    (forged / "archive.csv").write_bytes(big[::-1])
    with pytest.raises(RuntimeError, match="never overwritten"):
        objectstore.push_version(store, forged)
    assert len(completions) == 2 and completions[1]["If-None-Match"] == "*"
    assert objectstore.verify_remote(store, version, sha) == []
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket)
    assert uploads.get("Uploads", []) == []  # the refused upload was aborted
