"""Timing helpers shared by the benchmark scripts (not tests: figures are printed, not asserted)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], runs: int = 3) -> float:
    """Best wall time of `runs` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(*cells: object, widths: tuple[int, ...] = (34, 12, 12, 8)) -> str:
    out = []
    for cell, width in zip(cells, widths, strict=False):
        text = f"{cell:.3f}" if isinstance(cell, float) else str(cell)
        out.append(text.ljust(width) if cell is cells[0] else text.rjust(width))
    return " ".join(out)
