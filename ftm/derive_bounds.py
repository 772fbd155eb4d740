"""Measure every real publication shipped under `snapshots/` and write `ftm/bounds.json`.

`python -m ftm.derive_bounds [--data-dir DIR]`: each catalog entry of each list is ingested
alone (the pipeline's own fetcher, parsers and staging, in a scratch data directory), its
canonical rows exported to FtM (`ftm.export.build_entities`) and measured
(`ftm.assertions.list_metrics`); `ftm.assertions.derive` turns the figures into bounds. The
file keeps, per list, the observed figures with the publication and files they come from, the
rule, and the assertions. Severities may be edited per list afterwards: the file is the
configuration; rerun this script when snapshots are added.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from assets.consolidated import publication_rows, publication_schema
from assets.factory import ingest
from ftm import assertions
from ftm.export import build_entities
from resources.fetcher import DEFAULT_SNAPSHOT_DIR, SnapshotFetcher
from resources.staging import read_tables
from resources.storage import DataDir

RULE = (assertions.__doc__ or "").split("The rule (`derive`), with its reasons:")[1].strip()


def observe(data: Path, root: Path = DEFAULT_SNAPSHOT_DIR) -> dict[str, list[dict[str, Any]]]:
    """Per list, each real publication (oldest first) with its metrics."""
    import definitions

    out: dict[str, list[dict[str, Any]]] = {}
    for spec in definitions.SPECS:
        catalog = json.loads((root / spec.source / "catalog.json").read_text())
        for entry in sorted(catalog["publications"], key=lambda p: p["published_at"]):
            fetcher = SnapshotFetcher(root=str(root), pins={spec.source: entry["published_at"]})
            outcome = ingest(spec, fetcher, DataDir(root=str(data)))
            meta = outcome.meta
            tables = dict(read_tables(outcome.folder, meta["primary_format"]))
            tables["publications"] = pl.DataFrame(
                publication_rows(meta), schema=publication_schema()
            )
            entities, _ = build_entities(tables)
            metrics = assertions.list_metrics(entities).get(spec.source, {})
            out.setdefault(spec.source, []).append(
                {
                    "published_at": entry["published_at"],
                    "publication_id": meta["publication_id"],
                    "format": meta["primary_format"],
                    "files": sorted(
                        f"snapshots/{spec.source}/{p}" for p in entry["files"].values()
                    ),
                    "metrics": metrics,
                }
            )
            print(spec.source, entry["published_at"], metrics, file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=assertions.BOUNDS_FILE)
    parser.add_argument(
        "--reuse-observed",
        action="store_true",
        help="derive again from the figures already in the file (after a change of rule)",
    )
    args = parser.parse_args()
    if args.reuse_observed:
        lists = assertions.load_bounds(args.out)["lists"]
        observed = {source: entry["observed"] for source, entry in lists.items()}
    else:
        with tempfile.TemporaryDirectory() as scratch:
            observed = observe(args.data_dir or Path(scratch))
    derived = assertions.derive(observed)
    lists = {
        source: {"observed": observed[source], **derived[source]} for source in sorted(observed)
    }
    bounds = {
        "generated_by": "python -m ftm.derive_bounds",
        "rule": RULE,
        "lists": lists,
    }
    args.out.write_text(json.dumps(bounds, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
