"""Benchmark of the trade parsers.

1. Every real trade file shipped under `snapshots/trade/`: bare read (`polars.read_csv` of the
   same bytes) against the parser, best of 3, and the ratio.
2. The Eurostat Data Browser workbooks (`snapshots/trade/eurostat_cn8/`, 330 product sheets):
   a bare fastexcel read of every sheet (all cells as strings, the same call the parser makes)
   against `eurostat_databrowser.parse` and against the CHPL indicators built on its rows, each
   in a fresh process (best of 3 wall times, peak resident memory).
3. A synthetic UN Comtrade bulk file in the documented layout (tab-separated, HS6 rows; default
   10 million rows) generated into a temporary folder, then streamed to parquet by
   `un_comtrade.ingest_csv` in a fresh process, whose wall time, CPU time and peak resident
   memory (its own VmHWM, `bench.common.peak_rss_mb`) are reported. Target: ≤ 30 s and ≤ 2 GB.

    .venv/bin/python -m bench.bench_trade [--rows 10000000] [--skip-big]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trade import chpl_codes, eurostat_comext, hs_codes, imf_imts  # noqa: E402

SNAP = ROOT / "snapshots" / "trade"
SEED = ROOT / "tests" / "fixtures" / "trade" / "comtrade" / "comtrade_hs6_annual.tsv"
CHUNK = 500_000


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_read(files: dict[str, bytes]) -> None:
    for data in files.values():
        pl.read_csv(io.BytesIO(data), infer_schema=False)


def real_files() -> list[tuple[str, dict[str, bytes], Callable[[dict[str, bytes]], object]]]:
    eurostat = {
        p.relative_to(SNAP).as_posix(): p.read_bytes()
        for p in sorted((SNAP / "eurostat").rglob("*.csv"))
    }
    folders = sorted({eurostat_comext.folder_of(n) for n in eurostat})
    cases: list[tuple[str, dict[str, bytes], Callable[[dict[str, bytes]], object]]] = [
        (
            f"{folder} ({sum(1 for n in eurostat if n.startswith(folder + '/'))} files)",
            {n: d for n, d in eurostat.items() if n.startswith(folder + "/")},
            eurostat_comext.parse,
        )
        for folder in folders
    ]
    cases.append(("eurostat, all 286 files", eurostat, eurostat_comext.parse))
    # live mode: the same rows as the API's SDMX-CSV (tests/sdmx.py writes them)
    from tests.sdmx import as_sdmx

    rows = eurostat_comext.parse(eurostat).frame
    api = {"sdmx.csv": as_sdmx(rows)}
    cases.append(
        (f"eurostat as one SDMX-CSV response ({rows.height:,} rows)", api, eurostat_comext.parse)
    )
    imf = {"imf_imts/RU_trade.csv": (SNAP / "imf_imts" / "RU_trade.csv").read_bytes()}
    cases.append(("imf_imts/RU_trade.csv", imf, lambda f: imf_imts.parse(*next(iter(f.items())))))
    hs = {
        f"harmonized-system/{n}": (SNAP / "harmonized-system" / n).read_bytes()
        for n in ("harmonized-system.csv", "sections.csv")
    }
    cases.append(("harmonized-system (2 files)", hs, hs_codes.parse))
    chpl = {"chpl/chpl_2024-02-23.csv": (SNAP / "chpl" / "chpl_2024-02-23.csv").read_bytes()}
    cases.append(
        ("chpl/chpl_2024-02-23.csv", chpl, lambda f: chpl_codes.parse(*next(iter(f.items()))))
    )
    return cases


def bench_real() -> None:
    print(f"{'file(s)':<52} {'bytes':>10} {'bare read':>10} {'parse':>10} {'ratio':>6}")
    for label, files, parse in real_files():
        bare = best_of(lambda files=files: bare_read(files))
        parsed = best_of(lambda files=files, parse=parse: parse(files))
        size = sum(len(d) for d in files.values())
        print(
            f"{label:<52} {size:>10,} {bare * 1000:>8.1f}ms {parsed * 1000:>8.1f}ms {parsed / bare:>6.2f}"
        )


CN8_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bench.common import peak_rss_mb
import fastexcel
import polars as pl
from trade import chpl_codes, chpl_indicators, eurostat_databrowser, indicators
folder = Path(sys.argv[1]) / "snapshots" / "trade"
files = {p.name: p.read_bytes() for p in sorted((folder / "eurostat_cn8").glob("*.xlsx"))}
chpl = chpl_codes.parse("chpl", (folder / "chpl" / "chpl_2024-02-23.csv").read_bytes()).frame
def bare():
    cells = 0
    for data in files.values():
        reader = fastexcel.read_excel(data)
        for name in reader.sheet_names:
            cells += reader.load_sheet(name, header_row=None, dtypes="string").to_polars().shape[0]
    return cells
def parse():
    return eurostat_databrowser.parse(files)[0].frame.height
def build():
    result = eurostat_databrowser.parse(files)[0]
    flows = indicators.flows_from_cn8(result.frame)
    return len(chpl_indicators.build(flows, result.extra["products"], chpl))
fn = {"bare": bare, "parse": parse, "indicators": build}[sys.argv[2]]
times = []
for _ in range(3):
    start = time.perf_counter()
    out = fn()
    times.append(time.perf_counter() - start)
print(json.dumps({"out": out, "wall": min(times),
                  "peak_mb": peak_rss_mb()}))
"""


