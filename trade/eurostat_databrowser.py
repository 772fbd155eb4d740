"""Eurostat Data Browser spreadsheet downloads (xlsx) of DS-045409 — `eurostat_cn8`.

The third Eurostat layout, after the Comext Relational_View CSV and the API's SDMX-CSV
(`eurostat_comext`). One workbook holds a `Summary` sheet (title with the dataset code, last
update, a contents table: sheet name → PRODUCT label, FLOW, INDICATORS), a `Structure` sheet
(every dimension value of the extraction), then one sheet per product, `Sheet 1` … `Sheet N`.
A product sheet, by 0-based row:

    0  Data extracted on dd/mm/yyyy hh:mm:ss from [ESTAT]
    1  Dataset: | <title> [DS-045409__custom_nnn]
    2  Last updated: | dd/mm/yyyy hh:mm
    4  PRODUCT [PRODUCT] | | <label> [<code>]        code: CN8 (8 digits), HS6 or HS4
    5  FLOW | | EXPORT
    6  INDICATORS | | VALUE_IN_EUROS
    8  TIME | TIME | 2020-01 | 2020-02 | …             one column per month
    9  FREQ (Labels) | FREQ (Labels) | Monthly | …
    10 REPORTER (Labels) | PARTNER (Labels)
    11… <reporter label> | <partner label> | <value or special value> | …
    then a blank row and the footer: `Special value` (or `Available flags:`) followed by a
    legend of symbols (`:` | not available).

Every cell of the data block becomes one row: reporter × partner × month. Reporter and partner
labels ("Belgium (incl. Luxembourg 'LU' -> 1998)") resolve through the documented label table
`trade/eurostat_labels.csv` (English labels); a row whose label is not in it is rejected with
the reason and reported as an unknown, never dropped. A cell holding a symbol of the sheet's own
legend (`:` = not available) is kept with a null value and the symbol in `obs_flag`; any other
non-numeric cell, a missing header label or an unexpected footer raises `SourceFormatError`
naming the file, sheet and cell. Footer rows are recognised and counted, never read as data.

The HS6 of a CN8 code is its first six digits (the CN is the HS subdivided); an HS6 product is
its own HS6; an HS4 product (a partial heading sheet) has no HS6 (`hs6` null): it is never
split or assigned to a subheading.

The workbook is a zip: `open_workbook` is where the bounded-size check of the archive belongs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from core.canonical import Unknown
from core.errors import SourceFormatError
from core.sniff import require_content
from core.zipsafe import ZipLimits, check_zip
from trade.eurostat_comext import labels

if TYPE_CHECKING:  # fastexcel is imported where a workbook is opened, not with the definitions
    import fastexcel
from trade.tables import SCHEMAS, TradeParse, conform, empty, rejects_frame
from trade.vocabulary import CN8_PRODUCTS as PRODUCTS  # one row per product sheet

SOURCE = "eurostat_cn8"
SUMMARY, STRUCTURE = "Summary", "Structure"
PRODUCT_SHEET = re.compile(r"^Sheet (\d+)$")
# (row, column) → the label a product sheet must carry there
HEADER_LABELS: dict[tuple[int, int], str] = {
    (4, 0): "PRODUCT [PRODUCT]",
    (5, 0): "FLOW",
    (6, 0): "INDICATORS",
    (8, 0): "TIME",
    (8, 1): "TIME",
    (9, 0): "FREQ (Labels)",
    (9, 1): "FREQ (Labels)",
    (10, 0): "REPORTER (Labels)",
    (10, 1): "PARTNER (Labels)",
}
PRODUCT_ROW, FLOW_ROW, INDICATOR_ROW, TIME_ROW, FREQ_ROW, FIRST_DATA_ROW = 4, 5, 6, 8, 9, 11
EXTRACTED = re.compile(r"^Data extracted on (\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}) from \[ESTAT\]$")
DATASET = re.compile(r"\[(DS-045409(?:__custom_\d+)?)\]$")
UPDATED = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")
PRODUCT_CODE = re.compile(r"\[(\d{8}|\d{6}|\d{4})\]$")
PRODUCT_LEVELS = {8: "CN8", 6: "HS6", 4: "HS4"}
FLOWS = {"EXPORT": "export", "IMPORT": "import"}
INDICATORS = ("VALUE_IN_EUROS",)
FREQUENCIES = ("Monthly",)
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
VALUE = r"^\d+(\.\d+)?$"
# a footer starts with one of these labels; the legend rows under it are (symbol, meaning)
FOOTERS = ("Special value", "Available flags:")


@dataclass
class SheetHead:
    """What the header rows of one product sheet say."""

    product_code: str
    product_label: str
    flow: str
    flow_label: str
    indicator: str
    dataset: str
    data_updated: str
    extracted: str
    months: list[str]


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# The three real DS-045409 workbooks (snapshots/trade/eurostat_cn8) hold 124 members each; the
# largest is a sheet of 406,845 bytes and the largest expanded total 44,511,304 bytes. Ten times
# each, as for OFSI's workbooks, leaves room for a wider extract and refuses a bomb early.
XLSX_LIMITS = ZipLimits(member=10 * 406_845, total=10 * 44_511_304, members=10 * 124)


def open_workbook(name: str, data: bytes | Path) -> fastexcel.ExcelReader:
    """The workbook behind an xlsx payload (a zip archive, as bytes or a file), read by calamine
    (from the file's path when given one: the payload is not read into memory first).

    Every member's declared and actual expanded size is checked (`core.zipsafe`) before calamine
    inflates anything, so a zip bomb is refused with the file, the member and the size.
    """
    import fastexcel

    if isinstance(data, Path):
        with open(data, "rb") as handle:
            require_content(name, handle.read(4096))
    else:
        require_content(name, data)
    members = [info.filename for info in check_zip(name, data, XLSX_LIMITS)]
    if "xl/workbook.xml" not in members:
        raise SourceFormatError(name, "archive", "zip without xl/workbook.xml: not an xlsx file")
    try:
        return fastexcel.read_excel(str(data) if isinstance(data, Path) else data)
    except Exception as exc:  # calamine raises its own error classes
        raise SourceFormatError(name, "workbook", f"unreadable xlsx: {exc}") from exc


def _cell(rows: list[tuple[object, ...]], row: int, col: int) -> str | None:
    if row >= len(rows) or col >= len(rows[row]):
        return None
    value = rows[row][col]
    return None if value is None else str(value)


def _where(sheet: str, row: int, col: int) -> str:
    return f"sheet {sheet!r} cell {column_letter(col)}{row + 1}"


def summary_contents(name: str, reader: fastexcel.ExcelReader) -> dict[str, tuple[str, ...]]:
    """The Summary sheet's contents table: sheet name → (PRODUCT label, FLOW, INDICATORS)."""
    rows = reader.load_sheet(SUMMARY, header_row=None, dtypes="string").to_polars().rows()
    start = next((i for i, r in enumerate(rows) if _cell(rows, i, 1) == "Contents"), None)
    if start is None or tuple(rows[start][2:5]) != ("PRODUCT [PRODUCT]", "FLOW", "INDICATORS"):
        raise SourceFormatError(name, f"sheet {SUMMARY!r}", "no contents table (PRODUCT, FLOW…)")
    contents: dict[str, tuple[str, ...]] = {}
    for i in range(start + 1, len(rows)):
        sheet = _cell(rows, i, 1)
        if sheet is None:
            break
        contents[sheet] = tuple(str(v) for v in rows[i][2:5])
    return contents


def structure_values(reader: fastexcel.ExcelReader) -> dict[str, set[str]]:
    """The Structure sheet: dimension label → the position labels it lists."""
    rows = reader.load_sheet(STRUCTURE, header_row=None, dtypes="string").to_polars().rows()
    out: dict[str, set[str]] = {}
    for i in range(len(rows)):
        dim, label = _cell(rows, i, 2), _cell(rows, i, 4)
        if dim and label and dim != "Label":
            out.setdefault(dim, set()).add(label)
    return out


def read_head(name: str, sheet: str, rows: list[tuple[object, ...]]) -> SheetHead:
    """Check the fixed header labels of a product sheet and read what they say."""
    for (r, c), expected in HEADER_LABELS.items():
        if _cell(rows, r, c) != expected:
            raise SourceFormatError(
                name, _where(sheet, r, c), f"expected {expected!r}, found {_cell(rows, r, c)!r}"
            )
    extracted = EXTRACTED.match(_cell(rows, 0, 0) or "")
    dataset = DATASET.search(_cell(rows, 1, 1) or "")
    updated = _cell(rows, 2, 1) or ""
    if _cell(rows, 1, 0) != "Dataset: " or not dataset:
        raise SourceFormatError(name, _where(sheet, 1, 1), "no DS-045409 dataset code")
    if not extracted or _cell(rows, 2, 0) != "Last updated: " or not UPDATED.match(updated):
        raise SourceFormatError(name, _where(sheet, 0, 0), "no extraction / last update time")
    label = _cell(rows, PRODUCT_ROW, 2) or ""
    code = PRODUCT_CODE.search(label)
    if not code:
        raise SourceFormatError(
            name, _where(sheet, PRODUCT_ROW, 2), f"no CN8/HS6/HS4 code in {label[-40:]!r}"
        )
    flow, indicator = _cell(rows, FLOW_ROW, 2), _cell(rows, INDICATOR_ROW, 2)
    if flow not in FLOWS:
        raise SourceFormatError(name, _where(sheet, FLOW_ROW, 2), f"unknown FLOW {flow!r}")
    if indicator not in INDICATORS:
        raise SourceFormatError(
            name, _where(sheet, INDICATOR_ROW, 2), f"unknown INDICATORS {indicator!r}"
        )
    months = [str(v) for v in rows[TIME_ROW][2:]]
    for col, month in enumerate(months, start=2):
        if not MONTH.match(month):
            raise SourceFormatError(name, _where(sheet, TIME_ROW, col), f"not a month {month!r}")
        if _cell(rows, FREQ_ROW, col) not in FREQUENCIES:
            raise SourceFormatError(
                name, _where(sheet, FREQ_ROW, col), f"unknown FREQ {_cell(rows, FREQ_ROW, col)!r}"
            )
    if len(set(months)) != len(months):
        raise SourceFormatError(name, _where(sheet, TIME_ROW, 2), "a month column repeats")
    return SheetHead(
        product_code=code.group(1),
        product_label=label,
        flow=FLOWS[flow],
        flow_label=flow,
        indicator=indicator,
        dataset=dataset.group(1),
        data_updated=updated,
        extracted=extracted.group(1),
        months=months,
    )


def split_footer(name: str, sheet: str, raw: pl.DataFrame) -> tuple[int, int, dict[str, str]]:
    """(end of the data block, footer rows, legend symbol → meaning) of a product sheet.

    The data block runs from FIRST_DATA_ROW to the first row that is blank in column A or
    starts with a footer label; below it only blank rows, footer labels and legend rows
    (symbol, meaning) are allowed.
    """
    first = pl.col(raw.columns[0])
    stops = (
        raw.with_row_index("row")
        .filter((pl.col("row") >= FIRST_DATA_ROW) & (first.is_null() | first.is_in(FOOTERS)))
        .get_column("row")
    )
    end = int(stops.min()) if stops.len() else raw.height  # type: ignore[arg-type]
    legend: dict[str, str] = {}
    footer_rows, current = 0, None
    for i, row in enumerate(raw.slice(end).rows(), start=end):
        cells = [None if v in (None, "") else str(v) for v in row]
        first_cell, second, rest = cells[0], cells[1], [v for v in cells[2:] if v is not None]
        if first_cell is None and second is None and not rest:
            continue
        footer_rows += 1
        if first_cell in FOOTERS and second is None and not rest:
            current = first_cell
        elif current and first_cell and second and not rest:
            legend[first_cell] = second
        else:
            raise SourceFormatError(
                name,
                _where(sheet, i, 0),
                f"unexpected row after the data: {first_cell!r}, {second!r}",
            )
    return end, footer_rows, legend


@dataclass
class SheetResult:
    """One product sheet parsed: its cells, what was read, kept and rejected, and its header."""

    frame: pl.DataFrame
    rows_read: int
    rows_kept: int
    rejects: list[dict[str, object]]
    unknowns: list[Unknown]
    footer_rows: int
    head: SheetHead
    sheet: str


def parse_sheet(name: str, sheet: str, raw: pl.DataFrame, places: pl.DataFrame) -> SheetResult:
    """One product sheet (read with every cell as a string) → one row per data cell."""
    rows_head = raw.head(FIRST_DATA_ROW).rows()
    head = read_head(name, sheet, rows_head)
    if raw.width != 2 + len(head.months):
        raise SourceFormatError(
            name, _where(sheet, TIME_ROW, raw.width - 1), "a column without a month label"
        )
    end, footer_rows, legend = split_footer(name, sheet, raw)
    cols = raw.columns
    month_of = {cols[i + 2]: m for i, m in enumerate(head.months)}
    letter_of = {cols[i + 2]: column_letter(i + 2) for i in range(len(head.months))}
    block = raw.slice(FIRST_DATA_ROW, end - FIRST_DATA_ROW).with_columns(
        source_line=pl.int_range(FIRST_DATA_ROW + 1, end + 1, dtype=pl.Int32)
    )
    block = block.rename({cols[0]: "reporter_label", cols[1]: "partner_label"})
    no_partner = block.filter(pl.col("partner_label").is_null())
    if no_partner.height:
        line = no_partner["source_line"][0]
        raise SourceFormatError(name, f"sheet {sheet!r} cell B{line}", "reporter without partner")
    block = block.join(
        places.rename(
            {"label": "reporter_label", "code": "reporter_code", "kind": "reporter_kind"}
        ),
        on="reporter_label",
        how="left",
    ).join(
        places.rename({"label": "partner_label", "code": "partner_code", "kind": "partner_kind"}),
        on="partner_label",
        how="left",
    )
    unresolved = pl.col("reporter_code").is_null() | pl.col("partner_code").is_null()
    rejects, unknowns = [], []
    for r in block.filter(unresolved).iter_rows(named=True):
        which = "REPORTER" if r["reporter_code"] is None else "PARTNER"
        label = r[f"{which.lower()}_label"]
        rejects.append(
            {
                "source": SOURCE,
                "source_file": name,
                "source_line": r["source_line"],
                "reason": f"sheet {sheet!r}: {which} label not in eurostat_labels.csv: {label!r}",
                "raw": "|".join(str(r[c]) for c in ["reporter_label", "partner_label", *cols[2:]]),
            }
        )
        unknowns.append(Unknown(name, f"{sheet}!A{r['source_line']}", f"{which} label", label))
    kept = block.filter(~unresolved)
    twice = kept.filter(pl.struct("reporter_code", "partner_code").is_duplicated())
    if twice.height:
        r = twice.row(1 if twice.height > 1 else 0, named=True)
        raise SourceFormatError(
            name,
            f"sheet {sheet!r} cell A{r['source_line']}",
            f"{r['reporter_code']}->{r['partner_code']} listed twice in the sheet",
        )
    long = kept.unpivot(
        index=[
            "reporter_label",
            "reporter_code",
            "reporter_kind",
            "partner_label",
            "partner_code",
            "partner_kind",
            "source_line",
        ],
        on=cols[2:],
        variable_name="column",
        value_name="cell",
    )
    numeric = pl.col("cell").str.contains(VALUE)
    symbol = pl.col("cell").is_in(list(legend))
    bad = long.filter(~(numeric | symbol).fill_null(False))
    if bad.height:
        r = bad.row(0, named=True)
        raise SourceFormatError(
            name,
            f"sheet {sheet!r} cell {letter_of[r['column']]}{r['source_line']}",
            f"neither a number nor a symbol of the sheet's legend {sorted(legend)}: {r['cell']!r}",
        )
    period = pl.col("column").replace_strict(month_of)
    level = PRODUCT_LEVELS[len(head.product_code)]
    frame = long.with_columns(
        product_code=pl.lit(head.product_code),
        product_level=pl.lit(level),
        hs6=pl.lit(head.product_code[:6] if level != "HS4" else None, dtype=pl.String),
        flow=pl.lit(head.flow),
        period_label=period,
        year=period.str.slice(0, 4).cast(pl.Int16),
        month=period.str.slice(5, 2).cast(pl.Int8),
        value_eur=pl.when(numeric).then(pl.col("cell").cast(pl.Float64)),
        obs_flag=pl.when(numeric).then(None).otherwise(pl.col("cell")),
        obs_flag_label=pl.when(numeric)
        .then(None)
        .otherwise(pl.col("cell").replace_strict(legend, default=None)),
        source_file=pl.lit(name),
        source_sheet=pl.lit(sheet),
        source_cell=pl.col("column").replace_strict(letter_of)
        + pl.col("source_line").cast(pl.String),
    )
    return SheetResult(
        frame=conform(SOURCE, frame.drop("column", "cell")),
        rows_read=block.height,
        rows_kept=kept.height,
        rejects=rejects,
        unknowns=unknowns,
        footer_rows=footer_rows,
        head=head,
        sheet=sheet,
    )


def _places() -> pl.DataFrame:
    """English reporter/partner labels of the documented label table."""
    return labels().filter(pl.col("language") == "en").select("label", "code", "kind")


def parse_workbook(name: str, data: bytes | Path) -> tuple[list[SheetResult], list[Unknown]]:
    """Every product sheet of one workbook, checked against its Summary and Structure sheets."""
    reader = open_workbook(name, data)
    sheets = reader.sheet_names
    products = [s for s in sheets if PRODUCT_SHEET.match(s)]
    others = [s for s in sheets if s not in products and s not in (SUMMARY, STRUCTURE)]
    if SUMMARY not in sheets or others:
        raise SourceFormatError(
            name, "workbook", f"expected Summary, Structure, Sheet 1…; unknown sheets {others}"
        )
    contents = summary_contents(name, reader)
    if set(contents) != set(products):
        raise SourceFormatError(
            name,
            f"sheet {SUMMARY!r}",
            f"contents list {len(contents)} sheets, workbook has {len(products)} product sheets",
        )
    places = _places()
    results, unknowns = [], []
    for sheet in products:
        raw = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
        result = parse_sheet(name, sheet, raw, places)
        listed = contents[sheet]
        if listed != (result.head.product_label, result.head.flow_label, result.head.indicator):
            raise SourceFormatError(
                name,
                f"sheet {sheet!r}",
                f"product, flow or indicator differ from Summary: {listed}",
            )
        results.append(result)
    if STRUCTURE in sheets:
        declared = structure_values(reader)
        for dim, column in (("REPORTER", "reporter_label"), ("PARTNER", "partner_label")):
            seen = (
                set().union(*(set(r.frame[column].unique()) for r in results)) if results else set()
            )
            for label in sorted(seen - declared.get(dim, set())):
                unknowns.append(Unknown(name, STRUCTURE, f"{dim} not listed in Structure", label))
    return results, unknowns


def product_row(name: str, sheet: str, result: SheetResult) -> dict[str, object]:
    """The sheet's product and extraction, one row of `eurostat_cn8_products`."""
    head = result.head
    level = PRODUCT_LEVELS[len(head.product_code)]
    return {
        "product_code": head.product_code,
        "product_level": level,
        "hs6": head.product_code[:6] if level != "HS4" else None,
        "product_label": head.product_label,
        "flow": head.flow,
        "flow_label": head.flow_label,
        "indicator": head.indicator,
        "dataset": head.dataset,
        "data_updated": head.data_updated,
        "extracted": head.extracted,
        "months": len(head.months),
        "first_month": head.months[0] if head.months else None,
        "last_month": head.months[-1] if head.months else None,
        "rows": result.rows_kept,
        "source_file": name,
        "source_sheet": sheet,
    }


def parse(files: Mapping[str, bytes | Path]) -> tuple[TradeParse, pl.DataFrame]:
    """Data Browser workbooks (name → bytes or file) → (`eurostat_cn8` parse, row accounting).

    The accounting has one row per workbook: data rows read (reporter × partner rows of every
    product sheet), rows kept, rows rejected with a reason, footer rows recognised, and the
    cells written (kept rows × months); `ok` when read = kept + rejected and every kept row
    gave one cell per month. A reporter × partner row found twice in a sheet, or a product
    found in two sheets, is refused: the workbooks of one extraction do not overlap. What a
    sheet says once (product label, dataset, last update) goes to `extra["products"]` (the
    `eurostat_cn8_products` table), not onto each of its 6,804 cells.
    """
    if not files:
        raise SourceFormatError(SOURCE, "payload", "no Data Browser workbook given")
    frames, rejects, unknowns, accounting = [], [], [], []
    products: list[dict[str, object]] = []
    seen: dict[tuple[str, str], str] = {}
    for name, data in sorted(files.items()):
        results, extra = parse_workbook(name, data)
        unknowns += extra
        for r in results:
            sheet = r.sheet
            key = (r.head.product_code, r.head.flow)
            if key in seen:
                raise SourceFormatError(
                    name,
                    f"sheet {sheet!r}",
                    f"product {key[0]} ({key[1]}) already read from {seen[key]}",
                )
            seen[key] = f"{name} {sheet!r}"
            products.append(product_row(name, sheet, r))
            frames.append(r.frame)
            rejects += r.rejects
            unknowns += r.unknowns
        cells = sum(r.frame.height for r in results)
        expected = sum(r.rows_kept * len(r.head.months) for r in results)
        read = sum(r.rows_read for r in results)
        kept = sum(r.rows_kept for r in results)
        rejected = sum(len(r.rejects) for r in results)
        accounting.append(
            {
                "group": name,
                "sheets": len(results),
                "input_rows": read,
                "output_rows": kept,
                "rejected": rejected,
                "footer_rows": sum(r.footer_rows for r in results),
                "cells": cells,
                "ok": read == kept + rejected and cells == expected,
            }
        )
    # each sheet is conformed on its own: one concat, no second copy of 2 million rows
    frame = pl.concat(frames) if frames else empty(SOURCE)
    result = TradeParse(
        source=SOURCE,
        table=SOURCE,
        frame=frame,
        rejects=rejects_frame(rejects),
        input_rows={a["group"]: a["input_rows"] for a in accounting},
        unknowns=unknowns,
        extra={"products": pl.DataFrame(products, schema=SCHEMAS[PRODUCTS])},
    )
    return result, pl.DataFrame(accounting)
