"""OFAC Enhanced XML parser against a bare lxml parse of the same bytes, at 1× and 10× scale.

    .venv/bin/python -m bench.bench_ofac_enhanced

Input: the real CONS_ENHANCED.ZIP (2025-01-10, 443 entities) shipped in the snapshots. The
baseline is `lxml.etree.fromstring` of the inflated XML; "inflate" is reading the zip member.
The 10× document repeats every entity ten times under new ids (4,430 entities, about 34 MB),
a quarter of the SDN list's size, to show how the parse scales.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from bench.common import best_of, peak_rss_mb, row
from ofac.enhanced import parse_enhanced, read_member

ROOT = Path(__file__).resolve().parent.parent
ZIP = ROOT / "snapshots" / "us_ofac_cons" / "2025-01-10" / "CONS_ENHANCED.ZIP"
MEMBER = "CONS_ENHANCED.XML"


def scaled(xml: bytes, times: int) -> bytes:
    """The document with its entities repeated `times` times, ids shifted by 1,000,000 a copy."""
    text = xml.decode()
    start = text.index("<entities>") + len("<entities>")
    end = text.index("</entities>")
    body = text[start:end]
    copies = [
        re.sub(
            r'<entity id="(\d+)"', lambda m, k=k: f'<entity id="{int(m[1]) + k * 1_000_000}"', body
        )
        for k in range(times)
    ]
    return (text[:start] + "".join(copies) + text[end:]).encode()


def main() -> None:
    data = ZIP.read_bytes()
    xml = read_member(ZIP.name, data, MEMBER)
    print(row("CONS_ENHANCED (bare lxml vs parser)", "bare s", "parser s", "ratio"))
    inflate = best_of(lambda: read_member(ZIP.name, data, MEMBER))
    bare = best_of(lambda: etree.fromstring(xml))
    ours = best_of(lambda: parse_enhanced({MEMBER: xml}, "us_ofac_cons", MEMBER))
    print(row("XML (3.4 MB, 443 entities) → canonical", bare, ours, ours / bare))
    ours_zip = best_of(lambda: parse_enhanced({ZIP.name: data}, "us_ofac_cons", ZIP.name))
    print(
        row(
            "ZIP → canonical (vs inflate + lxml)",
            inflate + bare,
            ours_zip,
            ours_zip / (inflate + bare),
        )
    )
    big = scaled(xml, 10)
    bare = best_of(lambda: etree.fromstring(big), runs=2)
    ours = best_of(lambda: parse_enhanced({MEMBER: big}, "us_ofac_cons", MEMBER), runs=2)
    mb = len(big) / 1e6
    print(row(f"10× ({mb:.0f} MB, 4,430 entities)", bare, ours, ours / bare))
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
