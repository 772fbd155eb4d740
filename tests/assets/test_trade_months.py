"""Trade data by month (issue #12): one month refreshed inside its year, nothing else rewritten.

On a copy of the shipped snapshots: a full build, then three real Comext figures of 2023 are
revised in the downloads (Luxembourg's exports to Armenia in May and April 2023, and the EU's
annual 2023 exports to Heard Island) and only month 2023-05 is refreshed (run tag
`trade/months`). The May figure is taken; April and the annual row keep their stored values,
every other row of every table is identical, the other year files are not rewritten (same inode
and modification time). The indicators then equal a full build of data where only May was
revised. Refusals (a yearly source, a month not in the data, a year not built, a malformed
month) name the month; the command line parses `--period 2023-05`; in live mode the query asks
the (local) API for that month only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from dagster import AssetKey, DagsterInstance, Definitions, materialize

import cli
from assets import staleness, trade, trade_months, trade_periods
from assets.trade_sources import INDICATOR_TABLES
from resources.storage import DataDir
from tests.assets.test_trade_periods import _files, _rebuild_indicators, _resources

ARMENIA = "eurostat/armenia_export_eurostat/"
# real lines of the shipped downloads: (file, line, revised value)
MAY = (
    ARMENIA + "Relational_View_2024-11-16T06_40_48.491Z.csv",
    '"Luxembourg","Armenia","Total","EXPORT","Total","May. 2023",206523',
    "306523",
)
APRIL = (
    ARMENIA + "Relational_View_2024-11-16T06_40_56.147Z.csv",
    '"Luxembourg","Armenia","Total","EXPORT","Total","Apr. 2023",224819',
    "324819",
)
ANNUAL = (
    "eurostat/eu_year_export/Relational_View_2024-11-17T08_31_46.675Z.csv",
    '"Heard Island and McDonald Islands","TOTAL-Total","2-EXPORT","T-Total","202352-Jan.-Dec. 2023",38770',
    "48770",
)
MONTHLY = [a for a in trade.TRADE_ASSETS if a.key.to_user_string() in trade_months.MONTH_COLUMNS]
MAY_TAGS = trade_months.month_tags(trade_months.parse_months("2023-05"))


def _revise(root: Path, *revisions: tuple[str, str, str]) -> None:
    for file, line, value in revisions:
        path = root / "trade" / file
        text = path.read_text()
        assert text.count(line) == 1
        path.write_text(text.replace(line, line.rsplit(",", 1)[0] + "," + value))


def _lu_am(data: Path, month: int) -> list[float]:
    comext = trade.read_table(DataDir(root=str(data)), "eurostat_comext")
    return comext.filter(
        (pl.col("reporter_code") == "LU")
        & (pl.col("partner_code") == "AM")
        & (pl.col("year") == 2023)
        & (pl.col("month") == month)
    )["value_eur"].to_list()


@pytest.fixture(scope="module")
def refreshed(snapshots: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Full build; three 2023 figures revised; month 2023-05 alone refreshed, then the
    indicators rebuilt."""
    root = tmp_path_factory.mktemp("snap")
    shutil.copytree(snapshots / "trade", root / "trade")
    data = tmp_path_factory.mktemp("data")
    out: dict[str, object] = {"root": root, "data": data}
    with DagsterInstance.ephemeral() as instance:
        defs = Definitions(assets=trade.TRADE_ASSETS, resources=_resources(root, data))
        assert materialize(
            trade.TRADE_ASSETS,
            instance=instance,
            resources=_resources(root, data),
            tags=trade.full_range_tags(),
        ).success
        out["before"] = _files(data)
        out["tables_before"] = {
            t: trade.read_table(DataDir(root=str(data)), t) for t in trade_periods.PARTITIONED
        }
        _revise(root, MAY, APRIL, ANNUAL)
        result = materialize(
            MONTHLY, instance=instance, resources=_resources(root, data), tags=MAY_TAGS
        )
        assert result.success
        out["metadata"] = {
            e.asset_key.to_user_string(): e.metadata
            for e in (m.materialization for m in result.get_asset_materialization_events())
        }
        out["after"] = _files(data)
        out["stale_after_refresh"] = staleness.stale_derived(instance, defs)
        # the same month again, from the same payloads: nothing parsed nor rewritten
        assert materialize(
            MONTHLY, instance=instance, resources=_resources(root, data), tags=MAY_TAGS
        ).success
        out["after_same"] = _files(data)
        out["stale_after_rebuild"] = _rebuild_indicators(instance, defs, root, data)
    return out


