"""UN Security Council parser: time per shipped snapshot against the bare read of the same bytes.

    .venv/bin/python -m bench.bench_un_sc

Baseline: `lxml.etree.fromstring` of the same XML bytes. Best of 3 runs each; the issue's target
is a ratio (parser / bare read) of at most 3.
"""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from bench.common import best_of, row
from un_sc.constants import FILE_NAME, SOURCE
from un_sc.xml import parse_consolidated

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / SOURCE


def files() -> list[Path]:
    """Every snapshot file of the catalog, newest first."""
    catalog = json.loads((SNAPSHOTS / "catalog.json").read_text())
    publications = sorted(catalog["publications"], key=lambda p: p["published_at"], reverse=True)
    return [SNAPSHOTS / p["files"][FILE_NAME] for p in publications]


def main() -> None:
    print(row("file (parse vs lxml fromstring)", "bare s", "parser s", "ratio"))
    for path in files():
        data = path.read_bytes()
        parse_consolidated(data)  # warm the caches (country look-ups, compiled regexes)
        bare = best_of(lambda data=data: etree.fromstring(data))
        ours = best_of(lambda data=data: parse_consolidated(data))
        print(row(str(path.relative_to(SNAPSHOTS)), bare, ours, ours / bare))


if __name__ == "__main__":
    main()
