"""EU FSF parser tests: the parsed fixtures and snapshot they share."""

from __future__ import annotations

from pathlib import Path

import pytest

import eu_fsf
from core.canonical import ParseResult
from tests.eu_fsf import CSV, LEGACY, REAL, XML


@pytest.fixture(scope="module")
def snapshot_bytes(snapshots: Path) -> bytes:
    return (snapshots / "eu_fsf" / "2018-07-04" / LEGACY).read_bytes()


@pytest.fixture(scope="module")
def legacy(snapshot_bytes: bytes) -> ParseResult:
    return eu_fsf.parse_legacy({LEGACY: snapshot_bytes}).stamp("p")


@pytest.fixture(scope="module")
def real(fixtures: Path) -> ParseResult:
    """Four real sanctionEntity records of the XML 1.1 export of 2026-08-05 (globalFileId 184961)."""
    return eu_fsf.parse_xml({XML: (fixtures / "eu_fsf" / REAL).read_bytes()}).stamp("r")


@pytest.fixture(scope="module")
def xml_bytes(fixtures: Path) -> bytes:
    return (fixtures / "eu_fsf" / XML).read_bytes()


@pytest.fixture(scope="module")
def csv_bytes(fixtures: Path) -> bytes:
    return (fixtures / "eu_fsf" / CSV).read_bytes()


@pytest.fixture(scope="module")
def xml(xml_bytes: bytes) -> ParseResult:
    return eu_fsf.parse_xml({XML: xml_bytes}).stamp("x")


@pytest.fixture(scope="module")
def csv11(csv_bytes: bytes) -> ParseResult:
    return eu_fsf.parse_csv({CSV: csv_bytes}).stamp("c")
