"""FCDO parser tests: the parsed fixtures they share (tests/fixtures/gb_fcdo/README.md says where each came from)."""

from __future__ import annotations

from pathlib import Path

import pytest

import gb_fcdo
from core.canonical import ParseResult
from tests.gb_fcdo import CSV, REAL, XML


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
