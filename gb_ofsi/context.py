"""OFSI Consolidated List: the state the canonical mapping builds in (rows per table, the file's layout) and its vocabularies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.canonical import TABLES, Unknown
from core.un_references import un_reference_key
from gb_ofsi.constants import SOURCE, XML_FIELDS, Layout
from gb_ofsi.fields import _DOC_NOISE, _NON_DIGIT

# --- building canonical tables ----------------------------------------------------------------

_EID = pl.lit(SOURCE + "-") + pl.col("group_id")
# (group_id, target number, element, text) of an XML element the parser does not know.
Extra = tuple[str, int, str, str]


class _Out:
    """Canonical rows per table: frames from the vectorised steps, dict rows from the rare
    paths (rejects, unreadable values). Deduplicated when assembled, because a party's
    cross-product rows repeat the same value many times."""

    def __init__(self) -> None:
        self.frames: dict[str, list[pl.DataFrame]] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: str, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def extend(self, table: str, df: pl.DataFrame) -> None:
        if df.height:
            self.frames.setdefault(table, []).append(df)

    def tables(self) -> dict[str, pl.DataFrame]:
        for table, rows in self.rows.items():
            self.extend(table, pl.from_dicts(rows, schema=TABLES[table]))
        return {
            table: _align(table, pl.concat(parts, how="diagonal_relaxed")).unique(
                maintain_order=True
            )
            for table, parts in self.frames.items()
        }


def _align(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """The canonical columns of `table` (without provenance), in order; absent ones null."""
    return df.select(
        pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in TABLES[table].items()
    )


@dataclass
class _Context:
    """What the build steps share: the layout, the output, the unknowns, each party's first row."""

    layout: Layout
    out: _Out
    unknowns: list[Unknown]
    first_rows: dict[str, int]

    def origin(self, part: str) -> pl.Expr:
        return pl.lit(f"{self.layout.file}:{part}")

    def where(self, gid: str) -> str:
        return f"{self.layout.unit} {self.first_rows[gid]} (Group ID {gid})"

    def unknown(self, gid: str, what: str, value: str) -> None:
        self.unknowns.append(Unknown(self.layout.file, self.where(gid), what, value))


def _fan_out(
    df: pl.DataFrame,
    cols: list[str],
    fn: Callable[..., Iterable[tuple[Any, ...]]],
    schema: Mapping[str, Any],
) -> pl.DataFrame:
    """Run `fn` once per distinct value of `cols` and give its rows to every party carrying it.

    Values repeat across parties (nationalities, countries) and across a party's rows, so the
    Python work is done per distinct value and polars joins the results back to the parties.
    The result has `group_id`, `entity_id`, `cols` and the columns of `schema`.
    """
    pairs = (
        df.select("group_id", *cols)
        .filter(pl.any_horizontal(pl.col(cols).is_not_null()))
        .unique(maintain_order=True)
    )
    values = pairs.select(cols).unique(maintain_order=True)
    rows = [(*key, *row) for key in values.iter_rows() for row in fn(*key)]
    mapping = pl.DataFrame(rows, schema={**dict.fromkeys(cols, pl.String), **schema}, orient="row")
    joined = pairs.join(mapping, on=cols, how="inner", nulls_equal=True, maintain_order="left")
    return joined.with_columns(entity_id=_EID)


def _normalize(id_type: str, value: str) -> str | None:
    if id_type == "phone":
        return _NON_DIGIT.sub("", value) or None
    if id_type in ("email", "website"):
        return value.lower()
    if id_type == "un_reference":
        # the current form where the mapping is certain (`QI.A.291.11` → `QDI.291`)
        return un_reference_key(value)
    if id_type == "list_reference":
        return _SPACE.sub("", value).upper()
    return _DOC_NOISE.sub("", value).upper() or None


_SPACE = re.compile(r"\s")
_PHONE_LABEL = re.compile(r"\((Fax|Tel)\)\s*:")
ID_FIELDS = {
    "uk_sanctions_list_ref": ("list_reference", "UK Sanctions List Ref"),
    "un_ref": ("un_reference", "UN Ref"),
    "email_address": ("email", "Email address"),
    "website": ("website", "Website"),
    "business_reg_no": ("registration", "Business Reg No"),
    "hull_identification_number": ("other", "Hull identification number (HIN)"),
}
ATTRIBUTES = {
    "uk_statement_of_reasons": "statement_of_reasons", "gender": "gender",
    "type_of_entity": "type_of_entity", "current_owners": "vessel_owner",
    "previous_owners": "vessel_previous_owners", "previous_flags": "vessel_previous_flags",
    "type_of_ship": "vessel_type", "tonnage_of_ship": "vessel_tonnage",
    "length_of_ship": "vessel_length", "year_built": "vessel_year_built",
    "grp_status": "group_status_code", "group_status": "group_status",
    "listing_type": "listing_type", "date_additional_sanctions": "date_additional_sanctions",
    "group_sanctions": "group_sanctions",
}  # fmt: skip
# The XML names the element a fact came from; the CSV/XLSX pack every fact into one column.
XML_ELEMENT = {column: tag for tag, column in XML_FIELDS.items()}
OI_SCHEMAS: dict[str, dict[str, Any]] = {
    "identifiers": {
        "id_type": pl.String,
        "label": pl.String,
        "value": pl.String,
        "normalized": pl.String,
        "note": pl.String,
        "origin": pl.String,
    },
    "attributes": {"attribute": pl.String, "value": pl.String, "origin": pl.String},
    "countries": {
        "country_code": pl.String,
        "raw": pl.String,
        "relation": pl.String,
        "origin": pl.String,
    },
    "relationships": {"to_name": pl.String, "relation": pl.String, "origin": pl.String},
}
