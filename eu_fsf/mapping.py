"""EU FSF canonical mapping (shared by every format): entities, names, attributes, sanctions, references."""

from __future__ import annotations

from datetime import date

import polars as pl

from core.canonical import ParseResult, Unknown, conform, frame
from core.un_references import un_reference_key
from eu_fsf.constants import AUTHORITY, ENTITY_TYPES, SOURCE
from eu_fsf.facts import (
    _addresses_frame,
    _births_frames,
    _blank_null,
    _citizenship_frames,
    _contacts_frame,
    _country_lookup,
    _date_problems,
    _eid,
    _identifiers_frame,
    _Out,
    _script,
    _to_date,
)
from eu_fsf.staged import Staged


def _entity_types(ents: pl.DataFrame, out: _Out) -> pl.DataFrame:
    ents = ents.with_columns(
        pl.coalesce(pl.col("subject_type"), pl.col("classification_code"))
        .replace_strict(ENTITY_TYPES, default=None)
        .alias("entity_type")
    )
    unknown = ents.filter(pl.col("entity_type").is_null())
    for lid, code, cls in unknown.select(
        "logical_id", "subject_type", "classification_code"
    ).iter_rows():
        out.unknowns.append(
            Unknown(out.file, f"entity {lid}", "subjectType", f"{code or ''}/{cls or ''}")
        )
    return ents


