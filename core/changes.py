"""Field-level change feed between two states of the consolidated tables (pure polars).

A state is the canonical tables (without `publication_id`) plus, per source, the publication
in effect and the files it had. Changes are per party: added, removed, re-keyed (same content
under a new ID: a crosswalk row instead of remove + add), name / identifier / program added or
removed, and any other field changed (old → new). Rows read from a file that only one side has
(an SDN.CSV-only publication has no ALT.CSV aliases) are not compared: their absence is not a
removal, and the change row is not invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

CHANGE_SCHEMA = {
    "source": pl.String,
    "entity_id": pl.String,
    "change": pl.String,
    "field": pl.String,
    "old_value": pl.String,
    "new_value": pl.String,
    "publication_before": pl.String,
    "publication_after": pl.String,
}
CROSSWALK_SCHEMA = {
    "source": pl.String,
    "old_entity_id": pl.String,
    "new_entity_id": pl.String,
    "evidence": pl.String,
    "publication_before": pl.String,
    "publication_after": pl.String,
}
ENTITY_FIELDS = ("entity_type", "primary_name", "listed_on", "last_updated", "remarks")
# (table, change stem, columns that identify a row's value)
SET_TABLES = (
    ("names", "name", ("name", "name_type")),
    ("identifiers", "identifier", ("id_type", "value")),
    ("sanctions", "program", ("authority", "program")),
)
FIELD_TABLES = (
    ("addresses", ("full_address",)),
    ("birth_dates", ("raw",)),
    ("birth_places", ("place",)),
    ("countries", ("relation", "raw")),
    ("attributes", ("attribute", "value")),
    ("relationships", ("relation", "to_name")),
)


@dataclass(frozen=True)
class State:
    """The consolidated tables at one version, and per source its publication and files."""

    tables: Mapping[str, pl.DataFrame]
    publications: Mapping[str, str]  # source → publication_id
    files: Mapping[str, frozenset[str]]  # source → file names the publication had


def _label(df: pl.DataFrame, columns: tuple[str, ...]) -> pl.Expr:
    parts = [pl.col(c).cast(pl.String).fill_null("") for c in columns]
    return pl.concat_str(parts, separator=" | ") if len(parts) > 1 else parts[0]


def _comparable(df: pl.DataFrame, source: str, excluded: frozenset[str]) -> pl.DataFrame:
    out = df.filter(pl.col("source") == source)
    if excluded and "origin" in out.columns:
        # an origin is a file name, optionally followed by `:<column>` or `#<place>`
        origin_file = pl.col("origin").str.extract(r"^([^:#]+)")
        out = out.filter(~origin_file.is_in(list(excluded)) | pl.col("origin").is_null())
    return out


def _signature(tables: Mapping[str, pl.DataFrame], source: str, ids: list[str]) -> pl.DataFrame:
    """Content signature of parties: type, name, identifiers and birth dates (for re-keying)."""
    entities = tables["entities"].filter(
        (pl.col("source") == source) & pl.col("entity_id").is_in(ids)
    )
    idents = (
        tables["identifiers"]
        .filter(pl.col("entity_id").is_in(ids))
        .group_by("entity_id")
        .agg(pl.concat_str("id_type", "value", separator=":").sort().str.join(";").alias("ids"))
    )
    births = (
        tables["birth_dates"]
        .filter(pl.col("entity_id").is_in(ids))
        .group_by("entity_id")
        .agg(pl.col("raw").sort().str.join(";").alias("dob"))
    )
    return (
        entities.join(idents, on="entity_id", how="left")
        .join(births, on="entity_id", how="left")
        .select(
            "entity_id",
            pl.concat_str(
                "entity_type",
                pl.col("primary_name").str.to_uppercase(),
                pl.col("ids").fill_null(""),
                pl.col("dob").fill_null(""),
                separator="|",
            ).alias("signature"),
        )
    )


def _rekeys(
    before: State, after: State, source: str, removed: list[str], added: list[str]
) -> pl.DataFrame:
    old = _signature(before.tables, source, removed).filter(pl.col("signature").is_unique())
    new = _signature(after.tables, source, added).filter(pl.col("signature").is_unique())
    return old.join(new, on="signature", suffix="_new").select(
        pl.col("entity_id").alias("old_entity_id"),
        pl.col("entity_id_new").alias("new_entity_id"),
        pl.col("signature").alias("evidence"),
    )


def change_feed(before: State, after: State) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(changes, crosswalk) from `before` to `after`, for every source either side holds."""
    changes: list[pl.DataFrame] = []
    crosswalks: list[pl.DataFrame] = []
    for source in sorted(set(before.publications) | set(after.publications)):
        pub_before = before.publications.get(source)
        pub_after = after.publications.get(source)
        if pub_before == pub_after:
            continue
        files_before = before.files.get(source, frozenset())
        files_after = after.files.get(source, frozenset())
        excluded = (
            (files_before | files_after) - (files_before & files_after)
            if pub_before and pub_after
            else frozenset()
        )
        stamp = {"publication_before": pub_before, "publication_after": pub_after}
        ents_b = before.tables["entities"].filter(pl.col("source") == source)
        ents_a = after.tables["entities"].filter(pl.col("source") == source)
        ids_b, ids_a = set(ents_b["entity_id"].to_list()), set(ents_a["entity_id"].to_list())
        removed, added, kept = sorted(ids_b - ids_a), sorted(ids_a - ids_b), ids_b & ids_a
        rekeyed = _rekeys(before, after, source, removed, added)
        crosswalks.append(
            rekeyed.with_columns(source=pl.lit(source), **{k: pl.lit(v) for k, v in stamp.items()})
        )
        moved_old, moved_new = (
            set(rekeyed["old_entity_id"].to_list()),
            set(rekeyed["new_entity_id"].to_list()),
        )
        rows: list[dict[str, object]] = []
        rows += [{"entity_id": e, "change": "party_removed"} for e in removed if e not in moved_old]
        rows += [{"entity_id": e, "change": "party_added"} for e in added if e not in moved_new]
        rows += [
            {
                "entity_id": r["new_entity_id"],
                "change": "party_rekeyed",
                "field": "entity_id",
                "old_value": r["old_entity_id"],
                "new_value": r["new_entity_id"],
            }
            for r in rekeyed.iter_rows(named=True)
        ]
        pairs = ents_b.join(ents_a, on="entity_id", suffix="_after").filter(
            pl.col("entity_id").is_in(list(kept))
        )
        for column in ENTITY_FIELDS:
            differs = pairs.filter(
                pl.col(column).cast(pl.String).ne_missing(pl.col(f"{column}_after").cast(pl.String))
            )
            rows += [
                {
                    "entity_id": r["entity_id"],
                    "change": "attribute_changed",
                    "field": column,
                    "old_value": _text(r[column]),
                    "new_value": _text(r[f"{column}_after"]),
                }
                for r in differs.iter_rows(named=True)
            ]
        parts = [
            pl.DataFrame(
                rows,
                schema={
                    c: CHANGE_SCHEMA[c]
                    for c in ("entity_id", "change", "field", "old_value", "new_value")
                },
                strict=False,
            )
        ]
        parts += [
            _set_changes(before, after, source, t, stem, cols, excluded, kept)
            for t, stem, cols in SET_TABLES
        ]
        parts += [
            _field_changes(before, after, source, t, cols, excluded, kept)
            for t, cols in FIELD_TABLES
        ]
        stamps = {k: pl.lit(v, dtype=pl.String) for k, v in stamp.items()}
        changes += [df.with_columns(source=pl.lit(source), **stamps) for df in parts]
    feed = (
        pl.concat([df.select(list(CHANGE_SCHEMA)).cast(CHANGE_SCHEMA) for df in changes])
        if changes
        else pl.DataFrame(schema=CHANGE_SCHEMA)
    )
    walk = (
        pl.concat([df.select(list(CROSSWALK_SCHEMA)).cast(CROSSWALK_SCHEMA) for df in crosswalks])
        if crosswalks
        else pl.DataFrame(schema=CROSSWALK_SCHEMA)
    )
    return feed.sort(
        "source", "entity_id", "change", "field", "old_value", "new_value", nulls_last=True
    ), walk


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _values(
    state: State,
    source: str,
    table: str,
    columns: tuple[str, ...],
    excluded: frozenset[str],
    kept: set[str],
) -> pl.DataFrame:
    df = _comparable(state.tables[table], source, excluded)
    key = "from_entity_id" if table == "relationships" else "entity_id"
    return (
        df.filter(pl.col(key).is_in(list(kept)))
        .select(pl.col(key).alias("entity_id"), _label(df, columns).alias("value"))
        .unique()
    )


