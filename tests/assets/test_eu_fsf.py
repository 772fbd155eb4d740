"""EU FSF declaration: the spec (files, URLs, thresholds) and the snapshot materialized with passing checks."""

from __future__ import annotations

from pathlib import Path

from dagster import materialize

from assets import eu_fsf
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir

# --- the source definition and the pipeline -------------------------------------------------


def test_spec_formats_and_thresholds() -> None:
    spec = eu_fsf.SPEC
    assert [f.name for f in spec.formats] == ["xml", "csv", "csv_legacy"]
    assert [[file.name for file in f.files] for f in spec.formats] == [
        ["xmlFullSanctionsList_1_1.xml"],
        ["csvFullSanctionsList_1_1.csv"],
        ["csvFullSanctionsList.csv"],
    ]
    assert (
        spec.formats[0]
        .files[0]
        .url.endswith("xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw")
    )
    assert 93 < spec.sanity_floor <= 2_039  # the excerpt is named, a real list is held to it
    assert set(spec.excerpts) == {
        "a9de58cc04bddfd5f4ab9310a1a4c4e846e32740236e850ccf3a0c2fa1006246"
    }


def test_snapshot_materializes_with_passing_checks(snapshots: Path, tmp_path: Path) -> None:
    result = materialize(
        [eu_fsf.asset],
        resources={
            "fetcher": SnapshotFetcher(root=str(snapshots)),
            "data_dir": DataDir(root=str(tmp_path)),
        },
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["schema_valid"] and checks["records_accounted"]
    assert checks["no_unknown_fields"]
    metadata = result.asset_materializations_for_node("eu_fsf")[0].metadata
    assert metadata["primary_format"].value == "csv_legacy"
    assert metadata["published_at"].value == "2018-07-04"
    assert metadata["rows_entities"].value == 93
