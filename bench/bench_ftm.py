"""FtM export against the DuckDB publish: size and time on a published version.

    .venv/bin/python -m bench.bench_ftm [data directory]

Without an argument the default snapshot run is executed into a temporary data directory
first; the latest version and the history lake of the data directory are measured. Printed:
time to build the FtM entities (`ftm.export.build_entities`), to serialise them, the delta,
and the statements table from the lake (`ftm.history_statements.version_history`: cold, every
publication read from the lake and exported, then warm, from the per-publication cache),
against writing `sanctions.duckdb`
(`resources.duckdb_files.write_database`) and the parquet files of the same tables; and the
sizes of `entities.ftm.json` (raw and gzip-compressed as a consumer would ship it),
`statements.parquet` and `sanctions.duckdb`.

Then the memo (`ftm/memo.py`): the same tables with the SDN replaced by its next synthetic
publication (about 1 % of the parties changed: `bench.bench_history.mutate`), exported cold
(no memo) and warm (the memo holding the unchanged version), byte for byte compared; and the
unchanged version warm (nothing changed).

Measured (2-core machine shared by 6 sessions, `nice`d; `uptime` load beside each), on the
snapshot run's tables (34,099 parties of 7 lists, 136,589 entities, 52.5 MB):

    load 13.3: export cold (no memo) 100.9 s; warm after the 1 % SDN change 16.0 s (93 of
      45,040 parties and clusters built, 44,947 reused); unchanged 20.5 s; byte-identical
    load 10-13 (first version of the memo): cold 38-57 s, warm 10-13 s
    load 14-16 (lines read by polars): cold 112 s, warm 21.6 s; unchanged, by section: party
      keys 3.5 s, memo read and verified 2.4 s, metas decoded 2.6 s, clusters 1.3 s, IDs and
      order 1.8 s (and `data()` 3.2 s)

The warm build is 15-20 % of the cold one, not 1 %: what remains is proportional to the whole
export, not to the change (hashing every party's rows, reading and verifying the memo, writing
52 MB of lines). A memo per list keyed by its staged publication would skip the unchanged lists
whole; not done.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from bench.common import peak_rss_mb, row
from ftm.delta import compute_delta
from ftm.export import build_entities, build_export, to_lines
from ftm.history_statements import CACHE, version_history
from resources.duckdb_files import write_database


def _tables(folder: Path) -> dict[str, pl.DataFrame]:
    return {p.stem: pl.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def _default_run(data: Path) -> None:
    from tests.test_history import run

    assert run(data).success


def with_changed_sdn(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """`tables` with the SDN's rows replaced by its next synthetic publication (about 1 % of
    its parties changed), parsed by the real parser."""
    import random

    from bench.bench_history import FILES, REAL, mutate, newline, records
    from ofac.legacy_csv import parse_csv_set

    real = {name: (REAL / name).read_bytes() for name in FILES}
    changed, _ = mutate(
        {n: records(d) for n, d in real.items()}, random.Random(20231228), 1_000_000
    )
    files = {
        n: newline(real[n]).join(lines) + newline(real[n]) + b"\x1a" for n, lines in changed.items()
    }
    parsed = parse_csv_set(files, "us_ofac_sdn", *FILES).tables
    pub = tables["publications"].filter(pl.col("source") == "us_ofac_sdn")["publication_id"][0]
    out = dict(tables)
    for name, df in parsed.items():
        if name not in tables or "source" not in tables[name].columns:
            continue
        mine = df.with_columns(publication_id=pl.lit(pub))
        others = tables[name].filter(pl.col("source") != "us_ofac_sdn")
        out[name] = pl.concat([others, mine], how="diagonal_relaxed").select(tables[name].columns)
    return out


def memo_figures(tables: dict[str, pl.DataFrame], tmp: Path) -> None:
    """Cold and warm exports after a 1 % SDN change (see the module docstring)."""
    changed = with_changed_sdn(tables)
    memo = tmp / "ftm_entities"
    build_export(tables, memo)  # the memo holds the current version
    start = time.perf_counter()
    cold = build_export(changed, None)
    t_cold = time.perf_counter() - start
    start = time.perf_counter()
    warm = build_export(changed, memo)
    t_warm = time.perf_counter() - start
    assert cold.data() == warm.data() and cold.stats.to_dict() == warm.stats.to_dict()
    start = time.perf_counter()
    assert build_export(changed, memo).stats.memo["built"] == 0
    t_again = time.perf_counter() - start
    print(f"load {os.getloadavg()[0]:.1f}; 1 % SDN change: byte-identical, memo {warm.stats.memo}")
    for name, seconds in (
        ("export, cold (no memo)", t_cold),
        ("export, warm after the change", t_warm),
        ("export, unchanged (all reused)", t_again),
    ):
        print(row(name, seconds, widths=(34, 12)))


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        if data is None:
            data = Path(tmp) / "data"
            _default_run(data)
        folder = (data / "published" / "latest").resolve()
        lake = data / "warehouse" / "lake"
        tables = _tables(folder)
        tables.pop("statements", None)
        start = time.perf_counter()
        entities, stats = build_entities(tables)
        t_build = time.perf_counter() - start
        start = time.perf_counter()
        export = to_lines(entities)
        t_lines = time.perf_counter() - start
        start = time.perf_counter()
        compute_delta(export, export)
        t_delta = time.perf_counter() - start
        shutil.rmtree(lake.parent / CACHE, ignore_errors=True)
        start = time.perf_counter()
        statements, _, _ = version_history(lake, tables["publication_history"])
        t_statements = time.perf_counter() - start
        start = time.perf_counter()
        version_history(lake, tables["publication_history"])
        t_warm = time.perf_counter() - start
        out = Path(tmp) / "out"
        out.mkdir()
        start = time.perf_counter()
        write_database(out / "sanctions.duckdb", tables)
        t_duckdb = time.perf_counter() - start
        start = time.perf_counter()
        for name, df in tables.items():
            df.write_parquet(out / f"{name}.parquet", compression="zstd")
        t_parquet = time.perf_counter() - start
        (out / "entities.ftm.json").write_bytes(export)
        statements.write_parquet(out / "statements.parquet", compression="zstd")
        compressed = len(gzip.compress(export, compresslevel=6))
        mb = 1024 * 1024
        print(
            f"version {folder.name}: {stats.to_dict()['entities']:,} FtM entities, "
            f"{statements.height:,} statements"
        )
        print(row("step", "seconds", widths=(34, 12)))
        for name, seconds in (
            ("FtM entities (build + validate)", t_build),
            ("FtM JSON lines", t_lines),
            ("delta (export against itself)", t_delta),
            ("statements from the lake (cold)", t_statements),
            ("statements from the lake (warm)", t_warm),
            ("DuckDB publish (sanctions.duckdb)", t_duckdb),
            ("parquet publish (all tables)", t_parquet),
        ):
            print(row(name, seconds, widths=(34, 12)))
        print(row("file", "MB", widths=(34, 12)))
        for name, size in (
            ("entities.ftm.json", len(export) / mb),
            ("entities.ftm.json (gzip 6)", compressed / mb),
            ("statements.parquet", (out / "statements.parquet").stat().st_size / mb),
            ("sanctions.duckdb", (out / "sanctions.duckdb").stat().st_size / mb),
            (
                "parquet (all tables)",
                sum((out / f"{n}.parquet").stat().st_size for n in tables) / mb,
            ),
        ):
            print(row(name, size, widths=(34, 12)))
        print(f"peak RSS {peak_rss_mb():.0f} MB")
        memo_figures(tables, Path(tmp))


if __name__ == "__main__":
    main()
