"""What the reconciliation reads: the canonical tables and their columns."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from core.canonical import frame

REQUIRED = ("entities", "names", "identifiers", "birth_dates", "countries")
# The columns of the canonical tables the reconciliation reads (resolution and divergence).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "entities": (
        "source",
        "publication_id",
        "entity_id",
        "entity_type",
        "primary_name",
        "listed_on",
    ),
    "names": ("entity_id", "name", "name_type", "quality"),
    "identifiers": (
        "source",
        "entity_id",
        "id_type",
        "label",
        "value",
        "normalized",
        "country_code",
        "note",
    ),
    "birth_dates": ("entity_id", "raw", "date_from", "date_to", "precision", "circa"),
    "countries": ("entity_id", "country_code", "relation"),
    "attributes": ("entity_id", "attribute", "value"),
    "sanctions": ("entity_id", "program", "listed_on"),
}


def complete(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    out = dict(tables)
    for name in (*REQUIRED, "attributes", "sanctions"):
        if name not in out:
            out[name] = frame(name)
    return out
