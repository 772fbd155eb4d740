"""End to end: every asset materialized into tmp_path from the shipped snapshots, then bad input
and invalid data shown to leave the published version intact."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import Definitions, ExecuteInProcessResult, define_asset_job, in_process_executor

import cli_report
import definitions
from assets import us_ofac_sdn
from assets.consolidated import build_consolidated
from assets.factory import Format, SourceSpec, source_asset
from core.canonical import ParseResult
from ofac.lists import SDN
from resources.backend import StorageBackend
from resources.fetcher import FileSpec, SnapshotFetcher
from resources.storage import DataDir
from resources.warehouse import PublishPolicy, verify_published
from tests.conftest import snapshot_root

EXPECTED_ASSET_KEYS = {
    "us_ofac_sdn",
    "us_ofac_cons",
    "us_csl",
    "un_sc",
    "gb_fcdo",
    "gb_ofsi",
    "eu_fsf",
    "eurostat_comext",
    "eurostat_cn8",
    "trade_indicators",
    "reconciliation",
    "consolidated",
    "published_version",
}


def run(defs: Definitions) -> ExecuteInProcessResult:
    return defs.resolve_job_def("refresh_all").execute_in_process(raise_on_error=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    result = run(definitions.build_definitions(SnapshotFetcher(), DataDir(root=str(root))))
    assert result.success
    return root


def test_data_dictionary_in_the_published_database(published: Path) -> None:
    con = duckdb.connect(str(published / "published" / "latest" / "sanctions.duckdb"), True)
    tables = dict(
        con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal").fetchall()
    )
    uncommented = con.execute(
        "SELECT table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE NOT internal AND comment IS NULL AND table_name NOT IN "
        "('changes', 'crosswalk', 'entity_history', 'publication_history')"
    ).fetchall()
    jurisdiction = con.execute(
        "SELECT comment FROM duckdb_columns() "
        "WHERE table_name = 'sanctions' AND column_name = 'jurisdiction'"
    ).fetchone()
    us = dict(
        con.execute(
            "SELECT source, count(*) FROM sanctions WHERE jurisdiction = 'US' GROUP BY ALL"
        ).fetchall()
    )
    con.close()
    assert all(tables.values()), [t for t, c in tables.items() if not c]  # every table
    assert uncommented == []  # every column of a table with a Pandera model
    assert jurisdiction is not None and jurisdiction[0].startswith("Jurisdiction designating")
    assert set(us) == {"us_ofac_sdn", "us_ofac_cons", "us_csl"}


def test_asset_keys_are_pinned() -> None:
    keys = {
        key.to_user_string() for key in definitions.defs.resolve_asset_graph().get_all_asset_keys()
    }
    assert keys >= EXPECTED_ASSET_KEYS
    assert {s.source for s in definitions.SPECS} >= {"us_ofac_sdn", "us_ofac_cons"}


def test_published_version_layout(published: Path) -> None:
    latest = published / "published" / "latest"
    assert latest.is_symlink()
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["version"] == latest.resolve().name
    assert verify_published(latest.resolve()) == []
    assert set(manifest["tables"]) == {
        "publications", "entities", "names", "identifiers", "addresses", "birth_dates",
        "birth_places", "countries", "sanctions", "attributes", "relationships", "rejects",
        "changes", "crosswalk", "entity_history", "publication_history",
        "trade_flows", "trade_indicators_monthly", "trade_indicators_annual", "trade_diversion",
        "trade_mirror_gaps", "hs_codes", "chpl_codes", "trade_product_chpl", "trade_chpl_monthly",
        "trade_chpl_annual", "trade_chpl_substitution", "trade_cn8_rises",
        "clusters", "cluster_links", "cluster_conflicts", "divergence_coverage",
        "divergence_lag", "divergence_conflicts", "statements",
    }  # fmt: skip
    lake_files = {n for n in manifest["files"] if n.startswith("lake/")}
    assert lake_files and all(n.endswith(".parquet") for n in lake_files)  # the history's data
    assert set(manifest["files"]) - lake_files == {
        "history.ducklake", "charts/trade_eu_exports_index.png", "charts/trade_diversion.png",
        "charts/trade_chpl_exports_index.png", "charts/trade_chpl_substitution.png",
        "entities.ftm.json", "delta.ftm.json", "delisted.ftm.json", "index.json",
    }  # fmt: skip
    sources = {(s["source"], s["format"]): s for s in manifest["sources"]}
    assert sources[("us_ofac_sdn", "csv")]["published_at"] == "2023-12-28"
    assert sources[("us_ofac_sdn", "csv")]["canonical_entities"] == 13_821
    assert sources[("us_ofac_cons", "xml")]["published_at"] == "2025-03-28"
    assert sources[("us_ofac_cons", "enhanced")]["published_at"] == "2025-01-10"
    assert sources[("us_ofac_cons", "enhanced")]["entry_count"] == 443
    assert sources[("us_ofac_sdn", "csv")]["sha256"] == (
        "d768d28ee9e3ac7b27f9a956c922bf97dc286ebd39eff63faa4ef231f1ef668b"
    )
    for table in manifest["tables"].values():
        assert (
            pl.scan_parquet(latest / table["file"]).select(pl.len()).collect().item()
            == table["rows"]
        )
    raw = sorted(p.name for p in (published / "raw" / "us_ofac_sdn").iterdir())
    assert any(
        name.endswith("_d768d28ee9e3ac7b27f9a956c922bf97dc286ebd39eff63faa4ef231f1ef668b_SDN.CSV")
        for name in raw
    )


def test_database_tables_hold_the_rows_of_their_parquet(published: Path) -> None:
    """The version's `sanctions.duckdb` starts as a copy of the warehouse file (the canonical
    tables) and only the other tables are written into it: each table of the manifest has the
    same rows in both forms (count and a sum of whole-row hashes, order aside), and each
    canonical table those of the warehouse."""
    latest = (published / "published" / "latest").resolve()
    manifest = json.loads((latest / "manifest.json").read_text())
    whole = "SELECT count(*), sum(hash(t)::HUGEINT) FROM {} t"
    con = duckdb.connect(str(latest / "sanctions.duckdb"), read_only=True)
    con.execute(f"ATTACH '{published / 'warehouse' / 'warehouse.duckdb'}' AS wh (READ_ONLY)")
    held = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh'"
        ).fetchall()
    }
    differ, rows = [], {}
    for name, table in manifest["tables"].items():
        in_db = con.execute(whole.format(f'"{name}"')).fetchone()
        in_parquet = con.execute(
            whole.format(f"read_parquet('{latest / table['file']}')")
        ).fetchone()
        in_warehouse = (
            con.execute(whole.format(f'wh."{name}"')).fetchone() if name in held else None
        )
        rows[name] = in_db[0] if in_db else None
        if in_db != in_parquet or (in_warehouse is not None and in_warehouse != in_db):
            differ.append(name)
    con.close()
    assert differ == []
    assert held == {"publications", "entities", "names", "identifiers", "addresses", "birth_dates",
                    "birth_places", "countries", "sanctions", "attributes", "relationships",
                    "rejects"}  # fmt: skip
    assert rows["entities"] == manifest["tables"]["entities"]["rows"] > 13_821
    assert rows["trade_flows"] == manifest["tables"]["trade_flows"]["rows"] > 0


def test_analyst_queries(published: Path) -> None:
    con = duckdb.connect(
        str(published / "published" / "latest" / "sanctions.duckdb"), read_only=True
    )
    russia = con.execute(
        "SELECT count(DISTINCT entity_id) FROM sanctions WHERE source = ? AND program = ?",
        ["us_ofac_sdn", "RUSSIA-EO14024"],
    ).fetchone()
    assert russia == (3_523,)
    by_source = dict(
        con.execute("SELECT source, count(*) FROM entities GROUP BY source").fetchall()
    )
    assert by_source["us_ofac_sdn"] == 13_821
    assert by_source["us_ofac_cons"] == 442
    assert by_source["us_csl"] == 14_048
    vessel = con.execute(
        "SELECT e.source, e.primary_name FROM identifiers i JOIN entities e USING (entity_id) "
        "WHERE i.id_type = 'imo' AND i.normalized = ? ORDER BY e.source",
        ["9220639"],
    ).fetchall()
    # the SDN vessel, and the same ship on trade.gov's screening list (2022 copy)
    assert vessel == [("us_csl", "BALTIC LEADER"), ("us_ofac_sdn", "BALTIC LEADER")]
    # every canonical row traces back to a publication
    orphans = con.execute(
        "SELECT count(*) FROM names n LEFT JOIN publications p USING (publication_id) WHERE p.source IS NULL"
    ).fetchone()
    assert orphans == (0,)
    # EU exports of HS 8542 to Russia, 2021 and 2022 (the figures of tests/assets/test_trade_cn8.py)
    hs8542 = con.execute(
        "SELECT sum(value_2021), sum(value_2022) FROM trade_cn8_rises "
        "WHERE partner_code = ? AND hs6 LIKE '8542%'",
        ["RU"],
    ).fetchone()
    assert hs8542 == (622_191_497.0, 119_388_632.0)
    con.close()


def test_real_fcdo_records_linked_to_ofsi_by_group_id(published: Path) -> None:
    """The FCDO snapshot's real designations cite OFSI Group IDs (id_type `ofsi_group_id`), and
    the reconciliation links each to the OFSI 2025 party of that ID."""
    con = duckdb.connect(
        str(published / "published" / "latest" / "sanctions.duckdb"), read_only=True
    )
    cited = con.execute(
        "SELECT entity_id, value FROM identifiers WHERE source = ? AND id_type = ? ORDER BY ALL",
        ["gb_fcdo", "ofsi_group_id"],
    ).fetchall()
    assert cited == [
        ("gb_fcdo-AFG0011", "7270"), ("gb_fcdo-AQD0128", "11050"), ("gb_fcdo-AQD0377", "14211"),
    ]  # fmt: skip
    links = con.execute(
        "SELECT left_entity_id, right_entity_id, evidence FROM cluster_links "
        "WHERE rule = 'ofsi_group_id' AND left_entity_id LIKE 'gb_fcdo-%' ORDER BY ALL"
    ).fetchall()
    assert links == [
        ("gb_fcdo-AFG0011", "gb_ofsi-7270", "ofsi_group_id: 7270"),
        ("gb_fcdo-AQD0128", "gb_ofsi-11050", "ofsi_group_id: 11050"),
        ("gb_fcdo-AQD0377", "gb_ofsi-14211", "ofsi_group_id: 14211"),
    ]
    con.close()


def test_rerun_with_same_payloads_publishes_nothing_new(published: Path) -> None:
    before = sorted(p.name for p in (published / "published").iterdir())
    result = run(definitions.build_definitions(SnapshotFetcher(), DataDir(root=str(published))))
    assert result.success
    ingest = result.asset_materializations_for_node("us_ofac_sdn")[0].metadata
    assert ingest["unchanged_payload"].value is True
    publish = result.asset_materializations_for_node("published_version")[0].metadata
    assert publish["unchanged"].value is True
    assert sorted(p.name for p in (published / "published").iterdir()) == before


def latest_version(data: Path) -> str:
    return (data / "published" / "latest").resolve().name


def test_bad_input_leaves_published_version_intact(tmp_path: Path) -> None:
    data = tmp_path / "data"
    snapshots = snapshot_root(tmp_path)
    assert run(
        definitions.build_definitions(SnapshotFetcher(root=str(snapshots)), DataDir(root=str(data)))
    ).success
    version = latest_version(data)
    sdn = snapshots / "us_ofac_sdn" / "2023-12-28" / "SDN.CSV"
    sdn.write_bytes(sdn.read_bytes()[:1_000_000])  # truncated mid-record
    result = run(
        definitions.build_definitions(SnapshotFetcher(root=str(snapshots)), DataDir(root=str(data)))
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert (
        "SDN.CSV at line 4529 (end of file): the file does not end with OFAC's end-of-file"
        in str(failure.event_specific_data.error)
    )
    # the command line prints the step's own error (file, place, reason), not Dagster's wrapper
    out = io.StringIO()
    cli_report.report_failures(result, out=out, notes=io.StringIO())
    step = next(line for line in out.getvalue().splitlines() if line.startswith("  step "))
    assert step.startswith("  step us_ofac_sdn failed: ")
    assert (
        "SDN.CSV at line 4529 (end of file): the file does not end with OFAC's end-of-file" in step
    )
    assert "Error occurred while" not in step
    assert latest_version(data) == version
    assert verify_published(data / "published" / version) == []
    con = duckdb.connect(str(data / "published" / "latest" / "sanctions.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM entities WHERE source = 'us_ofac_sdn'").fetchone() == (
        13_821,
    )
    con.close()


def test_invalid_data_is_blocked_by_checks(tmp_path: Path) -> None:
    """A parser emitting an unknown entity type: the blocking schema check stops the run."""

    def bad_parse(files: Mapping[str, bytes]) -> ParseResult:
        result = SDN.parse_csv(files)
        entities = result.tables["entities"].with_columns(
            entity_type=pl.when(pl.col("source_id") == "36")
            .then(pl.lit("spaceship"))
            .otherwise("entity_type")
        )
        return ParseResult(
            source="us_ofac_sdn",
            tables={**result.tables, "entities": entities},
            entry_count=result.entry_count,
            file_rows=result.file_rows,
        )

    spec = SourceSpec(
        source="us_ofac_sdn",
        publisher="test",
        description="SDN with a corrupted parser",
        formats=(Format("csv", us_ofac_sdn.CSV_FILES, bad_parse),),
        sanity_floor=1,
    )
    data = tmp_path / "data"
    good = run(definitions.build_definitions(SnapshotFetcher(), DataDir(root=str(data))))
    assert good.success
    version = latest_version(data)
    defs = Definitions(
        assets=[source_asset(spec), *build_consolidated([spec])],
        jobs=[define_asset_job("refresh_all", selection="*")],
        resources={
            "fetcher": SnapshotFetcher(),
            "data_dir": DataDir(root=str(data / "bad")),
            "publish_policy": PublishPolicy(),
            "storage": StorageBackend(),
        },
        executor=in_process_executor,
    )
    # a fresh data dir whose first publication is the good one, then the corrupted parser runs
    shutil.copytree(data / "published", data / "bad" / "published", symlinks=True)
    result = run(defs)
    assert not result.success
    evaluations = {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert evaluations["schema_valid"].passed is False
    cases = evaluations["schema_valid"].metadata["failure_cases"].value
    assert "spaceship" in cases
    assert latest_version(data / "bad") == version
    assert not result.asset_materializations_for_node("published_version")


def test_fetch_file_spec_names_match_official_urls() -> None:
    for spec in definitions.SPECS:
        for fmt in spec.formats:
            for file in fmt.files:
                assert isinstance(file, FileSpec)
                assert file.url.startswith("https://"), file.url