def test_one_month_refresh_replaces_only_that_month(refreshed: dict[str, object]) -> None:
    data, before, after = refreshed["data"], refreshed["before"], refreshed["after"]
    assert isinstance(data, Path) and isinstance(before, dict) and isinstance(after, dict)
    assert _lu_am(data, 5) == [306523.0]  # the month asked for: revised
    assert _lu_am(data, 4) == [224819.0]  # another month of the same year: as stored
    comext = trade.read_table(DataDir(root=str(data)), "eurostat_comext")
    heard = comext.filter(
        (pl.col("partner_label") == "Heard Island and McDonald Islands")
        & (pl.col("year") == 2023)
        & pl.col("month").is_null()
    )
    assert heard["value_eur"].to_list() == [38770.0]  # the annual row: as stored
    # every row but the one revised is identical, in the same order
    tables = refreshed["tables_before"]
    assert isinstance(tables, dict)
    may = (pl.col("year") == 2023) & (pl.col("month") == 5)
    old = tables["eurostat_comext"]
    assert comext.height == old.height
    assert comext.filter(~may).equals(old.filter(~may))
    # May's rows, in the same order: one value differs, the revised one
    new, was = comext.filter(may), old.filter(may)
    columns = ["reporter_code", "partner_code", "value_eur"]
    changed = [(a, b) for a, b in zip(new.rows(), was.rows(), strict=True) if a != b]
    assert [tuple(new.select(columns).row(new.rows().index(a))) for a, _ in changed] == [
        ("LU", "AM", 306523.0)
    ]
    assert new.drop("value_eur").equals(was.drop("value_eur")) and was.height == 122
    for table in ("eurostat_cn8", "imf_imts"):
        assert trade.read_table(DataDir(root=str(data)), table).equals(tables[table]), table
    # only Comext's 2023 file was rewritten; CN8 has no rows in 2023, Comtrade no monthly rows
    assert {n for n in before if after.get(n) != before[n]} == {
        "warehouse/trade/eurostat_comext/period=2023.parquet"
    }
    assert set(after) == set(before)
    assert refreshed["after_same"] == after
    metadata = refreshed["metadata"]
    assert isinstance(metadata, dict)
    assert metadata["eurostat_comext"]["rows_by_month"].value == {"2023": {"2023-05": 122}}
    assert metadata["eurostat_cn8"]["unchanged"].value is True  # its workbooks: not revised
    assert metadata["un_comtrade"]["months"].value == "2023-05"


def test_staleness_follows_the_month(refreshed: dict[str, object]) -> None:
    assert refreshed["stale_after_refresh"] == [AssetKey("trade_indicators")]
    assert refreshed["stale_after_rebuild"] == []


