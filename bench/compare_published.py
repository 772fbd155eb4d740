"""Compare two published versions table by table, row for row (order-independent).

    python -m bench.compare_published DIR_A DIR_B [--ignore COLUMN ...]

Each `<table>.parquet` of either version folder is read, its columns taken in name order, its
rows sorted on every column, and the two compared. Columns that name the run rather than the
data (fetch and build times, version names) are left out by default; `--ignore` adds more.
Exits 1 and names every table that differs (missing, other columns, other row count, other
rows), 0 when every table is identical. Used to prove that a refactoring left the published
tables of the default run unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import polars as pl

# values that differ between two runs on the same bytes: when they ran, not what they read
RUN_COLUMNS = frozenset(
    {
        "fetched_at",
        "from_fetched_at",
        "to_fetched_at",
        "built_at",
        "committed_at",
        "version",
        "run_id",
    }
)
# JSON columns that carry the fetch times of their files; their other facts have columns of their own
RUN_JSON_COLUMNS = frozenset({"files"})


def _json(value: object) -> str:
    if isinstance(value, pl.Series):
        value = value.to_list()
    return json.dumps(value, sort_keys=True, default=str)


def _comparable(path: Path, ignore: frozenset[str]) -> pl.DataFrame:
    df = pl.read_parquet(path)
    columns = sorted(c for c in df.columns if c not in ignore)
    df = df.select(columns)
    # nested values (lists, structs) sort and compare through their JSON text
    df = df.with_columns(
        pl.col(c).map_elements(_json, return_dtype=pl.String)
        for c, dtype in df.schema.items()
        if isinstance(dtype, pl.List | pl.Struct | pl.Array | pl.Object)
    )
    return df.sort(columns, nulls_last=True) if columns else df


def compare(a: Path, b: Path, ignore: frozenset[str]) -> list[str]:
    """The differences between the tables of version folders `a` and `b`, one line each."""
    names_a = {p.stem for p in a.glob("*.parquet")}
    names_b = {p.stem for p in b.glob("*.parquet")}
    problems = [f"{n}: only in {a}" for n in sorted(names_a - names_b)]
    problems += [f"{n}: only in {b}" for n in sorted(names_b - names_a)]
    for name in sorted(names_a & names_b):
        left = _comparable(a / f"{name}.parquet", ignore)
        right = _comparable(b / f"{name}.parquet", ignore)
        if left.columns != right.columns:
            problems.append(f"{name}: columns {left.columns} != {right.columns}")
        elif left.height != right.height:
            problems.append(f"{name}: {left.height} rows != {right.height} rows")
        elif not left.equals(right):
            only_left = left.join(right, on=left.columns, how="anti", nulls_equal=True)
            problems.append(f"{name}: {only_left.height} rows differ, e.g. {only_left.head(3)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--ignore", action="append", default=[])
    args = parser.parse_args(argv)
    ignore = RUN_COLUMNS | RUN_JSON_COLUMNS | frozenset(args.ignore)
    problems = compare(args.a.resolve(), args.b.resolve(), ignore)
    tables = len({p.stem for p in args.a.glob("*.parquet")})
    for line in problems:
        print(line)
    print(f"{tables} tables compared, {len(problems)} differ (ignoring {sorted(ignore)})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
