"""Two writers at once (two machines' worth: two processes, two data directories) on one
shared backend: the lake stays whole and no version mixes the two writers' files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from resources import objectstore
from resources.backend import StorageBackend

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 4


def test_two_writers_never_corrupt_the_lake_or_mix_a_version(
    backend: StorageBackend, tmp_path: Path
) -> None:
    procs = []
    for name in ("a", "b"):
        config = {
            "backend": backend.model_dump(),
            "name": name,
            "published": str(tmp_path / name / "published"),
            "rounds": ROUNDS,
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.shared.writer", json.dumps(config)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    store = backend.store()
    versions = objectstore.version_names(store)
    assert len(versions) == 2 * ROUNDS
    seen = []
    for version in versions:
        # every version is whole: each object matches its manifest
        assert objectstore.verify_remote(store, version, None) == []
        body = store.get(store.key("published", version, "who.parquet"))[0]  # type: ignore[index]
        seen.append(pl.read_parquet(body).row(0, named=True))
    # each writer's rounds in order, and each version built on a newer lake than the one before
    for name in ("a", "b"):
        assert [s["round"] for s in seen if s["writer"] == name] == list(range(ROUNDS))
    snapshots = [s["snapshot"] for s in seen]
    assert snapshots == sorted(snapshots) and len(set(snapshots)) == len(snapshots)
    pointer, _ = objectstore.latest(store)
    assert pointer is not None and pointer["version"] == versions[-1]
    ledger = json.loads(store.get(store.key("lake/published.json"))[0])["versions"]  # type: ignore[index]
    # the ledger holds exactly the published versions (compared as sorted strings on both
    # sides: `versions` is in version order, where `…Z-<hash>-2`, a second version built in
    # the same second, follows `…Z-<hash>` whatever the hashes)
    assert sorted(e["version"] for e in ledger) == sorted(versions)
    # the lake: one snapshot per commit, each writer's last publication whole
    with backend.history(tmp_path / "lake").open(read_only=True) as con:
        counts = dict(
            con.execute("SELECT source, count(*) FROM lake.entities GROUP BY source").fetchall()
        )
        commits = con.execute(
            "SELECT count(*) FROM lake.snapshots() WHERE commit_message LIKE 'publication %'"
        ).fetchone()
    assert counts == {"writer_a": ROUNDS, "writer_b": ROUNDS}
    assert commits == (2 * ROUNDS,)
