"""The blocking checks of `consolidated` and `published_version`, run in their own steps.

`consolidated` yields `canonical_valid`, `counts_per_source` and `no_sudden_shrink` after its
materialization, computed on the tables it has just gathered; `published_version` yields
`manifest_intact` after publishing. A failed one fails its step, so nothing downstream runs
(a version is never published over a failed consolidation check). `CONSOLIDATED_CHECKS` and
`PUBLISHED_CHECKS` declare them on their assets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dagster import AssetCheckResult, AssetCheckSpec, MetadataValue

from assets.source_checks import account
from resources.staging import Staged
from resources.warehouse import PublishPolicy, latest_pointer, verify_published
from schemas.validate import failures_markdown, markdown_table, validate

if TYPE_CHECKING:
    import polars as pl

    from assets.factory import SourceSpec

CONSOLIDATED_CHECKS = [
    AssetCheckSpec(
        "canonical_valid",
        asset="consolidated",
        blocking=True,
        description="Pandera: every consolidated table is valid; entity IDs unique.",
    ),
    AssetCheckSpec(
        "counts_per_source",
        asset="consolidated",
        blocking=True,
        description="Per source: source entries = canonical entities + rejected entries, and the warehouse holds exactly the staged rows.",
    ),
    AssetCheckSpec(
        "no_sudden_shrink",
        asset="consolidated",
        blocking=True,
        description="No list lost more than the allowed fraction of its parties since the last published version (PublishPolicy); held back otherwise.",
    ),
]
PUBLISHED_CHECKS = [
    AssetCheckSpec(
        "manifest_intact",
        asset="published_version",
        blocking=True,
        description="Every file of the latest version matches the sha256 in its manifest (and the manifest the one in latest.json).",
    ),
]


# --- the checks' thread ---------------------------------------------------------------------

T = TypeVar("T")
_checks: ThreadPoolExecutor | None = None


def beside(work: Callable[..., T], *args: Any) -> Future[T]:
    """`work(*args)` in the checks' thread (one per process, tasks in the order given), beside
    the step's own writing: DuckDB and the parquet writers release the GIL, so on 2 cores a
    check's Pandera and Python work overlaps the write instead of following it."""
    global _checks
    if _checks is None:
        _checks = ThreadPoolExecutor(1, thread_name_prefix="checks")
    return _checks.submit(work, *args)


def preload(module: str) -> None:
    """Import `module` in the checks' thread while the step computes (the Pandera models
    import pandera and pandas: up to 0.5 s the first time in a run worker)."""
    beside(import_module, module)


def canonical_valid(tables: Mapping[str, pl.DataFrame], marker: Path) -> AssetCheckResult:
    """Pandera on every consolidated table (and unique entity IDs). A pass is remembered by
    `marker` (named after the warehouse's inputs and the models): not validated again."""
    import polars as pl

    if marker.exists():
        return AssetCheckResult(
            check_name="canonical_valid",
            passed=True,
            metadata={"validated": "earlier, same inputs and models"},
        )
    from schemas.canonical import MODELS, Publications  # pandera: loaded when checking

    failures = validate({**MODELS, "publications": Publications}, dict(tables))
    duplicate_ids = tables["entities"].filter(pl.col("entity_id").is_duplicated()).height
    if not failures and duplicate_ids == 0:
        marker.touch()
    return AssetCheckResult(
        check_name="canonical_valid",
        passed=not failures and duplicate_ids == 0,
        metadata={
            "failure_count": sum(f.count for f in failures),
            "duplicate_entity_ids": duplicate_ids,
            "failure_cases": MetadataValue.md(failures_markdown(failures) if failures else "none"),
        },
    )


