"""Trade assets end to end: materialize on the shipped snapshots (and with the HS6 fixtures)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from dagster import ExecuteInProcessResult, materialize

from assets import trade, trade_checks
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir

ASSET_KEYS = {
    "hs_codes",
    "chpl_codes",
    "eurostat_comext",
    "eurostat_cn8",
    "imf_imts",
    "un_comtrade",
    "cepii_baci",
    "trade_indicators",
}


Run = tuple[ExecuteInProcessResult, Path]


def _run(root: Path, data: Path) -> ExecuteInProcessResult:
    return materialize(
        trade.TRADE_ASSETS,
        resources={"fetcher": SnapshotFetcher(root=str(root)), "data_dir": DataDir(root=str(data))},
        tags=trade.full_range_tags(),
    )


@pytest.fixture(scope="module")
def shipped(snapshots: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    data = tmp_path_factory.mktemp("shipped")
    return _run(snapshots, data), data


@pytest.fixture(scope="module")
def with_fixtures(snapshots: Path, fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A snapshot root holding the shipped trade snapshots plus the written Comtrade/BACI files."""
    root = tmp_path_factory.mktemp("snap")
    shutil.copytree(snapshots / "trade", root / "trade")
    for folder in ("comtrade", "baci"):
        shutil.copytree(fixtures / "trade" / folder, root / "trade" / folder)
    catalog = json.loads((root / "trade" / "catalog.json").read_text())
    for source, folder, pattern in (
        ("un_comtrade", "comtrade", "*.json"),
        ("cepii_baci", "baci", "*.csv"),
    ):
        files = {
            p.name: f"{folder}/{p.name}" for p in sorted((root / "trade" / folder).glob(pattern))
        }
        catalog["sources"][source] = {
            "publications": [
                {"published_at": "2024-01-31", "published_basis": "test fixture", "files": files}
            ]
        }
    (root / "trade" / "catalog.json").write_text(json.dumps(catalog))
    data = tmp_path_factory.mktemp("fixtures")
    return _run(root, data), data


def test_asset_keys_and_checks() -> None:
    assert {a.key.to_user_string() for a in trade.TRADE_ASSETS} == ASSET_KEYS
    assert all(a.group_names_by_key[a.key] == "trade" for a in trade.TRADE_ASSETS)
    checked = {c.asset for c in trade.TRADE_CHECKS}
    assert checked == ASSET_KEYS  # every asset has at least one check
    # declared on the asset that runs them in its step, each blocking
    declared = {
        (spec.asset_key.to_user_string(), spec.name, spec.blocking)
        for a in trade.TRADE_ASSETS
        for spec in a.check_specs
    }
    assert declared == {(c.asset, c.name, True) for c in trade.TRADE_CHECKS}
    assert len(declared) == len(trade.TRADE_CHECKS) == 37
    assert all(
        spec.url.startswith("https://") for specs in trade.LIVE_FILES.values() for spec in specs
    )
    assert (
        trade.LIVE_FILES["cepii_baci"][0].url
        == "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_HS22_V202401.zip"
    )
    assert trade.LIVE_FILES["un_comtrade"][0].url.startswith(
        "https://comtradeapi.un.org/data/v1/get/C/A/HS?"
    )


