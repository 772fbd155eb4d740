"""Cross-list reconciliation: measured matching quality, then time and memory.

    python -m bench.bench_reconcile            # quality, then time and memory
    python -m bench.bench_reconcile quality    # quality and confusion cases only
    python -m bench.bench_reconcile perf       # time and memory only

Quality: the matching quality against the ground truth the lists themselves give, hidden
from the matcher (UK↔UN by UN reference, OFAC↔UK by passport number), and the confusion cases.
How the truth is built and how pairs are judged: `bench/reconcile_quality.py`.

Performance: time and peak memory of the whole reconciliation (`reconcile.divergence.reconcile`:
resolution and divergence tables) on every real list together, then on the lists replicated
2×, 5× and 10× (synthetic: each copy a distinct set of parties with perturbed names, see
`replicate`). Each run is a fresh process reading only the columns the asset reads; peak
memory is that process's VmHWM.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from bench.reconcile_quality import (
    REVIEWED_UNSEEN,
    ROOT,
    TABLES,
    combine,
    load_source,
    ofac_uk_quality,
    print_quality,
    reviewed_unseen,
    uk_un_quality,
    unlabelled_sample,
    unseen_runs,
)
from reconcile.inputs import INPUT_COLUMNS


def real_lists() -> dict[str, pl.DataFrame]:
    """Every shipped list at its newest snapshot."""
    sources = ("us_ofac_sdn", "us_ofac_cons", "us_csl", "gb_ofsi", "gb_fcdo", "eu_fsf", "un_sc")
    return combine(*(load_source(s) for s in sources))


def _perturb_name(name: str, rng: random.Random) -> str:
    words = name.split()
    if len(words) > 1 and rng.random() < 0.3:
        rng.shuffle(words)
    out = []
    for word in words:
        if len(word) > 3 and rng.random() < 0.25:
            i = rng.randrange(1, len(word) - 1)
            edit = rng.random()
            if edit < 0.4:
                word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            elif edit < 0.7:
                word = word[:i] + word[i + 1 :]
            else:
                word = word[:i] + word[i] + word[i:]
        out.append(word)
    return " ".join(out)


def replicate(
    tables: Mapping[str, pl.DataFrame], copies: int, seed: int = 7
) -> dict[str, pl.DataFrame]:
    """`copies` versions of every list, each a distinct synthetic set of parties.

    Copy `k` suffixes every entity ID and identifier value with `~k` (so copies link within
    themselves, as the real lists do, but not to each other) and perturbs every name: token
    order shuffled, one letter swapped, dropped or doubled here and there.
    """
    rng = random.Random(seed)
    out: dict[str, list[pl.DataFrame]] = {name: [] for name in TABLES}
    distinct = tables["names"]["name"].unique().to_list()
    for k in range(copies):
        if k == 0:
            for name in TABLES:
                out[name].append(tables[name])
            continue
        suffix = f"~{k}"
        perturbed = {n: _perturb_name(n, rng) for n in distinct}
        for name in TABLES:
            df = tables[name].with_columns(pl.col("entity_id") + suffix)
            if name == "identifiers":
                df = df.with_columns(pl.col("value") + suffix, pl.col("normalized") + suffix)
            if name == "names":
                df = df.with_columns(pl.col("name").replace(perturbed))
            if name == "entities":
                df = df.with_columns(pl.col("primary_name").replace(perturbed))
            out[name].append(df)
    return {name: pl.concat(frames) for name, frames in out.items()}


def _write_inputs(tables: Mapping[str, pl.DataFrame], folder: Path) -> None:
    """The columns the reconciliation reads (reconcile.inputs.INPUT_COLUMNS), as parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, columns in INPUT_COLUMNS.items():
        tables[name].select(columns).write_parquet(folder / f"{name}.parquet")


def _high_water_mb() -> float:
    """Peak resident memory of this process image (VmHWM: unlike ru_maxrss, not inherited
    from the parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _child(folder: str) -> None:
    """Run in a fresh process: read the inputs, resolve, print time and peak memory as JSON."""
    from reconcile.divergence import reconcile

    tables = {name: pl.read_parquet(Path(folder) / f"{name}.parquet") for name in INPUT_COLUMNS}
    loaded = _high_water_mb()
    start = time.perf_counter()
    out, stats = reconcile(tables)
    seconds = time.perf_counter() - start
    peak = _high_water_mb()
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak, 1),
                "rss_after_load_mb": round(loaded, 1),
                "entities": tables["entities"].height,
                "names": tables["names"].height,
                **{k: stats[k] for k in ("candidate_pairs", "deterministic_links", "clusters")},
                "probabilistic_links": int((out["cluster_links"]["rule"] == "probabilistic").sum()),
            }
        )
    )


def measure(label: str, tables: Mapping[str, pl.DataFrame]) -> dict[str, Any]:
    """Wall time and peak resident memory of the whole reconciliation (resolve + divergence)
    in a fresh process that reads only the columns the asset reads."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench_reconcile_") as folder:
        _write_inputs(tables, Path(folder))
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_reconcile", "--child", folder],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    figures = {"label": label, **json.loads(done.stdout.strip().splitlines()[-1])}
    print(
        f"{label:<28} entities {figures['entities']:>8,}  names {figures['names']:>9,}  "
        f"{figures['seconds']:7.2f}s  peak RSS {figures['peak_rss_mb']:7.0f} MB "
        f"(inputs loaded {figures['rss_after_load_mb']:.0f} MB)  candidates "
        f"{figures['candidate_pairs']:>9,}  clusters {figures['clusters']:>8,}"
    )
    return figures


def performance(copies: tuple[int, ...] = (1, 2, 5, 10)) -> list[dict[str, Any]]:
    """Every real list together, then replicated (synthetic) — time and memory per scale."""
    real = real_lists()
    rows = []
    for n in copies:
        tables = real if n == 1 else replicate(real, n)
        label = "real lists" if n == 1 else f"{n}x replicated, perturbed"
        rows.append({"copies": n, **measure(label, tables)})
    base = rows[0]
    for row in rows[1:]:
        print(
            f"  {row['copies']:>2}x: {row['seconds'] / base['seconds']:.1f}x the time, "
            f"{row['candidate_pairs'] / base['candidate_pairs']:.1f}x the candidate pairs, "
            f"{row['peak_rss_mb'] / base['peak_rss_mb']:.1f}x the peak memory"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        _child(args[1])
        return
    if args[:1] in ([], ["quality"]):
        for fn in (uk_un_quality, ofac_uk_quality):
            quality, tables = fn()
            print_quality(quality, tables)
    if args[:1] in ([], ["unseen"]):
        qualities = {}
        for key, run in unseen_runs():
            quality, tables = run()
            qualities[key] = quality
            print_quality(quality, tables, every_case=True)
        if REVIEWED_UNSEEN.exists():
            print("hand-reviewed sample of links no identifier judges (reviewed_unlabelled_…):")
            for row in reviewed_unseen(qualities).iter_rows(named=True):
                print(
                    f"    {row['verdict']:<10} {row['pairs']:>3} pairs, "
                    f"{row['linked']:>3} linked now"
                )
    if args[:1] == ["sample"]:
        qualities = {key: run()[0] for key, run in unseen_runs()}
        unlabelled_sample(qualities).write_csv(sys.stdout)
    if args[:1] in ([], ["perf"]):
        performance()


if __name__ == "__main__":
    main()
