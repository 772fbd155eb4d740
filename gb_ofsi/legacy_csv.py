"""OFSI Consolidated List pre-2022 CSV (`sanctionsconlist.csv`, Windows-1252, 29 columns)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from core.canonical import ParseResult
from gb_ofsi.constants import HEADER_LEGACY, LEGACY, LEGACY_NAME
from gb_ofsi.csv import read_csv_layout
from gb_ofsi.mapping import _result


def parse_legacy_csv(name: str, data: bytes) -> ParseResult:
    """Pre-2022 sanctionsconlist.csv (Windows-1252, 29 columns) → canonical tables."""
    published, df = read_csv_layout(name, data, HEADER_LEGACY, "cp1252")
    return _result(replace(LEGACY, file=name), df, [], published)


def parse_csv_legacy(files: Mapping[str, bytes]) -> ParseResult:
    """Format `csv_legacy`: the pre-2022 sanctionsconlist.csv."""
    return parse_legacy_csv(LEGACY_NAME, files[LEGACY_NAME])
