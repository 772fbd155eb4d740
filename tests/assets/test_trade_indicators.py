"""Circumvention indicators on the real Comext/IMF files (and the written HS6 fixtures)."""

from __future__ import annotations

import struct
from pathlib import Path

import polars as pl
import pytest

from schemas.trade import MODELS
from schemas.validate import validate
from trade import cepii_baci, charts, chpl_codes, eurostat_comext, imf_imts, indicators, un_comtrade

INVASION_MONTHS = [(2023, m) for m in range(1, 13)]


@pytest.fixture(scope="module")
def flows(snapshots: Path, fixtures: Path) -> pl.DataFrame:
    root = snapshots / "trade"
    eu = eurostat_comext.parse(
        {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "eurostat").rglob("*.csv"))
        }
    )
    imf = imf_imts.parse("imf_imts/RU_trade.csv", (root / "imf_imts" / "RU_trade.csv").read_bytes())
    fx = fixtures / "trade"
    comtrade = [
        un_comtrade.parse_json(p.name, p.read_bytes()).frame
        for p in sorted((fx / "comtrade").glob("*.json"))
    ]
    baci = cepii_baci.parse({p.name: p.read_bytes() for p in (fx / "baci").glob("*.csv")})
    return indicators.trade_flows(
        indicators.flows_from_eurostat(eu.frame),
        indicators.flows_from_imf(imf.frame),
        indicators.flows_from_comtrade(pl.concat(comtrade)),
        indicators.flows_from_baci(baci.frame),
    )


@pytest.fixture(scope="module")
def chpl(snapshots: Path) -> pl.DataFrame:
    name = "chpl/chpl_2024-02-23.csv"
    return chpl_codes.parse(name, (snapshots / "trade" / name).read_bytes()).frame


