"""OFAC's two shared formats, used by both the SDN and the consolidated (non-SDN) list.

- Legacy CSV set: primary file (SDN.CSV / CONS_PRIM.CSV), addresses, aliases and the remarks
  continuation file. No header, `-0- ` for null, Ctrl-Z at the end, programs packed as
  `IRAN] [SDGT`, remarks cut at 1,000 characters and continued in the comments file.
- Classic XML (SDN.XML / CONSOLIDATED.XML): `sdnList` with `publshInformation` (sic) and one
  `sdnEntry` per party.

Both parsers are pure: bytes in, `ParseResult` out. Remarks are read by `assets.ofac_remarks`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import polars as pl
from lxml import etree

from assets.ofac_remarks import Remarks, parse_remarks
from core.canonical import ParseResult, Unknown, entity_id, frame
from core.countries import resolve
from core.dates import parse_fuzzy
from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from core.truncation import refuse_orphan_tail, require_declared_count, require_trailer
from core.xmlsafe import local, parse_xml, text

AUTHORITY = "US OFAC"
# OFAC's documented download endpoint (`api/download/{file}`; it redirects to a signed URL on
# the service's bucket), not the `PublicationPreview/exports` preview path.
BASE_URL = "https://sanctionslistservice.ofac.treas.gov/api/download/"
NULL = "-0-"
CTRL_Z = b"\x1a"

PRIMARY_COLUMNS = (
    "ent_num", "sdn_name", "sdn_type", "program", "title", "call_sign",
    "vess_type", "tonnage", "grt", "vess_flag", "vess_owner", "remarks",
)  # fmt: skip
ADDRESS_COLUMNS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")
ALIAS_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
COMMENT_COLUMNS = ("ent_num", "remarks")

ENTITY_TYPES = {
    "individual": "person",
    None: "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
XML_ENTITY_TYPES = {
    "Individual": "person",
    "Entity": "organization",
    "Vessel": "vessel",
    "Aircraft": "aircraft",
}
ALIAS_TYPES = {
    "aka": "alias",
    "fka": "fka",
    "nka": "nka",
    "a.k.a.": "alias",
    "f.k.a.": "fka",
    "n.k.a.": "nka",
}


# --- CSV -------------------------------------------------------------------------------------


def _locate_bad_record(text_: str, width: int) -> str:
    """Find the first record polars refused, with Python's strict CSV reader (error path only)."""
    reader = csv.reader(io.StringIO(text_), strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if record and len(record) != width:
                return f"record {number} (line {reader.line_num}) has {len(record)} fields, expected {width}"
    except csv.Error as exc:
        return f"record {number + 1} (line {reader.line_num}): {exc}"
    return "an unparseable record"


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


def _refuse_duplicates(name: str, df: pl.DataFrame, key: str) -> None:
    dupes = df.filter(pl.col(key).is_duplicated())
    if dupes.height:
        first = dupes[key][0]
        record = df.select((pl.col(key) == first).arg_true()).to_series().to_list()
        raise SourceFormatError(
            name, f"records {', '.join(str(r + 1) for r in record)}", f"duplicate {key} {first}"
        )


def _split_name(name: str, entity_type: str) -> tuple[str | None, str | None]:
    """OFAC writes individuals as `FAMILY, Given`; returns (given, family)."""
    if entity_type == "person" and ", " in name:
        family, given = name.split(", ", 1)
        return given, family
    return None, None


class _Rows:
    """Accumulates canonical rows per table while walking a source."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.unknowns: list[Unknown] = []

    def add(self, table: str, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def add_remarks(
        self, eid: str, etype: str, remarks: Remarks, origin: str = "remarks"
    ) -> str | None:
        for row in remarks.identifiers:
            self.add("identifiers", entity_id=eid, origin=origin, **_imo_kind(row, etype))
        for row in remarks.birth_dates:
            self.add("birth_dates", entity_id=eid, origin=origin, **row)
        for row in remarks.birth_places:
            self.add("birth_places", entity_id=eid, origin=origin, **row)
        for row in remarks.countries:
            self.add("countries", entity_id=eid, origin=origin, **row)
        for row in remarks.names:
            self.add("names", entity_id=eid, origin=origin, **row)
        for row in remarks.attributes:
            self.add("attributes", entity_id=eid, origin=origin, **row)
        for row in remarks.relationships:
            self.add("relationships", from_entity_id=eid, origin=origin, **row)
        return "; ".join(remarks.unparsed) or None

    def tables(self) -> dict[str, pl.DataFrame]:
        return {table: frame(table, rows) for table, rows in self.rows.items()}


def _imo_kind(row: dict[str, Any], etype: str) -> dict[str, Any]:
    """Keep `imo` for ship numbers that pass the check digit; say what the others are.

    OFAC writes company numbers as `Identification Number IMO …` too: on a party that is not a
    vessel the number is an IMO company/registered owner number, which has no ship check digit,
    so it is kept as a registration number. A vessel's number failing its check digit is kept
    as published under `other`, with the note, so `imo` rows can be trusted for matching.
    """
    if row.get("id_type") != "imo":
        return row
    note = row.get("note") or ""
    if etype != "vessel":
        extra = "" if "company" in note else "IMO company/registered owner number"
        return {**row, "id_type": "registration", "note": "; ".join(n for n in (note, extra) if n)}
    if "invalid check digit" in note:
        return {**row, "id_type": "other"}
    return row


def _resolve_links(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Fill `to_entity_id` where a `Linked To:` name is the primary name of exactly one party."""
    rel = tables.get("relationships")
    if rel is None or rel.height == 0:
        return tables
    names = (
        tables["entities"]
        .select(
            pl.col("primary_name").str.to_uppercase().alias("key"),
            pl.col("entity_id").alias("target"),
        )
        .filter(pl.col("key").is_unique())
    )
    rel = (
        rel.with_columns(key=pl.col("to_name").str.to_uppercase().str.strip_chars(" ."))
        .join(names, on="key", how="left")
        .with_columns(to_entity_id=pl.coalesce("to_entity_id", "target"))
        .drop("key", "target")
    )
    return {**tables, "relationships": rel}


# What makes two rows of a table the same fact, compared without case and a closing period
# (every column that carries content: a remarks row that adds a note or a country is kept).
_FACT_KEYS = {
    "attributes": ("attribute", "value"),
    "identifiers": ("id_type", "normalized", "country_code", "note"),
    "countries": ("relation", "raw"),
}


def _fold_remark_repeats(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Keep once a fact the remarks repeat from a column of their own record.

    OFAC writes some facts both in a column and in the remarks (the SDN title
    `Lieutenant General, Minister of Defense` in the Title column and again as a remarks
    fragment): the column's row stands, the remarks' identical row is folded into it.
    """
    out = dict(tables)
    for table, columns in _FACT_KEYS.items():
        df = tables.get(table)
        if df is None or df.height == 0:
            continue
        key = [
            pl.col(c).cast(pl.String).str.to_lowercase().str.strip_chars(" .").alias(f"_{c}")
            for c in columns
        ]
        keyed = df.with_columns(key)
        names = ["entity_id", *(f"_{c}" for c in columns)]
        stated = keyed.filter(pl.col("origin") != "remarks").select(names).unique()
        repeated = (pl.col("origin") == "remarks") & pl.struct(names).is_in(
            stated.select(pl.struct(names)).to_series().implode()
        )
        out[table] = keyed.filter(~repeated).drop(f"_{c}" for c in columns)
    return out


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
    _refuse_duplicates(primary, main, "ent_num")
    add = _optional(files, addresses, ADDRESS_COLUMNS)
    alt = _optional(files, aliases, ALIAS_COLUMNS)
    com = _optional(files, comments, COMMENT_COLUMNS)
    if comments in files:
        _refuse_duplicates(comments, com, "ent_num")
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
    out = _Rows()

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
        given, family = _split_name(row["sdn_name"], etype)
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
        tables=_resolve_links(_fold_remark_repeats(out.tables())),
        staged=staged,
        unknowns=out.unknowns,
        entry_count=main.height,
        file_rows={
            name: df.height for name, df in ((addresses, add), (aliases, alt)) if name in files
        },
        format="csv",
    )


# --- XML -------------------------------------------------------------------------------------

ENTRY_FIELDS = {
    "uid", "firstName", "lastName", "title", "sdnType", "remarks", "programList", "idList",
    "akaList", "addressList", "nationalityList", "citizenshipList", "dateOfBirthList",
    "placeOfBirthList", "vesselInfo",
}  # fmt: skip
VESSEL_FIELDS = {
    "callSign": None, "vesselType": "vessel_type", "vesselFlag": None, "vesselOwner": "vessel_owner",
    "tonnage": "vessel_tonnage", "grossRegisteredTonnage": "vessel_grt",
}  # fmt: skip
ADDRESS_FIELDS = {
    "uid",
    "address1",
    "address2",
    "address3",
    "city",
    "stateOrProvince",
    "postalCode",
    "country",
}
ID_FIELDS = {"uid", "idType", "idNumber", "idCountry", "issueDate", "expirationDate"}
AKA_FIELDS = {"uid", "type", "category", "lastName", "firstName"}


def _children(el: etree._Element) -> dict[str, etree._Element]:
    return {local(child.tag): child for child in el}


def _report_unknown(
    out: _Rows, name: str, locator: str, el: etree._Element, known: set[str] | dict[str, Any]
) -> None:
    for child in el:
        tag = local(child.tag)
        if tag not in known:
            out.unknowns.append(
                Unknown(name, locator, f"element {local(el.tag)}/{tag}", text(child) or "")
            )


def _person_name(last: str | None, first: str | None) -> str | None:
    if last and first:
        return f"{last}, {first}"
    return last or first


def _xml_entry(
    out: _Rows, name: str, source: str, entry: etree._Element, number: int
) -> str | None:
    fields = _children(entry)
    uid = text(fields.get("uid"))
    locator = f"sdnEntry {number} (uid {uid})"
    _report_unknown(out, name, locator, entry, ENTRY_FIELDS)
    etype = XML_ENTITY_TYPES.get(text(fields.get("sdnType")) or "")
    primary = _person_name(text(fields.get("lastName")), text(fields.get("firstName")))
    raw = etree.tostring(entry, encoding="unicode")[:2000]
    if uid is None or not uid.isdigit():
        out.add(
            "rejects",
            kind="entry",
            file=name,
            locator=locator,
            reason="missing or non-numeric uid",
            raw=raw,
        )
        return None
    if etype is None or not primary:
        reason = f"unknown sdnType {text(fields.get('sdnType'))!r}" if etype is None else "no name"
        out.add("rejects", kind="entry", file=name, locator=locator, reason=reason, raw=raw)
        return uid
    eid = entity_id(source, uid)
    remark_text = text(fields.get("remarks"))
    unparsed = out.add_remarks(eid, etype, parse_remarks(remark_text))
    given = text(fields.get("firstName")) if etype == "person" else None
    family = text(fields.get("lastName")) if etype == "person" and given else None
    out.add(
        "names",
        entity_id=eid,
        name=primary,
        name_type="primary",
        given_name=given,
        family_name=family,
        origin=name,
    )
    if (title := text(fields.get("title"))) is not None:
        out.add("attributes", entity_id=eid, attribute="title", value=title, origin=name)
    for program in fields.get("programList", []):
        if value := text(program):
            out.add("sanctions", entity_id=eid, authority=AUTHORITY, program=value, origin=name)
    for aka in fields.get("akaList", []):
        parts = _children(aka)
        _report_unknown(out, name, f"{locator} aka", aka, AKA_FIELDS)
        alias = _person_name(text(parts.get("lastName")), text(parts.get("firstName")))
        kind = ALIAS_TYPES.get(text(parts.get("type")) or "")
        if alias and kind:
            quality = text(parts.get("category"))
            out.add(
                "names",
                entity_id=eid,
                name=alias,
                name_type=kind,
                quality=quality,
                given_name=text(parts.get("firstName")),
                family_name=text(parts.get("lastName")) if text(parts.get("firstName")) else None,
                origin=name,
            )
        else:
            out.add(
                "rejects",
                kind="name",
                file=name,
                locator=f"{locator} aka",
                reason="alias without name or with unknown type",
                raw=etree.tostring(aka, encoding="unicode"),
            )
    for item in fields.get("idList", []):
        parts = _children(item)
        _report_unknown(out, name, f"{locator} id", item, ID_FIELDS)
        fragment = f"{text(parts.get('idType')) or ''} {text(parts.get('idNumber')) or ''}".strip()
        if country := text(parts.get("idCountry")):
            fragment += f" ({country})"
        if issued := text(parts.get("issueDate")):
            fragment += f" issued {issued}"
        if expires := text(parts.get("expirationDate")):
            fragment += f" expires {expires}"
        parsed = parse_remarks(fragment)
        leftover = out.add_remarks(eid, etype, parsed, origin=name)
        if leftover:
            unparsed = f"{unparsed}; {leftover}" if unparsed else leftover
            out.unknowns.append(
                Unknown(name, f"{locator} id", "idType", text(parts.get("idType")) or "")
            )
    for item in fields.get("addressList", []):
        parts = _children(item)
        _report_unknown(out, name, f"{locator} address", item, ADDRESS_FIELDS)
        street = ", ".join(
            v for k in ("address1", "address2", "address3") if (v := text(parts.get(k)))
        )
        country = text(parts.get("country"))
        pieces = [
            street,
            text(parts.get("city")),
            text(parts.get("stateOrProvince")),
            text(parts.get("postalCode")),
            country,
        ]
        out.add(
            "addresses",
            entity_id=eid,
            full_address=", ".join(p for p in pieces if p) or None,
            street=street or None,
            city=text(parts.get("city")),
            region=text(parts.get("stateOrProvince")),
            postal_code=text(parts.get("postalCode")),
            country_code=resolve(country),
            country_raw=country,
            origin=name,
        )
    for list_name, relation in (
        ("nationalityList", "nationality"),
        ("citizenshipList", "citizenship"),
    ):
        for item in fields.get(list_name, []):
            country = text(_children(item).get("country"))
            if country:
                out.add(
                    "countries",
                    entity_id=eid,
                    country_code=resolve(country),
                    raw=country,
                    relation=relation,
                    origin=name,
                )
    for item in fields.get("dateOfBirthList", []):
        raw_date = text(_children(item).get("dateOfBirth"))
        parsed_date = parse_fuzzy(raw_date) if raw_date else None
        if parsed_date:
            out.add("birth_dates", entity_id=eid, origin=name, **parsed_date.as_row())
        else:
            out.unknowns.append(
                Unknown(name, f"{locator} dateOfBirth", "date format", raw_date or "")
            )
            unparsed = "; ".join(p for p in (unparsed, f"DOB {raw_date}") if p)
    for item in fields.get("placeOfBirthList", []):
        place = text(_children(item).get("placeOfBirth"))
        if place:
            out.add(
                "birth_places",
                entity_id=eid,
                place=place,
                country_code=resolve(place.rsplit(",", 1)[-1]),
                origin=name,
            )
    if (vessel := fields.get("vesselInfo")) is not None:
        parts = _children(vessel)
        _report_unknown(out, name, f"{locator} vesselInfo", vessel, VESSEL_FIELDS)
        for tag, attribute in VESSEL_FIELDS.items():
            value = text(parts.get(tag))
            if value and attribute:
                out.add("attributes", entity_id=eid, attribute=attribute, value=value, origin=name)
        if call_sign := text(parts.get("callSign")):
            out.add(
                "identifiers",
                entity_id=eid,
                id_type="call_sign",
                label="Call Sign",
                value=call_sign,
                normalized=call_sign.upper(),
                origin=name,
            )
        if flag := text(parts.get("vesselFlag")):
            out.add(
                "countries",
                entity_id=eid,
                country_code=resolve(flag),
                raw=flag,
                relation="flag",
                origin=name,
            )
    out.add(
        "entities",
        entity_id=eid,
        source_id=uid,
        entity_type=etype,
        primary_name=primary,
        remarks=remark_text,
        unparsed_remarks=unparsed,
    )
    return uid


def parse_xml_file(name: str, data: bytes, source: str) -> ParseResult:
    """Parse an OFAC classic XML file (`sdnList`) into canonical tables."""
    root = parse_xml(name, data, {"sdnEntry": "uid"})
    if local(root.tag) != "sdnList":
        raise SourceFormatError(name, "root element", f"expected sdnList, found {local(root.tag)}")
    out = _Rows()
    published = declared = None
    uids: dict[str, int] = {}
    staged: list[dict[str, Any]] = []
    number = 0
    uid: str | None = None
    for child in root:
        tag = local(child.tag)
        if tag == "publshInformation":
            info = _children(child)
            raw_date = text(info.get("Publish_Date"))
            try:
                published = datetime.strptime(raw_date or "", "%m/%d/%Y").date()
            except ValueError as exc:
                raise SourceFormatError(
                    name, "publshInformation/Publish_Date", f"bad date {raw_date!r}"
                ) from exc
            count = text(info.get("Record_Count"))
            declared = int(count) if count and count.isdigit() else None
        elif tag == "sdnEntry":
            number += 1
            uid = _xml_entry(out, name, source, child, number)
            if uid is not None:
                if uid in uids:
                    raise SourceFormatError(
                        name, f"sdnEntry {number} and {uids[uid]}", f"duplicate uid {uid}"
                    )
                uids[uid] = number
            fields = _children(child)
            staged.append(
                {
                    "uid": int(uid) if uid and uid.isdigit() else None,
                    "sdn_type": text(fields.get("sdnType")),
                    "last_name": text(fields.get("lastName")),
                    "first_name": text(fields.get("firstName")),
                    "programs": "; ".join(
                        t for p in fields.get("programList", []) if (t := text(p))
                    ),
                }
            )
        else:
            out.unknowns.append(Unknown(name, f"sdnList/{tag}", "element", text(child) or ""))
    require_declared_count(
        name, "publshInformation/Record_Count", declared, number, f"sdnEntry {number} (uid {uid})"
    )
    staged_entries = pl.DataFrame(
        staged,
        schema={
            "uid": pl.Int64,
            "sdn_type": pl.String,
            "last_name": pl.String,
            "first_name": pl.String,
            "programs": pl.String,
        },
    )
    return ParseResult(
        source=source,
        tables=_resolve_links(_fold_remark_repeats(out.tables())),
        staged={"xml_entries": staged_entries},
        unknowns=out.unknowns,
        entry_count=number,
        declared_count=declared,
        published_at=published,
        format="xml",
    )
