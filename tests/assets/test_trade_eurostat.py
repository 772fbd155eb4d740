"""Eurostat Comext Relational_View parser: the 286 shipped downloads and bad inputs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.errors import SourceFormatError
from schemas.trade import EurostatComext
from tests.sdmx import as_sdmx
from trade import eurostat_comext as ec
from trade.tables import EU27

# data rows per download folder, from SOURCES.md
FOLDER_ROWS = {
    "eurostat/eu_year_export": 3407,
    "eurostat/russia_export_eurostat": 2101,
    "eurostat/kyrgyz_export_eurostat": 1988,
    "eurostat/armenia_export_eurostat": 2048,
    "eurostat/kazahstan_export_eurostat": 2089,
}
FRENCH = "eurostat/eu_year_export/Relational_View_2024-11-25T10_45_38.711Z.csv"


@pytest.fixture(scope="module")
def files(snapshots: Path) -> dict[str, bytes]:
    root = snapshots / "trade"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "eurostat").rglob("*.csv"))
    }


@pytest.fixture(scope="module")
def parsed(files: dict[str, bytes]) -> ec.TradeParse:
    return ec.parse(files)


@pytest.fixture
def fx(fixtures: Path) -> Path:
    return fixtures / "trade" / "eurostat"


def test_all_286_files_every_row_accounted(files: dict[str, bytes], parsed: ec.TradeParse) -> None:
    assert len(files) == 286
    assert parsed.input_rows == FOLDER_ROWS
    accounting = parsed.accounting(ec.group_of(parsed.frame, parsed.rejects))
    assert accounting["ok"].all()
    assert dict(zip(accounting["group"], accounting["output_rows"], strict=True)) == FOLDER_ROWS
    assert parsed.rejects.height == 0
    assert parsed.frame.height == sum(FOLDER_ROWS.values()) == 11633
    assert parsed.frame["source_file"].n_unique() == 286
    EurostatComext.validate(parsed.frame)


def test_labels_resolve_to_codes(parsed: ec.TradeParse) -> None:
    df = parsed.frame
    reporters = set(df.filter(pl.col("reporter_kind") == "country")["reporter_code"])
    assert reporters == set(EU27) | {"GB"}
    aggregates = (
        df.filter(pl.col("reporter_is_aggregate"))["reporter_code"].unique().sort().to_list()
    )
    assert aggregates == ["EA", "EA20", "EU", "EU27_2020"]
    monthly_partners = (
        df.filter(pl.col("month").is_not_null())["partner_code"].unique().sort().to_list()
    )
    assert monthly_partners == ["AM", "KG", "KZ", "RU"]
    belgium = df.filter(pl.col("reporter_code") == "BE")["reporter_label"].unique().to_list()
    assert belgium == ["Belgium (incl. Luxembourg 'LU' -> 1998)"]
    # partner pseudo-codes and aggregates of the annual downloads
    annual = df.filter(pl.col("month").is_null())
    assert {"EXT_EU27_2020", "INT_EU27_2020"} <= set(
        annual.filter(pl.col("partner_is_aggregate"))["partner_code"]
    )
    assert {"QP", "QR", "QS", "QV", "QW", "XC", "XL"} <= set(
        annual.filter(pl.col("partner_kind") == "special")["partner_code"]
    )


def test_period_spellings(parsed: ec.TradeParse) -> None:
    df = parsed.frame

    def period(label: str) -> tuple[int, int | None]:
        row = df.filter(pl.col("period_label") == label).select("year", "month").unique()
        assert row.height == 1
        return row.row(0)

    assert period("201952-Jan.-Dec. 2019") == (2019, None)
    assert period("Jan.-Dec. 2017") == (2017, None)
    assert period("201901-Jan. 2019") == (2019, 1)
    assert period("Apr. 2019") == (2019, 4)
    assert period("May. 2024") == (2024, 5)
    assert df.filter(pl.col("month").is_null())["year"].unique().sort().to_list() == list(
        range(2010, 2024)
    )
    months = df.filter(pl.col("month").is_not_null()).select("year", "month").unique()
    assert months.height == 68  # Jan 2019 .. Aug 2024


def test_french_download(parsed: ec.TradeParse) -> None:
    fr = parsed.frame.filter(pl.col("source_file") == FRENCH)
    assert fr.height == 248
    assert fr["label_language"].unique().to_list() == ["fr"]
    assert fr["flow_label"].unique().to_list() == ["EXPORTATION"]
    assert fr["reporter_code"].unique().to_list() == ["EU27_2020"]
    assert fr["partner_code"].n_unique() == 248
    value = lambda code: fr.filter(pl.col("partner_code") == code)["value_eur"].item()  # noqa: E731
    assert value("RU") == 69_284_490_691
    # the French download writes Guinea-Bissau as "Guinea"; "Guinée" is Guinea
    assert fr.filter(pl.col("partner_label") == "Guinea")["partner_code"].item() == "GW"
    assert fr.filter(pl.col("partner_label") == "Guinée")["partner_code"].item() == "GN"
    assert value("GW") == 125_725_547
    # same partners as the English 2017 download
    en = parsed.frame.filter(pl.col("period_label") == "Jan.-Dec. 2017")
    assert set(en["partner_code"]) == set(fr["partner_code"])


def test_real_values_and_lines(parsed: ec.TradeParse) -> None:
    df = parsed.frame
    row = df.filter(
        (pl.col("reporter_code") == "HR")
        & (pl.col("partner_code") == "AM")
        & (pl.col("year") == 2024)
        & (pl.col("month") == 8)
    ).row(0, named=True)
    assert row["value_eur"] == 62592
    assert row["source_line"] == 2
    assert (
        row["source_file"]
        == "eurostat/armenia_export_eurostat/Relational_View_2024-11-16T06_38_12.719Z.csv"
    )
    kz = df.filter(
        (pl.col("reporter_code") == "CY")
        & (pl.col("partner_code") == "KZ")
        & (pl.col("period_label") == "202408-Aug. 2024")
    )
    assert kz["value_eur"].item() == 11421
    assert kz["product_label"].item() == "TOTAL-Total" and kz["flow_label"].item() == "2-EXPORT"


def test_fixture_excerpts_parse(fx: Path) -> None:
    files = {f"eurostat/x/{p.name}": p.read_bytes() for p in sorted(fx.glob("*.csv"))}
    result = ec.parse(files)
    assert result.frame.height == sum(p.read_bytes().count(b"\n") - 1 for p in fx.glob("*.csv"))
    assert set(result.frame["label_language"]) == {"en", "fr"}


# --- bad inputs ----------------------------------------------------------------------------


def _one(fx: Path, name: str = "russia_2024-08_plain.csv") -> bytes:
    return (fx / name).read_bytes()


def test_truncated_file_refused(fx: Path) -> None:
    data = _one(fx)
    with pytest.raises(SourceFormatError, match=r"line 6.*truncated") as err:
        ec.parse({"eurostat/a/cut.csv": data[:-20]})
    assert err.value.file == "eurostat/a/cut.csv"


def test_unknown_label_refused_naming_file_line_label(fx: Path) -> None:
    data = _one(fx).replace(b'"Greece"', b'"Atlantis"')
    with pytest.raises(SourceFormatError) as err:
        ec.parse({"eurostat/a/bad.csv": data})
    assert err.value.file == "eurostat/a/bad.csv"
    assert err.value.location == "line 4"
    assert "unknown REPORTER label: 'Atlantis'" in str(err.value)


def test_unknown_period_and_flow_refused(fx: Path) -> None:
    with pytest.raises(SourceFormatError, match=r"line 2: unknown PERIOD spelling: 'Aug 2024'"):
        ec.parse({"p.csv": _one(fx).replace(b'"Aug. 2024"', b'"Aug 2024"')})
    with pytest.raises(SourceFormatError, match="unknown FLOW label: 'IMPORT-2'"):
        ec.parse({"p.csv": _one(fx).replace(b'"EXPORT"', b'"IMPORT-2"', 1)})
    # a coded period whose code disagrees with its text
    with pytest.raises(SourceFormatError, match=r"unknown PERIOD spelling: '202407-Aug\. 2024'"):
        ec.parse(
            {
                "k.csv": _one(fx, "kazakhstan_2024-01_coded.csv").replace(
                    b"202401-Jan. 2024", b"202407-Aug. 2024", 1
                )
            }
        )


def test_non_numeric_value_refused(fx: Path) -> None:
    data = _one(fx).replace(b",6715293", b",:", 1)
    with pytest.raises(
        SourceFormatError, match=r"line 4: VALUE_IN_EUR is not a non-negative number: ':'"
    ) as err:
        ec.parse({"eurostat/a/v.csv": data})
    assert err.value.file == "eurostat/a/v.csv"
    with pytest.raises(SourceFormatError, match="not a non-negative number: '-5'"):
        ec.parse({"v.csv": _one(fx).replace(b",6715293", b",-5", 1)})


def test_duplicate_period_with_other_value_refused(fx: Path) -> None:
    data = _one(fx)
    other = data.replace(b",6715293", b",6715294", 1)
    with pytest.raises(
        SourceFormatError,
        match=r"duplicate period 'Aug. 2024' for GR->RU export: 6715294.0 here, 6715293.0 in a.csv line 4",
    ) as err:
        ec.parse({"a.csv": data, "b.csv": other})
    assert (err.value.file, err.value.location) == ("b.csv", "line 4")


def test_identical_repeat_is_a_reject_not_a_loss(fx: Path) -> None:
    data = _one(fx)
    result = ec.parse({"x/a.csv": data, "y/b.csv": data})
    assert result.frame.height == 5 and result.rejects.height == 5
    assert result.rejects["reason"][0] == "identical repeat of x/a.csv line 2"
    accounting = result.accounting(ec.group_of(result.frame, result.rejects))
    assert accounting["ok"].all() and accounting["input_rows"].sum() == 10


def test_structural_problems_refused(fx: Path) -> None:
    data = _one(fx)
    with pytest.raises(SourceFormatError, match="the file is empty"):
        ec.parse({"e.csv": b""})
    with pytest.raises(SourceFormatError, match="HTML page"):
        ec.parse({"h.csv": b"<!DOCTYPE html><html><body>Service unavailable</body></html>\n"})
    with pytest.raises(SourceFormatError, match="not valid utf-8"):
        ec.parse({"w.csv": data.replace(b"Luxembourg", "Lüxembourg".encode("latin-1"))})
    with pytest.raises(SourceFormatError, match=r"line 1: unexpected header"):
        ec.parse({"c.csv": data.replace(b"VALUE_IN_EUR", b"VALUE_IN_USD")})
    with pytest.raises(SourceFormatError, match=r"line 2: expected 7 fields, found fewer"):
        ec.parse({"f.csv": data.replace(b',"Aug. 2024",162950', b"", 1)})


def test_extra_field_and_multiline_field(fx: Path) -> None:
    data = _one(fx)
    with pytest.raises(SourceFormatError, match=r"line 3: expected 7 fields, found 8") as err:
        ec.parse(
            {
                "ok.csv": _one(fx, "kazakhstan_2024-01_coded.csv"),
                "x.csv": data.replace(b",179808", b",179808,1", 1),
            }
        )
    assert err.value.file == "x.csv"
    # a quoted label spanning two lines still gets the right line numbers
    spanning = data.replace(b'"Cyprus"', b'"Cyp\r\nrus"', 1)
    with pytest.raises(SourceFormatError) as err:
        ec.parse({"m.csv": spanning})
    assert (err.value.location, "'Cyp\\r\\nrus'" in str(err.value)) == ("line 3", True)


def test_header_only_download_is_zero_rows(fx: Path) -> None:
    data = _one(fx)
    header_only = data.split(b"\n", 1)[0] + b"\n"
    result = ec.parse({"a/empty.csv": header_only, "b/full.csv": data})
    assert result.frame.height == 5 and result.input_rows == {"a": 0, "b": 5}
    assert result.frame["source_file"].unique().to_list() == ["b/full.csv"]
    assert result.frame["source_line"].to_list() == [2, 3, 4, 5, 6]


# --- SDMX-CSV (live mode: the dissemination API) -----------------------------------------------
# No API response could be fetched here: the responses below are the real Easy Comext rows of
# the Russia download folder written in the SDMX-CSV layout the API serves.

RUSSIA = "eurostat/russia_export_eurostat"


@pytest.fixture(scope="module")
def russia(parsed: ec.TradeParse) -> pl.DataFrame:
    return parsed.frame.filter(pl.col("source_file").str.starts_with(RUSSIA))


def test_sdmx_response_gives_the_same_figures(russia: pl.DataFrame) -> None:
    assert russia.height == FOLDER_ROWS[RUSSIA]
    result = ec.parse({"M.RU.csv": as_sdmx(russia)})
    df = result.frame
    assert df.height == russia.height == 2_101
    assert result.rejects.is_empty() and result.accounting()["ok"].all()
    assert EurostatComext.validate(df).height == df.height
    assert set(df["label_language"]) == {"sdmx"} and df["obs_flag"].is_null().all()
    key = ["reporter_code", "partner_code", "flow", "year", "month"]
    both = russia.select(*key, "value_eur").join(
        df.select(*key, "value_eur"), on=key, how="full", nulls_equal=True
    )
    assert both.height == 2_101
    assert (both["value_eur"] == both["value_eur_right"]).all()
    # Greece: EL in the API, GR in the table, its code as published kept as the label
    greece = df.filter(pl.col("reporter_code") == "GR")
    assert greece.height > 0 and set(greece["reporter_label"]) == {"EL"}
    eu = df.filter(pl.col("reporter_code") == "EU27_2020")
    assert eu["reporter_is_aggregate"].all()
    assert set(df["stat_procedure"]) == {"TOTAL"} and df["stat_procedure_label"].is_null().all()


def test_sdmx_flags_and_withheld_values(russia: pl.DataFrame) -> None:
    lines = as_sdmx(russia.head(3), conf_status=True).decode().split("\r\n")
    lines[1] = lines[1][:-1] + "p,"  # OBS_FLAG p (provisional), CONF_STATUS empty
    cut = lines[2].split(",")
    cut[9], cut[10] = "", "c"
    lines[2] = ",".join(cut)
    result = ec.parse({"M.RU.csv": "\r\n".join(lines).encode()})
    assert result.frame.height == 2
    assert result.frame.sort("source_line")["obs_flag"].to_list() == ["p", None]
    assert result.rejects.height == 1
    assert result.rejects.row(0, named=True)["source_line"] == 3
    assert "confidential" in result.rejects["reason"].item()
    assert result.accounting()["ok"].all()


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        (0, "ESTAT:DS-059341(1.0)", "not the DS-045409 dataflow"),
        (2, "Q", "unknown freq code"),
        (3, "ZZ", "unknown reporter code"),
        (5, "8542", "unknown product code"),
        (7, "QUANTITY_IN_100KG", "unknown indicators code"),
        (8, "2019M01", "TIME_PERIOD does not match freq"),
        (9, "12,5", "expected 11 fields"),
        (9, "n/a", "OBS_VALUE is not a non-negative number"),
        (9, "", "no OBS_VALUE and no flag"),
        (10, "x", "unknown OBS_FLAG"),
    ],
)
def test_sdmx_bad_field_refused_with_file_and_line(
    russia: pl.DataFrame, column: int, bad: str, message: str
) -> None:
    lines = as_sdmx(russia.head(5)).decode().split("\r\n")
    fields = lines[3].split(",")
    fields[column] = bad
    lines[3] = ",".join(fields)
    with pytest.raises(SourceFormatError, match=message) as err:
        ec.parse({"M.RU.csv": "\r\n".join(lines).encode()})
    assert err.value.file == "M.RU.csv" and err.value.location == "line 4"


def test_sdmx_header_truncation_and_mixing(russia: pl.DataFrame, fx: Path) -> None:
    good = as_sdmx(russia.head(5))
    renamed = good.replace(b"indicators", b"unit", 1)
    with pytest.raises(SourceFormatError, match=r"unknown \['unit'\], missing \['indicators'\]"):
        ec.parse({"M.RU.csv": renamed})
    with pytest.raises(SourceFormatError, match="truncated"):
        ec.parse({"M.RU.csv": good[:-7]})
    with pytest.raises(SourceFormatError, match="mixed"):
        ec.parse({"M.RU.csv": good, "eurostat/x/plain.csv": _one(fx)})
