"""UN Security Council parser: time per shipped snapshot against the bare read of the same bytes.

    .venv/bin/python -m bench.bench_un_sc

Baseline: a bare lxml parse of the same XML bytes (`lxml.etree.fromstring`) plus a full walk of
the tree touching every element's tag, text and attributes: the least any reader of the file
must do. Parser and baseline are timed in the same process, alternately, median of 7 runs each;
the issue's target is a ratio (parser ÷ bare) of at most 3. The bare parse alone is printed too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lxml import etree

from bench.common import ratio, row
from un_sc.constants import FILE_NAME, SOURCE
from un_sc.xml import parse_consolidated

W = (34, 12, 12, 8, 8)
SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / SOURCE


def files() -> list[Path]:
    """Every snapshot file of the catalog, newest first."""
    catalog = json.loads((SNAPSHOTS / "catalog.json").read_text())
    publications = sorted(catalog["publications"], key=lambda p: p["published_at"], reverse=True)
    return [SNAPSHOTS / p["files"][FILE_NAME] for p in publications]


def parse_and_walk(data: bytes) -> int:
    """The floor: parse, then visit every element's tag, text and attributes."""
    seen = 0
    for element in etree.fromstring(data).iter():
        seen += len(element.tag) + len(element.text or "") + len(element.attrib)
    return seen


def main() -> None:
    print(f"median of 7 alternating runs each, same process; load: {os.getloadavg()[0]:.2f}")
    print(
        row("file (parse vs lxml parse+walk)", "bare s", "parser s", "ratio", "÷ parse", widths=W)
    )
    for path in files():
        data = path.read_bytes()
        bare, ours, times = ratio(lambda d=data: parse_consolidated(d),
                                  lambda d=data: parse_and_walk(d), runs=7)  # fmt: skip
        parse_only, _, _ = ratio(lambda: None, lambda d=data: etree.fromstring(d), runs=3)
        print(row(str(path.relative_to(SNAPSHOTS)), bare, ours, times, ours / parse_only, widths=W))


if __name__ == "__main__":
    main()
