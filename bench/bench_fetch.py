"""Peak memory of the live fetcher on hostile bodies, each fetch in its own child process.

    .venv/bin/python -m bench.bench_fetch

A local HTTP server (`tests/httpserver.py`) serves a generated 3 GiB body and a gzip bomb
(1 GiB of zeros in about 1 MB); the fetcher must stop each at the file's limit
(`resources/publishers.py`). Every case runs `LiveFetcher.fetch` in a fresh Python process and
reports that process's own peak resident memory (its VmHWM, `bench.common.peak_rss_mb`: the
`ru_maxrss` of `os.wait4` would start from this parent's size, server included), beside a baseline
process that only imports the fetcher. Peak − baseline is what the body cost; it should stay
near the limit (the bytes kept, plus one copy when a payload is returned), far from the body's
size. The real SDN.CSV (3.4 MB, plain and gzip-encoded) gives the honest case. Since #14 a body
is streamed to a temporary file, not kept in memory (`bench/bench_fetch_stream.py` fetches
bodies of gigabytes): the first table below was taken before that change, the second after.

Measured 2026-12-04 on the shared 2-core machine (peak RSS; the baseline import is 78 MiB):

    real SDN.CSV                              0.32 s    87 MiB  payload of 3,477,010 bytes
    real SDN.CSV, gzip                        0.41 s    89 MiB  payload of 3,477,010 bytes
    3 GiB body, un_sc limit (22 MB)           0.69 s   102 MiB  refused (too_large)
    3 GiB body, us_ofac_sdn limit (290 MB)    3.15 s   358 MiB  refused (too_large)
    1 GiB gzip bomb, us_ofac_cons (34 MB)     1.09 s   146 MiB  refused (too_large)

At most about twice the limit was held (the kept bytes and one decoded piece), whatever the
body's size.

After #14 (bodies streamed to a temporary file), 2026-12-05 00:47 UTC, load 10.3, baseline
import 65 MiB:

    real SDN.CSV                              0.75 s    74 MiB  payload of 3,477,010 bytes
    real SDN.CSV, gzip                        1.07 s    75 MiB  payload of 3,477,010 bytes
    3 GiB body, un_sc limit (22 MB)           1.04 s    74 MiB  refused (too_large)
    3 GiB body, us_ofac_sdn limit (290 MB)    2.65 s    74 MiB  refused (too_large)
    1 GiB gzip bomb, us_ofac_cons (34 MB)     0.96 s    77 MiB  refused (too_large)

Memory no longer depends on the limit (358 → 74 MiB for the 290 MB one): the limit now bounds
the disk a refused body may use, until its temporary file is removed. Times are wall seconds
at a higher load than the first table's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from resources import publishers
from tests.httpserver import gzip_bomb, serve

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "snapshots" / "us_ofac_sdn" / "2023-12-28"

CHILD = """
import sys, time
from bench.common import peak_rss_mb
from core.errors import FetchError
from resources.fetcher import FileSpec
from resources.live import LiveFetcher
source, name, url = sys.argv[1:4]
started = time.monotonic()
try:
    payload = LiveFetcher(allow_loopback_http=True, max_attempts=1).fetch(
        source, FileSpec(name, url, "csv"), None
    )
    outcome = f"payload of {payload.size:,} bytes"
    payload.discard()  # streamed to a temporary file, not archived here
except FetchError as exc:
    outcome = f"refused ({exc.cause})"
print(f"{time.monotonic() - started:.2f}\\t{outcome}\\t{peak_rss_mb():.0f}")
"""


def child(*args: str) -> tuple[float, str, int]:
    """Run CHILD with `args`; (seconds, outcome, peak RSS in MiB)."""
    code = (
        CHILD
        if args
        else "import resources.fetcher\nfrom bench.common import peak_rss_mb\n"
        "print(f'0\\timport\\t{peak_rss_mb():.0f}')"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    out = process.stdout.read()
    process.wait()
    seconds, outcome, peak = out.strip().split("\t")
    return float(seconds), outcome, int(peak)


def main() -> None:
    gzip_bomb()  # built once, before the server is asked for it
    with serve(SNAPSHOT) as server:
        cases = [
            ("baseline: import only", ()),
            ("real SDN.CSV", ("us_ofac_sdn", "SDN.CSV", f"{server.url}/ok/SDN.CSV")),
            ("real SDN.CSV, gzip", ("us_ofac_sdn", "SDN.CSV", f"{server.url}/gzip/SDN.CSV")),
            ("3 GiB body, un_sc limit", ("un_sc", "consolidated.xml", f"{server.url}/huge/a")),
            ("3 GiB body, us_ofac_sdn limit", ("us_ofac_sdn", "SDN.CSV", f"{server.url}/huge/b")),
            (
                "1 GiB gzip bomb, us_ofac_cons limit",
                ("us_ofac_cons", "X.CSV", f"{server.url}/bomb/c"),
            ),
        ]
        print(f"{'case':40} {'limit':>14} {'seconds':>8} {'peak RSS':>9}  outcome")
        for label, args in cases:
            limit = f"{publishers.max_bytes(args[0]):,}" if args else ""
            seconds, outcome, peak = child(*args)
            print(f"{label:40} {limit:>14} {seconds:8.2f} {peak:>6} MiB  {outcome}")
            time.sleep(0.2)


if __name__ == "__main__":
    main()
