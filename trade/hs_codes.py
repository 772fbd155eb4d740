"""Harmonized System 2022 nomenclature (datasets/harmonized-system) — `hs_codes`.

`harmonized-system.csv`: section, hscode, description, parent, level — codes are strings with
leading zeros ("010121"); level 2 = chapter, 4 = heading, 6 = subheading, and one `TOTAL` row
at level 5. `sections.csv` (UTF-8 BOM, no final newline) names the 21 sections I…XXI. The two
become one table: every code with its section name and parent.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

import polars as pl

from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from trade.tables import TradeParse, conform, refuse_first

SOURCE = "hs_codes"
CODES_FILE = "harmonized-system.csv"
SECTIONS_FILE = "sections.csv"
CODES_HEADER = ("section", "hscode", "description", "parent", "level")
SECTIONS_HEADER = ("section", "name")
TOTAL = "TOTAL"
LEVELS = {2: r"^\d{2}$", 4: r"^\d{4}$", 6: r"^\d{6}$", 5: rf"^{TOTAL}$"}
ROMAN = re.compile(r"^[IVX]+$")


def _read(name: str, data: bytes, header: tuple[str, ...], final_newline: bool) -> pl.DataFrame:
    check_payload(name, data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    text = decode(name, body, "utf-8")
    if final_newline and not text.endswith("\n"):
        raise SourceFormatError(
            name, f"line {text.count(chr(10)) + 1}", "no final line break: truncated?"
        )
    if text.count('"') % 2:
        raise SourceFormatError(
            name, f"line {text.count(chr(10)) + 1}", "unterminated quote: truncated?"
        )
    first = text.split("\n", 1)[0].rstrip("\r")
    if first != ",".join(header):
        raise SourceFormatError(
            name, "line 1", f"unexpected header {first!r}; expected {','.join(header)}"
        )
    try:
        df = pl.read_csv(io.BytesIO(body), infer_schema=False, has_header=True)
    except pl.exceptions.PolarsError as exc:
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    breaks = text.count("\n") - (0 if text.endswith("\n") else -1)
    if breaks != df.height + 1:
        raise SourceFormatError(name, "whole file", "a quoted field spans lines: unexpected layout")
    df = df.with_columns(
        source_file=pl.lit(name), source_line=pl.int_range(2, df.height + 2, dtype=pl.Int32)
    )
    missing = df.filter(pl.any_horizontal(pl.col(header).is_null()))
    if missing.height:
        raise SourceFormatError(name, f"line {missing['source_line'][0]}", "missing field")
    return df


def parse(files: Mapping[str, bytes]) -> TradeParse:
    """harmonized-system.csv + sections.csv (found by base name) → `hs_codes`, sections named."""
    by_base = {PurePosixPath(name).name: name for name in files}
    for required in (CODES_FILE, SECTIONS_FILE):
        if required not in by_base:
            raise SourceFormatError(required, "payload", "file missing from the HS set")
    codes_name, sections_name = by_base[CODES_FILE], by_base[SECTIONS_FILE]
    # sections.csv is published without a final newline; harmonized-system.csv has one
    sections = _read(sections_name, files[sections_name], SECTIONS_HEADER, final_newline=False)
    checks = {
        "not a roman section number": (~pl.col("section").str.contains(ROMAN.pattern), "section"),
        "section listed twice": (pl.col("section").is_duplicated(), "section"),
    }
    refuse_first(sections_name, sections, checks)
    codes = _read(codes_name, files[codes_name], CODES_HEADER, final_newline=True)
    level = pl.col("level").cast(pl.Int8, strict=False)
    shape_ok = pl.lit(False)
    for number, pattern in LEVELS.items():
        shape_ok = shape_ok | ((level == number) & pl.col("hscode").str.contains(pattern))
    known_section = pl.col("section").is_in([*sections["section"].to_list(), TOTAL])
    checks = {
        "unknown level": (~pl.col("level").is_in([str(k) for k in LEVELS]), "level"),
        "code does not match its level": (
            pl.col("level").is_in([str(k) for k in LEVELS]) & ~shape_ok,
            "hscode",
        ),
        "code listed twice": (pl.col("hscode").is_duplicated(), "hscode"),
        "parent code not in the nomenclature": (
            ~pl.col("parent").is_in(codes["hscode"].implode()),
            "parent",
        ),
        "unknown section": (~known_section, "section"),
    }
    refuse_first(codes_name, codes, checks)
    codes = codes.with_columns(level)
    names = sections.select("section", pl.col("name").alias("section_name"))
    frame = codes.join(names, on="section", how="left").select(
        pl.col("hscode").alias("hs_code"),
        "description",
        "level",
        "parent",
        "section",
        "section_name",
        "source_file",
        "source_line",
    )
    return TradeParse(
        source=SOURCE,
        table=SOURCE,
        frame=conform(SOURCE, frame).sort("source_line"),
        input_rows={codes_name: codes.height},
        extra={"sections": sections.select("section", "name", "source_file", "source_line")},
    )
