"""OFSI Consolidated List XML (2022 `ConList.xml`, `FinancialSanctionsTarget` rows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import polars as pl
from lxml import etree

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.xmlsafe import local
from core.xmlsafe import parse_xml as parse_xml_safely
from gb_ofsi.constants import XML, XML_FIELDS, XML_NAME, XML_ROOT, XML_TARGET
from gb_ofsi.mapping import _result
from gb_ofsi.read import _check_group_ids, _clean


def read_xml(
    name: str, data: bytes
) -> tuple[pl.DataFrame, list[Unknown], list[tuple[str, int, str, str]]]:
    """Read every `FinancialSanctionsTarget` into one row of internal columns.

    A target whose elements are exactly the known ones in the published order is read as one
    list; any other target is read element by element, and elements the parser does not know
    (or repeated ones) are returned as (group_id, target, tag, text) and reported.
    """
    root = parse_xml_safely(name, data, {XML_TARGET: "GroupID"})
    if local(root.tag) != XML_ROOT:
        raise SourceFormatError(
            name, "root element", f"expected {XML_ROOT}, found {local(root.tag)}"
        )
    ns = etree.QName(root).namespace
    prefix = f"{{{ns}}}" if ns else ""
    if not len(root):
        raise SourceFormatError(name, "root element", f"no {XML_TARGET} in the file")
    unknowns: list[Unknown] = []
    expected = [prefix + tag for tag in XML_FIELDS]
    rows: list[list[str | None]] = []
    extra: list[tuple[str, int, str, str]] = []
    for number, target in enumerate(root, start=1):
        if target.tag != prefix + XML_TARGET:
            raise SourceFormatError(
                name,
                f"line {target.sourceline}",
                f"unexpected element {local(target.tag)} (child {number} of the root)",
            )
        children = list(target)
        # OFSI writes every element of a target, in a fixed order (absent values as i:nil).
        if [child.tag for child in children] == expected:
            rows.append([child.text for child in children])
            continue
        cells: dict[str, str | None] = {}
        for child in children:
            tag = local(child.tag)
            value = (child.text or "").strip()
            if tag in XML_FIELDS and tag not in cells:
                cells[tag] = child.text
                continue
            gid = (target.findtext(prefix + "GroupID") or "").strip()
            extra.append((gid, number, tag, value))
            what = f"element {XML_TARGET}/{tag}" + (" (repeated)" if tag in cells else "")
            where = f"{XML_TARGET} {number} (line {child.sourceline})"
            unknowns.append(Unknown(name, where, what, value))
        rows.append([cells.get(tag) for tag in XML_FIELDS])
    df = pl.DataFrame(rows, schema=dict.fromkeys(XML_FIELDS.values(), pl.String), orient="row")
    df = _clean(df).with_columns(row=pl.int_range(1, len(rows) + 1, dtype=pl.Int64))
    _check_group_ids(name, df, XML_TARGET)
    return df, unknowns, extra


def parse_conlist_xml(name: str, data: bytes) -> ParseResult:
    """2022-format ConList.xml (`FinancialSanctionsTarget` rows) → canonical tables.

    The XML carries no publication date of its own (the fetcher's date is used).
    """
    df, unknowns, extra = read_xml(name, data)
    return _result(replace(XML, file=name), df, unknowns, None, extra)


def parse_xml(files: Mapping[str, bytes]) -> ParseResult:
    """Format `xml`: ConList.xml (2022 layout)."""
    return parse_conlist_xml(XML_NAME, files[XML_NAME])