def test_shipped_snapshots_materialize_with_passing_checks(shipped: Run) -> None:
    result, data = shipped
    assert result.success
    failed = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    assert failed == []
    assert len(list(result.get_asset_check_evaluations())) == len(trade.TRADE_CHECKS)
    eurostat = result.asset_materializations_for_node("eurostat_comext")[0].metadata
    assert (eurostat["rows"].value, eurostat["source_files"].value, eurostat["mode"].value) == (
        11633,
        286,
        "snapshot",
    )
    assert eurostat["published_at"].value == "2024-11-25"
    comtrade = result.asset_materializations_for_node("un_comtrade")[0].metadata
    assert comtrade["rows"].value == 0 and "no snapshot" in comtrade["note"].value
    indicators = result.asset_materializations_for_node("trade_indicators")[0].metadata
    ratios = indicators["eu_exports_2023_vs_2021"].value
    assert ratios["KG"] > 5 and ratios["RU"] < 0.6
    assert indicators["chart_trade_diversion"].value.startswith(
        "![chart](data:image/png;base64,iVBORw0KGgo"
    )
    raw = DataDir(root=str(data)).raw / "eurostat_comext"
    assert len([p for p in raw.iterdir() if p.suffix == ".csv"]) == 286
    cn8 = result.asset_materializations_for_node("eurostat_cn8")[0].metadata
    # 330 product sheets x 27 reporters x 7 partners = 62,370 rows, x 36 months
    assert (cn8["rows"].value, cn8["source_files"].value, cn8["rejects"].value) == (
        62370 * 36,
        3,
        0,
    )
    assert cn8["published_at"].value == "2023-01-13"
    assert indicators["chart_trade_chpl_substitution"].value.startswith(
        "![chart](data:image/png;base64,iVBORw0KGgo"
    )


def test_publish_tables_and_charts(shipped: Run) -> None:
    _, data = shipped
    tables = trade.publish_tables(DataDir(root=str(data)))
    assert set(tables) == {
        "trade_flows", "trade_indicators_monthly", "trade_indicators_annual", "trade_diversion",
        "trade_mirror_gaps", "hs_codes", "chpl_codes", "trade_product_chpl",
        "trade_chpl_monthly", "trade_chpl_annual", "trade_chpl_substitution", "trade_cn8_rises",
    }  # fmt: skip
    assert tables["trade_flows"].height == 11633 + 470 * 9 + 62370 * 36
    assert tables["trade_chpl_substitution"].height == 50
    assert tables["trade_cn8_rises"].height == 330 * 7
    assert tables["chpl_codes"].height == 50 and tables["hs_codes"].height == 6940
    assert tables["trade_mirror_gaps"].height == 0  # no Comtrade data is shipped
    pngs = trade.chart_pngs(DataDir(root=str(data)))
    assert set(pngs) == {
        "trade_eu_exports_index.png",
        "trade_diversion.png",
        "trade_chpl_exports_index.png",
        "trade_chpl_substitution.png",
    }


def test_hs6_fixtures_flow_through(with_fixtures: Run) -> None:
    result, data = with_fixtures
    assert result.success
    assert [e.check_name for e in result.get_asset_check_evaluations() if not e.passed] == []
    meta = {
        n: result.asset_materializations_for_node(n)[0].metadata
        for n in ("un_comtrade", "cepii_baci", "trade_indicators")
    }
    assert meta["un_comtrade"]["rows"].value == 136
    assert meta["cepii_baci"]["rows"].value == 245
    assert meta["trade_indicators"]["rows_trade_mirror_gaps"].value == 28
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    hs = checks[("un_comtrade", "hs_codes_exist")].metadata
    assert hs["rows_in_other_hs_editions"].value == 78  # 2019-2021 records are HS 2017 (H5)
    diversion = trade.read_table(DataDir(root=str(data)), "trade_diversion")
    assert {"un_comtrade", "cepii_baci", "eurostat_comext"} == set(diversion["source"])


