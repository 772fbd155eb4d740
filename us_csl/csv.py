"""Reader of the CSL CSV (`consolidated.csv`, possibly gzip): header, packed fields, ids layouts.

The packings (``addresses``, ``ids``) and the two `ids` layouts are described in the package
docstring (`us_csl`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

import polars as pl

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.records import first_bad_record
from core.sniff import check_payload, decode
from core.truncation import require_complete_csv
from us_csl.constants import (
    BOM,
    COLUMNS,
    CSV_NAME,
    DAY,
    IDS_SAMPLE,
    MULTI,
    PACK,
    PACKED,
    POSTAL,
    SCALARS,
    SOURCE,
)
from us_csl.labels import ATTRIBUTE_LABELS_LOWER, COUNTRY_LABELS_LOWER, ID_LABELS_LOWER
from us_csl.mapping import build
from us_csl.records import EXTRA_SCHEMA, SourceRecords, gunzip_if_gzip

# --- CSV ---------------------------------------------------------------------------------------


def _header(name: str, data: bytes) -> list[str]:
    end = data.find(b"\n")
    first = decode(name, data[: end if end >= 0 else len(data)], "utf-8").rstrip("\r")
    if first.lstrip().startswith(("{", "[")):
        raise SourceFormatError(name, "line 1", "expected the CSL CSV header, found JSON")
    header = next(csv.reader([first]))
    missing = [c for c in COLUMNS if c not in header]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if missing or repeated:
        extra = [c for c in header if c not in COLUMNS]
        raise SourceFormatError(
            name,
            "line 1 (header)",
            f"header changed: missing {missing}, unexpected {extra}, repeated {repeated}",
        )
    return header


def _last_record_start(data: bytes) -> int:
    """Offset where the last record starts: after the last newline outside quotes."""
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    pos = data.rfind(b"\n", 0, end)
    while pos >= 0 and data.count(b'"', 0, pos) % 2:
        pos = data.rfind(b"\n", 0, pos)
    return pos + 1


def _truncated_tail(data: bytes, width: int) -> tuple[int, str] | None:
    """(offset, why) of a cut-off last record, or None when the file ends cleanly."""
    if data.count(b'"') % 2:
        return _last_record_start(data), "an unterminated quoted field runs to the end of the file"
    if data.endswith(b"\n"):
        return None
    start = _last_record_start(data)
    fields = next(csv.reader([data[start:].decode("utf-8", "replace")]), [])
    if len(fields) != width:
        return start, f"{len(fields)} fields of {width} and no final newline"
    return None


def _locate_bad_record(text: str, width: int) -> tuple[str, str]:
    """(location, what is wrong) of the first record whose field count is not `width`."""
    bad = first_bad_record(text, width, skip_empty=False)
    if bad is None:
        return "unknown record", "unparseable CSV"
    return f"record {bad.index}, line {bad.start}", f"{bad.fields} fields, expected {width}"


def _strip_to_null(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value).alias(column)


def _read_csv(name: str, data: bytes, strict: bool) -> SourceRecords:
    data = gunzip_if_gzip(name, data)
    check_payload(name, data)
    data = data.removeprefix(BOM)
    header = _header(name, data)
    width = len(header)
    rejects: list[dict[str, Any]] = []
    unknowns: list[Unknown] = []
    tail = _truncated_tail(data, width)
    if tail is not None:
        start, why = tail
        number = sum(1 for _ in csv.reader(io.StringIO(decode(name, data[:start], "utf-8"))))
        line = data.count(b"\n", 0, start) + 1
        locator = f"record {number}, line {line}"
        if strict:
            raise SourceFormatError(
                name, locator, f"the last record is cut off ({why}): the file is truncated"
            )
        raw = data[start:].decode("utf-8", "replace")  # the cut may split a character
        rejects.append(
            {
                "kind": "entry",
                "file": name,
                "locator": locator,
                "reason": f"truncated record: {why}",
                "raw": raw,
            }
        )
        unknowns.append(Unknown(name, locator, "truncated record", raw[:200]))
        data = data[:start]
    elif not data.endswith(b"\n"):
        if strict:  # every real CSL CSV ends with a line break: the last record may be cut
            require_complete_csv(name, data, key="_id")
        unknowns.append(Unknown(name, "end of file", "no final newline", "last record complete"))
    try:
        df = pl.read_csv(data, infer_schema=False, null_values=[""], truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as exc:
        where, what = _locate_bad_record(decode(name, data, "utf-8"), width)  # encoding first
        raise SourceFormatError(name, where, f"{what} ({str(exc).splitlines()[0]})") from exc
    lf = df.lazy()
    # polars pads a short record with nulls: the commas outside quoted values prove that every
    # record has `width` fields (a longer one failed above)
    inside = lf.select(pl.sum_horizontal(pl.all().str.count_matches(",", literal=True).sum()))
    normal = lf.with_columns(
        _strip_to_null(c) for c in df.columns if c not in MULTI and c not in PACKED
    )
    normal = normal.with_row_index("record", offset=1).with_columns(pl.col("record").cast(pl.Int64))
    df, commas = pl.collect_all([normal, inside])
    if data.count(b",") - (commas.item() or 0) != (width - 1) * (df.height + 1):
        where, what = _locate_bad_record(decode(name, data, "utf-8"), width)
        raise SourceFormatError(
            name, where, f"{what}: a record does not have the header's field count"
        )
    is_header = pl.all_horizontal(pl.col(c) == c for c in header).fill_null(False)
    for number in df.filter(is_header)["record"].to_list():
        reason = "verbatim repeat of the header row, not a party"
        rejects.append(
            {
                "kind": "row",
                "file": name,
                "locator": f"record {number}",
                "reason": reason,
                "raw": ",".join(header),
            }
        )
    records_seen = df.height + (tail is not None)
    df = df.filter(~is_header)
    unknown_columns = [c for c in header if c not in COLUMNS]
    unknowns += [Unknown(name, "line 1 (header)", "column", c) for c in unknown_columns]
    lf = df.lazy()
    extra = (
        lf.unpivot(index="record", on=unknown_columns, variable_name="attribute").drop_nulls(
            "value"
        )
        if unknown_columns
        else pl.LazyFrame(schema=EXTRA_SCHEMA)
    )
    return SourceRecords(
        file=name,
        base=lf.select("record", *SCALARS, *(pl.col(c).str.split(PACK) for c in MULTI)),
        addresses=_csv_addresses(lf),
        ids=_csv_ids(lf),
        extra=extra,
        staged={"records": df.select("record", *COLUMNS)},
        records_seen=records_seen,
        rejects=rejects,
        unknowns=unknowns,
    )


def _explode_packed(lf: pl.LazyFrame, column: str, alias: str) -> pl.LazyFrame:
    return (
        lf.select("record", pl.col(column).str.split(PACK).alias(alias))
        .explode(alias)
        .with_columns(pl.col(alias).str.strip_chars())
        .filter(pl.col(alias).str.len_bytes() > 0)
    )


# Plain splits, slices and anchored tests below, not capturing regexes over whole values: they
# were the slowest part of the parse.


def _last_part(column: str) -> pl.Expr:
    """Text after the last `, ` (all of it when there is none)."""
    return pl.col(column).str.split(", ").list.last()


def _csv_addresses(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Packed addresses: only the trailing ISO country and a postal code are separable."""
    full = pl.col("full_address")
    has_country = full.str.contains(r"(?:^|, )[A-Z]{2}$")
    postal = _last_part("rest")
    is_postal = (
        pl.col("rest").str.contains(", ", literal=True)
        & postal.str.contains(POSTAL)
        & postal.str.contains(r"\d")
        & ~postal.str.contains(r"[A-Z]{3}")
    )
    return (
        _explode_packed(lf, "addresses", "full_address")
        .with_columns(
            country_raw=pl.when(has_country).then(full.str.tail(2)),
            rest=pl.when(has_country).then(full.str.head(-4)).otherwise(full),
        )
        .select(
            "record",
            "full_address",
            *(pl.lit(None, pl.String).alias(c) for c in ("street", "city", "region")),
            pl.when(is_postal).then(postal).alias("postal_code"),
            "country_raw",
        )
    )


