"""US Consolidated Screening List (trade.gov) — `us_csl`.

The International Trade Administration merges thirteen export-control and sanctions lists of
Commerce (BIS Entity List, Denied Persons, Unverified, Military End User), State (ITAR
Debarred, Nonproliferation) and the Treasury (SDN, SSI, FSE, PLC, NS-MBS, CMIC, CAPTA) into one
file, published as CSV (canonical here: every real copy is CSV) and JSON.

CSV layout: a header of 29 columns, one record per party and sub-list, multi-valued fields
packed with ``; ``. Two packings need care:

- ``addresses``: each address is the non-empty parts of ``address, city, state, postal_code,
  country`` joined with ``, ``. The street holds commas too, so only the trailing ISO country
  code and a postal code just before it (digits, at most ten characters, no run of three
  letters) are separated; street, city and region are not guessed and the whole text stays in
  ``full_address``. (The JSON names the parts, and fills them.)
- ``ids``: each item is the non-empty values of an object ``{type, number, country,
  issue_date, expiration_date}`` joined with ``, `` — in an order that changed. The 2022 list
  writes them in alphabetical key order, ``[country, ][expiration, ][issue, ]number, type``
  (checked: in all 246 items with two dates the first is the later), ISO dates. The 2023 copy
  writes them in the JSON key order, ``type, number[, country][, issue][, expiration]``, dates
  as ``18 Jan 1984``. `ids_layout` tells them apart by where the known labels stand. With a
  single date neither layout says whether it is the issue or the expiry; the note says so.
  The type decides what an item is, through OFAC's label tables in `assets.ofac_remarks` (the
  Treasury rows carry OFAC's data): an identifier (`Passport`, `SWIFT/BIC`, an IMO number in
  `Vessel Registration Identification` when its check digit holds), a typed fact kept as an
  attribute (`Gender`, `Secondary sanctions risk:`…) or a country link (`Nationality of
  Registration`). An unknown type stays an identifier `other` with its label, and is reported.

Party identity (`entity_id`). `_id` is OFAC's ent_num on Treasury records and a 40-hex hash on
the others, and it repeats: in the 2022 list 71 `_id`s cover 183 records (112 repeats). Every
repeat is one OFAC entry on several Treasury sub-lists (SDN+SSI+CAPTA 40, CAPTA+SDN 11,
SDN+SSI 8, NS-MBS+SSI 5, NS-MBS+SDN 2, FSE+SDN 2, NS-MBS+SDN+SSI 1, PLC+SDN 1), or once on the
same sub-list twice (15268, CAPTA, differing only in `source_list_url`). Name, type, dates of
birth and ent_num agree; the records differ only in `source`, `programs` (9), the source URLs,
`ids` (46: the SDN record adds "Secondary sanctions risk") and `addresses` (8: "d. 19" vs
"d.19"). So the records of one `_id` are one party, `us_csl-<_id>`, with one sanctions row per
sub-list and program and the union of the other values: 14,160 records, 14,048 entities. The
2023 copy also spells one party's name differently per sub-list ("HAMMAD, Fathi Ahmad
Mohammad" on SDN, "Fathi Ahmad Mohammad HAMMAD" on PLC; upper case on SSI): names are compared
as sorted upper-case words, the first spelling is primary and the others are aliases. Only
records of one `_id` whose type or name words differ are different parties: each variant then
becomes `us_csl-<_id>-<n>` (n by first appearance) and the conflict is reported.

Entity type: `Individual` → person, `Entity` → organization, `Vessel`, `Aircraft`. The BIS and
State lists give no type; such a party is a person when it has a date or place of birth, a
citizenship or a nationality (facts of natural persons), else an organization. No untyped
record of the 2022 or 2023 copy has any of them: all 3,625 (2022) are organizations.

Mapping: `source` → sanctions.authority through `SUB_LISTS` (e.g. "US BIS Entity List"; an
unknown sub-list keeps its text and is reported); each of `programs` → sanctions.program;
`federal_register_notice` → legal_basis; `start_date` → listed_on (a date before 1940, like
`0097-06-30`, is malformed: null, its text kept as attribute `start_date_unparsed`, reported).
`entity_number` → identifier `list_reference` labelled "OFAC ent_num": only an identifier (a
later issue links CSL records to OFAC entries by it). Names, addresses, birth dates and places,
citizenships, nationalities and `vessel_flag` go to their tables, `call_sign` is an identifier,
`remarks` the entity's remarks, every other column an attribute under its own name.

Accounting: `entry_count` counts parties (entities plus refused records that were the only
record of their party). `file_rows[<file>]` counts records: each taken record leaves exactly
one attribute `source_list` whose origin is the bare file name (every other row names its
column, e.g. `consolidated.csv:alt_names`), each refused one a reject of that file.

Broken payloads: gzip bytes (detected by their magic number) are decompressed first, so the
shipped snapshot is the real `.csv.gz`. A verbatim repeat of the header among the records is
rejected (kind `row`). A cut-off last record (an unterminated quote, or too few fields and no
final newline) makes `parse_csv` raise `SourceFormatError` naming record and line: refusing a
partial list is the safe default for screening. `parse_csv_bytes(..., strict=False)` instead
rejects the tail (kind `entry`) and keeps the complete records.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import polars as pl

from assets.factory import Format, SourceSpec, source_assets
from assets.ofac_remarks import (
    ATTRIBUTE_LABELS,
    ATTRIBUTE_PATTERNS,
    COUNTRY_LABELS,
    KNOWN_LABELS,
    is_valid_imo,
)
from core.canonical import ParseResult, Unknown, frame
from core.countries import resolve
from core.dates import parse_fuzzy
from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from core.truncation import last_json_record, require_complete_csv, require_declared_count
from core.zipsafe import gunzip
from resources.fetcher import FileSpec
from schemas.us_csl import CSV_MODELS, JSON_MODELS

SOURCE = "us_csl"
AUTHORITY = "US CSL (trade.gov)"
BASE_URL = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/"
CSV_NAME = "consolidated.csv"
JSON_NAME = "consolidated.json"
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known complete copy: 14,048 parties (2022-05-16, the shipped snapshot). A copy cut
# short (the 2023 one: 4,219) is refused by the reader and by the shrink guard, not the floor.
SANITY_FLOOR = 1_404

COLUMNS = (
    "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order",
    "license_requirement", "license_policy", "call_sign", "vessel_type", "gross_tonnage",
    "gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks", "source_list_url",
    "alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth",
    "source_information_url", "ids",
)  # fmt: skip
MULTI = (
    "programs",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
)
PACKED = ("addresses", "ids")
SCALARS = tuple(c for c in COLUMNS if c not in MULTI and c not in PACKED)
PACK = "; "

# Sub-list (`source` as published) → authority: the agency and the list, in short.
SUB_LISTS: dict[str, str] = {
    "Specially Designated Nationals (SDN) - Treasury Department": "US OFAC SDN",
    "Sectoral Sanctions Identifications List (SSI) - Treasury Department": "US OFAC SSI",
    "Foreign Sanctions Evaders (FSE) - Treasury Department": "US OFAC FSE",
    "Palestinian Legislative Council List (PLC) - Treasury Department": "US OFAC NS-PLC",
    "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department": "US OFAC NS-MBS",
    "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department": (
        "US OFAC NS-CMIC"
    ),
    "Capta List (CAP) - Treasury Department": "US OFAC CAPTA",
    "Entity List (EL) - Bureau of Industry and Security": "US BIS Entity List",
    "Denied Persons List (DPL) - Bureau of Industry and Security": "US BIS Denied Persons List",
    "Unverified List (UVL) - Bureau of Industry and Security": "US BIS Unverified List",
    "Military End User (MEU) List - Bureau of Industry and Security": (
        "US BIS Military End User List"
    ),
    "ITAR Debarred (DTC) - State Department": "US State DDTC ITAR Debarred",
    "Nonproliferation Sanctions (ISN) - State Department": (
        "US State ISN Nonproliferation Sanctions"
    ),
}
ENTITY_TYPES = {
    "Individual": "person",
    "Entity": "organization",
    "Vessel": "vessel",
    "Aircraft": "aircraft",
}
PERSON_MARKERS = ("dates_of_birth", "places_of_birth", "citizenships", "nationalities")
EARLIEST_START = date(1940, 1, 1)  # the floor of schemas.canonical: an older date is a typo
EARLIEST_BIRTH = date(1850, 1, 1)
# Single-valued columns kept as attributes under their own name.
ATTRIBUTE_COLUMNS = (
    "title", "end_date", "standard_order", "license_requirement", "license_policy",
    "vessel_type", "gross_tonnage", "gross_registered_tonnage", "vessel_owner",
    "source_list_url", "source_information_url",
)  # fmt: skip

# Words the CSL writes where a country would be, meaning "no country".
NO_COUNTRY = frozenset({"none identified"})

# JSON: the same fields, arrays for the multi-valued ones; the record id is `id` (trade.gov's
# JSON) or `_id` (as in the CSV).
JSON_ADDRESS_KEYS = ("address", "city", "state", "postal_code", "country")
JSON_ID_KEYS = ("type", "number", "country", "issue_date", "expiration_date")
JSON_TOP_KEYS = frozenset({"results", "total", "offset", "sources_used", "search_performed_at"})

GZIP_MAGIC = b"\x1f\x8b"
# The real 2022 list (14,160 records) is 5,829,294 bytes once decompressed: about 412 bytes a
# record. 128 MiB is 23x that file, room for 300,000 records, twenty times the list's size.
GUNZIP_LIMIT = 128 * 2**20
BOM = b"\xef\xbb\xbf"
IDS_SAMPLE = 2_000  # `ids` items enough to tell the layout: known labels dominate either way
_DAY = r"(?:\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]{2} \d{4})"  # 2022 ISO, 2023 `18 Jan 1984`
_POSTAL = r"^[A-Z0-9][A-Z0-9 -]{1,9}$"
_LABEL_TAIL = re.compile(r"[\s:-]+$")
_LABEL_SCOPE = re.compile(r"^(?P<base>.*?)\s*\((?P<scope>[^()]*)\)$")
_CRYPTO = re.compile(r"^digital currency address\s*-\s*(?P<currency>\S+)$", re.IGNORECASE)
_IMO = r"^IMO\s*(\d{7})$"

ADDRESS_SCHEMA = {
    "record": pl.Int64,
    "full_address": pl.String,
    "street": pl.String,
    "city": pl.String,
    "region": pl.String,
    "postal_code": pl.String,
    "country_raw": pl.String,
}
ID_SCHEMA = {
    "record": pl.Int64,
    "raw": pl.String,
    "type": pl.String,
    "number": pl.String,
    "country_raw": pl.String,
    "issue_date": pl.String,
    "expiration_date": pl.String,
    "either_date": pl.String,
}
EXTRA_SCHEMA = {"record": pl.Int64, "attribute": pl.String, "value": pl.String}


@dataclass
class _Records:
    """Source records in one shape for both formats, before the canonical mapping.

    `base` holds `record` (1-based position in the file), the single-valued fields and the
    multi-valued ones as lists; `addresses`, `ids` and `extra` (unknown fields, kept) are
    long frames keyed by `record`. `staged` holds every record as published.
    """

    file: str
    base: pl.LazyFrame
    addresses: pl.LazyFrame
    ids: pl.LazyFrame
    extra: pl.LazyFrame
    staged: dict[str, pl.DataFrame]
    records_seen: int
    rejects: list[dict[str, Any]] = field(default_factory=list)
    unknowns: list[Unknown] = field(default_factory=list)


def _gunzip(name: str, data: bytes) -> bytes:
    """Decompress gzip bytes (told by their magic number); other bytes pass unchanged."""
    if not data.startswith(GZIP_MAGIC):
        return data
    return gunzip(name, data, GUNZIP_LIMIT)


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
    line = 1
    reader = csv.reader(io.StringIO(text))
    for number, record in enumerate(reader):
        if len(record) != width:
            return f"record {number}, line {line}", f"{len(record)} fields, expected {width}"
        line = reader.line_num + 1
    return "unknown record", "unparseable CSV"


def _strip_to_null(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value).alias(column)


def _read_csv(name: str, data: bytes, strict: bool) -> _Records:
    data = _gunzip(name, data)
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
    return _Records(
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
        & postal.str.contains(_POSTAL)
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
    keys = [*_ID_LABELS, *_ATTRIBUTE_LABELS, *_COUNTRY_LABELS]

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
    first_date = head.str.extract(f"^({_DAY}), .", 1)
    second_date = head.str.slice(first_date.str.len_chars() + 2).str.extract(f"^({_DAY}), .", 1)
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
    two = rest.str.extract_groups(f"^(.+), ({_DAY}), ({_DAY})$")
    one = rest.str.extract_groups(f"^(.+), ({_DAY})$")
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
    return _build(_read_csv(name, data, strict), source, "csv")


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """consolidated.csv → canonical tables (strict: a truncated file is refused)."""
    return parse_csv_bytes(CSV_NAME, files[CSV_NAME])


# --- JSON --------------------------------------------------------------------------------------


def _json_scalar(name: str, where: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SourceFormatError(name, where, f"expected a string, found {type(value).__name__}")
    return str(value).strip() or None


def _json_array(name: str, where: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SourceFormatError(name, where, f"expected an array, found {type(value).__name__}")
    return value


def _json_text(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


class _JsonRecords:
    """Accumulates the rows of `_Records` while walking `results`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.base: list[dict[str, Any]] = []
        self.staged: list[dict[str, Any]] = []
        self.addresses: list[dict[str, Any]] = []
        self.ids: list[dict[str, Any]] = []
        self.extra: list[dict[str, Any]] = []
        self.unknowns: list[Unknown] = []

    def objects(
        self, number: int, where: str, key: str, value: Any, known: tuple[str, ...]
    ) -> list[dict[str, str | None]]:
        """The objects of an array field; unknown keys are reported and kept as attributes."""
        out = []
        for i, item in enumerate(_json_array(self.name, f"{where}.{key}", value)):
            at = f"{where}.{key}[{i}]"
            if not isinstance(item, dict):
                raise SourceFormatError(
                    self.name, at, f"expected an object, found {type(item).__name__}"
                )
            for extra in item.keys() - set(known):
                self.unknowns.append(Unknown(self.name, at, f"{key} key", extra))
                self.extra.append(
                    {
                        "record": number,
                        "attribute": f"{key}.{extra}",
                        "value": json.dumps(item[extra]),
                    }
                )
            out.append({k: _json_scalar(self.name, f"{at}.{k}", item.get(k)) for k in known})
        return out

    def add(self, number: int, item: Any) -> None:
        where = f"results[{number - 1}]"
        if not isinstance(item, dict):
            raise SourceFormatError(
                self.name, where, f"expected an object, found {type(item).__name__}"
            )
        ident = {
            k: _json_scalar(self.name, f"{where}.{k}", item[k]) for k in ("id", "_id") if k in item
        }
        if len(set(ident.values())) > 1:
            raise SourceFormatError(self.name, where, f"id and _id disagree: {ident}")
        row: dict[str, Any] = {"record": number, "_id": next(iter(ident.values()), None)}
        row |= {k: _json_scalar(self.name, f"{where}.{k}", item.get(k)) for k in SCALARS[1:]}
        for key in MULTI:
            values = _json_array(self.name, f"{where}.{key}", item.get(key))
            row[key] = [
                s
                for i, v in enumerate(values)
                if (s := _json_scalar(self.name, f"{where}.{key}[{i}]", v))
            ]
        self.base.append(row)
        staged = {k: _json_text(v) if k in MULTI else v for k, v in row.items()}
        self.staged.append(staged | {k: _json_text(item.get(k)) for k in PACKED})
        for obj in self.objects(
            number, where, "addresses", item.get("addresses"), JSON_ADDRESS_KEYS
        ):
            if full := ", ".join(v for v in obj.values() if v):
                parts = {"street": obj["address"], "city": obj["city"], "region": obj["state"]}
                self.addresses.append(
                    {
                        "record": number,
                        "full_address": full,
                        **parts,
                        "postal_code": obj["postal_code"],
                        "country_raw": obj["country"],
                    }
                )
        for obj in self.objects(number, where, "ids", item.get("ids"), JSON_ID_KEYS):
            if any(obj.values()):
                raw = json.dumps(obj, ensure_ascii=False)
                self.ids.append(
                    {"record": number, "raw": raw, "country_raw": obj.pop("country"), **obj}
                )
        for key in item.keys() - set(COLUMNS) - {"id"}:
            self.unknowns.append(Unknown(self.name, where, "key", key))
            self.extra.append(
                {
                    "record": number,
                    "attribute": key,
                    "value": json.dumps(item[key], ensure_ascii=False),
                }
            )


