"""The storage backend: `local` (default, one machine) or `shared` (many machines).

`local` is the data directory as it always was: the DuckLake catalog is a file under
`warehouse/lake/`, versions are folders under `published/`.

`shared` keeps the DuckLake catalog on PostgreSQL, and the lake's data files and the published
versions on an S3-compatible object store (`resources/objectstore.py` says the layout). Each
machine still has its own data directory (raw archive, staging, warehouse, and a local copy of
the versions it built or built on); what many machines share is on PostgreSQL and the bucket.
A shared publish:

1. holds a PostgreSQL advisory lock for the whole publish (writers on any machine serialize;
   the lock goes with the session if the process dies);
2. reads `latest.json` from the bucket and makes the local `published/latest` that version
   (downloaded and verified when this machine lacks it), so the shrink check, change feed and
   FtM delta build on what was really published last, whoever published it;
3. commits to the lake on PostgreSQL, writes the version locally as always, pushes it (never
   overwriting, in parts above 5 GiB, read back and verified), merges its entry into the
   bucket's `versions.json` and moves `latest.json` last, each with a conditional write;
4. applies retention on the bucket (the newest `keep_versions`, and `latest`), logging what it
   removed.

Configuration (environment, read by `definitions.py`, or the resource's fields):

| variable | field | what |
|---|---|---|
| `SANCTIONS_STORAGE` | `kind` | `local` (default) or `shared` |
| `SANCTIONS_LAKE_CATALOG` | `catalog` | libpq string of the PostgreSQL database holding the DuckLake catalog, e.g. `dbname=lake host=db.internal port=5432 user=etl` (password: `PGPASSWORD` or `~/.pgpass`, as libpq reads them) |
| `SANCTIONS_S3_BUCKET` | `bucket` | the bucket |
| `SANCTIONS_S3_PREFIX` | `prefix` | key prefix inside the bucket (default `sanctions`) |
| `SANCTIONS_S3_ENDPOINT` | `endpoint` | `host:port` of an S3-compatible server (MinIO, Ceph…); empty for AWS |
| `SANCTIONS_S3_REGION` | `region` | default `us-east-1` |
| `SANCTIONS_S3_USE_SSL` | `use_ssl` | `true` (default) or `false` |
| `SANCTIONS_S3_URL_STYLE` | `url_style` | `path` (default, MinIO and most servers) or `vhost` |
| `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` | `key_id`, `secret` | the bucket's credentials |
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import ConfigurableResource, EnvVar

from resources.duckdb_files import sql_literal
from resources.history import (
    LAKE,
    VERSION_DATA_PATH,
    History,
    extension_path,
    install_extension,
)
from resources.storage import atomic_write, dumps
from resources.warehouse import LATEST, _seal, remove_tree, switch_latest, verify_published

if TYPE_CHECKING:  # duckdb and boto load when the shared store is used, not with the definitions
    import duckdb

    from resources import objectstore

LOCAL, SHARED = "local", "shared"
LEDGER_KEY = "lake/published.json"

log = logging.getLogger(__name__)


def packaged_extension(name: str) -> Path:
    """A DuckDB extension file shipped in its PyPI package (`httpfs`, `postgres_scanner`)."""
    import importlib

    module = importlib.import_module(
        {
            "httpfs": "duckdb_extension_httpfs",
            "postgres_scanner": "duckdb_extension_postgres_scanner",
        }[name]
    )
    return next(Path(module.__file__).parent.rglob(f"{name}.duckdb_extension"))


def install_extensions(con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Install DuckLake, httpfs and postgres_scanner from their package files (offline), so
    `LOAD httpfs; LOAD postgres; LOAD ducklake;` work in any DuckDB of this version."""
    import duckdb

    own = con is None
    con = con or duckdb.connect()
    try:
        install_extension(con)
        for name in ("httpfs", "postgres_scanner"):
            row = con.execute(
                "SELECT installed, installed_from FROM duckdb_extensions() WHERE extension_name = ?",
                [name],
            ).fetchone()
            source = str(packaged_extension(name))
            if row is None or not row[0] or row[1] != source:
                con.execute(f"FORCE INSTALL {sql_literal(source)}")
    finally:
        if own:
            con.close()


