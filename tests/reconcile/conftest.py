"""The reconciliation fixture, loaded once per module, and its reconciled tables."""

import polars as pl
import pytest

from reconcile.divergence import reconcile
from tests.reconcile.helpers import (
    load_fixture,
)


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return load_fixture()


@pytest.fixture(scope="module")
def built(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    out, _ = reconcile(tables)
    return out
