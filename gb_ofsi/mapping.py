"""OFSI Consolidated List canonical mapping (shared by every layout): rows grouped by Group ID into parties, Other Information facts, conflicts and rejects."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

import polars as pl

from core.canonical import ParseResult, Unknown, entity_id
from gb_ofsi.constants import (
    ADDRESS_PARTS,
    CONSTANT,
    ENTITY_TYPES,
    HEADER_2022,
    KEYED,
    NAME_PARTS,
    QUALITIES,
    SOURCE,
    Layout,
)
from gb_ofsi.context import (
    _EID,
    _PHONE_LABEL,
    ATTRIBUTES,
    ID_FIELDS,
    OI_SCHEMAS,
    XML_ELEMENT,
    Extra,
    _Context,
    _normalize,
    _Out,
)
from gb_ofsi.fields import (
    _NON_DIGIT,
    OtherInfo,
    country_code,
    enumerated,
    parse_legacy_other_information,
    parse_other_information,
)
from gb_ofsi.party import _entities, _party_fields, _resolve_links
from schemas.canonical import imo_valid


def _oi_rows(
    info: OtherInfo, origin_of: Callable[[str], str], bad_imo: Callable[[str], None]
) -> Iterable[tuple[str, tuple[Any, ...]]]:
    """(table, row) for every labelled fact of a party, without the party's ID."""
    for key, values in info.fields.items():
        origin = origin_of(key)
        for value in values:
            if key in ("uk_sanctions_list_ref", "un_ref", "hull_identification_number"):
                id_type, label = ID_FIELDS[key]
                yield (
                    "identifiers",
                    (id_type, label, value, _normalize(id_type, value), None, origin),
                )
            elif key in ID_FIELDS:
                id_type, label = ID_FIELDS[key]
                for item in enumerated(value):
                    yield (
                        "identifiers",
                        (id_type, label, item, _normalize(id_type, item), None, origin),
                    )
            elif key == "phone_number":
                for item in enumerated(value):
                    pieces = _PHONE_LABEL.split(item)
                    labelled = [
                        ("Phone number", pieces[0]),
                        *zip(pieces[1::2], pieces[2::2], strict=True),
                    ]
                    for label, number in labelled:
                        for part in enumerated(number):
                            if any(ch.isdigit() for ch in part):
                                yield (
                                    "identifiers",
                                    ("phone", label, part, _normalize("phone", part), None, origin),
                                )
            elif key == "imo_number":
                for item in enumerated(value):
                    digits = _NON_DIGIT.sub("", item).lstrip("+")
                    if imo_valid(digits):
                        yield "identifiers", ("imo", "IMO number", item, digits, None, origin)
                    else:
                        bad_imo(item)
                        yield (
                            "identifiers",
                            (
                                "other",
                                "IMO number",
                                item,
                                digits or None,
                                "fails the IMO check digit",
                                origin,
                            ),
                        )
            elif key == "flag_of_ship":
                yield "countries", (country_code(value), value, "flag", origin)
            elif key in ("parent_company", "subsidiaries"):
                relation = "parent_company" if key == "parent_company" else "subsidiary"
                for item in enumerated(value):
                    yield "relationships", (item, relation, origin)
            else:
                yield "attributes", (ATTRIBUTES[key], value, origin)


