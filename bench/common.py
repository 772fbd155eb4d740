"""Timing and memory helpers shared by the benchmark scripts (not tests: figures are printed,
not asserted)."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def best_of(fn: Callable[[], Any], runs: int = 3) -> float:
    """Best wall time of `runs` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def ratio(
    ours: Callable[[], Any], bare: Callable[[], Any], runs: int = 5, clock: str = "wall"
) -> tuple[float, float, float]:
    """(bare s, ours s, ours ÷ bare): medians of `runs` alternating calls in this process.

    Both are timed on the same bytes in the same process, one after the other, so a load from
    other processes weighs on both alike; the median ignores a run a burst of load hit.
    `clock="cpu"` times CPU seconds of this process (all its threads) instead of wall seconds:
    on a shared machine that figure does not move with the other processes' load.
    """
    timer = time.process_time if clock == "cpu" else time.perf_counter
    bare(), ours()  # warm caches (imports, compiled regexes, country look-ups) out of the timing
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, out in ((bare, times[0]), (ours, times[1])):
            start = timer()
            fn()
            out.append(timer() - start)
    b, o = statistics.median(times[0]), statistics.median(times[1])
    return b, o, o / b


def peak_rss_mb() -> float:
    """Peak resident memory of this process image, in MB.

    `VmHWM` of /proc/self/status, not `ru_maxrss`: on Linux a child's `ru_maxrss` starts from
    its parent's size at fork and survives exec, so a bench child started from a 1.2 GB
    parent would report 1.2 GB whatever it used itself. VmHWM belongs to the process image
    and starts afresh at exec. Falls back to `ru_maxrss` where /proc is absent.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(*cells: object, widths: tuple[int, ...] = (34, 12, 12, 8)) -> str:
    out = []
    for cell, width in zip(cells, widths, strict=False):
        text = f"{cell:.3f}" if isinstance(cell, float) else str(cell)
        out.append(text.ljust(width) if cell is cells[0] else text.rjust(width))
    return " ".join(out)