@pytest.fixture(scope="module")
def tables(flows: pl.DataFrame, chpl: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return indicators.build(flows, chpl)


def test_tables_valid_and_traced(flows: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> None:
    assert (
        validate({t: MODELS[t] for t in ("trade_flows", *tables)}, {"trade_flows": flows, **tables})
        == []
    )
    for name, frame in tables.items():
        assert frame.height > 0, name
        assert frame.filter(pl.col("source_files").list.len() == 0).height == 0, name
    assert set(flows["source"]) == {"eurostat_comext", "imf_imts", "un_comtrade", "cepii_baci"}
    assert (
        flows.filter(pl.col("source") == "imf_imts")["value"].null_count() > 0
    )  # empty cells stay null


def test_known_pattern_on_real_comext_data(tables: dict[str, pl.DataFrame]) -> None:
    annual = tables["trade_indicators_annual"]
    ratios = {
        p: indicators.ratio(annual, "eurostat_comext", p, 2023)
        for p in ("RU", "KZ", "KG", "AM", "GE", "AE", "TR")
    }
    print("EU27_2020 exports 2023 / 2021 (eu_year_export):", ratios)
    assert ratios["KG"] > 5
    assert ratios["KZ"] > 1.5
    assert ratios["AM"] > 2
    assert ratios["RU"] < 0.6
    assert all(ratios[p] > 1.2 for p in ("GE", "AE", "TR"))
    # the monthly downloads summed give the same picture as the annual download
    for partner in ("RU", "KZ", "KG", "AM"):
        summed = indicators.ratio(annual, "eurostat_comext", partner, 2023, basis="sum_of_months")
        assert summed == pytest.approx(ratios[partner], rel=1e-6)


def test_monthly_index_after_the_invasion(tables: dict[str, pl.DataFrame]) -> None:
    monthly = tables["trade_indicators_monthly"].filter(
        (pl.col("source") == "eurostat_comext")
        & (pl.col("reporter_code") == "EU27_2020")
        & (pl.col("year") == 2023)
    )
    index = {
        p: monthly.filter(pl.col("partner_code") == p)["index_2021"]
        for p in ("RU", "KZ", "KG", "AM")
    }
    print({p: (round(s.min(), 1), round(s.max(), 1)) for p, s in index.items()})
    assert all(len(s) == 12 for s in index.values())
    assert index["RU"].max() < 75
    assert index["KG"].min() > 400
    assert index["KZ"].min() > 150 and index["AM"].min() > 150
    base = tables["trade_indicators_monthly"].filter(
        (pl.col("reporter_code") == "EU27_2020")
        & (pl.col("partner_code") == "RU")
        & (pl.col("year") == 2021)
    )
    assert base["index_2021"].mean() == pytest.approx(100.0)
    assert base["source_files"][0][0].startswith("eurostat/russia_export_eurostat/")
    assert len(base["source_files"][0]) == 12  # the month's file is one of the 12 base files


def test_diversion_against_trend(tables: dict[str, pl.DataFrame]) -> None:
    div = tables["trade_diversion"].filter(
        (pl.col("source") == "eurostat_comext")
        & (pl.col("basis") == "annual")
        & (pl.col("year") == 2023)
    )
    row = {r["partner_code"]: r for r in div.iter_rows(named=True)}
    print({p: round(row[p]["excess_pct"], 2) for p in ("KG", "KZ", "AM", "GE", "AE", "TR", "CN")})
    assert (
        row["KG"]["excess_pct"] > 5
        and row["KZ"]["excess_pct"] > 0.5
        and row["AM"]["excess_pct"] > 1
    )
    assert row["KG"]["ru_change_vs_2021"] < -0.4 and row["KG"]["ru_excess_pct"] < -0.4
    assert row["KG"]["growth_vs_2021"] == pytest.approx(
        indicators.ratio(tables["trade_indicators_annual"], "eurostat_comext", "KG", 2023)
    )
    assert "RU" not in row
    files = row["KZ"]["source_files"]
    # the files of 2023 and of the 2019-2021 trend (one download per year covers every partner)
    assert len(files) == 4 and all(f.startswith("eurostat/eu_year_export/") for f in files)


def test_chpl_diversion_from_hs6_fixtures(tables: dict[str, pl.DataFrame]) -> None:
    div = tables["trade_diversion"].filter(pl.col("source").is_in(["un_comtrade", "cepii_baci"]))
    assert set(div["basis"]) == {"annual_members_sum"}
    assert {"CHPL tier 1", "CHPL tier 2", "CHPL tier 3.A", "CHPL all tiers"} == set(
        div["product_scope"]
    )
    kg = div.filter(
        (pl.col("partner_code") == "KG")
        & (pl.col("year") == 2023)
        & (pl.col("product_scope") == "CHPL tier 1")
    )
    assert (
        kg.height == 2 and (kg["excess_pct"] > 5).all() and (kg["ru_change_vs_2021"] < -0.5).all()
    )
    # members summed (DE + FR) — the fixtures publish no EU aggregate
    comtrade = tables["trade_indicators_annual"].filter(
        (pl.col("source") == "un_comtrade")
        & (pl.col("partner_code") == "KZ")
        & (pl.col("year") == 2023)
        & (pl.col("product_scope") == "CHPL tier 3.A")
        & (pl.col("flow") == "export")
    )
    members = comtrade.filter(pl.col("reporter_code").is_in(["DE", "FR"]))["value"].sum()
    eu = div.filter(
        (pl.col("source") == "un_comtrade")
        & (pl.col("partner_code") == "KZ")
        & (pl.col("year") == 2023)
        & (pl.col("product_scope") == "CHPL tier 3.A")
    )["value"].item()
    assert eu == pytest.approx(members)


def test_mirror_gaps(tables: dict[str, pl.DataFrame]) -> None:
    gaps = tables["trade_mirror_gaps"]
    assert set(gaps["exporter_code"]) == {"DE"} and set(gaps["importer_code"]) == {"KZ", "AM"}
    assert set(gaps["chpl_tier"]) == {"1", "2", "3.A"}  # 870323 (cars) is not a CHPL item
    kz = gaps.filter(
        (pl.col("importer_code") == "KZ")
        & (pl.col("product_code") == "854231")
        & pl.col("month").is_null()
    )
    assert kz["gap_ratio"].to_list() == pytest.approx([1.08, 1.08, 1.08, 1.35, 1.35])
    monthly = gaps.filter(pl.col("month").is_not_null())
    assert monthly.height == 3 and monthly["source_files"][0].to_list() == [
        "comtrade_hs6_monthly.json"
    ]


def test_members_never_exceed_the_aggregate(flows: pl.DataFrame) -> None:
    compared = indicators.members_vs_aggregate(flows)
    assert compared.height == 272  # 4 partners × 68 months
    assert compared["ok"].all()
    assert compared["excess_ratio"].abs().max() < 1e-9  # the real extracts add up exactly
    # a double-counted row (an aggregate summed as if it were a member) is caught
    monthly = pl.col("month").is_not_null()
    extra = flows.filter(
        (pl.col("reporter_code") == "EU27_2020") & (pl.col("partner_code") == "KZ") & monthly
    ).head(1)
    doubled = pl.concat(
        [flows, extra.with_columns(reporter_code=pl.lit("DE"), reporter_is_aggregate=pl.lit(False))]
    )
    assert indicators.members_vs_aggregate(doubled)["ok"].sum() == 271


def test_eu_exports_use_the_aggregate_alone(tables: dict[str, pl.DataFrame]) -> None:
    eu = indicators.eu_exports(tables["trade_indicators_annual"])
    comext = eu.filter(
        (pl.col("source") == "eurostat_comext")
        & (pl.col("partner_code") == "RU")
        & (pl.col("year") == 2021)
    )
    published = tables["trade_indicators_annual"].filter(
        (pl.col("source") == "eurostat_comext")
        & (pl.col("reporter_code") == "EU27_2020")
        & (pl.col("partner_code") == "RU")
        & (pl.col("year") == 2021)
    )
    assert sorted(comext["value"].to_list()) == sorted(published["value"].to_list())
    assert set(comext["basis"]) == {"annual", "sum_of_months"}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_charts_render(tables: dict[str, pl.DataFrame]) -> None:
    pngs = charts.render_all(tables["trade_indicators_monthly"], tables["trade_diversion"])
    assert set(pngs) == {"trade_eu_exports_index.png", "trade_diversion.png"}
    for data in pngs.values():
        assert _png_size(data) == (990, 550)
        assert len(data) > 30_000