def source_counts(
    specs: Sequence[SourceSpec], tables: Mapping[str, pl.DataFrame], staged: Mapping[str, Staged]
) -> list[dict[str, Any]]:
    """Per source: its publication's entries = its canonical entities + rejected entries, and
    every child row of its canonical format accounted for (`account`)."""
    import polars as pl

    rows: list[dict[str, Any]] = []
    for spec in specs:
        publication = staged[spec.source]
        meta = publication.meta
        primary = meta["primary_format"]
        entry_count = meta["formats"][primary]["entry_count"]
        entities = tables["entities"].filter(pl.col("source") == spec.source).height
        rejected = (
            tables["rejects"]
            .filter((pl.col("source") == spec.source) & (pl.col("kind") == "entry"))
            .height
        )
        # the canonical format's rows only (the other formats' are the ingest check's)
        canonical = {**meta, "formats": {primary: meta["formats"][primary]}}
        accounted = all(r["ok"] for r in account(spec, publication.folder, canonical, publication))
        rows.append(
            {
                "source": spec.source,
                "publication_id": meta["publication_id"],
                "source_entries": entry_count,
                "entities": entities,
                "rejected_entries": rejected,
                "child_rows_accounted": accounted,
                "ok": entry_count == entities + rejected and accounted,
            }
        )
    return rows


def counts_per_source(
    specs: Sequence[SourceSpec], tables: Mapping[str, pl.DataFrame], staged: Mapping[str, Staged]
) -> AssetCheckResult:
    rows = source_counts(specs, tables, staged)
    return AssetCheckResult(
        check_name="counts_per_source",
        passed=all(r["ok"] for r in rows),
        metadata={"per_source": MetadataValue.md(markdown_table(rows))},
    )


def shrinkage(
    tables: Mapping[str, pl.DataFrame], previous: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Per source: entities in the last published version and now, and the fraction lost."""
    if previous is None:
        return []
    before: dict[str, int] = {}
    for entry in previous["sources"]:
        before[entry["source"]] = max(before.get(entry["source"], 0), entry["canonical_entities"])
    now = dict(tables["entities"].group_by("source").len().iter_rows())
    rows = []
    for source, count in sorted(before.items()):
        after = now.get(source, 0)
        lost = (count - after) / count if count else 0.0
        rows.append(
            {"source": source, "published": count, "now": after, "lost_fraction": round(lost, 4)}
        )
    return rows


def no_sudden_shrink(
    tables: Mapping[str, pl.DataFrame], previous: dict[str, Any] | None, policy: PublishPolicy
) -> AssetCheckResult:
    """Held back when a list lost more than `policy.max_shrink_fraction` of its parties since
    `previous` (the manifest of the newest intact published version), unless allowed."""
    rows = shrinkage(tables, previous)
    shrunk = [r for r in rows if r["lost_fraction"] > policy.max_shrink_fraction]
    message = "; ".join(
        f"list {r['source']} shrank from {r['published']:,} to {r['now']:,} parties "
        f"({r['lost_fraction']:.1%} > {policy.max_shrink_fraction:.0%})"
        for r in shrunk
    )
    if shrunk and not policy.allow_shrink:
        message += " — held back: publish only with the override PublishPolicy.allow_shrink=true (`cli.py run --allow-shrink`)"
    elif shrunk:
        message += " — published anyway: PublishPolicy.allow_shrink=true"
    return AssetCheckResult(
        check_name="no_sudden_shrink",
        passed=not shrunk or policy.allow_shrink,
        description=message or "no list shrank beyond the allowed fraction",
        metadata={
            "per_source": MetadataValue.md(markdown_table(rows) or "first version"),
            "message": message or "ok",
        },
    )


def manifest_intact(published: Path) -> AssetCheckResult:
    """Every file of the latest version matches its manifest, and the manifest latest.json."""
    latest = (published / "latest").resolve()
    pointer = latest_pointer(published)
    expected = pointer["manifest_sha256"] if pointer and pointer["version"] == latest.name else None
    problems = verify_published(latest, expected)
    return AssetCheckResult(
        check_name="manifest_intact",
        passed=not problems,
        description=f"version {latest.name} is damaged: {'; '.join(problems)}"
        if problems
        else f"version {latest.name} matches its manifest",
        metadata={"version": latest.name, "problems": "; ".join(problems) or "none"},
    )
