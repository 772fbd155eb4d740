"""OFSI declaration: the spec's formats and files, the snapshot catalog, and a pinned snapshot materialized with its checks."""

from __future__ import annotations

from pathlib import Path

from dagster import materialize

from assets import gb_ofsi
from assets.gb_ofsi import SPEC
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from tests.gb_ofsi import CSV, LEGACY, XLSX, XML

# --- the source module ------------------------------------------------------------------------


def test_spec_formats_and_files() -> None:
    assert SPEC.source == "gb_ofsi"
    assert [f.name for f in SPEC.formats] == ["xlsx", "csv", "xml", "csv_legacy"]
    files = {f.name: (f.files[0].name, f.files[0].url, f.files[0].kind) for f in SPEC.formats}
    base = "https://ofsistorage.blob.core.windows.net/publishlive/"
    assert files == {
        "xlsx": (XLSX, base + "2022format/ConList.xlsx", "xlsx"),
        "csv": (CSV, base + "2022format/ConList.csv", "csv"),
        "xml": (XML, base + "2022format/ConList.xml", "xml"),
        "csv_legacy": (LEGACY, base + "ConList.csv", "csv"),
    }
    assert gb_ofsi.asset.key.to_user_string() == "gb_ofsi"
    checks = {spec.name for spec in gb_ofsi.asset.check_specs}
    assert checks == {"schema_valid", "records_accounted", "no_unknown_fields", "formats_agree"}


def test_snapshot_catalog_serves_the_newest_publication(snapshots: Path) -> None:
    fetcher = SnapshotFetcher(root=str(snapshots))
    assert fetcher.publication("gb_ofsi")["files"] == {XLSX: "2025-04-14/ConList.xlsx"}
    pinned = SnapshotFetcher(root=str(snapshots), pins={"gb_ofsi": "2018-04-13"})
    assert pinned.publication("gb_ofsi")["files"] == {LEGACY: "2018-04-13/sanctionsconlist.csv"}
    for publication in ("2025-04-14", "2023-06-05", "2018-04-13"):
        assert SnapshotFetcher(root=str(snapshots), pins={"gb_ofsi": publication}).publication(
            "gb_ofsi"
        )


def test_materialize_a_pinned_snapshot(snapshots: Path, tmp_path: Path) -> None:
    """The real asset and its checks, on the 2018 publication (the smallest)."""
    fetcher = SnapshotFetcher(root=str(snapshots), pins={"gb_ofsi": "2018-04-13"})
    result = materialize(
        [gb_ofsi.asset],
        resources={"fetcher": fetcher, "data_dir": DataDir(root=str(tmp_path))},
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "schema_valid": True,
        "records_accounted": True,
        "no_unknown_fields": False,
        "formats_agree": True,
    }
    metadata = result.asset_materializations_for_node("gb_ofsi")[0].metadata
    assert metadata["primary_format"].value == "csv_legacy"
    assert metadata["entry_count"].value == 2_106
    assert metadata["published_at"].value == "2018-04-13"