def _names(names: pl.DataFrame, lossy: bool, out: _Out) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Names with a `problem` column (null when usable), and the primary name of each entity.

    The publisher marks no primary name: the first strong name in English or without a
    language is taken, else the first strong name, else the first name.
    """
    whole = pl.concat_str(
        "first_name", "middle_name", "last_name", separator=" ", ignore_nulls=True
    )
    names = names.with_columns(pl.coalesce("whole_name", _blank_null(whole)).alias("name"))
    garbled = pl.col("name").str.contains("?", literal=True) if lossy else pl.lit(False)
    names = names.with_columns(
        pl.when(pl.col("name").is_null())
        .then(pl.lit("name alias without any name"))
        .when(garbled)
        .then(pl.lit("'?' stands for letters lost when this copy was re-saved as Windows-1252"))
        .otherwise(None)
        .alias("problem")
    )
    strong = pl.col("strong").str.to_lowercase()
    odd = names.filter(strong.is_not_null() & ~strong.is_in(["true", "false"]))
    for value in odd["strong"].unique().to_list():
        out.unknowns.append(Unknown(out.file, "nameAlias@strong", "strong flag", value))
    english = pl.col("name_language").is_null() | (
        pl.col("name_language").str.to_uppercase() == "EN"
    )
    not_weak = (strong != "false").fill_null(True)
    rank = pl.when(english & not_weak).then(0).when(not_weak).then(1).otherwise(2)
    primary = (
        names.filter(pl.col("problem").is_null())
        .with_columns(rank.alias("rank"))
        .sort("entity_logical_id", "rank", "position")
        .group_by("entity_logical_id", maintain_order=True)
        .first()
        .select(
            "entity_logical_id",
            pl.col("name").alias("primary_name"),
            pl.col("position").alias("primary_position"),
        )
    )
    return names, primary


def _names_frame(names: pl.DataFrame, primary: pl.DataFrame, file: str) -> pl.DataFrame:
    given = pl.concat_str("first_name", "middle_name", separator=" ", ignore_nulls=True)
    quality = (
        pl.col("strong")
        .str.to_lowercase()
        .replace_strict({"true": "strong", "false": "weak"}, default=None)
    )
    return (
        names.join(primary, on="entity_logical_id")
        .sort("position")
        .select(
            _eid().alias("entity_id"),
            "name",
            pl.when(pl.col("position") == pl.col("primary_position"))
            .then(pl.lit("primary"))
            .otherwise(pl.lit("alias"))
            .alias("name_type"),
            quality.alias("quality"),
            _script().alias("script"),
            pl.col("name_language").alias("language"),
            _blank_null(given).alias("given_name"),
            pl.col("last_name").alias("family_name"),
            pl.lit(file).alias("origin"),
        )
    )


NAME_ATTRIBUTES = (
    ("gender", "gender"),
    ("title", "title"),
    ("function", "function"),
    ("name_remark", "remark"),
)


def _attributes_frame(
    names: pl.DataFrame, ents: pl.DataFrame, extras: list[tuple[str, str, str]], file: str
) -> pl.DataFrame:
    """Person details carried on names, designation details, and unknown fields kept as data."""
    frames = [
        names.select(
            _eid().alias("entity_id"),
            pl.lit(attribute).alias("attribute"),
            pl.col(column).alias("value"),
        )
        for attribute, column in NAME_ATTRIBUTES
    ]
    frames.append(
        ents.select(
            _eid().alias("entity_id"),
            pl.lit("designation_details").alias("attribute"),
            pl.col("designation_details").alias("value"),
        )
    )
    if extras:
        schema = {"entity_logical_id": pl.String, "attribute": pl.String, "value": pl.String}
        kept = pl.DataFrame(extras, schema=schema, orient="row").join(
            ents.select("entity_logical_id"), on="entity_logical_id", how="semi"
        )
        frames.append(kept.select(_eid().alias("entity_id"), "attribute", "value"))
    return (
        pl.concat(frames)
        .drop_nulls("value")
        .unique(maintain_order=True)
        .with_columns(origin=pl.lit(file))
    )


# Acts that change or lift a listing: their publication date is not when the party was listed
# (the real 2026 XML gives Khalid Sheikh Mohammed, logicalId 191, only the 2025 amendment).
NOT_LISTING_ACTS = ("amendment", "repealing")


def _sanctions_frame(regs: pl.DataFrame, ents: pl.DataFrame, file: str) -> pl.DataFrame:
    """One row per regulation; an entity without any regulation still gets one EU row.

    listed_on is the entity's designationDate; without one, the publication date of an act that
    is not an amendment or a repeal (the 2018 CSV 1.0 gives no act type: its dates are taken).
    """
    designation = ents.select("entity_logical_id", _to_date("designation_date").alias("designated"))
    listing_act = ~pl.col("regulation_type").str.to_lowercase().is_in(NOT_LISTING_ACTS)
    listed = regs.join(designation, on="entity_logical_id", how="left").select(
        _eid().alias("entity_id"),
        pl.col("programme").alias("program"),
        pl.col("number_title").alias("legal_basis"),
        pl.coalesce(
            "designated",
            pl.when(listing_act.fill_null(True)).then(_to_date("publication_date")),
        ).alias("listed_on"),
    )
    bare = designation.join(regs, on="entity_logical_id", how="anti").select(
        _eid().alias("entity_id"), pl.col("designated").alias("listed_on")
    )
    return (
        pl.concat([listed, bare], how="diagonal")
        .unique(maintain_order=True)
        .with_columns(authority=pl.lit(AUTHORITY), origin=pl.lit(file))
    )


def _reference_ids(ents: pl.DataFrame, file: str) -> pl.DataFrame:
    """The EU reference number and the UN reference, which links EU records to UN and UK ones."""
    frames = [
        ents.filter(pl.col(column).is_not_null()).select(
            _eid().alias("entity_id"),
            pl.lit(id_type).alias("id_type"),
            pl.lit(label).alias("label"),
            pl.col(column).alias("value"),
            (
                pl.col(column).map_elements(un_reference_key, return_dtype=pl.String)
                if id_type == "un_reference"
                # the current form of a historic UN reference (`QI.A.291.11` → `QDI.291`)
                else pl.col(column).str.strip_chars().str.to_uppercase()
            ).alias("normalized"),
        )
        for column, id_type, label in (
            ("eu_reference_number", "list_reference", "EU reference number"),
            ("united_nation_id", "un_reference", "UN reference number"),
        )
    ]
    return pl.concat(frames).with_columns(origin=pl.lit(file))


def canonical(staged: Staged) -> tuple[dict[str, pl.DataFrame], list[Unknown]]:
    """Map staged EU records to the canonical tables; every record is taken or rejected."""
    file, t = staged.file, staged.tables
    out = _Out(file)
    out.unknowns.extend(staged.unknowns)
    for reject in staged.rejects:
        out.add("rejects", **reject)

    ents = _entity_types(t["entities"], out)
    names, primary = _names(t["names"], staged.lossy, out)
    ents = ents.rename({"logical_id": "entity_logical_id"}).join(
        primary, on="entity_logical_id", how="left"
    )
    rejected = ents.filter(pl.col("entity_type").is_null() | pl.col("primary_name").is_null())
    for lid, position, etype, subject in rejected.select(
        "entity_logical_id", "position", "entity_type", "subject_type"
    ).iter_rows():
        reason = f"unknown subjectType {subject!r}" if etype is None else "no usable name alias"
        out.reject(
            "entry",
            f"entity {position} (logicalId {lid})",
            reason,
            staged.raw(lid) if staged.raw else lid,
        )
    ents = ents.filter(pl.col("entity_type").is_not_null() & pl.col("primary_name").is_not_null())

    def keep(df: pl.DataFrame) -> pl.DataFrame:
        ids = ents.select("entity_logical_id")
        return df.join(ids, on="entity_logical_id", how="semi", maintain_order="left")

    regs = keep(t["regulations"])
    for column in ("publication_date", "entry_into_force_date"):
        _date_problems(regs, column, file, f"regulation@{column}", out.unknowns)
    _date_problems(ents, "designation_date", file, "sanctionEntity@designationDate", out.unknowns)
    last_updated = regs.group_by("entity_logical_id").agg(
        _to_date("publication_date").max().alias("last_updated")
    )
    entities = (
        ents.join(last_updated, on="entity_logical_id", how="left")
        .sort("position")
        .select(
            _eid().alias("entity_id"),
            pl.col("entity_logical_id").alias("source_id"),
            "entity_type",
            "primary_name",
            _to_date("designation_date").alias("listed_on"),
            "last_updated",
            pl.col("remark").alias("remarks"),
        )
    )
    names = keep(names)
    for row in names.filter(pl.col("problem").is_not_null()).iter_rows(named=True):
        locator = f"nameAlias {row['logical_id']} of entity {row['entity_logical_id']}"
        out.reject(
            "name",
            locator,
            row["problem"],
            {k: v for k, v in row.items() if k not in ("problem", "name")},
        )
    usable = names.filter(pl.col("problem").is_null())

    lookup = _country_lookup(
        {
            name: keep(t[name])
            for name in ("addresses", "birthdates", "identifications", "citizenships")
        },
        out,
    )
    contacts = keep(t["contacts"])
    birth_dates, birth_places, birth_details = _births_frames(keep(t["birthdates"]), lookup, out)
    countries, citizenship_details = _citizenship_frames(keep(t["citizenships"]), lookup, out)
    parts: dict[str, list[pl.DataFrame]] = {
        "entities": [entities],
        "names": [_names_frame(usable, primary, file)],
        "identifiers": [
            _reference_ids(ents, file),
            _identifiers_frame(keep(t["identifications"]), lookup, out),
            _contacts_frame(contacts, out),
        ],
        "addresses": [_addresses_frame(keep(t["addresses"]), contacts, lookup, out)],
        "birth_dates": [birth_dates],
        "birth_places": [birth_places],
        "countries": [countries],
        "sanctions": [_sanctions_frame(regs, ents, file)],
        "attributes": [_attributes_frame(usable, ents, staged.extras, file)],
    }
    details = pl.concat([birth_details, citizenship_details]).drop_nulls("value")
    parts["attributes"].append(details.with_columns(origin=pl.lit(file)))
    for name, rows in out.rows.items():
        parts.setdefault(name, []).append(frame(name, rows))
    tables = {
        name: pl.concat([conform(name, df) for df in frames]) for name, frames in parts.items()
    }
    tables["attributes"] = tables["attributes"].unique(maintain_order=True)
    return tables, out.unknowns


def _result(staged: Staged, entry_count: int, published: date | None, fmt: str) -> ParseResult:
    tables, unknowns = canonical(staged)
    return ParseResult(
        source=SOURCE,
        tables=tables,
        staged=staged.tables,
        unknowns=unknowns,
        entry_count=entry_count,
        published_at=published,
        format=fmt,
    )