def _read_json(name: str, data: bytes) -> _Records:
    data = _gunzip(name, data)
    check_payload(name, data)
    text = decode(name, data.removeprefix(BOM), "utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(
            name,
            f"line {exc.lineno}, column {exc.colno}",
            f"not valid JSON: {exc.msg}; {last_json_record(text)}",
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise SourceFormatError(name, "top level", 'expected an object with a "results" array')
    # trade.gov's JSON declares how many results it holds; fewer means a cut or a single page.
    if isinstance(doc.get("total"), int):
        last = doc["results"][-1] if doc["results"] else {}
        ident = last.get("id", last.get("_id")) if isinstance(last, dict) else None
        require_declared_count(
            name,
            "total",
            doc["total"],
            len(doc["results"]),
            f"results[{len(doc['results'])}] (id {ident})",
        )
    acc = _JsonRecords(name)
    acc.unknowns += [Unknown(name, "top level", "key", k) for k in doc if k not in JSON_TOP_KEYS]
    for number, item in enumerate(doc["results"], start=1):
        acc.add(number, item)
    base_schema = (
        {"record": pl.Int64}
        | dict.fromkeys(SCALARS, pl.String)
        | dict.fromkeys(MULTI, pl.List(pl.String))
    )
    staged_schema = {"record": pl.Int64} | dict.fromkeys(COLUMNS, pl.String)
    return _Records(
        file=name,
        base=pl.LazyFrame(acc.base, schema=base_schema),
        addresses=pl.LazyFrame(acc.addresses, schema=ADDRESS_SCHEMA),
        ids=pl.LazyFrame([{k: r.get(k) for k in ID_SCHEMA} for r in acc.ids], schema=ID_SCHEMA),
        extra=pl.LazyFrame(acc.extra, schema=EXTRA_SCHEMA),
        staged={
            "json_records": pl.DataFrame(acc.staged, schema=staged_schema).select(
                list(staged_schema)
            )
        },
        records_seen=len(acc.base),
        unknowns=acc.unknowns,
    )


def parse_json_bytes(name: str, data: bytes, *, source: str = SOURCE) -> ParseResult:
    """Parse the CSL JSON (`{"results": [...]}`, plain or gzip-compressed) into canonical tables."""
    return _build(_read_json(name, data), source, "json")


def parse_json(files: Mapping[str, bytes]) -> ParseResult:
    """consolidated.json → canonical tables."""
    return parse_json_bytes(JSON_NAME, files[JSON_NAME])


# --- canonical mapping -------------------------------------------------------------------------

_ID_LABELS = {k.lower(): v for k, v in KNOWN_LABELS.items()}
_ATTRIBUTE_LABELS = {k.lower(): v for k, v in ATTRIBUTE_LABELS.items()}
_COUNTRY_LABELS = {k.lower(): v for k, v in COUNTRY_LABELS.items()}
_ATTRIBUTE_PATTERNS = [(re.compile(f"^{p}$", re.IGNORECASE), t) for p, t in ATTRIBUTE_PATTERNS]


@lru_cache(maxsize=1024)
def classify_label(raw: str) -> tuple[str, str, str | None]:
    """(family, target, scope) of an `ids` type label.

    family is `identifier` (target: id_type), `attribute` (target: attribute name), `country`
    (target: relation), `vessel_registration` (an IMO number when the value says so) or
    `unknown`. A trailing scope in brackets ("Listing Date (EO 14024 Directive 2):") is split
    off when only the label without it is known.
    """
    label = _LABEL_TAIL.sub("", raw.strip())
    key = label.lower()
    if key == "vessel registration identification":
        return "vessel_registration", "registration", None
    if m := _CRYPTO.match(label):
        return "identifier", "crypto_wallet", m.group("currency")
    if key in _ID_LABELS:
        return "identifier", _ID_LABELS[key], None
    for pattern, template in _ATTRIBUTE_PATTERNS:
        if m := pattern.match(label):
            return "attribute", template.format(**m.groupdict()), None
    if key in _ATTRIBUTE_LABELS:
        return "attribute", _ATTRIBUTE_LABELS[key], None
    if key in _COUNTRY_LABELS:
        return "country", _COUNTRY_LABELS[key], None
    if (m := _LABEL_SCOPE.match(label)) and m.group("base"):
        family, target, _ = classify_label(m.group("base"))
        if family != "unknown":
            return family, target, m.group("scope")
    return "unknown", "other", None


@lru_cache(maxsize=4096)
def country_code(raw: str) -> str | None:
    """ISO alpha-2 code of a country as the CSL writes it (a code or a name), else None."""
    return resolve(raw)


@lru_cache(maxsize=4096)
def _place_country(place: str) -> str | None:
    return country_code(place.rsplit(",", 1)[-1])


def _lookup(
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


def _fuzzy_row(raw: str) -> dict[str, Any]:
    parsed = parse_fuzzy(raw)
    if parsed is None or parsed.date_from < EARLIEST_BIRTH or parsed.date_from > parsed.date_to:
        return {"value": raw}
    row = parsed.as_row()
    return {"value": raw} | {k: row[k] for k in ("date_from", "date_to", "precision", "circa")}


def _birth_dates(values: pl.LazyFrame) -> pl.LazyFrame:
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


def _normalized(id_type: pl.Expr, value: pl.Expr) -> pl.Expr:
    """Comparable form, as assets.ofac_remarks makes it: digits for phone/IMO/MMSI, lower case
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


def _first_records(lf: pl.LazyFrame, key: str) -> pl.LazyFrame:
    """Each distinct `key` with the first record it appears in (for the unknowns report)."""
    return lf.group_by(key).agg(pl.col("record").min()).sort("record").select(key, "record")


def _parties(
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


def _build(rec: _Records, source: str, fmt: str) -> ParseResult:
    """Map source records to the canonical tables (the rules are in the module docstring).

    Three vectorised passes: the parties; the long (exploded) child frames, whose distinct
    values then go through the Python look-ups (labels, countries, IMO check digits, unusual
    birth dates); and every canonical table at once with `collect_all`.
    """
    file = rec.file
    good, rejects, unknowns = _parties(rec.base, file, source)
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
            _birth_dates(exploded("dates_of_birth")),
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
    imo = pl.col("number").str.extract(_IMO, 1)
    imo_map = _lookup([ids_df.select(imo)["number"]], is_valid_imo, "imo", "imo_ok", pl.Boolean)
    country_map = _lookup(
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
    place_map = _lookup(
        [multi["places_of_birth"]["value"]], _place_country, "value", "country_code", pl.String
    )
    odd_births = births_df.filter(pl.col("date_from").is_null())["value"].unique().to_list()
    birth_map = pl.LazyFrame([_fuzzy_row(raw) for raw in odd_births], schema=BIRTH_SCHEMA)

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
                _normalized(pl.col("id_type"), pl.col("number")).alias("normalized"),
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
        "sub-list (source)": _first_records(
            g.filter(~pl.col("source").is_in(list(SUB_LISTS))), "source"
        ),
        "id type": _first_records(
            ids.filter((pl.col("family") == "unknown") & pl.col("number").is_not_null()), "type"
        ),
        "IMO check digit fails": _first_records(
            ids.filter(
                (pl.col("family") == "vessel_registration")
                & pl.col("imo").is_not_null()
                & ~pl.col("imo_ok")
            ),
            "number",
        ),
        "id item without number": _first_records(ids.filter(pl.col("number").is_null()), "raw"),
        "country": _first_records(
            links.filter(
                pl.col("country_code").is_null()
                & ~pl.col("raw").str.to_lowercase().is_in(list(NO_COUNTRY))
            ),
            "raw",
        ),
        "date format": _first_records(bad_births, "value"),
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


SPEC = SourceSpec(
    source=SOURCE,
    publisher="US International Trade Administration (trade.gov)",
    description=(
        "Consolidated Screening List: 13 export-control and sanctions lists of Commerce, State "
        "and the Treasury (CSV, JSON)."
    ),
    formats=(
        Format("csv", (FileSpec(CSV_NAME, BASE_URL + CSV_NAME, "csv"),), parse_csv, CSV_MODELS),
        Format(
            "json", (FileSpec(JSON_NAME, BASE_URL + JSON_NAME, "json"),), parse_json, JSON_MODELS
        ),
    ),
    sanity_floor=SANITY_FLOOR,
    kinds=frozenset({"python", "polars", "csv", "json"}),
    authority=AUTHORITY,
)

asset, checks = source_assets(SPEC)
