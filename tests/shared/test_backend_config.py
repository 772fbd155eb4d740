"""The storage backend as the environment selects it (no server needed)."""

from __future__ import annotations

import pytest
from dagster import EnvVar

import definitions
from resources.backend import LOCAL, SHARED, StorageBackend, storage_from_env
from resources.history import History


def test_local_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("SANCTIONS_STORAGE", raising=False)
    backend = storage_from_env()
    assert backend.kind == LOCAL and not backend.shared
    assert type(backend.history(tmp_path)) is History  # the lake file, exactly as before
    resources = definitions.build_definitions().resources
    assert resources["storage"].kind == LOCAL


def test_shared_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANCTIONS_STORAGE", SHARED)
    monkeypatch.delenv("SANCTIONS_LAKE_CATALOG", raising=False)
    monkeypatch.setenv("SANCTIONS_S3_BUCKET", "lists")
    with pytest.raises(ValueError, match="needs SANCTIONS_LAKE_CATALOG"):
        storage_from_env()
    monkeypatch.setenv("SANCTIONS_LAKE_CATALOG", "dbname=lake host=db user=etl")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not shown")
    monkeypatch.setenv("SANCTIONS_S3_USE_SSL", "false")
    backend = storage_from_env()
    assert (backend.kind, backend.bucket, backend.prefix, backend.use_ssl) == (
        SHARED,
        "lists",
        "sanctions",
        False,
    )
    # secrets stay environment variables: the Dagster UI shows their names only
    assert backend.secret == EnvVar("AWS_SECRET_ACCESS_KEY")
    assert backend.catalog == EnvVar("SANCTIONS_LAKE_CATALOG")
    monkeypatch.setenv("SANCTIONS_STORAGE", "nfs")
    with pytest.raises(ValueError, match="'local' or 'shared'"):
        storage_from_env()


def test_secret_sql_names_the_endpoint() -> None:
    backend = StorageBackend(
        kind=SHARED, catalog="dbname=lake", bucket="b", endpoint="127.0.0.1:9000", use_ssl=False
    )
    sql = backend.secret_sql()
    assert "ENDPOINT '127.0.0.1:9000'" in sql and "USE_SSL false" in sql and "SCOPE 's3://b'" in sql
    assert backend.lake_data_path() == "s3://b/sanctions/lake/"
