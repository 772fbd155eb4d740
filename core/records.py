"""Where a delimited file first goes wrong: the first header column that differs, the first
record with the wrong field count. Shared by the list readers, which word their own messages."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass


def first_difference(found: Sequence[str], expected: Sequence[str]) -> int:
    """Index of the first column where `found` differs from `expected` (the shorter length
    when one is a prefix of the other)."""
    return next(
        (i for i, (a, b) in enumerate(zip(found, expected, strict=False)) if a != b),
        min(len(found), len(expected)),
    )


@dataclass(frozen=True)
class BadRecord:
    """The first record of a CSV text whose field count is wrong, or where the text broke."""

    index: int  # 0-based position among the records of the text (a header in it is 0)
    line: int  # the reader's line number once the record was read, or when the text broke
    fields: int  # the record's field count (0 when the text broke)
    error: str | None  # the csv module's message when the text broke (strict reading only)
    start: int = 0  # the line the record begins on (a quoted value may span lines)


def first_bad_record(
    text: str,
    width: int,
    *,
    delimiter: str = ",",
    strict: bool = False,
    skip: int = 0,
    skip_empty: bool = True,
) -> BadRecord | None:
    """The first record (after the first `skip`) without `width` fields, or None.

    Empty records are passed over unless `skip_empty` is false. With `strict`, a broken quote
    is a `BadRecord` with its `error`; without it, the csv module's errors propagate.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=strict)
    index = -1
    start = 1
    try:
        for index, record in enumerate(reader):
            counted = index >= skip and not (skip_empty and not record)
            if counted and len(record) != width:
                return BadRecord(index, reader.line_num, len(record), None, start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if not strict:
            raise
        return BadRecord(index + 1, reader.line_num, 0, str(exc), start)
    return None
