"""Trade data by period (issue #12): one year refreshed or backfilled without the others.

On the shipped snapshots (a copy, so one real Comext line can be revised): a full build, then
a revision of one 2023 figure refreshed through partition 2023 alone. The other periods' files
are not rewritten (same inode and modification time), the trade indicators are stale for
Dagster until rebuilt, and then equal a full build of the revised data. A range backfill stores
exactly its periods; an unknown period is refused by name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterUnknownPartitionError,
    Definitions,
    materialize,
)
from dagster._core.definitions.backfill_policy import BackfillPolicyType

import cli
from assets import staleness, trade, trade_periods
from assets.trade_sources import INDICATOR_TABLES
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir

# a real line of the Armenia download: Luxembourg's exports to Armenia in March 2023
REVISED_FILE = "eurostat/armenia_export_eurostat/Relational_View_2024-11-16T06_41_01.704Z.csv"
REVISED_LINE = '"Luxembourg","Armenia","Total","EXPORT","Total","Mar. 2023",153601'
SOURCES = [a for a in trade.TRADE_ASSETS if a.key.to_user_string() in trade_periods.PARTITIONED]
TABLES = ("trade_flows", *INDICATOR_TABLES)
REFERENCE = ("hs_codes", "chpl_codes")


def _files(data: Path) -> dict[str, tuple[int, int]]:
    """Every stored period file: (inode, mtime in ns)."""
    return {
        str(p.relative_to(data)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted((data / "warehouse" / "trade").glob("*/period=*.parquet"))
    }


def _resources(root: Path, data: Path) -> dict[str, object]:
    return {"fetcher": SnapshotFetcher(root=str(root)), "data_dir": DataDir(root=str(data))}


def _rebuild_indicators(
    instance: DagsterInstance, defs: Definitions, root: Path, data: Path
) -> list[str]:
    """Rebuild the trade indicators from the stored periods; what is stale afterwards."""
    assert materialize(
        [trade.trade_indicators_asset, *SOURCES],
        instance=instance,
        resources=_resources(root, data),
        selection=[AssetKey("trade_indicators")],
    ).success
    return staleness.stale_derived(instance, defs)


@pytest.fixture(scope="module")
def revised(snapshots: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Full build; the 2023 line revised; partition 2023 alone refreshed, then the indicators."""
    root = tmp_path_factory.mktemp("snap")
    shutil.copytree(snapshots / "trade", root / "trade")
    data = tmp_path_factory.mktemp("data")
    out: dict[str, object] = {"root": root, "data": data}
    with DagsterInstance.ephemeral() as instance:
        defs = Definitions(assets=trade.TRADE_ASSETS, resources=_resources(root, data))
        full = materialize(
            trade.TRADE_ASSETS,
            instance=instance,
            resources=_resources(root, data),
            tags=trade.full_range_tags(),
        )
        assert full.success
        out["before"] = _files(data)
        out["stale_after_full"] = staleness.stale_derived(instance, defs)
        # the same payloads, period 2023 again: nothing new for the indicators
        same = materialize(
            SOURCES, instance=instance, resources=_resources(root, data), partition_key="2023"
        )
        assert same.success
        out["stale_after_same"] = staleness.stale_derived(instance, defs)
        out["after_same"] = _files(data)
        path = root / "trade" / REVISED_FILE
        text = path.read_text()
        assert text.count(REVISED_LINE) == 1
        path.write_text(text.replace(REVISED_LINE, REVISED_LINE.replace("153601", "253601")))
        refresh = materialize(
            SOURCES, instance=instance, resources=_resources(root, data), partition_key="2023"
        )
        assert refresh.success
        out["partitions"] = {
            (m.asset_key.to_user_string(), m.partition)
            for m in refresh.get_asset_materialization_events()
            for m in [m.materialization]
        }
        out["after"] = _files(data)
        out["stale_after_refresh"] = staleness.stale_derived(instance, defs)
        out["stale_after_rebuild"] = _rebuild_indicators(instance, defs, root, data)
    return out


