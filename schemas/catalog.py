"""The data dictionary of the published tables, read from their Pandera models.

One place for what a table and each of its columns mean: the same descriptions become
`COMMENT ON TABLE/COLUMN` in the published `sanctions.duckdb` (so `duckdb_tables()` and
`duckdb_columns()` show them) and the column schema of each table's asset in Dagster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandera.polars as pa


@cache
def published_models() -> dict[str, type[pa.DataFrameModel]]:
    """The model of each published table that has one, by table name.

    Imported here, not with this module: pandera (which imports pandas) is slow to load, and
    only the publishing step reads the dictionary (`import definitions` stays light).
    """
    from schemas import reconcile, trade
    from schemas.canonical import MODELS, Publications

    return {"publications": Publications, **MODELS, **reconcile.MODELS, **trade.MODELS}


# History tables are built by the pipeline from the lake, not validated by a model of their own:
# what they hold, as CONTRACT.md ("History, time travel and change feed") says.
HISTORY_TABLES: dict[str, str] = {
    "changes": "One row per field-level change since the previous published version (party "
    "added/removed/re-keyed, name/identifier/program added or removed, attribute changed), "
    "naming the publications on both sides.",
    "crosswalk": "One row per party re-keyed by its publisher (same content, new ID).",
    "entity_history": "One row per stretch of consecutive publications listing a party; "
    "`to_*` null while it is still listed.",
    "publication_history": "One row per source publication ever published, with its DuckLake "
    "snapshot (time travel: `AT (VERSION => snapshot_id)` in history.ducklake).",
}

# Built from the history lake's publications (ftm/history_statements.py), not validated by a model.
STATEMENTS = (
    "One row per value of the FollowTheMoney export of every publication in the history lake "
    "(entity, property, value), with the first and the last publication that carried it.",
    {
        "entity_id": "FtM entity ID (a record's entity_id with `-` for `_`, or a satellite's hash).",
        "schema": "FtM schema of the entity (Person, Company, Vessel, Sanction, …), its latest.",
        "prop": "FtM property name.",
        "value": "The value, as exported.",
        "source": "The list that publishes it.",
        "first_seen": "When the pipeline fetched the first publication that carried the value.",
        "first_publication_id": "That first publication.",
        "first_published_at": "Publisher's date of that first publication.",
        "last_seen": "When the pipeline fetched the last publication that carried the value.",
        "last_publication_id": "That last publication (the list's latest while `current`).",
        "last_published_at": "Publisher's date of that last publication.",
        "publications": "How many of the list's publications carried the value.",
        "current": "Whether the list's latest publication still carries the value.",
    },
)


@dataclass(frozen=True)
class TableDoc:
    """What a table holds and what each of its columns means."""

    description: str
    columns: dict[str, str] = field(default_factory=dict)


def model_doc(model: type[pa.DataFrameModel]) -> TableDoc:
    """The table and column descriptions of a Pandera model."""
    schema = model.to_schema()
    description = schema.description or (model.__doc__ or "").strip()
    columns = {name: col.description for name, col in schema.columns.items() if col.description}
    return TableDoc(description, columns)


def dictionary(tables: Iterable[str]) -> dict[str, TableDoc]:
    """The data dictionary of `tables` (those the catalog knows; others are left out)."""
    docs: dict[str, TableDoc] = {}
    models = published_models()
    for name in tables:
        if name in models:
            docs[name] = model_doc(models[name])
        elif name in HISTORY_TABLES:
            docs[name] = TableDoc(HISTORY_TABLES[name])
        elif name == "statements":
            docs[name] = TableDoc(*STATEMENTS)
    return docs