def test_month_refresh_equals_a_full_build(
    refreshed: dict[str, object], snapshots: Path, tmp_path: Path
) -> None:
    """A full build of snapshots where only May was revised: every source and derived table is
    the same, frame for frame."""
    root = tmp_path / "snap"
    shutil.copytree(snapshots / "trade", root / "trade")
    _revise(root, MAY)
    full = tmp_path / "full"
    assert materialize(
        trade.TRADE_ASSETS, resources=_resources(root, full), tags=trade.full_range_tags()
    ).success
    month, rebuilt = DataDir(root=str(refreshed["data"])), DataDir(root=str(full))
    for table in ("trade_flows", *INDICATOR_TABLES, *trade_periods.PARTITIONED):
        assert trade.read_table(month, table).equals(trade.read_table(rebuilt, table)), table
    flows = trade.read_table(month, "trade_flows").filter(
        (pl.col("source") == "eurostat_comext")
        & (pl.col("reporter_code") == "LU")
        & (pl.col("partner_code") == "AM")
        & (pl.col("year") == 2023)
        & (pl.col("month") == 5)
    )
    assert flows["value"].to_list() == [306523.0]


def _failure(result: object) -> str:
    (failure,) = [e for e in result.all_events if e.is_step_failure]  # type: ignore[attr-defined]
    return str(failure.step_failure_data.error)


def test_refusals_name_the_month(refreshed: dict[str, object], tmp_path: Path) -> None:
    root, data = refreshed["root"], refreshed["data"]
    assert isinstance(root, Path) and isinstance(data, Path)
    before = _files(data)

    def run(assets: list, tags: dict[str, str]) -> str:
        result = materialize(
            assets, resources=_resources(root, data), tags=tags, raise_on_error=False
        )
        assert not result.success
        return _failure(result)

    baci = run([trade.cepii_baci_asset], MAY_TAGS)
    assert "cepii_baci is yearly (annual figures only): month 2023-05 cannot be refreshed" in baci
    # Comext's monthly rows of 2024 end in August
    late = run(
        [trade.eurostat_comext_asset], trade_months.month_tags(trade_months.parse_months("2024-12"))
    )
    assert "eurostat_comext: month 2024-12 is not in the data (its monthly rows of 2024: " in late
    assert "2024-08); nothing was stored" in late
    # the months tag must match the run's partitions
    wrong = run(
        [trade.eurostat_comext_asset],
        {**trade_periods.range_tags("2022"), **{trade_months.MONTHS_TAG: "2023-05"}},
    )
    assert "needs the run's partitions to be year(s) 2023, not 2022" in wrong
    bad = run([trade.eurostat_comext_asset], {**MAY_TAGS, trade_months.MONTHS_TAG: "2023-13"})
    assert "'2023-13' is not a month (YYYY-MM" in bad
    assert _files(data) == before
    # a month of a year never built: refused, nothing written
    empty = tmp_path / "never-built"
    result = materialize(
        [trade.eurostat_comext_asset],
        resources=_resources(root, empty),
        tags=MAY_TAGS,
        raise_on_error=False,
    )
    assert "eurostat_comext: year(s) 2023 not built yet" in _failure(result)
    assert not (empty / "warehouse" / "trade" / "eurostat_comext").exists()


def test_stored_rows_missing_from_the_data_are_refused(tmp_path: Path) -> None:
    """A month whose stored rows the fetched data no longer has: refused, the file kept."""
    data = DataDir(root=str(tmp_path))
    rows = {
        "year": [2023, 2023, 2023],
        "month": [4, 5, None],
        "source_file": ["a.csv"] * 3,
        "source_line": [3, 2, 4],
    }
    stored = pl.DataFrame(
        rows,
        schema={
            "year": pl.Int16,
            "month": pl.Int8,
            "source_file": pl.String,
            "source_line": pl.Int32,
        },
    )
    trade_periods.write_periods(data, "eurostat_comext", stored, ["2023"])
    path = trade_periods.period_path(data, "eurostat_comext", "2023")
    mtime = path.stat().st_mtime_ns
    with pytest.raises(
        trade_months.MonthRefusedError, match="month 2023-05 has 1 stored rows but none"
    ):
        trade_months.write_months(
            data,
            "eurostat_comext",
            stored.filter(pl.col("month") != 5),
            trade_months.parse_months("2023-05"),
        )
    assert path.stat().st_mtime_ns == mtime
    # the month given again, revised line numbers: the year file comes back in file/line order
    fresh = stored.with_columns(
        source_line=pl.when(pl.col("month") == 5)
        .then(5)
        .otherwise(pl.col("source_line"))
        .cast(pl.Int32)
    )
    assert trade_months.write_months(
        data, "eurostat_comext", fresh, trade_months.parse_months("2023-05")
    ) == {"2023": {"2023-05": 1}}
    assert pl.read_parquet(path)["source_line"].to_list() == [3, 4, 5]


