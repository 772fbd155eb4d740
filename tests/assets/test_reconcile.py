"""Reconciliation, the Dagster side (`assets/reconcile.py`): the asset writes checked tables and
keeps party IDs, the checks catch failures, unchanged inputs are not reconciled again, and a
stale reconciliation is refused at publish. The pure stages are tested in `tests/reconcile/`."""

from pathlib import Path

import polars as pl
import pytest
from dagster import materialize

from assets.consolidated import inputs_path
from assets.reconcile import (
    RECONCILE_ASSETS,
    check_counts_per_source,
    check_links_evidenced,
    check_one_cluster_each,
    check_one_type_each,
    reconcile_dir,
    reconcile_tables,
)
from reconcile.divergence import reconcile
from resources.duckdb_files import write_database
from resources.storage import DataDir
from schemas.reconcile import MODELS
from tests.reconcile.helpers import (
    load_fixture,
)


def test_check_functions_catch_failures() -> None:
    tables = load_fixture()
    built, _ = reconcile(tables)
    clusters, entities = built["clusters"], tables["entities"]
    assert check_one_cluster_each(clusters, entities)[0]
    twice = pl.concat([clusters, clusters.head(1).with_columns(cluster_id=pl.lit("party-x"))])
    passed, meta = check_one_cluster_each(
        twice.drop("cluster_size").with_columns(cluster_size=pl.lit(1)), entities
    )
    assert not passed and meta["in_several_clusters"] == 1
    passed, meta = check_one_cluster_each(clusters.tail(-1), entities)
    assert not passed and meta["in_no_cluster"] == 1
    mixed = clusters.with_columns(cluster_id=pl.lit("party-0000000000000000"))
    assert not check_one_type_each(mixed)[0]
    no_evidence = built["cluster_links"].with_columns(
        evidence=pl.when(pl.col("rule") == "imo").then(pl.lit("imo: ")).otherwise("evidence")
    )
    passed, meta = check_links_evidenced(no_evidence)
    assert not passed and meta["without_evidence"] == 3
    assert check_counts_per_source(clusters, entities)[0]
    passed, meta = check_counts_per_source(clusters.filter(pl.col("source") != "eu_fsf"), entities)
    assert not passed
    assert {r["source"]: r["clustered"] for r in meta["per_source"]}["eu_fsf"] == 0


def test_asset_writes_checked_tables_and_keeps_ids(tmp_path: Path) -> None:
    tables = load_fixture()
    data_dir = DataDir(root=str(tmp_path))
    write_database(data_dir.warehouse_db, tables)
    with pytest.raises(FileNotFoundError, match="reconciliation"):
        reconcile_tables(data_dir)
    first = materialize(RECONCILE_ASSETS, resources={"data_dir": data_dir})
    assert first.success
    checks = {e.check_name: e.passed for e in first.get_asset_check_evaluations()}
    assert checks == {
        "one_cluster_per_record": True,
        "one_entity_type_per_cluster": True,
        "deterministic_links_evidenced": True,
        "counts_match_canonical": True,
        "reconcile_valid": True,
    }
    published = reconcile_tables(data_dir)
    assert set(published) == set(MODELS)
    assert sorted(p.name for p in reconcile_dir(data_dir).glob("*.parquet")) == sorted(
        f"{name}.parquet" for name in MODELS
    )
    assert published["clusters"].height == 43
    metadata = first.asset_materializations_for_node("reconciliation")[0].metadata
    assert metadata["parties"].value == 15
    assert metadata["party_ids_carried_over"].value == 0
    again = materialize(RECONCILE_ASSETS, resources={"data_dir": data_dir})
    metadata = again.asset_materializations_for_node("reconciliation")[0].metadata
    assert metadata["party_ids_carried_over"].value == 15
    assert reconcile_tables(data_dir)["clusters"].equals(published["clusters"])


def test_unchanged_inputs_are_not_reconciled_again(tmp_path: Path) -> None:
    tables = load_fixture()
    data_dir = DataDir(root=str(tmp_path))
    write_database(data_dir.warehouse_db, tables)
    inputs_path(data_dir).write_text('{"gb_ofsi": "gb_ofsi-2025-04-14.abc"}')
    assets = RECONCILE_ASSETS
    first = materialize(assets, resources={"data_dir": data_dir})
    assert (
        first.asset_materializations_for_node("reconciliation")[0].metadata["unchanged"].value
        is False
    )
    built = reconcile_tables(data_dir)

    again = materialize(assets, resources={"data_dir": data_dir})
    metadata = again.asset_materializations_for_node("reconciliation")[0].metadata
    assert metadata["unchanged"].value is True
    assert metadata["parties"].value == 15
    assert metadata["rows_clusters"].value == 43
    evaluations = again.get_asset_check_evaluations()
    assert len(evaluations) == 5 and all(e.passed for e in evaluations)
    assert {e.metadata["checked"].value for e in evaluations} == {"earlier, on the same tables"}

    # a table changed behind the asset's back is rebuilt and checked again
    folder = reconcile_dir(data_dir)
    built["clusters"].head(3).write_parquet(folder / "clusters.parquet")
    third = materialize(assets, resources={"data_dir": data_dir})
    assert (
        third.asset_materializations_for_node("reconciliation")[0].metadata["unchanged"].value
        is False
    )
    assert "checked" not in third.get_asset_check_evaluations()[0].metadata
    assert reconcile_tables(data_dir)["clusters"].equals(built["clusters"])

    # other warehouse inputs: rebuilt
    inputs_path(data_dir).write_text('{"gb_ofsi": "gb_ofsi-2025-04-14.def"}')
    fourth = materialize(RECONCILE_ASSETS, resources={"data_dir": data_dir})
    assert (
        fourth.asset_materializations_for_node("reconciliation")[0].metadata["unchanged"].value
        is False
    )


def test_stale_reconciliation_is_refused_at_publish() -> None:
    from assets.reconcile import stale

    entities = pl.DataFrame({"entity_id": ["us_ofac_sdn-1", "un_sc-2"]})
    clusters = pl.DataFrame({"entity_id": ["us_ofac_sdn-1", "un_sc-3"]})
    assert stale({"clusters": clusters}, {"entities": entities}) == (
        "1 entities are in no cluster and 1 clustered entities are gone "
        "(materialize `reconciliation` first)"
    )
    assert stale({"clusters": entities}, {"entities": entities}) is None
