"""UN Security Council parser: time per shipped snapshot against the bare read of the same bytes.

    .venv/bin/python -m bench.bench_un_sc

Baseline: a bare lxml parse of the same XML bytes (`lxml.etree.fromstring`) plus a full walk of
the tree touching every element's tag, text and attributes: the least any reader of the file
must do. Parser and baseline are timed in the same process, alternately, median of 7 runs each;
the issue's target is a ratio (parser ÷ bare) of at most 3. The ratio of CPU seconds is printed
too: on a shared machine it does not move with the other processes' load.

Quiet machine, 2026-12-05 12:31 UTC (load 0.7-1.4), the code of the second round, three runs
of this bench: ratio 5.18 / 4.81 / 4.66 (2026-02-27) and 5.00 / 4.49 / 4.94 (2025-04-19), CPU
ratio 5.2-5.8; the bare read 22-23 ms, the parser 102-119 ms. Higher than the loaded figures
below: under load the bare read slows more than the parser does.

Measured 2026-12-05 (issue #17, second round), 2 cores shared by five sessions. This bench,
before (4db066b) and after (this commit) run one after the other, three times, CPU ratio:

    load   before: 2026-02-27  2025-04-19     after: 2026-02-27  2025-04-19
    7.2            4.33        4.16                  3.97        4.07
    6.4            4.43        4.28                  4.05        4.31
    6.1            4.59        4.38                  4.32        4.44

The two versions in one process (the old package imported under another name), 40
alternating runs each, CPU medians, load 5.0–5.5: 2026-02-27 115.4 → 106.6 ms (4.91 →
4.54× a bare 23.5 ms), 2025-04-19 105.3 → 94.2 ms (4.54 → 4.06×); a run of 30 before it:
4.24 against 5.14 and 3.88 against 4.31. Target 3 not met: about 10 % less CPU.

Where the CPU goes (2026-02-27, 30 runs, load 9; bare 22.5 ms; parts are means, the total a
median), before → after the first two changes below (the other two measured alone, each
in one process alternating 40 runs with and without it):

    lxml parse (the safe parser)           12.7 → 11.8 ms
    tree walk into columns                 33.1 → 32.0 ms   then 1.3–1.5 ms less (the walk)
    columns to canonical tables            40.6 → 33.9 ms   then 4–6 ms less (mapped_values)
    core conform + normalise_whitespace    21.0 → 20.0 ms   (core.canonical, not UN code)
    total                                 104   → 94   ms   4.6 → 4.2×, before the last two

What paid (output identical on every UN input: both snapshots, the two UN files of the shared
data, the test fixture, the 17 payloads the UN tests parse and two cut from the fixture with a
scalar written as a list, unknown elements with children, repeated fields and an element
below a leaf; every frame with its row order, the rejects, unknowns, counts):
- eager polars steps instead of one small lazy query per builder: an eager filter or select on
  these frames costs 40–60 µs, a small lazy query 90–190 µs (plan, optimise, collect);
- records counted with `Series.value_counts` (30 µs) instead of a frame group-by (480 µs);
- no frame built for rejects or note dates that have no rows;
- `mapped_values` (countries, scripts, document numbers, UN references) maps the distinct
  values back in Python over the column's list: 220 µs against 410 µs with `replace_strict`
  for a column of 2,752 rows, 1.1 against 2.3 ms when most values are distinct;
- the walk reads an entry's children and their leaves off one iterator over the entry's
  subtree (a child's leaves are the next `len(child)` elements) instead of one iterator per
  child: 1.3–1.5 ms. A tree with elements below a leaf (`NESTED`) is walked child by child.

What did not pay (measured, then left out):
- a bulk walk: tag, text and number of children of every element in three flat lists, the
  children and leaves told apart by those numbers alone, the rest (repeats, unknowns, one
  column per field) in polars: 45 ms against 29 ms. Holding all 40,000 elements in a list
  costs some 28 ms of proxy allocation; without it the bare extraction is still 13 ms, and
  the pivots to one column per field cost 9 ms, duplicate checks on structs 3 ms;
- an inner join on `entry` done as a gather from a per-entry look-up: no gain, the filter on
  the gathered ids costs what the hash join does on these sizes;
- the whitespace normalisation done by the parser on COMMENTS1 (the only column with many
  untidy rows, 612 of 1,003), so that core's pass finds nothing to rewrite: 5.4 ms in Python
  (`" ".join(text.split())` and `json.dumps`) against core's 4.7 ms for the same rows; in
  polars (the text as a JSON string by `struct.json_encode`, which escapes every code point
  as `json.dumps(ensure_ascii=False)` does) 4.4 ms, after which core still takes 1.1 ms,
  against 5.4 ms for core alone;
- placeholder records (no field written) dropped in the walk, so that no filter is needed
  after it: +1.2, −0.2 and −1.9 ms in three alternating runs, left out;
- core's untidy scan with an equivalent pattern (`[^\\S ]|  |^ | $`): same time;
- the cyclic garbage collector switched off: no difference; `POLARS_MAX_THREADS=1`: slower.

3× is some 67 ms: the parse, the walk and core's normalisation alone take about 62 ms. Most
polars steps left cost 50–300 µs each whatever their size (a `replace_strict` 250–500 µs, a join
200 µs), and about 280 are left (90 more in core); each is one source's rows for one table, so a
further gain needs the tables built from fewer, wider frames, or core's normalisation done once
across tables (it is per table, and shared by every parser).

Earlier round (2026-12-04), load 14.9: CPU ratio 5.26 (2026-02-27) and 4.92 (2025-04-19).
What did not pay then:
- the walk's lookups bound to locals, a child's leaves gathered by a list comprehension:
  31.4 → 34.3 ms median (slower);
- a record family's columns by `Series.scatter` instead of Python lists: 2.8 → 3.8 ms;
- every canonical builder collected at once (`pl.collect_all`): ratio 3.3 → 3.9 (slower,
  its threads cost CPU).
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