def test_cn8_month_comes_back_in_parse_order(refreshed: dict[str, object], tmp_path: Path) -> None:
    """A real CN8 year file (sheets read month column by month column): May 2021 replaced by
    itself with one cell revised gives back the same file, in the same order, but that cell."""
    source = DataDir(root=str(refreshed["data"]))
    data = DataDir(root=str(tmp_path))
    year = pl.read_parquet(trade_periods.period_path(source, "eurostat_cn8", "2021"))
    trade_periods.write_periods(data, "eurostat_cn8", year, ["2021"])
    may = year.filter(pl.col("month") == 5).row(7, named=True)
    cell = pl.all_horizontal(
        pl.col(c) == may[c] for c in ("source_file", "source_sheet", "source_cell")
    )
    revised = year.with_columns(value_eur=pl.when(cell).then(1.0).otherwise(pl.col("value_eur")))
    counts = trade_months.write_months(
        data, "eurostat_cn8", revised, trade_months.parse_months("2021-05")
    )
    assert counts == {"2021": {"2021-05": year.filter(pl.col("month") == 5).height}}
    stored = pl.read_parquet(trade_periods.period_path(data, "eurostat_cn8", "2021"))
    assert stored.equals(revised) and not stored.equals(year)
    assert stored.filter(cell)["value_eur"].to_list() == [1.0]


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        (
            "2023-05",
            {
                "dagster/asset_partition_range_start": "2023",
                "dagster/asset_partition_range_end": "2023",
                "trade/months": "2023-05",
            },
        ),
        (
            "2022-11..2023-02",
            {
                "dagster/asset_partition_range_start": "2022",
                "dagster/asset_partition_range_end": "2023",
                "trade/months": "2022-11..2023-02",
            },
        ),
        (
            "2023",
            {
                "dagster/asset_partition_range_start": "2023",
                "dagster/asset_partition_range_end": "2023",
            },
        ),
    ],
)
def test_cli_parses_a_month(text: str, tags: dict[str, str]) -> None:
    assert cli.parse_period(text) == tags


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2023-13", "--period 2023-13: '2023-13' is not a month (YYYY-MM, e.g. 2023-05)"),
        ("1999-05", "--period 1999-05: month 1999-05: unknown trade period(s) 1999"),
        (
            "2023-05..2023-02",
            "--period 2023-05..2023-02: trade month range 2023-05..2023-02 runs backwards",
        ),
        ("2023-05..2024", "--period 2023-05..2024: '2024' is not a month"),
    ],
)
def test_cli_refuses_a_bad_month(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--period", text, "--data-dir", str(tmp_path)])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "warehouse").exists()


def test_cli_month_run_leaves_out_the_yearly_sources(capsys: pytest.CaptureFixture[str]) -> None:
    from definitions import build_definitions

    keys = build_definitions().resolve_job_def("ingest_all").asset_layer.selected_asset_keys
    assert cli.ingest_selection(keys, cli.parse_period("2023")) is None
    selected = cli.ingest_selection(keys, cli.parse_period("2023-05"))
    assert selected is not None
    assert set(keys) - set(selected) == {AssetKey("cepii_baci"), AssetKey("imf_imts")}
    assert "--period 2023-05: cepii_baci, imf_imts are yearly: not run" in capsys.readouterr().out


def test_live_month_asks_the_api_for_that_month_only(
    refreshed: dict[str, object], tmp_path: Path
) -> None:
    """Live mode against a local HTTP server: each Comext query asks for 2023-05 only
    (`startPeriod=2023-05&endPeriod=2023-05`); the answer's rows replace May in the year file
    built from the whole series, the other rows keep their values."""
    from resources.live import LiveFetcher
    from tests.httpserver import serve
    from tests.sdmx import as_sdmx

    full = trade.read_table(DataDir(root=str(refreshed["data"])), "eurostat_comext")
    armenia = full.filter(pl.col("source_file").str.starts_with(ARMENIA))
    served = tmp_path / "api"
    served.mkdir()
    overrides = {}
    for spec in trade.LIVE_FILES["eurostat_comext"]:
        partner = spec.name.removeprefix("comext_exports_").removesuffix(".csv")
        whole = armenia if partner == "AM" else armenia.clear()
        (served / spec.name).write_bytes(as_sdmx(whole))
        may = whole.filter((pl.col("year") == 2023) & (pl.col("month") == 5))
        may = may.with_columns(value_eur=pl.col("value_eur") + 1)  # the publisher revised May
        (served / f"may_{spec.name}").write_bytes(as_sdmx(may))
        overrides[f"eurostat_comext/{spec.name}"] = spec.name
    with serve(served) as server:

        def fetcher(prefix: str) -> LiveFetcher:
            urls = {
                k: f"{server.url}/ok/{prefix}{v}?format=SDMX-CSV&startPeriod=2019-01"
                for k, v in overrides.items()
            }
            return LiveFetcher(timeout_seconds=5, url_overrides=urls, allow_loopback_http=True)

        live = tmp_path / "live"
        resources = {"fetcher": fetcher(""), "data_dir": DataDir(root=str(live))}
        assert materialize(
            [trade.eurostat_comext_asset], resources=resources, tags=trade.full_range_tags()
        ).success
        before = trade.read_table(DataDir(root=str(live)), "eurostat_comext")
        first = len(server.requests)
        # the local server serves the month's answer under its own path (it ignores queries)
        resources["fetcher"] = fetcher("may_")
        assert materialize(
            [trade.eurostat_comext_asset], resources=resources, tags=MAY_TAGS
        ).success
        asked = [r["path"] for r in server.requests[first:]]
    assert len(asked) == len(trade.LIVE_FILES["eurostat_comext"])
    assert all(p.endswith("?format=SDMX-CSV&startPeriod=2023-05&endPeriod=2023-05") for p in asked)
    after = trade.read_table(DataDir(root=str(live)), "eurostat_comext")
    may = (pl.col("year") == 2023) & (pl.col("month") == 5)
    assert after.height == before.height
    assert after.filter(~may).equals(before.filter(~may))
    lu = after.filter(may & (pl.col("reporter_code") == "LU"))
    assert lu["value_eur"].to_list() == [306524.0]
    assert set(after.filter(may)["source_file"]) == {"comext_exports_AM_2023-05.csv"}
    # a month the API answers without rows is not published: refused, nothing stored
    empty = tmp_path / "empty"
    empty.mkdir()
    for spec in trade.LIVE_FILES["eurostat_comext"]:
        (empty / spec.name).write_bytes(as_sdmx(armenia.clear()))
    with serve(empty) as server:
        urls = {k: f"{server.url}/ok/{v}?startPeriod=2019-01" for k, v in overrides.items()}
        resources["fetcher"] = LiveFetcher(
            timeout_seconds=5, url_overrides=urls, allow_loopback_http=True
        )
        result = materialize(
            [trade.eurostat_comext_asset],
            resources=resources,
            tags=trade_months.month_tags(trade_months.parse_months("2024-10")),
            raise_on_error=False,
        )
    assert (
        "eurostat_comext: month 2024-10 is not in the data (its monthly rows of 2024: none)"
        in _failure(result)
    )
    assert trade.read_table(DataDir(root=str(live)), "eurostat_comext").equals(after)
