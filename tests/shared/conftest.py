"""Real PostgreSQL and a local S3 server (moto), started once per test session on 127.0.0.1.

No skip: without PostgreSQL the tests fail and say how to install it (`.ci/run` does).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from resources.backend import SHARED, StorageBackend
from tests.services import S3, Postgres, moto, postgres

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[Postgres]:
    with postgres() as server:
        yield server


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    with moto(tmp_path_factory.mktemp("moto")) as server:
        yield server


def fresh_backend(pg: Postgres, s3: S3, **fields: object) -> StorageBackend:
    """A shared backend on a database and a bucket of its own (tests stay independent)."""
    n = next(_names)
    pg.create_database(f"lake{n}")
    s3.create_bucket(f"bucket{n}")
    return StorageBackend(
        kind=SHARED,
        catalog=pg.libpq(f"lake{n}"),
        bucket=f"bucket{n}",
        prefix="sanctions",
        endpoint=s3.endpoint,
        use_ssl=False,
        key_id=s3.key_id,
        secret=s3.secret,
        region=s3.region,
        **fields,
    )


@pytest.fixture
def backend(pg: Postgres, s3: S3) -> StorageBackend:
    return fresh_backend(pg, s3)


@pytest.fixture
def published(tmp_path: Path) -> Path:
    return tmp_path / "published"
