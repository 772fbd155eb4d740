"""Reader of OFAC's legacy CSV set, shared by the SDN and the consolidated (non-SDN) list.

Primary file (SDN.CSV / CONS_PRIM.CSV), addresses, aliases and the remarks continuation file.
No header, `-0- ` for null, Ctrl-Z at the end, programs packed as `IRAN] [SDGT`, remarks cut
at 1,000 characters and continued in the comments file. Remarks are read by `ofac.remarks`.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from core.canonical import ParseResult
from core.errors import SourceFormatError
from core.records import first_bad_record
from core.sniff import check_payload, decode
from core.truncation import refuse_orphan_tail, require_trailer
from ofac.constants import (
    ADDRESS_COLUMNS,
    ALIAS_COLUMNS,
    COMMENT_COLUMNS,
    CTRL_Z,
    NULL,
    PRIMARY_COLUMNS,
)
from ofac.legacy_tables import build_tables
from ofac.rows import fold_remark_repeats, refuse_duplicates, resolve_links

# --- CSV -------------------------------------------------------------------------------------


def _locate_bad_record(text_: str, width: int) -> str:
    """Find the first record polars refused, with Python's strict CSV reader (error path only)."""
    bad = first_bad_record(text_, width, strict=True)
    if bad is None:
        return "an unparseable record"
    if bad.error is not None:
        return f"record {bad.index + 1} (line {bad.line}): {bad.error}"
    return f"record {bad.index + 1} (line {bad.line}) has {bad.fields} fields, expected {width}"


def read_ofac_csv(name: str, data: bytes, columns: tuple[str, ...]) -> pl.DataFrame:
    """Read one headerless OFAC CSV strictly: exact column count, `-0-` to null, integer ent_num."""
    check_payload(name, data)
    # Every real OFAC legacy CSV (SDN 2023-12-28 and 2024-05-03, consolidated 2025) ends with a
    # line break and Ctrl-Z: a file without them was cut, even between two records.
    require_trailer(
        name,
        data,
        b"\n" + CTRL_Z,
        "OFAC's end-of-file mark (a line break, then Ctrl-Z 0x1A)",
        header_lines=0,
        columns=columns,
        key="ent_num",
    )
    body = data.rstrip(b"\r\n")
    if body.endswith(CTRL_Z):
        body = body[:-1]
    # ASCII bytes (every real OFAC CSV) are valid UTF-8 as they stand: decoded only for an
    # error message; `str.lstrip` strips these ASCII characters
    text_ = None if body.isascii() else decode(name, body, "utf-8")
    lead = text_.lstrip() if text_ is not None else body.lstrip(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
    if lead[:1] in (("<", "{") if text_ is not None else (b"<", b"{")):
        raise SourceFormatError(name, "line 1", "expected OFAC CSV, found markup or JSON")
    try:
        df = pl.read_csv(
            body,
            has_header=False,
            new_columns=list(columns),
            infer_schema=False,
            quote_char='"',
        )
    except pl.exceptions.PolarsError as exc:
        text_ = body.decode("utf-8") if text_ is None else text_
        raise SourceFormatError(
            name, _locate_bad_record(text_, len(columns)), str(exc).splitlines()[0]
        ) from exc
    if df.width != len(columns):
        raise SourceFormatError(name, "record 1", f"{df.width} fields, expected {len(columns)}")
    # OFAC writes every null as `-0-`, so a real null means the record was short.
    short = df.select(pl.any_horizontal(pl.all().is_null()).arg_true()).to_series()
    if short.len():
        raise SourceFormatError(name, f"record {short[0] + 1}", f"fewer than {len(columns)} fields")
    # every field trimmed, then `-0-` made null (a trimmed column used twice in one expression
    # would be trimmed twice)
    df = df.select(pl.col(columns).str.strip_chars())
    df = df.select(pl.when(pl.col(c) != NULL).then(pl.col(c)).alias(c) for c in columns)
    ent_num = df["ent_num"].cast(pl.Int64, strict=False)
    bad = ent_num.is_null().arg_true()
    if bad.len():
        raise SourceFormatError(
            name, f"record {bad[0] + 1}", f"ent_num {df['ent_num'][bad[0]]!r} is not a number"
        )
    return df.with_columns(ent_num=ent_num)


def _optional(files: Mapping[str, bytes], name: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """A secondary file of the set; absent only where a snapshot lacks it (live mode fetches all)."""
    if name in files:
        return read_ofac_csv(name, files[name], columns)
    schema = {c: pl.String for c in columns}
    return pl.DataFrame(schema={**schema, "ent_num": pl.Int64})


def parse_csv_set(
    files: Mapping[str, bytes],
    source: str,
    primary: str,
    addresses: str,
    aliases: str,
    comments: str | None,
) -> ParseResult:
    """Parse an OFAC legacy CSV set (primary, ADD, ALT and optional COMMENTS) into canonical tables."""
    main = read_ofac_csv(primary, files[primary], PRIMARY_COLUMNS)
    refuse_duplicates(primary, main, "ent_num")
    add = _optional(files, addresses, ADDRESS_COLUMNS)
    alt = _optional(files, aliases, ALIAS_COLUMNS)
    com = _optional(files, comments, COMMENT_COLUMNS)
    if comments in files:
        refuse_duplicates(comments, com, "ent_num")
    refuse_orphan_tail(
        primary,
        main["ent_num"].to_list(),
        {
            f: df["ent_num"].to_list()
            for f, df in ((addresses, add), (aliases, alt), (comments, com))
            if f in files
        },
        "ent_num",
    )
    tables, unknowns = build_tables(
        source, (primary, addresses, aliases, comments), main, add, alt, com
    )
    staged = {"primary": main, "addresses": add, "aliases": alt, "comments": com}
    return ParseResult(
        source=source,
        tables=resolve_links(fold_remark_repeats(tables)),
        staged=staged,
        unknowns=unknowns,
        entry_count=main.height,
        file_rows={
            name: df.height for name, df in ((addresses, add), (aliases, alt)) if name in files
        },
        format="csv",
    )
