"""Reader of OFAC's legacy CSV set, shared by the SDN and the consolidated (non-SDN) list.

Primary file (SDN.CSV / CONS_PRIM.CSV), addresses, aliases and the remarks continuation file.
No header, `-0- ` for null, Ctrl-Z at the end, programs packed as `IRAN] [SDGT`, remarks cut
at 1,000 characters and continued in the comments file. Remarks are read by `ofac.remarks`.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from core.canonical import ParseResult, Unknown, entity_id
from core.countries import resolve
from core.errors import SourceFormatError
from core.records import first_bad_record
from core.sniff import check_payload, decode
from core.truncation import refuse_orphan_tail, require_trailer
from ofac.constants import (
    ADDRESS_COLUMNS,
    ALIAS_COLUMNS,
    ALIAS_TYPES,
    AUTHORITY,
    COMMENT_COLUMNS,
    CTRL_Z,
    ENTITY_TYPES,
    NULL,
    PRIMARY_COLUMNS,
)
from ofac.remarks import parse_remarks
from ofac.rows import Rows, fold_remark_repeats, refuse_duplicates, resolve_links, split_name

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
    text_ = decode(name, body, "utf-8")
    if text_.lstrip().startswith(("<", "{")):
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
        raise SourceFormatError(
            name, _locate_bad_record(text_, len(columns)), str(exc).splitlines()[0]
        ) from exc
    if df.width != len(columns):
        raise SourceFormatError(name, "record 1", f"{df.width} fields, expected {len(columns)}")
    # OFAC writes every null as `-0-`, so a real null means the record was short.
    short = df.select(pl.any_horizontal(pl.all().is_null()).arg_true()).to_series()
    if short.len():
        raise SourceFormatError(name, f"record {short[0] + 1}", f"fewer than {len(columns)} fields")
    df = df.with_columns(
        pl.when(pl.col(c).str.strip_chars() == NULL)
        .then(None)
        .otherwise(pl.col(c).str.strip_chars())
        .alias(c)
        for c in columns
    )
    bad = df.select(pl.col("ent_num").cast(pl.Int64, strict=False).is_null().arg_true()).to_series()
    if bad.len():
        raise SourceFormatError(
            name, f"record {bad[0] + 1}", f"ent_num {df['ent_num'][bad[0]]!r} is not a number"
        )
    return df.with_columns(pl.col("ent_num").cast(pl.Int64))


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
    known = set(main["ent_num"].to_list())
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
    out = Rows()

    continuation = dict(zip(com["ent_num"].to_list(), com["remarks"].to_list(), strict=True))
    for number, (ent, rest) in enumerate(continuation.items(), start=1):
        if ent not in known:
            out.add(
                "rejects",
                kind="remark",
                file=comments,
                locator=f"record {number}",
                reason=f"ent_num {ent} not in {primary}",
                raw=rest,
            )

    for number, row in enumerate(main.iter_rows(named=True), start=1):
        ent = row["ent_num"]
        eid = entity_id(source, ent)
        etype = ENTITY_TYPES.get(row["sdn_type"])
        raw_remarks = row["remarks"]
        if continuation.get(ent):
            raw_remarks = (raw_remarks or "") + continuation[ent]
        if etype is None:
            out.add(
                "rejects",
                kind="entry",
                file=primary,
                locator=f"record {number}",
                reason=f"unknown SDN_Type {row['sdn_type']!r}",
                raw=str(row),
            )
            out.unknowns.append(
                Unknown(primary, f"record {number}", "SDN_Type", str(row["sdn_type"]))
            )
            continue
        if not row["sdn_name"]:
            out.add(
                "rejects",
                kind="entry",
                file=primary,
                locator=f"record {number}",
                reason="no name",
                raw=str(row),
            )
            continue
        remarks = parse_remarks(raw_remarks)
        unparsed = out.add_remarks(eid, etype, remarks)
        for fragment in remarks.unparsed:
            out.unknowns.append(
                Unknown(primary, f"record {number} remarks", "remark fragment", fragment)
            )
        out.add(
            "entities",
            entity_id=eid,
            source_id=str(ent),
            entity_type=etype,
            primary_name=row["sdn_name"],
            remarks=raw_remarks,
            unparsed_remarks=unparsed,
        )
        given, family = split_name(row["sdn_name"], etype)
        out.add(
            "names",
            entity_id=eid,
            name=row["sdn_name"],
            name_type="primary",
            given_name=given,
            family_name=family,
            origin=primary,
        )
        for program in (row["program"] or "").strip("[] ").split("] ["):
            if program:
                out.add(
                    "sanctions", entity_id=eid, authority=AUTHORITY, program=program, origin=primary
                )
        if row["title"]:
            out.add(
                "attributes", entity_id=eid, attribute="title", value=row["title"], origin=primary
            )
        if row["call_sign"]:
            out.add(
                "identifiers",
                entity_id=eid,
                id_type="call_sign",
                label="Call Sign",
                value=row["call_sign"],
                normalized=row["call_sign"].upper(),
                origin=primary,
            )
        for column, attribute in (
            ("vess_type", "vessel_type"),
            ("tonnage", "vessel_tonnage"),
            ("grt", "vessel_grt"),
            ("vess_owner", "vessel_owner"),
        ):
            if row[column]:
                out.add(
                    "attributes",
                    entity_id=eid,
                    attribute=attribute,
                    value=row[column],
                    origin=primary,
                )
        if row["vess_flag"]:
            out.add(
                "countries",
                entity_id=eid,
                country_code=resolve(row["vess_flag"]),
                raw=row["vess_flag"],
                relation="flag",
                origin=primary,
            )

    for number, row in enumerate(add.iter_rows(named=True), start=1):
        locator = f"record {number}"
        if row["ent_num"] not in known:
            out.add(
                "rejects",
                kind="address",
                file=addresses,
                locator=locator,
                reason=f"ent_num {row['ent_num']} not in {primary}",
                raw=str(row),
            )
            continue
        parts = [row["address"], row["city_state_postal"], row["country"]]
        if not any(parts):
            out.add(
                "rejects",
                kind="address",
                file=addresses,
                locator=locator,
                reason="address record carries no address (all fields -0-)",
                raw=str(row),
            )
            continue
        out.add(
            "addresses",
            entity_id=entity_id(source, row["ent_num"]),
            full_address=", ".join(p for p in parts if p),
            street=row["address"],
            city=row["city_state_postal"],
            country_code=resolve(row["country"]),
            country_raw=row["country"],
            note=row["add_remarks"],
            origin=addresses,
        )

    for number, row in enumerate(alt.iter_rows(named=True), start=1):
        locator = f"record {number}"
        name_type = ALIAS_TYPES.get(row["alt_type"] or "")
        if row["ent_num"] not in known:
            out.add(
                "rejects",
                kind="name",
                file=aliases,
                locator=locator,
                reason=f"ent_num {row['ent_num']} not in {primary}",
                raw=str(row),
            )
        elif name_type is None or not row["alt_name"]:
            reason = (
                f"unknown alt_type {row['alt_type']!r}" if name_type is None else "empty alt_name"
            )
            out.add(
                "rejects", kind="name", file=aliases, locator=locator, reason=reason, raw=str(row)
            )
            out.unknowns.append(Unknown(aliases, locator, "alt_type", str(row["alt_type"])))
        else:
            eid = entity_id(source, row["ent_num"])
            out.add(
                "names", entity_id=eid, name=row["alt_name"], name_type=name_type, origin=aliases
            )
            if row["alt_remarks"]:
                out.add(
                    "attributes",
                    entity_id=eid,
                    attribute="alias_remark",
                    value=f"{row['alt_name']}: {row['alt_remarks']}",
                    origin="remarks",
                )

    staged = {"primary": main, "addresses": add, "aliases": alt, "comments": com}
    return ParseResult(
        source=source,
        tables=resolve_links(fold_remark_repeats(out.tables())),
        staged=staged,
        unknowns=out.unknowns,
        entry_count=main.height,
        file_rows={
            name: df.height for name, df in ((addresses, add), (aliases, alt)) if name in files
        },
        format="csv",
    )
