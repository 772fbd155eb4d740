"""The Dagster side of the FtM export: its assertions as asset checks of `published_version`,
and the disagreeing formats each list's `index.json` entry reports.

The assertions (`ftm/assertions.py`, bounds in `ftm/bounds.json`) run inside the publishing
step, on the export it just built and before anything is written: per list, one blocking
check (`ftm_bounds_<list>`) for its blocking assertions and one warning check
(`ftm_bounds_<list>_warning`) for the others. A failed blocking assertion fails the step after
its check results are recorded: nothing is published and the previous version stays latest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, MetadataValue

from assets.factory import compare_formats, layout_only_attributes
from ftm.assertions import BLOCKING, describe, load_bounds
from resources.staging import read_meta
from resources.storage import DataDir
from schemas.validate import markdown_table

ASSET = "published_version"
EXAMPLES = 5


class BlockingAssertionFailed(RuntimeError):
    """A blocking FtM assertion failed: the version is not published."""


def _name(source: str, severity: str) -> str:
    return f"ftm_bounds_{source}" if severity == BLOCKING else f"ftm_bounds_{source}_warning"


def _declared(sources: Iterable[str]) -> list[tuple[str, str]]:
    lists = load_bounds()["lists"]
    return [
        (source, severity)
        for source in sorted(sources)
        if source in lists
        for severity in sorted({a["severity"] for a in lists[source]["assertions"]})
    ]


def check_specs(sources: Iterable[str]) -> list[AssetCheckSpec]:
    """The FtM assertion checks of the publishing asset, per list and severity."""
    return [
        AssetCheckSpec(
            _name(source, severity),
            asset=ASSET,
            blocking=severity == BLOCKING,
            description=f"{source}: FtM entity counts per schema and fill rates within the "
            f"{severity} bounds of ftm/bounds.json (derived from the list's real publications)"
            + (": a failure stops the publication" if severity == BLOCKING else ""),
        )
        for source, severity in _declared(sources)
    ]


def unchanged_results(sources: Iterable[str], folder: Path) -> Iterator[AssetCheckResult]:
    """When nothing is published: the results the current version (`folder`) was published
    with, from its `index.json` (a version from before the assertions has none to report)."""
    from ftm.delta import INDEX_FILE  # the FtM export (polars) loads when publishing

    index = folder / INDEX_FILE
    rows = json.loads(index.read_text()).get("assertions", []) if index.is_file() else []
    rows = [r for r in rows if "severity" in r]
    yield from check_results(sources, rows, f"unchanged since version {folder.name}: ")


def check_results(
    sources: Iterable[str], rows: Sequence[Mapping[str, Any]], said: str = ""
) -> Iterator[AssetCheckResult]:
    """One result per declared check from the evaluated assertions (`summary["assertions"]`);
    then, if a blocking one failed, `BlockingAssertionFailed` naming every failed assertion."""
    blocked = []
    for source, severity in _declared(sources):
        mine = [r for r in rows if r["source"] == source and r["severity"] == severity]
        failed = [r for r in mine if r["status"] == "failed"]
        if severity == BLOCKING:
            blocked.extend(failed)
        yield AssetCheckResult(
            asset_key=ASSET,
            check_name=_name(source, severity),
            passed=not failed,
            severity=AssetCheckSeverity.ERROR if severity == BLOCKING else AssetCheckSeverity.WARN,
            description=said
            + (
                "; ".join(describe(r) for r in failed)
                or f"{len(mine)} {severity} assertion(s) of {source} hold"
            ),
            metadata={"assertions": MetadataValue.md(markdown_table(list(mine)) or "none")},
        )
    if blocked:
        raise BlockingAssertionFailed(
            "blocking FtM assertion(s) failed, nothing published (the previous version is "
            "unchanged): " + "; ".join(describe(r) for r in blocked)
        )


def format_disagreements(data_dir: DataDir, staged: Mapping[str, str]) -> dict[str, Any]:
    """Per list published in several formats: the formats compared with the canonical one and,
    under `disagreeing_formats`, those that differ, with counts by kind and examples (the
    `formats_agree` check's comparison, `assets.factory.compare_formats`)."""
    out: dict[str, Any] = {}
    for source, staged_as in sorted(staged.items()):
        folder = data_dir.staging_dir(source, staged_as)
        meta = read_meta(folder)
        primary = meta["primary_format"]
        others = [f for f in meta["formats"] if f != primary]
        if not others:
            continue
        disagreeing = []
        for other in others:
            diffs = compare_formats(folder, meta, other)
            if diffs.is_empty():
                continue
            counts = diffs.group_by("what", "side").len().sort("what", "side")
            disagreeing.append(
                {
                    "format": other,
                    "canonical_format": primary,
                    "published_at": {
                        f: meta["formats"][f]["published_at"] for f in (primary, other)
                    },
                    "differences": diffs.height,
                    "entries": diffs["entity_id"].n_unique(),
                    "by_kind": {f"{w} {s}": n for w, s, n in counts.iter_rows()},
                    "layout_only_attributes": layout_only_attributes(folder, primary, other),
                    "examples": diffs.sort("entity_id")
                    .group_by("what", "side", maintain_order=True)
                    .head(1)
                    .head(EXAMPLES)
                    .to_dicts(),
                }
            )
        out[source] = {
            "formats_compared": {"canonical": primary, "others": others},
            "disagreeing_formats": disagreeing,
        }
    return out


__all__ = [
    "BlockingAssertionFailed",
    "check_results",
    "check_specs",
    "format_disagreements",
    "unchanged_results",
]