def _set_changes(
    before: State,
    after: State,
    source: str,
    table: str,
    stem: str,
    columns: tuple[str, ...],
    excluded: frozenset[str],
    kept: set[str],
) -> pl.DataFrame:
    old = _values(before, source, table, columns, excluded, kept)
    new = _values(after, source, table, columns, excluded, kept)
    gone = old.join(new, on=["entity_id", "value"], how="anti").select(
        "entity_id",
        change=pl.lit(f"{stem}_removed"),
        field=pl.lit(table),
        old_value="value",
        new_value=pl.lit(None, pl.String),
    )
    came = new.join(old, on=["entity_id", "value"], how="anti").select(
        "entity_id",
        change=pl.lit(f"{stem}_added"),
        field=pl.lit(table),
        old_value=pl.lit(None, pl.String),
        new_value="value",
    )
    return pl.concat([gone, came])


def _field_changes(
    before: State,
    after: State,
    source: str,
    table: str,
    columns: tuple[str, ...],
    excluded: frozenset[str],
    kept: set[str],
) -> pl.DataFrame:
    """Other fields: one row per party whose set of values changed, old → new (joined)."""
    field = (
        pl.col("value").str.split(" | ").list.first() if table == "attributes" else pl.lit(table)
    )
    old = _values(before, source, table, columns, excluded, kept).with_columns(field=field)
    new = _values(after, source, table, columns, excluded, kept).with_columns(field=field)
    agg = [pl.col("value").sort().str.join("; ")]
    joined = (
        old.group_by("entity_id", "field")
        .agg(*agg)
        .join(
            new.group_by("entity_id", "field").agg(*agg),
            on=["entity_id", "field"],
            how="full",
            coalesce=True,
            suffix="_new",
        )
    )
    return joined.filter(pl.col("value").ne_missing(pl.col("value_new"))).select(
        "entity_id",
        change=pl.lit("attribute_changed"),
        field="field",
        old_value="value",
        new_value="value_new",
    )
