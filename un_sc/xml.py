"""Reader of the UN Security Council Consolidated List XML (`consolidated.xml`).

One tight pass over the tree turns it into columns (`un_sc.mapping.Flat`): one per scalar
element of an entry, one per field of each kind of child record, one row per VALUE;
`parse_consolidated` then maps those columns to canonical tables (`un_sc.mapping`,
`un_sc.records`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice

import polars as pl
from lxml import etree

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.xmlsafe import parse_xml
from schemas.un_sc import STAGED_SCHEMAS
from un_sc.constants import (
    CONTAINERS,
    ENTITY_TYPES,
    FILE_NAME,
    GROUPS,
    ROOT_ATTRIBUTES,
    SCALARS,
    SOURCE,
    STRUCTS,
    VALUE_LISTS,
)
from un_sc.mapping import (
    Build,
    Flat,
    all_text,
    entity_rows,
    generated,
    struct_records,
    take_entries,
    value_lists,
    value_text,
)
from un_sc.records import (
    map_addresses,
    map_aliases,
    map_dates_of_birth,
    map_documents,
    map_places_of_birth,
)

# Elements below a leaf (root/container/entry/child/leaf/…): the format has none.
NESTED = etree.XPath("*/*/*/*/*")

# --- flattening -----------------------------------------------------------------------------


@dataclass
class _Family:
    """Records of one staged table while flattening: each field kept as (row, text) pairs."""

    entries: list[int] = field(default_factory=list)
    gids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    fields: dict[str, tuple[list[int], list[str]]] = field(default_factory=dict)

    def frame(self) -> pl.DataFrame:
        n = len(self.entries)
        columns: dict[str, list[str | None]] = {}
        for name, (rows, texts) in self.fields.items():
            column: list[str | None] = [None] * n
            for row, text in zip(rows, texts, strict=True):
                column[row] = text
            columns[name] = column
        return pl.DataFrame(
            {"gid": self.gids, "entry": self.entries, "group": self.tags, **columns},
            schema={"gid": pl.Int64, "entry": pl.Int64, "group": pl.String}
            | dict.fromkeys(columns, pl.String),
        )


def _flatten(root: etree._Element, unknowns: list[Unknown]) -> Flat:
    """One pass over the tree into columns: appends and dict look-ups only."""
    containers = {child.tag: child for child in root if child.tag in CONTAINERS}
    for missing in sorted(set(CONTAINERS) - set(containers)):
        raise SourceFormatError(FILE_NAME, "CONSOLIDATED_LIST", f"no {missing} element")
    for child in root:
        if child.tag not in CONTAINERS:
            where, what = f"line {child.sourceline}", f"element CONSOLIDATED_LIST/{child.tag}"
            unknowns.append(Unknown(FILE_NAME, where, what, all_text(child)))
    kinds: list[str] = []
    lines: list[int] = []
    elements: list[etree._Element] = []
    groups: list[etree._Element] = []
    size = sum(len(c) for c in containers.values())
    scalars: dict[str, list[str | None]] = {tag: [None] * size for tag in SCALARS}
    value_entries: list[int] = []
    value_groups: list[str] = []
    value_texts: list[str | None] = []
    others: list[tuple[int, str | None, str, str | None]] = []
    repeats: list[tuple[int, str, str]] = []
    families: dict[str, _Family] = {}
    for table, fields in STRUCTS.values():
        families.setdefault(table, _Family(fields={f: ([], []) for f in fields}))
    family_of = {group: families[table] for group, (table, _) in STRUCTS.items()}
    # Elements below a leaf are rare (`NESTED`); without them an entry's children and their
    # leaves are read off one iterator over the entry's subtree, a child's leaves being the
    # next `len(child)` elements: one iterator per entry instead of one per child.
    deep = NESTED(root)
    for container, record in CONTAINERS.items():
        for el in containers[container]:
            if el.tag != record:
                where, what = f"line {el.sourceline}", f"element {container}/{el.tag}"
                unknowns.append(Unknown(FILE_NAME, where, what, all_text(el)))
                continue
            entry = len(kinds)
            kinds.append(record)
            lines.append(el.sourceline)
            elements.append(el)
            walk = el.iter()
            next(walk)  # the entry itself
            # The hot loop (about 40,000 elements): no per-record logic, that is done on columns.
            for child in el if deep else walk:
                tag = child.tag
                size = len(child)
                leaves = child if deep else islice(walk, size)
                column = scalars.get(tag)
                if column is not None:
                    text = child.text
                    if text:
                        text = text.strip()
                    if size:  # SUBMITTED_BY may be written as a list of VALUEs
                        text = value_text(child)
                        for _ in leaves:  # read above
                            pass
                    if text:
                        if column[entry] is not None:
                            repeats.append((entry, tag, text))
                            text = f"{column[entry]}; {text}"
                        column[entry] = text
                    continue
                family = family_of.get(tag)
                if family is not None:
                    if not size:
                        # `<INDIVIDUAL_DOCUMENT/>` is the UN's way of writing "none"
                        if child.text and child.text.strip():
                            others.append((entry, None, tag, child.text.strip()))
                        continue
                    row = len(family.entries)
                    family.entries.append(entry)
                    family.gids.append(len(groups))
                    family.tags.append(tag)
                    groups.append(child)
                    fields = family.fields
                    for leaf in leaves:
                        pair = fields.get(leaf.tag)
                        text = leaf.text
                        if text:
                            text = text.strip()
                        if pair is None:
                            others.append((entry, tag, leaf.tag, text or None))
                        elif text:
                            rows, texts = pair
                            if rows and rows[-1] == row:
                                repeats.append((entry, f"{tag}/{leaf.tag}", text))
                                texts[-1] = f"{texts[-1]}; {text}"
                            else:
                                rows.append(row)
                                texts.append(text)
                elif tag in VALUE_LISTS:
                    if not size and child.text and child.text.strip():
                        others.append((entry, None, tag, child.text.strip()))
                    for leaf in leaves:
                        text = leaf.text
                        if text:
                            text = text.strip() or None
                        if leaf.tag == "VALUE":
                            value_entries.append(entry)
                            value_groups.append(tag)
                            value_texts.append(text)
                        else:
                            others.append((entry, tag, leaf.tag, text))
                else:
                    others.append((entry, None, tag, all_text(child) or None))
                    for _ in leaves:  # read above
                        pass
    count = len(kinds)
    index = {el: i for i, el in enumerate(elements)} if deep else {}
    nested = [
        (index[el.getparent().getparent().getparent()], el)
        for el in deep
        if el.getparent().getparent().tag in GROUPS | set(SCALARS)
        and el.getparent().getparent().getparent() in index
    ]
    entries = pl.DataFrame(
        {
            "entry": range(count),
            "kind": kinds,
            "line": lines,
            **{t: c[:count] for t, c in scalars.items()},
        },
        schema={
            "entry": pl.Int64,
            "kind": pl.String,
            "line": pl.Int64,
            **dict.fromkeys(SCALARS, pl.String),
        },
    )
    structs = {table: family.frame() for table, family in families.items()}
    return Flat(
        entries=entries,
        structs=structs,
        values=pl.DataFrame(
            {"entry": value_entries, "group": value_groups, "text": value_texts},
            schema={"entry": pl.Int64, "group": pl.String, "text": pl.String},
        ),
        others=pl.DataFrame(
            others,
            schema={"entry": pl.Int64, "group": pl.String, "tag": pl.String, "text": pl.String},
            orient="row",
        ),
        repeats=pl.DataFrame(
            repeats,
            schema={"entry": pl.Int64, "tag": pl.String, "text": pl.String},
            orient="row",
        ),
        elements=elements,
        groups=groups,
        nested=nested,
    )


def parse_consolidated(data: bytes) -> ParseResult:
    """Parse the UN Security Council Consolidated List XML into canonical tables.

    Raises `SourceFormatError` for a payload that is not this list (empty, HTML, malformed or
    truncated XML, DOCTYPE/entities, wrong root, missing `dateGenerated` or containers) and for
    a `DATAID` that occurs twice (the UN promises it is unique).
    """
    root = parse_xml(FILE_NAME, data, dict.fromkeys(ENTITY_TYPES, "DATAID"))
    if root.tag != "CONSOLIDATED_LIST":
        raise SourceFormatError(
            FILE_NAME, "root element", f"expected CONSOLIDATED_LIST, found {root.tag}"
        )
    published = generated(root.get("dateGenerated"))
    if published is None:
        raise SourceFormatError(
            FILE_NAME,
            "CONSOLIDATED_LIST/@dateGenerated",
            f"missing or bad date {root.get('dateGenerated')!r}",
        )
    out = Build()
    for attr, value in root.attrib.items():
        if attr not in ROOT_ATTRIBUTES:
            out.unknowns.append(Unknown(FILE_NAME, "CONSOLIDATED_LIST", f"attribute {attr}", value))
    flat = _flatten(root, out.unknowns)
    taken = take_entries(out, flat)
    ids = taken.select("entry", "entity_id", "dataid", "line")
    entity_rows(out, taken, value_lists(out, flat, ids))
    records = struct_records(out, flat, ids)
    map_aliases(out, flat, records["aliases"])
    map_addresses(out, records["addresses"])
    map_dates_of_birth(out, records["dates_of_birth"])
    map_places_of_birth(out, records["places_of_birth"])
    map_documents(out, flat, records["documents"])
    return ParseResult(
        source=SOURCE,
        tables=out.tables(),
        staged={
            t: out.staged[t].select(pl.col(c).cast(d) for c, d in s.items())
            for t, s in STAGED_SCHEMAS.items()
        },
        unknowns=out.unknowns,
        entry_count=flat.entries.height,
        file_rows=dict(sorted(out.counts.items())),
        published_at=published,
        format="xml",
    )


def parse(files: Mapping[str, bytes]) -> ParseResult:
    """The `xml` format of `un_sc`: one file, `consolidated.xml`."""
    return parse_consolidated(files[FILE_NAME])
