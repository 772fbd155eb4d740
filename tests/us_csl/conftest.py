"""Fixtures shared by the us_csl tests: the sample records cut from the real files, as CSV and
as JSON (tests/fixtures/us_csl/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.canonical import ParseResult
from us_csl.constants import CSV_NAME, JSON_NAME
from us_csl.csv import parse_csv_bytes
from us_csl.json import parse_json


@pytest.fixture(scope="module")
def sample_bytes(fixtures: Path) -> bytes:
    return (fixtures / "us_csl" / "sample.csv").read_bytes()


@pytest.fixture(scope="module")
def sample(sample_bytes: bytes) -> ParseResult:
    return parse_csv_bytes(CSV_NAME, sample_bytes).stamp("x")


@pytest.fixture(scope="module")
def from_json(fixtures: Path) -> ParseResult:
    return parse_json({JSON_NAME: (fixtures / "us_csl" / JSON_NAME).read_bytes()}).stamp("x")
