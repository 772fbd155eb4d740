"""UN XML child records to canonical tables: aliases, addresses, births and documents."""

from __future__ import annotations

import polars as pl

from core.canonical import Unknown
from core.dates import parse_fuzzy
from un_sc.constants import ALIAS_LIST_SEPARATOR, DATE_TYPES, DOCUMENT_TYPES, FILE_NAME, QUALITIES
from un_sc.mapping import (
    Build,
    Flat,
    collect_frame,
    country,
    joined,
    key,
    mapped_values,
    normalize_document,
    struct_rejects,
    xs_date,
    year_date,
)


def map_aliases(out: Build, flat: Flat, lf: pl.DataFrame) -> None:
    struct_rejects(
        out, flat, lf.filter(pl.col("ALIAS_NAME").is_null()), "name", "alias without ALIAS_NAME"
    )
    lf = lf.filter(pl.col("ALIAS_NAME").is_not_null())
    out.report(
        lf.filter(~pl.col("QUALITY").fill_null("").is_in(list(QUALITIES))),
        "alias QUALITY",
        "QUALITY",
    )
    name_types = {k: v[0] for k, v in QUALITIES.items()}
    grades = {k: v[1] for k, v in QUALITIES.items()}
    # One ALIAS_NAME may list several spellings ("Qasim Soleimani; Qasem Sulaimani; …", "… b)
    # M. Javad Kareemi Sabet"): the name as published stays, and each spelling is also a name
    # of its own (derived rows, origin …/ALIAS_NAME). A list whose split would cut a bracket
    # ("البغدادي (Abu Bakr al-Baghdadi …; Abu Bakr al-Baghdadi)") is left whole.
    spellings = (
        lf.filter(pl.col("ALIAS_NAME").str.contains(ALIAS_LIST_SEPARATOR))
        .with_columns(
            spelling=pl.col("ALIAS_NAME")
            .str.replace_all(ALIAS_LIST_SEPARATOR, ";")
            .str.split(";")
            .list.eval(pl.element().str.strip_chars())
            .list.filter(pl.element() != "")
        )
        .filter(
            pl.col("spelling")
            .list.eval(
                pl.element().str.count_matches(r"\(", literal=False)
                == pl.element().str.count_matches(r"\)", literal=False)
            )
            .list.all()
        )
        .explode("spelling")
    )
    published = lf.with_columns(
        name=pl.col("ALIAS_NAME"), origin=pl.format(f"{FILE_NAME}/{{}}", "group")
    )
    split = spellings.with_columns(
        name=pl.col("spelling"), origin=pl.format(f"{FILE_NAME}/{{}}/ALIAS_NAME", "group")
    )
    out.add(
        "names",
        pl.concat(
            [f.select("entity_id", "name", "QUALITY", "origin") for f in (published, split)]
        ).select(
            "entity_id",
            "name",
            name_type=pl.col("QUALITY").replace_strict(
                name_types, default="alias", return_dtype=pl.String
            ),
            quality=pl.col("QUALITY").replace_strict(grades, default=None, return_dtype=pl.String),
            origin="origin",
        ),
    )
    births = lf.filter(pl.col("DATE_OF_BIRTH").is_not_null()).with_columns(
        day=xs_date("DATE_OF_BIRTH"),
        year_from=year_date("DATE_OF_BIRTH", 1, 1),
        year_to=year_date("DATE_OF_BIRTH", 12, 31),
        origin=pl.format(f"{FILE_NAME}/{{}}/DATE_OF_BIRTH", "group"),
    )
    readable = pl.col("day").is_not_null() | pl.col("year_from").is_not_null()
    out.add(
        "birth_dates",
        births.filter(readable).select(
            "entity_id",
            raw="DATE_OF_BIRTH",
            date_from=pl.coalesce("day", "year_from"),
            date_to=pl.coalesce("day", "year_to"),
            precision=pl.when(pl.col("day").is_not_null())
            .then(pl.lit("day"))
            .otherwise(pl.lit("year")),
            circa=pl.lit(False),
            origin="origin",
        ),
    )
    unreadable = births.filter(~readable)
    out.report(unreadable, "alias DATE_OF_BIRTH format", "DATE_OF_BIRTH")
    out.add(
        "attributes",
        unreadable.select(
            "entity_id",
            attribute=pl.lit("birth_date_text"),
            value=pl.format("{}: {}", "ALIAS_NAME", "DATE_OF_BIRTH"),
            origin="origin",
        ),
    )
    out.add(
        "birth_places",
        lf.filter(
            pl.col("CITY_OF_BIRTH").is_not_null() | pl.col("COUNTRY_OF_BIRTH").is_not_null()
        ).select(
            "entity_id",
            place=joined("CITY_OF_BIRTH", "COUNTRY_OF_BIRTH"),
            country_code=mapped_values("COUNTRY_OF_BIRTH", country),
            origin=pl.format(f"{FILE_NAME}/{{}}/PLACE_OF_BIRTH", "group"),
        ),
    )
    out.add(
        "attributes",
        lf.filter(pl.col("NOTE").is_not_null()).select(
            "entity_id",
            attribute=pl.lit("alias_note"),
            value=pl.format("{}: {}", "ALIAS_NAME", "NOTE"),
            origin=pl.format(f"{FILE_NAME}/{{}}/NOTE", "group"),
        ),
    )


