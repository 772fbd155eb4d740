"""UK Sanctions List (FCDO): the long form of either format mapped to the canonical tables (one builder, so XML and CSV cannot drift apart)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl

from core.canonical import ParseResult, Unknown, entity_id, frame
from core.countries import country_in_text, resolve
from core.dates import parse_dmy
from core.un_references import un_reference_key
from gb_fcdo.constants import (
    ATTRIBUTE_NAMES,
    AUTHORITY,
    ENTITY_TYPES,
    NAME_TYPES,
    RELATIONS,
    SOURCE,
)
from gb_fcdo.longform import (
    ADDRESS_COLUMNS,
    ADDRESS_LINES,
    DESIGNATION_COLUMNS,
    NAME_PARTS,
    LongForm,
)
from schemas.canonical import imo_valid

# --- shared: long form → canonical tables --------------------------------------------------------

_DOC_NOISE = r"[\s.\-()]"


def _staged(long: LongForm) -> pl.DataFrame:
    """The staged `designations` frame: one row per party, values as published."""
    return long.designations.select(*DESIGNATION_COLUMNS)


def _lookup(values: pl.Series, fn: Callable[[str], Any]) -> dict[str, Any]:
    """`fn` of each distinct value: Python work done once per value, not once per row."""
    return {v: fn(v) for v in values.drop_nulls().unique().to_list()}


def _quality(value: str | None) -> str | bool | None:
    """AliasStrength → quality; False for a value the parser does not know."""
    if value is None:
        return None
    key = value.strip().lower()
    if key.startswith(("good", "strong")):
        return "strong"
    if key.startswith(("low", "weak")):
        return "weak"
    return False


def _result(
    name: str,
    fmt: str,
    long: LongForm,
    raw_of: Callable[[str], str],
    entry_count: int,
    published: date | None,
    staged: dict[str, pl.DataFrame],
) -> ParseResult:
    """Build the canonical tables and wrap everything in a `ParseResult`."""
    tables, unknowns, rejects = _build(name, long, raw_of)
    tables["rejects"] = frame("rejects", [*long.rejects, *rejects])
    return ParseResult(
        source=SOURCE,
        tables=tables,
        staged=staged,
        unknowns=[*long.unknowns, *unknowns],
        entry_count=entry_count,
        published_at=published,
        format=fmt,
    )


def _build(
    name: str, long: LongForm, raw_of: Callable[[str], str]
) -> tuple[dict[str, pl.DataFrame], list[Unknown], list[dict[str, Any]]]:
    """Map the long form to canonical tables; returns tables, unknown codes and rejected parties.

    First the decisions, eagerly (codes, primary names, rejects, the values looked up in
    Python: countries, dates of birth, IMO check digits); then every table as one lazy query,
    all collected together so polars runs them in parallel.
    """
    unknowns: list[Unknown] = []
    rejects: list[dict[str, Any]] = []
    origin = pl.lit(name).alias("origin")
    eid = (pl.lit(f"{SOURCE}-") + pl.col("unique_id")).alias("entity_id")
    assert entity_id(SOURCE, "X") == f"{SOURCE}-X"  # the expression above spells entity_id()
    d = long.designations
    locators = dict(zip(d["unique_id"].to_list(), d["locator"].to_list(), strict=True))

    def report(frame_: pl.DataFrame, what: str, column: str) -> None:
        for uid, value in frame_.select("unique_id", column).iter_rows():
            unknowns.append(Unknown(name, locators.get(uid, uid), what, value or ""))

    # Names: Name1…Name6 joined in order (individuals: given names, then the family name).
    names = long.names.with_columns(
        name=pl.concat_str([pl.col(c) for c in NAME_PARTS], separator=" ", ignore_nulls=True),
        type_key=pl.col("name_type").str.strip_chars().str.to_lowercase(),
    ).filter(pl.col("name") != "")
    qualities = _lookup(names["alias_strength"], _quality)
    names = names.with_columns(
        kind=pl.col("type_key").replace_strict(NAME_TYPES, default=None),
        quality=pl.col("alias_strength").replace_strict(
            {k: v for k, v in qualities.items() if v is not False},
            default=None,
            return_dtype=pl.String,
        ),
    )
    report(names.filter(pl.col("kind").is_null()), "NameType", "name_type")
    strange = [k for k, v in qualities.items() if v is False]
    report(names.filter(pl.col("alias_strength").is_in(strange)), "AliasStrength", "alias_strength")
    names = names.with_columns(pl.col("kind").fill_null("alias"))

    primary = (
        pl.concat(
            [
                names.filter(pl.col("type_key") == "primary name").select(
                    "unique_id", "name", pl.lit(0).alias("rank")
                ),
                names.select("unique_id", "name", pl.lit(1).alias("rank")),
                long.non_latin.select("unique_id", "name", pl.lit(2).alias("rank")),
            ]
        )
        .sort("rank", maintain_order=True)
        .group_by("unique_id", maintain_order=True)
        .first()
        .select("unique_id", pl.col("name").alias("primary_name"))
    )
    d = d.join(primary, on="unique_id", how="left", maintain_order="left").with_columns(
        entity_type=pl.col("designation_type")
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(ENTITY_TYPES, default=None)
    )
    report(d.filter(pl.col("entity_type").is_null()), "IndividualEntityShip", "designation_type")
    refused = d.filter(pl.col("entity_type").is_null() | pl.col("primary_name").is_null())
    for row in refused.iter_rows(named=True):
        reason = (
            f"unknown IndividualEntityShip {row['designation_type']!r}"
            if row["entity_type"] is None
            else "no name"
        )
        rejects.append(
            {
                "kind": "entry",
                "file": name,
                "locator": row["locator"],
                "reason": reason,
                "raw": raw_of(row["unique_id"]),
            }
        )
    d = d.filter(pl.col("entity_type").is_not_null() & pl.col("primary_name").is_not_null())
    non_latin, addresses, facts = long.non_latin, long.addresses, long.facts
    taken = d.select("unique_id", "entity_type")
    names = names.join(taken, on="unique_id", how="inner", maintain_order="left")
    if refused.height:
        gone = refused.select("unique_id")
        non_latin, addresses, facts = (
            df.join(gone, on="unique_id", how="anti") for df in (non_latin, addresses, facts)
        )
    by_field = {key[0]: part for key, part in facts.partition_by("field", as_dict=True).items()}

    def of(field_: str) -> pl.DataFrame:
        return by_field.get(field_, facts.clear())

    # Dates: dd/mm/yyyy. A date that does not read is reported and kept as an attribute.
    dmy = "%d/%m/%Y"
    d = d.with_columns(
        listed_on=pl.col("date_designated").str.strptime(pl.Date, dmy, strict=False),
        updated_on=pl.col("last_updated").str.strptime(pl.Date, dmy, strict=False),
    )
    attributes: list[pl.LazyFrame] = []
    for raw_col, parsed, what in (
        ("date_designated", "listed_on", "DateDesignated"),
        ("last_updated", "updated_on", "LastUpdated"),
    ):
        bad = d.filter(pl.col(raw_col).is_not_null() & pl.col(parsed).is_null())
        report(bad, f"{what} date format", raw_col)
        attributes.append(
            bad.lazy().select(
                "unique_id", pl.lit(raw_col).alias("attribute"), pl.col(raw_col).alias("value")
            )
        )

    dobs = of("dob")
    parsed_dobs = _lookup(dobs["value"], parse_dmy)
    unread = [k for k, v in parsed_dobs.items() if v is None]
    report(dobs.filter(pl.col("value").is_in(unread)), "DOB date format", "value")
    attributes.append(
        dobs.lazy()
        .filter(pl.col("value").is_in(unread))
        .select("unique_id", pl.lit("date_of_birth").alias("attribute"), "value")
    )
    dob_values = pl.DataFrame(
        [{"value": k, **v.as_row()} for k, v in parsed_dobs.items() if v is not None],
        schema={
            "value": pl.String,
            "raw": pl.String,
            "date_from": pl.Date,
            "date_to": pl.Date,
            "precision": pl.String,
            "circa": pl.Boolean,
        },
    )

    imo = of("imo").with_columns(digits=pl.col("value").str.replace_all(r"\D", ""))
    imo_ok = _lookup(imo["digits"], imo_valid)
    imo = imo.with_columns(
        ok=pl.col("digits").replace_strict(imo_ok, default=False, return_dtype=pl.Boolean)
    )
    report(imo.filter(~pl.col("ok")), "IMO number failing its check digit", "value")

    countries_of = _lookup(
        pl.concat(
            [
                addresses["country"],
                of("nationality")["value"],
                of("current_flag")["value"],
                of("birth")["extra"],
            ]
        ),
        resolve,
    )

    def code(column: str) -> pl.Expr:
        return pl.col(column).replace_strict(countries_of, default=None, return_dtype=pl.String)

    # --- every table as a lazy query ---
    dl = d.lazy()

    def lazy(field_: str) -> pl.LazyFrame:
        return of(field_).lazy()

    entities = dl.select(
        eid,
        pl.col("unique_id").alias("source_id"),
        "entity_type",
        "primary_name",
        "listed_on",
        pl.col("updated_on").alias("last_updated"),
        pl.col("other_information").alias("remarks"),
        pl.lit(None, pl.String).alias("unparsed_remarks"),
    )

    person = pl.col("entity_type") == "person"
    given = pl.concat_str([pl.col(c) for c in NAME_PARTS[:5]], separator=" ", ignore_nulls=True)
    name_rows = pl.concat(
        [
            names.lazy().select(
                eid,
                "name",
                pl.col("kind").alias("name_type"),
                "quality",
                pl.lit(None, pl.String).alias("script"),
                pl.lit(None, pl.String).alias("language"),
                pl.when(person & (given != "")).then(given).alias("given_name"),
                pl.when(person).then(pl.col("name6")).alias("family_name"),
                origin,
            ),
            non_latin.lazy().select(
                eid,
                "name",
                pl.lit("original_script").alias("name_type"),
                pl.lit(None, pl.String).alias("quality"),
                "script",
                "language",
                pl.lit(None, pl.String).alias("given_name"),
                pl.lit(None, pl.String).alias("family_name"),
                origin,
            ),
        ]
    )

    # Identifiers: the list's own references, then documents, registrations, IMO and contacts.
    def ids(
        df: pl.LazyFrame,
        id_type: str,
        label: str,
        value: str,
        normalized: pl.Expr,
        note: pl.Expr | None = None,
    ) -> pl.LazyFrame:
        return df.filter(pl.col(value).is_not_null()).select(
            eid,
            pl.lit(id_type).alias("id_type"),
            pl.lit(label).alias("label"),
            pl.col(value).alias("value"),
            normalized.alias("normalized"),
            (note if note is not None else pl.lit(None, pl.String)).alias("note"),
            origin,
        )

    doc = pl.col("value").str.replace_all(_DOC_NOISE, "").str.to_uppercase()
    extra = pl.col("extra")
    # The issuing country is given only in words, in the additional information (`Afghanistan
    # diplomatic passport number D0009720, issued …`): read with the rule OFSI's notes get.
    issuers = _lookup(
        pl.concat([of("passport")["extra"], of("national_id")["extra"]]), _issuing_country
    )

    def issued(rows: pl.LazyFrame) -> pl.LazyFrame:
        code_ = pl.col("note").replace_strict(issuers, default=None, return_dtype=pl.String)
        return rows.with_columns(
            country_code=code_, country_raw=pl.when(code_.is_not_null()).then(pl.col("note"))
        )

    imo_lazy = imo.lazy()
    identifiers = pl.concat(
        [
            ids(
                dl,
                "list_reference",
                "Unique ID",
                "unique_id",
                pl.col("unique_id").str.to_uppercase(),
            ),
            ids(
                dl,
                "un_reference",
                "UN Reference Number",
                "un_reference_number",
                # the current form of a historic reference (`QI.A.291.11` → `QDI.291`)
                pl.col("un_reference_number").map_elements(
                    un_reference_key, return_dtype=pl.String
                ),
            ),
            ids(
                dl,
                "ofsi_group_id",
                "OFSI Group ID",
                "ofsi_group_id",
                pl.col("ofsi_group_id").str.replace_all(r"\s", ""),
            ),
            issued(ids(lazy("passport"), "passport", "Passport number", "value", doc, extra)),
            issued(
                ids(
                    lazy("national_id"),
                    "national_id",
                    "National Identifier number",
                    "value",
                    doc,
                    extra,
                )
            ),
            ids(lazy("registration"), "registration", "Business registration number", "value", doc),
            ids(imo_lazy.filter(pl.col("ok")), "imo", "IMO number", "value", pl.col("digits")),
            ids(
                imo_lazy.filter(~pl.col("ok")),
                "other",
                "IMO number",
                "value",
                pl.col("digits"),
                pl.lit("fails the IMO check digit"),
            ),
            ids(
                lazy("phone"),
                "phone",
                "Phone number",
                "value",
                pl.col("value").str.replace_all(r"\D", ""),
            ),
            ids(
                lazy("email"), "email", "Email address", "value", pl.col("value").str.to_lowercase()
            ),
            ids(lazy("website"), "website", "Website", "value", pl.col("value").str.to_lowercase()),
        ],
        how="diagonal",
    )

    # Addresses: lines 1-5 are the street part; the lists put the town or city in line 6 (OFSI's
    # 2025 list, same data: `Address 6` is Moscow 206 times, Tehran 169, …, a province now and
    # then, such as AQD0128's `Deir ez-Zor Governorate`). A town in an earlier line (AFG0011's
    # `Darul Aman`, `Kabul`) stays in `street`: which line is the town is not said.
    street = pl.concat_str(
        [pl.col(c) for c in ADDRESS_LINES[:5]], separator=", ", ignore_nulls=True
    )
    full = pl.concat_str([pl.col(c) for c in ADDRESS_COLUMNS], separator=", ", ignore_nulls=True)
    address_rows = addresses.lazy().select(
        eid,
        pl.when(full != "").then(full).alias("full_address"),
        pl.when(street != "").then(street).alias("street"),
        pl.col("line6").alias("city"),
        "postal_code",
        code("country").alias("country_code"),
        pl.col("country").alias("country_raw"),
        origin,
    )

    birth_dates = (
        dobs.lazy()
        .join(dob_values.lazy(), on="value", how="inner", maintain_order="left")
        .select(eid, "raw", "date_from", "date_to", "precision", "circa", origin)
    )
    place = pl.concat_str([pl.col("value"), pl.col("extra")], separator=", ", ignore_nulls=True)
    birth_places = lazy("birth").select(
        eid, place.alias("place"), code("extra").alias("country_code"), origin
    )

    def countries(source: pl.LazyFrame, column: str, relation: str) -> pl.LazyFrame:
        return source.filter(pl.col(column).is_not_null()).select(
            eid,
            code(column).alias("country_code"),
            pl.col(column).alias("raw"),
            pl.lit(relation).alias("relation"),
            origin,
        )

    country_rows = pl.concat(
        [
            countries(lazy("nationality"), "value", "nationality"),
            countries(lazy("current_flag"), "value", "flag"),
            countries(lazy("birth"), "extra", "birth"),
        ]
    ).unique(maintain_order=True)  # three birth places in one country are one birth country

    sanctions = dl.select(
        eid,
        pl.lit(AUTHORITY).alias("authority"),
        pl.col("regime_name").alias("program"),
        # The FCDO names each regime by its Regulations (`The Afghanistan (Sanctions) (EU Exit)
        # Regulations 2020`): that title is the legal act. `DesignationSource` (UN or UK) says
        # who designated the party; it is an attribute, not a legal basis.
        pl.col("regime_name").alias("legal_basis"),
        "listed_on",
        origin,
    )

    facts_lazy = facts.lazy()
    attributes += [
        facts_lazy.filter(pl.col("field").is_in(list(ATTRIBUTE_NAMES))).select(
            "unique_id", pl.col("field").replace_strict(ATTRIBUTE_NAMES).alias("attribute"), "value"
        ),
        facts_lazy.filter(pl.col("field") == "unknown").select(
            "unique_id",
            ("unknown:" + pl.col("extra")).alias("attribute"),
            pl.col("value").fill_null(""),
        ),
        dl.filter(pl.col("designation_source").is_not_null()).select(
            "unique_id",
            pl.lit("designation_source").alias("attribute"),
            pl.col("designation_source").alias("value"),
        ),
        dl.filter(pl.col("statement_of_reasons").is_not_null()).select(
            "unique_id",
            pl.lit("uk_statement_of_reasons").alias("attribute"),
            pl.col("statement_of_reasons").alias("value"),
        ),
        dl.select("unique_id", pl.col("sanctions_imposed").str.split("|").alias("value"))
        .explode("value")
        .with_columns(pl.col("value").str.strip_chars())
        .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .unique(maintain_order=True)
        .select("unique_id", pl.lit("sanctions_imposed").alias("attribute"), "value"),
    ]
    attribute_rows = pl.concat(attributes).select(eid, "attribute", "value", origin)

    relationships = _resolve_links(
        facts_lazy.filter(pl.col("field").is_in(list(RELATIONS))).select(
            eid.alias("from_entity_id"),
            pl.col("value").alias("to_name"),
            pl.col("field").replace_strict(RELATIONS).alias("relation"),
            origin,
        ),
        name_rows,
    )

    plans = {
        "entities": entities,
        "names": name_rows,
        "identifiers": identifiers,
        "addresses": address_rows,
        "birth_dates": birth_dates,
        "birth_places": birth_places,
        "countries": country_rows,
        "sanctions": sanctions,
        "attributes": attribute_rows,
        "relationships": relationships,
    }
    tables = dict(zip(plans, pl.collect_all(plans.values()), strict=True))
    return tables, unknowns, rejects


def _issuing_country(note: str) -> str | None:
    """A document's issuer from its additional information: a bare country, else one named."""
    return resolve(note) or country_in_text(note)


def _key(column: str) -> pl.Expr:
    return pl.col(column).str.to_uppercase().str.replace_all(r"\s+", " ").str.strip_chars(" .")


def _resolve_links(relationships: pl.LazyFrame, names: pl.LazyFrame) -> pl.LazyFrame:
    """Fill `to_entity_id` where a named owner, parent or subsidiary is a name of exactly one party."""
    index = (
        names.filter(pl.col("name_type") != "original_script")
        .select(_key("name").alias("key"), pl.col("entity_id").alias("target"))
        .unique()
        .filter(pl.col("key").is_unique())
    )
    linked = relationships.with_columns(key=_key("to_name")).join(
        index, on="key", how="left", maintain_order="left"
    )
    return linked.select(
        "from_entity_id",
        pl.when(pl.col("target") != pl.col("from_entity_id"))
        .then(pl.col("target"))
        .alias("to_entity_id"),
        "to_name",
        "relation",
        "origin",
    )
