"""Benchmark of the gb_fcdo parsers: parse time against a bare read of the same bytes.

It reads the constructed 9-party sample of tests/fixtures/gb_fcdo/ (31 KB; XML and CSV: the
shipped snapshot is a 4-designation real excerpt, XML only), far smaller than the real list
(about 6,200 designations, ~20 MB of XML), so fixed costs dominate its ratio. The scaled rows
repeat the sample's parties under new Unique IDs up to the real list's size, which is what the
≤ 3× target is about. Run: `.venv/bin/python -m bench.bench_gb_fcdo` (best of 3 runs each).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from lxml import etree

import gb_fcdo
from bench.common import best_of

SNAPSHOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "gb_fcdo"
REAL_LIST_SIZE = 6_200  # designations in the live list (early 2026)


def scaled_xml(data: bytes, copies: int) -> bytes:
    """The sample's designations repeated `copies` times, each copy with fresh UniqueIDs."""
    head, rest = data.split(b"<Designation>", 1)
    body, tail = (b"<Designation>" + rest).rsplit(b"</Designations>", 1)
    parts = [head]
    for n in range(copies):
        parts.append(
            re.sub(
                rb"<UniqueID>([A-Z]+)(\d+)</UniqueID>", rb"<UniqueID>\1\2X%d</UniqueID>" % n, body
            )
        )
    parts.append(b"</Designations>" + tail)
    return b"".join(parts)


def scaled_csv(data: bytes, copies: int) -> bytes:
    """The sample's rows repeated `copies` times, each copy with fresh Unique IDs."""
    first, header, body = data.split(b"\r\n", 2)
    parts = [first, b"\r\n", header, b"\r\n"]
    for n in range(copies):
        parts.append(re.sub(rb"^([^,]*),([A-Z]+\d+),", rb"\1,\2X%d," % n, body, flags=re.MULTILINE))
    return b"".join(parts)


def bare_xml(data: bytes) -> None:
    etree.fromstring(data)


def bare_csv(data: bytes) -> None:
    pl.read_csv(data, skip_rows=1, infer_schema=False)


def row(label: str, size: int, bare: float, parse: float) -> str:
    return f"| {label} | {size / 1e6:.2f} MB | {bare * 1e3:.1f} ms | {parse * 1e3:.1f} ms | {parse / bare:.1f}× |"


def main() -> None:
    """Print bare-read time, parse time and their ratio for each file, sample and scaled."""
    xml = (SNAPSHOT / gb_fcdo.XML_NAME).read_bytes()
    csv = (SNAPSHOT / gb_fcdo.CSV_NAME).read_bytes()
    copies = REAL_LIST_SIZE // 9
    cases = [
        (f"{gb_fcdo.XML_NAME} (sample, 9 parties)", xml, bare_xml, gb_fcdo.parse_xml_file),
        (f"{gb_fcdo.CSV_NAME} (sample, 9 parties)", csv, bare_csv, gb_fcdo.parse_csv_file),
        (
            f"{gb_fcdo.XML_NAME} (scaled, {copies * 9} parties)",
            scaled_xml(xml, copies),
            bare_xml,
            gb_fcdo.parse_xml_file,
        ),
        (
            f"{gb_fcdo.CSV_NAME} (scaled, {copies * 9} parties)",
            scaled_csv(csv, copies),
            bare_csv,
            gb_fcdo.parse_csv_file,
        ),
    ]
    print("| file | size | bare read | parse | ratio |")
    print("|---|---|---|---|---|")
    for label, data, bare, parse in cases:
        name = label.split(" ", 1)[0]
        bare_time = best_of(lambda data=data, bare=bare: bare(data))
        parse_time = best_of(lambda data=data, parse=parse, name=name: parse(name, data))
        print(row(label, len(data), bare_time, parse_time))


if __name__ == "__main__":
    main()
