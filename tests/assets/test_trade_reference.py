"""Reference tables: HS 2022 nomenclature and the Common High Priority List."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from core.errors import SourceFormatError
from schemas.trade import MODELS, ChplCodes, HsCodes
from trade import chpl_codes, hs_codes
from trade.tables import SCHEMAS

CHPL = "chpl/chpl_2024-02-23.csv"


@pytest.fixture(scope="module")
def hs_files(snapshots: Path) -> dict[str, bytes]:
    root = snapshots / "trade"
    return {
        f"harmonized-system/{n}": (root / "harmonized-system" / n).read_bytes()
        for n in ("harmonized-system.csv", "sections.csv")
    }


@pytest.fixture(scope="module")
def hs(hs_files: dict[str, bytes]) -> pl.DataFrame:
    return hs_codes.parse(hs_files).frame


@pytest.fixture(scope="module")
def chpl(snapshots: Path) -> pl.DataFrame:
    return chpl_codes.parse(CHPL, (snapshots / "trade" / CHPL).read_bytes()).frame


def test_hs_counts_and_codes(hs_files: dict[str, bytes], hs: pl.DataFrame) -> None:
    HsCodes.validate(hs)
    assert dict(hs.group_by("level").len().rows()) == {2: 97, 4: 1229, 6: 5613, 5: 1}
    assert hs.height == 6940
    total = hs.filter(pl.col("level") == 5).row(0, named=True)
    assert (total["hs_code"], total["description"]) == ("TOTAL", "Total of all HS2022 commodities")
    horses = hs.filter(pl.col("hs_code") == "010121").row(0, named=True)
    assert (horses["parent"], horses["section"], horses["section_name"]) == (
        "0101",
        "I",
        "live animals; animal products",
    )
    assert (
        hs.filter(pl.col("hs_code") == "854231")["section_name"]
        .item()
        .startswith("Machinery and mechanical appliances")
    )
    assert hs.filter(pl.col("section_name").is_null())["section"].unique().to_list() == ["TOTAL"]
    sections = hs_files["harmonized-system/sections.csv"]
    assert sections.startswith(b"\xef\xbb\xbf") and not sections.endswith(b"\n")


def test_chpl_transcription(chpl: pl.DataFrame) -> None:
    ChplCodes.validate(chpl)
    assert chpl.height == chpl_codes.EXPECTED_CODES == 50
    tiers = dict(chpl.group_by("tier").len().rows())
    assert tiers == {"1": 4, "2": 5, "3.A": 16, "3.B": 9, "4.A": 11, "4.B": 5}
    assert chpl.filter(pl.col("tier") == "1")["hs_code"].to_list() == [
        "854231",
        "854232",
        "854233",
        "854239",
    ]
    assert chpl["published_at"].unique().to_list() == [date(2024, 2, 23)]
    assert chpl["source_url"].unique().to_list() == [
        "https://www.bis.gov/licensing/country-guidance/common-high-priority-items-list-chpl"
    ]


def test_every_chpl_code_is_an_hs2022_subheading(chpl: pl.DataFrame, hs: pl.DataFrame) -> None:
    missing = chpl_codes.missing_from_nomenclature(chpl, hs)
    assert missing["hs_code"].to_list() == []
    # and the check does catch one that is not
    fake = pl.concat([chpl, chpl.head(1).with_columns(hs_code=pl.lit("854299"))])
    assert chpl_codes.missing_from_nomenclature(fake, hs)["hs_code"].to_list() == ["854299"]


def test_bad_inputs_refused(hs_files: dict[str, bytes], snapshots: Path) -> None:
    codes = hs_files["harmonized-system/harmonized-system.csv"]
    sections = hs_files["harmonized-system/sections.csv"]
    with pytest.raises(SourceFormatError, match="truncated"):
        hs_codes.parse({"harmonized-system.csv": codes[:-30], "sections.csv": sections})
    with pytest.raises(SourceFormatError, match="line 2: code does not match its level: '1'"):
        hs_codes.parse(
            {
                "harmonized-system.csv": codes.replace(b"I,01,Animals", b"I,1,Animals", 1),
                "sections.csv": sections,
            }
        )
    with pytest.raises(SourceFormatError, match="file missing"):
        hs_codes.parse({"harmonized-system.csv": codes})
    chpl = (snapshots / "trade" / CHPL).read_bytes()
    with pytest.raises(SourceFormatError, match=r"line 2: not an HS6 code: '85423'"):
        chpl_codes.parse("c.csv", chpl.replace(b"854231,", b"85423,", 1))
    with pytest.raises(SourceFormatError, match=r"unknown tier: '5'"):
        chpl_codes.parse("c.csv", chpl.replace(b",1,2024", b",5,2024", 1))
    with pytest.raises(SourceFormatError, match="code listed twice"):
        chpl_codes.parse("c.csv", chpl.replace(b"854232,", b"854231,", 1))
    with pytest.raises(SourceFormatError, match="truncated"):
        chpl_codes.parse("c.csv", chpl[:-10])


def test_models_match_table_schemas() -> None:
    assert set(MODELS) == set(SCHEMAS)
    for table, model in MODELS.items():
        schema = model.to_schema()
        assert schema.strict is True, table
        assert list(schema.columns) == list(SCHEMAS[table]), table
        assert all(column.description for column in schema.columns.values()), table