def bench_cn8() -> None:
    size = sum(p.stat().st_size for p in (SNAP / "eurostat_cn8").glob("*.xlsx"))
    print(f"\neurostat_cn8: 3 Data Browser workbooks, {size:,} bytes, 330 product sheets")
    labels = {
        "bare": "bare fastexcel read, every sheet",
        "parse": "eurostat_databrowser.parse",
        "indicators": "parse + CHPL indicator tables",
    }
    bare = 0.0
    for mode, label in labels.items():
        done = subprocess.run(
            [sys.executable, "-c", CN8_CHILD, str(ROOT), mode],
            check=True,
            capture_output=True,
            text=True,
        )
        stats = json.loads(done.stdout.strip().splitlines()[-1])
        bare = bare or stats["wall"]
        print(
            f"{label:<40} wall {stats['wall']:.2f}s (x{stats['wall'] / bare:.1f})"
            f"  peak RSS {stats['peak_mb']:.0f} MB  ({stats['out']:,})"
        )


def generate(path: Path, rows: int) -> float:
    """Write `rows` Comtrade records (tab-separated bulk layout) built from the fixture's records."""
    start = time.perf_counter()
    seed = pl.read_csv(SEED, separator="\t", infer_schema=False)
    codes = pl.read_csv(
        SNAP / "harmonized-system" / "harmonized-system.csv", infer_schema=False
    ).filter(pl.col("level") == "6")["hscode"]
    block = pl.concat([seed] * (CHUNK // seed.height + 1)).head(CHUNK)
    with open(path, "wb") as handle:
        done = 0
        while done < rows:
            n = min(CHUNK, rows - done)
            idx = pl.int_range(done, done + n, eager=True)
            part = block.head(n).with_columns(
                cmdCode=codes.gather(idx * 7919 % codes.len()),
                primaryValue=(idx * 104729 % 10_000_000).cast(pl.String),
                qty=(idx * 31 % 100_000).cast(pl.String),
            )
            part.write_csv(handle, separator="\t", include_header=done == 0)
            done += n
    return time.perf_counter() - start


CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from bench.common import peak_rss_mb
import polars as pl
from trade import un_comtrade
start, cpu = time.perf_counter(), time.process_time()
if sys.argv[4] == "ingest":
    rows, extra = un_comtrade.ingest_csv("synthetic.tsv", sys.argv[1], sys.argv[2])
else:  # bare streaming read of the same file, same column types, no checks
    header = open(sys.argv[1]).readline().rstrip("\\n").split("\\t")
    schema = {c: un_comtrade.READ_SCHEMA.get(c, pl.String) for c in header}
    pl.scan_csv(sys.argv[1], separator="\\t", schema=schema).sink_parquet(sys.argv[2])
    rows = pl.scan_parquet(sys.argv[2]).select(pl.len()).collect().item()
print(json.dumps({"rows": rows, "wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "peak_mb": peak_rss_mb()}))
"""


def run_child(source: Path, out: Path, mode: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(out), str(ROOT), mode],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_big(rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench_trade_") as tmp:
        source = Path(tmp) / "comtrade_synthetic.tsv"
        took = generate(source, rows)
        print(
            f"\nsynthetic Comtrade bulk CSV: {rows:,} rows, {source.stat().st_size / 1e9:.2f} GB, generated in {took:.1f}s"
        )
        for mode in ("bare", "ingest"):
            stats = run_child(source, Path(tmp) / f"{mode}.parquet", mode)
            label = (
                "bare streaming read → parquet"
                if mode == "bare"
                else "un_comtrade.ingest_csv (parse+checks)"
            )
            print(
                f"{label:<40} rows {stats['rows']:,}  wall {stats['wall']:.1f}s  cpu {stats['cpu']:.1f}s"
                f"  peak RSS {stats['peak_mb']:.0f} MB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    bench_real()
    bench_cn8()
    if not args.skip_big:
        bench_big(args.rows)


if __name__ == "__main__":
    main()
