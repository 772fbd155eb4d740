"""Real PostgreSQL and a local S3 server (moto) for the shared-backend tests.

Both listen on 127.0.0.1 on free ports, in a temporary folder, and are stopped afterwards.
PostgreSQL comes from Debian's packages (`apt-get install postgresql`, which `.ci/run` does
when it is missing); its server refuses to run as root, so as root it runs as the `postgres`
user the package creates. A missing PostgreSQL is an error naming the install command, never
a skip. The S3 server is `moto_server` from the dev dependencies (`moto[server]`).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

PG_GLOB = "/usr/lib/postgresql/*/bin"
PG_USER = "sanctions"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries Debian installed; a clear error if there are none."""
    found = sorted(glob.glob(PG_GLOB), key=lambda p: int(Path(p).parent.name.split(".")[0]))
    if not found:
        raise RuntimeError(
            f"PostgreSQL is not installed (no {PG_GLOB}): the shared-backend tests need a real "
            "server; install it with `apt-get install -y postgresql` (.ci/run does)"
        )
    return Path(found[-1])


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    dbname: str

    def libpq(self, dbname: str | None = None) -> str:
        """A libpq connection string (what DuckLake's `ducklake:postgres:` takes)."""
        return f"dbname={dbname or self.dbname} host={self.host} port={self.port} user={self.user}"

    def url(self, dbname: str | None = None) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname or self.dbname}"

    def create_database(self, name: str) -> None:
        import psycopg2

        con = psycopg2.connect(self.libpq("postgres"))
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its commands as `postgres` then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@contextmanager
def postgres() -> Iterator[Postgres]:
    """A fresh cluster in a temporary folder on 127.0.0.1 (trust authentication: local tests
    only), removed afterwards. The folder is made directly under the system's temporary
    directory, so the `postgres` user can reach it when the tests run as root."""
    bin_dir = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="sanctions-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "pgdata"
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off"
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER, "-A", "trust", "-E", "UTF8"])
    log = str(folder / "log")
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start"])
    try:
        server = Postgres("127.0.0.1", port, PG_USER, "postgres")
        yield server
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _run(argv: list[str]) -> None:
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")


@dataclass(frozen=True)
class S3:
    endpoint: str  # host:port
    key_id: str = "testing"
    secret: str = "testing"
    region: str = "us-east-1"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def create_bucket(self, name: str) -> None:
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
            region_name=self.region,
        ).create_bucket(Bucket=name)


@contextmanager
def moto(folder: Path) -> Iterator[S3]:
    """`moto_server` on 127.0.0.1 and a free port (its process stopped afterwards)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        raise RuntimeError(f"{exe} missing: install the dev dependencies (`moto[server]`)")
    log = open(folder / "moto.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"moto_server did not start: {(folder / 'moto.log').read_text()[-2000:]}"
                    ) from None
                time.sleep(0.2)
        yield S3(f"127.0.0.1:{port}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
