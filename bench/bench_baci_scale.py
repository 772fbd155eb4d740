"""Trade data at full scale (issue #14): a synthetic BACI release of N rows through the real
ingest path, then BACI's indicators by DuckDB over the stored period files.

The bench writes a release in BACI's layout into a work folder: yearly CSVs
`BACI_HS22_Y<year>_V202401.csv` (`t,i,j,k,v,q`; 10 years, 2014-2023, N/10 rows each; exporters and
importers drawn from the country-code file, products from the real HS 2022 six-digit codes of
`snapshots/trade/harmonized-system/`, values with three decimals, 5 % of quantities `NA`) and the
country-code file. No real BACI extract is shipped (`tests/fixtures/trade/README.md`): the
country-code file is the fixture's, `tests/fixtures/trade/baci/country_codes_V202401.csv`.

Then a CHILD process, measured on its own, runs what the `cepii_baci` asset runs on a release
once fetched (`assets/trade_parse.parse_baci`, `assets/trade._store`): `cepii_baci.ingest_csv`
streams each yearly file to verified parquet (`scan_csv` → checks → `sink_parquet`), then
`assets.trade_periods.write_periods` stores one file per year
(`warehouse/trade/cepii_baci/period=<year>.parquet`), then `trade.baci_duckdb.baci_annual`
computes BACI's `trade_indicators_annual` rows in DuckDB over those files (memory limit 2 GB).
Its peak resident memory is its own `VmHWM` from /proc/<child pid>/status, read by the child as
its last act (a forked child's `ru_maxrss` would start from the parent's size). The synthetic
data is deleted afterwards.

    .venv/bin/python -m bench.bench_baci_scale [--rows 20000000 200000000] [--workdir DIR]

Not covered here: the asset's fetch step (`assets/trade_sources.fetch_files`). Since #14 it streams
the release zip to the raw archive and `parse_baci` reads it member by member from there;
`bench/bench_fetch_stream.py --release-rows N` measures that path (fetch and parse of a zipped
synthetic release, in one child).

Measured (2 shared cores, `uptime` load beside each; `ingest` = CSV → verified parquet,
`store` = one file per year, `duckdb` = indicators; wall seconds):

    rows          CSV      ingest  store  duckdb  total   peak RSS (child VmHWM)  load (1 min)
    20,000,000    0.75 GiB  138.1   36.9    3.6   178.6 s   573 MB                13.4 → 13.1
    200,000,000   7.48 GiB 1208.5  141.3   16.6  1366.4 s   842 MB                11.4 → 13.1

    rows x10: time x7.65 (linear or better: fixed costs per file and per run are spread
    over more rows), peak RSS 573 → 842 MB, far under the 4 GB asked (the CSV is 7.5 GiB).
    Both runs stored every row (200,000,000 in 10 period files) and gave 4,480 indicator
    rows. The machine was shared (load 11-16 on 2 cores): the times are upper bounds.
    Run on 2026-12-04, `python -m bench.bench_baci_scale --rows 20000000 200000000`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTRIES = ROOT / "tests" / "fixtures" / "trade" / "baci" / "country_codes_V202401.csv"
HS = ROOT / "snapshots" / "trade" / "harmonized-system" / "harmonized-system.csv"
CHPL = ROOT / "snapshots" / "trade" / "chpl" / "chpl_2024-02-23.csv"
YEARS = tuple(range(2014, 2024))
CHUNK = 2_000_000


def load() -> str:
    return os.getloadavg().__repr__()


def write_release(folder: Path, rows: int, seed: int = 14) -> list[Path]:
    """Yearly CSVs of `rows` rows in all, and the country-code file."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(COUNTRIES, folder / COUNTRIES.name)
    codes = pl.read_csv(COUNTRIES)["country_code"].to_numpy()
    hs6 = (
        pl.read_csv(HS, infer_schema=False)
        .filter(pl.col("level") == "6")["hscode"]
        .to_numpy()
        .astype(str)
    )
    rng = np.random.default_rng(seed)
    files = []
    per_year = rows // len(YEARS)
    for n, year in enumerate(YEARS):
        path = folder / f"BACI_HS22_Y{year}_V202401.csv"
        wanted = per_year + (rows - per_year * len(YEARS) if n == len(YEARS) - 1 else 0)
        with open(path, "wb") as out:
            written = 0
            while written < wanted:
                size = min(CHUNK, wanted - written)
                exporter = rng.choice(codes, size)
                importer = rng.choice(codes, size)
                quantity = rng.integers(1, 10**8, size) / 1000.0
                frame = pl.DataFrame(
                    {
                        "t": np.full(size, year),
                        "i": exporter,
                        "j": importer,
                        "k": rng.choice(hs6, size),
                        "v": rng.integers(1, 10**9, size) / 1000.0,
                        "q": pl.Series(quantity).set(pl.Series(rng.random(size) < 0.05), None),
                    }
                )
                frame.write_csv(
                    out, include_header=written == 0, float_precision=3, null_value="NA"
                )
                written += size
        files.append(path)
    return files


