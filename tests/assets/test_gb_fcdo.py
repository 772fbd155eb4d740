"""FCDO declaration: the shipped snapshot (the real excerpt) materializes with passing checks."""

from __future__ import annotations

import json
from pathlib import Path

from dagster import materialize

from assets import gb_fcdo
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from tests.gb_fcdo import REAL, XML


def test_snapshot_is_the_real_excerpt_and_materializes(
    snapshots: Path, fixtures: Path, tmp_path: Path
) -> None:
    catalog = json.loads((snapshots / "gb_fcdo" / "catalog.json").read_text())
    newest = max(catalog["publications"], key=lambda p: p["published_at"])
    assert newest["published_at"] == "2026-08-14"
    assert set(newest["files"]) == {XML}  # the excerpt is XML only: no real CSV was at hand
    assert (snapshots / "gb_fcdo" / newest["files"][XML]).read_bytes() == (
        fixtures / "gb_fcdo" / REAL
    ).read_bytes()
    result = materialize(
        [gb_fcdo.asset],
        resources={"fetcher": SnapshotFetcher(), "data_dir": DataDir(root=str(tmp_path))},
    )
    assert result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {
        "schema_valid": True, "records_accounted": True, "no_unknown_fields": True, "formats_agree": True,
    }  # fmt: skip
    meta = result.asset_materializations_for_node("gb_fcdo")[0].metadata
    assert (meta["entry_count"].value, meta["rows_entities"].value) == (4, 4)
    assert (meta["formats"].value, meta["unknown_fields"].value) == ("xml", 0)
    assert meta["published_at"].value == "2026-08-14"
