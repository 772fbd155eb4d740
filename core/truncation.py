"""Signals that a list file was cut short, even cleanly between two records.

A download cut at a record boundary parses as a shorter list. Each format gives its own proof of
completeness, and a parser calls the check its format allows, at its entry point:

- every CSV the publishers write ends with its line break, and never inside a quoted field
  (`require_complete_csv`);
- OFAC's legacy CSV files end with a Ctrl-Z byte (0x1A) after the last line break
  (`require_trailer`), and their ADD/ALT/COMMENTS files name only parties of the main file
  (`refuse_orphan_tail`);
- a header that declares a record count must match the records read (`require_declared_count`);
- XML ends with its root's closing tag: `core.xmlsafe.parse_xml` refuses a cut document.

Every refusal is a `SourceFormatError` naming the file, the place and the last complete record
read, so the cut can be located. The description of that record is computed on the error path
only: files that end cleanly pay for one `endswith` and a count of quote bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence

from core.errors import SourceFormatError

_QUOTE_OR_BREAK = re.compile(rb'["\n]')
NEWLINE = b"\n"


def _complete_prefix(data: bytes) -> bytes:
    """`data` up to the last line break outside quotes: the records that are whole."""
    end, quoted = 0, False
    for match in _QUOTE_OR_BREAK.finditer(data):
        if match.group() == b'"':
            quoted = not quoted
        elif not quoted:
            end = match.end()
    return data[:end]


def last_csv_record(
    data: bytes,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    header_lines: int = 1,
    columns: Sequence[str] | None = None,
    key: str | None = None,
) -> str:
    """Describe the last whole record of a CSV: its number, line and key (or its first bytes).

    `header_lines` lines precede the data (the header is the last of them unless `columns` names
    the fields); `key` is the column that identifies a record (`ent_num`, `Unique ID`).
    """
    whole = _complete_prefix(data)
    text = whole.decode(encoding, "replace")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header, last, number, line, end = list(columns or ()), None, 0, 0, 0
    try:
        for index, fields in enumerate(reader, start=1):
            start, end = end + 1, reader.line_num
            if index < header_lines:
                continue
            if index == header_lines:
                header = header or fields
                continue
            number, last, line = index - header_lines, fields, start
    except csv.Error:
        pass
    if last is None:
        return "no complete record was read"
    where = f"record {number} (line {line})"
    if key is not None and key in header and header.index(key) < len(last):
        return f"the last complete record read is {where}, {key} {last[header.index(key)]!r}"
    return f"the last complete record read is {where}: {delimiter.join(last)[:60]!r}"


def _end_of_file(data: bytes) -> str:
    return f"line {data.count(NEWLINE) + 1} (end of file)"


def require_complete_csv(
    name: str,
    data: bytes,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    header_lines: int = 1,
    columns: Sequence[str] | None = None,
    key: str | None = None,
) -> None:
    """Refuse a CSV that ends inside a quoted field or without its final line break.

    Every real file of every list ends with a line break (checked on all shipped snapshots and
    shared copies), so a missing one means the download stopped. The keyword arguments tell
    `last_csv_record` how to name the last whole record.
    """
    why = None
    if data.count(b'"') % 2:
        why = "a quoted field is left open at the end of the file"
    elif not data.endswith(b"\n"):
        why = "the last line has no line break"
    if why:
        last = last_csv_record(
            data,
            encoding=encoding,
            delimiter=delimiter,
            header_lines=header_lines,
            columns=columns,
            key=key,
        )
        raise SourceFormatError(
            name,
            _end_of_file(data),
            f"{why}: the file is truncated; {last}",
        )


def require_trailer(
    name: str,
    data: bytes,
    trailer: bytes,
    what: str,
    *,
    header_lines: int = 1,
    columns: Sequence[str] | None = None,
    key: str | None = None,
) -> None:
    """Refuse a file that does not end with the `trailer` bytes its publisher always writes."""
    if not data.endswith(trailer):
        last = last_csv_record(data, header_lines=header_lines, columns=columns, key=key)
        raise SourceFormatError(
            name,
            _end_of_file(data),
            f"the file does not end with {what}: truncated; {last}",
        )


def require_declared_count(
    name: str, where: str, declared: int | None, found: int, last: str
) -> None:
    """Refuse a file whose header declares another number of records than it holds."""
    if declared is not None and declared != found:
        raise SourceFormatError(
            name,
            where,
            f"declares {declared:,} records but holds {found:,}"
            + (": truncated" if found < declared else "")
            + f"; the last record read is {last}",
        )


def refuse_orphan_tail(
    main: str, main_keys: Sequence[int], others: Mapping[str, Sequence[int]], key: str
) -> None:
    """Refuse a main file when another file of its set names records beyond its last one.

    OFAC's files are written in `ent_num` order and their ADD/ALT/COMMENTS rows name only parties
    of the main file (no orphan at all in the four real sets shipped or shared, 2023-12-28 SDN and
    2025 consolidated): a row naming an `ent_num` above the main file's highest means the main
    file lost its tail. Orphans inside the range are left to the parser (they go to `rejects`).
    """
    if not main_keys:
        return
    top = max(main_keys)
    for other, keys in others.items():
        beyond = sorted({k for k in keys if k > top})
        if beyond:
            shown = ", ".join(str(k) for k in beyond[:5]) + (" …" if len(beyond) > 5 else "")
            raise SourceFormatError(
                main,
                f"record {len(main_keys)} (end of file)",
                f"{other} names {len(beyond)} {key}(s) beyond this file's last ({shown}): "
                f"{main} is truncated; the last record read is {key} {main_keys[-1]}",
            )


def last_json_record(text: str, array: str = "results", key: str = "id") -> str:
    """Describe the last whole item of the top-level `array` of a JSON text cut short."""
    decoder = json.JSONDecoder()
    match = re.search(rf'"{re.escape(array)}"\s*:\s*\[', text)
    if match is None:
        return f"no {array!r} array was read"
    pos, number, last = match.end(), 0, None
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        number, last = number + 1, item
    if last is None:
        return "no complete record was read"
    ident = last.get(key, last.get(f"_{key}")) if isinstance(last, dict) else None
    return f"the last complete record read is {array}[{number}]" + (
        f" ({key} {ident})" if ident is not None else ""
    )
