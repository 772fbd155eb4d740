"""XML parsing that never resolves entities, never loads a DTD, never touches the network, and
names the last complete record when a document is cut short.

Official lists carry no DTD, so any DOCTYPE is refused outright: that rules out XXE (external
entities), billion-laughs (nested internal entities) and network access in one rule. The rule does
not depend on where the DOCTYPE stands: the parser itself is set to load no DTD and resolve no
entity, and the DOCTYPE is found in the parsed document (`docinfo`), not by scanning a prefix.

A list cut at a record boundary is still malformed XML (the root is never closed), so the parser
refuses it; the error then names the last complete record read, so the cut can be located.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import NoReturn

from lxml import etree

from core.errors import SourceFormatError
from core.sniff import check_payload

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)

# Record element (local name) → the child element (or `@attribute`) that identifies it.
Records = Mapping[str, str]

_SAFE = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    # libxml2's default limits stay on (text nodes under 10 MB, depth under 256): no real list
    # comes near them, and they bound what a hostile document can make the parser hold.
    "huge_tree": False,
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        **_SAFE,
        remove_blank_text=True,
        remove_comments=True,
        remove_pis=True,
    )


def _describe(el: etree._Element, key: str, number: int) -> str:
    """`sdnEntry 442 (uid 50476)`: the record's tag, its ordinal and its identifier."""
    tag = local(el.tag)
    if key.startswith("@"):
        value = el.get(key[1:])
    else:
        found = next((c for c in el if local(c.tag) == key), None)
        value = text(found)
    return f"{tag} {number} ({key.lstrip('@')} {value})" if value else f"{tag} {number}"


def last_record(data: bytes, records: Records) -> str:
    """The last complete record of `data` that an incremental parse reaches (error path only).

    With no `records` given, any element directly under the root counts as one.
    """
    last, number, depth = "", 0, 0
    try:
        for event, el in etree.iterparse(io.BytesIO(data), events=("start", "end"), **_SAFE):
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if (local(el.tag) in records) if records else depth == 1:
                number += 1
                last = _describe(el, records.get(local(el.tag), "") if records else "", number)
    except etree.XMLSyntaxError:
        pass
    return f"the last complete record read is {last}" if last else "no complete record was read"


def _refuse_doctype(name: str, data: bytes) -> NoReturn:
    match = _DOCTYPE.search(data)
    line = data.count(b"\n", 0, match.start()) + 1 if match else 1
    raise SourceFormatError(
        name, f"line {line}", "a DOCTYPE declaration is not allowed (entities are never resolved)"
    )


def parse_xml(name: str, data: bytes, records: Records | None = None) -> etree._Element:
    """Parse `data` into an element tree root, or raise `SourceFormatError` naming the place.

    `records` (record tag → identifying child or `@attribute`) lets a malformed or cut-off
    document be reported with its last complete record.
    """
    check_payload(name, data)
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        # A document that fails inside or after its DOCTYPE is refused for the DOCTYPE (the
        # search runs on this error path only, over the whole document, never a prefix).
        match = _DOCTYPE.search(data)
        if match and data.count(b"\n", 0, match.start()) + 1 <= line:
            _refuse_doctype(name, data)
        cut = (
            " (the document ends before its root is closed: truncated?)"
            if "Premature end of data" in exc.msg or "EndTag" in exc.msg
            else ""
        )
        raise SourceFormatError(
            name,
            f"line {line}, column {column}",
            f"malformed XML: {exc.msg}{cut}; {last_record(data, records or {})}",
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        _refuse_doctype(name, data)
    return root


def local(tag: object) -> str:
    """Tag name without its namespace."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def text(el: etree._Element | None) -> str | None:
    """Stripped text of an element, or None when absent or blank."""
    if el is None or el.text is None:
        return None
    value = el.text.strip()
    return value or None
