"""UK Sanctions List (FCDO) CSV (`Report Date` line, 58-column header, a row per name variant): reader into the long form, and the CSV parse entry points."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.records import first_bad_record
from core.sniff import check_payload, decode
from core.truncation import require_complete_csv
from gb_fcdo.constants import CSV_NAME
from gb_fcdo.longform import FACT_COLUMNS, LongForm, _publication_date
from gb_fcdo.mapping import _result, _staged

# --- CSV -----------------------------------------------------------------------------------------

# Column → long-form column, for the columns FORMATS.md lists. Order is not relied on.
CSV_DESIGNATION_COLUMNS = {
    "Unique ID": "unique_id",
    "OFSI Group ID": "ofsi_group_id",
    "UN Reference Number": "un_reference_number",
    "Designation Type": "designation_type",
    "Regime Name": "regime_name",
    "Designation source": "designation_source",
    "Sanctions Imposed": "sanctions_imposed",
    "Other Information": "other_information",
    "UK Statement of Reasons": "statement_of_reasons",
    "Date Designated": "date_designated",
    "Last Updated": "last_updated",
}
CSV_NAME_COLUMNS = {
    "Name 1": "name1", "Name 2": "name2", "Name 3": "name3", "Name 4": "name4", "Name 5": "name5",
    "Name 6": "name6", "Name type": "name_type", "Alias strength": "alias_strength",
}  # fmt: skip
CSV_NON_LATIN_COLUMNS = {
    "Name non-latin script": "name",
    "Non-latin script type": "script",
    "Non-latin script language": "language",
}
CSV_ADDRESS_COLUMNS = {
    "Address Line 1": "line1", "Address Line 2": "line2", "Address Line 3": "line3",
    "Address Line 4": "line4", "Address Line 5": "line5", "Address Line 6": "line6",
    "Address Postal Code": "postal_code", "Address Country": "country",
}  # fmt: skip
# Fact columns: column → (fact field, column holding its extra value or None).
CSV_FACT_COLUMNS = {
    "Title": ("title", None),
    "Phone number": ("phone", None),
    "Email address": ("email", None),
    "Website": ("website", None),
    "D.O.B": ("dob", None),
    "Nationality(/ies)": ("nationality", None),
    "Position": ("position", None),
    "Gender": ("gender", None),
    "Passport number": ("passport", "Passport additional information"),
    "National Identifier number": ("national_id", "National Identifier additional information"),
    "Town of birth": ("birth", "Country of birth"),
    "Type of entity": ("type_of_entity", None),
    "Subsidiaries": ("subsidiary", None),
    "Parent company": ("parent_company", None),
    "Business registration number (s)": ("registration", None),
    "IMO number": ("imo", None),
    "Current owner/operator (s)": ("current_owner", None),
    "Previous owner/operator (s)": ("previous_owner", None),
    "Current believed flag of ship": ("current_flag", None),
    "Previous flags": ("previous_flag", None),
    "Type of ship": ("type_of_ship", None),
    "Tonnage of ship": ("tonnage", None),
    "Length of ship": ("length", None),
    "Year Built": ("year_built", None),
    "Hull identification number (HIN)": ("hin", None),
}
CSV_EXTRA_COLUMNS = (
    "Passport additional information",
    "National Identifier additional information",
    "Country of birth",
)
# Columns public copies of the real file carry beyond FORMATS.md's list: known, not required.
CSV_OPTIONAL = frozenset(
    {"Non-latin script type", "National Identifier additional information", "Length of ship"}
)
CSV_KNOWN = (
    *CSV_DESIGNATION_COLUMNS,
    *CSV_NAME_COLUMNS,
    "Title",
    *CSV_NON_LATIN_COLUMNS,
    *CSV_ADDRESS_COLUMNS,
    *(c for c in CSV_FACT_COLUMNS if c != "Title"),
    *CSV_EXTRA_COLUMNS,
)
CSV_REQUIRED = tuple(c for c in CSV_KNOWN if c not in CSV_OPTIONAL)
CSV_STAGED = {c: re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_") for c in CSV_KNOWN}
_REPORT_DATE = re.compile(r"^\ufeff?Report Date:\s*(?P<date>.*?)\s*$", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"


def _locate_bad_record(text_: str, width: int) -> tuple[str, str]:
    """Where the first record with a wrong field count (or a broken quote) is, and what is wrong.

    `text_` starts at the header (line 2 of the file).
    """
    bad = first_bad_record(text_, width, strict=True, skip=1, skip_empty=False)
    if bad is None:
        return "unknown record", "unparseable CSV"
    if bad.error is not None:
        return f"line {bad.line + 1}", bad.error
    return f"record {bad.index} (line {bad.line + 1})", f"has {bad.fields} fields, expected {width}"


def _clean(column: str) -> pl.Expr:
    """Stripped value, null when empty: applied to the few distinct values, not to every row."""
    value = pl.col(column).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value).alias(column)


def read_csv(name: str, data: bytes) -> tuple[pl.DataFrame, list[str], str | None]:
    """Read the CSV strictly: `Report Date` line, known header, UTF-8, exact field count.

    Returns the rows as published (strings; an empty field is null; `record` numbers the data
    records from 1), the header and the raw report date. Values are stripped later, on the
    distinct values of each party, which is much cheaper than stripping every row.
    """
    check_payload(name, data)
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    require_complete_csv(name, body, header_lines=2, key="Unique ID")
    end_first = body.find(b"\n")
    end_header = body.find(b"\n", end_first + 1) if end_first >= 0 else -1
    head = decode(name, body[: end_header if end_header >= 0 else len(body)], "utf-8")
    first, _, header_line = head.partition("\n")
    if first.lstrip().startswith("<"):
        raise SourceFormatError(name, "line 1", "expected the UK Sanctions List CSV, found markup")
    match = _REPORT_DATE.match(first.rstrip("\r").rstrip(",").strip())
    if match is None:
        raise SourceFormatError(
            name, "line 1", f"expected 'Report Date: dd/mm/yyyy', found {first[:80]!r}"
        )
    header = next(csv.reader([header_line.rstrip("\r")]), [])
    if not any(h.strip() for h in header):
        raise SourceFormatError(name, "line 2", "no header row (file truncated?)")
    stripped = [h.strip() for h in header]
    duplicates = sorted({h for h in stripped if stripped.count(h) > 1})
    if duplicates or "" in stripped:
        what = f"repeated column(s) {duplicates}" if duplicates else "an unnamed column"
        raise SourceFormatError(name, "line 2 (header)", f"the header has {what}: changed layout")
    missing = [c for c in CSV_REQUIRED if c not in stripped]
    if missing:
        raise SourceFormatError(
            name,
            "line 2 (header)",
            f"missing column(s) {missing}: the header changed (found {len(header)} columns)",
        )
    if end_header < 0 or not body[end_header + 1 :].strip():
        raise SourceFormatError(name, "line 3", "no data rows after the header (file truncated?)")
    try:
        # pyarrow, unlike polars, refuses a record with too few fields and invalid UTF-8.
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)[end_header + 1 :]),
            read_options=pacsv.ReadOptions(column_names=stripped),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(stripped, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        text_ = decode(name, body, "utf-8")  # names the first bad byte, if that is the fault
        where, what = _locate_bad_record(text_.partition("\n")[2], len(header))
        raise SourceFormatError(name, where, what) from exc
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return (
        df.with_columns(_clean("Unique ID"))
        .with_row_index("record", offset=1)
        .with_columns(pl.col("record").cast(pl.Int64)),
        header,
        match.group("date"),
    )


def _csv_long_form(name: str, df: pl.DataFrame, header: list[str]) -> LongForm:
    """The CSV rows (several per party) → the long form, with distinct values per party."""
    unknowns: list[Unknown] = []
    rejects: list[dict[str, Any]] = []
    uid = pl.col("Unique ID")
    for row in df.filter(uid.is_null()).iter_rows(named=True):
        raw = json.dumps(row, ensure_ascii=False, default=str)[:4000]
        locator = f"record {row['record']}"
        rejects.append(
            {"kind": "row", "file": name, "locator": locator, "reason": "no Unique ID", "raw": raw}
        )
    df = df.filter(uid.is_not_null())
    # The rows of one party sit together; the same ID again further down is a second party.
    runs = df.select(uid, (uid != uid.shift(1)).fill_null(True).cum_sum().alias("run"), "record")
    split = (
        runs.group_by("Unique ID")
        .agg(pl.col("run").n_unique(), pl.col("record"))
        .filter(pl.col("run") > 1)
    )
    if split.height:
        row = split.row(0, named=True)
        records = row["record"]
        gap = next(b for a, b in itertools.pairwise(records) if b != a + 1)
        raise SourceFormatError(
            name,
            f"records {records[0]} and {gap}",
            f"duplicate Unique ID {row['Unique ID']} (rows not together)",
        )

    fact_frames: list[pl.DataFrame] = []
    for position, column in enumerate(h.strip() for h in header):
        if column in CSV_STAGED:
            continue
        values = (
            df.select(
                uid.alias("unique_id"),
                pl.lit("unknown").alias("field"),
                pl.col(column).alias("value"),
                pl.lit(f"column {column}").alias("extra"),
            )
            .filter(pl.col("value").is_not_null())
            .unique(maintain_order=True)
        )
        example = values["value"][0].strip() if values.height else ""
        unknowns.append(Unknown(name, f"header column {position + 1}", f"column {column}", example))
        fact_frames.append(values)

    party = [c for c in CSV_DESIGNATION_COLUMNS if c != "Unique ID"]
    aggregated = df.group_by("Unique ID", maintain_order=True).agg(
        pl.col("record").min().alias("first"),
        pl.col("record").max().alias("last"),
        *(pl.col(c).drop_nulls().first().alias(c) for c in party),
    )
    locator = pl.format("records {}-{} (Unique ID {})", "first", "last", "Unique ID").alias(
        "locator"
    )
    designations = aggregated.select(
        pl.col("Unique ID").alias("unique_id"),
        *(_clean(c).alias(CSV_DESIGNATION_COLUMNS[c]) for c in party),
        locator,
    )
    # A party-level column with two values inside one party: keep both, report the others.
    # Rows are compared with the party's previous value (string compares, no hashing of the
    # long texts); only parties flagged so are looked at closely.
    starts = (uid != uid.shift(1)).fill_null(True)
    flags = df.select(
        uid,
        *(
            (pl.col(c).is_not_null() & ~starts & (pl.col(c) != _previous(c, starts))).alias(c)
            for c in party
        ),
    )
    flagged = flags.filter(pl.any_horizontal(party))
    for column in party if flagged.height else ():
        suspects = flagged.filter(pl.col(column)).select("Unique ID").unique()
        if not suspects.height:
            continue
        values = (
            df.join(suspects, on="Unique ID", maintain_order="left")
            .join(aggregated.select("Unique ID", locator), on="Unique ID", maintain_order="left")
            .select(
                pl.col("Unique ID").alias("unique_id"), "locator", _clean(column).alias("value")
            )
            .drop_nulls()
            .unique(maintain_order=True)
            .filter(pl.col("unique_id").cum_count().over("unique_id") > 1)
        )
        for row in values.iter_rows(named=True):
            what = f"column {column} differs within a party"
            unknowns.append(Unknown(name, row["locator"], what, row["value"]))
        target = CSV_DESIGNATION_COLUMNS[column]
        fact_frames.append(
            values.select(
                "unique_id",
                pl.lit("unknown").alias("field"),
                "value",
                pl.lit(f"column {column} ({target})").alias("extra"),
            )
        )

    lazy = df.lazy()

    def distinct(columns: Mapping[str, str]) -> pl.LazyFrame:
        present = {c: v for c, v in columns.items() if c in df.columns}
        values = list(columns.values())
        return (
            lazy.select(uid.alias("unique_id"), *(pl.col(c).alias(v) for c, v in present.items()))
            .with_columns(
                pl.lit(None, pl.String).alias(v) for v in values if v not in present.values()
            )
            .filter(pl.any_horizontal(pl.col(values).is_not_null()))
            .unique(maintain_order=True)
            .with_columns(_clean(v) for v in values)
            .filter(pl.any_horizontal(pl.col(values).is_not_null()))
            .unique(maintain_order=True)
            .select("unique_id", *values)
        )

    fact_plans = [f.lazy().select("unique_id", *FACT_COLUMNS) for f in fact_frames]
    # Single-value columns in one unpivot (column by column, rows in order); pairs on their own.
    singles = {c: f for c, (f, extra) in CSV_FACT_COLUMNS.items() if extra is None and c in df}
    fact_plans.append(
        lazy.select(uid.alias("unique_id"), *(pl.col(c).alias(f) for c, f in singles.items()))
        .unpivot(index="unique_id", variable_name="field", value_name="value")
        .filter(pl.col("value").is_not_null())
        .select("unique_id", "field", "value", pl.lit(None, pl.String).alias("extra"))
    )
    for column, (fact, extra) in CSV_FACT_COLUMNS.items():
        if extra is None or column not in df.columns:
            continue
        extra_col = pl.col(extra) if extra in df.columns else pl.lit(None, pl.String)
        fact_plans.append(
            lazy.select(
                uid.alias("unique_id"),
                pl.lit(fact).alias("field"),
                pl.col(column).alias("value"),
                extra_col.alias("extra"),
            ).filter(pl.col("value").is_not_null() | pl.col("extra").is_not_null())
        )
    facts = (
        pl.concat(fact_plans)
        .with_columns(_clean("value"), _clean("extra"))
        .filter(pl.col("value").is_not_null() | pl.col("extra").is_not_null())
        .unique(maintain_order=True)
    )
    names, non_latin, addresses, facts_ = pl.collect_all(
        [
            distinct(CSV_NAME_COLUMNS),
            distinct(CSV_NON_LATIN_COLUMNS).filter(pl.col("name").is_not_null()),
            distinct(CSV_ADDRESS_COLUMNS),
            facts,
        ]
    )
    return LongForm(
        designations=designations,
        names=names,
        non_latin=non_latin,
        addresses=addresses,
        facts=facts_,
        unknowns=unknowns,
        rejects=rejects,
    )


def _previous(column: str, starts: pl.Expr) -> pl.Expr:
    """The party's last non-null value before this row (null on its first row)."""
    sentinel = "\x00"
    filled = (
        pl.when(starts & pl.col(column).is_null())
        .then(pl.lit(sentinel))
        .otherwise(pl.col(column))
        .forward_fill()
        .shift(1)
    )
    return pl.when(filled != sentinel).then(filled)


