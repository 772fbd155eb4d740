"""Acceptance of #14's storage part: the whole pipeline on the shared backend, end to end.

Real PostgreSQL (the DuckLake catalog and the Dagster instance, `deploy/dagster.yaml`) and a
local S3 server (moto): two runs publish two versions to the bucket, retention keeps one, a
second process time-travels the lake with plain DuckDB SQL, and polars reads the published
parquet from `s3://`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import psycopg2
import pytest
from dagster import DagsterInstance
from dagster._core.storage.defs_state.base import set_defs_state_storage

import definitions
from resources import objectstore
from resources.backend import StorageBackend, install_extensions
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from resources.warehouse import PublishPolicy
from tests.services import S3, Postgres
from tests.shared.conftest import fresh_backend

ROOT = Path(__file__).resolve().parents[2]

# what an analyst on another machine types (README, "Reading the shared store")
TIME_TRAVEL = """
SET autoinstall_known_extensions = false;
SET custom_extension_repository = 'http://127.0.0.1:9';  -- nothing is downloaded
LOAD httpfs; LOAD postgres_scanner; LOAD ducklake;
CREATE SECRET (TYPE s3, KEY_ID '{key}', SECRET '{secret}', ENDPOINT '{endpoint}',
               URL_STYLE 'path', USE_SSL false, REGION 'us-east-1');
ATTACH 'ducklake:postgres:{catalog}' AS lake (READ_ONLY);
SELECT snapshot_id FROM lake.snapshots()
WHERE commit_extra_info::JSON->>'source' = 'us_ofac_sdn' ORDER BY snapshot_id;
SELECT count(*) FROM lake.entities AT (VERSION => {first}) WHERE source = 'us_ofac_sdn';
SELECT count(*) FROM lake.entities WHERE source = 'us_ofac_sdn';
SELECT primary_name FROM lake.entities AT (VERSION => {first}) WHERE entity_id = 'us_ofac_sdn-7489';
"""


def run(data: Path, backend: StorageBackend, instance: DagsterInstance, pins: dict[str, str]):
    defs = definitions.build_definitions(
        SnapshotFetcher(pins=pins),
        DataDir(root=str(data)),
        PublishPolicy(keep_versions=1),
        storage=backend,
    )
    # the definitions are loaded against `instance`'s defs state (dagster 1.13 reads it from a
    # context variable that a disposed instance can leave behind: tests/conftest.py)
    with set_defs_state_storage(instance.defs_state_storage):
        return defs.resolve_job_def("refresh_all").execute_in_process(
            instance=instance, raise_on_error=False
        )


@pytest.fixture
def pg_instance(pg: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A Dagster instance from deploy/dagster.yaml, on its own PostgreSQL database."""
    pg.create_database("dagster_acceptance")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv(
        "DAGSTER_PG_URL",
        pg.url("dagster_acceptance").replace("postgresql:", "postgresql+psycopg2:"),
    )
    instance = DagsterInstance.from_config(str(home))
    yield instance
    instance.dispose()


