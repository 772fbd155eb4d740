"""Consolidated Screening List parser: time per real file against the bare read of the same bytes.

    .venv/bin/python -m bench.bench_us_csl

Baseline: `polars.read_csv` of the same bytes (polars decompresses the gzip snapshot itself).
Best of 3 runs each, after one warm-up run (country look-ups are cached per process). The
issue's target is a ratio (parser / bare read) of at most 3. The truncated 2023 copy (a test
fixture) is parsed with strict=False, which keeps its 4,226 complete records.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from bench.common import best_of, row
from us_csl.constants import CSV_NAME, SOURCE
from us_csl.csv import parse_csv_bytes

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "snapshot 2022-05-16 consolidated.csv.gz": (
        ROOT / "snapshots" / SOURCE / "2022-05-16" / "consolidated.csv.gz",
        True,
    ),
    "fixture csl.csv (2023, truncated)": (ROOT / "tests" / "fixtures" / SOURCE / "csl.csv", False),
}


def bare_read(data: bytes, complete: bool) -> pl.DataFrame:
    # the truncated copy cannot be read whole by polars: time the complete records only
    if not complete:
        data = data[: data.rfind(b'\n"')]
    return pl.read_csv(data, infer_schema=False)


def main() -> None:
    print(
        row(
            "file (parse vs polars.read_csv)", "bare s", "parser s", "ratio", widths=(42, 10, 10, 7)
        )
    )
    for label, (path, strict) in FILES.items():
        data = path.read_bytes()
        parse_csv_bytes(CSV_NAME, data, strict=strict)  # warm-up
        bare = best_of(lambda data=data, strict=strict: bare_read(data, strict))
        ours = best_of(
            lambda data=data, strict=strict: parse_csv_bytes(CSV_NAME, data, strict=strict)
        )
        print(row(label, bare, ours, ours / bare, widths=(42, 10, 10, 7)))


if __name__ == "__main__":
    main()
