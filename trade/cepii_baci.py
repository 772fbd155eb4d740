"""CEPII BACI: reconciled bilateral trade flows at HS6, annual — `cepii_baci`.

The release zip (`BACI_HS22_V202401.zip`) holds one CSV per year,
`BACI_HS22_Y<year>_V202401.csv` with the header `t,i,j,k,v,q` (year, exporter, importer,
HS6 product, value in thousand USD, quantity in tonnes; `q` may be `NA`), plus
`country_codes_V202401.csv` (country_code, country_name, country_iso2, country_iso3) and a
product list. Exporter and importer are BACI's numeric codes (Comtrade-style: France 251, USA
842); they resolve through the country-code file, whose ISO2 column holds Namibia's `NA` —
read as text, never as a missing value. Products are kept as six-character strings with
their leading zero ("010121").
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from core.canonical import Unknown
from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from core.zipsafe import ZipLimits, read_members
from trade.tables import TradeParse, conform, refuse_first

SOURCE = "cepii_baci"
FLOWS_HEADER = ("t", "i", "j", "k", "v", "q")
COUNTRIES_HEADER = ("country_code", "country_name", "country_iso2", "country_iso3")
FLOWS_FILE = re.compile(r"^BACI_HS\d{2}_Y(?P<year>\d{4})_V\d{6}[a-z]?\.csv$")
COUNTRIES_FILE = re.compile(r"^country_codes_V\d{6}[a-z]?\.csv$")
PRODUCTS_FILE = re.compile(r"^product_codes_HS\d{2}_V\d{6}[a-z]?\.csv$")
MISSING_QUANTITY = "NA"
# No real release is shipped to measure. The OEC's copy of BACI HS92 holds 269.9 M flows for
# 1995-2024, about 9 M a year; a `t,i,j,k,v,q` line is 30-45 bytes, so a year file is about
# 0.4 GB and a release (30 years) about 12 GB. Limits: 10x a year file, 5x a release, and 10x the
# members a release holds (years plus country, product and readme files).
RELEASE_LIMITS = ZipLimits(member=4 * 2**30, total=64 * 2**30, members=400)


def _text_head(name: str, data: bytes, header: tuple[str, ...]) -> str:
    check_payload(name, data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    first = decode(name, body[:4096].split(b"\n", 1)[0], "utf-8").rstrip("\r")
    if first.replace('"', "") != ",".join(header):
        raise SourceFormatError(
            name, "line 1", f"unexpected header {first!r}; expected {','.join(header)}"
        )
    if not body.endswith(b"\n"):
        raise SourceFormatError(
            name, "last line", "file does not end with a line break: truncated?"
        )
    return first


def parse_countries(name: str, data: bytes) -> pl.DataFrame:
    """country_codes_V*.csv → code, name, ISO2, ISO3 (ISO2 'NA' is Namibia, not missing)."""
    _text_head(name, data, COUNTRIES_HEADER)
    try:
        raw = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    df = raw.with_columns(
        source_file=pl.lit(name), source_line=pl.int_range(2, raw.height + 2, dtype=pl.Int32)
    )
    checks = {
        "not a numeric code": (~pl.col("country_code").str.contains(r"^\d+$"), "country_code"),
        "code listed twice": (pl.col("country_code").is_duplicated(), "country_code"),
        "no ISO3 code": (pl.col("country_iso3").is_null(), "country_code"),
    }
    refuse_first(name, df, checks)
    out = df.with_columns(
        pl.col("country_code").cast(pl.Int32),
        # BACI writes "N/A" where an economy has no ISO2 code; keep the row, with a null code
        pl.when(pl.col("country_iso2").is_in(["N/A"]))
        .then(None)
        .otherwise(pl.col("country_iso2"))
        .alias("country_iso2"),
    )
    return conform("cepii_baci_countries", out)


def scan_flows(name: str, source: str | Path | bytes) -> pl.LazyFrame:
    """Lazy plan of one yearly flows CSV (path or bytes), all fields as text with line numbers."""
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    return pl.scan_csv(
        data,
        schema=dict.fromkeys(FLOWS_HEADER, pl.String),
        has_header=True,
        row_index_name="source_line",
        row_index_offset=2,
    ).with_columns(pl.col("source_line").cast(pl.Int32), source_file=pl.lit(name))


def type_flows(lf: pl.LazyFrame, countries: pl.DataFrame) -> pl.LazyFrame:
    """Typed `cepii_baci` rows plus `_bad_*` flags for the checks of `refuse_flows`."""
    trimmed = [pl.col(c).str.strip_chars() for c in FLOWS_HEADER]
    # writers that store k as a number drop the leading zero: 5 digits are padded back
    product = pl.when(pl.col("k").str.contains(r"^\d{5,6}$")).then(pl.col("k").str.zfill(6))
    iso2 = dict(
        zip(countries["country_code"].to_list(), countries["country_iso2"].to_list(), strict=True)
    )
    iso3 = dict(
        zip(countries["country_code"].to_list(), countries["country_iso3"].to_list(), strict=True)
    )
    keys = pl.Enum([str(c) for c in iso3])

    def look(column: str, table: dict[int, str | None]) -> pl.Expr:
        values = pl.Series(list(table.values()), dtype=pl.String)
        return pl.lit(values).gather(pl.col(column).cast(keys, strict=False).to_physical())

    return (
        lf.with_columns(trimmed)
        .with_columns(
            year=pl.col("t").cast(pl.Int16, strict=False),
            exporter_code=pl.col("i").cast(pl.Int32, strict=False),
            importer_code=pl.col("j").cast(pl.Int32, strict=False),
            exporter_iso2=look("i", iso2),
            exporter_iso3=look("i", iso3),
            importer_iso2=look("j", iso2),
            importer_iso3=look("j", iso3),
            product_code=product,
            value_usd_thousands=pl.col("v").cast(pl.Float64, strict=False),
            quantity_tonnes=pl.when(pl.col("q") == MISSING_QUANTITY)
            .then(None)
            .otherwise(pl.col("q").cast(pl.Float64, strict=False)),
        )
        .with_columns(
            _bad_t=pl.col("year").is_null(),
            _bad_i=pl.col("exporter_iso3").is_null(),
            _bad_j=pl.col("importer_iso3").is_null(),
            _bad_k=~pl.col("k").str.contains(r"^\d{5,6}$"),
            _bad_v=pl.col("value_usd_thousands").is_null(),
            _bad_q=pl.col("quantity_tonnes").is_null() & (pl.col("q") != MISSING_QUANTITY),
        )
    )


CHECKS = {
    "_bad_t": ("t", "year is not a number"),
    "_bad_i": ("i", "exporter code not in the country-code file"),
    "_bad_j": ("j", "importer code not in the country-code file"),
    "_bad_k": ("k", "product is not an HS6 code"),
    "_bad_v": ("v", "value is not a number"),
    "_bad_q": ("q", "quantity is neither a number nor NA"),
}


def flow_checks(year: int | None) -> dict[str, tuple[pl.Expr, str]]:
    """Bad-row conditions of typed flows (message → (condition, column to quote))."""
    checks = {
        "missing field (truncated row?)": (pl.any_horizontal(pl.col(FLOWS_HEADER).is_null()), "t")
    }
    checks |= {message: (pl.col(flag), column) for flag, (column, message) in CHECKS.items()}
    if year is not None:
        checks[f"year differs from the file name's {year}"] = (pl.col("year") != year, "t")
    return checks


def parse_flows(name: str, data: bytes, countries: pl.DataFrame) -> pl.DataFrame:
    """One yearly flows CSV held in memory → `cepii_baci` rows."""
    _text_head(name, data, FLOWS_HEADER)
    try:
        typed = type_flows(scan_flows(name, data), countries).collect()
    except pl.exceptions.PolarsError as exc:
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    match = FLOWS_FILE.match(Path(name).name)
    refuse_first(name, typed, flow_checks(int(match["year"]) if match else None))
    return conform(SOURCE, typed.drop([*FLOWS_HEADER, *CHECKS]))


def ingest_csv(name: str, path: Path, countries: pl.DataFrame, out: Path) -> int:
    """Stream one yearly flows CSV of any size to parquet at `out`, verified; returns its rows.

    Not pure (writes `out` and a scratch file beside it): the path for full releases, whose
    yearly files hold around ten million rows each.
    """
    with open(path, "rb") as handle:
        head = handle.read(4096)
        handle.seek(max(0, path.stat().st_size - 1))
        last = handle.read(1)
    _text_head(name, head + (b"" if head.endswith(b"\n") else b"\n"), FLOWS_HEADER)
    if last != b"\n":
        raise SourceFormatError(
            name, "last line", "file does not end with a line break: truncated?"
        )
    scratch = out.with_name(out.name + ".checking")
    try:
        type_flows(scan_flows(name, path), countries).sink_parquet(scratch)
        stored = pl.scan_parquet(scratch)
        match = FLOWS_FILE.match(Path(name).name)  # `path` may be an archived copy's name
        refuse_first(
            name, stored, flow_checks(int(match["year"]) if match else None), engine="streaming"
        )
        conform(SOURCE, stored.drop([*FLOWS_HEADER, *CHECKS])).sink_parquet(out)
    finally:
        scratch.unlink(missing_ok=True)
    return pl.scan_parquet(out).select(pl.len()).collect().item()


def parse(files: Mapping[str, bytes]) -> TradeParse:
    """A BACI release as files (name → bytes): yearly flow CSVs + the country-code file."""
    names = {Path(n).name: n for n in files}
    country_files = [n for b, n in names.items() if COUNTRIES_FILE.match(b)]
    if len(country_files) != 1:
        raise SourceFormatError(
            SOURCE, "payload", f"expected one country_codes file, got {country_files}"
        )
    countries = parse_countries(country_files[0], files[country_files[0]])
    unknowns: list[Unknown] = []
    frames: list[pl.DataFrame] = []
    input_rows: dict[str, int] = {}
    for base, name in sorted(names.items()):
        if FLOWS_FILE.match(base):
            frame = parse_flows(name, files[name], countries)
            frames.append(frame)
            input_rows[name] = frame.height
        elif not COUNTRIES_FILE.match(base) and not PRODUCTS_FILE.match(base):
            unknowns.append(Unknown(name, "file", "unknown file in the release", base))
    if not frames:
        raise SourceFormatError(SOURCE, "payload", "no BACI_HS*_Y*.csv flows file")
    return TradeParse(
        source=SOURCE,
        table=SOURCE,
        frame=pl.concat(frames),
        input_rows=input_rows,
        unknowns=unknowns,
        extra={"countries": countries},
    )


def unzip(name: str, data: bytes) -> dict[str, bytes]:
    """The members of a BACI release zip (name → bytes); refuses anything that is not a zip."""
    check_payload(name, data)
    return read_members(name, data, RELEASE_LIMITS)