def parse_csv_file(name: str, data: bytes) -> ParseResult:
    """Parse `UK-Sanctions-List.csv` into canonical tables.

    Raises `SourceFormatError` for a payload that is not the list (empty, HTML, wrong
    encoding, no `Report Date` line, changed header, a record with the wrong field count,
    truncated quoting) and for a Unique ID whose rows are split (a duplicate party).
    """
    df, header, report_date = read_csv(name, data)
    long = _csv_long_form(name, df, header)
    published = _publication_date(report_date)
    if published is None:
        long.unknowns.insert(0, Unknown(name, "line 1", "date format", report_date or ""))
    staged_rows = df.select(
        "record", *(pl.col(c).alias(s) for c, s in CSV_STAGED.items() if c in df.columns)
    ).with_columns(
        pl.lit(None, pl.String).alias(s) for c, s in CSV_STAGED.items() if c not in df.columns
    )
    staged_rows = staged_rows.select("record", *CSV_STAGED.values())

    def raw_of(uid: str) -> str:
        rows = df.filter(pl.col("Unique ID") == uid).to_dicts()
        return json.dumps(rows, ensure_ascii=False, default=str)[:4000]

    staged = {"designations": _staged(long), "rows": staged_rows}
    return _result(name, "csv", long, raw_of, long.designations.height, published, staged)


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """UK-Sanctions-List.csv → canonical tables."""
    return parse_csv_file(CSV_NAME, files[CSV_NAME])


# the documented direct URLs; when one fails, the link is looked up on the publication page
