"""The multiprocess executor against the in-process default, on the shared backend.

    .venv/bin/python -m bench.bench_executors [--only in_process|multiprocess]

Starts PostgreSQL and moto_server on 127.0.0.1 (tests/services.py), then for each executor:
a fresh data directory, catalog database and bucket, the Dagster instance of
deploy/dagster.yaml on PostgreSQL, and the real `refresh_all` job twice on the shipped
snapshots: the first run (fetch, parse, check, consolidate, publish to the bucket) and a
refresh (same inputs: nothing re-parsed, nothing published). Prints wall times side by side and
the machine's load: on a loaded 2-core machine the parallel ingest gains little.

Measured 2026-12-05 01:48-01:54 UTC, nothing else running (load 1.0-1.9), `--only` each
executor in turn, interleaved (multiprocess, in-process, multiprocess, in-process):

    executor         first run s   refresh s
    in_process          64.8, 64.2    8.9, 8.4
    multiprocess        91.2, 93.9   37.6, 39.6

On two cores the multiprocess executor is 1.4x slower on a first run and 4.4x on a refresh:
every step starts a Python process that imports Dagster and the project (a run worker, the
same start, takes 1.9-2.4 s in bench_e2e), while the steps that could run side by side are short. An earlier pair taken while
other sessions' load rose from 1 to 5 (in-process 84.1 s / 27.6 s, then multiprocess 38.3 s /
19.8 s) is not comparable: the two ran under different loads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from dagster import DagsterInstance, execute_job, reconstructable

from tests.services import moto, postgres

ROOT = Path(__file__).resolve().parent.parent


def refresh_all():  # reconstructable: the multiprocess executor's children rebuild it by name
    import definitions

    return definitions.build_definitions().resolve_job_def("refresh_all")


def one(executor: str, pg, s3, work: Path) -> tuple[float, float]:
    db, bucket = f"bench_{executor}", f"bench-{executor.replace('_', '-')}"
    pg.create_database(db)
    pg.create_database(f"{db}_dagster")
    s3.create_bucket(bucket)
    home = work / executor / "dagster_home"
    home.mkdir(parents=True)
    shutil.copyfile(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    os.environ.update(
        SANCTIONS_EXECUTOR=executor,
        SANCTIONS_STORAGE="shared",
        SANCTIONS_LAKE_CATALOG=pg.libpq(db),
        SANCTIONS_S3_BUCKET=bucket,
        SANCTIONS_S3_ENDPOINT=s3.endpoint,
        SANCTIONS_S3_USE_SSL="false",
        AWS_ACCESS_KEY_ID=s3.key_id,
        AWS_SECRET_ACCESS_KEY=s3.secret,
        SANCTIONS_DATA_DIR=str(work / executor / "data"),
        DAGSTER_PG_URL=pg.url(f"{db}_dagster").replace("postgresql:", "postgresql+psycopg2:"),
    )
    times = []
    with DagsterInstance.from_config(str(home)) as instance:
        for _ in range(2):
            start = time.perf_counter()
            result = execute_job(reconstructable(refresh_all), instance=instance)
            times.append(time.perf_counter() - start)
            assert result.success, f"{executor} run failed"
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["in_process", "multiprocess"])
    args = parser.parse_args()
    executors = [args.only] if args.only else ["in_process", "multiprocess"]
    print(f"load before: {os.getloadavg()}")
    with (
        tempfile.TemporaryDirectory(prefix="bench-executors-") as tmp,
        postgres() as pg,
        moto(Path(tmp) / "moto") as s3,
    ):
        figures = {e: one(e, pg, s3, Path(tmp)) for e in executors}
    print(f"load after: {os.getloadavg()}")
    print(f"{'executor':<14}{'first run s':>14}{'refresh s':>12}")
    for executor, (first, refresh) in figures.items():
        print(f"{executor:<14}{first:>14.1f}{refresh:>12.1f}")


if __name__ == "__main__":
    main()
