"""UN Comtrade `data/v1` API JSON and bulk CSV (HS6) — `un_comtrade`.

API answer: `{"elapsedTime": …, "count": n, "data": [record, …]}` (an `error` member, when
present and non-empty, is the API refusing the query). Bulk CSV: the same record fields as
columns, separated by tabs or commas (the separator is read from the header line, not guessed
per row). Record fields are listed in `FIELDS`; fields outside it are kept as JSON in
`extra_fields` and reported as unknowns.

Countries are resolved from the ISO alpha-3 fields (`reporterISO`, `partnerISO`,
`partner2ISO`) — Comtrade's numeric codes are not ISO numeric (France 251, USA 842) — plus the
few Comtrade area codes in `AREA_CODES`. `source_line` is the physical line (CSV, header = 1)
or the 1-based record index (JSON).

Large bulk files are never held in memory: `scan_csv` returns a lazy plan that streams to
parquet (`sink_parquet`), and `problems` checks the result in one columnar pass.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from core.canonical import Unknown
from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from trade.tables import SCHEMAS, TradeParse, conform
from trade.vocabulary import COMTRADE_VALUE_COLUMNS

VALUE_COLUMNS = COMTRADE_VALUE_COLUMNS  # non-negative where present

SOURCE = "un_comtrade"
# (field as published, column here, dtype); CSV booleans are written True/False (or true/false).
FIELDS: tuple[tuple[str, str, pl.DataType], ...] = (
    ("typeCode", "type_code", pl.String),
    ("freqCode", "freq_code", pl.String),
    ("refPeriodId", "ref_period_id", pl.Int64),
    ("refYear", "ref_year", pl.Int16),
    ("refMonth", "ref_month", pl.Int8),
    ("period", "period", pl.String),
    ("reporterCode", "reporter_code", pl.Int32),
    ("reporterISO", "reporter_iso", pl.String),
    ("reporterDesc", "reporter_desc", pl.String),
    ("flowCode", "flow_code", pl.String),
    ("flowDesc", "flow_desc", pl.String),
    ("partnerCode", "partner_code", pl.Int32),
    ("partnerISO", "partner_iso", pl.String),
    ("partnerDesc", "partner_desc", pl.String),
    ("partner2Code", "partner2_code", pl.Int32),
    ("partner2ISO", "partner2_iso", pl.String),
    ("classificationCode", "classification_code", pl.String),
    ("classificationSearchCode", "classification_search_code", pl.String),
    ("isOriginalClassification", "is_original_classification", pl.Boolean),
    ("cmdCode", "cmd_code", pl.String),
    ("cmdDesc", "cmd_desc", pl.String),
    ("aggrLevel", "aggr_level", pl.Int8),
    ("isLeaf", "is_leaf", pl.Boolean),
    ("customsCode", "customs_code", pl.String),
    ("mosCode", "mos_code", pl.String),
    ("motCode", "mot_code", pl.Int32),
    ("qtyUnitCode", "qty_unit_code", pl.Int32),
    ("qtyUnitAbbr", "qty_unit_abbr", pl.String),
    ("qty", "qty", pl.Float64),
    ("isQtyEstimated", "is_qty_estimated", pl.Boolean),
    ("altQtyUnitCode", "alt_qty_unit_code", pl.Int32),
    ("altQty", "alt_qty", pl.Float64),
    ("netWgt", "net_wgt", pl.Float64),
    ("isNetWgtEstimated", "is_net_wgt_estimated", pl.Boolean),
    ("grossWgt", "gross_wgt", pl.Float64),
    ("cifvalue", "cif_value", pl.Float64),
    ("fobvalue", "fob_value", pl.Float64),
    ("primaryValue", "primary_value", pl.Float64),
    ("legacyEstimationFlag", "legacy_estimation_flag", pl.Int32),
    ("isReported", "is_reported", pl.Boolean),
    ("isAggregate", "is_aggregate", pl.Boolean),
)
FIELD_NAMES = tuple(f[0] for f in FIELDS)
RENAME = {f[0]: f[1] for f in FIELDS}
READ_SCHEMA = {f[0]: f[2] for f in FIELDS}
REQUIRED = (
    "type_code", "freq_code", "ref_year", "ref_month", "period", "reporter_code", "reporter_iso",
    "flow_code", "partner_code", "partner_iso", "classification_code", "cmd_code", "primary_value",
)  # fmt: skip
FLOW_CODES = {"X": "export", "M": "import", "RX": "re_export", "RM": "re_import"}
ANNUAL_MONTH = 52  # Comtrade's refMonth for annual data
# Comtrade ISO-like codes that are not ISO 3166-1 alpha-3: (code used here, kind)
AREA_CODES: dict[str, tuple[str, str]] = {
    "W00": ("W00", "aggregate"),  # World
    "_X": ("_X", "special"),  # Areas, not elsewhere specified
    "S19": ("S19", "special"),  # Other Asia, not elsewhere specified
}


def iso_codes() -> dict[str, tuple[str, str]]:
    """ISO alpha-3 (and Comtrade area codes) → (alpha-2 code, kind)."""
    import pycountry  # here, not with the module: the definitions import it

    table = {c.alpha_3: (c.alpha_2, "country") for c in pycountry.countries}
    return {**table, **AREA_CODES}


def lookup(column: str, table: Mapping[str, str]) -> pl.Expr:
    """`table[value]` for every value of `column`, null when absent.

    Written as a gather through an Enum so that it stays elementwise: polars' `replace` with a
    mapping is not streamed and would hold a 10-million-row bulk file in memory.
    """
    keys = pl.Enum(list(table))
    values = pl.Series(list(table.values()), dtype=pl.String)
    return pl.lit(values).gather(pl.col(column).cast(keys, strict=False).to_physical())


def detect_separator(name: str, header: str) -> str:
    """Tab or comma, whichever splits the header into the Comtrade fields; else refuse."""
    header = header.lstrip("\ufeff").rstrip("\r\n")
    for sep in ("\t", ","):
        cols = [c.strip('"') for c in header.split(sep)]
        if set(FIELD_NAMES) <= set(cols):
            if len(cols) != len(set(cols)):
                raise SourceFormatError(name, "line 1", "a column is named twice in the header")
            return sep
    found = set(header.replace("\t", ",").replace('"', "").split(","))
    missing = sorted(set(FIELD_NAMES) - found)
    raise SourceFormatError(
        name, "line 1", f"not a tab- or comma-separated Comtrade header (missing {missing[:5]})"
    )


def _columns(header: str, sep: str) -> list[str]:
    return [c.strip('"') for c in header.lstrip("\ufeff").rstrip("\r\n").split(sep)]


def normalize(lf: pl.LazyFrame, name: str, extra: list[str]) -> pl.LazyFrame:
    """Published fields → `un_comtrade` columns: names, ISO2 codes and kinds, flow, month."""
    codes = iso_codes()
    iso2 = {k: v[0] for k, v in codes.items()}
    kinds = {k: v[1] for k, v in codes.items()}
    lf = lf.rename(RENAME)
    extra_json = pl.struct(extra).struct.json_encode() if extra else pl.lit(None, dtype=pl.String)
    return lf.with_columns(
        *[
            lookup(f"{p}_iso", table).alias(f"{p}_{what}")
            for p in ("reporter", "partner", "partner2")
            for what, table in (("iso2", iso2), ("kind", kinds))
        ],
        flow=lookup("flow_code", FLOW_CODES),
        month=pl.when(pl.col("freq_code") == "M").then(pl.col("ref_month")).otherwise(None),
        extra_fields=extra_json,
        source_file=pl.lit(name),
    )


def problems(lf: pl.LazyFrame | pl.DataFrame) -> dict[str, int | None]:
    """First line of each kind of bad row (None when there is none), in one columnar pass."""
    checks: dict[str, pl.Expr] = {f"missing {c}": pl.col(c).is_null() for c in REQUIRED}
    checks["unknown flowCode"] = pl.col("flow").is_null()
    checks["typeCode is not C (goods)"] = pl.col("type_code") != "C"
    checks["unknown freqCode"] = ~pl.col("freq_code").is_in(["A", "M"])
    annual = pl.col("freq_code") == "A"
    checks["refMonth does not fit freqCode"] = (
        pl.when(annual)
        .then(pl.col("ref_month") != ANNUAL_MONTH)
        .otherwise(~pl.col("ref_month").is_between(1, 12))
    )
    year = pl.col("ref_year").cast(pl.String)
    period = (
        pl.when(annual)
        .then(year)
        .otherwise(year + pl.col("ref_month").cast(pl.String).str.zfill(2))
    )
    checks["period does not match refYear/refMonth"] = pl.col("period") != period
    for prefix in ("reporter", "partner", "partner2"):
        iso = pl.col(f"{prefix}_iso")
        checks[f"unknown {prefix}ISO"] = iso.is_not_null() & pl.col(f"{prefix}_iso2").is_null()
    line = pl.col("source_line")
    exprs = [line.filter(cond.fill_null(False)).min().alias(k) for k, cond in checks.items()]
    row = lf.lazy().select(exprs).collect()
    return {k: row[k][0] for k in checks}


def refuse_problems(name: str, found: Mapping[str, int | None], what: str = "line") -> None:
    """Raise for the earliest problem found, naming the file and line (or record)."""
    hits = sorted((line, problem) for problem, line in found.items() if line is not None)
    if hits:
        line, problem = hits[0]
        others = f" (also: {', '.join(p for _, p in hits[1:4])})" if len(hits) > 1 else ""
        raise SourceFormatError(name, f"{what} {line}", problem + others)


def finish(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Drop unknown columns (kept in `extra_fields`) and conform to `un_comtrade`."""
    return conform(SOURCE, lf.drop([c for c in lf.collect_schema() if c not in SCHEMAS[SOURCE]]))