def map_addresses(out: Build, lf: pl.DataFrame) -> None:
    out.add(
        "addresses",
        lf.select(
            "entity_id",
            full_address=joined("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"),
            street="STREET",
            city="CITY",
            region="STATE_PROVINCE",
            postal_code="ZIP_CODE",
            country_code=mapped_values("COUNTRY", country),
            country_raw="COUNTRY",
            note="NOTE",
            origin=pl.format(f"{FILE_NAME}/{{}}", "group"),
        ),
    )


BIRTH_COLUMNS = ("entity_id", "raw", "date_from", "date_to", "precision", "circa", "origin")


def map_dates_of_birth(out: Build, lf: pl.DataFrame) -> None:
    """EXACT/APPROXIMATELY with DATE or YEAR, BETWEEN with FROM_YEAR/TO_YEAR, or a NOTE alone."""
    kind = pl.col("TYPE_OF_DATE")
    out.report(
        lf.filter(kind.is_not_null() & ~kind.is_in(DATE_TYPES)), "TYPE_OF_DATE", "TYPE_OF_DATE"
    )
    has_range = pl.col("FROM_YEAR").is_not_null() | pl.col("TO_YEAR").is_not_null()
    ordered = pl.col("FROM_YEAR").cast(pl.Int32, strict=False) <= pl.col("TO_YEAR").cast(
        pl.Int32, strict=False
    )
    written = pl.coalesce("DATE", "YEAR", joined("FROM_YEAR", "TO_YEAR", separator="-"))
    lf = lf.with_columns(
        text=written,
        raw=pl.when(kind == "APPROXIMATELY")
        .then(pl.format("approximately {}", written))
        .otherwise(written),
        date_from=pl.when(pl.col("DATE").is_not_null())
        .then(xs_date("DATE"))
        .when(pl.col("YEAR").is_not_null())
        .then(year_date("YEAR", 1, 1))
        .when(has_range & ordered)
        .then(year_date("FROM_YEAR", 1, 1)),
        date_to=pl.when(pl.col("DATE").is_not_null())
        .then(xs_date("DATE"))
        .when(pl.col("YEAR").is_not_null())
        .then(year_date("YEAR", 12, 31))
        .when(has_range & ordered)
        .then(year_date("TO_YEAR", 12, 31)),
        precision=pl.when(pl.col("DATE").is_not_null())
        .then(pl.lit("day"))
        .when(pl.col("YEAR").is_not_null())
        .then(pl.lit("year"))
        .otherwise(pl.lit("range")),
        circa=(kind == "APPROXIMATELY").fill_null(False)
        | pl.col("NOTE").str.to_lowercase().str.starts_with("approximately").fill_null(False),
        origin=pl.lit(key("INDIVIDUAL_DATE_OF_BIRTH")),
    )
    readable = pl.col("date_from").is_not_null() & pl.col("date_to").is_not_null()
    out.add("birth_dates", lf.filter(pl.col("text").is_not_null() & readable).select(BIRTH_COLUMNS))
    unreadable = lf.filter(pl.col("text").is_not_null() & ~readable)
    out.report(unreadable, "date of birth format")
    out.add(
        "attributes",
        unreadable.select(
            "entity_id",
            attribute=pl.lit("birth_date_text"),
            value=joined("TYPE_OF_DATE", "text", separator=" "),
            origin="origin",
        ),
    )
    out.add(
        "attributes",
        lf.filter(pl.col("text").is_not_null() & pl.col("NOTE").is_not_null()).select(
            "entity_id",
            attribute=pl.lit("birth_date_note"),
            value="NOTE",
            origin=pl.lit(key("INDIVIDUAL_DATE_OF_BIRTH", "NOTE")),
        ),
    )

    _dates_from_notes(out, collect_frame(lf.filter(pl.col("text").is_null())))