def test_one_period_refresh_rewrites_only_that_period(revised: dict[str, object]) -> None:
    before, after = revised["before"], revised["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    assert "warehouse/trade/eurostat_comext/period=2010.parquet" in before  # Comext's first year
    assert len(before) == 15 + 3 + 9  # Comext 2010-2024, CN8 2020-2022, IMF 2016-2024
    assert revised["after_same"] == before  # unchanged payloads: not even re-written
    changed = {name for name in before if after.get(name) != before[name]}
    assert changed == {"warehouse/trade/eurostat_comext/period=2023.parquet"}
    assert set(after) == set(before)
    # one run, the five sources, partition 2023 only
    assert revised["partitions"] == {(a.key.to_user_string(), "2023") for a in SOURCES}
    data = DataDir(root=str(revised["data"]))
    comext = trade.read_table(data, "eurostat_comext").filter(
        (pl.col("reporter_code") == "LU")
        & (pl.col("partner_code") == "AM")
        & (pl.col("year") == 2023)
        & (pl.col("month") == 3)
    )
    assert comext["value_eur"].to_list() == [253601.0]


def test_staleness_follows_the_periods(revised: dict[str, object]) -> None:
    """Dagster's data versions per partition decide: an unchanged period re-run leaves the
    indicators current, a revised one makes them stale until rebuilt."""
    assert revised["stale_after_full"] == []
    assert revised["stale_after_same"] == []
    assert revised["stale_after_refresh"] == [AssetKey("trade_indicators")]
    assert revised["stale_after_rebuild"] == []


def test_refreshed_indicators_equal_a_full_build(
    revised: dict[str, object], tmp_path: Path
) -> None:
    root = revised["root"]
    assert isinstance(root, Path)
    full = tmp_path / "full"
    assert materialize(
        trade.TRADE_ASSETS, resources=_resources(root, full), tags=trade.full_range_tags()
    ).success
    refreshed, rebuilt = DataDir(root=str(revised["data"])), DataDir(root=str(full))
    for table in (*TABLES, *trade_periods.PARTITIONED):
        assert trade.read_table(refreshed, table).equals(trade.read_table(rebuilt, table)), table
    # the revision reaches the indicators: Luxembourg's exports to Armenia, March 2023
    flows = trade.read_table(refreshed, "trade_flows").filter(
        (pl.col("source") == "eurostat_comext")
        & (pl.col("reporter_code") == "LU")
        & (pl.col("partner_code") == "AM")
        & (pl.col("year") == 2023)
        & (pl.col("month") == 3)
    )
    assert flows["value"].to_list() == [253601.0]


def test_backfill_of_a_range_stores_exactly_its_periods(
    snapshots: Path, tmp_path: Path, revised: dict[str, object]
) -> None:
    """A single-run backfill of 2021..2022: one run, one step per source, both periods."""
    assert all(
        a.backfill_policy is not None
        and a.backfill_policy.policy_type == BackfillPolicyType.SINGLE_RUN
        and a.partitions_def == trade_periods.PERIODS
        for a in SOURCES
    )
    data = tmp_path / "data"
    # with the reference tables the sources' checks read (unpartitioned: built once)
    reference = [a for a in trade.TRADE_ASSETS if a.key.to_user_string() in REFERENCE]
    result = materialize(
        [*reference, *SOURCES],
        resources=_resources(snapshots, data),
        tags=trade_periods.range_tags("2021", "2022"),
    )
    assert result.success
    assert {
        (m.materialization.asset_key.to_user_string(), m.materialization.partition)
        for m in result.get_asset_materialization_events()
    } == {(a.key.to_user_string(), p) for a in SOURCES for p in ("2021", "2022")} | {
        (name, None) for name in REFERENCE
    }
    assert sorted(_files(data)) == [
        f"warehouse/trade/{table}/period={year}.parquet"
        for table in ("eurostat_cn8", "eurostat_comext", "imf_imts")
        for year in ("2021", "2022")
    ]
    # the same rows as the full build's (unrevised) years
    full = DataDir(root=str(revised["data"]))
    for table in ("eurostat_comext", "eurostat_cn8", "imf_imts"):
        years = pl.col("year").is_in([2021, 2022])
        assert trade.read_table(DataDir(root=str(data)), table).equals(
            trade.read_table(full, table).filter(years)
        ), table


def test_unknown_period_is_refused_by_name(
    snapshots: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(DagsterUnknownPartitionError, match="`1999`"):
        materialize(SOURCES, resources=_resources(snapshots, tmp_path), partition_key="1999")
    result = materialize(
        [trade.imf_imts_asset],
        resources=_resources(snapshots, tmp_path),
        tags={trade_periods.RANGE_START_TAG: "1999", trade_periods.RANGE_END_TAG: "2020"},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "unknown trade period(s) 1999: periods are years 2010 to" in str(
        failure.step_failure_data.error
    )
    assert not (tmp_path / "warehouse" / "trade" / "imf_imts").exists()
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--period", "1999..2020", "--data-dir", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "--period 1999..2020: unknown trade period(s) 1999" in capsys.readouterr().err
    # rows of a year before the first period are refused, not dropped
    old = pl.DataFrame({"year": [2005, 2023]}, schema={"year": pl.Int16})
    with pytest.raises(trade_periods.UnknownPeriodError, match=r"year\(s\) 2005 \(year\)"):
        trade_periods.period_counts("imf_imts", old)
