"""Eurostat Data Browser spreadsheets (`eurostat_cn8`) and the CHPL product-level indicators.

Parser tests run on `tests/fixtures/trade/eurostat_cn8/cn8_8542_excerpt.xlsx` (two real product
sheets cut from a shipped workbook, see the fixtures README); bad-input variants are made here by
editing the workbook's XML. The real-figure tests read the shipped workbooks twice: once through
the pipeline's functions, once with a plain XML reader written in this file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from core.errors import SourceFormatError
from schemas.trade import MODELS
from schemas.validate import validate
from trade import chpl_codes, chpl_indicators, eurostat_databrowser, indicators

FIXTURE = "eurostat_cn8/cn8_8542_excerpt.xlsx"
RUSSIA_LABEL, KAZAKHSTAN_LABEL = "Russian Federation (Russia)", "Kazakhstan"


@pytest.fixture(scope="module")
def excerpt(fixtures: Path) -> bytes:
    return (fixtures / "trade" / FIXTURE).read_bytes()


def _edit(data: bytes, member: str, old: str, new: str, count: int = 1) -> bytes:
    """The workbook with `old` replaced by `new` in one zip member (`count` times)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as z, zipfile.ZipFile(out, "w") as w:
        for info in z.infolist():
            body = z.read(info.filename)
            if info.filename == member:
                text = body.decode()
                assert old in text, f"{old!r} not in {member}"
                body = text.replace(old, new, count).encode()
            w.writestr(info, body)
    return out.getvalue()


