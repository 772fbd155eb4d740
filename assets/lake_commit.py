"""The lake side of publishing a version: each source's publication committed to the DuckLake
history, then the version's history tables (change feed, crosswalk, entity and publication
history) read from it, on one connection; and the catalog frozen for the version.

Called by `published_version` (assets/consolidated.py), beside the FtM export in a thread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.vocabulary import TABLE_NAMES

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from resources.history import Committed, History


def commit_history(
    tables: dict[str, pl.DataFrame],
    staged: dict[str, str],
    history: History,
    con: duckdb.DuckDBPyConnection,
) -> list[Committed]:
    """Commit each source's current publication to the lake (one snapshot per new publication).

    Called only while publishing, after every blocking check passed: the lake then holds no
    publication a check held back. `history`: the storage backend's lake; `con` a connection
    to it open for writing (`History.open`).
    """
    import polars as pl

    committed = []
    for source, staged_as in sorted(staged.items()):
        publication_id = staged_as.split(".", 1)[0]
        publication = (
            tables["publications"]
            .filter(pl.col("publication_id") == publication_id)
            .row(0, named=True)
        )
        per_source = {
            n: df.filter(pl.col("source") == source)
            for n, df in tables.items()
            if n != "publications"
        }
        committed.append(
            history.commit(con, source, {**publication, "staged_as": staged_as}, per_source)
        )
    return committed


def version_extras(
    tables: dict[str, pl.DataFrame],
    primary: pl.DataFrame,
    previous: dict[str, Any] | None,
    committed: Sequence[Committed],
    history: History,
    con: duckdb.DuckDBPyConnection,
) -> tuple[dict[str, pl.DataFrame], int, set[int]]:
    """History tables for a new version: change feed, crosswalk, entity and publication history.

    Only published snapshots count (the ledger's, and this version's `committed`): a commit
    whose publishing failed is in the lake but in none of these tables. `primary`: the
    publication each source's canonical rows come from. Also returns the lake snapshot and the
    snapshots this version publishes.
    """
    from core.changes import State, change_feed
    from resources.history import entity_history

    snapshot = history.current_snapshot(con)
    published = history.published_snapshots(con, previous) | {c.snapshot_id for c in committed}
    after = State(
        tables={n: df.drop("publication_id") for n, df in tables.items() if n != "publications"},
        publications=dict(primary.select("source", "publication_id").iter_rows()),
        files={
            r["source"]: frozenset(f["name"] for f in json.loads(r["files"]))
            for r in primary.iter_rows(named=True)
        },
    )
    if previous is not None and previous.get("lake_snapshot") is not None:
        before = State(
            tables={n: history.table_at(con, n, previous["lake_snapshot"]) for n in TABLE_NAMES},
            publications={
                s["source"]: s["publication_id"] for s in previous["sources"] if s.get("primary")
            },
            files={
                s["source"]: frozenset(s.get("files", []))
                for s in previous["sources"]
                if s.get("primary")
            },
        )
    else:
        before = State(
            tables={n: df.head(0) for n, df in after.tables.items()}, publications={}, files={}
        )
    changes, crosswalk = change_feed(before, after)
    extras = {
        "changes": changes,
        "crosswalk": crosswalk,
        "entity_history": entity_history(history, con, published),
        "publication_history": history.snapshots(con, published),
    }
    return extras, snapshot, published


def commit_and_read(
    tables: dict[str, pl.DataFrame],
    staged: dict[str, str],
    primary: pl.DataFrame,
    previous: dict[str, Any] | None,
    history: History,
    frozen_dir: Path,
) -> tuple[list[Committed], dict[str, pl.DataFrame], int, Path, set[int]]:
    """`commit_history`, then `version_extras` on the same connection (each connection
    attaches the lake anew: ~0.2 s); then the catalog, closed, frozen for the version under
    `frozen_dir`. Returns what both return and the frozen catalog's path."""
    with history.open() as con:
        committed = commit_history(tables, staged, history, con)
        extras, snapshot, published = version_extras(
            tables, primary, previous, committed, history, con
        )
    frozen = frozen_dir / f".history.{snapshot}.ducklake"
    history.freeze(frozen)
    return committed, extras, snapshot, frozen, published