def _other_information(ctx: _Context, df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Labelled facts, remarks and unreadable fragments of each party.

    Returns (group_id, remarks) and (group_id, unparsed_remarks) frames for the entities.
    """
    layout = ctx.layout
    free = layout.other_information == "free"
    reader = (
        parse_other_information
        if layout.other_information == "labelled"
        else parse_legacy_other_information
    )
    cols = ["other_information", *KEYED] if free else ["other_information"]
    pairs = (
        df.select("group_id", *cols)
        .filter(pl.any_horizontal(pl.col(cols).is_not_null()))
        .unique(maintain_order=True)
    )
    values = pairs.select(cols).unique(maintain_order=True).with_row_index("_k")
    pairs = pairs.join(
        values, on=cols, how="inner", nulls_equal=True, maintain_order="left"
    ).select("group_id", "_k")
    first = dict(
        pairs.unique("_k", keep="first", maintain_order=True).select("_k", "group_id").iter_rows()
    )
    file = layout.file
    origins = {key: f"{file}:{XML_ELEMENT[key] if free else 'Other Information'}" for key in KEYED}
    rows: dict[str, list[tuple[Any, ...]]] = {
        table: [] for table in (*OI_SCHEMAS, "remarks", "unparsed_remarks")
    }
    for k, text_, *keyed in values.iter_rows():
        gid = first[k]
        if free:
            info = OtherInfo(
                fields={key: [v] for key, v in zip(KEYED, keyed, strict=True) if v}, remarks=text_
            )
        else:
            info = reader(text_)
        for label in dict.fromkeys(info.unknown_labels):
            ctx.unknown(gid, "Other Information label", label)
        for fragment in info.unparsed:
            ctx.unknown(gid, "Other Information reference", fragment[:200])
            rows["unparsed_remarks"].append((k, fragment))
        if info.remarks:
            rows["remarks"].append((k, info.remarks))
        for table, row in _oi_rows(
            info, origins.__getitem__, lambda item, gid=gid: ctx.unknown(gid, "IMO number", item)
        ):
            rows[table].append((k, *row))
    by_party: dict[str, pl.DataFrame] = {}
    for table, table_rows in rows.items():
        schema = OI_SCHEMAS.get(table, {table: pl.String})
        mapping = pl.DataFrame(table_rows, schema={"_k": pl.UInt32, **schema}, orient="row")
        joined = pairs.join(mapping, on="_k", how="inner", maintain_order="left").with_columns(
            _EID.alias("from_entity_id" if table == "relationships" else "entity_id")
        )
        if table in OI_SCHEMAS:
            ctx.out.extend(table, joined.drop("_k", "group_id"))
        else:
            by_party[table] = joined.group_by("group_id", maintain_order=True).agg(
                pl.col(table)
                .unique(maintain_order=True)
                .str.join(" | " if table == "remarks" else "; ")
            )
    return by_party["remarks"], by_party["unparsed_remarks"]


def _row_json(row: Mapping[str, Any]) -> str:
    return json.dumps(
        {k: v for k, v in row.items() if v is not None and not k.startswith("_")},
        ensure_ascii=False,
    )


def _conflicts(ctx: _Context, df: pl.DataFrame, published: Iterable[str]) -> None:
    """Report party-level fields whose rows disagree (every value is still kept)."""
    cols = [c for c in CONSTANT if c in published]
    counts = df.group_by("group_id", maintain_order=True).agg(
        pl.col(c).drop_nulls().n_unique() for c in cols
    )
    flagged = counts.filter(pl.any_horizontal(pl.col(cols) > 1))
    for row in flagged.iter_rows(named=True):
        gid = row["group_id"]
        for col in cols:
            if row[col] > 1:
                values = (
                    df.filter(pl.col("group_id") == gid)
                    .get_column(col)
                    .drop_nulls()
                    .unique(maintain_order=True)
                    .to_list()
                )
                ctx.unknown(gid, f"conflicting {col}", " | ".join(values))


def build(
    layout: Layout, df: pl.DataFrame, unknowns: list[Unknown], extra: Iterable[Extra] = ()
) -> tuple[dict[str, pl.DataFrame], int, int]:
    """Group the rows of any layout into parties and build the canonical tables.

    Returns the tables, the number of parties, and the rows folded into an identical name row.

    Returns the tables and the number of parties (distinct Group IDs).
    """
    file = layout.file
    published = set(df.columns)
    missing = {*NAME_PARTS, *ADDRESS_PARTS, *KEYED, *CONSTANT, *HEADER_2022.values()} - published
    df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in sorted(missing))
    person = pl.col("_etype") == "person"
    df = df.with_columns(
        _name=pl.concat_str([pl.col(c) for c in NAME_PARTS], separator=" ", ignore_nulls=True),
        _given=pl.concat_str([pl.col(c) for c in NAME_PARTS[:5]], separator=" ", ignore_nulls=True),
        _ntype=pl.col("alias_type").replace_strict(
            dict(layout.alias_types), default=None, return_dtype=pl.String
        ),
        _quality=pl.col("alias_quality").replace_strict(
            QUALITIES, default=None, return_dtype=pl.String
        ),
        _etype=pl.col("group_type").replace_strict(
            ENTITY_TYPES, default=None, return_dtype=pl.String
        ),
    ).with_columns(
        _name=pl.when(pl.col("_name") != "").then(pl.col("_name")),
        _given=pl.when(person & (pl.col("_given") != "")).then(pl.col("_given")),
        _family=pl.when(person).then(pl.col("name_6")),
        _ok=(
            (pl.col("_name") != "")
            & pl.col("_ntype").is_not_null()
            & (pl.col("alias_quality").is_null() | pl.col("_quality").is_not_null())
        ).fill_null(False),
    )
    for column, known, what in (
        ("alias_type", layout.alias_types, "Alias Type"),
        ("alias_quality", QUALITIES, "Alias Quality"),
        ("group_type", ENTITY_TYPES, "Group Type"),
    ):
        odd = df.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(list(known))).unique(
            column, keep="first", maintain_order=True
        )
        for number, value in odd.select("row", column).iter_rows():
            unknowns.append(Unknown(file, f"{layout.unit} {number}", what, value))

    groups = (
        df.group_by("group_id", maintain_order=True)
        .agg(
            first_row=pl.col("row").first(),
            rows=pl.col("row"),
            types=pl.col("group_type").drop_nulls().unique(maintain_order=True),
            etype=pl.col("_etype").drop_nulls().first(),
            usable=pl.col("_ok").sum(),
            primary=pl.coalesce(
                pl.col("_name").filter(pl.col("_ok") & (pl.col("_ntype") == "primary")).first(),
                pl.col("_name").filter(pl.col("_ok")).first(),
            ),
        )
        .with_columns(reason=_reject_reason())
    )
    ctx = _Context(
        layout, _Out(), unknowns, dict(zip(groups["group_id"], groups["first_row"], strict=True))
    )
    _reject_groups(ctx, df, groups.filter(pl.col("reason").is_not_null()))
    accepted = groups.filter(pl.col("reason").is_null())
    df = df.filter(pl.col("group_id").is_in(accepted["group_id"].implode()))

    named = df.filter(pl.col("_ok")).select(
        entity_id=_EID,
        name=pl.col("_name"),
        name_type=pl.col("_ntype"),
        quality=pl.col("_quality"),
        given_name=pl.col("_given"),
        family_name=pl.col("_family"),
        origin=pl.lit(file),
    )
    # OFSI writes names × dates of birth × addresses × regimes: the same name variant recurs
    # on several rows. Each distinct variant is kept once; the folded rows are counted.
    names = named.unique(maintain_order=True)
    merged = named.height - names.height
    for row in df.filter(~pl.col("_ok")).iter_rows(named=True):
        if row["_name"] is None:
            reason = "no name in Name 1-6"
        elif row["_ntype"] is None:
            reason = f"unknown Alias Type {row['alias_type']!r}"
        else:
            reason = f"unknown Alias Quality {row['alias_quality']!r}"
        ctx.out.add(
            "rejects",
            kind="name",
            file=file,
            locator=f"{layout.unit} {row['row']}",
            reason=reason,
            raw=_row_json(row),
        )

    _party_fields(ctx, df)
    remarks, unparsed = _other_information(ctx, df)
    for gid, _number, tag, value in extra:
        if gid in ctx.first_rows and value:
            ctx.out.add(
                "attributes",
                entity_id=entity_id(SOURCE, gid),
                attribute=tag,
                value=value,
                origin=f"{file}:{tag}",
            )
    _conflicts(ctx, df, published)
    entities = _entities(ctx, df, accepted, remarks, unparsed)

    tables = ctx.out.tables()
    tables["entities"] = entities
    tables["names"] = (
        pl.concat([names, tables["names"]], how="diagonal_relaxed") if "names" in tables else names
    )
    tables["relationships"] = _resolve_links(tables.get("relationships"), entities)
    return tables, groups.height, merged


def _reject_reason() -> pl.Expr:
    """Why a group of rows cannot be one party (null when it can)."""
    types = pl.col("types")
    return (
        pl.when(types.list.len() == 0)
        .then(pl.lit("no Group Type"))
        .when(types.list.len() > 1)
        .then(pl.lit("conflicting Group Type: ") + types.list.join(", "))
        .when(pl.col("etype").is_null())
        .then(pl.lit("unknown Group Type: ") + types.list.first())
        .when(pl.col("usable") == 0)
        .then(pl.lit("no row with a usable name"))
    )


def _reject_groups(ctx: _Context, df: pl.DataFrame, rejected: pl.DataFrame) -> None:
    """A party that cannot be taken: one `entry` reject standing for its first row, one `row`
    reject for each further row, so the row accounting of the file still holds."""
    if not rejected.height:
        return
    file, unit = ctx.layout.file, ctx.layout.unit
    bad_rows = df.filter(pl.col("group_id").is_in(rejected["group_id"].implode()))
    for gid, reason, rows in rejected.select("group_id", "reason", "rows").iter_rows():
        if reason.startswith("conflicting"):
            ctx.unknown(gid, "conflicting Group Type", reason.split(": ", 1)[1])
        raws = [
            _row_json(r) for r in bad_rows.filter(pl.col("group_id") == gid).iter_rows(named=True)
        ]
        ctx.out.add(
            "rejects",
            kind="entry",
            file=file,
            locator=f"Group ID {gid} ({unit}s {', '.join(map(str, rows))})",
            reason=reason,
            raw="\n".join(raws),
        )
        for number, raw in zip(rows[1:], raws[1:], strict=True):
            ctx.out.add(
                "rejects",
                kind="row",
                file=file,
                locator=f"{unit} {number}",
                reason=f"row of Group ID {gid}, rejected as a whole ({reason})",
                raw=raw,
            )


def _result(
    layout: Layout,
    df: pl.DataFrame,
    unknowns: list[Unknown],
    published: date | None,
    extra: Iterable[Extra] = (),
) -> ParseResult:
    tables, parties, merged = build(layout, df, unknowns, extra)
    return ParseResult(
        source=SOURCE,
        tables=tables,
        staged={"rows": df},
        unknowns=unknowns,
        entry_count=parties,
        file_rows={layout.file: df.height},
        merged_rows={layout.file: merged},
        published_at=published,
        format=layout.format,
    )
