"""UK Sanctions List (FCDO): the long form both formats are brought into (designations, names, non-Latin names, addresses, facts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from core.canonical import Unknown

# --- the long form both formats are brought into ----------------------------------------------

DESIGNATION_COLUMNS = (
    "unique_id", "ofsi_group_id", "un_reference_number", "designation_type", "regime_name",
    "designation_source", "sanctions_imposed", "other_information", "statement_of_reasons",
    "date_designated", "last_updated",
)  # fmt: skip
NAME_PARTS = ("name1", "name2", "name3", "name4", "name5", "name6")
NAME_COLUMNS = (*NAME_PARTS, "name_type", "alias_strength")
NON_LATIN_COLUMNS = ("name", "script", "language")
ADDRESS_LINES = ("line1", "line2", "line3", "line4", "line5", "line6")
ADDRESS_COLUMNS = (*ADDRESS_LINES, "postal_code", "country")
FACT_COLUMNS = ("field", "value", "extra")


@dataclass
class LongForm:
    """A publication as rows of five shapes, keyed by Unique ID; what `_build` maps."""

    designations: pl.DataFrame  # DESIGNATION_COLUMNS + locator
    names: pl.DataFrame  # unique_id + NAME_COLUMNS
    non_latin: pl.DataFrame  # unique_id + NON_LATIN_COLUMNS
    addresses: pl.DataFrame  # unique_id + ADDRESS_COLUMNS
    facts: pl.DataFrame  # unique_id + FACT_COLUMNS: every other value, typed by `field`
    unknowns: list[Unknown] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)


_DATE_FORMATS = ("%d/%m/%Y", "%d-%b-%Y", "%d %B %Y", "%Y-%m-%d")


def _publication_date(value: str | None) -> date | None:
    """The file's own date: dd/mm/yyyy as elsewhere in the list; other common forms accepted."""
    if not value:
        return None
    text_ = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text_, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text_.replace("Z", "+00:00")).date()
    except ValueError:
        return None
