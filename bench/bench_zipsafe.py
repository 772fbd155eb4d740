"""What the zip-bomb check costs on real workbooks, and what refusing a bomb costs (best of 3).

    .venv/bin/python -m bench.bench_zipsafe

Real files: the two shipped OFSI workbooks (2023-06-05, 2025-04-14). For each: the time of
`core.zipsafe.check_zip` (every member inflated in 1 MiB chunks, nothing kept) beside the bare
`polars.read_excel` (calamine) of the same bytes. Then a 4 GiB sheet in a 4 MB workbook whose
header claims 35 KB (built as in tests/test_zipsafe.py): time and peak Python memory until the
refusal, which comes once 128 MiB have been inflated.
"""

from __future__ import annotations

import io
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import polars as pl

from core.errors import SourceFormatError
from core.zipsafe import check_zip
from gb_ofsi.constants import XLSX_LIMITS

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / "gb_ofsi"


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    print(f"{'file':<28}{'check_zip s':>14}{'read_excel s':>14}{'check / read':>14}")
    for day in ("2023-06-05", "2025-04-14"):
        data = (SNAPSHOTS / day / "ConList.xlsx").read_bytes()
        check = best_of(lambda data=data: check_zip("ConList.xlsx", data, XLSX_LIMITS))
        read = best_of(
            lambda data=data: pl.read_excel(
                io.BytesIO(data), engine="calamine", has_header=False, infer_schema_length=0
            )
        )
        print(f"{day + ' ConList.xlsx':<28}{check:>14.3f}{read:>14.3f}{check / read:>13.0%}")

    from tests.test_zipsafe import write_zip  # the test's streaming bomb writer

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.xlsx"
        write_zip(path, [("xl/worksheets/sheet1.xml", 4095, 35_184)])
        data = path.read_bytes()
        tracemalloc.start()
        start = time.perf_counter()
        try:
            check_zip("ConList.xlsx", data, XLSX_LIMITS)
        except SourceFormatError as exc:
            message = str(exc)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"\n4 GiB sheet bomb ({len(data) / 2**20:.1f} MB file): refused in {elapsed:.2f} s, ")
    print(f"peak Python memory {peak / 2**20:.1f} MiB\n  {message}")


if __name__ == "__main__":
    main()
