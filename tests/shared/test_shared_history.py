"""The lake on PostgreSQL + the bucket: commits, time travel, and a version's frozen catalog."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.canonical import TABLE_NAMES, frame
from resources.backend import StorageBackend, packaged_extension
from resources.history import extension_path


def tables(source: str, parties: int) -> dict:
    out = {t: frame(t).drop("publication_id") for t in TABLE_NAMES}
    out["entities"] = frame(
        "entities",
        [
            {"source": source, "publication_id": "p", "entity_id": f"{source}-{i}"}
            for i in range(parties)
        ],
    ).drop("publication_id")
    return out


def test_frozen_catalog_time_travels_on_the_bucket(backend: StorageBackend, tmp_path: Path) -> None:
    history = backend.history(tmp_path / "lake")
    with history.open() as con:
        first = history.commit(
            con, "src", {"publication_id": "src-1", "source": "src"}, tables("src", 500)
        )
        second = history.commit(
            con, "src", {"publication_id": "src-2", "source": "src"}, tables("src", 700)
        )
    assert (first.inserted["entities"], second.inserted["entities"]) == (500, 200)
    history.record_published("v1", second.snapshot_id, [first.snapshot_id, second.snapshot_id])
    assert history.ledger_entries() == [
        {
            "version": "v1",
            "lake_snapshot": second.snapshot_id,
            "snapshots": [first.snapshot_id, second.snapshot_id],
        }
    ]
    # the data files went to the bucket, not to the local folder
    store = backend.store()
    assert any(k.endswith(".parquet") for k in store.keys(store.key("lake")))
    assert history.data_files() == {}
    frozen = tmp_path / "history.ducklake"
    history.freeze(frozen)
    con = duckdb.connect()  # a reader with the bucket's key but no access to PostgreSQL
    for path in (extension_path(), packaged_extension("httpfs")):
        con.execute(f"LOAD '{path}'")
    con.execute(backend.secret_sql())
    con.execute(f"ATTACH 'ducklake:{frozen}' AS history (READ_ONLY)")
    count = "SELECT count(*) FROM history.entities{at} WHERE source = 'src'"
    assert con.execute(count.format(at=f" AT (VERSION => {first.snapshot_id})")).fetchone() == (
        500,
    )
    assert con.execute(count.format(at="")).fetchone() == (700,)
    con.close()