def ids_layout(items: pl.DataFrame) -> str:
    """How `ids` items (column `raw`) are packed: `type_last` when their last part is a known
    label (2022), `type_first` when their first part is (2023, the JSON key order)."""
    keys = [*ID_LABELS_LOWER, *ATTRIBUTE_LABELS_LOWER, *COUNTRY_LABELS_LOWER]

    def known(part: pl.Expr) -> pl.Expr:
        return part.str.replace(r"[\s:-]+$", "").str.to_lowercase().is_in(keys).sum()

    hits = items.select(
        known(pl.col("raw").str.extract(r"^([^,]*)")).alias("first"),
        known(pl.col("raw").str.extract(r"([^,]*)$").str.strip_chars()).alias("last"),
    )
    return "type_first" if hits["first"].item() > hits["last"].item() else "type_last"


def _ids_type_last(items: pl.LazyFrame) -> pl.LazyFrame:
    """`[country, ][expiration_date, ][issue_date, ]number, type` (alphabetical key order)."""
    raw, head, d1, d2 = pl.col("raw"), pl.col("head"), pl.col("d1"), pl.col("d2")
    first_date = head.str.extract(f"^({DAY}), .", 1)
    second_date = head.str.slice(first_date.str.len_chars() + 2).str.extract(f"^({DAY}), .", 1)
    return (
        items.with_columns(type=_last_part("raw"))
        .with_columns(
            # without ", " the whole item is its type and there is no number
            head=pl.when(raw.str.contains(", ", literal=True)).then(
                raw.str.head(raw.str.len_chars() - pl.col("type").str.len_chars() - 2)
            )
        )
        .with_columns(
            country_raw=pl.when(head.str.contains(r"^[A-Z]{2}, .")).then(head.str.head(2))
        )
        .with_columns(
            head=pl.when(pl.col("country_raw").is_null()).then(head).otherwise(head.str.slice(4))
        )
        .with_columns(d1=first_date, d2=second_date)
        .select(
            "record",
            "raw",
            "type",
            pl.when(d2.is_not_null())
            .then(head.str.slice(d1.str.len_chars() + d2.str.len_chars() + 4))
            .when(d1.is_not_null())
            .then(head.str.slice(d1.str.len_chars() + 2))
            .otherwise(head)
            .alias("number"),
            "country_raw",
            d2.alias("issue_date"),
            pl.when(d2.is_not_null()).then(d1).alias("expiration_date"),
            pl.when(d2.is_null()).then(d1).alias("either_date"),
        )
    )


