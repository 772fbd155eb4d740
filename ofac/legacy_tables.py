"""The legacy CSV set's canonical tables, built from whole columns (`ofac.legacy_csv` reads).

Each table is the rows a record-by-record walk would add, in the same order: for every party
of the primary file in turn, its remarks' rows (`ofac.remarks_frame`) and then the rows of its
own columns (primary name, programs, title, call sign, vessel columns, flag); then the
addresses and the aliases files in their order. Order is kept by sorting on
(record, part, fragment) keys instead of appending to lists. Rejected records and unknown
codes are few; their `raw` text and report lines are built in Python.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from core.canonical import Unknown, conform
from core.countries import resolve
from ofac.constants import ALIAS_TYPES, AUTHORITY, ENTITY_TYPES
from ofac.remarks_frame import read_remarks

_REJECT = {"kind": pl.String, "file": pl.String, "locator": pl.String, "reason": pl.String, "raw": pl.String}  # fmt: skip
_VESSEL_COLUMNS = (
    ("vess_type", "vessel_type"),
    ("tonnage", "vessel_tonnage"),
    ("grt", "vessel_grt"),
    ("vess_owner", "vessel_owner"),
)


def _given(column: str) -> pl.Expr:
    """A field that is there: not null and not empty (the walk's `if row[column]`)."""
    return pl.col(column).is_not_null() & (pl.col(column) != "")


def _resolved(column: pl.Series) -> dict[str, Any]:
    return {v: resolve(v) for v in column.drop_nulls().unique().to_list()}


def _country_of(column: str, values: pl.Series) -> pl.Expr:
    return pl.col(column).replace_strict(_resolved(values), default=None, return_dtype=pl.String)


def _rejects(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=_REJECT)


# Text Python's `repr` writes between single quotes as is: printable ASCII without a backslash
# or a quote (a text holding `'` but no `"` is written between double quotes).
_PLAIN_REPR = r"^[\x20-\x7e]*$"


def python_repr(df: pl.DataFrame) -> pl.Series:
    """`str(row)` of each row as a dict, Python's `repr` of a record kept in `rejects.raw`.

    Built by polars for integer and plain-text cells; a row holding any other text (escapes,
    non-ASCII, both quotes) is written by Python itself.
    """
    parts, hard = [], []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype == pl.String:
            single = col.str.contains("'", literal=True)
            double = col.str.contains('"', literal=True)
            plain = col.str.contains(_PLAIN_REPR) & ~col.str.contains("\\", literal=True)
            hard.append(col.is_not_null() & ~(plain & ~(single & double)))
            quote = pl.when(single).then(pl.lit('"')).otherwise(pl.lit("'"))
            value = (
                pl.when(col.is_null())
                .then(pl.lit("None"))
                .otherwise(pl.concat_str(quote, col, quote))
            )
        elif dtype.is_integer():
            value = col.cast(pl.String).fill_null("None")
        else:
            return pl.Series([str(row) for row in df.iter_rows(named=True)], dtype=pl.String)
        parts.append(pl.concat_str(pl.lit(f"{name!r}: "), value))
    done = df.select(
        raw=pl.concat_str(pl.lit("{"), pl.concat_str(parts, separator=", "), pl.lit("}")),
        hard=pl.any_horizontal(hard) if hard else pl.lit(False),
    )
    raw, at = done["raw"], done["hard"].arg_true()
    if at.len():
        slow = [str(row) for row in df[at].iter_rows(named=True)]
        raw = raw.scatter(at, pl.Series(slow, dtype=pl.String))
    return raw


def imo_kinds(df: pl.DataFrame) -> pl.DataFrame:
    """`ofac.rows.imo_kind` on a column of identifiers with their party's `etype`."""
    imo = pl.col("id_type") == "imo"
    note = pl.col("note").fill_null("")
    vessel = pl.col("etype") == "vessel"
    company_note = (
        pl.when(note.str.contains("company", literal=True))
        .then(note)
        .otherwise(
            pl.concat_str(
                [pl.when(note != "").then(note), pl.lit("IMO company/registered owner number")],
                separator="; ",
                ignore_nulls=True,
            )
        )
    )
    return df.with_columns(
        id_type=pl.when(imo & ~vessel)
        .then(pl.lit("registration"))
        .when(imo & note.str.contains("invalid check digit", literal=True))
        .then(pl.lit("other"))
        .otherwise(pl.col("id_type")),
        note=pl.when(imo & ~vessel).then(company_note).otherwise(pl.col("note")),
    )


def build_tables(
    source: str,
    names: tuple[str, str, str, str | None],
    main: pl.DataFrame,
    add: pl.DataFrame,
    alt: pl.DataFrame,
    com: pl.DataFrame,
) -> tuple[dict[str, pl.DataFrame], list[Unknown]]:
    """Canonical tables and unknowns of a read CSV set (primary, addresses, aliases, comments)."""
    primary, addresses, aliases, comments = names
    known = main["ent_num"].implode()
    known_set = set(main["ent_num"].to_list())
    eid = pl.concat_str([pl.lit(f"{source}-"), pl.col("ent_num").cast(pl.String)])
    rejects: list[pl.DataFrame] = []
    unknowns: list[tuple[int, int, Unknown]] = []

    orphans = com.with_row_index("n").filter(~pl.col("ent_num").is_in(known))
    rejects.append(
        orphans.select(
            kind=pl.lit("remark"),
            file=pl.lit(comments),
            locator=pl.format("record {}", pl.col("n") + 1),
            reason=pl.format("ent_num {} not in {}", "ent_num", pl.lit(primary)),
            raw="remarks",
        )
    )

    # --- the primary file ---------------------------------------------------------------------
    # the remarks continued in the comments file (a few hundred parties): joined to their start
    # for those rows only
    continuation = main["ent_num"].replace_strict(
        com["ent_num"], com["remarks"], default=None, return_dtype=pl.String
    )
    at = (continuation.is_not_null() & (continuation != "")).arg_true()
    text = main["remarks"].clone()
    if at.len():
        joined = main["remarks"].gather(at).fill_null("") + continuation.gather(at)
        text = text.scatter(at, joined)
    typed = {k: v for k, v in ENTITY_TYPES.items() if k is not None}
    parties = main.with_row_index("row").with_columns(
        pl.col("row").cast(pl.Int64),
        etype=pl.when(pl.col("sdn_type").is_null())
        .then(pl.lit(ENTITY_TYPES[None]))
        .otherwise(pl.col("sdn_type").replace_strict(typed, default=None)),
        text=text,
        entity_id=eid,
    )
    valid = pl.col("etype").is_not_null() & _given("sdn_name")
    bad = []
    for row in parties.filter(~valid).select("row", "etype", *main.columns).iter_rows(named=True):
        number, etype = row.pop("row") + 1, row.pop("etype")
        if etype is None:
            reason = f"unknown SDN_Type {row['sdn_type']!r}"
            what = Unknown(primary, f"record {number}", "SDN_Type", str(row["sdn_type"]))
            unknowns.append((number, -1, what))
        else:
            reason = "no name"
        bad.append(dict(kind="entry", file=primary, locator=f"record {number}", reason=reason, raw=str(row)))  # fmt: skip
    rejects.append(_rejects(bad))
    parties = parties.filter(valid)

    remark_rows, unparsed = read_remarks(parties.select("row", "text"))
    for row, _, fragment in unparsed.iter_rows():
        what = Unknown(primary, f"record {row + 1} remarks", "remark fragment", fragment)
        unknowns.append((row + 1, 0, what))
    # each remarks row takes its party's id and type: `row` numbers the primary file's records,
    # so the look-up is a gather from arrays over those numbers
    at = parties["row"]
    party = pl.DataFrame(
        {
            column: pl.repeat(None, main.height, dtype=pl.String, eager=True).scatter(
                at, parties[column]
            )
            for column in ("entity_id", "etype")
        }
    )
    remarks = {
        table: pl.concat([df, party[df["row"]]], how="horizontal").with_columns(
            part=pl.lit(0), origin=pl.lit("remarks")
        )
        for table, df in remark_rows.items()
    }
    remarks["identifiers"] = imo_kinds(remarks["identifiers"])
    left = unparsed.group_by("row", maintain_order=True).agg(
        unparsed_remarks=pl.col("fragment").str.join("; ")
    )

    tables: dict[str, list[pl.DataFrame]] = {}

    def put(table: str, df: pl.DataFrame) -> None:
        tables.setdefault(table, []).append(df)

    put(
        "entities",
        parties.join(left, on="row", how="left", maintain_order="left").select(
            "entity_id",
            source_id=pl.col("ent_num").cast(pl.String),
            entity_type="etype",
            primary_name="sdn_name",
            remarks="text",
            unparsed_remarks="unparsed_remarks",
        ),
    )
    person = (pl.col("etype") == "person") & pl.col("sdn_name").str.contains(", ", literal=True)
    split = pl.col("sdn_name").str.splitn(", ", 2)
    own_names = parties.select(
        "row", "entity_id",
        name="sdn_name", name_type=pl.lit("primary"),
        given_name=pl.when(person).then(split.struct.field("field_1")),
        family_name=pl.when(person).then(split.struct.field("field_0")),
        origin=pl.lit(primary), part=pl.lit(1), seq=pl.lit(0, pl.Int64),
    )  # fmt: skip
    put("names", _ordered(remarks["names"], own_names))
    put(
        "sanctions",
        parties.select(
            "entity_id",
            program=pl.col("program").fill_null("").str.strip_chars("[] ").str.split("] ["),
        )
        .explode("program")
        .filter(pl.col("program") != "")
        .with_columns(authority=pl.lit(AUTHORITY), origin=pl.lit(primary)),
    )
    # the primary file's own columns, without the long texts the filters below would copy
    own = parties.select(
        "row", "entity_id", "title", "call_sign", "vess_flag", *(c for c, _ in _VESSEL_COLUMNS)
    )
    columns = [
        own.filter(_given(column)).select(
            "row", "entity_id", attribute=pl.lit(attribute), value=column,
            origin=pl.lit(primary), part=pl.lit(part), seq=pl.lit(0, pl.Int64),
        )
        for part, (column, attribute) in enumerate((("title", "title"), *_VESSEL_COLUMNS), 1)
    ]  # fmt: skip
    put("attributes", _ordered(remarks["attributes"], *columns))
    call_signs = own.filter(_given("call_sign")).select(
        "row", "entity_id", id_type=pl.lit("call_sign"), label=pl.lit("Call Sign"),
        value="call_sign", normalized=pl.col("call_sign").str.to_uppercase(),
        origin=pl.lit(primary), part=pl.lit(1), seq=pl.lit(0, pl.Int64),
    )  # fmt: skip
    put("identifiers", _ordered(remarks["identifiers"], call_signs))
    flags = own.filter(_given("vess_flag")).select(
        "row", "entity_id",
        country_code=_country_of("vess_flag", own["vess_flag"]),
        raw="vess_flag", relation=pl.lit("flag"),
        origin=pl.lit(primary), part=pl.lit(1), seq=pl.lit(0, pl.Int64),
    )  # fmt: skip
    put("countries", _ordered(remarks["countries"], flags))
    for table in ("birth_dates", "birth_places"):
        put(table, _ordered(remarks[table]))
    put("relationships", _ordered(remarks["relationships"]).rename({"entity_id": "from_entity_id"}))

    # --- addresses ----------------------------------------------------------------------------
    parts = ("address", "city_state_postal", "country")
    orphan = ~pl.col("ent_num").is_in(known)
    empty = ~pl.any_horizontal(_given(c) for c in parts)
    # a few thousand records (SDN: 2,652 of 18,990, all empty), so built as columns
    bad = add.with_row_index("n").filter(orphan | empty)
    rejects.append(
        bad.select(
            kind=pl.lit("address"),
            file=pl.lit(addresses),
            locator=pl.format("record {}", pl.col("n") + 1),
            reason=pl.when(orphan)
            .then(pl.format("ent_num {} not in {}", "ent_num", pl.lit(primary)))
            .otherwise(pl.lit("address record carries no address (all fields -0-)")),
            raw=python_repr(bad.drop("n")),
        )
    )
    kept = add.filter(~orphan & ~empty)
    put(
        "addresses",
        kept.select(
            entity_id=eid,
            full_address=pl.concat_str(
                [pl.when(_given(c)).then(pl.col(c)) for c in parts],
                separator=", ",
                ignore_nulls=True,
            ),
            street="address",
            city="city_state_postal",
            country_code=_country_of("country", kept["country"]),
            country_raw="country",
            note="add_remarks",
            origin=pl.lit(addresses),
        ),
    )

    # --- aliases ------------------------------------------------------------------------------
    alt = alt.with_row_index("n").with_columns(
        name_type=pl.col("alt_type").fill_null("").replace_strict(ALIAS_TYPES, default=None)
    )
    orphan = ~pl.col("ent_num").is_in(known)
    unread = pl.col("name_type").is_null() | ~_given("alt_name")
    bad = []
    for row in alt.filter(orphan | unread).iter_rows(named=True):
        number, name_type = row.pop("n") + 1, row.pop("name_type")
        locator = f"record {number}"
        if row["ent_num"] not in known_set:
            reason = f"ent_num {row['ent_num']} not in {primary}"
        else:
            reason = (
                f"unknown alt_type {row['alt_type']!r}" if name_type is None else "empty alt_name"
            )
            unknowns.append((main.height + number, 0, Unknown(aliases, locator, "alt_type", str(row["alt_type"]))))  # fmt: skip
        bad.append(dict(kind="name", file=aliases, locator=locator, reason=reason, raw=str(row)))
    rejects.append(_rejects(bad))
    kept = alt.filter(~orphan & ~unread).with_columns(entity_id=eid)
    put("names", kept.select("entity_id", name="alt_name", name_type="name_type", origin=pl.lit(aliases)))  # fmt: skip
    put(
        "attributes",
        kept.filter(_given("alt_remarks")).select(
            "entity_id",
            attribute=pl.lit("alias_remark"),
            value=pl.format("{}: {}", "alt_name", "alt_remarks"),
            origin=pl.lit("remarks"),
        ),
    )
    put("rejects", pl.concat(rejects))

    out = {}
    for table, frames in tables.items():
        df = conform(table, pl.concat(frames, how="diagonal_relaxed"))
        if df.height:  # the walk made no frame for a table it added no row to
            out[table] = df
    return out, [u for _, _, u in sorted(unknowns, key=lambda x: x[:2])]


def _ordered(*frames: pl.DataFrame) -> pl.DataFrame:
    """Rows of one party together, remarks first (part 0), then its columns' rows, in order."""
    return (
        pl.concat(frames, how="diagonal_relaxed")
        .sort("row", "part", "seq", maintain_order=True)
        .drop("row", "part", "seq", "etype", strict=False)
    )
