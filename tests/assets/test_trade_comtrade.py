"""UN Comtrade parsers (data/v1 JSON, bulk CSV with tabs or commas) on the written fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from core.errors import SourceFormatError
from schemas.trade import UnComtrade
from trade import un_comtrade as uc


@pytest.fixture(scope="module")
def folder(fixtures: Path) -> Path:
    return fixtures / "trade" / "comtrade"


@pytest.fixture(scope="module")
def api(folder: Path) -> bytes:
    return (folder / "comtrade_hs6_annual.json").read_bytes()


@pytest.fixture(scope="module")
def tsv(folder: Path) -> bytes:
    return (folder / "comtrade_hs6_annual.tsv").read_bytes()


def _content(df: pl.DataFrame) -> pl.DataFrame:
    return df.drop("source_file", "source_line")


def test_json_tab_and_comma_layouts_agree(folder: Path, api: bytes, tsv: bytes) -> None:
    a = uc.parse_json("annual.json", api)
    b = uc.parse_csv("annual.tsv", tsv)
    c = uc.parse_csv("annual.csv", (folder / "comtrade_hs6_annual.csv").read_bytes())
    assert a.frame.height == b.frame.height == c.frame.height == 130
    assert _content(a.frame).equals(_content(b.frame))
    assert _content(b.frame).equals(_content(c.frame))
    assert uc.detect_separator("t", tsv.split(b"\n", 1)[0].decode()) == "\t"
    assert a.unknowns == [] and b.unknowns == []
    UnComtrade.validate(a.frame)
    UnComtrade.validate(b.frame)


def test_fields_taken(api: bytes, tsv: bytes) -> None:
    df = uc.parse_json("annual.json", api).frame
    row = df.filter(
        (pl.col("reporter_iso2") == "DE")
        & (pl.col("partner_iso2") == "KZ")
        & (pl.col("cmd_code") == "854231")
        & (pl.col("ref_year") == 2023)
    ).row(0, named=True)
    assert row["flow"] == "export" and row["flow_code"] == "X"
    assert row["primary_value"] == row["fob_value"] == 6e6 * 3.9
    assert row["cif_value"] is None
    assert row["classification_code"] == "H6" and row["aggr_level"] == 6 and row["is_leaf"] is True
    assert row["ref_month"] == 52 and row["month"] is None and row["period"] == "2023"
    assert (row["partner2_iso2"], row["partner2_kind"]) == ("W00", "aggregate")
    assert row["reporter_code"] == 276 and row["partner_code"] == 398
    # France is 251 in Comtrade (ISO numeric is 250): countries come from the ISO3 field
    fr = df.filter(pl.col("reporter_code") == 251)["reporter_iso2"].unique().to_list()
    assert fr == ["FR"]
    lines = uc.parse_csv("annual.tsv", tsv).frame["source_line"]
    assert lines.min() == 2 and lines.max() == 131


def test_monthly_records(folder: Path) -> None:
    df = uc.parse_json("m.json", (folder / "comtrade_hs6_monthly.json").read_bytes()).frame
    assert df["month"].to_list() == [1, 1, 2, 2, 3, 3]
    assert df["period"].to_list()[:2] == ["202301", "202301"]
    assert set(df["flow"]) == {"export", "import"}


def test_unknown_fields_kept_and_reported(api: bytes, tsv: bytes) -> None:
    doc = json.loads(api)
    doc["data"][0]["partner2Desc"] = "World"
    doc["note"] = "x"
    result = uc.parse_json("a.json", json.dumps(doc).encode())
    assert result.frame["extra_fields"][0] == '{"partner2Desc": "World"}'
    assert {u.what for u in result.unknowns} == {"unknown member", "unknown field"}
    lines = tsv.decode().split("\n")
    lines[0] += "\tmotDesc"
    lines[1:-1] = [line + "\tTRANSPORT" for line in lines[1:-1]]
    csv_result = uc.parse_csv("b.tsv", "\n".join(lines).encode())
    assert csv_result.frame["extra_fields"][0] == '{"motDesc":"TRANSPORT"}'
    assert [u.value for u in csv_result.unknowns] == ["motDesc"]


def test_streaming_ingest_matches_in_memory(tmp_path: Path, tsv: bytes) -> None:
    src = tmp_path / "bulk.tsv"
    src.write_bytes(tsv)
    rows, extra = uc.ingest_csv("bulk.tsv", src, tmp_path / "out.parquet")
    assert (rows, extra) == (130, [])
    assert pl.read_parquet(tmp_path / "out.parquet").equals(uc.parse_csv("bulk.tsv", tsv).frame)


# --- bad inputs ----------------------------------------------------------------------------


def test_truncated_inputs_refused(api: bytes, tsv: bytes) -> None:
    with pytest.raises(SourceFormatError, match=r"broken JSON") as err:
        uc.parse_json("cut.json", api[: len(api) // 2])
    assert err.value.file == "cut.json" and err.value.location.startswith("line ")
    with pytest.raises(SourceFormatError, match="truncated"):
        uc.parse_csv("cut.tsv", tsv[:-40])


def test_non_numeric_value_named_by_line(tsv: bytes) -> None:
    lines = tsv.decode().split("\n")
    fields = lines[4].split("\t")
    fields[37] = "12,5x"  # primaryValue
    lines[4] = "\t".join(fields)
    with pytest.raises(
        SourceFormatError, match=r"line 5: primaryValue is not a number: '12,5x'"
    ) as err:
        uc.parse_csv("v.tsv", "\n".join(lines).encode())
    assert err.value.file == "v.tsv"


def test_non_numeric_json_value_named_by_record(api: bytes) -> None:
    doc = json.loads(api)
    doc["data"][9]["qty"] = "many"
    with pytest.raises(SourceFormatError, match=r"record 10.*qty"):
        uc.parse_json("q.json", json.dumps(doc).encode())


def test_unknown_codes_refused(api: bytes, tsv: bytes) -> None:
    doc = json.loads(api)
    doc["data"][2]["partnerISO"] = "XYZ"
    with pytest.raises(SourceFormatError, match=r"record 3: unknown partnerISO"):
        uc.parse_json("c.json", json.dumps(doc).encode())
    doc = json.loads(api)
    doc["data"][5]["flowCode"] = "FM"
    with pytest.raises(SourceFormatError, match=r"record 6: unknown flowCode"):
        uc.parse_json("f.json", json.dumps(doc).encode())
    bad_period = tsv.replace(b"\t2019\t276", b"\t2018\t276", 1)
    with pytest.raises(SourceFormatError, match=r"line 2: period does not match refYear/refMonth"):
        uc.parse_csv("p.tsv", bad_period)


def test_layout_problems_refused(api: bytes, tsv: bytes) -> None:
    with pytest.raises(SourceFormatError, match="the file is empty"):
        uc.parse_csv("e.tsv", b"")
    with pytest.raises(SourceFormatError, match="HTML page"):
        uc.parse_json("h.json", b"<html><body>401 Access denied</body></html>")
    with pytest.raises(SourceFormatError, match="not a tab- or comma-separated Comtrade header"):
        uc.parse_csv("h.tsv", tsv.replace(b"primaryValue", b"primary_value", 1))
    with pytest.raises(SourceFormatError, match="not a tab- or comma-separated Comtrade header"):
        uc.parse_csv("s.csv", tsv.replace(b"\t", b";"))
    doc = json.loads(api)
    doc["count"] = 131
    with pytest.raises(SourceFormatError, match="declares 131 records, holds 130"):
        uc.parse_json("n.json", json.dumps(doc).encode())
    doc = json.loads(api)
    del doc["data"][0]["cmdCode"]
    with pytest.raises(SourceFormatError, match=r"record 1: missing fields \['cmdCode'\]"):
        uc.parse_json("m.json", json.dumps(doc).encode())
    with pytest.raises(SourceFormatError, match="the API refused the query: quota exceeded"):
        uc.parse_json(
            "q.json", b'{"elapsedTime": "0", "count": 0, "data": [], "error": "quota exceeded"}'
        )
