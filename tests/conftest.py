"""Shared fixtures: paths to the shipped snapshots and test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "snapshots"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def snapshots() -> Path:
    return SNAPSHOTS


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES
