"""EU FSF CSV 1.0 (`csvFullSanctionsList`, legacy 2018, also its spreadsheet re-save): reader into the staged frames."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from typing import Any

import polars as pl

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.records import first_difference
from core.sniff import check_payload, decode
from core.truncation import require_complete_csv
from eu_fsf.constants import LEGACY_FILE
from eu_fsf.facts import _dmy_or_iso
from eu_fsf.mapping import _result
from eu_fsf.staged import Staged, _stage_flat, _staged_frame

# --- CSV 1.0 (legacy) --------------------------------------------------------------------------

_LEBA = ("numtitle", "publication_date", "url")
_LEBA_COLUMNS = ("reg_number_title", "reg_publication_date", "reg_publication_url")


def _legacy_group(prefix: str, table: str, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    head = [
        (f"{prefix}_logical_id", f"{table}.logical_id"),
        ("Entity_logical_id", f"{table}.entity_logical_id"),
    ]
    leba = [
        (f"{prefix}_leba_{n}", f"{table}.{c}") for n, c in zip(_LEBA, _LEBA_COLUMNS, strict=True)
    ]
    leba.append((f"{prefix}_programme", f"{table}.reg_programme"))
    return head + leba + [(name, f"{table}.{column}") for name, column in fields]


LEGACY_COLUMNS: list[tuple[str, str]] = [
    ("Date_filexxxx", "file.generation_date"),
    ("Entity_logical_id", "entities.logical_id"),
    ("Subject_type", "entities.classification_code"),
    ("Leba_numtitle", "regulations.number_title"),
    ("Leba_publication_date", "regulations.publication_date"),
    ("Leba_url", "regulations.publication_url"),
    ("Programme", "regulations.programme"),
    ("Entity_remark", "entities.remark"),
    *_legacy_group("Naal", "names", [
        ("Naal_lastname", "last_name"), ("Naal_firstname", "first_name"),
        ("Naal_middlename", "middle_name"), ("Naal_wholename", "whole_name"),
        ("Naal_gender", "gender"), ("Naal_title", "title"), ("Naal_function", "function"),
        ("Naal_language", "name_language"),
    ]),
    *_legacy_group("Addr", "addresses", [
        ("Addr_number", "number"), ("Addr_street", "street"), ("Addr_zipcode", "zip_code"),
        ("Addr_city", "city"), ("Addr_country", "country_code"), ("Addr_other", "contact_info"),
    ]),
    *_legacy_group("Birt", "birthdates", [
        ("Birt_date", "birthdate"), ("Birt_place", "place"), ("Birt_country", "country_code"),
    ]),
    *_legacy_group("Iden", "identifications", [
        ("Iden_number", "published_number"), ("Iden_country", "country_code"),
    ]),
    *_legacy_group("Citi", "citizenships", [("Citi_country", "country_code")]),
    ("EU_ref_num", "entities.eu_reference_number"),
]  # fmt: skip
LEGACY_HEADER = [name for name, _ in LEGACY_COLUMNS]
# `AD001095 (passport-National passport) ((passport))`: number, type code, description, extra.
_PACKED_ID = re.compile(
    r"^(?P<number>.*?)\s*\((?P<code>[A-Za-z]+)-(?P<desc>[^()]*)\)\s*(?P<extra>.*)$", re.DOTALL
)


def _unwrap_resaved(name: str, lines: list[str]) -> list[str]:
    """Undo the spreadsheet re-save of the only real 1.0 copy.

    Observed in that copy: every line is `"` + record + tabs + `"`, with inner quotes doubled.
    Every line holds the same number of tabs (31): the tool split each record on commas into
    cells and padded all lines to 32 cells, so a tab inside a record stands for a comma and the
    trailing tabs are padding. (A record whose last value ended with a comma could not be told
    apart; the last column of 1.0 is the EU reference, which never does.)
    """
    width = lines[0].count("\t")
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        if (
            len(line) < 2
            or not (line.startswith('"') and line.endswith('"'))
            or line.count("\t") != width
        ):
            raise SourceFormatError(
                name,
                f"line {number}",
                f"expected a quoted line padded to {width} tabs (re-saved 1.0 layout): "
                "truncated or altered?",
            )
        out.append(line[1:-1].rstrip("\t").replace("\t", ",").replace('""', '"'))
    return out


def read_legacy_csv(name: str, data: bytes) -> Staged:
    """CSV 1.0 (2018) → staged frames; reads the publisher's layout and the re-saved copy.

    The publisher's 1.0 file is UTF-8 `;`-CSV with a 59-field header in which names repeat, so
    columns are taken by position after the header is checked name by name. The re-saved copy
    is Windows-1252 when it is not valid UTF-8; letters outside Windows-1252 (Greek, Cyrillic,
    many Central European ones) were replaced by `?` in that copy, so names carrying `?` are
    rejected rather than published wrong. Line breaks inside values are written `\\n`.
    """
    check_payload(name, data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    resaved = body.startswith(b'"Date_file')
    if not resaved and not body.startswith(b"Date_file"):
        raise SourceFormatError(
            name, "line 1", "not an FSF 1.0 CSV: the header must start with Date_filexxxx"
        )
    require_complete_csv(name, body, delimiter=";", encoding="cp1252")
    encoding = "utf-8"
    if resaved:
        try:
            text_ = body.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "windows-1252"
            text_ = decode(name, body, "cp1252")
    else:
        text_ = decode(name, body, "utf-8")
    lines = text_.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if resaved:
        lines = _unwrap_resaved(name, lines)
    records = list(csv.reader(lines, delimiter=";"))
    if records[0] != LEGACY_HEADER:
        got = records[0]
        where = first_difference(got, LEGACY_HEADER)
        raise SourceFormatError(
            name,
            f"line 1, column {where + 1}",
            f"changed header: {len(got)} fields, expected {len(LEGACY_HEADER)}; first "
            f"difference: {got[where] if where < len(got) else 'end of header'!r}",
        )
    width = len(LEGACY_HEADER)
    for number, record in enumerate(records[1:], start=2):
        if len(record) != width:
            raise SourceFormatError(
                name,
                f"line {number}",
                f"{len(record)} fields, expected {width}: truncated or altered?",
            )
    internal = [f"c{i}" for i in range(width)]
    columns = zip(*records[1:], strict=True) if len(records) > 1 else ([] for _ in internal)
    df = pl.DataFrame(
        {
            c: pl.Series(c, values, dtype=pl.String)
            for c, values in zip(internal, columns, strict=True)
        }
    )
    df = (
        df.select(pl.all().str.strip_chars())
        .select(pl.when(pl.all().str.len_bytes() > 0).then(pl.all()).name.keep())
        .with_row_index("record", offset=2)
    )
    # Each fact group repeats Entity_logical_id; a filled group must name the row's entity.
    groups: dict[str, list[int]] = {}
    for index, (_, target) in enumerate(LEGACY_COLUMNS):
        groups.setdefault(target.split(".")[0], []).append(index)
    rejects: list[dict[str, Any]] = []
    bad = pl.lit(False)
    for table, indexes in groups.items():
        if table in ("file", "entities", "regulations"):
            continue
        ref = next(i for i in indexes if LEGACY_COLUMNS[i][1].endswith(".entity_logical_id"))
        filled = pl.any_horizontal(pl.col(f"c{i}").is_not_null() for i in indexes if i != ref)
        bad = bad | (filled & (pl.col(f"c{ref}").fill_null("") != pl.col("c1").fill_null("")))
    mismatched = df.filter(bad)
    for row in mismatched.iter_rows(named=True):
        raw = ";".join(row[c] or "" for c in internal)
        rejects.append(
            {
                "kind": "row",
                "file": name,
                "locator": f"line {row['record']}",
                "reason": "a fact names another Entity_logical_id than its row",
                "raw": raw,
            }
        )
    df = df.filter(~bad)
    rename = {
        f"c{i}": target
        for i, (_, target) in enumerate(LEGACY_COLUMNS)
        if not target.endswith(".entity_logical_id")
    }
    # 1.0 writes a line break inside a value as the two characters `\n`.
    df = df.select("record", *rename).rename(rename)
    df = df.with_columns(pl.exclude("record").str.replace_all(r"\n", "\n", literal=True))
    staged = _stage_flat(
        name, df, layout="csv_1_0_resaved" if resaved else "csv_1_0", encoding=encoding
    )
    staged.rejects.extend(rejects)
    staged.lossy = encoding == "windows-1252"
    staged.tables["identifications"] = _unpack_identifications(
        staged.tables["identifications"], name, staged.unknowns
    )
    return staged


def _unpack_identifications(df: pl.DataFrame, file: str, unknowns: list[Unknown]) -> pl.DataFrame:
    """Split the 1.0 packed document field into number, type code, description and remark."""
    rows = df.to_dicts()
    for row in rows:
        packed = row["published_number"]
        match = _PACKED_ID.match(packed) if packed else None
        if match is None:
            row["number"] = packed
            if packed:
                unknowns.append(
                    Unknown(
                        file, f"identification {row['logical_id']}", "Iden_number format", packed
                    )
                )
            continue
        extra = match["extra"].strip()
        if extra.startswith("(") and extra.endswith(")"):
            extra = extra[1:-1].strip()
        row.update(
            number=match["number"].strip() or None,
            type_code=match["code"],
            type_description=match["desc"].strip() or None,
            remark=extra or None,
        )
    return _staged_frame("identifications", rows)


def parse_legacy_file(name: str, data: bytes) -> ParseResult:
    """Parse an FSF CSV 1.0 file (publisher's layout or the re-saved 2018 copy)."""
    staged = read_legacy_csv(name, data)
    published = _dmy_or_iso(staged.tables["file"]["generation_date"][0])
    return _result(staged, staged.tables["entities"].height, published, "csv_legacy")


def parse_legacy(files: Mapping[str, bytes]) -> ParseResult:
    """csvFullSanctionsList.csv (1.0) → canonical tables."""
    return parse_legacy_file(LEGACY_FILE, files[LEGACY_FILE])