def _head_and_tail(source: str | Path | bytes) -> tuple[bytes, bytes]:
    if isinstance(source, bytes):
        return source[:65536], source[-1:]
    with open(source, "rb") as handle:
        head = handle.read(65536)
        handle.seek(max(0, Path(source).stat().st_size - 1))
        return head, handle.read(1)


def _scan(source: str | Path | bytes, sep: str, schema: Mapping[str, pl.DataType]) -> pl.LazyFrame:
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    return pl.scan_csv(
        data,
        separator=sep,
        schema=dict(schema),
        has_header=True,
        quote_char='"',
        row_index_name="source_line",
        row_index_offset=2,
    ).with_columns(pl.col("source_line").cast(pl.Int32))


def scan_csv(name: str, source: str | Path | bytes) -> tuple[pl.LazyFrame, list[str]]:
    """Lazy plan of a bulk CSV (path or bytes) → (`un_comtrade`-shaped plan, unknown columns).

    Structural checks run here (emptiness, HTML page, header, separator, final line break).
    A value that does not parse fails the read: `locate_bad_value` then names its line. The
    checks of `problems` run on the result (`refuse_problems`).
    """
    head, tail = _head_and_tail(source)
    check_payload(name, head)
    header = decode(name, head.split(b"\n", 1)[0], "utf-8")
    sep = detect_separator(name, header)
    if tail != b"\n":
        raise SourceFormatError(
            name, "last line", "file does not end with a line break: truncated?"
        )
    columns = _columns(header, sep)
    extra = [c for c in columns if c not in RENAME]
    schema = {c: READ_SCHEMA.get(c, pl.String) for c in columns}
    return finish(normalize(_scan(source, sep, schema), name, extra)), extra