class StorageBackend(ConfigurableResource):
    """Where the lake and the published versions live (see the module's table)."""

    kind: str = LOCAL
    catalog: str = ""
    bucket: str = ""
    prefix: str = "sanctions"
    endpoint: str = ""
    region: str = "us-east-1"
    use_ssl: bool = True
    url_style: str = "path"
    key_id: str = ""
    secret: str = ""
    lock_wait_seconds: float = 600.0

    @property
    def shared(self) -> bool:
        if self.kind not in (LOCAL, SHARED):
            raise ValueError(f"storage kind must be 'local' or 'shared', not {self.kind!r}")
        if self.kind == SHARED:
            missing = [f for f in ("catalog", "bucket") if not getattr(self, f)]
            if missing:
                raise ValueError(
                    f"shared storage needs {', '.join(missing)} (SANCTIONS_LAKE_CATALOG, "
                    "SANCTIONS_S3_BUCKET)"
                )
        return self.kind == SHARED

    # --- the object store --------------------------------------------------------------
    def store(self) -> objectstore.ObjectStore:
        import boto3

        from resources import objectstore

        scheme = "https" if self.use_ssl else "http"
        client = boto3.client(
            "s3",
            endpoint_url=f"{scheme}://{self.endpoint}" if self.endpoint else None,
            aws_access_key_id=self.key_id or None,
            aws_secret_access_key=self.secret or None,
            region_name=self.region,
        )
        return objectstore.ObjectStore(client, self.bucket, self.prefix)

    def secret_sql(self) -> str:
        """`CREATE SECRET` giving DuckDB (httpfs) the bucket's credentials and endpoint."""
        parts = [
            "TYPE s3",
            f"KEY_ID {sql_literal(self.key_id)}",
            f"SECRET {sql_literal(self.secret)}",
            f"REGION {sql_literal(self.region)}",
            f"URL_STYLE {sql_literal(self.url_style)}",
            f"USE_SSL {'true' if self.use_ssl else 'false'}",
            f"SCOPE {sql_literal(f's3://{self.bucket}')}",
        ]
        if self.endpoint:
            parts.append(f"ENDPOINT {sql_literal(self.endpoint)}")
        return f"CREATE OR REPLACE SECRET sanctions_s3 ({', '.join(parts)})"

    def lake_data_path(self) -> str:
        return self.store().url("lake") + "/"

    def connect_lake(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with the shared lake attached as `lake` (catalog on PostgreSQL,
        data files on the bucket)."""
        import duckdb

        con = duckdb.connect()
        for path in (
            extension_path(),
            packaged_extension("httpfs"),
            packaged_extension("postgres_scanner"),
        ):
            con.execute(f"LOAD {sql_literal(str(path))}")
        con.execute(self.secret_sql())
        options = [f"DATA_PATH {sql_literal(self.lake_data_path())}"]
        if read_only:
            options.insert(0, "READ_ONLY")
        con.execute(
            f"ATTACH {sql_literal(f'ducklake:postgres:{self.catalog}')} AS {LAKE} ({', '.join(options)})"
        )
        return con

    def history(self, folder: Path) -> History:
        """The lake: the local one under `folder`, or the shared one."""
        return SharedHistory(folder, self) if self.shared else History(folder)

    @contextmanager
    def publishing(self, published: Path, logger: Any = log) -> Iterator[Publish]:
        """Around a publish: for `shared`, the advisory lock and the bucket's latest pulled."""
        from resources import objectstore

        if not self.shared:
            yield Publish(self, published, logger, None, "")
            return
        with self._advisory_lock(logger):
            store = self.store()
            pointer, etag = objectstore.latest(store)
            if pointer is not None:
                _follow(store, published, pointer, logger)
            yield Publish(self, published, logger, store, etag)

    @contextmanager
    def _advisory_lock(self, logger: Any) -> Iterator[None]:
        import psycopg2

        key = int.from_bytes(
            hashlib.sha256(f"sanctions-etl publish {self.bucket}/{self.prefix}".encode()).digest()[
                :8
            ],
            "big",
            signed=True,
        )
        con = psycopg2.connect(self.catalog)
        try:
            con.autocommit = True
            with con.cursor() as cur:
                deadline = time.monotonic() + self.lock_wait_seconds
                said = False
                while True:
                    cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
                    row = cur.fetchone()
                    if row and row[0]:
                        break
                    if not said:
                        logger.info("another writer is publishing to the shared store: waiting")
                        said = True
                    if time.monotonic() >= deadline:
                        raise TimeoutError(
                            f"another writer holds the shared publish lock (waited "
                            f"{self.lock_wait_seconds:.0f}s); nothing was changed"
                        )
                    time.sleep(0.5)
                try:
                    yield
                finally:
                    cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        finally:
            con.close()


def _follow(
    store: objectstore.ObjectStore, published: Path, pointer: dict[str, Any], logger: Any
) -> None:
    """Make the local `latest` the bucket's latest version (downloaded and verified if new
    here), and the local `versions.json` the bucket's."""
    from resources import objectstore

    version = pointer["version"]
    folder = published / version
    if not folder.is_dir() or verify_published(folder, pointer["manifest_sha256"]):
        tmp = published / f".{version}.pull.tmp"
        remove_tree(tmp)
        tmp.mkdir(parents=True)
        try:
            objectstore.pull_version(store, version, tmp, pointer["manifest_sha256"])
            _seal(tmp)
            remove_tree(folder)
            os.rename(tmp, folder)
        except BaseException:
            remove_tree(tmp)
            raise
        logger.info(f"shared store: pulled version {version} (latest there)")
    if os.path.basename(os.path.realpath(published / LATEST)) != version:
        switch_latest(published, version)
    objectstore.pull_index(store, published / objectstore.VERSIONS_JSON)


class Publish:
    """One publish on a backend: `done` exposes a locally published version (shared: pushes
    it, moves `latest.json`, applies the bucket's retention)."""

    def __init__(
        self,
        backend: StorageBackend,
        published: Path,
        logger: Any,
        store: objectstore.ObjectStore | None,
        etag: str,
    ) -> None:
        self.backend, self.published, self.logger = backend, published, logger
        self.store, self.etag = store, etag

    @property
    def version_data_path(self) -> str:
        """Where a version's frozen catalog finds the lake's data files."""
        return self.backend.lake_data_path() if self.store else VERSION_DATA_PATH

    def done(self, version: str, keep_versions: int) -> list[str]:
        """Expose `version` (already the local latest) on the bucket; returns the versions the
        bucket's retention removed. Nothing to do on the local backend, or when the bucket's
        latest already is `version`."""
        from resources import objectstore

        if self.store is None:
            return []
        pointer, etag = objectstore.latest(self.store)
        if pointer is None or pointer["version"] != version:
            if etag != self.etag:
                raise objectstore.PublishConflict(
                    f"{self.store.url('published', 'latest.json')} moved during this run "
                    f"(now {pointer['version'] if pointer else 'absent'}); {version} not published"
                )
            manifest_sha = objectstore.push_version(self.store, self.published / version)
            index = self.published / objectstore.VERSIONS_JSON
            merged = objectstore.push_index(self.store, index, version, keep_versions)
            if merged is None:
                self.logger.warning(
                    f"shared store: {index} has no entry for {version}: the bucket's "
                    f"{objectstore.VERSIONS_JSON} is left as it was"
                )
            else:  # the local index mirrors the bucket's: every machine's versions
                atomic_write(index, merged)
            self.etag = objectstore.point_latest(self.store, version, manifest_sha, self.etag)
            self.logger.info(
                f"shared store: latest -> {version} ({self.store.url('published', version)})"
            )
        removed = objectstore.remove_old_versions(self.store, keep_versions)
        if removed:
            self.logger.info(
                f"shared store retention (newest {keep_versions} kept, and latest): removed "
                f"{len(removed)} version(s): {', '.join(removed)}"
            )
        return removed


class SharedHistory(History):
    """The lake with its catalog on PostgreSQL and its data files on the bucket.

    `folder` is only a local scratch folder; the ledger is `lake/published.json` on the bucket
    (written under the publish lock).
    """

    def __init__(self, folder: Path, backend: StorageBackend) -> None:
        super().__init__(folder)
        self.backend = backend

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return self.backend.connect_lake(read_only)

    def ledger_entries(self) -> list[dict[str, Any]]:
        store = self.backend.store()
        found = store.get(store.key(LEDGER_KEY))
        return json.loads(found[0])["versions"] if found else []

    def write_ledger(self, entries: list[dict[str, Any]]) -> None:
        store = self.backend.store()
        store.put(store.key(LEDGER_KEY), dumps({"versions": entries}).encode())

    def freeze(self, target: Path, data_path: str = VERSION_DATA_PATH) -> None:
        """A DuckDB-file copy of the PostgreSQL catalog for a published version, whose data path
        is the lake's on the bucket (its data files are immutable: nothing compacts or expires
        them). `data_path` is ignored: the files stay on the bucket."""
        import duckdb

        target.unlink(missing_ok=True)
        con = duckdb.connect()
        try:
            con.execute(f"LOAD {sql_literal(str(packaged_extension('postgres_scanner')))}")
            con.execute(
                f"ATTACH {sql_literal(self.backend.catalog)} AS pg (TYPE postgres, READ_ONLY)"
            )
            con.execute(f"ATTACH {sql_literal(str(target))} AS frozen")
            tables = con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'pg' "
                "AND schema_name = 'public' AND table_name LIKE 'ducklake%'"
            ).fetchall()
            con.execute("BEGIN")
            for (table,) in tables:
                con.execute(f'CREATE TABLE frozen."{table}" AS SELECT * FROM pg.public."{table}"')
            con.execute(
                "UPDATE frozen.ducklake_metadata SET value = ? WHERE key = 'data_path'",
                [self.backend.lake_data_path()],
            )
            con.execute("COMMIT")
            con.execute("DETACH frozen")
        finally:
            con.close()

    def data_files(self) -> dict[str, Path]:
        """None locally: the lake's data files are on the bucket, named by the frozen catalog."""
        return {}


