"""Published versions: read-only folders, `latest.json`, damage named and healed, retention,
and readers that pin one version while publishes switch `latest`."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import DagsterInstance, ExecuteInProcessResult

import definitions
from resources.duckdb_files import write_database
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from resources.warehouse import (
    LATEST_JSON,
    MANIFEST,
    PublishPolicy,
    latest_folder,
    publish_version,
    published_base,
    remove_old_versions,
    sha256_file,
    switch_latest,
    verify_published,
    version_names,
)


def tables(marker: int) -> dict[str, pl.DataFrame]:
    """Two small tables that both carry `marker`, so a reader can tell versions apart."""
    return {
        "a": pl.DataFrame({"version": [marker] * 1_000, "row": list(range(1_000))}),
        "b": pl.DataFrame({"version": [marker] * 500, "text": ["x" * 40] * 500}),
    }


def publish(published: Path, marker: int) -> str:
    inputs = hashlib.sha256(str(marker).encode()).hexdigest()
    version, _ = publish_version(
        published, tables(marker), [], inputs, extra_files={"charts/c.png": b"png"}
    )
    return version


def damage(path: Path) -> None:
    """Flip bytes in a published (read-only) file, as a stray process running as root could."""
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_version_files_and_folders_are_read_only(tmp_path: Path) -> None:
    published = tmp_path / "published"
    version = publish(published, 1)
    folder = published / version
    modes = {
        p.relative_to(published).as_posix(): stat.S_IMODE(p.stat().st_mode)
        for p in [folder, *folder.rglob("*")]
    }
    assert modes == {
        version: 0o555,
        f"{version}/charts": 0o555,
        f"{version}/charts/c.png": 0o444,
        f"{version}/a.parquet": 0o444,
        f"{version}/b.parquet": 0o444,
        f"{version}/sanctions.duckdb": 0o444,
        f"{version}/manifest.json": 0o444,
    }


def test_latest_json_names_the_version_and_its_manifest(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish(published, 1)
    second = publish(published, 2)
    pointer = json.loads((published / LATEST_JSON).read_text())
    assert pointer == {
        "version": second,
        "manifest_sha256": sha256_file(published / second / MANIFEST),
    }
    assert os.path.realpath(published / "latest") == str(published / second)
    assert latest_folder(published) == published / second
    assert pl.read_parquet(latest_folder(published) / "a.parquet")[
        "version"
    ].unique().to_list() == [2]


def test_damaged_files_are_named_and_the_base_falls_back(tmp_path: Path) -> None:
    published = tmp_path / "published"
    first = publish(published, 1)
    second = publish(published, 2)
    assert published_base(published).manifest["version"] == second
    entities = published / second / "a.parquet"
    damage(entities)
    problems = verify_published(published / second)
    assert len(problems) == 1 and problems[0].startswith(f"{entities}: sha256 ")
    base = published_base(published)
    assert (base.latest, base.damage, base.manifest["version"]) == (second, problems, first)
    assert not base.latest_intact
    # a missing file, and a manifest that no longer matches latest.json, are named too
    (published / second / "b.parquet").unlink()
    assert f"{published / second / 'b.parquet'}: missing" in verify_published(published / second)
    manifest = published / second / MANIFEST
    manifest.chmod(0o644)
    manifest.write_text(manifest.read_text().replace('"rows": 1000', '"rows": 999'))
    assert published_base(published).damage == [f"{manifest}: sha256 differs from latest.json"]


def test_failed_publish_leaves_no_trace_and_latest_as_it_was(tmp_path: Path) -> None:
    published = tmp_path / "published"
    first = publish(published, 1)
    with pytest.raises(duckdb.ParserException):
        publish_version(published, tables(2), [], "f" * 64, sql="NOT SQL AT ALL")
    assert sorted(p.name for p in published.iterdir()) == sorted([first, "latest", LATEST_JSON])
    assert latest_folder(published) == published / first
    assert verify_published(published / first) == []


def test_retention_keeps_the_newest_and_latest(tmp_path: Path) -> None:
    published = tmp_path / "published"
    versions = [publish(published, i) for i in range(6)]
    assert version_names(published) == versions  # build order, even within one second
    switch_latest(published, versions[1])  # rolled back by hand
    removed = remove_old_versions(published, keep=3)
    assert removed == [versions[0], versions[2]]
    assert version_names(published) == [versions[1], *versions[3:]]
    assert latest_folder(published) == published / versions[1]
    assert remove_old_versions(published, keep=3) == []
    with pytest.raises(ValueError, match="at least 1"):
        remove_old_versions(published, keep=0)


def test_reader_pinning_one_version_never_mixes_two(tmp_path: Path) -> None:
    """A reader reading a.parquet then b.parquet while versions are published: resolving one
    version first (latest.json, or the symlink resolved once) never mixes two versions."""
    published = tmp_path / "published"
    publish(published, 0)
    stop = threading.Event()
    seen: dict[str, set[int]] = {"latest.json": set(), "realpath": set()}
    mixed: list[tuple[str, int, int]] = []
    passes = {"count": 0}

    def read(way: str) -> None:
        if way == "latest.json":
            folder = latest_folder(published)
        else:
            folder = Path(os.path.realpath(published / "latest"))
        assert folder is not None
        a = pl.read_parquet(folder / "a.parquet")["version"].unique().to_list()
        time.sleep(0.0005)  # widen the window between the two files
        b = pl.read_parquet(folder / "b.parquet")["version"].unique().to_list()
        if a != b:
            mixed.append((way, a[0], b[0]))
        seen[way].add(a[0])

    def reader() -> None:
        deadline = time.monotonic() + 120
        while not stop.is_set() and passes["count"] < 100_000 and time.monotonic() < deadline:
            read("latest.json" if passes["count"] % 2 else "realpath")
            passes["count"] += 1

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for marker in range(1, 9):
            publish(published, marker)
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert mixed == []
    assert passes["count"] > 50
    # the reader really ran across publishes: it saw several versions, both ways
    assert len(seen["latest.json"]) >= 3 and len(seen["realpath"]) >= 3


def run(data: Path, instance: DagsterInstance, keep_versions: int = 30) -> ExecuteInProcessResult:
    defs = definitions.build_definitions(
        SnapshotFetcher(), DataDir(root=str(data)), PublishPolicy(keep_versions=keep_versions)
    )
    return defs.resolve_job_def("refresh_all").execute_in_process(
        instance=instance, raise_on_error=False
    )


def first_version(data: Path, instance: DagsterInstance) -> Path:
    """The folder of a first version published by `refresh_all` into `data`."""
    assert run(data, instance).success
    folder = latest_folder(data / "published")
    assert folder is not None
    return folder


def test_damaged_latest_is_named_and_rebuilt_from_the_warehouse(tmp_path: Path) -> None:
    """Inputs unchanged but a file of `latest` damaged: the run names the file, publishes a
    fresh version from the warehouse, and retention (keep 1) removes the damaged one."""
    data = tmp_path / "data"
    published = data / "published"
    with DagsterInstance.ephemeral() as instance:
        first = first_version(data, instance)
        history = pl.read_parquet(first / "publication_history.parquet")
        damaged = first / "entities.parquet"
        damage(damaged)

        result = run(data, instance, keep_versions=1)
        assert result.success
        logs = [e.user_message for e in instance.all_logs(result.run_id)]
        second = latest_folder(published)
        assert second is not None and second != first
        assert verify_published(second) == []
        assert any(f"latest version {first.name} is damaged: {damaged}: sha256 " in m for m in logs)
        assert any("rebuilding a fresh version from the warehouse" in m for m in logs)
        assert any(f"removed 1 version(s): {first.name}" in m for m in logs)
        meta = result.asset_materializations_for_node("published_version")[0].metadata
        assert meta["unchanged"].value is False
        assert meta["rebuilt_damaged_latest"].value == first.name
        assert meta["removed_versions"].value == first.name
        assert version_names(published) == [second.name]
        con = duckdb.connect(str(second / "sanctions.duckdb"), read_only=True)
        assert con.execute(
            "SELECT count(*) FROM entities WHERE source = 'us_ofac_sdn'"
        ).fetchone() == (13_821,)
        con.close()
        # the history is the same: nothing new was committed, nothing lost
        assert pl.read_parquet(second / "publication_history.parquet").equals(history)
        evaluation = next(
            e.event_specific_data
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"
            and e.event_specific_data.check_name == "manifest_intact"
        )
        assert evaluation.passed

        # and the next run on the same inputs publishes nothing new
        again = run(data, instance, keep_versions=1)
        assert again.success
        assert latest_folder(published) == second


def test_unchanged_files_are_hard_linked_never_copied(tmp_path: Path) -> None:
    """Table `b` and the chart do not change between versions: each later version links the
    file of the earlier one (one inode); `a` changes and gets its own file. A damaged file is
    never shared, retention removes names not content, and a copied folder is complete."""
    published = tmp_path / "published"
    first = published / publish(published, 1)

    def two(marker: int) -> dict[str, pl.DataFrame]:
        return {"a": tables(marker)["a"], "b": tables(1)["b"]}

    inputs = hashlib.sha256(b"second").hexdigest()
    _, second = publish_version(published, two(2), [], inputs, extra_files={"charts/c.png": b"png"})
    for name in ("b.parquet", "charts/c.png"):
        assert (second / name).stat().st_ino == (first / name).stat().st_ino
        assert (second / name).stat().st_nlink == 2
    assert (second / "a.parquet").stat().st_ino != (first / "a.parquet").stat().st_ino
    assert pl.read_parquet(second / "a.parquet")["version"].unique().to_list() == [2]
    assert verify_published(second) == []
    assert stat.S_IMODE((second / "b.parquet").stat().st_mode) == 0o444
    assert not list(second.rglob(".*"))  # no link left half-made

    # b damaged in both (one inode): the next version writes its own, intact copy
    damage(second / "b.parquet")
    _, third = publish_version(published, two(3), [], inputs[::-1], extra_files={})
    assert (third / "b.parquet").stat().st_ino != (second / "b.parquet").stat().st_ino
    assert verify_published(third) == []

    # retention removes the first two: the third still holds every file it lists
    assert remove_old_versions(published, keep=1) == [first.name, second.name]
    assert verify_published(third) == []
    moved = tmp_path / "elsewhere"
    os.rename(third, moved)
    assert verify_published(moved) == []
    assert pl.read_parquet(moved / "b.parquet").equals(tables(1)["b"])


def test_no_link_possible_keeps_the_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the file system refuses a link (another device, the link limit), the version keeps
    its own copy and is complete."""
    published = tmp_path / "published"
    first = published / publish(published, 1)

    def refuse(*_: object, **__: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", refuse)
    inputs = hashlib.sha256(b"again").hexdigest()
    _, second = publish_version(
        published, tables(1), [], inputs, extra_files={"charts/c.png": b"png"}
    )
    assert not (second / "b.parquet").samefile(first / "b.parquet")
    assert verify_published(second) == []
    assert not list(second.rglob(".*"))


@pytest.mark.parametrize("where", ["export", "commit", "statements"])
def test_a_failure_beside_the_lake_commit_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """The FtM export runs in a thread beside the lake commit, the statements beside the
    version's writing: a failure on either side fails the step with its own error, once the
    thread is done; nothing is published, `latest` is as it was, the frozen catalog gone."""
    import assets.lake_commit
    import ftm.publish

    data = tmp_path / "data"
    published = data / "published"
    with DagsterInstance.ephemeral() as instance:
        first = first_version(data, instance)
        damage(first / "entities.parquet")  # the same inputs then build a fresh version

        def fail(*args: object, **kwargs: object) -> None:
            raise RuntimeError(f"{where} failed here")

        if where == "export":
            monkeypatch.setattr(ftm.publish, "build_export", fail)
        elif where == "statements":  # in the thread while the version's tables are written
            monkeypatch.setattr(ftm.publish, "version_history", fail)
        else:
            monkeypatch.setattr(assets.lake_commit, "commit_history", fail)
        result = run(data, instance)
        assert not result.success
        failure = result.failure_data_for_node("published_version")
        assert failure is not None and failure.error is not None
        assert f"{where} failed here" in str(failure.error.cause or failure.error)
        assert latest_folder(published) == first
        assert version_names(published) == [first.name]
        assert not list(published.glob(".*.tmp"))
        assert not list((data / "warehouse").glob(".history.*.ducklake"))
        assert not [t for t in threading.enumerate() if t.name.startswith("ftm-export")]


def test_late_tables_and_files_join_the_version(tmp_path: Path) -> None:
    """`late` (computed in a thread while the other tables are written) adds its tables and
    files after them, to the parquet files, the DuckDB file and the manifest; its error
    publishes nothing and leaves `latest` as it was."""
    published = tmp_path / "published"
    first = publish(published, 1)
    late_table = pl.DataFrame({"version": [2] * 300, "late": ["y"] * 300})
    inputs = hashlib.sha256(b"2").hexdigest()
    version, folder = publish_version(
        published,
        tables(2),
        [],
        inputs,
        extra_files={"charts/c.png": b"png"},
        late=lambda: ({"c": late_table}, {"late.json": b"{}\n"}),
    )
    manifest = json.loads((folder / MANIFEST).read_text())
    assert list(manifest["tables"]) == ["a", "b", "c"]
    assert manifest["tables"]["c"]["rows"] == 300
    assert sorted(manifest["files"]) == ["charts/c.png", "late.json"]
    assert (folder / "late.json").read_bytes() == b"{}\n"
    assert pl.read_parquet(folder / "c.parquet").equals(late_table)
    con = duckdb.connect(str(folder / "sanctions.duckdb"), read_only=True)
    assert con.execute("SELECT count(*), min(late) FROM c").fetchone() == (300, "y")
    assert con.execute("SELECT count(*) FROM a").fetchone() == (1_000,)
    con.close()
    assert verify_published(folder) == []

    def fail() -> tuple[dict[str, pl.DataFrame], dict[str, bytes]]:
        raise RuntimeError("statements failed")

    with pytest.raises(RuntimeError, match="statements failed"):
        publish_version(published, tables(3), [], hashlib.sha256(b"3").hexdigest(), late=fail)
    assert latest_folder(published) == folder
    assert version_names(published) == [first, version]
    assert not list(published.glob(".*.tmp"))


def test_database_from_a_base_file(tmp_path: Path) -> None:
    """`base_database` (the warehouse file): the version's DuckDB file starts as its copy,
    keeps its tables as they are, and gets only the others written; a base with a write-ahead
    log beside it is not copied; a base holding a table that is not the version's is refused
    by name, and nothing is published."""
    published = tmp_path / "published"
    base = tmp_path / "warehouse.duckdb"
    # a comment only the base's file has tells a copied table from a written one
    mark = "COMMENT ON TABLE a IS 'from the base'"
    comment = "SELECT comment FROM duckdb_tables() WHERE table_name = 'a'"
    write_database(base, {"a": tables(1)["a"]}, sql=mark)
    version, folder = publish_version(
        published, tables(1), [], hashlib.sha256(b"1").hexdigest(), base_database=base
    )
    con = duckdb.connect(str(folder / "sanctions.duckdb"), read_only=True)
    assert con.execute(comment).fetchone() == ("from the base",)
    assert con.execute("SELECT count(*), min(version) FROM a").fetchone() == (1_000, 1)
    assert con.execute("SELECT count(*), min(text) FROM b").fetchone() == (500, "x" * 40)
    con.close()
    assert verify_published(folder) == []

    # a write-ahead log beside the base: its file alone may be behind, so it is not copied
    write_database(base, {"a": tables(2)["a"]}, sql=mark)
    Path(f"{base}.wal").write_bytes(b"")
    _, walled = publish_version(
        published, tables(2), [], hashlib.sha256(b"2").hexdigest(), base_database=base
    )
    con = duckdb.connect(str(walled / "sanctions.duckdb"), read_only=True)
    assert con.execute(comment).fetchone() == (None,)
    assert con.execute("SELECT count(*), min(version) FROM a").fetchone() == (1_000, 2)
    con.close()
    Path(f"{base}.wal").unlink()

    write_database(base, {"a": tables(1)["a"], "stray": tables(1)["b"]})
    with pytest.raises(ValueError, match="not the version's: stray"):
        publish_version(
            published, tables(3), [], hashlib.sha256(b"3").hexdigest(), base_database=base
        )
    assert latest_folder(published) == walled
    assert version_names(published) == [version, walled.name]
    assert not list(published.glob(".*.tmp"))
