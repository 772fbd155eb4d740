"""Canonical rows shared by OFAC's readers: the row accumulator, names, IMO kinds, links, facts.

Used by the legacy CSV (`ofac.legacy_csv`), the classic XML (`ofac.classic_xml`) and the
Enhanced XML (`ofac.features`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from core.canonical import Unknown, frame
from core.errors import SourceFormatError
from ofac.remarks import Remarks


def refuse_duplicates(name: str, df: pl.DataFrame, key: str) -> None:
    dupes = df.filter(pl.col(key).is_duplicated())
    if dupes.height:
        first = dupes[key][0]
        record = df.select((pl.col(key) == first).arg_true()).to_series().to_list()
        raise SourceFormatError(
            name, f"records {', '.join(str(r + 1) for r in record)}", f"duplicate {key} {first}"
        )


def split_name(name: str, entity_type: str) -> tuple[str | None, str | None]:
    """OFAC writes individuals as `FAMILY, Given`; returns (given, family)."""
    if entity_type == "person" and ", " in name:
        family, given = name.split(", ", 1)
        return given, family
    return None, None


class Rows:
    """Accumulates canonical rows per table while walking a source."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.unknowns: list[Unknown] = []

    def add(self, table: str, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def add_remarks(
        self, eid: str, etype: str, remarks: Remarks, origin: str = "remarks"
    ) -> str | None:
        for row in remarks.identifiers:
            self.add("identifiers", entity_id=eid, origin=origin, **imo_kind(row, etype))
        for row in remarks.birth_dates:
            self.add("birth_dates", entity_id=eid, origin=origin, **row)
        for row in remarks.birth_places:
            self.add("birth_places", entity_id=eid, origin=origin, **row)
        for row in remarks.countries:
            self.add("countries", entity_id=eid, origin=origin, **row)
        for row in remarks.names:
            self.add("names", entity_id=eid, origin=origin, **row)
        for row in remarks.attributes:
            self.add("attributes", entity_id=eid, origin=origin, **row)
        for row in remarks.relationships:
            self.add("relationships", from_entity_id=eid, origin=origin, **row)
        return "; ".join(remarks.unparsed) or None

    def tables(self) -> dict[str, pl.DataFrame]:
        return {table: frame(table, rows) for table, rows in self.rows.items()}


def imo_kind(row: dict[str, Any], etype: str) -> dict[str, Any]:
    """Keep `imo` for ship numbers that pass the check digit; say what the others are.

    OFAC writes company numbers as `Identification Number IMO …` too: on a party that is not a
    vessel the number is an IMO company/registered owner number, which has no ship check digit,
    so it is kept as a registration number. A vessel's number failing its check digit is kept
    as published under `other`, with the note, so `imo` rows can be trusted for matching.
    """
    if row.get("id_type") != "imo":
        return row
    note = row.get("note") or ""
    if etype != "vessel":
        extra = "" if "company" in note else "IMO company/registered owner number"
        return {**row, "id_type": "registration", "note": "; ".join(n for n in (note, extra) if n)}
    if "invalid check digit" in note:
        return {**row, "id_type": "other"}
    return row


def resolve_links(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Fill `to_entity_id` where a `Linked To:` name is the primary name of exactly one party."""
    rel = tables.get("relationships")
    if rel is None or rel.height == 0:
        return tables
    names = (
        tables["entities"]
        .select(
            pl.col("primary_name").str.to_uppercase().alias("key"),
            pl.col("entity_id").alias("target"),
        )
        .filter(pl.col("key").is_unique())
    )
    rel = (
        rel.with_columns(key=pl.col("to_name").str.to_uppercase().str.strip_chars(" ."))
        .join(names, on="key", how="left")
        .with_columns(to_entity_id=pl.coalesce("to_entity_id", "target"))
        .drop("key", "target")
    )
    return {**tables, "relationships": rel}


# What makes two rows of a table the same fact, compared without case and a closing period
# (every column that carries content: a remarks row that adds a note or a country is kept).
_FACT_KEYS = {
    "attributes": ("attribute", "value"),
    "identifiers": ("id_type", "normalized", "country_code", "note"),
    "countries": ("relation", "raw"),
}


def fold_remark_repeats(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Keep once a fact the remarks repeat from a column of their own record.

    OFAC writes some facts both in a column and in the remarks (the SDN title
    `Lieutenant General, Minister of Defense` in the Title column and again as a remarks
    fragment): the column's row stands, the remarks' identical row is folded into it.
    """
    out = dict(tables)
    for table, columns in _FACT_KEYS.items():
        df = tables.get(table)
        if df is None or df.height == 0:
            continue
        key = [
            pl.col(c).cast(pl.String).str.to_lowercase().str.strip_chars(" .").alias(f"_{c}")
            for c in columns
        ]
        names = ["entity_id", *(f"_{c}" for c in columns)]
        remarks = pl.col("origin") == "remarks"
        # only a remarks row of a party that has rows of its own can repeat one: the keys are
        # computed for those parties' rows alone (a few hundred of the SDN list's 15,000)
        both = df.filter(~remarks).select("entity_id").unique()
        keyed = (
            df.with_row_index("_n")
            .join(both, on="entity_id", how="semi", maintain_order="left")
            .with_columns(key)
        )
        if keyed.height == 0:
            continue
        stated = keyed.filter(~remarks).select(names).unique()
        repeated = keyed.filter(
            remarks & pl.struct(names).is_in(stated.select(pl.struct(names)).to_series().implode())
        )["_n"]
        if repeated.len():
            out[table] = df.filter(
                ~pl.int_range(pl.len(), dtype=pl.UInt32).is_in(repeated.implode())
            )
    return out