def storage_from_env() -> StorageBackend:
    """The backend the environment selects (see the module's table); `local` by default.

    The catalog string and the bucket's keys are passed as `EnvVar`s: Dagster resolves them
    when a run starts and its UI shows the variables' names, never their values.
    """
    env = os.environ
    kind = env.get("SANCTIONS_STORAGE", LOCAL)
    if kind == LOCAL:
        return StorageBackend()
    if kind != SHARED:
        raise ValueError(f"SANCTIONS_STORAGE must be 'local' or 'shared', not {kind!r}")
    missing = [v for v in ("SANCTIONS_LAKE_CATALOG", "SANCTIONS_S3_BUCKET") if not env.get(v)]
    if missing:
        raise ValueError(f"SANCTIONS_STORAGE=shared needs {', '.join(missing)}")
    secrets = {
        field: EnvVar(var)
        for field, var in (("key_id", "AWS_ACCESS_KEY_ID"), ("secret", "AWS_SECRET_ACCESS_KEY"))
        if var in env
    }
    return StorageBackend(
        kind=kind,
        catalog=EnvVar("SANCTIONS_LAKE_CATALOG"),
        bucket=env["SANCTIONS_S3_BUCKET"],
        prefix=env.get("SANCTIONS_S3_PREFIX", "sanctions"),
        endpoint=env.get("SANCTIONS_S3_ENDPOINT", ""),
        region=env.get("SANCTIONS_S3_REGION", "us-east-1"),
        use_ssl=env.get("SANCTIONS_S3_USE_SSL", "true").lower() not in ("false", "0", "no"),
        url_style=env.get("SANCTIONS_S3_URL_STYLE", "path"),
        **secrets,
    )