def _ids_type_first(items: pl.LazyFrame) -> pl.LazyFrame:
    """`type, number[, country][, issue_date][, expiration_date]` (the JSON key order)."""
    rest = pl.col("rest")
    two = rest.str.extract_groups(f"^(.+), ({DAY}), ({DAY})$")
    one = rest.str.extract_groups(f"^(.+), ({DAY})$")
    has_country = pl.col("rest").str.contains(r"., [A-Z]{2}$")
    return (
        items.with_columns(
            type=pl.col("raw").str.extract(r"^([^,]*)"),
            rest=pl.col("raw").str.extract(r"^[^,]*, (.+)$"),
        )
        .with_columns(
            issue_date=two.struct.field("2"),
            expiration_date=two.struct.field("3"),
            either_date=pl.when(two.struct.field("1").is_null()).then(one.struct.field("2")),
            rest=pl.coalesce(two.struct.field("1"), one.struct.field("1"), rest),
        )
        .select(
            "record",
            "raw",
            "type",
            pl.when(has_country).then(rest.str.head(-4)).otherwise(rest).alias("number"),
            pl.when(has_country).then(rest.str.tail(2)).alias("country_raw"),
            "issue_date",
            "expiration_date",
            "either_date",
        )
    )


def _csv_ids(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Packed ids, read in whichever layout the file uses (see `ids_layout`)."""
    items = _explode_packed(lf, "ids", "raw")
    parse = (
        _ids_type_first
        if ids_layout(items.head(IDS_SAMPLE).collect()) == "type_first"
        else _ids_type_last
    )
    return parse(items)


def parse_csv_bytes(
    name: str, data: bytes, *, strict: bool = True, source: str = SOURCE
) -> ParseResult:
    """Parse the CSL CSV (plain or gzip-compressed) into canonical tables.

    strict=True (the default) refuses a truncated file with `SourceFormatError`; strict=False
    rejects the cut-off last record (kind `entry`) and keeps the complete ones. A repeated
    header row is rejected (kind `row`) in both modes.
    """
    return build(_read_csv(name, data, strict), source, "csv")


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """consolidated.csv → canonical tables (strict: a truncated file is refused)."""
    return parse_csv_bytes(CSV_NAME, files[CSV_NAME])
