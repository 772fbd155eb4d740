"""Versioned store: 20 successive synthetic versions of the OFAC SDN list, each ~1 % changed.

    .venv/bin/python -m bench.bench_history [--versions 20]

Version 0 is the real 2023-12-28 CSV set; each next version removes 0.3 % of the parties,
adds 0.3 % new ones (copies of existing records under new ent_num and a changed name) and
renames or re-programs 0.4 %. Each version is ingested by the real job (snapshot fetcher pinned
to it); printed per version: wall time of the whole in-process run, lake snapshot, rows written
to the lake, and the growth of each store. Then the same version is ingested again (unchanged).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from dagster import DagsterInstance

from definitions import build_definitions
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from resources.warehouse import PublishPolicy

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "snapshots" / "us_ofac_sdn" / "2023-12-28"
FILES = ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")


def newline(data: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in data else b"\n"  # SDN_COMMENTS.CSV uses LF, the others CRLF


def records(data: bytes) -> list[bytes]:
    return [line for line in data.rstrip(b"\x1a").split(newline(data)) if line]


def ent(line: bytes) -> int:
    return int(line.split(b",", 1)[0])


def mutate(
    current: dict[str, list[bytes]], rng: random.Random, next_id: int
) -> tuple[dict[str, list[bytes]], int]:
    """About 1 % of the parties change: removed, added, renamed or re-programmed."""
    ids = [ent(line) for line in current["SDN.CSV"]]
    n = len(ids)
    removed = set(rng.sample(ids, max(1, n * 3 // 1000)))
    changed = set(rng.sample([i for i in ids if i not in removed], max(1, n * 4 // 1000)))
    out: dict[str, list[bytes]] = {
        name: [line for line in lines if ent(line) not in removed]
        for name, lines in current.items()
    }
    primary = []
    for line in out["SDN.CSV"]:
        if ent(line) in changed:
            fields = line.split(b'","')
            if rng.random() < 0.5 and len(fields) > 1:
                fields[0] = fields[0] + b" CHANGED"
            else:
                line = line.replace(b'"RUSSIA-EO14024"', b'"RUSSIA-EO14024] [UKRAINE-EO13662"', 1)
                fields = line.split(b'","')
            line = b'","'.join(fields)
        primary.append(line)
    for line in rng.sample(primary, max(1, n * 3 // 1000)):
        rest = line.split(b",", 1)[1]
        primary.append(str(next_id).encode() + b"," + rest.replace(b'",', b' NEW",', 1))
        next_id += 1
    out["SDN.CSV"] = primary
    return out, next_id


def write_versions(root: Path, count: int) -> list[str]:
    rng = random.Random(20231228)
    current = {name: records((REAL / name).read_bytes()) for name in FILES}
    endings = {name: newline((REAL / name).read_bytes()) for name in FILES}
    next_id = 1_000_000
    publications = []
    day = date(2024, 1, 1)
    for k in range(count):
        if k:
            current, next_id = mutate(current, rng, next_id)
        published = (day + timedelta(days=k)).isoformat()
        folder = root / "us_ofac_sdn" / published
        folder.mkdir(parents=True)
        for name, lines in current.items():
            (folder / name).write_bytes(endings[name].join(lines) + endings[name] + b"\x1a")
        publications.append(
            {
                "published_at": published,
                "published_basis": "synthetic",
                "files": {n: f"{published}/{n}" for n in FILES},
            }
        )
    (root / "us_ofac_sdn" / "catalog.json").write_text(
        json.dumps({"source": "us_ofac_sdn", "publications": publications})
    )
    for source in (ROOT / "snapshots").iterdir():
        if source.is_dir() and source.name != "us_ofac_sdn":
            (root / source.name).symlink_to(source, target_is_directory=True)
    return [p["published_at"] for p in publications]


def size_mb(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6
        if path.exists()
        else 0.0
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        snapshots, data = Path(tmp) / "snapshots", Path(tmp) / "data"
        dates = write_versions(snapshots, args.versions)
        instance = DagsterInstance.ephemeral()
        stores = {
            "lake": data / "warehouse" / "lake",
            "staging": data / "warehouse" / "staging",
            "raw": data / "raw",
            "published": data / "published",
        }
        print(
            f"{'version':<12}{'run s':>8}{'snapshot':>10}{'rows in':>9}{'rows del':>9}"
            + "".join(f"{k + ' MB':>13}" for k in stores)
        )
        previous = dict.fromkeys(stores, 0.0)

        def ingest(pin: str) -> tuple[float, dict]:
            defs = build_definitions(
                SnapshotFetcher(root=str(snapshots), pins={"us_ofac_sdn": pin}),
                DataDir(root=str(data)),
                PublishPolicy(),
            )
            start = time.perf_counter()
            result = defs.resolve_job_def("refresh_all").execute_in_process(
                instance=instance, raise_on_error=False
            )
            elapsed = time.perf_counter() - start
            assert result.success, pin
            meta = (
                result.asset_materializations_for_node("published_version")[0]
                .metadata["history_commits"]
                .value
            )
            return elapsed, {"commits": meta}

        for pin in dates:
            elapsed, info = ingest(pin)
            line = next(row for row in info["commits"].splitlines() if "us_ofac_sdn-" in row)
            cells = [c.strip() for c in line.strip("|").split("|")]
            sizes = {k: size_mb(v) for k, v in stores.items()}
            growth = "".join(f"{sizes[k]:>7.1f} (+{sizes[k] - previous[k]:>4.1f})" for k in stores)
            print(f"{pin:<12}{elapsed:>8.2f}{cells[2]:>10}{cells[4]:>9}{cells[5]:>9}{growth}")
            previous = sizes
        elapsed, _ = ingest(dates[-1])
        sizes = {k: size_mb(v) for k, v in stores.items()}
        print(
            f"unchanged re-run of {dates[-1]}: {elapsed:.2f} s; growth "
            + ", ".join(f"{k} +{sizes[k] - previous[k]:.2f} MB" for k in stores)
        )


if __name__ == "__main__":
    main()
