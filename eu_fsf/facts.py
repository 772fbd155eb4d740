"""EU FSF canonical mapping, part two: shared helpers and the fact tables (identifiers, contacts, addresses, birth dates, citizenships)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import polars as pl

from core.canonical import Unknown
from core.countries import resolve
from eu_fsf.columns import STAGED_COLUMNS
from eu_fsf.constants import (
    CONTACT_TYPES,
    COUNTRY_OVERRIDES,
    ID_TYPES,
    OTHER_ID_CODES,
    SCRIPTS,
    SOURCE,
    UNKNOWN_COUNTRY,
)
from schemas.canonical import EARLIEST_BIRTH, imo_valid

# --- canonical mapping (shared by every format) ------------------------------------------------


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _dmy_or_iso(value: str | None) -> date | None:
    if not value:
        return None
    value = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    return None


def _country(code: str | None, description: str | None) -> str | None:
    """ISO alpha-2 from the published code (alpha-2 or alpha-3), else from the description."""
    if code:
        value = code.strip().upper()
        if value in COUNTRY_OVERRIDES:
            return COUNTRY_OVERRIDES[value]
        if value in UNKNOWN_COUNTRY:
            return None
        hit = resolve(value)
        if hit:
            return hit
    if description and description.strip().upper() not in UNKNOWN_COUNTRY:
        return resolve(description)
    return None


def _date_problems(
    df: pl.DataFrame, column: str, file: str, what: str, unknowns: list[Unknown]
) -> None:
    bad = df.filter(
        pl.col(column).is_not_null()
        & pl.col(column).str.to_date("%Y-%m-%d", strict=False).is_null()
    )
    for value in bad[column].unique(maintain_order=True).to_list():
        unknowns.append(Unknown(file, what, "date format", value))


def _to_date(column: str) -> pl.Expr:
    return pl.col(column).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _script() -> pl.Expr:
    expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
    for script in SCRIPTS:
        expr = expr.when(pl.col("name").str.contains(rf"\p{{{script}}}")).then(pl.lit(script))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


class _Out:
    """Canonical rows accumulated for the tables that are built row by row."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.unknowns: list[Unknown] = []

    def add(self, table: str, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def reject(self, kind: str, locator: str, reason: str, raw: Mapping[str, Any] | str) -> None:
        if not isinstance(raw, str):
            raw = json.dumps({k: v for k, v in raw.items() if v is not None}, ensure_ascii=False)
        self.add("rejects", kind=kind, file=self.file, locator=locator, reason=reason, raw=raw)


def _blank_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def _eid(column: str = "entity_logical_id") -> pl.Expr:
    return pl.format("{}-{}", pl.lit(SOURCE), pl.col(column))


def _country_lookup(t: Mapping[str, pl.DataFrame], out: _Out) -> pl.DataFrame:
    """Resolve each distinct (code, description) pair once; unresolvable ones are reported."""
    pairs = pl.concat(
        t[table].select("country_code", "country_description")
        for table in ("addresses", "birthdates", "identifications", "citizenships")
    ).unique(maintain_order=True)
    rows = []
    for code, description in pairs.iter_rows():
        resolved = _country(code, description)
        published = f"{code or ''} {description or ''}".strip()
        said_unknown = {
            (code or "").strip().upper(),
            (description or "").strip().upper(),
        } & UNKNOWN_COUNTRY
        if resolved is None and published and not said_unknown:
            out.unknowns.append(
                Unknown(out.file, "countryIso2Code/countryDescription", "country", published)
            )
        rows.append((code, description, resolved, description or code))
    schema = ["country_code", "country_description", "iso", "country_raw"]
    return pl.DataFrame(rows, schema={c: pl.String for c in schema}, orient="row")


def _with_country(df: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    on = ["country_code", "country_description"]
    return df.join(lookup, on=on, how="left", nulls_equal=True, maintain_order="left")


def _prefixed(prefix: str, column: str) -> pl.Expr:
    """`prefix` + value, or null when the value is null."""
    return pl.concat_str(pl.lit(prefix), pl.col(column))


def _flag(column: str, label: str) -> pl.Expr:
    return pl.when(pl.col(column).str.to_lowercase() == "true").then(pl.lit(label))


def _joined(parts: list[pl.Expr], separator: str) -> pl.Expr:
    return _blank_null(pl.concat_str(parts, separator=separator, ignore_nulls=True))


def _locator(what: str) -> pl.Expr:
    return pl.format(what + " {} of entity {}", "logical_id", "entity_logical_id")


def _reject_rows(out: _Out, df: pl.DataFrame, kind: str, what: str, reason: str) -> None:
    for row in df.iter_rows(named=True):
        locator = f"{what} {row['logical_id']} of entity {row['entity_logical_id']}"
        out.reject(kind, locator, reason, {k: v for k, v in row.items() if k in STAGED_COLUMNS})


def _identifiers_frame(df: pl.DataFrame, lookup: pl.DataFrame, out: _Out) -> pl.DataFrame:
    """Identification documents; unknown type codes are kept as `other` and reported."""
    df = _with_country(df, lookup).with_columns(
        pl.coalesce("number", "latin_number").alias("value"),
        pl.col("type_code").str.strip_chars().str.to_lowercase().alias("code"),
    )
    _reject_rows(
        out,
        df.filter(pl.col("value").is_null()),
        "identifier",
        "identification",
        "identification without a number",
    )
    df = df.filter(pl.col("value").is_not_null())
    known = [*ID_TYPES, *OTHER_ID_CODES]
    for locator, code in (
        df.filter(~pl.col("code").fill_null("").is_in(known))
        .select(_locator("identification"), "type_code")
        .iter_rows()
    ):
        out.unknowns.append(Unknown(out.file, locator, "identificationTypeCode", code or ""))
    df = df.with_columns(
        pl.col("code").replace_strict(ID_TYPES, default="other").alias("id_type"),
        pl.col("value").str.to_uppercase().str.replace_all(r"[\s\-./]", "").alias("normalized"),
    )
    imo = pl.col("id_type") == "imo"
    if df.filter(imo).height:
        digits = pl.col("value").str.replace_all(r"\D", "")
        valid = digits.map_elements(imo_valid, return_dtype=pl.Boolean)
        df = df.with_columns(pl.when(imo).then(digits).otherwise("normalized").alias("normalized"))
        df = df.with_columns(imo_ok=pl.when(imo).then(valid).otherwise(True))
        for locator, value in (
            df.filter(~pl.col("imo_ok")).select(_locator("identification"), "value").iter_rows()
        ):
            out.unknowns.append(
                Unknown(out.file, locator, "IMO number failing its check digit", value)
            )
        df = df.with_columns(
            pl.when(pl.col("imo_ok")).then("id_type").otherwise(pl.lit("other")).alias("id_type")
        )
    note = _joined(
        [
            _prefixed("issued by ", "issued_by"),
            _prefixed("issued ", "issued_date"),
            _prefixed("valid from ", "valid_from"),
            _prefixed("valid to ", "valid_to"),
            _prefixed("name on document: ", "name_on_document"),
            _prefixed("region: ", "region"),
            _flag("diplomatic", "diplomatic"),
            _flag("known_expired", "known expired"),
            _flag("known_false", "known false"),
            _flag("reported_lost", "reported lost"),
            _flag("revoked_by_issuer", "revoked by issuer"),
            pl.col("remark"),
        ],
        "; ",
    )
    base = [
        _eid().alias("entity_id"),
        "id_type",
        pl.coalesce("type_description", "type_code").alias("label"),
        pl.col("iso").alias("country_code"),
        "country_raw",
    ]
    documents = df.select(*base, "value", "normalized", note.alias("note"))
    latin = df.filter(
        pl.col("latin_number").is_not_null()
        & pl.col("number").is_not_null()
        & (pl.col("latin_number") != pl.col("number"))
    ).select(
        *base,
        pl.col("latin_number").alias("value"),
        pl.col("latin_number")
        .str.to_uppercase()
        .str.replace_all(r"[\s\-./]", "")
        .alias("normalized"),
        pl.lit("latin-script number").alias("note"),
    )
    return pl.concat([documents, latin]).with_columns(origin=pl.lit(out.file))


def _contacts_frame(df: pl.DataFrame, out: _Out) -> pl.DataFrame:
    """Phones, faxes, e-mails and websites of addresses, one identifier per value."""
    key = pl.col("key").str.to_uppercase()
    for eid, address, name, value in df.filter(~key.is_in(list(CONTACT_TYPES))).iter_rows():
        out.unknowns.append(
            Unknown(out.file, f"address {address} of entity {eid}", "contactInfo key", name)
        )
        out.add(
            "attributes",
            entity_id=f"{SOURCE}-{eid}",
            attribute=f"contact_{name.lower()}",
            value=value,
            origin=out.file,
        )
    df = df.filter(key.is_in(list(CONTACT_TYPES))).with_columns(
        key.replace_strict(CONTACT_TYPES).alias("id_type")
    )
    # Several numbers or addresses share one field; a URL may hold commas, so split it on `;` only.
    separated = (
        pl.when(pl.col("id_type") == "website")
        .then("value")
        .otherwise(pl.col("value").str.replace_all(",", ";", literal=True))
    )
    df = df.with_columns(separated.str.split(";").alias("piece")).explode("piece")
    df = df.with_columns(pl.col("piece").str.strip_chars()).filter(pl.col("piece") != "")
    normalized = (
        pl.when(pl.col("id_type") == "phone")
        .then(pl.col("piece").str.replace_all(r"[^\d+]", ""))
        .otherwise(pl.col("piece").str.to_lowercase().str.replace_all(" ", "", literal=True))
    )
    return df.select(
        _eid().alias("entity_id"),
        "id_type",
        pl.col("key").alias("label"),
        pl.col("piece").alias("value"),
        _blank_null(normalized).alias("normalized"),
        pl.lit(out.file).alias("origin"),
    )


# A PO box the publisher wrote into zipCode (`PO Box 1406 - 60455`, real XML of 2026-08-05,
# logicalId 980): the box number and the postal code that follows it.
_ZIP_PO_BOX = r"(?i)^P\.?\s*O\.?\s*BOX\s*(?<box>[0-9A-Z]+)\s*(?:[-,;]\s*(?<zip>.*\S))?\s*$"


def _po_box_out_of_zip(df: pl.DataFrame) -> pl.DataFrame:
    """Move a PO box found in zipCode to po_box (when that is empty); the rest stays the zip."""
    parts = pl.col("zip_code").str.extract_groups(_ZIP_PO_BOX)
    boxed = parts.struct.field("box").is_not_null() & pl.col("po_box").is_null()
    return df.with_columns(
        po_box=pl.when(boxed).then(parts.struct.field("box")).otherwise("po_box"),
        zip_code=pl.when(boxed).then(parts.struct.field("zip")).otherwise("zip_code"),
    )


def _addresses_frame(
    df: pl.DataFrame, contacts: pl.DataFrame, lookup: pl.DataFrame, out: _Out
) -> pl.DataFrame:
    df = _po_box_out_of_zip(_with_country(df, lookup))
    street = _joined([pl.col("number"), pl.col("street")], " ")
    po_box = _prefixed("PO Box ", "po_box")
    parts = [street, po_box, pl.col("place"), pl.col("city"), pl.col("zip_code"), pl.col("region")]
    has_address = pl.any_horizontal(p.is_not_null() for p in parts) | pl.col("iso").is_not_null()
    # An address holding only contact details is taken through its contacts.
    holders = contacts.select("entity_logical_id", pl.col("address_logical_id").alias("logical_id"))
    empty = df.filter(~has_address).join(
        holders, on=["entity_logical_id", "logical_id"], how="anti", nulls_equal=True
    )
    _reject_rows(out, empty, "address", "address", "address record carries no address")
    note = _joined(
        [
            po_box,
            _prefixed("place: ", "place"),
            _flag("as_at_listing_time", "as at listing time"),
            pl.col("remark"),
        ],
        "; ",
    )
    return df.filter(has_address).select(
        _eid().alias("entity_id"),
        _joined([*parts, pl.col("country_raw")], ", ").alias("full_address"),
        street.alias("street"),
        "city",
        "region",
        pl.col("zip_code").alias("postal_code"),
        pl.col("iso").alias("country_code"),
        "country_raw",
        note.alias("note"),
        pl.lit(out.file).alias("origin"),
    )


def _date(year: pl.Expr, month: pl.Expr | str, day: pl.Expr | str) -> pl.Expr:
    """A date from text parts (`"01"` for a fixed part); null when the parts make no date."""
    parts = [year.cast(pl.String).str.zfill(4)]
    parts += [
        pl.lit(p) if isinstance(p, str) else p.cast(pl.String).str.zfill(2) for p in (month, day)
    ]
    return pl.format("{}-{}-{}", *parts).str.to_date("%Y-%m-%d", strict=False)


BIRTH_PARTS = ("birthdate", "year", "month", "day", "year_range_from", "year_range_to")
BIRTH_PRECISION = {"full": "day", "ymd": "day", "ym": "month", "y": "year", "range": "range"}


def _birth_kind() -> pl.Expr:
    """Which parts a birthdate record carries, the most precise first."""
    has = {c: pl.col(c).is_not_null() for c in BIRTH_PARTS}
    return (
        pl.when(has["birthdate"] & (pl.col("birthdate").str.to_uppercase() != "N/A"))
        .then(pl.lit("full"))
        .when(has["year"] & has["month"] & has["day"])
        .then(pl.lit("ymd"))
        .when(has["year"] & has["month"])
        .then(pl.lit("ym"))
        .when(has["year_range_from"] & has["year_range_to"] & ~has["year"])
        .then(pl.lit("range"))
        .when(has["year"] | has["year_range_from"] | has["year_range_to"])
        .then(pl.lit("y"))
    )


def _birth_dates(df: pl.DataFrame) -> pl.DataFrame:
    """Add date_from, date_to, precision and raw: a partial date spans what it leaves open."""
    kind = pl.col("kind")
    year = pl.coalesce("year", "year_range_from", "year_range_to").cast(pl.Int32, strict=False)
    start, end = (
        pl.col(c).cast(pl.Int32, strict=False) for c in ("year_range_from", "year_range_to")
    )
    df = df.with_columns(_birth_kind().alias("kind"))
    df = df.with_columns(
        pl.when(kind == "full")
        .then(pl.col("birthdate").str.to_date("%Y-%m-%d", strict=False))
        .when(kind == "ymd")
        .then(_date(year, pl.col("month"), pl.col("day")))
        .when(kind == "ym")
        .then(_date(year, pl.col("month"), "01"))
        .when(kind == "y")
        .then(_date(year, "01", "01"))
        .when(kind == "range")
        .then(_date(start, "01", "01"))
        .alias("date_from"),
        kind.replace_strict(BIRTH_PRECISION, default=None).alias("precision"),
    )
    return df.with_columns(
        pl.when(kind.is_in(["full", "ymd"]))
        .then("date_from")
        .when(kind == "ym")
        .then(pl.col("date_from").dt.month_end())
        .when(kind == "y")
        .then(_date(year, "12", "31"))
        .when(kind == "range")
        .then(_date(end, "12", "31"))
        .alias("date_to"),
        pl.when(kind == "full")
        .then("birthdate")
        .when(kind == "range")
        .then(pl.format("{}-{}", start, end))
        .when(kind == "ym")
        .then(pl.col("date_from").dt.strftime("%Y-%m"))
        .when(kind == "y")
        .then(pl.col("date_from").dt.strftime("%Y"))
        .otherwise(pl.col("date_from").dt.strftime("%Y-%m-%d"))
        .alias("raw"),
    )


def _births_frames(
    df: pl.DataFrame, lookup: pl.DataFrame, out: _Out
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Birth dates keeping their precision, places of birth, and what is left over.

    A date that cannot be read or lies outside 1850…today is reported and kept as the
    attribute `birth_date_unparsed`; a record with neither date, place nor country is rejected.
    """
    df = _birth_dates(_with_country(df, lookup))
    ok = (
        pl.col("date_from").is_not_null()
        & pl.col("date_to").is_not_null()
        & (pl.col("date_from") <= pl.col("date_to"))
        & pl.col("date_from").is_between(EARLIEST_BIRTH, date.today())
    )
    parts = _joined([pl.col(c) for c in BIRTH_PARTS[1:]], "-")
    published = pl.when(pl.col("kind") == "full").then("birthdate").otherwise(parts)
    not_gregorian = pl.col("calendar_type").str.to_uppercase() != "GREGORIAN"
    no_dash = [
        pl.when(pl.col(c) != "-").then(pl.col(c)) for c in ("place", "city", "zip_code", "region")
    ]
    spots = (
        pl.concat_list(no_dash).list.drop_nulls().list.unique(maintain_order=True).list.join(", ")
    )
    df = df.with_columns(
        pl.when(ok).then("raw").alias("raw"),
        pl.when(pl.col("kind").is_not_null() & ~ok.fill_null(False))
        .then(published)
        .alias("problem"),
        pl.coalesce(
            _blank_null(spots), pl.when(pl.col("iso").is_not_null()).then("country_raw")
        ).alias("place"),
    )
    for locator, problem, calendar_type in (
        df.filter(pl.col("problem").is_not_null() | not_gregorian)
        .select(_locator("birthdate"), "problem", "calendar_type")
        .iter_rows()
    ):
        if problem:
            out.unknowns.append(Unknown(out.file, locator, "birth date format", problem))
        if calendar_type and calendar_type.upper() != "GREGORIAN":
            out.unknowns.append(Unknown(out.file, locator, "calendarType", calendar_type))
    nothing = df.filter(pl.all_horizontal(pl.col(c).is_null() for c in ("raw", "problem", "place")))
    _reject_rows(out, nothing, "row", "birthdate", "birth record carries no date, place or country")

    entity, origin = _eid().alias("entity_id"), pl.lit(out.file).alias("origin")
    circa = (pl.col("circa").str.to_lowercase() == "true").fill_null(False).alias("circa")
    dates = df.filter(pl.col("raw").is_not_null()).select(
        entity, "raw", "date_from", "date_to", "precision", circa, origin
    )
    # two birth dates in one place (logicalId 191: both in `-`, PAKISTAN) are one birth place
    places = (
        df.filter(pl.col("place").is_not_null())
        .select(entity, "place", pl.col("iso").alias("country_code"), origin)
        .unique(maintain_order=True)
    )
    leftovers = pl.concat(
        df.select(entity, pl.lit(attribute).alias("attribute"), value.alias("value"))
        for attribute, value in (
            ("birth_date_unparsed", pl.col("problem")),
            ("birth_calendar", pl.when(not_gregorian).then("calendar_type")),
            ("birth_remark", pl.col("remark")),
        )
    )
    return dates, places, leftovers


def _citizenship_frames(
    df: pl.DataFrame, lookup: pl.DataFrame, out: _Out
) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = _with_country(df, lookup)
    known = pl.col("iso").is_not_null() | pl.col("region").is_not_null()
    _reject_rows(out, df.filter(~known), "row", "citizenship", "citizenship country not known")
    df = df.filter(known)
    countries = df.select(
        _eid().alias("entity_id"),
        pl.col("iso").alias("country_code"),
        pl.coalesce("country_raw", "region").alias("raw"),
        pl.lit("citizenship").alias("relation"),
        pl.lit(out.file).alias("origin"),
    )
    details = pl.concat(
        df.select(
            _eid().alias("entity_id"),
            pl.lit(attribute).alias("attribute"),
            pl.col(column).alias("value"),
        )
        for attribute, column in (
            ("citizenship_region", "region"),
            ("citizenship_remark", "remark"),
        )
    )
    return countries, details