def child(release: Path, data: Path) -> None:
    """The measured part, in its own process: ingest, store by year, DuckDB indicators."""
    from assets.trade_periods import stored_periods, write_periods
    from resources.storage import DataDir
    from trade import baci_duckdb, cepii_baci, chpl_codes

    figures: dict[str, float] = {}
    start = time.perf_counter()
    countries = cepii_baci.parse_countries(COUNTRIES.name, COUNTRIES.read_bytes())
    scratch = data / "scratch"
    scratch.mkdir(parents=True)
    parts, rows = [], 0
    for path in sorted(release.glob("BACI_HS22_Y*.csv")):
        out = scratch / f"{path.stem}.parquet"
        rows += cepii_baci.ingest_csv(path.name, path, countries, out)
        parts.append(pl.scan_parquet(out))
    figures["ingest_s"] = time.perf_counter() - start
    mark = time.perf_counter()
    store = DataDir(root=str(data))
    written = write_periods(store, "cepii_baci", pl.concat(parts), [str(y) for y in YEARS])
    shutil.rmtree(scratch)
    figures["store_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    chpl = chpl_codes.parse(f"chpl/{CHPL.name}", CHPL.read_bytes()).frame
    chpl.write_parquet(data / "chpl_codes.parquet")
    annual = baci_duckdb.baci_annual(
        stored_periods(store, "cepii_baci"), data / "chpl_codes.parquet"
    )
    figures["duckdb_s"] = time.perf_counter() - mark
    figures["total_s"] = time.perf_counter() - start
    peak = next(
        int(line.split()[1]) / 1024
        for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    print(
        json.dumps(
            {
                **figures,
                "rows": rows,
                "stored_rows": sum(written.values()),
                "indicator_rows": annual.height,
                "peak_rss_mb": peak,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000_000, 200_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_baci_scale"))
    parser.add_argument("--child", nargs=2, type=Path, metavar=("RELEASE", "DATA"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    results = []
    for rows in args.rows:
        release, data = args.workdir / f"release_{rows}", args.workdir / f"data_{rows}"
        shutil.rmtree(release, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
        try:
            mark = time.perf_counter()
            files = write_release(release, rows)
            size = sum(f.stat().st_size for f in files) / 2**30
            print(f"{rows:,} rows written ({size:.1f} GiB) in {time.perf_counter() - mark:.0f} s")
            before = load()
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.bench_baci_scale",
                    "--child",
                    str(release),
                    str(data),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode:
                print(proc.stderr[-3000:])
                raise SystemExit(f"child failed for {rows} rows")
            figures = json.loads(proc.stdout.strip().splitlines()[-1])
            figures |= {"csv_gib": round(size, 2), "load_before": before, "load_after": load()}
            results.append(figures)
            print(json.dumps(figures), flush=True)
        finally:
            shutil.rmtree(release, ignore_errors=True)
            shutil.rmtree(data, ignore_errors=True)
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(
            f"rows x{last['rows'] / first['rows']:.0f}: time x{last['total_s'] / first['total_s']:.2f}"
            f", peak RSS {first['peak_rss_mb']:.0f} → {last['peak_rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
