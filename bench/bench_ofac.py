"""OFAC parsers: time per file against the bare read of the same bytes, end to end, and 10× scale.

    .venv/bin/python -m bench.bench_ofac            # all figures
    .venv/bin/python -m bench.bench_ofac e2e        # end-to-end in-process run only (fresh process)

Baselines: `polars.read_csv` of the same CSV bytes, `lxml.etree.fromstring` of the same XML
bytes, timed in the same process as the parser (median of alternating runs; the ratio is
parser ÷ bare). The 10× set replicates every SDN record ten times under new ent_num values.
The end-to-end run is a fresh interpreter that does only that run and reports its own peak
memory (VmHWM: `ru_maxrss` would start from this parent's size).

Measured 2026-12-05 (issue #17, parsers, second round), 2 cores shared by six sessions, load
7.6–17.4; CPU-time ratios (the `per_file` part of this script, run twice for the code before
this round, 203fbf1, and twice after, interleaved; "before" for the single files, and 16.8 for
the SDN set, also at load 2.8 before any change). The `e2e` part was not re-run:

    file (strict read vs bare read)         cpu ratio before     after
    SDN.CSV                                  2.6–2.7              1.9–2.1
    ADD.CSV / ALT.CSV / SDN_COMMENTS.CSV     2.1 / 2.1 / 2.3      2.0–2.1 / 2.0–2.1 / 1.8–2.7
    SDN CSV set → canonical (remarks too)   16.7 / 17.9          15.0 / 15.9    (target 10: not met)
    CONS CSV set → canonical                18.4 / 25.6          20.8 / 24.9    (2–4 ms bare: noise)
    CONSOLIDATED.XML → canonical            17.2 / 17.5          16.3 / 17.4
    SDN CSV set ×10 (138,210 entries)        9.4 / 9.6            7.5 / 8.7

Steadier, the same set in fresh processes, old and new code alternating, 15 runs each (load
13–17): CPU 238–272 ms → 221–231 ms (median), 225–248 → 210–219 ms (min); ratio to the bare
read 16.5–19.3 → 15.4–15.6; with the last three commits, at load 8.7–9.4: 223–228 → 199–211 ms
(median), ratio 18.1–18.4 → 14.1–14.9. Output identical on every OFAC input, frame by frame with row order
(tables, staged frames, rejects, unknowns, counts): SDN 2023-12-28 set and subsets of it, SDN
2024-05-03, the consolidated CSV set, CONSOLIDATED.XML, CONS_ENHANCED.ZIP, the copies in
/work/shared/data, and the SDN set ×3.

Where the CPU goes now (median of 15, ms; bare read 14): strict read 27 (read_csv itself 13,
trimming every field 7); remarks 104 (split 19, labels 16, family readers 42 of which
documents 18, positions 4, Python leftovers 4); core's whitespace pass 35, of which the scan of
every text cell 26; the other tables 40 (`_ordered` 7, fold 7, links 3); codes and conform 8.

The target is out of reach of polars expressions, for three reasons measured this round:

- Fixed costs are a quarter, not the bulk. The first 300 parties of the set (with their ADD/ALT/
  COMMENTS rows) parse in 50–65 ms of CPU, before and after this round: about 350 polars
  queries at ~0.1 ms each and the Python that builds them, already 4× the bare read of the whole
  set. The per-record work is the other ~170 ms.
- The 10× figure understates the per-record cost: the copies repeat the same remarks, so the
  distinct fragments the remarks readers work on stay at 31,000 and their cost does not grow.
- Two passes are per cell and have no cheaper form in polars: the whitespace scan (900,000 text
  cells, ~30 ns each with a regex; a literal search alone costs 15 ns, a `starts_with` 5 ns) and
  the trim of every CSV field (400,000 cells). With the read they are ~4× the bare read.

What did not win (measured, not kept): one lazy query for trim and `-0-` (the trimmed column is
computed twice, CSE does not reach inside `when/then`); sorting `_ordered` on one packed
integer key (the gather of the rows costs, not the key); scanning whitespace on rows
concatenated per table, or on whole columns joined into one string (both slower); a tail-only
search for the remarks' closing word.

Third round, 2026-12-05 (#17, parsers), 2 cores shared by five sessions, load 6–11 throughout;
this round's start (4db066b) against its end, interleaved. Output identical on every OFAC input
(the inputs above, the SDN set without each secondary file, its first 300 and 3,000 records,
`tests/fixtures`, CONS_ENHANCED.ZIP of /work/shared/data), and `normalise_whitespace` identical
on all 133 tables of the 13 parses of every shipped list (UN, EU, UK, OFSI, CSL too):

    SDN CSV set → canonical, fresh processes, 15 runs each, 9 rounds (median of the medians)
        CPU 215.8 → 206.1 ms, ratio to the bare read 15.1 → 14.6     (target 10: not met)
    the same, the `per_file` part of this script, two rounds: cpu ratio 16.0 / 16.2 →
        15.0 / 13.8; CONS CSV set 24.2 / 25.1 → 17.3 / 19.3; ×10 set 8.1 / 9.7 → 8.7 / 8.4
    core's whitespace pass inside the parse (median of 15, two rounds): 34.9 / 34.1 → 24.5 /
        25.1 ms; alone on the SDN set's eleven tables: 33.4 / 35.8 → 19.6 / 19.8 ms

What worked: `core.untidy.candidate_rows` finds, by a byte scan of each text column (its Arrow
buffer, a few whole-buffer numpy operations), a superset of the cells `_UNTIDY` can match;
the regex then runs on those cells only (a few hundred of 940,000). The scan costs 11 ms:
5 ms to copy the columns to Arrow, 3 ms of numpy over 11 MB, 3 ms of per-column overhead.
Peak memory of the ×10 parse: 604–663 MB before, 650–674 MB after (scanned 32,768 cells at a
time; whole columns at once gave 699–701 MB).

The four angles proposed for this round, measured:

1. Parse each distinct remarks fragment once: already so. `_labelled`, the family readers,
   `_titles` and the Python leftovers all work on the 30,701 distinct of 56,255 fragments,
   joined back through a dense array over `fid`; whole texts hardly repeat (12,661 distinct
   of 13,821), so there is no coarser unit to deduplicate.
2. Whitespace scan on the columns that can be untidy / their unique values: the cost is not in
   the many small columns. Skipping the columns whose bytes show nothing untidy left the scan
   at 28 ms, because the nine columns that do hold something (entities.remarks 3.7 ms of it,
   2 MB of text) cost as much as all of them; a `unique()` hashes every cell, which costs as
   much as the regex. The per-cell byte scan above is what paid.
3. Trim only the columns with padded cells: OFAC pads every null (`-0- `) and hardly anything
   else (4 remarks cells of the SDN set), so every column but the keys has padded cells. A
   byte scan of the cells' first and last bytes plus a count of `-0- ` (to skip the trim where
   those are all the padded cells) cost what the trim saved: the four reads 27.4 / 25.0 / 29.0
   → 28.7 / 32.9 / 26.9 ms, interleaved. Not kept; nor `strip_chars().replace("-0-", None)` in
   one select (8.4 against 8.6 ms).
4. Merge the small queries into lazy frames collected together: the primary file's tables
   (names, sanctions, eight column queries, the seven `_ordered` concat-and-sorts) in one
   `pl.collect_all` made `build_tables` 6–14 ms slower with the default engine and 1–3 ms
   faster with `engine="in-memory"`, within the noise. A lazy collect has a higher fixed cost
   than an eager call (~200 against ~120 µs for a three-step query on 100 rows); on the eight
   column queries alone `collect_all` saved 0.4–0.6 ms. Not kept.

Also measured, not kept: the splitter's three `replace_all` rounds for nested parentheses as
one regex (proved equal on every string over `();a` up to 10 characters) is no faster (3.97
against 4.18 ms on the SDN texts), and run only on texts holding `(` saves ~1.3 ms; the
in-memory engine for every lazy query (208 / 218 → 211 / 202 ms, no difference).

Where the CPU goes now (median of 15, ms, load ~10; bare read 14): strict read 25–27; remarks
97–110 (split 19, `_labelled` 15, family readers 37–41 of which documents 15–16, positions
4, Python leftovers 4); core's whitespace pass 25 (the byte scan 11, the rewrite of the
touched rows 8, of which 1.4 ms is `_published_json`'s fixed cost per table); the other
tables ~40 (`_ordered` 6–7, fold 7, links 3); codes and conform 8. Fixed costs are unchanged:
the first 300 parties still take 52–75 ms, about four bare reads of the whole set.

Quiet machine, 2026-12-05 12:32 UTC (load 0.7-1.6), the code of the third round, `per_file`
(median of 5 alternating runs): SDN CSV set → canonical 0.207 s against a bare read of 0.013 s,
ratio 15.4 (CPU 17.2); CONS CSV set 21.8 (CPU 24.2); CONSOLIDATED.XML 15.5 (CPU 13.6); the ×10
set 10.8 (CPU 8.6). The single files' strict reads 1.3-2.1× their bare reads. The `e2e` part:
`refresh_all` in-process 49.4 s, peak memory of that process 2,761 MB.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from lxml import etree

from bench.common import peak_rss_mb, ratio, row
from ofac.legacy_csv import (
    ADDRESS_COLUMNS,
    ALIAS_COLUMNS,
    COMMENT_COLUMNS,
    PRIMARY_COLUMNS,
    read_ofac_csv,
)
from ofac.lists import CONS as CONS_LIST
from ofac.lists import SDN as SDN_LIST

ROOT = Path(__file__).resolve().parent.parent
SDN = ROOT / "snapshots" / "us_ofac_sdn" / "2023-12-28"
CONS = ROOT / "snapshots" / "us_ofac_cons" / "2025-12-19"
SDN_FILES = {
    "SDN.CSV": PRIMARY_COLUMNS,
    "ADD.CSV": ADDRESS_COLUMNS,
    "ALT.CSV": ALIAS_COLUMNS,
    "SDN_COMMENTS.CSV": COMMENT_COLUMNS,
}


def bare_csv(data: bytes) -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(data), has_header=False, infer_schema=False)


def replicate(files: dict[str, bytes], times: int) -> dict[str, bytes]:
    """Each record repeated `times` times with ent_num shifted by 1,000,000 per copy."""
    out = {}
    for name, data in files.items():
        nl = b"\r\n" if b"\r\n" in data else b"\n"
        lines = [line for line in data.rstrip(b"\x1a").split(nl) if line]
        copies = []
        for k in range(times):
            for line in lines:
                ent, rest = line.split(b",", 1)
                copies.append(str(int(ent) + k * 1_000_000).encode() + b"," + rest)
        out[name] = nl.join(copies) + nl + b"\x1a"
    return out


def bare_set(files: dict[str, bytes]) -> list[pl.DataFrame]:
    """The floor: a bare `polars.read_csv` of every file of the set."""
    return [bare_csv(data) for data in files.values()]


W = (38, 10, 10, 8, 9)


def compare(
    label: str, ours: Callable[[], object], bare: Callable[[], object], runs: int = 5
) -> None:
    """One line: wall medians and their ratio, then the ratio of CPU seconds."""
    bare_s, ours_s, times = ratio(ours, bare, runs)
    cpu = ratio(ours, bare, runs, clock="cpu")[2]
    print(row(label, bare_s, ours_s, times, cpu, widths=W))


def per_file() -> None:
    print(f"median of 5 alternating runs each, same process; load: {os.getloadavg()[0]:.2f}")
    print(
        row("file (strict read vs bare read)", "bare s", "parser s", "ratio", "cpu ratio", widths=W)
    )
    files = {name: (SDN / name).read_bytes() for name in SDN_FILES}
    for name, columns in SDN_FILES.items():
        data = files[name]
        compare(name, lambda n=name, d=data, c=columns: read_ofac_csv(n, d, c),
                lambda d=data: bare_csv(d))  # fmt: skip
    compare("SDN CSV set → canonical (remarks too)", lambda: SDN_LIST.parse_csv(files),
            lambda: bare_set(files))  # fmt: skip
    cons = {
        n: (CONS / n).read_bytes()
        for n in ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV")
    }
    compare("CONS CSV set → canonical", lambda: CONS_LIST.parse_csv(cons), lambda: bare_set(cons))
    xml = (CONS / "CONSOLIDATED.XML").read_bytes()
    compare("CONSOLIDATED.XML → canonical", lambda: CONS_LIST.parse_xml({"CONSOLIDATED.XML": xml}),
            lambda: etree.fromstring(xml))  # fmt: skip

    print()
    ten_files = replicate(files, 10)
    compare("SDN CSV set ×10 (138,210 entries)", lambda: SDN_LIST.parse_csv(ten_files),
            lambda: bare_set(ten_files), runs=3)  # fmt: skip
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")


def e2e() -> None:
    from dagster import DagsterInstance

    from definitions import build_definitions
    from resources.fetcher import SnapshotFetcher
    from resources.storage import DataDir

    with tempfile.TemporaryDirectory() as tmp:
        defs = build_definitions(SnapshotFetcher(), DataDir(root=tmp))
        job = defs.resolve_job_def("refresh_all")
        start = time.perf_counter()
        result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
        elapsed = time.perf_counter() - start
    print(
        f"end-to-end refresh_all in-process (every registered list, fetch→publish): {elapsed:.2f} s, success={result.success}"
    )
    print(f"peak RSS of that process alone (its VmHWM): {peak_rss_mb():.0f} MB")


def main() -> None:
    if sys.argv[1:] == ["e2e"]:
        e2e()
        return
    per_file()
    subprocess.run([sys.executable, "-m", "bench.bench_ofac", "e2e"], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
