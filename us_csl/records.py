"""The one shape both readers (`us_csl.csv`, `us_csl.json`) produce for the mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from core.canonical import Unknown
from core.zipsafe import gunzip
from us_csl.constants import GUNZIP_LIMIT, GZIP_MAGIC

# the columns of `SourceRecords.addresses`, `.ids` and `.extra`
ADDRESS_SCHEMA = {
    "record": pl.Int64,
    "full_address": pl.String,
    "street": pl.String,
    "city": pl.String,
    "region": pl.String,
    "postal_code": pl.String,
    "country_raw": pl.String,
}
ID_SCHEMA = {
    "record": pl.Int64,
    "raw": pl.String,
    "type": pl.String,
    "number": pl.String,
    "country_raw": pl.String,
    "issue_date": pl.String,
    "expiration_date": pl.String,
    "either_date": pl.String,
}
EXTRA_SCHEMA = {"record": pl.Int64, "attribute": pl.String, "value": pl.String}


@dataclass
class SourceRecords:
    """Source records in one shape for both formats, before the canonical mapping.

    `base` holds `record` (1-based position in the file), the single-valued fields and the
    multi-valued ones as lists; `addresses`, `ids` and `extra` (unknown fields, kept) are
    long frames keyed by `record`. `staged` holds every record as published.
    """

    file: str
    base: pl.LazyFrame
    addresses: pl.LazyFrame
    ids: pl.LazyFrame
    extra: pl.LazyFrame
    staged: dict[str, pl.DataFrame]
    records_seen: int
    rejects: list[dict[str, Any]] = field(default_factory=list)
    unknowns: list[Unknown] = field(default_factory=list)


def gunzip_if_gzip(name: str, data: bytes) -> bytes:
    """Decompress gzip bytes (told by their magic number); other bytes pass unchanged."""
    if not data.startswith(GZIP_MAGIC):
        return data
    return gunzip(name, data, GUNZIP_LIMIT)
