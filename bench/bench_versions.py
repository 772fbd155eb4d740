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

Measured 2026-12-04 (2 shared cores, load 12-16 from other sessions; the 20-version run was
cut at 11 versions by the deadline, `--report` on its folder): one version 240.1 MB; 11 versions
2215.3 MB = 9.2x one version, each later version adding 186.5-210.4 MB (growing ~2.3 MB a
version: the statements table keeps every value ever seen, the lake catalog every snapshot).
Shared (one inode across all versions): the trade tables' parquet, hs/chpl codes, charts, the
crosswalk and the lake's data files (~2.3 MB a version plus the lake). Rewritten every version:
sanctions.duckdb 85.5 -> 103.8 MB, entities.ftm.json 56 MB, delta.ftm.json 14 MB (every SDN
entity is a MOD: snapshot mode puts the publication's `snapshot://<date>/…` URL in each entity's
notes), statements.parquet 12.4-12.6 MB, history.ducklake 9.2 -> 11 MB, ~9 MB of parquet tables
holding every list. Options not taken: trade tables in their own DuckDB file saves 19.1 MB a
version; one file per source saves ~34 MB a version (43.3 MB of parts change against ~77 MB
of whole files) but splits entities.ftm.json and `<table>.parquet`. The 3x target needs under
25 MB added a version; entities.ftm.json alone, required whole in each version, is 56 MB.

Measured 2026-12-05, the whole 20 versions on a quiet machine (load 0.1-1.7; the run for
versions 1-19 is the SDN asset, everything downstream of it and the rest of the publishing
multi-asset, 16.7-18.1 s each): one version 220.1 MB; all 20: 3285.2 MB = 14.93x (target
<= 3x); `du -s -c` agrees to the byte; each later version adds 156.3-166.1 MB (mean 161.3).
What each later version adds, by distinct copies over the 20: sanctions.duckdb 76 MB (20
copies, 1527 MB), entities.ftm.json 52 MB (1044 MB), history.ducklake 12.8 MB (256 MB),
statements.parquet 10 MB (201 MB), the tables holding every list ~8 MB, delta.ftm.json 0.15 MB
after the first version's 55 MB of ADD. Shared by all 20 (one inode): the 18 trade/code/chart
files; the lake's data files take 14.2 MB for all 20 versions. 3x would need at most
2 x 220.1 / 19 = 23.2 MB added a version. Even the options not taken, together, leave more:
per-source parts of the tables and the FtM export 33.7 MB a version, plus the version's
DuckDB file without its trade tables (statements 30.9 + the rest 29.9 MB), plus the catalog
copy 12.8 MB. Only row-level storage meets it (the lake's 14.2 MB for 20 versions), and the
contract publishes whole files in every version: `<table>.parquet`, `sanctions.duckdb` and
`entities.ftm.json`.
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


def shared_names(published: Path, names: list[str]) -> list[str]:
    """Files of the last of `names` that are one inode with a file of an earlier one."""
    folder = published / names[-1]
    earlier = {
        (st.st_dev, st.st_ino)
        for n in names[:-1]
        for p in (published / n).rglob("*")
        if p.is_file() and (st := p.stat())
    }
    return sorted(
        {
            group(p.relative_to(folder).as_posix())
            for p in folder.rglob("*")
            if p.is_file() and (p.stat().st_dev, p.stat().st_ino) in earlier
        }
    )


def changed_parts(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]]) -> int:
    return sum(size for name, (sha, size) in after.items() if before.get(name) != (sha, size))


def publish_versions(root: Path, count: int) -> tuple[Path, list[int]]:
    """Publish `count` versions under `root`; returns the published folder and, per version
    after the first, the bytes of the per-source parts that changed (option 3)."""
    snapshots, data = root / "snapshots", root / "data"
    dates = write_versions(snapshots, count)
    published = data / "published"
    instance = DagsterInstance.ephemeral()
    print(f"{'#':>3} {'run s':>7} {'folder MB':>10} {'added MB':>9} {'all MB':>9}  shared")
    total_before = 0
    parts_before: dict[str, tuple[str, int]] = {}
    part_new: list[int] = []
    for k, pin in enumerate(dates):
        defs = build_definitions(
            SnapshotFetcher(root=str(snapshots), pins={"us_ofac_sdn": pin}),
            DataDir(root=str(data)),
            PublishPolicy(),
        )
        keys = None
        if k:  # only the SDN and what depends on it: the other inputs did not change
            # `published_version` is a multi-asset that cannot be subset: take all of it
            selection = (
                AssetSelection.assets("us_ofac_sdn").downstream().required_multi_asset_neighbors()
            )
            keys = list(selection.resolve(defs.resolve_asset_graph()))
        start = time.perf_counter()
        result = defs.resolve_job_def("refresh_all").execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=keys
        )
        elapsed = time.perf_counter() - start
        assert result.success, f"run for {pin} failed"
        names = version_names(published)
        assert len(names) == k + 1, f"{pin}: no new version published"
        own = du(published / names[-1])
        total = du(*(published / n for n in names))
        shared = shared_names(published, names)
        print(
            f"{k:>3} {elapsed:>7.1f} {own / MB:>10.1f} {(total - total_before) / MB:>9.1f}"
            f" {total / MB:>9.1f}  {len(shared)} files: {', '.join(shared)[:150]}",
            flush=True,
        )
        total_before = total
        parts = per_source_parts(published / names[-1])
        if k:
            part_new.append(changed_parts(parts_before, parts))
        parts_before = parts
    return published, part_new


def report(published: Path, part_new: list[int] | None, scratch: Path) -> None:
    """Disk of the versions in `published` against the first one, per file, and the options."""
    names = version_names(published)
    folders = [published / n for n in names]
    if part_new is None:  # a folder published before: per-source parts of the last two
        before, after = (per_source_parts(f) for f in folders[-2:])
        part_new = [changed_parts(before, after)]
    first = du(folders[0])
    total = du(*folders)
    print(f"load: {os.getloadavg()[0]:.2f}")
    print(
        f"\none version: {first / MB:.1f} MB; all {len(folders)}: {total / MB:.1f} MB "
        f"= {total / first:.2f}x one version (target <= 3x); "
        f"du -s -c: {du_command(*folders) / MB:.1f} MB; "
        f"mean added per version after the first: {(total - first) / (len(folders) - 1) / MB:.1f} MB"
    )
    print(f"\nper file: distinct copies across the {len(folders)} versions")
    inodes: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
    for f in folders:
        for p in f.rglob("*"):
            if p.is_file():
                st = p.stat()
                inodes[group(p.relative_to(f).as_posix())][(st.st_dev, st.st_ino)] = (
                    st.st_blocks * 512
                )
    for name, copies in sorted(inodes.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"  {name:<36} {len(copies):>5} copies {sum(copies.values()) / MB:>9.1f} MB")
    last = folders[-1]
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
        f"whose part changed per version: mean {sum(part_new) / len(part_new) / MB:.1f} MB, "
        f"max {max(part_new) / MB:.1f} MB (entities.ftm.json alone is {ftm_lines / MB:.1f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--root", type=Path, default=None, help="parent of the temporary folder")
    parser.add_argument(
        "--report", type=Path, default=None, help="only report on this published/ folder"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.root) as tmp:
        print(f"load before: {os.getloadavg()[0]:.2f}")
        if args.report:
            report(args.report, None, Path(tmp))
            return
        published, part_new = publish_versions(Path(tmp), args.versions)
        report(published, part_new, Path(tmp))


if __name__ == "__main__":
    main()
