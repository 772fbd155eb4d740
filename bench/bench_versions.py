"""Disk taken by published versions: 20 versions of the real data, ~1 % of the SDN changed each.

    nice .venv/bin/python -m bench.bench_versions [--versions 20] [--root /tmp/versions/bench]

The SDN publications are those of `bench_history` (version 0 the real 2023-12-28 CSV set, each
next one removes 0.3 % of the parties, adds 0.3 % and renames or re-programs 0.4 %); every other
source is its shipped snapshot. The first version is built by the whole `refresh_all` job, the
next ones by the SDN asset and everything downstream of it (trade assets are not re-run: their
inputs did not change), so each version is published by the real publishing asset.

Printed: per version, its folder's own size and what it added on disk (`du` counts a hard-linked
file once); then per file of the version, how many distinct copies the versions hold and their
bytes; then what the layout options not taken would save (measured on these versions):
trade tables in a DuckDB file of their own, one file per source for tables and the FtM export,
and the statements table out of `sanctions.duckdb`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import polars as pl
from dagster import AssetSelection, DagsterInstance

from assets.trade import PUBLISHED as TRADE_TABLES
from bench.bench_history import write_versions
from definitions import build_definitions
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from resources.warehouse import PublishPolicy, version_names

MB = 1e6


def du(*folders: Path) -> int:
    """Bytes on disk under `folders`, each hard-linked file counted once (as `du -s` does)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            st = path.lstat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def du_command(*folders: Path) -> int:
    out = subprocess.run(
        ["du", "-s", "-c", "-B1", *map(str, folders)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1].split()[0])


def group(name: str) -> str:
    return "lake/ (data files)" if name.startswith("lake/") else name


