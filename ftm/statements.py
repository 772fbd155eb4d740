"""FtM entities exploded to one row per (entity, property, value): the unit of `statements`,
which `ftm/history_statements.py` builds from every publication of the versioned store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl


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