def locate_bad_value(name: str, source: str | Path | bytes) -> None:
    """Raise naming the line of the first value that is not of its field's type (if any)."""
    head, _ = _head_and_tail(source)
    header = decode(name, head.split(b"\n", 1)[0], "utf-8")
    sep = detect_separator(name, header)
    columns = _columns(header, sep)
    lf = _scan(source, sep, dict.fromkeys(columns, pl.String))
    typed = {c: READ_SCHEMA[c] for c in columns if READ_SCHEMA.get(c, pl.String) != pl.String}
    line = pl.col("source_line")

    def bad(column: str, dtype: pl.DataType) -> pl.Expr:
        value = pl.col(column).str.strip_chars()
        if dtype == pl.Boolean:
            return ~value.str.to_lowercase().is_in(["true", "false"])
        return value.cast(dtype, strict=False).is_null()

    exprs = [
        line.filter(pl.col(c).is_not_null() & bad(c, t)).min().alias(c) for c, t in typed.items()
    ]
    row = lf.select(exprs).collect()
    hits = sorted((row[c][0], c) for c in typed if row[c][0] is not None)
    if hits:
        first, column = hits[0]
        value = lf.filter(line == first).select(column).collect()[column][0]
        kind = "a boolean" if typed[column] == pl.Boolean else "a number"
        raise SourceFormatError(name, f"line {first}", f"{column} is not {kind}: {value!r}")


