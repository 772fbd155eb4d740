"""BACI's indicators by DuckDB over the stored period files equal the polars indicators.

The fixture release (tests/fixtures/trade/baci: written in BACI's layout, see its README) goes
through the real ingest path (`cepii_baci.ingest_csv`, then one file per period) and the shipped
CHPL transcription; the DuckDB query must give the `cepii_baci` rows of
`trade_indicators_annual` that `indicators.scoped` + `indicators.annual_index` give.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from assets.trade_periods import stored_periods, write_periods
from resources.storage import DataDir
from trade import baci_duckdb, cepii_baci, chpl_codes, indicators


def test_duckdb_baci_indicators_equal_the_polars_ones(
    fixtures: Path, snapshots: Path, tmp_path: Path
) -> None:
    folder = fixtures / "trade" / "baci"
    countries_file = folder / "country_codes_V202401.csv"
    countries = cepii_baci.parse_countries(countries_file.name, countries_file.read_bytes())
    parts = []
    for path in sorted(folder.glob("BACI_HS22_Y*_V202401.csv")):
        out = tmp_path / f"{path.stem}.parquet"
        cepii_baci.ingest_csv(path.name, path, countries, out)
        parts.append(pl.scan_parquet(out))
    data = DataDir(root=str(tmp_path / "data"))
    years = [str(y) for y in range(2019, 2024)]
    assert write_periods(data, "cepii_baci", pl.concat(parts), years) == {
        "2019": 49, "2020": 49, "2021": 49, "2022": 49, "2023": 49,
    }  # fmt: skip
    chpl_csv = snapshots / "trade" / "chpl" / "chpl_2024-02-23.csv"
    chpl = chpl_codes.parse(f"chpl/{chpl_csv.name}", chpl_csv.read_bytes()).frame
    chpl_path = tmp_path / "chpl_codes.parquet"
    chpl.write_parquet(chpl_path)

    flows = indicators.flows_from_baci(pl.concat(parts)).collect()
    expected = (
        indicators.annual_index(indicators.scoped(flows, chpl))
        .filter(pl.col("source") == "cepii_baci")
        .sort(baci_duckdb.ORDER)
    )
    got = baci_duckdb.baci_annual(stored_periods(data, "cepii_baci"), chpl_path)
    assert got.height == expected.height > 0
    # sums of the same values in another order: equal to the last bits of a double
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-12, abs_tol=0)
    # Germany's exports to Russia of CHPL goods, 2023 against 2021 (the fixture's figures)
    de_ru = got.filter(
        (pl.col("reporter_code") == "DE")
        & (pl.col("partner_code") == "RU")
        & (pl.col("product_scope") == indicators.CHPL_ALL)
        & (pl.col("year") == 2023)
    )
    assert de_ru.select("value", "base_2021").row(0) == pytest.approx((1.32e7, 9.24e7))
    assert de_ru["index_2021"].item() == pytest.approx(100 / 7)
