"""Eurostat Comext "Relational_View" CSV downloads (Easy Comext) — `eurostat_comext`.

Each download is one CSV with the header
`REPORTER,PARTNER,PRODUCT,FLOW,STAT_PROCEDURE,PERIOD,VALUE_IN_EUR`, every field quoted, CRLF
line ends. Labels depend on the download options and the interface language: `TOTAL-Total` or
`Total`, `2-EXPORT`, `EXPORT` or (French) `EXPORTATION`; reporters and partners are written
as long names with notes ("Belgium (incl. Luxembourg 'LU' -> 1998)"), aggregates (EU, EU-27,
euro area) sit beside member states. Periods come in four spellings: `201952-Jan.-Dec. 2019`
(code 52 = whole year), `Jan.-Dec. 2017`, `201901-Jan. 2019` and `Apr. 2019`.

Every label resolves through an explicit table: reporters and partners through
`eurostat_labels.csv` (keyed by language *and* label — the French download writes Guinea-Bissau
as "Guinea"), the small dimensions through the dictionaries below, periods through
`PERIOD_FORMATS`. An unknown label, a non-numeric value, a truncated file or a period reported
twice with different values raises `SourceFormatError` naming the file and line. The real
downloads hold no missing-value markers (no empty or `:` values), so none is accepted.

Live mode reads Eurostat's dissemination API instead, which serves SDMX-CSV 1.0 (`parse_sdmx`,
chosen when every payload's header starts with `DATAFLOW`): one observation per line, codes
not labels — `DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,
OBS_VALUE,OBS_FLAG` (newer responses add `CONF_STATUS`), Greece written `EL`, months as
`2019-01`, flows `1` (import) and `2` (export). An observation published without a value
(confidential, `OBS_FLAG` c) is a reject with its flag; any other flag is kept in `obs_flag`.
No real API response could be fetched here: the reader follows Eurostat's SDMX-CSV
specification and is tested on real Easy Comext values written in that layout.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath

import polars as pl

from core.errors import SourceFormatError
from core.sniff import check_payload, decode, read_text
from trade.tables import TradeParse, conform, rejects_frame

SOURCE = "eurostat_comext"
HEADER = ("REPORTER", "PARTNER", "PRODUCT", "FLOW", "STAT_PROCEDURE", "PERIOD", "VALUE_IN_EUR")
LABELS_FILE = Path(__file__).with_name("eurostat_labels.csv")

# label -> (interface language, flow)
FLOW_LABELS: dict[str, tuple[str, str]] = {
    "EXPORT": ("en", "export"),
    "2-EXPORT": ("en", "export"),
    "IMPORT": ("en", "import"),
    "1-IMPORT": ("en", "import"),
    "EXPORTATION": ("fr", "export"),
    "IMPORTATION": ("fr", "import"),
}
PRODUCT_LABELS: dict[str, str] = {"Total": "TOTAL", "TOTAL-Total": "TOTAL"}
STAT_PROCEDURE_LABELS: dict[str, str] = {"Total": "TOTAL", "T-Total": "TOTAL"}
MONTHS: dict[str, int] = {
    "Jan.": 1, "Feb.": 2, "Mar.": 3, "Apr.": 4, "May.": 5, "Jun.": 6,
    "Jul.": 7, "Aug.": 8, "Sep.": 9, "Oct.": 10, "Nov.": 11, "Dec.": 12,
}  # fmt: skip
ANNUAL_CODE = 52  # Comext codes the whole year as period 52 ("201952-Jan.-Dec. 2019")
PERIOD_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("coded year", re.compile(r"^(?P<code>\d{4})(?P<sub>52)-Jan\.-Dec\. (?P<year>\d{4})$")),
    ("year", re.compile(r"^Jan\.-Dec\. (?P<year>\d{4})$")),
    (
        "coded month",
        re.compile(r"^(?P<code>\d{4})(?P<sub>\d{2})-(?P<mon>\w{3}\.) (?P<year>\d{4})$"),
    ),
    ("month", re.compile(r"^(?P<mon>\w{3}\.) (?P<year>\d{4})$")),
)
VALUE_PATTERN = r"^\d+(\.\d+)?$"
KEY = ("reporter_code", "partner_code", "product_code", "flow", "stat_procedure", "year", "month")


@lru_cache(maxsize=1)
def labels() -> pl.DataFrame:
    """The reporter/partner label table: language, label, code, kind, note."""
    table = pl.read_csv(LABELS_FILE, schema_overrides={"note": pl.String}, null_values=[""])
    dup = table.filter(pl.struct("language", "label").is_duplicated())
    if dup.height:
        raise ValueError(f"{LABELS_FILE.name}: label listed twice: {dup.row(0)}")
    return table


def parse_period(label: str) -> tuple[int, int | None] | None:
    """(year, month) of a Comext period label, month None for a whole year; None if unknown."""
    for _, pattern in PERIOD_FORMATS:
        m = pattern.match(label)
        if not m:
            continue
        parts = m.groupdict()
        year = int(parts["year"])
        month = MONTHS.get(parts["mon"]) if parts.get("mon") else None
        if parts.get("mon") and month is None:
            return None
        if parts.get("code") is not None:
            sub = int(parts["sub"])
            if int(parts["code"]) != year or sub != (month or ANNUAL_CODE):
                return None
        return year, month
    return None


def folder_of(name: str) -> str:
    """The download folder a file belongs to (accounting group)."""
    parent = PurePosixPath(name).parent
    return str(parent) if str(parent) != "." else name


def _record_lines(name: str, text: str, fields: int = len(HEADER)) -> list[int]:
    """First physical line of each data record; strict csv also pinpoints broken quoting."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines: list[int] = []
    try:
        next(reader)
        start = reader.line_num + 1
        for row in reader:
            if len(row) != fields:
                raise SourceFormatError(
                    name, f"line {start}", f"expected {fields} fields, found {len(row)}"
                )
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceFormatError(name, f"line {reader.line_num}", f"broken CSV: {exc}") from exc
    return lines


