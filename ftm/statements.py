"""Statements: one row per value of the FtM export, with when it was first and last seen.

Built version by version: the previous version's `statements` table plus this version's
export. A value seen now keeps its `first_*` and gets this version as `last_*`; a new value
starts here; a value no longer exported keeps its last sighting (`current` false). So the
table answers "since when does OFAC list this passport for this person?" over every version
published since the export existed (older history: the change feed and `entity_history`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import polars as pl

KEY = ["entity_id", "prop", "value"]
SCHEMA = {
    "entity_id": pl.String,
    "schema": pl.String,
    "prop": pl.String,
    "value": pl.String,
    "source": pl.String,
    "first_seen": pl.Datetime("us", "UTC"),
    "first_publication_id": pl.String,
    "first_published_at": pl.Datetime("us", "UTC"),
    "last_seen": pl.Datetime("us", "UTC"),
    "last_publication_id": pl.String,
    "last_published_at": pl.Datetime("us", "UTC"),
    "current": pl.Boolean,
}


def explode(entities: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """One row per (entity, property, value); `source` is the entity's publisher (a list),
    null for a reconciled party (its values come from several lists: see its referents)."""
    rows: dict[str, list[Any]] = {k: [] for k in ("entity_id", "schema", "prop", "value", "source")}
    for e in entities:
        publishers = e["properties"].get("publisher", [])
        source = publishers[0] if len(publishers) == 1 and not e.get("referents") else None
        for prop, values in e["properties"].items():
            for value in values:
                rows["entity_id"].append(e["id"])
                rows["schema"].append(e["schema"])
                rows["prop"].append(prop)
                rows["value"].append(value)
                rows["source"].append(source)
    return pl.DataFrame(rows, schema={k: pl.String for k in rows})


def update_statements(
    previous: pl.DataFrame | None,
    entities: Iterable[Mapping[str, Any]],
    publications: pl.DataFrame,
    built_at: datetime,
) -> pl.DataFrame:
    """This version's statements table (see the module docstring)."""
    pubs = publications.select(
        "source",
        pl.col("publication_id").alias("pub_id"),
        pl.col("published_at").cast(pl.Datetime("us", "UTC")).alias("pub_at"),
    ).unique("source", keep="first")
    now = explode(entities).join(pubs, on="source", how="left")
    stamp = pl.lit(built_at).cast(pl.Datetime("us", "UTC"))
    now = now.with_columns(
        stamp.alias("last_seen"),
        pl.col("pub_id").alias("last_publication_id"),
        pl.col("pub_at").alias("last_published_at"),
        pl.lit(True).alias("current"),
    )
    if previous is None or previous.is_empty():
        seen = now.with_columns(
            stamp.alias("first_seen"),
            pl.col("pub_id").alias("first_publication_id"),
            pl.col("pub_at").alias("first_published_at"),
        )
        return seen.select(list(SCHEMA)).cast(SCHEMA).sort(KEY)  # type: ignore[arg-type]
    first = previous.select(*KEY, "first_seen", "first_publication_id", "first_published_at")
    seen = now.join(first, on=KEY, how="left").with_columns(
        pl.col("first_seen").fill_null(stamp),
        pl.col("first_publication_id").fill_null(pl.col("pub_id")),
        pl.col("first_published_at").fill_null(pl.col("pub_at")),
    )
    gone = previous.join(now.select(KEY), on=KEY, how="anti").with_columns(
        pl.lit(False).alias("current")
    )
    return pl.concat(
        [seen.select(list(SCHEMA)).cast(SCHEMA), gone.select(list(SCHEMA)).cast(SCHEMA)]
    ).sort(KEY)  # type: ignore[arg-type]
