"""Benchmark of the eu_fsf parsers: parse time against a bare read of the same bytes.

    .venv/bin/python -m bench.bench_eu_fsf

Real file: the shipped 2018 CSV 1.0 excerpt (404 KB, 93 parties); a bare `polars.read_csv` of
it takes under a millisecond, so the parser's fixed costs (a few dozen polars operations, the
canonical frames) dominate its ratio. XML 1.1 and CSV 1.1 have no real copy: the scaled rows
repeat the three parties of the written fixtures under fresh logicalIds up to the live list's
size (~5,000 entities, ~20 MB), which is what the ≤ 3× target is about; they are marked
"scaled". Bare reads: `lxml.etree.fromstring` for XML, `polars.read_csv` for CSV (lossy UTF-8
for the Windows-1252 excerpt). Figures are the best of 3 runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
from lxml import etree

import eu_fsf
from bench.common import best_of

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "snapshots" / "eu_fsf" / "2018-07-04" / eu_fsf.LEGACY_FILE
FIXTURES = ROOT / "tests" / "fixtures" / "eu_fsf"
LIVE_LIST_SIZE = 5_000  # entities in the live list (FORMATS.md)
FIXTURE_PARTIES = 3


def scaled_xml(data: bytes, copies: int) -> bytes:
    """The fixture's sanctionEntity elements repeated, every logicalId prefixed per copy."""
    head, rest = data.split(b"<sanctionEntity", 1)
    body, tail = (b"<sanctionEntity" + rest).rsplit(b"</export>", 1)
    copies_ = (body.replace(b'logicalId="', b'logicalId="%d' % n) for n in range(copies))
    return head + b"".join(copies_) + b"</export>" + tail


def scaled_csv(data: bytes, copies: int) -> bytes:
    """The fixture's rows repeated, each copy's Entity_LogicalId prefixed per copy."""
    header, body = data.split(b"\n", 1)
    row_start = re.compile(rb"^(\d\d/\d\d/\d{4});(\d+);", re.MULTILINE)
    parts = [header, b"\n"]
    for n in range(copies):
        parts.append(row_start.sub(rb"\1;%d\2;" % n, body))
    return b"".join(parts)


def bare_xml(data: bytes) -> None:
    etree.fromstring(data)


def bare_csv(data: bytes) -> None:
    pl.read_csv(data, separator=";", infer_schema=False, encoding="utf8-lossy")


def row(label: str, size: int, bare: float, parse: float) -> str:
    times = f"{bare * 1e3:.1f} ms | {parse * 1e3:.1f} ms | {parse / bare:.1f}×"
    return f"| {label} | {size / 1e6:.2f} MB | {times} |"


def main() -> None:
    """Print bare-read time, parse time and their ratio for the real file and scaled fixtures."""
    legacy = SNAPSHOT.read_bytes()
    copies = LIVE_LIST_SIZE // FIXTURE_PARTIES
    xml = scaled_xml((FIXTURES / eu_fsf.XML_FILE).read_bytes(), copies)
    csv = scaled_csv((FIXTURES / eu_fsf.CSV_FILE).read_bytes(), copies)
    parties = copies * FIXTURE_PARTIES
    cases: list[tuple[str, str, bytes, Callable[[bytes], None], Callable[..., object]]] = [
        ("real, 93 parties", eu_fsf.LEGACY_FILE, legacy, bare_csv, eu_fsf.parse_legacy_file),
        (f"scaled, {parties} parties", eu_fsf.XML_FILE, xml, bare_xml, eu_fsf.parse_xml_file),
        (f"scaled, {parties} parties", eu_fsf.CSV_FILE, csv, bare_csv, eu_fsf.parse_csv_file),
    ]
    print("| file | size | bare read | parse | ratio |")
    print("|---|---|---|---|---|")
    for note, name, data, bare, parse in cases:
        bare_time = best_of(lambda data=data, bare=bare: bare(data))
        parse_time = best_of(lambda data=data, parse=parse, name=name: parse(name, data))
        print(row(f"{name} ({note})", len(data), bare_time, parse_time))


if __name__ == "__main__":
    main()