def test_whole_pipeline_on_the_shared_backend(
    pg: Postgres, s3: S3, tmp_path: Path, pg_instance: DagsterInstance
) -> None:
    backend = fresh_backend(pg, s3)
    store = backend.store()
    data = tmp_path / "data"
    first = run(data, backend, pg_instance, {"us_ofac_sdn": "2023-12-28", "un_sc": "2025-04-19"})
    assert first.success
    v1 = objectstore.latest(store)[0]["version"]  # type: ignore[index]
    # the second machine's worth of work: another data directory, the same PG and bucket
    second = run(tmp_path / "data2", backend, pg_instance, {"us_ofac_sdn": "2024-05-03"})
    assert second.success
    pointer, _ = objectstore.latest(store)
    assert pointer is not None and pointer["version"] != v1
    v2 = pointer["version"]
    assert objectstore.verify_remote(store, v2, pointer["manifest_sha256"]) == []

    # retention: one version kept on the bucket; v1 removed and said so; the lake keeps both
    publish = second.asset_materializations_for_node("published_version")[0].metadata
    assert publish["removed_versions_shared"].value == v1
    assert objectstore.version_names(store) == [v2]
    ledger = json.loads(store.get(store.key("lake/published.json"))[0])  # type: ignore[index]
    assert [e["version"] for e in ledger["versions"]] == [v1, v2]
    # the bucket's versions.json holds both machines' versions, v1 marked removed, v2 built on
    # v1; the second machine's local index mirrors it byte for byte (it pulled the bucket's
    # index with v1, then the merged one it pushed)
    found = store.get(store.key("published", "versions.json"))
    assert found is not None
    index = json.loads(found[0])
    assert index["latest"] == v2
    assert [(v["version"], v["available"]) for v in index["versions"]] == [(v1, False), (v2, True)]
    assert index["versions"][1]["previous"] == v1
    assert (tmp_path / "data2" / "published" / "versions.json").read_bytes() == found[0]
    # the second run built on the bucket's v1 (pulled to the other machine): a change feed
    manifest = json.loads(store.get(store.key("published", v2, "manifest.json"))[0])  # type: ignore[index]
    assert manifest["lake_data_path"] == f"s3://{store.bucket}/sanctions/lake/"
    assert manifest["tables"]["changes"]["rows"] > 0
    # the lake's data files are on the bucket, its catalog on PostgreSQL
    lake_files = [k for k in store.keys(store.key("lake")) if k.endswith(".parquet")]
    assert any("/entities/" in k for k in lake_files)
    with psycopg2.connect(backend.catalog) as con, con.cursor() as cur:
        cur.execute("SELECT count(*) FROM ducklake_snapshot")
        assert cur.fetchone()[0] >= 3  # type: ignore[index]

    # time travel from a second process: the DuckDB CLI, plain SQL, offline extensions
    install_extensions()
    sql = TIME_TRAVEL.format(
        key=s3.key_id,
        secret=s3.secret,
        endpoint=s3.endpoint,
        catalog=backend.catalog,
        first="{first}",
    )
    cli = str(Path(sys.executable).parent / "duckdb")

    def duckdb_cli(script: str) -> list[str]:
        done = subprocess.run(
            [cli, "-csv", "-noheader", "-c", script], capture_output=True, text=True, check=True
        )
        lines = done.stdout.splitlines()
        assert lines[0] == "true", lines  # CREATE SECRET's answer
        return lines[1:]

    snaps = duckdb_cli(sql.split("SELECT count(*)")[0])
    assert len(snaps) == 2, snaps  # the two SDN publications
    out = duckdb_cli(sql.format(first=snaps[0]))
    assert out == [*snaps, "13821", "14965", '"CHIWENGA, Constantine Gureya"'], out

    # the same data from s3:// with polars (storage_options pointing at the local server)
    options = {
        "aws_access_key_id": s3.key_id,
        "aws_secret_access_key": s3.secret,
        "aws_region": s3.region,
        "aws_endpoint_url": s3.url,
        "aws_allow_http": "true",
    }
    url = store.url("published", v2, "entities.parquet")
    remote = pl.read_parquet(url, storage_options=options)
    local = pl.read_parquet(data.parent / "data2" / "published" / v2 / "entities.parquet")
    assert remote.equals(local)
    assert remote.height == manifest["tables"]["entities"]["rows"]
    assert remote.filter(pl.col("source") == "us_ofac_sdn").height == 14_965
    un_names = (
        pl.scan_parquet(store.url("published", v2, "names.parquet"), storage_options=options)
        .filter(pl.col("source") == "un_sc")
        .select(pl.len())
        .collect()
        .item()
    )
    local_names = pl.read_parquet(data.parent / "data2" / "published" / v2 / "names.parquet")
    assert un_names == local_names.filter(pl.col("source") == "un_sc").height > 0

    # the Dagster instance is on PostgreSQL: both runs are recorded there
    runs = pg_instance.get_runs()
    assert {r.run_id for r in runs} >= {first.run_id, second.run_id}
    with psycopg2.connect(pg.libpq("dagster_acceptance")) as con, con.cursor() as cur:
        cur.execute("SELECT count(*) FROM runs WHERE status = 'SUCCESS'")
        assert cur.fetchone()[0] == 2  # type: ignore[index]