def parquet_bytes(df: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()


def per_source_parts(folder: Path) -> dict[str, tuple[str, int]]:
    """Option 3: every table with a `source` column and the FtM export cut into one part per
    source; part name -> (sha256, bytes)."""
    parts: dict[str, tuple[str, int]] = {}
    for path in sorted(folder.glob("*.parquet")):
        df = pl.read_parquet(path)
        if "source" not in df.columns:
            data = path.read_bytes()
            parts[path.name] = (hashlib.sha256(data).hexdigest(), len(data))
            continue
        for (source,), part in df.group_by("source", maintain_order=True):
            data = parquet_bytes(part)
            parts[f"{path.stem}/{source}"] = (hashlib.sha256(data).hexdigest(), len(data))
    lines: dict[str, list[bytes]] = defaultdict(list)
    for line in (folder / "entities.ftm.json").read_bytes().splitlines(keepends=True):
        publishers = json.loads(line)["properties"].get("publisher", [])
        lines[",".join(sorted(publishers))].append(line)
    for key, chunk in lines.items():
        data = b"".join(chunk)
        parts[f"entities.ftm.json/{key}"] = (hashlib.sha256(data).hexdigest(), len(data))
    return parts


def database_parts(folder: Path, out: Path) -> dict[str, int]:
    """Options 2 and statements: `sanctions.duckdb` rewritten as three files; bytes of each."""
    con = duckdb.connect(str(folder / "sanctions.duckdb"), read_only=True)
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    groups = {
        "trade": [n for n in names if n in TRADE_TABLES],
        "statements": [n for n in names if n == "statements"],
    }
    groups["rest"] = [n for n in names if n not in groups["trade"] + groups["statements"]]
    sizes = {}
    for key, tables in groups.items():
        path = out / f"{key}.duckdb"
        path.unlink(missing_ok=True)
        target = duckdb.connect(str(path))
        for name in tables:
            target.register("incoming", con.execute(f'SELECT * FROM "{name}"').arrow())
            target.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            target.unregister("incoming")
        target.execute("CHECKPOINT")
        target.close()
        sizes[key] = path.stat().st_size
    con.close()
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--root", type=Path, default=None, help="kept after the run if given")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.root) as tmp:
        snapshots, data, scratch = Path(tmp) / "snapshots", Path(tmp) / "data", Path(tmp) / "x"
        scratch.mkdir()
        dates = write_versions(snapshots, args.versions)
        published = data / "published"
        instance = DagsterInstance.ephemeral()
        print(f"load before: {os.getloadavg()[0]:.2f}")
        print(f"{'#':>3} {'run s':>7} {'folder MB':>10} {'added MB':>9} {'all MB':>9}  shared")
        total_before = 0
        part_hashes: dict[str, tuple[str, int]] = {}
        part_new: list[int] = []
        first_size = 0
        for k, pin in enumerate(dates):
            defs = build_definitions(
                SnapshotFetcher(root=str(snapshots), pins={"us_ofac_sdn": pin}),
                DataDir(root=str(data)),
                PublishPolicy(),
            )
            job = defs.resolve_job_def("refresh_all")
            keys = None
            if k:
                selection = AssetSelection.assets("us_ofac_sdn").downstream()
                keys = list(selection.resolve(defs.resolve_asset_graph()))
            start = time.perf_counter()
            result = job.execute_in_process(
                instance=instance, raise_on_error=False, asset_selection=keys
            )
            elapsed = time.perf_counter() - start
            assert result.success, f"run for {pin} failed"
            names = version_names(published)
            assert len(names) == k + 1, f"{pin}: no new version published"
            folder = published / names[-1]
            own = du(folder)
            total = du(*(published / n for n in names))
            earlier = {
                (st.st_dev, st.st_ino)
                for n in names[:-1]
                for p in (published / n).rglob("*")
                if p.is_file() and (st := p.stat())
            }
            shared = sorted(
                {
                    group(p.relative_to(folder).as_posix())
                    for p in folder.rglob("*")
                    if p.is_file() and (p.stat().st_dev, p.stat().st_ino) in earlier
                }
            )
            first_size = first_size or own
            print(
                f"{k:>3} {elapsed:>7.1f} {own / MB:>10.1f} {(total - total_before) / MB:>9.1f}"
                f" {total / MB:>9.1f}  {len(shared)} files: {', '.join(shared)[:150]}"
            )
            total_before = total
            parts = per_source_parts(folder)
            if k:
                part_new.append(
                    sum(
                        size
                        for name, (sha, size) in parts.items()
                        if part_hashes.get(name) != (sha, size)
                    )
                )
            part_hashes = parts

        folders = [published / n for n in version_names(published)]
        last = folders[-1]
        total = du(*folders)
        print(f"load after: {os.getloadavg()[0]:.2f}")
        print(
            f"\none version: {first_size / MB:.1f} MB; all {len(folders)}: {total / MB:.1f} MB "
            f"= {total / first_size:.2f}x one version (target <= 3x); "
            f"du -s -c: {du_command(*folders) / MB:.1f} MB"
        )
        print(f"\nper file of the last version: distinct copies across the {len(folders)} versions")
        inodes: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
        for f in folders:
            for p in f.rglob("*"):
                if p.is_file():
                    st = p.stat()
                    inodes[group(p.relative_to(f).as_posix())][(st.st_dev, st.st_ino)] = (
                        st.st_blocks * 512
                    )
        rows = sorted(inodes.items(), key=lambda kv: -sum(kv[1].values()))
        for name, copies in rows:
            print(f"  {name:<36} {len(copies):>5} copies {sum(copies.values()) / MB:>9.1f} MB")

        increments = part_new
        sizes = database_parts(last, scratch)
        database = (last / "sanctions.duckdb").stat().st_size
        ftm_lines = (last / "entities.ftm.json").stat().st_size
        print("\noptions not taken, measured on the last version:")
        print(
            f"  sanctions.duckdb {database / MB:.1f} MB; rewritten as three files: trade tables "
            f"{sizes['trade'] / MB:.1f} MB (unchanged across these versions), statements "
            f"{sizes['statements'] / MB:.1f} MB, the rest {sizes['rest'] / MB:.1f} MB"
        )
        print(
            "  per source (tables with a source column, entities.ftm.json by publisher): bytes "
            f"whose part changed per version: mean {sum(increments) / len(increments) / MB:.1f} MB, "
            f"max {max(increments) / MB:.1f} MB (entities.ftm.json alone is {ftm_lines / MB:.1f} MB)"
            if increments
            else "  per source: one version only"
        )


if __name__ == "__main__":
    main()
