"""CSL records (`us_csl.records.Records`) to canonical tables."""

from __future__ import annotations

import polars as pl

from core.canonical import ParseResult, Unknown, frame
from ofac.remarks import (
    is_valid_imo,
)
from us_csl.constants import (
    ATTRIBUTE_COLUMNS,
    ENTITY_TYPES,
    IMO_PATTERN,
    MULTI,
    NO_COUNTRY,
    PERSON_MARKERS,
    SUB_LISTS,
)
from us_csl.labels import (
    BIRTH_SCHEMA,
    classify_label,
    country_code,
    first_records,
    fuzzy_row,
    lookup,
    normalized_number,
    place_country,
    read_birth_dates,
    take_parties,
)
from us_csl.records import SourceRecords


def build(rec: SourceRecords, source: str, fmt: str) -> ParseResult:
    """Map source records to the canonical tables (the rules are in the module docstring).

    Three vectorised passes: the parties; the long (exploded) child frames, whose distinct
    values then go through the Python look-ups (labels, countries, IMO check digits, unusual
    birth dates); and every canonical table at once with `collect_all`.
    """
    file = rec.file
    good, rejects, unknowns = take_parties(rec.base, file, source)
    rejects, unknowns = [*rec.rejects, *rejects], [*rec.unknowns, *unknowns]
    g = good.lazy()
    record_eid = g.select("record", "eid")

    def origin(column: str) -> pl.Expr:
        return pl.lit(f"{file}:{column}").alias("origin")

    def eid() -> pl.Expr:
        return pl.col("eid").alias("entity_id")

    def exploded(column: str) -> pl.LazyFrame:
        value = pl.col("value")
        return (
            g.select("record", "eid", pl.col(column).alias("value"))
            .explode("value")
            .with_columns(value.str.strip_chars())
            .filter(value.str.len_bytes() > 0)
        )

    # -- pass 2: long frames, then look-ups on their distinct values
    long = pl.collect_all(
        [
            *(exploded(c) for c in MULTI),
            rec.ids.join(record_eid, on="record", maintain_order="left"),
            rec.addresses.join(record_eid, on="record", maintain_order="left"),
            rec.extra.join(record_eid, on="record", maintain_order="left"),
            read_birth_dates(exploded("dates_of_birth")),
        ]
    )
    multi = dict(zip(MULTI, long[: len(MULTI)], strict=True))
    ids_df, addresses_df, extra_df, births_df = long[len(MULTI) :]

    labels = ids_df["type"].drop_nulls().unique().sort().to_list()
    classes = [classify_label(label) for label in labels]
    label_map = pl.LazyFrame(
        [(label, *c) for label, c in zip(labels, classes, strict=True)],
        schema={"type": pl.String, "family": pl.String, "target": pl.String, "scope": pl.String},
        orient="row",
    )
    country_labels = [label for label, c in zip(labels, classes, strict=True) if c[0] == "country"]
    imo = pl.col("number").str.extract(IMO_PATTERN, 1)
    imo_map = lookup([ids_df.select(imo)["number"]], is_valid_imo, "imo", "imo_ok", pl.Boolean)
    country_map = lookup(
        [
            multi["citizenships"]["value"],
            multi["nationalities"]["value"],
            good["vessel_flag"],
            addresses_df["country_raw"],
            ids_df["country_raw"],
            ids_df.filter(pl.col("type").is_in(country_labels))["number"],
        ],
        country_code,
        "raw",
        "country_code",
        pl.String,
    )
    place_map = lookup(
        [multi["places_of_birth"]["value"]], place_country, "value", "country_code", pl.String
    )
    odd_births = births_df.filter(pl.col("date_from").is_null())["value"].unique().to_list()
    birth_map = pl.LazyFrame([fuzzy_row(raw) for raw in odd_births], schema=BIRTH_SCHEMA)

    def coded(lf: pl.LazyFrame, raw: str) -> pl.LazyFrame:
        return lf.join(country_map.rename({"raw": raw}), on=raw, how="left", maintain_order="left")

    # -- pass 3: the canonical tables
    dates = pl.concat_str(
        [
            pl.format("issued {}", pl.col("issue_date")),
            pl.format("expires {}", pl.col("expiration_date")),
            pl.format(
                "date {} (issue or expiration: the CSV does not say which)", pl.col("either_date")
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    ids = (
        ids_df.lazy()
        .join(label_map, on="type", how="left", maintain_order="left")
        .with_columns(
            # an item without a type is kept as an unknown identifier
            family=pl.col("family").fill_null("unknown"),
            target=pl.col("target").fill_null("other"),
            imo=imo,
            dates=pl.when(dates.str.len_bytes() > 0).then(dates),
        )
        .join(imo_map, on="imo", how="left", maintain_order="left")
        .with_columns(
            id_type=pl.when(
                (pl.col("family") == "vessel_registration") & pl.col("imo_ok").fill_null(False)
            )
            .then(pl.lit("imo"))
            .otherwise(pl.col("target"))
        )
    )
    scope = (
        pl.when(pl.col("target") == "crypto_wallet")
        .then(pl.format("currency {}", pl.col("scope")))
        .otherwise(pl.col("scope"))
    )
    note = pl.concat_str([pl.col("dates"), scope], separator="; ", ignore_nulls=True)
    as_identifier = pl.col("family").is_in(["identifier", "vessel_registration", "unknown"])
    identifiers = pl.concat(
        [
            g.filter(pl.col("entity_number").is_not_null()).select(
                eid(),
                pl.lit("list_reference").alias("id_type"),
                pl.lit("OFAC ent_num").alias("label"),
                pl.col("entity_number").alias("value"),
                pl.col("entity_number").alias("normalized"),
                origin("entity_number"),
            ),
            g.filter(pl.col("call_sign").is_not_null()).select(
                eid(),
                pl.lit("call_sign").alias("id_type"),
                pl.lit("Call Sign").alias("label"),
                pl.col("call_sign").alias("value"),
                pl.col("call_sign").str.to_uppercase().alias("normalized"),
                origin("call_sign"),
            ),
            coded(ids.filter(as_identifier & pl.col("number").is_not_null()), "country_raw").select(
                eid(),
                "id_type",
                pl.col("type").alias("label"),
                pl.col("number").alias("value"),
                normalized_number(pl.col("id_type"), pl.col("number")).alias("normalized"),
                "country_code",
                "country_raw",
                pl.when(note.str.len_bytes() > 0).then(note).alias("note"),
                origin("ids"),
            ),
        ],
        how="diagonal",
    ).unique(maintain_order=True)

    # one record is one party almost always: aggregate only parties with several records
    persons = pl.concat([multi[c].lazy().select("eid") for c in PERSON_MARKERS]).unique()
    several = pl.col("eid").is_duplicated()
    columns = ["record", "eid", "_id", "type", "name", "entity_number", "listed", "remarks"]
    merged = (
        g.filter(several)
        .group_by("eid")
        .agg(
            pl.col("record").min(),
            pl.col("_id", "type", "name").first(),
            pl.col("entity_number").drop_nulls().first(),
            pl.col("listed").min(),
            pl.col("remarks").drop_nulls().unique(maintain_order=True).str.join("\n"),
        )
        .with_columns(
            remarks=pl.when(pl.col("remarks").str.len_bytes() > 0).then(pl.col("remarks"))
        )
    )
    entity_type = (
        pl.col("type")
        .replace_strict(ENTITY_TYPES, default=None)
        .fill_null(
            pl.when(pl.col("person")).then(pl.lit("person")).otherwise(pl.lit("organization"))
        )
    )
    entities = (
        pl.concat([g.filter(~several).select(columns), merged.select(columns)])
        .sort("record")
        .join(
            persons.with_columns(person=pl.lit(True)), on="eid", how="left", maintain_order="left"
        )
        .select(
            eid(),
            pl.col("_id").alias("source_id"),
            entity_type.alias("entity_type"),
            pl.col("name").alias("primary_name"),
            pl.col("listed").alias("listed_on"),
            "remarks",
            "entity_number",
        )
    )

    # OFAC writes individuals `FAMILY, Given` (Treasury records carry entity_number)
    split = (
        (pl.col("entity_type") == "person")
        & pl.col("entity_number").is_not_null()
        & pl.col("primary_name").str.contains(", ", literal=True)
    )
    parts = pl.col("primary_name").str.splitn(", ", 2)
    names = pl.concat(
        [
            entities.select(
                "entity_id",
                pl.col("primary_name").alias("name"),
                pl.lit("primary").alias("name_type"),
                pl.when(split).then(parts.struct.field("field_1")).alias("given_name"),
                pl.when(split).then(parts.struct.field("field_0")).alias("family_name"),
                origin("name"),
            ),
            # the name as another sub-list's record spells it
            g.select(eid(), "name", pl.lit("alias").alias("name_type"), origin("name")),
            multi["alt_names"]
            .lazy()
            .select(
                eid(),
                pl.col("value").alias("name"),
                pl.lit("alias").alias("name_type"),
                origin("alt_names"),
            ),
        ],
        how="diagonal",
    ).unique(subset=["entity_id", "name", "origin"], keep="first", maintain_order=True)

    programs = pl.col("programs").list.eval(
        pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != "")
    )
    sanctions = (
        g.select(
            eid(),
            pl.col("source").replace_strict(SUB_LISTS, default=pl.col("source")).alias("authority"),
            pl.when(programs.list.len() > 0)
            .then(programs)
            .otherwise(pl.lit([None], pl.List(pl.String)))
            .alias("program"),
            pl.col("federal_register_notice").alias("legal_basis"),
            pl.col("listed").alias("listed_on"),
            origin("programs"),
        )
        .explode("program")
        .unique(maintain_order=True)
    )

    address_columns = [
        "full_address",
        "street",
        "city",
        "region",
        "postal_code",
        "country_code",
        "country_raw",
    ]
    addresses = (
        coded(addresses_df.lazy(), "country_raw")
        .select(eid(), *address_columns, origin("addresses"))
        .unique(maintain_order=True)
    )

    def link(lf: pl.LazyFrame, value: str, relation: str | pl.Expr, column: str) -> pl.LazyFrame:
        relation_expr = pl.lit(relation) if isinstance(relation, str) else relation
        return lf.select(
            "record",
            "eid",
            pl.col(value).alias("raw"),
            relation_expr.alias("relation"),
            origin(column),
        )

    links = coded(
        pl.concat(
            [
                link(multi["citizenships"].lazy(), "value", "citizenship", "citizenships"),
                link(multi["nationalities"].lazy(), "value", "nationality", "nationalities"),
                link(
                    g.filter(pl.col("vessel_flag").is_not_null()),
                    "vessel_flag",
                    "flag",
                    "vessel_flag",
                ),
                link(
                    ids.filter((pl.col("family") == "country") & pl.col("number").is_not_null()),
                    "number",
                    pl.col("target"),
                    "ids",
                ),
            ]
        ),
        "raw",
    )
    countries = links.select(eid(), "country_code", "raw", "relation", "origin").unique(
        maintain_order=True
    )

    births = pl.concat(
        [
            births_df.lazy().filter(pl.col("date_from").is_not_null()),
            births_df.lazy()
            .filter(pl.col("date_from").is_null())
            .select("record", "eid", "value")
            .join(birth_map, on="value", how="left", maintain_order="left"),
        ],
        how="diagonal",
    )
    birth_dates = (
        births.filter(pl.col("date_from").is_not_null())
        .select(
            eid(),
            pl.col("value").alias("raw"),
            "date_from",
            "date_to",
            "precision",
            "circa",
            origin("dates_of_birth"),
        )
        .unique(maintain_order=True)
    )
    bad_births = births.filter(pl.col("date_from").is_null())
    birth_places = (
        multi["places_of_birth"]
        .lazy()
        .join(place_map, on="value", how="left", maintain_order="left")
        .select(eid(), pl.col("value").alias("place"), "country_code", origin("places_of_birth"))
        .unique(maintain_order=True)
    )

    def attribute(
        lf: pl.LazyFrame, name: str | pl.Expr, value: str | pl.Expr, column: str
    ) -> pl.LazyFrame:
        name_expr = pl.lit(name) if isinstance(name, str) else name
        value_expr = pl.col(value) if isinstance(value, str) else value
        return lf.select(
            eid(), name_expr.alias("attribute"), value_expr.alias("value"), origin(column)
        )

    malformed_start = g.filter(pl.col("start_date").is_not_null() & pl.col("listed").is_null())
    fact = pl.concat_str(
        [
            pl.col("number"),
            pl.format("({})", pl.col("scope")),
            pl.format("[{}]", pl.col("country_raw")),
            pl.format("; {}", pl.col("dates")),
        ],
        separator=" ",
        ignore_nulls=True,
    ).str.replace(" ; ", "; ", literal=True)
    attributes = pl.concat(
        [
            # the per-record anchor, never deduplicated: one row per taken record
            g.select(
                eid(),
                pl.lit("source_list").alias("attribute"),
                pl.col("source").alias("value"),
                pl.lit(file).alias("origin"),
            ),
            pl.concat(
                [
                    *(
                        attribute(g.filter(pl.col(c).is_not_null()), c, c, c)
                        for c in ATTRIBUTE_COLUMNS
                    ),
                    attribute(malformed_start, "start_date_unparsed", "start_date", "start_date"),
                    attribute(
                        ids.filter(
                            (pl.col("family") == "attribute") & pl.col("number").is_not_null()
                        ),
                        pl.col("target"),
                        fact,
                        "ids",
                    ),
                    attribute(ids.filter(pl.col("number").is_null()), "ids_unparsed", "raw", "ids"),
                    attribute(bad_births, "date_of_birth_unparsed", "value", "dates_of_birth"),
                    extra_df.lazy().select(
                        eid(),
                        "attribute",
                        "value",
                        pl.format("{}:{}", pl.lit(file), pl.col("attribute")).alias("origin"),
                    ),
                ]
            ).unique(maintain_order=True),
        ]
    )

    reports = {
        "sub-list (source)": first_records(
            g.filter(~pl.col("source").is_in(list(SUB_LISTS))), "source"
        ),
        "id type": first_records(
            ids.filter((pl.col("family") == "unknown") & pl.col("number").is_not_null()), "type"
        ),
        "IMO check digit fails": first_records(
            ids.filter(
                (pl.col("family") == "vessel_registration")
                & pl.col("imo").is_not_null()
                & ~pl.col("imo_ok")
            ),
            "number",
        ),
        "id item without number": first_records(ids.filter(pl.col("number").is_null()), "raw"),
        "country": first_records(
            links.filter(
                pl.col("country_code").is_null()
                & ~pl.col("raw").str.to_lowercase().is_in(list(NO_COUNTRY))
            ),
            "raw",
        ),
        "date format": first_records(bad_births, "value"),
        "malformed date": malformed_start.select("start_date", "record"),  # every occurrence
    }
    tables = {
        "entities": entities.drop("entity_number"),
        "names": names,
        "identifiers": identifiers,
        "addresses": addresses,
        "birth_dates": birth_dates,
        "birth_places": birth_places,
        "countries": countries,
        "sanctions": sanctions,
        "attributes": attributes,
    }
    collected = pl.collect_all([*tables.values(), *reports.values()])
    out = dict(zip(tables, collected, strict=False))
    for what, found in zip(reports, collected[len(tables) :], strict=True):
        unknowns += [
            Unknown(file, f"record {record}", what, str(value))
            for value, record in found.iter_rows()
        ]
    out["rejects"] = frame("rejects", rejects)
    taken = good["record"].implode()
    return ParseResult(
        source=source,
        tables=out,
        staged={key: df.filter(pl.col("record").is_in(taken)) for key, df in rec.staged.items()},
        unknowns=unknowns,
        entry_count=out["entities"].height + sum(r["kind"] == "entry" for r in rejects),
        file_rows={file: rec.records_seen},
        format=fmt,
    )