def test_blocking_checks_catch_bad_data(shipped: Run) -> None:
    _, data = shipped
    frame = trade.read_table(DataDir(root=str(data)), "eurostat_comext")
    poisoned = frame.with_columns(
        value_eur=pl.when(pl.col("source_line") == 2).then(-1.0).otherwise(pl.col("value_eur")),
        partner_code=pl.when(pl.col("source_line") == 3)
        .then(pl.lit("ZZ"))
        .otherwise(pl.col("partner_code")),
        month=pl.when(pl.col("source_line") == 4)
        .then(pl.lit(13, pl.Int8))
        .otherwise(pl.col("month")),
    )
    # the 2nd, 3rd and 4th line of each of the 286 downloads; one download's 3rd line has a
    # partner of a special kind, whose code is not held to ISO: its `ZZ` resolves
    passed, metadata = trade_checks.values_valid(poisoned, ["value_eur"])
    assert passed is False and metadata["bad_values"] == 286
    passed, metadata = trade_checks.codes_resolve(poisoned, [("partner_code", "partner_kind")])
    assert passed is False and metadata["unresolved_codes"] == 285
    passed, metadata = trade_checks.periods_valid(poisoned)
    assert passed is False and metadata["bad_periods"] == 286
    assert trade_checks.values_valid(frame, ["value_eur"])[0] is True
    doubled = pl.concat(
        [
            frame,
            frame.filter(
                (pl.col("reporter_code") == "EU27_2020") & pl.col("month").is_not_null()
            ).with_columns(
                reporter_code=pl.lit("DE"),
                reporter_kind=pl.lit("country"),
                reporter_is_aggregate=pl.lit(False),
            ),
        ]
    )
    passed, metadata = trade_checks.aggregates_not_double_counted(doubled)
    assert passed is False and metadata["periods_over_aggregate"] == 272


def test_eurostat_live_mode_reads_the_api_over_http(
    shipped: Run, tmp_path: Path, snapshots: Path
) -> None:
    """Live mode end to end: the LiveFetcher fetches each partner's SDMX-CSV response from a
    real HTTP server on 127.0.0.1 (real Comext values, see tests/sdmx.py) and the asset stores
    the same figures the snapshot downloads give."""
    from resources.live import LiveFetcher
    from tests.httpserver import serve
    from tests.sdmx import as_sdmx

    _, data = shipped
    snapshot = trade.read_table(DataDir(root=str(data)), "eurostat_comext")
    folders = {
        "RU": "russia_export_eurostat",
        "KZ": "kazahstan_export_eurostat",
        "KG": "kyrgyz_export_eurostat",
        "AM": "armenia_export_eurostat",
    }
    served = tmp_path / "api"
    served.mkdir()
    overrides = {}
    for spec in trade.LIVE_FILES["eurostat_comext"]:
        partner = spec.name.removeprefix("comext_exports_").removesuffix(".csv")
        rows = snapshot.filter(
            pl.col("source_file").str.starts_with(f"eurostat/{folders.get(partner, '-')}/")
        )
        # partners without a shipped download answer with the header alone (no observations)
        (served / spec.name).write_bytes(as_sdmx(rows))
        overrides[f"eurostat_comext/{spec.name}"] = spec.name
        assert "format=SDMX-CSV" in spec.url and spec.url.startswith(
            "https://ec.europa.eu/eurostat/api/comext/"
        )
    with serve(served) as server:
        fetcher = LiveFetcher(
            timeout_seconds=5,
            url_overrides={k: f"{server.url}/ok/{v}" for k, v in overrides.items()},
            allow_loopback_http=True,  # the live fetcher refuses loopback outside tests
        )
        live = tmp_path / "live"
        result = materialize(
            [trade.eurostat_comext_asset],
            resources={"fetcher": fetcher, "data_dir": DataDir(root=str(live))},
            tags=trade.full_range_tags(),
        )
        assert len(server.requests) == len(trade.LIVE_FILES["eurostat_comext"])
    assert result.success
    metadata = result.asset_materializations_for_node("eurostat_comext")[0].metadata
    assert metadata["mode"].value == "live"
    assert metadata["rows"].value == 2_101 + 2_089 + 1_988 + 2_048
    table = trade.read_table(DataDir(root=str(live)), "eurostat_comext")
    assert set(table["label_language"]) == {"sdmx"}
    assert set(table["partner_code"]) == set(folders)
    key = ["reporter_code", "partner_code", "flow", "year", "month"]
    hr_am = table.filter(
        (pl.col("reporter_code") == "HR")
        & (pl.col("partner_code") == "AM")
        & (pl.col("year") == 2024)
        & (pl.col("month") == 8)
    )
    assert hr_am["value_eur"].item() == 62592
    assert hr_am["source_file"].item() == "comext_exports_AM.csv"
    same = table.select(*key, "value_eur").join(
        snapshot.filter(pl.col("partner_code").is_in(list(folders))).select(*key, "value_eur"),
        on=key,
        nulls_equal=True,
    )
    assert same.height == table.height
    assert (same["value_eur"] == same["value_eur_right"]).all()