def parse_csv(name: str, data: bytes) -> TradeParse:
    """A bulk CSV held in memory (tab or comma separated) → `un_comtrade`."""
    lf, extra = scan_csv(name, data)
    try:
        df = lf.collect()
    except pl.exceptions.PolarsError as exc:
        locate_bad_value(name, data)
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    refuse_problems(name, problems(df))
    unknowns = [Unknown(name, "line 1", "unknown column", c) for c in extra]
    return TradeParse(SOURCE, SOURCE, df, input_rows={name: df.height}, unknowns=unknowns)


def ingest_csv(name: str, path: str | Path, out: str | Path) -> tuple[int, list[str]]:
    """Stream a bulk CSV of any size to parquet at `out`, then verify it; (rows, unknown columns).

    Not pure (it writes `out`): the large-file path, used by the asset and the benchmark.
    """
    lf, extra = scan_csv(name, path)
    try:
        lf.sink_parquet(out)
    except pl.exceptions.PolarsError as exc:
        locate_bad_value(name, path)
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    stored = pl.scan_parquet(out)
    refuse_problems(name, problems(stored))
    return stored.select(pl.len()).collect().item(), extra


def parse_json(name: str, data: bytes) -> TradeParse:
    """A `data/v1` API answer → `un_comtrade` (source_line = 1-based record index)."""
    check_payload(name, data)
    text = decode(name, data, "utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(
            name, f"line {exc.lineno}, column {exc.colno}", f"broken JSON: {exc.msg}"
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SourceFormatError(name, "top level", "not a Comtrade answer: no `data` list")
    if doc.get("error"):
        raise SourceFormatError(name, "error", f"the API refused the query: {doc['error']}")
    unknowns = [
        Unknown(name, "top level", "unknown member", f"{k}={v!r}")
        for k, v in doc.items()
        if k not in ("elapsedTime", "count", "data", "error")
    ]
    records: list[dict[str, Any]] = doc["data"]
    if "count" in doc and doc["count"] != len(records):
        raise SourceFormatError(
            name, "count", f"declares {doc['count']} records, holds {len(records)}"
        )
    extras: list[str | None] = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise SourceFormatError(name, f"record {i}", "not an object")
        missing = [f for f in FIELD_NAMES if f not in rec]
        if missing:
            raise SourceFormatError(name, f"record {i}", f"missing fields {missing}")
        extra = {k: v for k, v in rec.items() if k not in RENAME}
        extras.append(json.dumps(extra, sort_keys=True) if extra else None)
        unknowns += [
            Unknown(name, f"record {i}", "unknown field", f"{k}={v!r}") for k, v in extra.items()
        ]
    columns: dict[str, pl.Series] = {}
    for src, _, dtype in FIELDS:
        values = [rec[src] for rec in records]
        try:
            columns[src] = pl.Series(src, values, dtype=dtype, strict=True)
        except (TypeError, pl.exceptions.PolarsError):
            for i, value in enumerate(values, start=1):
                try:
                    pl.Series([value], dtype=dtype, strict=True)
                except (TypeError, pl.exceptions.PolarsError):
                    raise SourceFormatError(
                        name, f"record {i}", f"{src} is not {dtype}: {value!r}"
                    ) from None
            raise
    df = pl.DataFrame(columns).with_columns(
        source_line=pl.int_range(1, len(records) + 1, dtype=pl.Int32)
    )
    lf = normalize(df.lazy(), name, []).with_columns(
        extra_fields=pl.Series(extras, dtype=pl.String)
    )
    out = finish(lf).collect()
    refuse_problems(name, problems(out), what="record")
    return TradeParse(SOURCE, SOURCE, out, input_rows={name: len(records)}, unknowns=unknowns)