def _check_file(name: str, data: bytes) -> tuple[bytes, int]:
    """Structural checks of one download; returns its data lines (header cut) and their count."""
    check_payload(name, data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    decode(name, body, "utf-8")
    breaks = body.count(b"\n")
    if not body.endswith(b"\n"):
        raise SourceFormatError(
            name, f"line {breaks + 1}", "file does not end with a line break: truncated download?"
        )
    end = body.find(b"\n")
    header = body[:end].rstrip(b"\r").decode()
    if header != ",".join(HEADER):
        raise SourceFormatError(
            name, "line 1", f"unexpected header {header!r}; expected {','.join(HEADER)}"
        )
    return body[end + 1 :], breaks - 1


def _read_file(name: str, data: bytes) -> pl.DataFrame:
    """One download as raw strings with its file name and line numbers (the careful path)."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    text = body.decode("utf-8")
    try:
        df = pl.read_csv(body, infer_schema=False, has_header=True, quote_char='"')
    except pl.exceptions.PolarsError as exc:
        _record_lines(name, text)  # raises with the line when it can find it
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    if text.count("\n") == df.height + 1:
        lines = pl.int_range(2, df.height + 2, dtype=pl.Int32, eager=True)
    else:  # a quoted field spans lines: count them the slow way
        lines = pl.Series(_record_lines(name, text), dtype=pl.Int32)
    return df.with_columns(source_file=pl.lit(name), source_line=lines)


def _read_all(files: Mapping[str, bytes]) -> pl.DataFrame:
    """All downloads as raw strings with file names and line numbers.

    The files are checked one by one, then their data lines are read by polars in one go (286
    small files read one at a time cost more in per-call overhead than in parsing); when that
    fails or rows span lines, each file is read on its own to name the bad line.
    """
    parts = [(name, *_check_file(name, data)) for name, data in sorted(files.items())]
    expected = sum(count for _, _, count in parts)
    buffer = b"".join(rows for _, rows, _ in parts)
    try:
        df = (
            pl.read_csv(
                buffer,
                has_header=False,
                new_columns=list(HEADER),
                infer_schema=False,
                quote_char='"',
            )
            if buffer
            else None
        )
    except pl.exceptions.PolarsError:
        df = None
    if df is None or df.height != expected:
        frames = [_read_file(name, files[name]) for name, _, _ in parts]
        df = pl.concat(frames) if frames else None
    else:
        counts = pl.DataFrame(
            {"source_file": [n for n, _, c in parts if c], "n": [c for _, _, c in parts if c]}
        )
        df = df.with_columns(
            counts.select(pl.col("source_file").repeat_by("n").explode()).to_series()
        )
        df = df.with_columns(
            source_line=pl.int_range(pl.len(), dtype=pl.Int32).over(pl.col("source_file").rle_id())
            + 2
        )
    if df is None or df.height == 0:
        schema = dict.fromkeys(HEADER, pl.String) | {
            "source_file": pl.String,
            "source_line": pl.Int32,
        }
        return pl.DataFrame(schema=schema)
    incomplete = df.filter(pl.any_horizontal(pl.col(HEADER).is_null()))
    if incomplete.height:
        row = incomplete.row(0, named=True)
        raise SourceFormatError(
            row["source_file"],
            f"line {row['source_line']}",
            f"expected {len(HEADER)} fields, found fewer",
        )
    return df


def _refuse(bad: pl.DataFrame, column: str, message: str) -> None:
    if bad.height == 0:
        return
    row = bad.row(0, named=True)
    more = f" ({bad.height - 1} more rows like it)" if bad.height > 1 else ""
    raise SourceFormatError(
        row["source_file"], f"line {row['source_line']}", f"{message}: {row[column]!r}{more}"
    )


def _file_languages(raw: pl.DataFrame) -> pl.DataFrame:
    """Interface language of each file, read from its FLOW labels (one language per file)."""
    _refuse(raw.filter(~pl.col("FLOW").is_in(list(FLOW_LABELS))), "FLOW", "unknown FLOW label")
    lang = raw.select(
        "source_file", pl.col("FLOW").replace_strict({k: v[0] for k, v in FLOW_LABELS.items()})
    ).unique()
    mixed = lang.filter(pl.col("source_file").is_duplicated())
    if mixed.height:
        raise SourceFormatError(mixed["source_file"][0], "FLOW column", "FLOW labels mix languages")
    return lang.rename({"FLOW": "label_language"})


def _resolve_places(df: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
    table = labels().select(
        pl.col("language").alias("label_language"),
        pl.col("label").alias(column),
        pl.col("code").alias(f"{prefix}_code"),
        pl.col("kind").alias(f"{prefix}_kind"),
    )
    out = df.join(table, on=["label_language", column], how="left")
    _refuse(out.filter(pl.col(f"{prefix}_code").is_null()), column, f"unknown {column} label")
    return out.with_columns(
        pl.col(column).alias(f"{prefix}_label"),
        (pl.col(f"{prefix}_kind") == "aggregate").alias(f"{prefix}_is_aggregate"),
    )


def _periods(df: pl.DataFrame) -> pl.DataFrame:
    parsed = {label: parse_period(label) for label in df["PERIOD"].unique().to_list()}
    unknown = [label for label, value in parsed.items() if value is None]
    _refuse(df.filter(pl.col("PERIOD").is_in(unknown)), "PERIOD", "unknown PERIOD spelling")
    table = pl.DataFrame(
        {
            "PERIOD": list(parsed),
            "year": [v[0] for v in parsed.values() if v],
            "month": [v[1] for v in parsed.values() if v],
        },
        schema={"PERIOD": pl.String, "year": pl.Int16, "month": pl.Int8},
    )
    return df.join(table, on="PERIOD", how="left")


def _split_duplicates(
    df: pl.DataFrame, columns: tuple[str, ...]
) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """Refuse a period reported twice with different values; set aside identical repeats."""
    dup = df.filter(pl.len().over(KEY) > 1)
    if dup.height == 0:
        return df, []
    clash = dup.filter(pl.col("value_eur").n_unique().over(KEY) > 1).sort(
        [*KEY, "source_file", "source_line"]
    )
    if clash.height:
        a, b = clash.row(0, named=True), clash.row(1, named=True)
        raise SourceFormatError(
            b["source_file"],
            f"line {b['source_line']}",
            f"duplicate period {b['period_label']!r} for {b['reporter_code']}->{b['partner_code']}"
            f" {b['flow']}: {b['value_eur']} here, {a['value_eur']} in {a['source_file']}"
            f" line {a['source_line']}",
        )
    ranked = df.with_columns(
        first_file=pl.col("source_file").first().over(KEY),
        first_line=pl.col("source_line").first().over(KEY),
        repeat=pl.int_range(pl.len()).over(KEY) > 0,
    )
    rejects = [
        {
            "source": SOURCE,
            "source_file": r["source_file"],
            "source_line": r["source_line"],
            "reason": f"identical repeat of {r['first_file']} line {r['first_line']}",
            "raw": ",".join(str(r[c] or "") for c in columns),
        }
        for r in ranked.filter(pl.col("repeat")).iter_rows(named=True)
    ]
    return ranked.filter(~pl.col("repeat")).drop("first_file", "first_line", "repeat"), rejects


def parse(files: Mapping[str, bytes]) -> TradeParse:
    """Comext Relational_View downloads (name → bytes) → the `eurostat_comext` table; SDMX-CSV
    API responses go to `parse_sdmx`.

    Names are kept as `source_file` (use paths relative to the snapshot root); rows are counted
    per download folder for accounting.
    """
    if not files:
        raise SourceFormatError(SOURCE, "payload", "no Comext file given")
    sdmx = {name for name, data in files.items() if _is_sdmx(data)}
    if sdmx and len(sdmx) < len(files):
        raise SourceFormatError(
            sorted(set(files) - sdmx)[0], "line 1", "SDMX-CSV and Easy Comext files mixed"
        )
    if sdmx:
        return parse_sdmx(files)
    raw = _read_all(files)
    input_rows = {folder_of(name): 0 for name in files}
    for name, count in raw.group_by("source_file").len().iter_rows():
        input_rows[folder_of(name)] += count
    _refuse(
        raw.filter(~pl.col("VALUE_IN_EUR").str.contains(VALUE_PATTERN)),
        "VALUE_IN_EUR",
        "VALUE_IN_EUR is not a non-negative number",
    )
    for column, table in (("PRODUCT", PRODUCT_LABELS), ("STAT_PROCEDURE", STAT_PROCEDURE_LABELS)):
        _refuse(raw.filter(~pl.col(column).is_in(list(table))), column, f"unknown {column} label")
    df = raw.join(_file_languages(raw), on="source_file", how="left")
    df = _resolve_places(df, "REPORTER", "reporter")
    df = _resolve_places(df, "PARTNER", "partner")
    df = _periods(df).with_columns(
        product_code=pl.col("PRODUCT").replace_strict(PRODUCT_LABELS),
        product_label=pl.col("PRODUCT"),
        flow=pl.col("FLOW").replace_strict({k: v[1] for k, v in FLOW_LABELS.items()}),
        flow_label=pl.col("FLOW"),
        stat_procedure=pl.col("STAT_PROCEDURE").replace_strict(STAT_PROCEDURE_LABELS),
        stat_procedure_label=pl.col("STAT_PROCEDURE"),
        period_label=pl.col("PERIOD"),
        value_eur=pl.col("VALUE_IN_EUR").cast(pl.Float64),
        obs_flag=pl.lit(None, dtype=pl.String),
    )
    df, rejects = _split_duplicates(df.sort("source_file", "source_line"), HEADER)
    frame = conform(SOURCE, df.drop(HEADER))
    return TradeParse(
        source=SOURCE,
        table=SOURCE,
        frame=frame,
        rejects=rejects_frame(rejects),
        input_rows=input_rows,
    )


def group_of(frame: pl.DataFrame, rejects: pl.DataFrame) -> dict[str, str]:
    """source_file → download folder, for `TradeParse.accounting`."""
    names = pl.concat([frame["source_file"], rejects["source_file"]]).unique().to_list()
    return {name: folder_of(name) for name in names}


# --- SDMX-CSV (the dissemination API, live mode) ---------------------------------------------

SDMX_DIMENSIONS = ("freq", "reporter", "partner", "product", "flow", "indicators")
SDMX_HEADER = (
    "DATAFLOW",
    "LAST UPDATE",
    *SDMX_DIMENSIONS,
    "TIME_PERIOD",
    "OBS_VALUE",
    "OBS_FLAG",
)
SDMX_OPTIONAL = ("CONF_STATUS",)
SDMX_DATAFLOW = r"^ESTAT:DS-045409\(\d+\.\d+\)$"
SDMX_LAST_UPDATE = r"^\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$"
SDMX_FLOWS = {"1": "import", "2": "export"}
SDMX_INDICATOR = "VALUE_IN_EUROS"
SDMX_PERIODS = {"M": r"^\d{4}-(0[1-9]|1[0-2])$", "A": r"^\d{4}$"}
# Eurostat observation flags (alone or combined, e.g. `ep`): b break in series, c confidential,
# d definition differs, e estimated, f forecast, n not significant, p provisional, r revised,
# s Eurostat estimate, u low reliability, z not applicable
SDMX_FLAG = r"^[bcdefnprsuz]{1,4}$"
NO_VALUE_FLAGS = ("c",)  # confidential: published without a value
# Eurostat geography codes that are not ISO alpha-2 (Greece); aggregates keep their codes
SDMX_GEO = {"EL": "GR"}


def _is_sdmx(data: bytes) -> bool:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    return body.startswith(b"DATAFLOW,")


def _sdmx_file(name: str, data: bytes) -> pl.DataFrame:
    """One SDMX-CSV response as raw strings with file name and line numbers, header checked."""
    text = read_text(name, data)
    body = text.encode()
    header = tuple(text[: text.find("\n")].rstrip("\r").split(","))
    if header not in (SDMX_HEADER, SDMX_HEADER + SDMX_OPTIONAL):
        unknown = [c for c in header if c not in SDMX_HEADER + SDMX_OPTIONAL]
        missing = [c for c in SDMX_HEADER if c not in header]
        raise SourceFormatError(
            name,
            "line 1",
            f"unexpected SDMX-CSV header {','.join(header)!r}: unknown {unknown}, missing "
            f"{missing}; expected {','.join(SDMX_HEADER)}[,{','.join(SDMX_OPTIONAL)}]",
        )
    # every record must have the header's fields (raises naming the line); the empty fields
    # polars reads as null are the empty strings SDMX-CSV writes
    lines = pl.Series(_sdmx_lines(name, text, len(header)), dtype=pl.Int32)
    try:
        df = pl.read_csv(body, infer_schema=False, has_header=True)
    except pl.exceptions.PolarsError as exc:
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    df = df.with_columns(pl.all().fill_null(""))
    if "CONF_STATUS" not in df.columns:
        df = df.with_columns(CONF_STATUS=pl.lit(""))
    return df.with_columns(source_file=pl.lit(name), source_line=lines)


def _sdmx_lines(name: str, text: str, fields: int) -> list[int]:
    """Line of each record, every one checked to hold `fields` fields. SDMX-CSV quotes no
    code, so a response without quotes is checked line by line by counting commas; one with
    quotes goes through the csv module."""
    if '"' in text:
        return _record_lines(name, text, fields)
    records = text.split("\n")[1:-1]
    for number, line in enumerate(records, start=2):
        if line.count(",") != fields - 1:
            found = line.rstrip("\r").count(",") + 1
            raise SourceFormatError(
                name, f"line {number}", f"expected {fields} fields, found {found}"
            )
    return list(range(2, len(records) + 2))


def _sdmx_place(df: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
    """Resolve a reporter/partner code (Eurostat's, EL for Greece) to its code and kind."""
    kinds = labels().select("code", "kind").unique()
    dup = kinds.filter(pl.col("code").is_duplicated())
    if dup.height:
        raise ValueError(f"{LABELS_FILE.name}: code with two kinds: {dup.row(0)}")
    out = df.with_columns(
        pl.col(column).replace(SDMX_GEO).alias(f"{prefix}_code"),
        pl.col(column).alias(f"{prefix}_label"),
    ).join(
        kinds.rename({"code": f"{prefix}_code", "kind": f"{prefix}_kind"}),
        on=f"{prefix}_code",
        how="left",
    )
    _refuse(out.filter(pl.col(f"{prefix}_kind").is_null()), column, f"unknown {column} code")
    return out.with_columns(
        (pl.col(f"{prefix}_kind") == "aggregate").alias(f"{prefix}_is_aggregate")
    )


def parse_sdmx(files: Mapping[str, bytes]) -> TradeParse:
    """SDMX-CSV responses of the Comext dissemination API (name → bytes) → `eurostat_comext`.

    Every field is read: DATAFLOW must be DS-045409, LAST UPDATE a timestamp, each dimension a
    code this table knows (a product other than TOTAL, an indicator other than VALUE_IN_EUROS,
    an unknown reporter, partner, flow or frequency is refused with its file and line), the
    period must match the frequency. The API has no statistical-procedure dimension: its
    figures cover all procedures (`stat_procedure` TOTAL, label null).
    """
    raw = pl.concat([_sdmx_file(name, data) for name, data in sorted(files.items())])
    input_rows = {folder_of(name): 0 for name in files}
    for name, count in raw.group_by("source_file").len().iter_rows():
        input_rows[folder_of(name)] += count
    for column, pattern, message in (
        ("DATAFLOW", SDMX_DATAFLOW, "not the DS-045409 dataflow"),
        ("LAST UPDATE", SDMX_LAST_UPDATE, "LAST UPDATE is not dd/mm/yy hh:mm:ss"),
    ):
        _refuse(raw.filter(~pl.col(column).str.contains(pattern)), column, message)
    for column, allowed in (
        ("freq", list(SDMX_PERIODS)),
        ("product", ["TOTAL"]),
        ("flow", list(SDMX_FLOWS)),
        ("indicators", [SDMX_INDICATOR]),
        ("CONF_STATUS", [""]),
    ):
        _refuse(raw.filter(~pl.col(column).is_in(allowed)), column, f"unknown {column} code")
    period_ok = (
        pl.when(pl.col("freq") == "M")
        .then(pl.col("TIME_PERIOD").str.contains(SDMX_PERIODS["M"]))
        .otherwise(pl.col("TIME_PERIOD").str.contains(SDMX_PERIODS["A"]))
    )
    _refuse(raw.filter(~period_ok), "TIME_PERIOD", "TIME_PERIOD does not match freq")
    _refuse(
        raw.filter((pl.col("OBS_FLAG") != "") & ~pl.col("OBS_FLAG").str.contains(SDMX_FLAG)),
        "OBS_FLAG",
        "unknown OBS_FLAG",
    )
    empty_value = pl.col("OBS_VALUE") == ""
    _refuse(
        raw.filter(~empty_value & ~pl.col("OBS_VALUE").str.contains(VALUE_PATTERN)),
        "OBS_VALUE",
        "OBS_VALUE is not a non-negative number",
    )
    _refuse(
        raw.filter(empty_value & ~pl.col("OBS_FLAG").is_in(NO_VALUE_FLAGS)),
        "OBS_VALUE",
        "no OBS_VALUE and no flag saying why",
    )
    columns = (*SDMX_HEADER, "CONF_STATUS")
    withheld = raw.filter(empty_value)
    rejects = [
        {
            "source": SOURCE,
            "source_file": r["source_file"],
            "source_line": r["source_line"],
            "reason": f"published without a value (OBS_FLAG {r['OBS_FLAG']!r}: confidential)",
            "raw": ",".join(str(r[c]) for c in columns),
        }
        for r in withheld.iter_rows(named=True)
    ]
    df = _sdmx_place(raw.filter(~empty_value), "reporter", "reporter")
    df = _sdmx_place(df, "partner", "partner")
    df = df.with_columns(
        product_code=pl.col("product"),
        product_label=pl.col("product"),
        flow=pl.col("flow").replace_strict(SDMX_FLOWS),
        flow_label=pl.col("flow"),
        stat_procedure=pl.lit("TOTAL"),
        stat_procedure_label=pl.lit(None, dtype=pl.String),
        period_label=pl.col("TIME_PERIOD"),
        year=pl.col("TIME_PERIOD").str.slice(0, 4).cast(pl.Int16),
        month=pl.when(pl.col("freq") == "M")
        .then(pl.col("TIME_PERIOD").str.slice(5, 2).cast(pl.Int8))
        .otherwise(None),
        value_eur=pl.col("OBS_VALUE").cast(pl.Float64),
        obs_flag=pl.when(pl.col("OBS_FLAG") == "").then(None).otherwise(pl.col("OBS_FLAG")),
        label_language=pl.lit("sdmx"),
    )
    # `flow` now holds the table's value; the published code is `flow_label`
    raw_columns = tuple("flow_label" if c == "flow" else c for c in columns)
    df, repeats = _split_duplicates(df.sort("source_file", "source_line"), raw_columns)
    keep = [c for c in df.columns if c not in columns or c == "flow"]
    return TradeParse(
        source=SOURCE,
        table=SOURCE,
        frame=conform(SOURCE, df.select(keep)),
        rejects=rejects_frame(rejects + repeats),
        input_rows=input_rows,
    )
