"""Common High Priority List (CHPL) of BIS with the EU, UK and Japan — `chpl_codes`.

The list is published as a web page and PDF; the shipped data file
`snapshots/trade/chpl/chpl_2024-02-23.csv` was transcribed from it (50 HS6 codes in tiers 1,
2, 3.A, 3.B, 4.A, 4.B, version of 2024-02-23) and is parsed like any other source:
header `hs_code,tier,published_at,source_url`, one code per line.
"""

from __future__ import annotations

import io

import polars as pl

from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from trade.tables import TradeParse, conform, refuse_first

SOURCE = "chpl_codes"
HEADER = ("hs_code", "tier", "published_at", "source_url")
TIERS: dict[str, int] = {"1": 1, "2": 2, "3.A": 3, "3.B": 3, "4.A": 4, "4.B": 4}
EXPECTED_CODES = 50  # the 2024-02-23 version lists 50 HS6 codes


def parse(name: str, data: bytes) -> TradeParse:
    """The transcribed CHPL CSV → `chpl_codes` (HS6 code, tier, publication date, URL)."""
    check_payload(name, data)
    text = decode(name, data, "utf-8")
    if not text.endswith("\n"):
        raise SourceFormatError(
            name, f"line {text.count(chr(10)) + 1}", "no final line break: truncated?"
        )
    first = text.split("\n", 1)[0].rstrip("\r")
    if first != ",".join(HEADER):
        raise SourceFormatError(
            name, "line 1", f"unexpected header {first!r}; expected {','.join(HEADER)}"
        )
    try:
        raw = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    df = raw.with_columns(
        source_file=pl.lit(name), source_line=pl.int_range(2, raw.height + 2, dtype=pl.Int32)
    )
    dates = pl.col("published_at").str.to_date("%Y-%m-%d", strict=False)
    checks = {
        "missing field": (pl.any_horizontal(pl.col(HEADER).is_null()), "hs_code"),
        "not an HS6 code": (~pl.col("hs_code").str.contains(r"^\d{6}$"), "hs_code"),
        "code listed twice": (pl.col("hs_code").is_duplicated(), "hs_code"),
        "unknown tier": (~pl.col("tier").is_in(list(TIERS)), "tier"),
        "not an ISO date": (dates.is_null(), "published_at"),
    }
    refuse_first(name, df, checks)
    frame = df.with_columns(
        tier_group=pl.col("tier").replace_strict(TIERS, return_dtype=pl.Int8), published_at=dates
    )
    return TradeParse(
        source=SOURCE, table=SOURCE, frame=conform(SOURCE, frame), input_rows={name: raw.height}
    )


def missing_from_nomenclature(chpl: pl.DataFrame, hs: pl.DataFrame) -> pl.DataFrame:
    """CHPL codes that are not HS6 subheadings of the nomenclature (expected: none)."""
    subheadings = hs.filter(pl.col("level") == 6).select("hs_code")
    return chpl.join(subheadings, on="hs_code", how="anti")
