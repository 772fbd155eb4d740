"""Benchmark the gb_ofsi parsers against a bare read of the same bytes (best of 3).

    .venv/bin/python -m bench.bench_gb_ofsi

Real files: the three shipped snapshots (2025 and 2023 XLSX, 2018 pre-2022 CSV). No real
2022-layout CSV or XML exists, so the 2025 XLSX rows are also converted in memory into those
two layouts (same content, ~19k rows) to time their parsers; those lines are marked
"converted". Bare reads: `polars.read_excel` (calamine) for XLSX, `polars.read_csv` for CSV,
`lxml.etree.fromstring` for XML.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl
from lxml import etree

from gb_ofsi import parse_conlist_csv, parse_conlist_xlsx, parse_conlist_xml, parse_legacy_csv
from gb_ofsi.constants import HEADER_2022, XML_FIELDS
from gb_ofsi.fields import parse_other_information

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / "gb_ofsi"


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_xlsx(data: bytes) -> None:
    pl.read_excel(io.BytesIO(data), engine="calamine", has_header=False, infer_schema_length=0)


def bare_csv(data: bytes) -> None:
    # polars has no Windows-1252 decoder; the lossy UTF-8 read is the closest bare read.
    pl.read_csv(data, skip_rows=1, infer_schema=False, encoding="utf8-lossy")


def to_csv(rows: pl.DataFrame) -> bytes:
    """The 2025 rows in the 2022 CSV layout (`Last Updated` line, header, rows)."""
    table = rows.select(list(HEADER_2022.values())).rename({v: k for k, v in HEADER_2022.items()})
    return b"Last Updated,14/04/2025\r\n" + table.write_csv(line_terminator="\r\n").encode()


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    day, month, year = value.split("/")
    return f"{year}-{month}-{day}T00:00:00"


def to_xml(rows: pl.DataFrame) -> bytes:
    """The 2025 rows in the 2022 XML layout, Other Information split into its elements."""
    parts = [
        '<ArrayOfFinancialSanctionsTarget xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns="http://schemas.hmtreasury.gov.uk/ofsi/consolidatedlist">'
    ]
    for row in rows.iter_rows(named=True):
        info = parse_other_information(row["other_information"] or "")
        values = {**row, **{key: " ".join(v) for key, v in info.fields.items()}}
        values["other_information"] = info.remarks
        for key in ("listed_on", "uk_sanctions_list_date_designated", "last_updated"):
            values[key] = _iso(row[key])
        cells = (
            f"<{tag}>{escape(value)}</{tag}>"
            if (value := values.get(col))
            else f'<{tag} i:nil="true" />'
            for tag, col in XML_FIELDS.items()
        )
        parts.append("<FinancialSanctionsTarget>" + "".join(cells) + "</FinancialSanctionsTarget>")
    parts.append("</ArrayOfFinancialSanctionsTarget>")
    return "\n".join(parts).encode()


def main() -> None:
    xlsx_2025 = (SNAPSHOTS / "2025-04-14" / "ConList.xlsx").read_bytes()
    rows = parse_conlist_xlsx("ConList.xlsx", xlsx_2025).staged["rows"]
    cases = [
        (
            "2025-04-14 ConList.xlsx",
            xlsx_2025,
            bare_xlsx,
            lambda d: parse_conlist_xlsx("ConList.xlsx", d),
        ),
        (
            "2023-06-05 ConList.xlsx",
            (SNAPSHOTS / "2023-06-05" / "ConList.xlsx").read_bytes(),
            bare_xlsx,
            lambda d: parse_conlist_xlsx("ConList.xlsx", d),
        ),
        (
            "2018-04-13 sanctionsconlist.csv",
            (SNAPSHOTS / "2018-04-13" / "sanctionsconlist.csv").read_bytes(),
            bare_csv,
            lambda d: parse_legacy_csv("sanctionsconlist.csv", d),
        ),
        (
            "2025 converted ConList.csv",
            to_csv(rows),
            bare_csv,
            lambda d: parse_conlist_csv("ConList.csv", d),
        ),
        (
            "2025 converted ConList.xml",
            to_xml(rows),
            etree.fromstring,
            lambda d: parse_conlist_xml("ConList.xml", d),
        ),
    ]
    print(f"{'file':34} {'MB':>6} {'bare read s':>12} {'parse s':>9} {'ratio':>6}")
    for label, data, bare, parse in cases:
        bare_s = best_of(lambda data=data, bare=bare: bare(data))
        parse_s = best_of(lambda data=data, parse=parse: parse(data))
        ratio = parse_s / bare_s
        print(f"{label:34} {len(data) / 1e6:6.2f} {bare_s:12.3f} {parse_s:9.3f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
