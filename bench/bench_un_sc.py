"""UN Security Council parser: time per shipped snapshot against the bare read of the same bytes.

    .venv/bin/python -m bench.bench_un_sc

Baseline: a bare lxml parse of the same XML bytes (`lxml.etree.fromstring`) plus a full walk of
the tree touching every element's tag, text and attributes: the least any reader of the file
must do. Parser and baseline are timed in the same process, alternately, median of 7 runs each;
the issue's target is a ratio (parser ÷ bare) of at most 3. The ratio of CPU seconds is printed
too: on a shared machine it does not move with the other processes' load.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lxml import etree

from bench.common import ratio, row
from un_sc.constants import FILE_NAME, SOURCE
from un_sc.xml import parse_consolidated

W = (34, 10, 10, 8, 9)
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
        row("file (parse vs lxml parse+walk)", "bare s", "parser s", "ratio", "cpu ratio", widths=W)
    )
    for path in files():
        data = path.read_bytes()
        ours, bare = (lambda d=data: parse_consolidated(d)), (lambda d=data: parse_and_walk(d))
        bare_s, ours_s, times = ratio(ours, bare, runs=7)
        cpu = ratio(ours, bare, runs=7, clock="cpu")[2]
        print(row(str(path.relative_to(SNAPSHOTS)), bare_s, ours_s, times, cpu, widths=W))


if __name__ == "__main__":
    main()