def _part(data: bytes, sheet: str) -> str:
    """Zip member holding `sheet`."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(f'<sheet name="{sheet}" r:id="(rId\\d+)"', workbook).group(1)  # type: ignore[union-attr]
    return "xl/" + re.search(f'Id="{rid}" Target="([^"]+)"', rels).group(1)  # type: ignore[union-attr]


# --- the parser on the excerpt ---------------------------------------------------------------


def test_excerpt_every_cell_becomes_a_row(excerpt: bytes) -> None:
    result, accounting = eurostat_databrowser.parse({FIXTURE: excerpt})
    row = accounting.row(0, named=True)
    # 2 product sheets x 27 member states x 7 partners; 36 months each; 2 footer rows per sheet
    assert (row["sheets"], row["input_rows"], row["output_rows"], row["rejected"]) == (
        2,
        378,
        378,
        0,
    )
    assert (row["footer_rows"], row["cells"], row["ok"]) == (4, 378 * 36, True)
    frame = result.frame
    assert validate({"eurostat_cn8": MODELS["eurostat_cn8"]}, {"eurostat_cn8": frame}) == []
    assert result.unknowns == [] and result.rejects.height == 0
    assert set(frame["reporter_code"]) == set(eurostat_databrowser.labels().filter(
        pl.col("code").is_in(["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
                              "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL",
                              "PT", "RO", "SE", "SI", "SK"])
    )["code"])  # fmt: skip
    assert sorted(frame["partner_code"].unique()) == ["AM", "BY", "GE", "KG", "KZ", "RU", "UZ"]
    labels = dict(frame.select("reporter_label", "reporter_code").unique().iter_rows())
    assert labels["Belgium (incl. Luxembourg 'LU' -> 1998)"] == "BE"
    assert labels["Greece"] == "GR"
    assert labels["Spain (incl. Canary Islands 'XB' from 1997)"] == "ES"
    # the cell C17 of Sheet 37 (Excel row 17): Austria -> Russia, January 2020, 80,857 EUR
    cell = frame.filter(
        (pl.col("source_sheet") == "Sheet 37") & (pl.col("source_cell") == "C17")
    ).row(0, named=True)
    assert (cell["reporter_code"], cell["partner_code"], cell["period_label"]) == (
        "AT",
        "RU",
        "2020-01",
    )
    assert (cell["value_eur"], cell["obs_flag"], cell["source_line"]) == (80857.0, None, 17)
    assert (cell["product_code"], cell["product_level"], cell["hs6"]) == (
        "85423190",
        "CN8",
        "854231",
    )
    products = result.extra["products"]
    assert validate({"p": MODELS["eurostat_cn8_products"]}, {"p": products}) == []
    assert products.select("source_sheet", "product_code", "hs6", "rows").rows() == [
        ("Sheet 37", "85423190", "854231", 189),
        ("Sheet 53", "85429000", "854290", 189),
    ]
    sheet = products.row(0, named=True)
    assert (sheet["dataset"], sheet["data_updated"], sheet["extracted"]) == (
        "DS-045409__custom_4623968",
        "13/01/2023 11:00",
        "21/01/2023 17:38:57",
    )
    assert (sheet["months"], sheet["first_month"], sheet["last_month"]) == (
        36,
        "2020-01",
        "2022-12",
    )
    # C12: Austria -> Armenia, January 2020 is `:` — null with its flag, not 0
    na = frame.filter((pl.col("source_sheet") == "Sheet 37") & (pl.col("source_cell") == "C12"))
    assert na.select("value_eur", "obs_flag", "obs_flag_label").row(0) == (
        None,
        ":",
        "not available",
    )
    assert frame["value_eur"].is_null().sum() == frame["obs_flag"].is_not_null().sum()
    # the three zeros are zeros published as numbers in the sheet, not `:` turned into 0
    zeros = frame.filter(pl.col("value_eur") == 0).select("source_sheet", "source_cell")
    assert zeros.height == 3
    with zipfile.ZipFile(io.BytesIO(excerpt)) as z:
        for sheet, cell in zeros.iter_rows():
            xml = z.read(_part(excerpt, sheet)).decode()
            assert re.search(f'<c r="{cell}"[^>]* t="n"><v>0(\\.0)?</v></c>', xml), cell


def test_unknown_label_is_rejected_and_reported(excerpt: bytes) -> None:
    part = _part(excerpt, "Sheet 37")
    data = _edit(excerpt, part, "<t>Austria</t>", "<t>Atlantis</t>")
    result, accounting = eurostat_databrowser.parse({FIXTURE: data})
    row = accounting.row(0, named=True)
    assert (row["input_rows"], row["output_rows"], row["rejected"], row["ok"]) == (
        378,
        377,
        1,
        True,
    )
    assert row["cells"] == 377 * 36
    reject = result.rejects.row(0, named=True)
    assert (
        reject["source_line"] == 12
        and "REPORTER label not in eurostat_labels.csv" in reject["reason"]
    )
    assert reject["raw"].startswith("Atlantis|Armenia|:|")
    assert [(u.locator, u.what, u.value) for u in result.unknowns] == [
        ("Sheet 37!A12", "REPORTER label", "Atlantis")
    ]


def test_an_unexpected_footer_is_refused(excerpt: bytes) -> None:
    data = _edit(excerpt, _part(excerpt, "Sheet 53"), "<t>Special value</t>", "<t>Totals</t>")
    with pytest.raises(SourceFormatError, match=r"sheet 'Sheet 53' cell A202: unexpected row"):
        eurostat_databrowser.parse({FIXTURE: data})


def test_a_value_outside_the_legend_is_refused(excerpt: bytes) -> None:
    data = _edit(excerpt, _part(excerpt, "Sheet 37"), "<t>:</t>", "<t>n/a</t>")
    with pytest.raises(SourceFormatError, match=r"sheet 'Sheet 37' cell C12: neither a number"):
        eurostat_databrowser.parse({FIXTURE: data})


def test_header_and_container_checks(excerpt: bytes) -> None:
    data = _edit(
        excerpt, _part(excerpt, "Sheet 37"), "<t>VALUE_IN_EUROS</t>", "<t>QUANTITY_IN_KG</t>"
    )
    with pytest.raises(SourceFormatError, match=r"cell C7: unknown INDICATORS 'QUANTITY_IN_KG'"):
        eurostat_databrowser.parse({FIXTURE: data})
    data = _edit(excerpt, _part(excerpt, "Sheet 37"), "<t>2021-05</t>", "<t>May 2021</t>")
    with pytest.raises(SourceFormatError, match=r"not a month 'May 2021'"):
        eurostat_databrowser.parse({FIXTURE: data})
    with pytest.raises(SourceFormatError, match="not a zip archive"):
        eurostat_databrowser.parse({"x.xlsx": b"<html><body>Service unavailable</body></html>"})
    # a product sheet the Summary does not list
    data = _edit(excerpt, _part(excerpt, "Summary"), "<t>Sheet 53</t>", "<t>Sheet 54</t>")
    with pytest.raises(SourceFormatError, match="contents list"):
        eurostat_databrowser.parse({FIXTURE: data})


def test_repeats_are_refused(excerpt: bytes) -> None:
    """The same product in two workbooks, or a reporter x partner row twice in a sheet."""
    with pytest.raises(SourceFormatError, match=r"product 85423190 \(export\) already read from"):
        eurostat_databrowser.parse({"a.xlsx": excerpt, "b.xlsx": excerpt})
    # row 13 (Austria, Belarus) relabelled Armenia: Austria -> Armenia is then listed twice
    part = _part(excerpt, "Sheet 37")
    data = _edit(
        excerpt,
        part,
        '<c r="B13" s="8" t="inlineStr"><is><t>Belarus (Belorussia)',
        '<c r="B13" s="8" t="inlineStr"><is><t>Armenia',
    )
    with pytest.raises(SourceFormatError, match=r"sheet 'Sheet 37' cell A13: AT->AM listed twice"):
        eurostat_databrowser.parse({FIXTURE: data})


def test_a_heading_sheet_gets_no_hs6_and_no_tier(excerpt: bytes) -> None:
    """An HS4 sheet is marked at heading level, never split into an invented subheading."""
    data = _edit(excerpt, _part(excerpt, "Sheet 37"), "[85423190]", "[8542]")
    data = _edit(data, _part(data, "Summary"), "[85423190]", "[8542]")
    result, _ = eurostat_databrowser.parse({FIXTURE: data})
    heading = result.frame.filter(pl.col("product_code") == "8542")
    assert heading.height == 189 * 36
    assert (
        set(heading["product_level"]) == {"HS4"} and heading["hs6"].null_count() == heading.height
    )
    chpl = _chpl()
    mapping = chpl_indicators.product_chpl(result.extra["products"], chpl)
    assert mapping.select("product_code", "chpl_match", "chpl_tier").rows() == [
        ("8542", "heading", None),
        ("85429000", "none", None),
    ]
    flows = indicators.flows_from_cn8(result.frame)
    assert flows.filter(pl.col("product_code") == "8542")["hs6"].null_count() == 189 * 36
    assert chpl_indicators.chpl_lines(flows, mapping).height == 0  # kept out of CHPL sums


# --- real figures: the shipped workbooks -------------------------------------------------------


def _chpl() -> pl.DataFrame:
    root = Path(__file__).resolve().parents[2] / "snapshots" / "trade" / "chpl"
    return chpl_codes.parse("chpl.csv", (root / "chpl_2024-02-23.csv").read_bytes()).frame


CELL = re.compile(
    r'<c r="([A-Z]+)\d+"[^>]*? t="(\w+)"[^>]*>(?:<v>([^<]*)</v>|<is><t[^>]*>([^<]*)</t></is>)</c>'
)


def _raw_sums(folder: Path, prefix: str) -> dict[tuple[str, str, str], float]:
    """(CN8 code, partner label, yyyy-mm) → EU sum of the numeric cells of the product sheets
    whose code starts with `prefix`, read straight from the sheets' XML with regular
    expressions (no parser of the project, no spreadsheet library): a value is a cell of type
    `n` (numbers are stored as `80857.0` or `1.1264738E7`); `:` is an inline string."""
    sums: dict[tuple[str, str, str], float] = defaultdict(float)
    for path in sorted(folder.glob("*.xlsx")):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if not re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                    continue
                xml = z.read(name).decode()
                label = re.search(r'<c r="C5"[^>]*><is><t[^>]*>([^<]*)</t>', xml)
                product = re.search(r"\[(\d{8})\]$", label.group(1)) if label else None
                if not product or not product.group(1).startswith(prefix):
                    continue  # Summary, Structure or another product
                rows = dict(re.findall(r'<row r="(\d+)"[^>]*>(.*?)</row>', xml, flags=re.S))
                months = {col: v or t for col, _, v, t in CELL.findall(rows["9"])}
                for number, body in rows.items():
                    if int(number) < 12:
                        continue
                    cells = {col: (kind, v or t) for col, kind, v, t in CELL.findall(body)}
                    if "B" not in cells:
                        continue  # footer
                    for col, (kind, value) in cells.items():
                        if kind == "n":
                            sums[(product.group(1), cells["B"][1], months[col])] += float(value)
    return sums


@pytest.fixture(scope="module")
def raw(snapshots: Path) -> dict[tuple[str, str, str], float]:
    return _raw_sums(snapshots / "trade" / "eurostat_cn8", "8542")


@pytest.fixture(scope="module")
def pipeline(snapshots: Path) -> dict[str, pl.DataFrame]:
    folder = snapshots / "trade" / "eurostat_cn8"
    files = {f"eurostat_cn8/{p.name}": p.read_bytes() for p in sorted(folder.glob("*.xlsx"))}
    result, accounting = eurostat_databrowser.parse(files)
    assert accounting["ok"].all()
    flows = indicators.flows_from_cn8(result.frame)
    tables = chpl_indicators.build(flows, result.extra["products"], _chpl())
    return {"eurostat_cn8": result.frame, "accounting": accounting, **tables}


def _raw_total(raw: dict, prefix: str, partner: str, months: list[str]) -> float:
    return sum(
        v
        for (code, p, m), v in raw.items()
        if code.startswith(prefix) and p == partner and m in months
    )


def _year(year: int, first: int = 1) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(first, 13)]


def test_every_shipped_row_is_accounted_for(pipeline: dict[str, pl.DataFrame]) -> None:
    accounting = pipeline["accounting"]
    # 330 product sheets (110 per workbook) x 27 reporters x 7 partners
    assert accounting["sheets"].to_list() == [110, 110, 110]
    assert accounting["input_rows"].sum() == 62370 == accounting["output_rows"].sum()
    assert accounting["rejected"].sum() == 0 and accounting["footer_rows"].sum() == 660
    frame = pipeline["eurostat_cn8"]
    assert frame.height == 62370 * 36
    # `:` cells stay null with their flag: 2,071,024 of 2,245,320 cells
    assert frame["obs_flag"].is_not_null().sum() == 2071024 == frame["value_eur"].null_count()
    assert set(frame["product_level"]) == {"CN8"} and frame["product_code"].n_unique() == 330


def test_hs_8542_exports_match_the_raw_sheets(raw: dict, pipeline: dict[str, pl.DataFrame]) -> None:
    """EU exports of HS 8542 (the 19 CN8 lines of the extract) to Russia and Kazakhstan."""
    expected = {
        ("RU", 2021): _raw_total(raw, "8542", RUSSIA_LABEL, _year(2021)),
        ("RU", 2022): _raw_total(raw, "8542", RUSSIA_LABEL, _year(2022)),
        ("KZ", 2021): _raw_total(raw, "8542", KAZAKHSTAN_LABEL, _year(2021)),
        ("KZ", 2022): _raw_total(raw, "8542", KAZAKHSTAN_LABEL, _year(2022)),
    }
    # the figures themselves, as read from the sheets
    assert expected == {
        ("RU", 2021): 622191497.0,
        ("RU", 2022): 119388632.0,
        ("KZ", 2021): 6104540.0,
        ("KZ", 2022): 14680782.0,
    }
    rises = pipeline["trade_cn8_rises"].filter(pl.col("hs6").str.starts_with("8542"))
    for (partner, year), value in expected.items():
        got = rises.filter(pl.col("partner_code") == partner)[f"value_{year}"].sum()
        assert got == pytest.approx(value, abs=0.5), (partner, year)
    assert rises.filter(pl.col("partner_code") == "RU").height == 19


def test_substitution_matches_the_raw_sheets(raw: dict, pipeline: dict[str, pl.DataFrame]) -> None:
    """854231 (processors and controllers, tier 1): the window sums from the raw sheets."""
    pre, post = _year(2021, 3), _year(2022, 3)
    direct = ("Russian Federation (Russia)", "Belarus (Belorussia)")
    neighbours = ("Armenia", "Georgia", "Kazakhstan", "Kyrgyzstan", "Uzbekistan")
    fall = sum(
        _raw_total(raw, "854231", p, pre) - _raw_total(raw, "854231", p, post) for p in direct
    )
    rise = sum(
        _raw_total(raw, "854231", p, post) - _raw_total(raw, "854231", p, pre) for p in neighbours
    )
    row = pipeline["trade_chpl_substitution"].filter(pl.col("hs6") == "854231").row(0, named=True)
    assert (row["chpl_tier"], row["product_lines"]) == ("1", 3)
    assert row["direct_fall_eur"] == pytest.approx(fall, abs=0.5)
    assert row["neighbour_rise_eur"] == pytest.approx(rise, abs=0.5)
    assert row["rise_share_of_fall"] == pytest.approx(rise / fall)
    assert (row["pre_window"], row["post_window"]) == ("2021-03..2021-12", "2022-03..2022-12")
    # the largest substitution in EUR: mobile-network apparatus (851762), mostly via Kazakhstan
    top = (
        pipeline["trade_chpl_substitution"]
        .filter(pl.col("substitution_rank") == 1)
        .row(0, named=True)
    )
    assert (top["hs6"], top["top_neighbour"]) == ("851762", "KZ")


def test_indicator_tables_are_valid(pipeline: dict[str, pl.DataFrame]) -> None:
    names = chpl_indicators.TABLES
    assert validate({n: MODELS[n] for n in names}, {n: pipeline[n] for n in names}) == []
    mapping = pipeline["trade_product_chpl"]
    # 35 of the 330 lines are CHPL items (through 16 of the 50 HS6 codes)
    assert mapping.filter(pl.col("chpl_match") == "hs6").height == 35
    assert pipeline["trade_chpl_substitution"].filter(pl.col("product_lines") > 0).height == 16
    annual = pipeline["trade_chpl_annual"].filter(pl.col("product_scope") == "CHPL all tiers")
    index = {
        (p, y): i for p, y, i in annual.select("partner_code", "year", "index_2021").iter_rows()
    }
    assert index[("RU", 2022)] < 20 and index[("BY", 2022)] < 40  # direct exports collapsed
    assert index[("AM", 2022)] > 250 and index[("KG", 2022)] > 100  # neighbours rose
