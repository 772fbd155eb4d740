"""Peak memory of the live fetcher on hostile bodies, each fetch in its own child process.

    .venv/bin/python -m bench.bench_fetch

A local HTTP server (`tests/httpserver.py`) serves a generated 3 GiB body and a gzip bomb
(1 GiB of zeros in about 1 MB); the fetcher must stop each at the file's limit
(`resources/publishers.py`). Every case runs `LiveFetcher.fetch` in a fresh Python process and
reports that process's own peak resident memory (its VmHWM, `bench.common.peak_rss_mb`: the
`ru_maxrss` of `os.wait4` would start from this parent's size, server included), beside a baseline
process that only imports the fetcher. Peak − baseline is what the body cost; it should stay
near the limit (the bytes kept, plus one copy when a payload is returned), far from the body's
size. The real SDN.CSV (3.4 MB, plain and gzip-encoded) gives the honest case.

Measured 2026-12-04 on the shared 2-core machine (peak RSS; the baseline import is 78 MiB):

    real SDN.CSV                              0.32 s    87 MiB  payload of 3,477,010 bytes
    real SDN.CSV, gzip                        0.41 s    89 MiB  payload of 3,477,010 bytes
    3 GiB body, un_sc limit (22 MB)           0.69 s   102 MiB  refused (too_large)
    3 GiB body, us_ofac_sdn limit (290 MB)    3.15 s   358 MiB  refused (too_large)
    1 GiB gzip bomb, us_ofac_cons (34 MB)     1.09 s   146 MiB  refused (too_large)

At most about twice the limit is held (the kept bytes and one decoded piece), whatever the
body's size.
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
    outcome = f"payload of {len(payload.data):,} bytes"
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
