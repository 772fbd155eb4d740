"""OFAC parsers: time per file against the bare read of the same bytes, end to end, and 10× scale.

    .venv/bin/python -m bench.bench_ofac            # all figures
    .venv/bin/python -m bench.bench_ofac e2e        # end-to-end in-process run only (fresh process)

Baselines: `polars.read_csv` of the same CSV bytes, `lxml.etree.fromstring` of the same XML
bytes. The 10× set replicates every SDN record ten times under new ent_num values.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from lxml import etree

from bench.common import best_of, peak_rss_mb, row
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


def per_file() -> None:
    print(row("file (strict read vs bare read)", "bare s", "parser s", "ratio"))
    files = {name: (SDN / name).read_bytes() for name in SDN_FILES}
    for name, columns in SDN_FILES.items():
        bare = best_of(lambda d=files[name]: bare_csv(d))
        ours = best_of(lambda n=name, d=files[name], c=columns: read_ofac_csv(n, d, c))
        print(row(name, bare, ours, ours / bare))
    bare_all = sum(best_of(lambda d=d: bare_csv(d)) for d in files.values())
    full = best_of(lambda: SDN_LIST.parse_csv(files))
    print(row("SDN CSV set → canonical (remarks too)", bare_all, full, full / bare_all))
    xml = (CONS / "CONSOLIDATED.XML").read_bytes()
    bare = best_of(lambda: etree.fromstring(xml))
    ours = best_of(lambda: CONS_LIST.parse_xml({"CONSOLIDATED.XML": xml}))
    print(row("CONSOLIDATED.XML → canonical", bare, ours, ours / bare))
    cons = {
        n: (CONS / n).read_bytes()
        for n in ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV")
    }
    bare = sum(best_of(lambda d=d: bare_csv(d)) for d in cons.values())
    ours = best_of(lambda: CONS_LIST.parse_csv(cons))
    print(row("CONS CSV set → canonical", bare, ours, ours / bare))

    print()
    print(row("SDN CSV set scale", "bare s", "parser s", "× of 1×"))
    one = best_of(lambda: SDN_LIST.parse_csv(files), runs=2)
    ten_files = replicate(files, 10)
    bare10 = sum(best_of(lambda d=d: bare_csv(d), runs=2) for d in ten_files.values())
    ten = best_of(lambda: SDN_LIST.parse_csv(ten_files), runs=2)
    print(row("1× (13,821 entries)", bare_all, one, 1.0))
    print(row("10× (138,210 entries)", bare10, ten, ten / one))
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
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


def main() -> None:
    if sys.argv[1:] == ["e2e"]:
        e2e()
        return
    per_file()
    subprocess.run([sys.executable, "-m", "bench.bench_ofac", "e2e"], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
