"""Which cells of a text column may hold untidy white space, read off the column's bytes.

`core.canonical.normalise_whitespace` rewrites the cells its pattern `_UNTIDY` matches: two
white-space characters in a row, one that is not a plain space, or a space at either end.
Matching that pattern on every text cell of every table (nearly a million cells for the OFAC
SDN list) cost more than the rest of the pass; most cells hold nothing it could match.
`candidate_rows` finds, with a few whole-buffer numpy operations on the column's Arrow bytes,
a superset of the cells it can match; the pattern is then matched on those cells alone.

Why a superset: the white space `\\s` stands for (Unicode White_Space) is the ASCII space,
the ASCII controls 0x09–0x0D and characters beyond ASCII, whose UTF-8 bytes are all ≥ 0x80.
A cell the pattern matches therefore holds a byte 0x09–0x0D or ≥ 0x80, or two spaces in a
row, or starts or ends with a space; every such cell is a candidate. (Two spaces found across
the boundary of two cells mean the first ends with a space: a candidate anyway.)
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

_NONE = pl.Series("rows", [], dtype=pl.UInt32)
# Cells scanned at a time: the copy of their bytes and the masks over them stay a few MB (a
# whole column of a large list at once raised the parse's peak memory by a sixth).
_CELLS = 1 << 15


def candidate_rows(column: pl.Series) -> pl.Series:
    """Sorted row numbers of the cells of a text column `_UNTIDY` may match (a superset)."""
    if column.len() == 0 or column.null_count() == column.len():
        return _NONE
    found = [
        rows + start
        for start in range(0, column.len(), _CELLS)
        if (rows := _candidates(column.slice(start, _CELLS))).size
    ]
    if not found:
        return _NONE
    return pl.Series("rows", np.concatenate(found), dtype=pl.UInt32)


def _candidates(column: pl.Series) -> np.ndarray:
    """`candidate_rows` of a slice of a column, as a sorted numpy array."""
    arrow = column.to_arrow(compat_level=pl.CompatLevel.oldest())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    offsets_buffer, data_buffer = arrow.buffers()[1:3]
    width = np.int64 if pa.types.is_large_string(arrow.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, width)[arrow.offset : arrow.offset + len(arrow) + 1]
    if data_buffer is None or offsets[-1] == offsets[0]:
        return np.empty(0, np.int64)
    data = np.frombuffer(data_buffer, np.uint8)[offsets[0] : offsets[-1]]
    offsets = offsets - offsets[0]
    space = data == 32
    # the bytes below 0x0E (0x09–0x0D, and the rarer controls with them) and those ≥ 0x80 in one
    # comparison: `data - 14` wraps below 14, and is 114 or more exactly there
    odd = (data - np.uint8(14)) >= 114
    found = [np.flatnonzero(odd), np.flatnonzero(space[1:] & space[:-1])]
    rows = [np.searchsorted(offsets, at, side="right") - 1 for at in found if at.size]
    # a space first or last; an empty cell reads a neighbour's byte instead (`clip` keeps the
    # index in the buffer), which can only add a candidate the pattern then rejects
    first = np.take(space, offsets[:-1], mode="clip")
    first |= np.take(space, offsets[1:] - 1, mode="clip")
    rows.append(np.flatnonzero(first))
    # (one array is sorted and distinct already: `np.unique` sorts)
    return rows[0] if len(rows) == 1 else np.unique(np.concatenate(rows))
