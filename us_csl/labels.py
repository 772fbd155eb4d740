"""CSL values to canonical forms: id labels, countries, birth dates, party identity."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import polars as pl

from core.canonical import Unknown
from core.countries import resolve
from core.dates import parse_fuzzy
from ofac.remark_labels import (
    ATTRIBUTE_LABELS,
    ATTRIBUTE_PATTERNS,
    COUNTRY_LABELS,
    KNOWN_LABELS,
)
from us_csl.constants import (
    CRYPTO,
    EARLIEST_BIRTH,
    EARLIEST_START,
    ENTITY_TYPES,
    LABEL_SCOPE,
    LABEL_TAIL,
)

# --- canonical mapping -------------------------------------------------------------------------

ID_LABELS_LOWER = {k.lower(): v for k, v in KNOWN_LABELS.items()}
ATTRIBUTE_LABELS_LOWER = {k.lower(): v for k, v in ATTRIBUTE_LABELS.items()}
COUNTRY_LABELS_LOWER = {k.lower(): v for k, v in COUNTRY_LABELS.items()}
_ATTRIBUTE_PATTERNS = [(re.compile(f"^{p}$", re.IGNORECASE), t) for p, t in ATTRIBUTE_PATTERNS]


@lru_cache(maxsize=1024)
def classify_label(raw: str) -> tuple[str, str, str | None]:
    """(family, target, scope) of an `ids` type label.

    family is `identifier` (target: id_type), `attribute` (target: attribute name), `country`
    (target: relation), `vessel_registration` (an IMO number when the value says so) or
    `unknown`. A trailing scope in brackets ("Listing Date (EO 14024 Directive 2):") is split
    off when only the label without it is known.
    """
    label = LABEL_TAIL.sub("", raw.strip())
    key = label.lower()
    if key == "vessel registration identification":
        return "vessel_registration", "registration", None
    if m := CRYPTO.match(label):
        return "identifier", "crypto_wallet", m.group("currency")
    if key in ID_LABELS_LOWER:
        return "identifier", ID_LABELS_LOWER[key], None
    for pattern, template in _ATTRIBUTE_PATTERNS:
        if m := pattern.match(label):
            return "attribute", template.format(**m.groupdict()), None
    if key in ATTRIBUTE_LABELS_LOWER:
        return "attribute", ATTRIBUTE_LABELS_LOWER[key], None
    if key in COUNTRY_LABELS_LOWER:
        return "country", COUNTRY_LABELS_LOWER[key], None
    if (m := LABEL_SCOPE.match(label)) and m.group("base"):
        family, target, _ = classify_label(m.group("base"))
        if family != "unknown":
            return family, target, m.group("scope")
    return "unknown", "other", None


@lru_cache(maxsize=4096)
def country_code(raw: str) -> str | None:
    """ISO alpha-2 code of a country as the CSL writes it (a code or a name), else None."""
    return resolve(raw)


@lru_cache(maxsize=4096)
def place_country(place: str) -> str | None:
    return country_code(place.rsplit(",", 1)[-1])


def lookup(
    values: Iterable[pl.Series], fn: Any, key: str, out: str, dtype: pl.DataType
) -> pl.LazyFrame:
    """Each distinct value mapped to fn(value), as a small frame to join."""
    distinct = (
        pl.concat([v.rename(key).cast(pl.String) for v in values])
        .drop_nulls()
        .unique()
        .sort()
        .to_list()
    )
    return pl.LazyFrame(
        {key: distinct, out: [fn(v) for v in distinct]}, schema={key: pl.String, out: dtype}
    )


BIRTH_SCHEMA = {
    "value": pl.String,
    "date_from": pl.Date,
    "date_to": pl.Date,
    "precision": pl.String,
    "circa": pl.Boolean,
}


def fuzzy_row(raw: str) -> dict[str, Any]:
    parsed = parse_fuzzy(raw)
    if parsed is None or parsed.date_from < EARLIEST_BIRTH or parsed.date_from > parsed.date_to:
        return {"value": raw}
    row = parsed.as_row()
    return {"value": raw} | {k: row[k] for k in ("date_from", "date_to", "precision", "circa")}


def read_birth_dates(values: pl.LazyFrame) -> pl.LazyFrame:
    """Birth dates (column `value`) in the CSL's four shapes, `YYYY-MM-DD`, `YYYY`, `circa
    YYYY`, `YYYY to YYYY`, read vectorised; `date_from` stays null for any other text (the
    caller hands it to core.dates) and for dates before 1850."""
    v = pl.col("value")
    year = v.str.extract(r"^(?:circa )?(\d{4})$").cast(pl.Int32)
    span = v.str.extract_groups(r"^(\d{4}) to (\d{4})$")
    y1, y2 = span.struct.field("1").cast(pl.Int32), span.struct.field("2").cast(pl.Int32)
    day = v.str.to_date("%Y-%m-%d", strict=False)
    parsed = values.with_columns(
        date_from=pl.coalesce(day, pl.date(year, 1, 1), pl.date(y1, 1, 1)),
        date_to=pl.coalesce(day, pl.date(year, 12, 31), pl.date(y2, 12, 31)),
        precision=pl.when(day.is_not_null())
        .then(pl.lit("day"))
        .when(year.is_not_null())
        .then(pl.lit("year"))
        .when(y1.is_not_null())
        .then(pl.lit("range")),
        circa=v.str.starts_with("circa "),
    )
    ok = (
        (pl.col("date_from") >= EARLIEST_BIRTH) & (pl.col("date_from") <= pl.col("date_to"))
    ).fill_null(False)
    return parsed.with_columns(
        pl.when(ok).then(pl.col(c)).alias(c) for c in BIRTH_SCHEMA if c != "value"
    )


def normalized_number(id_type: pl.Expr, value: pl.Expr) -> pl.Expr:
    """Comparable form, as ofac.remarks makes it: digits for phone/IMO/MMSI, lower case
    for e-mail, website and EVM wallets, else upper case without spaces, dots, dashes, brackets."""
    evm = value.str.contains(r"^0x[0-9a-fA-F]{40}$")
    return (
        pl.when(id_type.is_in(["phone", "imo", "mmsi"]))
        .then(value.str.replace_all(r"\D", ""))
        .when(id_type.is_in(["email", "website"]) | ((id_type == "crypto_wallet") & evm))
        .then(value.str.to_lowercase())
        .when(id_type == "crypto_wallet")
        .then(value)
        .otherwise(value.str.replace_all(r"[\s.\-()]", "").str.to_uppercase())
    )


def first_records(lf: pl.LazyFrame, key: str) -> pl.LazyFrame:
    """Each distinct `key` with the first record it appears in (for the unknowns report)."""
    return lf.group_by(key).agg(pl.col("record").min()).sort("record").select(key, "record")


def take_parties(
    base: pl.LazyFrame, file: str, source: str
) -> tuple[pl.DataFrame, list[dict[str, Any]], list[Unknown]]:
    """Taken records with their entity_id (`eid`), the refused ones as rejects, and conflicts.

    Records of one `_id` with the same type and the same name words are one party; otherwise
    each (type, name words) variant becomes `<source>-<_id>-<n>`. A refused record is a reject
    of kind `entry` when no other record stands for its party, else of kind `row`.
    """
    reason = (
        pl.when(pl.col("_id").is_null())
        .then(pl.lit("no _id"))
        .when(pl.col("name").is_null())
        .then(pl.lit("no name"))
        .when(pl.col("type").is_not_null() & ~pl.col("type").is_in(list(ENTITY_TYPES)))
        .then(pl.format("unknown type {}", pl.col("type")))
    )
    start = pl.col("start_date").str.to_date("%Y-%m-%d", strict=False)
    base = base.with_columns(reason=reason, listed=pl.when(start >= EARLIEST_START).then(start))
    good, bad = pl.collect_all(
        [
            base.filter(pl.col("reason").is_null()).drop("reason"),
            base.filter(pl.col("reason").is_not_null()),
        ]
    )
    words = (
        pl.col("name")
        .str.to_uppercase()
        .str.extract_all(r"[\p{L}\p{N}]+")
        .list.sort()
        .list.join(" ")
    )
    keys = ["_id", "type", "words"]
    repeated = good.filter(pl.col("_id").is_duplicated()).with_columns(words=words)
    variants = (
        repeated.group_by(keys, maintain_order=True)
        .agg(
            pl.col("record").min().alias("first"),
            pl.col("record").alias("records"),
            pl.col("name").first(),
        )
        .with_columns(
            variant=pl.col("first").rank("dense").over("_id").cast(pl.Int64), n=pl.len().over("_id")
        )
        .filter(pl.col("n") > 1)
    )
    unknowns = [
        Unknown(
            file,
            "records " + ", ".join(map(str, v["records"])),
            "conflicting records for _id",
            f"{v['_id']} variant {v['variant']}: {v['type']} {v['name']!r}",
        )
        for v in variants.iter_rows(named=True)
    ]
    good = good.with_columns(eid=pl.format("{}-{}", pl.lit(source), pl.col("_id")))
    if variants.height:
        numbered = repeated.join(variants, on=keys, nulls_equal=True).select(
            "record",
            pl.format("{}-{}-{}", pl.lit(source), pl.col("_id"), pl.col("variant")).alias(
                "numbered"
            ),
        )
        good = (
            good.join(numbered, on="record", how="left", maintain_order="left")
            .with_columns(eid=pl.coalesce("numbered", "eid"))
            .drop("numbered")
        )
    rejects: list[dict[str, Any]] = []
    taken = set(good["_id"].to_list()) if bad.height else set()
    for row in bad.iter_rows(named=True):
        ident = row["_id"]
        own_party = ident is None or ident not in taken
        taken.add(ident)
        raw = json.dumps(
            {k: v for k, v in row.items() if k not in ("reason", "record", "listed")},
            ensure_ascii=False,
        )
        locator = f"record {row['record']}"
        rejects.append(
            {
                "kind": "entry" if own_party else "row",
                "file": file,
                "locator": locator,
                "reason": row["reason"],
                "raw": raw,
            }
        )
        if row["reason"].startswith("unknown type"):
            unknowns.append(Unknown(file, locator, "type", str(row["type"])))
    return good, rejects, unknowns
