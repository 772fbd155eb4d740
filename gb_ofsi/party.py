"""OFSI Consolidated List canonical mapping, part two: entities, party-level fields, sanctions and relationships of the grouped rows, and the ParseResult."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import polars as pl

from core.canonical import entity_id, frame
from core.countries import country_in_text
from gb_ofsi.constants import ADDRESS_PARTS, AUTHORITY, SOURCE
from gb_ofsi.context import _EID, _Context, _fan_out, _normalize
from gb_ofsi.fields import _date, _pairs, country_code, enumerated


def _entities(
    ctx: _Context,
    df: pl.DataFrame,
    accepted: pl.DataFrame,
    remarks: pl.DataFrame,
    unparsed: pl.DataFrame,
) -> pl.DataFrame:
    """One row per accepted party: type, primary name, earliest listing, latest update, remarks."""
    dated = (
        df.select(
            "group_id",
            _listed=_day_dates(ctx, df, "listed_on", "Listed On"),
            _updated=_day_dates(ctx, df, "last_updated", "Last Updated"),
        )
        .group_by("group_id")
        .agg(pl.col("_listed").min(), pl.col("_updated").max())
    )
    return (
        accepted.select("group_id", "etype", "primary")
        .join(dated, on="group_id", how="left", maintain_order="left")
        .join(remarks, on="group_id", how="left", maintain_order="left")
        .join(unparsed, on="group_id", how="left", maintain_order="left")
        .select(
            entity_id=_EID,
            source_id=pl.col("group_id"),
            entity_type=pl.col("etype"),
            primary_name=pl.col("primary"),
            listed_on=pl.col("_listed"),
            last_updated=pl.col("_updated"),
            remarks=pl.col("remarks"),
            unparsed_remarks=pl.col("unparsed_remarks"),
        )
    )


def _day_dates(ctx: _Context, df: pl.DataFrame, column: str, label: str) -> pl.Expr:
    """`column` as pl.Date; a value that is not a full date is reported and kept as an attribute."""
    mapping: dict[str, date | None] = {}
    for raw in df.get_column(column).drop_nulls().unique().to_list():
        parsed = _date(raw)
        mapping[raw] = parsed.date_from if parsed and parsed.precision == "day" else None
        if mapping[raw] is None:
            for gid in (
                df.filter(pl.col(column) == raw).get_column("group_id").unique(maintain_order=True)
            ):
                ctx.unknown(gid, f"{label} date", raw)
                ctx.out.add(
                    "attributes",
                    entity_id=entity_id(SOURCE, gid),
                    attribute=column,
                    value=raw,
                    origin=f"{ctx.layout.file}:{label}",
                )
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.Date)


def _dob_rows(raw: str) -> Iterable[tuple[Any, ...]]:
    for item in enumerated(raw):
        parsed = _date(item)
        yield (
            (item, parsed.date_from, parsed.date_to, parsed.precision)
            if parsed
            else (item, None, None, None)
        )


def _birth_place_rows(town: str | None, country: str | None) -> Iterable[tuple[Any, ...]]:
    for place, birth_country in _pairs(town, country):
        label = ", ".join(p for p in (place, birth_country) if p)
        if label:
            yield label, country_code(birth_country)


def _country_rows(raw: str) -> Iterable[tuple[Any, ...]]:
    return ((item, country_code(item)) for item in enumerated(raw))


def _item_rows(raw: str) -> Iterable[tuple[Any, ...]]:
    return ((item,) for item in enumerated(raw))


def _document_rows(id_type: str) -> Callable[[str | None, str | None], Iterable[tuple[Any, ...]]]:
    """Number and details cells enumerated in step: one identifier per number, with its details."""

    def rows(number: str | None, details: str | None) -> Iterable[tuple[Any, ...]]:
        for value, note in _pairs(number, details):
            # A details item that is just a country names the issuer; a longer one names it
            # in words (`Libya number. Issued on 19 May 2021`, `Issued by the Democratic
            # People's Republic of Korea`). The note is kept whole beside the code.
            code = country_code(note) if note and len(note) < 40 else None
            if code is None and note:
                code = country_in_text(note)
            yield (
                value,
                _normalize(id_type, value) if value else None,
                note,
                code,
                note if code else None,
            )

    return rows


def _party_fields(ctx: _Context, df: pl.DataFrame) -> None:
    """Every party-level column, each distinct value once per party."""
    out, file = ctx.out, ctx.layout.file

    dobs = _fan_out(
        df,
        ["dob"],
        _dob_rows,
        {"raw": pl.String, "date_from": pl.Date, "date_to": pl.Date, "precision": pl.String},
    )
    out.extend(
        "birth_dates",
        dobs.filter(pl.col("precision").is_not_null()).select(
            "entity_id",
            "raw",
            "date_from",
            "date_to",
            "precision",
            circa=pl.lit(False),
            origin=ctx.origin("DOB"),
        ),
    )
    for gid, raw in (
        dobs.filter(pl.col("precision").is_null()).select("group_id", "raw").iter_rows()
    ):
        ctx.unknown(gid, "DOB", raw)
        out.add(
            "attributes",
            entity_id=entity_id(SOURCE, gid),
            attribute="date_of_birth",
            value=raw,
            origin=f"{file}:DOB",
        )

    places = _fan_out(
        df,
        ["town_of_birth", "country_of_birth"],
        _birth_place_rows,
        {"place": pl.String, "country_code": pl.String},
    )
    out.extend(
        "birth_places",
        places.select("entity_id", "place", "country_code", origin=ctx.origin("Town of Birth")),
    )

    nationalities = _fan_out(
        df, ["nationality"], _country_rows, {"raw": pl.String, "country_code": pl.String}
    )
    out.extend(
        "countries",
        nationalities.select(
            "entity_id",
            "country_code",
            "raw",
            relation=pl.lit("nationality"),
            origin=ctx.origin("Nationality"),
        ),
    )

    if ctx.layout.other_information == "legacy":
        # Pre-2022 cells hold free text ("Passport No: 592667 (Qatari passport issued …)"): kept
        # as published, one identifier per enumerated item, without a guessed normalisation.
        for id_type, label, column in (
            ("passport", "Passport Details", "passport_details"),
            ("national_id", "NI Number", "ni_number"),
        ):
            docs = _fan_out(df, [column], _item_rows, {"value": pl.String})
            out.extend(
                "identifiers",
                docs.select(
                    "entity_id",
                    "value",
                    id_type=pl.lit(id_type),
                    label=pl.lit(label),
                    origin=ctx.origin(label),
                ),
            )
    else:
        documents = (
            ("passport", "Passport Number", "passport_number", "passport_details"),
            (
                "national_id",
                "National Identification Number",
                "national_identification_number",
                "national_identification_details",
            ),
        )
        schema = {
            "value": pl.String,
            "normalized": pl.String,
            "note": pl.String,
            "country_code": pl.String,
            "country_raw": pl.String,
        }
        for id_type, label, number, details in documents:
            docs = _fan_out(df, [number, details], _document_rows(id_type), schema)
            out.extend(
                "identifiers",
                docs.filter(pl.col("value").is_not_null()).select(
                    "entity_id",
                    "value",
                    "normalized",
                    "note",
                    "country_code",
                    "country_raw",
                    id_type=pl.lit(id_type),
                    label=pl.lit(label),
                    origin=ctx.origin(label),
                ),
            )
            # Details without a number (e.g. "Place of issue: Syria") are kept as an attribute.
            out.extend(
                "attributes",
                docs.filter(pl.col("value").is_null()).select(
                    "entity_id",
                    attribute=pl.lit(f"{id_type}_details"),
                    value="note",
                    origin=ctx.origin(label),
                ),
            )

    for attribute, column, label in (
        ("position", "position", "Position"),
        ("title", "title", "Title"),
    ):
        items = _fan_out(df, [column], _item_rows, {"value": pl.String})
        out.extend(
            "attributes",
            items.select(
                "entity_id", "value", attribute=pl.lit(attribute), origin=ctx.origin(label)
            ),
        )

    parts = [*ADDRESS_PARTS, "post_zip_code", "country"]
    addresses = (
        df.select("group_id", *parts)
        .filter(pl.any_horizontal(pl.col(parts).is_not_null()))
        .unique(maintain_order=True)
    )
    codes = {
        raw: country_code(raw) for raw in addresses.get_column("country").drop_nulls().unique()
    }
    out.extend(
        "addresses",
        addresses.select(
            entity_id=_EID,
            full_address=pl.concat_str(
                [pl.col(c) for c in parts], separator=", ", ignore_nulls=True
            ),
            postal_code=pl.col("post_zip_code"),
            country_code=pl.col("country").replace_strict(
                codes, default=None, return_dtype=pl.String
            ),
            country_raw=pl.col("country"),
            origin=ctx.origin("Address"),
        ),
    )

    non_latin = ["name_non_latin_script", "non_latin_script_type", "non_latin_script_language"]
    scripts = (
        df.select("group_id", *non_latin)
        .filter(pl.any_horizontal(pl.col(non_latin).is_not_null()))
        .unique(maintain_order=True)
    )
    out.extend(
        "names",
        scripts.filter(pl.col("name_non_latin_script").is_not_null()).select(
            entity_id=_EID,
            name="name_non_latin_script",
            name_type=pl.lit("original_script"),
            script="non_latin_script_type",
            language="non_latin_script_language",
            origin=ctx.origin("Name Non-Latin Script"),
        ),
    )
    for gid, _name, script, language in scripts.filter(
        pl.col("name_non_latin_script").is_null()
    ).iter_rows():
        value = f"{script or ''} / {language or ''}"
        ctx.unknown(gid, "non-Latin script type/language without a name", value)
        out.add(
            "attributes",
            entity_id=entity_id(SOURCE, gid),
            attribute="non_latin_script",
            value=value,
            origin=f"{file}:Non-Latin Script Type",
        )

    # the XLSX/CSV write dd/mm/yyyy and the XML yyyy-mm-ddT00:00:00: one ISO date for both
    # (a value that is not a full date stays as published), so the formats agree
    iso = {
        raw: d.date_from.isoformat() if (d := _date(raw)) and d.precision == "day" else raw
        for raw in df.get_column("uk_sanctions_list_date_designated").drop_nulls().unique()
    }
    designated = (
        df.select(
            "group_id",
            value=pl.col("uk_sanctions_list_date_designated").replace_strict(
                iso, default=None, return_dtype=pl.String
            ),
        )
        .drop_nulls()
        .unique(maintain_order=True)
    )
    out.extend(
        "attributes",
        designated.select(
            entity_id=_EID,
            attribute=pl.lit("uk_sanctions_list_date_designated"),
            value="value",
            origin=ctx.origin("UK Sanctions List Date Designated"),
        ),
    )
    _sanctions(ctx, df)


def _sanctions(ctx: _Context, df: pl.DataFrame) -> None:
    """One designation per regime; its date is the earliest `Listed On` of that regime's rows."""
    listed = {
        raw: d.date_from if (d := _date(raw)) and d.precision == "day" else None
        for raw in df.get_column("listed_on").drop_nulls().unique()
    }
    regimes = (
        df.filter(pl.col("regime").is_not_null())
        .group_by("group_id", "regime", maintain_order=True)
        .agg(
            listed_on=pl.col("listed_on")
            .replace_strict(listed, default=None, return_dtype=pl.Date)
            .min(),
            values=pl.col("listed_on").drop_nulls().unique(maintain_order=True),
        )
    )
    ctx.out.extend(
        "sanctions",
        regimes.select(
            entity_id=_EID,
            authority=pl.lit(AUTHORITY),
            program="regime",
            listed_on="listed_on",
            origin=ctx.origin("Regime"),
        ),
    )
    for gid, regime, values in (
        regimes.filter(pl.col("values").list.len() > 1)
        .select("group_id", "regime", "values")
        .iter_rows()
    ):
        ctx.unknown(gid, f"conflicting Listed On for regime {regime}", " | ".join(values))
    for gid in (
        df.filter(pl.col("regime").is_null()).get_column("group_id").unique(maintain_order=True)
    ):
        ctx.unknown(gid, "row without Regime", gid)


def _resolve_links(rel: pl.DataFrame | None, entities: pl.DataFrame) -> pl.DataFrame:
    """Fill `to_entity_id` where the linked name is a Group ID or one party's primary name."""
    if rel is None or rel.height == 0:
        return frame("relationships")
    by_name = entities.select(
        pl.col("primary_name").str.to_uppercase().alias("_key"),
        pl.col("entity_id").alias("_target"),
    ).filter(pl.col("_key").is_unique())
    by_id = entities.select(pl.col("source_id").alias("_key"), pl.col("entity_id").alias("_target"))
    targets = pl.concat([by_id, by_name]).unique("_key", keep="first", maintain_order=True)
    return (
        rel.with_columns(_key=pl.col("to_name").str.to_uppercase().str.strip_chars(" ."))
        .join(targets, on="_key", how="left", maintain_order="left")
        .with_columns(to_entity_id=pl.coalesce("to_entity_id", "_target"))
        .drop("_key", "_target")
    )