def _dates_from_notes(out: Build, df: pl.DataFrame) -> None:
    """A NOTE alone (`Nov. 1973`) is read as free text; what still fails is kept as text."""
    dates, kept = [], []
    for row in df.iter_rows(named=True):
        parsed = parse_fuzzy(row["NOTE"])
        if parsed is not None:
            circa = row["circa"] or parsed.circa
            dates.append({**{c: row[c] for c in BIRTH_COLUMNS}, **parsed.as_row(), "circa": circa})
            continue
        where = f"line {row['line']}, DATAID {row['dataid']}"
        out.unknowns.append(Unknown(FILE_NAME, where, "date of birth format", row["NOTE"]))
        text = f"{row['TYPE_OF_DATE'] or ''} {row['NOTE']}".strip()
        kept.append(
            {
                "entity_id": row["entity_id"],
                "attribute": "birth_date_text",
                "value": text,
                "origin": row["origin"],
            }
        )
    if dates:  # frames are built only for rows (an empty one would add nothing)
        out.add("birth_dates", pl.DataFrame(dates, schema=df.select(BIRTH_COLUMNS).schema))
    if kept:
        columns = ("entity_id", "attribute", "value", "origin")
        out.add("attributes", pl.DataFrame(kept, schema=dict.fromkeys(columns, pl.String)))


def map_places_of_birth(out: Build, lf: pl.DataFrame) -> None:
    lf = lf.with_columns(place=joined("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"))
    out.add(
        "birth_places",
        lf.select(
            "entity_id",
            place=pl.coalesce("place", "NOTE"),
            country_code=mapped_values("COUNTRY", country),
            origin=pl.lit(key("INDIVIDUAL_PLACE_OF_BIRTH")),
        ),
    )
    out.add(
        "attributes",
        lf.filter(pl.col("place").is_not_null() & pl.col("NOTE").is_not_null()).select(
            "entity_id",
            attribute=pl.lit("birth_place_note"),
            value="NOTE",
            origin=pl.lit(key("INDIVIDUAL_PLACE_OF_BIRTH", "NOTE")),
        ),
    )


def map_documents(out: Build, flat: Flat, lf: pl.DataFrame) -> None:
    struct_rejects(
        out,
        flat,
        lf.filter(pl.col("NUMBER").is_null()),
        "identifier",
        "document without NUMBER (details only in its text)",
    )
    lf = lf.filter(pl.col("NUMBER").is_not_null()).with_columns(
        label=pl.col("TYPE_OF_DOCUMENT").str.replace_all(r"\s+", " "),
        issuing=pl.coalesce("ISSUING_COUNTRY", "COUNTRY_OF_ISSUE"),
    )
    lf = lf.with_columns(
        id_type=pl.col("label")
        .str.to_lowercase()
        .replace_strict(DOCUMENT_TYPES, default=None, return_dtype=pl.String)
    )
    out.report(lf.filter(pl.col("id_type").is_null()), "TYPE_OF_DOCUMENT", "TYPE_OF_DOCUMENT")
    other_country = (
        pl.col("COUNTRY_OF_ISSUE").is_not_null()
        & pl.col("ISSUING_COUNTRY").is_not_null()
        & (pl.col("COUNTRY_OF_ISSUE") != pl.col("ISSUING_COUNTRY"))
    )
    note = pl.concat_str(
        [
            pl.format("issued {}", "DATE_OF_ISSUE"),
            pl.format("issued in {}", "CITY_OF_ISSUE"),
            pl.when(other_country).then(pl.format("country of issue {}", "COUNTRY_OF_ISSUE")),
            pl.col("NOTE"),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    out.add(
        "identifiers",
        lf.select(
            "entity_id",
            id_type=pl.col("id_type").fill_null("other"),
            label=pl.coalesce(
                pl.format("{} ({})", "label", "TYPE_OF_DOCUMENT2"), "label", "TYPE_OF_DOCUMENT2"
            ),
            value="NUMBER",
            normalized=mapped_values("NUMBER", normalize_document),
            country_code=mapped_values("issuing", country),
            country_raw="issuing",
            note=pl.when(note != "").then(note),
            origin=pl.lit(key("INDIVIDUAL_DOCUMENT")),
        ),
    )
