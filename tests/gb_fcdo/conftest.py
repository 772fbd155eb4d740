"""FCDO parser tests: the parsed fixtures they share (tests/fixtures/gb_fcdo/README.md says where each came from)."""

from __future__ import annotations

from pathlib import Path

import pytest

import gb_fcdo
from core.canonical import ParseResult

XML = gb_fcdo.XML_NAME
CSV = gb_fcdo.CSV_NAME
PARTIES = {
    "gb_fcdo-AFG0060", "gb_fcdo-AQD0315", "gb_fcdo-DPR0104", "gb_fcdo-DPR0109", "gb_fcdo-DPR0185",
    "gb_fcdo-DPR0226", "gb_fcdo-RUS1444", "gb_fcdo-RUS1707", "gb_fcdo-RUS1800",
}  # fmt: skip
RUSSIA = "The Russia (Sanctions) (EU Exit) Regulations 2019"
REAL = "UK-Sanctions-List-excerpt-2026-08-14.xml"
ISIL = "Isil (Da'esh) and Al-Qaeda (United Nations Sanctions) (EU Exit) Regulations 2019"


@pytest.fixture(scope="module")
def xml_bytes(fixtures: Path) -> bytes:
    return (fixtures / "gb_fcdo" / XML).read_bytes()


@pytest.fixture(scope="module")
def csv_bytes(fixtures: Path) -> bytes:
    return (fixtures / "gb_fcdo" / CSV).read_bytes()


@pytest.fixture(scope="module")
def real(fixtures: Path) -> ParseResult:
    """The four real designations of the FCDO XML of 2026-08-14."""
    return gb_fcdo.parse_xml({XML: (fixtures / "gb_fcdo" / REAL).read_bytes()}).stamp("r")


@pytest.fixture(scope="module")
def xml(xml_bytes: bytes) -> ParseResult:
    return gb_fcdo.parse_xml({XML: xml_bytes}).stamp("x")


@pytest.fixture(scope="module")
def csv(csv_bytes: bytes) -> ParseResult:
    return gb_fcdo.parse_csv({CSV: csv_bytes}).stamp("c")
