"""EU FSF: the staged (source-shaped) frames every format is read into, and the flat-row grouping shared by the two CSV layouts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from core.canonical import Unknown
from core.errors import SourceFormatError
from eu_fsf.columns import STAGED_SCHEMAS
from eu_fsf.constants import FACT_TABLES
from eu_fsf.facts import _blank_null

# --- staging: the shape every format is read into --------------------------------------------


@dataclass
class Staged:
    """Source-shaped records of one file, plus what the reader could not place."""

    file: str
    tables: dict[str, pl.DataFrame]
    unknowns: list[Unknown] = field(default_factory=list)
    # (entity logicalId, attribute, value): unknown fields kept beside their entity
    extras: list[tuple[str, str, str]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    raw: Callable[[str], str] | None = None
    lossy: bool = False  # True for a copy whose non-Windows-1252 letters became '?'


def _staged_frame(table: str, rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=STAGED_SCHEMAS[table])


def _conform_staged(table: str, df: pl.DataFrame) -> pl.DataFrame:
    schema = STAGED_SCHEMAS[table]
    return df.select(
        pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in schema.items()
    )


_CONTACT = re.compile(r"([A-Za-z]+)\[(.*?)\]", re.DOTALL)


def _unpack_contacts(
    staged_addresses: pl.DataFrame, file: str, unknowns: list[Unknown]
) -> pl.DataFrame:
    """CSV contact fields look like `PHONE[042-681 20 81]\\nFAX[662 38 14]`: one row per pair."""
    rows: list[dict[str, str]] = []
    packed = staged_addresses.filter(pl.col("contact_info").is_not_null())
    for row in packed.select("entity_logical_id", "logical_id", "contact_info").iter_rows():
        eid, lid, text_ = row
        for key, value in _CONTACT.findall(text_):
            if value.strip():
                rows.append(
                    {
                        "entity_logical_id": eid,
                        "address_logical_id": lid,
                        "key": key,
                        "value": value.strip(),
                    }
                )
        leftover = re.sub(r"[\s;,]|\\n", "", _CONTACT.sub("", text_))
        if leftover:
            unknowns.append(
                Unknown(file, f"address {lid} of entity {eid}", "contact info format", leftover)
            )
    return _staged_frame("contacts", rows)


# --- shared: flat CSV rows → staged frames ---------------------------------------------------

ENTITY_CONSISTENT = (
    "subject_type",
    "classification_code",
    "eu_reference_number",
    "united_nation_id",
    "designation_date",
)


def _stage_flat(name: str, df: pl.DataFrame, layout: str, encoding: str) -> Staged:
    """Group flat CSV rows (columns named `table.column`) into the staged frames.

    A fact repeated on several rows (the CSV repeats entity and regulation columns on every
    row, and may repeat facts) is taken once.
    """
    key = "entities.logical_id"
    unknowns: list[Unknown] = []
    rejects: list[dict[str, Any]] = []
    data_columns = [c for c in df.columns if c != "record"]
    orphan = df.filter(
        pl.col(key).is_null() & pl.any_horizontal(pl.col(c).is_not_null() for c in data_columns)
    )
    for row in orphan.iter_rows(named=True):
        raw = json.dumps(
            {k: v for k, v in row.items() if v is not None and k != "record"}, ensure_ascii=False
        )
        rejects.append(
            {
                "kind": "row",
                "file": name,
                "locator": f"record {row['record']}",
                "reason": "row without an entity logicalId",
                "raw": raw,
            }
        )
    df = df.filter(pl.col(key).is_not_null())
    generation = (
        df.get_column("file.generation_date").drop_nulls().unique(maintain_order=True).to_list()
    )
    if len(generation) > 1:
        unknowns.append(
            Unknown(name, "file date column", "several file dates", ", ".join(generation))
        )

    tables: dict[str, pl.DataFrame] = {}
    tables["file"] = _staged_frame(
        "file",
        [
            {
                "layout": layout,
                "encoding": encoding,
                "generation_date": generation[0] if generation else None,
            }
        ],
    )

    def columns_of(table: str) -> dict[str, str]:
        return {c: c.split(".", 1)[1] for c in df.columns if c.startswith(f"{table}.")}

    ent_cols = columns_of("entities")
    ents = df.select("record", *ent_cols).rename(ent_cols)
    absent = [c for c in STAGED_SCHEMAS["entities"] if c not in ents.columns and c != "position"]
    ents = ents.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)
    present = [c for c in ENTITY_CONSISTENT if c in ents.columns]
    conflicts = ents.group_by("logical_id").agg(pl.col(c).drop_nulls().n_unique() for c in present)
    conflicts = conflicts.filter(pl.any_horizontal(pl.col(c) > 1 for c in present))
    if conflicts.height:
        lid = conflicts["logical_id"][0]
        bad_col = next(c for c in present if conflicts[c][0] > 1)
        records = ents.filter(pl.col("logical_id") == lid)["record"].to_list()
        raise SourceFormatError(
            name,
            f"Entity_LogicalId {lid} (records {records[0]}…{records[-1]})",
            f"conflicting {bad_col}: duplicate logicalId?",
        )
    # Entity columns repeat on every row; several remarks (1.0 ties them to regulations) join.
    entities = ents.group_by("logical_id", maintain_order=True).agg(
        *(
            pl.col(c).drop_nulls().first()
            for c in ents.columns
            if c not in ("logical_id", "record", "remark")
        ),
        _blank_null(pl.col("remark").drop_nulls().unique(maintain_order=True).str.join("\n")).alias(
            "remark"
        ),
    )
    entities = entities.with_columns(pl.int_range(1, pl.len() + 1).alias("position"))
    tables["entities"] = _conform_staged("entities", entities)

    for table in FACT_TABLES:
        cols = columns_of(table)
        if not cols:
            tables[table] = _staged_frame(table, [])
            continue
        sub = df.select("record", pl.col(key).alias("entity_logical_id"), *cols).rename(cols)
        content = list(cols.values())
        sub = sub.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in content))
        sub = sub.unique(subset=["entity_logical_id", *content], keep="first", maintain_order=True)
        if table == "names":
            sub = sub.with_columns(pl.int_range(1, pl.len() + 1).alias("position"))
        tables[table] = _conform_staged(table, sub)
    tables["contacts"] = _unpack_contacts(tables["addresses"], name, unknowns)

    def raw(lid: str) -> str:
        entity = tables["entities"].filter(pl.col("logical_id") == lid).row(0, named=True)
        return json.dumps({k: v for k, v in entity.items() if v is not None}, ensure_ascii=False)

    return Staged(name, tables, unknowns, [], rejects, raw)