def test_cn8_checks_catch_bad_data(shipped: Run) -> None:
    """A `:` turned into 0, and a CN8 line whose HS6 is no HS 2022 subheading, are caught."""
    _, data = shipped
    good = DataDir(root=str(data))
    cells = trade.read_table(good, "eurostat_cn8")
    products = trade.read_table(good, "eurostat_cn8_products")
    hs_codes = trade.read_table(good, "hs_codes")
    assert trade_checks.not_available_is_null(cells)[0] is True
    assert trade_checks.cn8_subheadings_exist(products, hs_codes)[0] is True
    zeroed = cells.with_columns(value_eur=pl.col("value_eur").fill_null(0))
    passed, metadata = trade_checks.not_available_is_null(zeroed)
    assert passed is False and metadata["cells_flag_mismatch"] == 2_071_024
    wrong = products.with_columns(
        hs6=pl.when(pl.col("product_code") == "85423190")
        .then(pl.lit("854299"))
        .otherwise(pl.col("hs6"))
    )
    passed, metadata = trade_checks.cn8_subheadings_exist(wrong, hs_codes)
    assert passed is False and metadata["unknown_hs6"] == 1


def test_baci_release_fetched_live_is_read_from_the_archive(
    with_fixtures: Run, fixtures: Path, tmp_path: Path
) -> None:
    """Live mode: the BACI-layout release (the fixture's yearly files and country codes, zipped
    as CEPII ships them, beside a product list and a readme) is served by a real HTTP server on
    127.0.0.1. The asset streams it into the raw archive, reads it member by member from there,
    and stores the same tables as the snapshot of loose files."""
    from polars.testing import assert_frame_equal

    from resources.live import LiveFetcher
    from tests.httpserver import serve

    _, data = with_fixtures
    (spec,) = trade.LIVE_FILES["cepii_baci"]
    release = tmp_path / "served" / spec.name
    release.parent.mkdir()
    with zipfile.ZipFile(release, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((fixtures / "trade" / "baci").glob("*.csv")):
            archive.write(path, path.name)
        archive.writestr("product_codes_HS22_V202401.csv", "code,description\n")
        archive.writestr("Readme.txt", "notes\n")
    live = DataDir(root=str(tmp_path / "live"))
    # BACI's checks read the HS nomenclature: the one the snapshot run stored
    trade.warehouse(live).mkdir(parents=True)
    shutil.copy(trade.table_path(DataDir(root=str(data)), "hs_codes"), trade.warehouse(live))
    with serve(release.parent) as server:
        fetcher = LiveFetcher(
            timeout_seconds=5,
            url_overrides={f"cepii_baci/{spec.name}": f"{server.url}/ok/{spec.name}"},
            allow_loopback_http=True,  # the live fetcher refuses loopback outside tests
        )
        result = materialize(
            [trade.cepii_baci_asset],
            resources={"fetcher": fetcher, "data_dir": live},
            tags=trade.full_range_tags(),
        )
        assert server.hits[f"/ok/{spec.name}"] == 1
    assert result.success
    metadata = result.asset_materializations_for_node("cepii_baci")[0].metadata
    assert (metadata["mode"].value, metadata["rows"].value) == ("live", 245)
    for table in ("cepii_baci", "cepii_baci_countries"):
        assert_frame_equal(
            trade.read_table(live, table), trade.read_table(DataDir(root=str(data)), table)
        )
    # the release is archived byte for byte (linked from the streamed file: nothing else stays)
    raw = live.raw / "cepii_baci"
    (archived,) = [p for p in raw.iterdir() if p.name != "fetch_log.jsonl"]
    assert archived.name.endswith(f"_{spec.name}") and archived.read_bytes() == release.read_bytes()
    (described,) = trade.read_meta(live, "cepii_baci")["files"]
    assert (described["raw_path"], described["size"]) == (str(archived), release.stat().st_size)
