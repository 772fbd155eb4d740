"""OFSI parser tests: the parses they share (fixtures cut from real files, tests/fixtures/gb_ofsi/README.md, and the shipped snapshots)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.canonical import ParseResult
from gb_ofsi import parse_conlist_csv, parse_conlist_xlsx, parse_conlist_xml, parse_legacy_csv
from tests.gb_ofsi import CSV, LEGACY, XLSX, XML

# --- shared parses ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_dir(fixtures: Path) -> Path:
    return fixtures / "gb_ofsi"


@pytest.fixture(scope="module")
def raw(fixture_dir: Path) -> dict[str, bytes]:
    return {
        XLSX: (fixture_dir / "ConList_excerpt.xlsx").read_bytes(),
        CSV: (fixture_dir / "ConList_excerpt.csv").read_bytes(),
        XML: (fixture_dir / "ConList_excerpt.xml").read_bytes(),
        LEGACY: (fixture_dir / "sanctionsconlist_excerpt.csv").read_bytes(),
    }


@pytest.fixture(scope="module")
def excerpt(raw: dict[str, bytes]) -> dict[str, ParseResult]:
    return {
        "xlsx": parse_conlist_xlsx(XLSX, raw[XLSX]),
        "csv": parse_conlist_csv(CSV, raw[CSV]),
        "xml": parse_conlist_xml(XML, raw[XML]),
        "csv_legacy": parse_legacy_csv(LEGACY, raw[LEGACY]),
    }


@pytest.fixture(scope="module")
def full(snapshots: Path) -> dict[str, ParseResult]:
    folder = snapshots / "gb_ofsi"
    return {
        "2025": parse_conlist_xlsx(XLSX, (folder / "2025-04-14" / XLSX).read_bytes()),
        "2023": parse_conlist_xlsx(XLSX, (folder / "2023-06-05" / XLSX).read_bytes()),
        "2018": parse_legacy_csv(LEGACY, (folder / "2018-04-13" / LEGACY).read_bytes()),
    }
