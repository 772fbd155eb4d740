"""IMF IMTS parser: the shipped RU_trade.csv to long form, and bad inputs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.errors import SourceFormatError
from schemas.trade import ImfImts
from trade import imf_imts

NAME = "imf_imts/RU_trade.csv"


@pytest.fixture(scope="module")
def data(snapshots: Path) -> bytes:
    return (snapshots / "trade" / NAME).read_bytes()


@pytest.fixture(scope="module")
def frame(data: bytes) -> pl.DataFrame:
    return imf_imts.parse(NAME, data).frame


def test_long_form_counts(data: bytes, frame: pl.DataFrame) -> None:
    assert data.startswith(b"\xef\xbb\xbf")
    assert frame.height == 470 * 9
    ImfImts.validate(frame)
    assert frame["series_code"].n_unique() == 470
    by_flow = frame.group_by("flow").agg(pl.col("series_code").n_unique()).sort("flow")
    assert by_flow.rows() == [("export", 234), ("import", 236)]
    assert frame["year"].unique().sort().to_list() == list(range(2016, 2025))
    nonempty = (
        frame.group_by("year").agg(pl.col("value_usd_millions").is_not_null().sum()).sort("year")
    )
    assert nonempty["value_usd_millions"].to_list() == [430, 424, 428, 428, 423, 427, 391, 376, 377]
    empty_series = frame.group_by("series_code").agg(pl.col("value_usd_millions").is_null().all())
    assert empty_series["value_usd_millions"].sum() == 15


def test_counterparts(frame: pl.DataFrame) -> None:
    kinds = frame.group_by("partner_kind").agg(pl.col("partner_imf_code").n_unique())
    assert dict(kinds.rows()) == {"country": 207, "historical": 4, "aggregate": 17, "special": 8}
    assert frame["partner_imf_code"].n_unique() == 236
    assert frame.filter(pl.col("partner_imf_code") == "G001")[
        "partner_code"
    ].unique().to_list() == ["G001"]
    assert frame.filter(pl.col("partner_imf_code") == "KGZ")["partner_code"].unique().to_list() == [
        "KG"
    ]
    assert frame.filter(pl.col("partner_imf_code") == "TUR")[
        "partner_label"
    ].unique().to_list() == ["Türkiye, Republic of"]
    assert set(frame["reporter_code"]) == {"RU"}


def test_real_values(frame: pl.DataFrame) -> None:
    def value(partner: str, flow: str, year: int) -> float | None:
        return frame.filter(
            (pl.col("partner_code") == partner)
            & (pl.col("flow") == flow)
            & (pl.col("year") == year)
        )["value_usd_millions"].item()

    assert value("AM", "export", 2023) == pytest.approx(4642.392631, rel=1e-9)
    assert value("KG", "import", 2022) == pytest.approx(788.544910, rel=1e-6)
    # Kazakhstan has no 2024 value: null, not zero
    assert value("KZ", "export", 2024) is None and value("KZ", "import", 2024) is None
    assert frame.filter(pl.col("indicator") == "MG_CIF_USD")["valuation"].unique().to_list() == [
        "CIF"
    ]


def test_bad_inputs_refused(fixtures: Path) -> None:
    data = (fixtures / "trade" / "imf" / "RU_trade_excerpt.csv").read_bytes()
    assert imf_imts.parse("x.csv", data).frame.height == 6 * 9
    with pytest.raises(SourceFormatError, match="truncated"):
        imf_imts.parse("x.csv", data[:-15])
    with pytest.raises(
        SourceFormatError, match=r"line 3: non-numeric value in column \d{4}: 'n/a'"
    ) as err:
        imf_imts.parse("x.csv", _bad_third(data))
    assert err.value.file == "x.csv"
    with pytest.raises(SourceFormatError, match=r"unknown counterpart code: 'ZZZ'"):
        imf_imts.parse("x.csv", data.replace(b'"KAZ"', b'"ZZZ"', 1))
    with pytest.raises(SourceFormatError, match=r"SCALE\.ID is not 6"):
        imf_imts.parse("x.csv", data.replace(b'"6","Millions"', b'"3","Millions"', 1))
    with pytest.raises(SourceFormatError, match=r"line 1: unexpected header"):
        imf_imts.parse("x.csv", data.replace(b'"2024"', b'"Y2024"'))
    with pytest.raises(SourceFormatError, match="not valid utf-8"):
        imf_imts.parse(
            "x.csv", data.replace(b"Russian Federation", "Russian Fédération".encode("latin-1"), 1)
        )


def _bad_third(data: bytes) -> bytes:
    """Replace the first value cell of the third line by 'n/a'."""
    lines = data.split(b"\n")
    fields = lines[2].split(b'","')
    fields[15] = b"n/a"
    lines[2] = b'","'.join(fields)
    return b"\n".join(lines)
