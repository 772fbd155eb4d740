"""The matcher's memo (`reconcile.memo`): a type's kept links are what scoring it again gives,
on two whole real lists (UN 2026-02-27 and the UK's OFSI list 2025-04-14)."""

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from reconcile.divergence import reconcile
from reconcile.memo import TypeMemo
from tests.reconcile.helpers import _snapshot

VERSION = "test"


@pytest.fixture(scope="module")
def lists() -> dict[str, pl.DataFrame]:
    un, uk = _snapshot("un_sc", "2026-02-27"), _snapshot("gb_ofsi", "2025-04-14")
    return {name: pl.concat([un[name], uk[name]], how="vertical_relaxed") for name in un}


def _same(got: tuple[dict, dict], expected: tuple[dict, dict]) -> None:
    for name, frame in expected[0].items():
        assert_frame_equal(got[0][name], frame, check_exact=True)
    assert got[1] == expected[1]


def _renamed(tables: dict[str, pl.DataFrame], entity_id: str, name: str) -> dict[str, pl.DataFrame]:
    """`tables` with the primary name of `entity_id` changed (entities and names)."""
    entities = tables["entities"].with_columns(
        primary_name=pl.when(pl.col("entity_id") == entity_id)
        .then(pl.lit(name))
        .otherwise(pl.col("primary_name"))
    )
    names = tables["names"].with_columns(
        name=pl.when((pl.col("entity_id") == entity_id) & (pl.col("name_type") == "primary"))
        .then(pl.lit(name))
        .otherwise(pl.col("name"))
    )
    return {**tables, "entities": entities, "names": names}


def test_kept_links_equal_scoring_again(lists: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    types = lists["entities"]["entity_type"].n_unique()
    assert types >= 2
    full = reconcile(lists)
    assert full[0]["cluster_links"].filter(pl.col("rule") == "probabilistic").height > 0

    first = TypeMemo(tmp_path, VERSION)
    _same(reconcile(lists, memo=first), full)
    assert first.hits == []
    assert len(list(tmp_path.glob("*.parquet"))) == types

    # the same inputs in a new run: every type from the memo, the tables unchanged
    again = TypeMemo(tmp_path, VERSION)
    _same(reconcile(lists, memo=again), full)
    assert len(again.hits) == types

    # a real UK company renamed: the organisations are scored again, the other types kept
    company = (
        lists["entities"]
        .filter((pl.col("source") == "gb_ofsi") & (pl.col("entity_type") == "organization"))
        .sort("entity_id")
        .row(0, named=True)
    )
    changed = _renamed(lists, company["entity_id"], company["primary_name"] + " HOLDINGS")
    expected = reconcile(changed)
    after = TypeMemo(tmp_path, VERSION)
    _same(reconcile(changed, memo=after), expected)
    assert len(after.hits) == types - 1
    after.prune()
    assert len(list(tmp_path.glob("*.parquet"))) == types  # the old organisations' entry gone

    # another code version never reads an entry of this one
    other = TypeMemo(tmp_path, "other")
    _same(reconcile(changed, memo=other), expected)
    assert other.hits == []
