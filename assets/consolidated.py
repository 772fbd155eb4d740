"""Consolidated tables across every list, and the published, versioned copy of them.

`consolidated` gathers the current staged publication of each source into the DuckDB
warehouse (re-validating it first: invalid data never flows on, even when a check was skipped).
`published_version` runs only after every blocking check passed: it commits the publications
to the DuckLake history, writes an immutable version under `published/<version>/` and switches
`published/latest` after the written files were verified. A publication held back by a check
is therefore never in the history a version publishes.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from assets.factory import (
    SourceSpec,
    account,
    current_folder,
    schema_fingerprint,
    validate_publication,
)
from core.canonical import TABLE_NAMES
from core.changes import State, change_feed
from ftm import publish as ftm_publish
from resources.backend import StorageBackend
from resources.history import (
    SANCTIONED_ON,
    VERSION_DATA_PATH,
    Committed,
    History,
    entity_history,
)
from resources.staging import read_meta, read_tables
from resources.storage import DataDir, atomic_write
from resources.warehouse import (
    Base,
    PublishPolicy,
    exclusive,
    inputs_hash,
    latest_pointer,
    publish_version,
    published_base,
    read_database,
    remove_old_versions,
    repoint_latest,
    verify_published,
    write_database,
)
from schemas.canonical import MODELS, Publications
from schemas.catalog import dictionary
from schemas.validate import failures_markdown, markdown_table, validate

GROUP = "consolidated"
ALL_TABLES = ("publications", *TABLE_NAMES)
PUBLICATION_SCHEMA = {
    "source": pl.String,
    "publication_id": pl.String,
    "format": pl.String,
    "published_at": pl.Date,
    "published_basis": pl.String,
    "fetched_at": pl.Datetime("us", "UTC"),
    "mode": pl.String,
    "url": pl.String,
    "sha256": pl.String,
    "files": pl.String,
    "entry_count": pl.Int64,
    "declared_count": pl.Int64,
}


class InvalidStagedData(RuntimeError):
    """A staged publication failed validation: consolidation refuses it."""


def publication_rows(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """One `publications` row per format of a staged source publication."""
    rows = []
    for fmt, fmeta in meta["formats"].items():
        first = fmeta["files"][0]
        rows.append(
            {
                "source": meta["source"],
                "publication_id": fmeta["publication_id"],
                "format": fmt,
                "published_at": date.fromisoformat(fmeta["published_at"])
                if fmeta["published_at"]
                else None,
                "published_basis": fmeta["published_basis"],
                "fetched_at": datetime.fromisoformat(first["fetched_at"]),
                "mode": meta["mode"],
                "url": first["url"],
                "sha256": first["sha256"],
                "files": json.dumps(fmeta["files"], sort_keys=True),
                "entry_count": fmeta["entry_count"],
                "declared_count": fmeta["declared_count"],
            }
        )
    return rows


def gather(
    specs: Sequence[SourceSpec], data_dir: DataDir
) -> tuple[dict[str, pl.DataFrame], dict[str, str]]:
    """Current staged publication of every source, validated, as consolidated tables.

    Also returns, per source, the staging folder it came from (publication + parser version).
    """
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in TABLE_NAMES}
    publications: list[dict[str, Any]] = []
    staged: dict[str, str] = {}
    for spec in specs:
        folder, meta = current_folder(data_dir, spec.source)
        failures = validate_publication(spec, folder, meta)
        if failures:
            raise InvalidStagedData(
                f"{spec.source} publication {meta['publication_id']} is invalid; not consolidated:\n"
                + failures_markdown(failures, limit=10)
            )
        for name, df in read_tables(folder, meta["primary_format"]).items():
            parts[name].append(df)
        publications.extend(publication_rows(meta))
        staged[spec.source] = folder.name
    tables = {"publications": pl.DataFrame(publications, schema=PUBLICATION_SCHEMA)}
    tables.update({name: pl.concat(frames, how="vertical") for name, frames in parts.items()})
    return tables, staged


def commit_history(
    tables: dict[str, pl.DataFrame],
    staged: dict[str, str],
    data_dir: DataDir,
    history: History | None = None,
) -> list[Committed]:
    """Commit each source's current publication to the lake (one snapshot per new publication).

    Called only while publishing, after every blocking check passed: the lake then holds no
    publication a check held back. `history`: the storage backend's lake (default: local).
    """
    history = history or History(data_dir.lake)
    committed = []
    with history.open() as con:
        for source, staged_as in sorted(staged.items()):
            publication_id = staged_as.split(".", 1)[0]
            publication = (
                tables["publications"]
                .filter(pl.col("publication_id") == publication_id)
                .row(0, named=True)
            )
            per_source = {
                n: df.filter(pl.col("source") == source)
                for n, df in tables.items()
                if n != "publications"
            }
            committed.append(
                history.commit(con, source, {**publication, "staged_as": staged_as}, per_source)
            )
    return committed


def inputs_path(data_dir: DataDir) -> Path:
    """Beside the warehouse: the staging folder (publication + parser version) of each source."""
    return data_dir.warehouse_db.with_suffix(".inputs")


def warehouse_inputs(data_dir: DataDir) -> dict[str, str]:
    """The staging folders the current warehouse was built from, per source."""
    return json.loads(inputs_path(data_dir).read_text())


def warehouse_is_current(data_dir: DataDir, staged: dict[str, str]) -> bool:
    """True when the warehouse already holds exactly these staged publications."""
    return (
        data_dir.warehouse_db.exists()
        and inputs_path(data_dir).exists()
        and warehouse_inputs(data_dir) == staged
    )


def primary_publications(publications: pl.DataFrame, data_dir: DataDir) -> pl.DataFrame:
    """The publication each source's canonical rows come from (one row per source)."""
    ids = [staged_as.split(".", 1)[0] for staged_as in warehouse_inputs(data_dir).values()]
    return publications.filter(pl.col("publication_id").is_in(ids))


def shrinkage(
    tables: dict[str, pl.DataFrame], previous: dict[str, Any] | None
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


def version_extras(
    data_dir: DataDir,
    tables: dict[str, pl.DataFrame],
    previous: dict[str, Any] | None,
    committed: Sequence[Committed],
    history: History | None = None,
) -> tuple[dict[str, pl.DataFrame], int, Path, set[int]]:
    """History tables for a new version: change feed, crosswalk, entity and publication history.

    Only published snapshots count (the ledger's, and this version's `committed`): a commit
    whose publishing failed is in the lake but in none of these tables. Also returns the lake
    snapshot, the frozen catalog and the snapshots this version publishes.
    """
    history = history or History(data_dir.lake)
    primary = primary_publications(tables["publications"], data_dir)
    with history.open() as con:
        snapshot = history.current_snapshot(con)
        published = history.published_snapshots(con, previous) | {c.snapshot_id for c in committed}
        after = State(
            tables={
                n: df.drop("publication_id") for n, df in tables.items() if n != "publications"
            },
            publications=dict(primary.select("source", "publication_id").iter_rows()),
            files={
                r["source"]: frozenset(f["name"] for f in json.loads(r["files"]))
                for r in primary.iter_rows(named=True)
            },
        )
        if previous is not None and previous.get("lake_snapshot") is not None:
            before = State(
                tables={
                    n: history.table_at(con, n, previous["lake_snapshot"]) for n in TABLE_NAMES
                },
                publications={
                    s["source"]: s["publication_id"]
                    for s in previous["sources"]
                    if s.get("primary")
                },
                files={
                    s["source"]: frozenset(s.get("files", []))
                    for s in previous["sources"]
                    if s.get("primary")
                },
            )
        else:
            before = State(
                tables={n: df.head(0) for n, df in after.tables.items()}, publications={}, files={}
            )
        changes, crosswalk = change_feed(before, after)
        extras = {
            "changes": changes,
            "crosswalk": crosswalk,
            "entity_history": entity_history(history, con, published),
            "publication_history": history.snapshots(con, published),
        }
    frozen = data_dir.path / "warehouse" / f".history.{snapshot}.ducklake"
    history.freeze(frozen)
    return extras, snapshot, frozen, published


@dataclass(frozen=True)
class Publishes:
    """Tables (and files) another asset contributes to every published version."""

    dep: str
    tables: Callable[[DataDir], dict[str, pl.DataFrame]]
    files: Callable[[DataDir], dict[str, bytes]] | None = None
    # given (its tables, the canonical tables): why they do not belong together, or None
    stale: Callable[[dict[str, pl.DataFrame], dict[str, pl.DataFrame]], str | None] | None = None


def content_hash(tables: dict[str, pl.DataFrame]) -> str:
    """Order-independent fingerprint of table contents (detects any changed row)."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        df = tables[name]
        rows = int(df.hash_rows(seed=0).sum()) if df.height else 0
        digest.update(f"{name}:{df.height}:{df.columns}:{rows}\n".encode())
    return digest.hexdigest()


def build_consolidated(
    specs: Sequence[SourceSpec],
    extras: Sequence[Publishes] = (),
) -> tuple[list[AssetsDefinition], list[AssetChecksDefinition]]:
    """The consolidated and published assets over `specs`, with their checks.

    `extras` add tables and files (trade indicators, charts…) to every published version.
    """
    sources = [spec.source for spec in specs]

    @asset(
        name="consolidated",
        group_name=GROUP,
        deps=sources,
        kinds={"duckdb", "polars", "ducklake"},
        description="Every list's current publication in the canonical tables of CONTRACT.md (warehouse DuckDB); committed to the DuckLake history when published.",
    )
    def consolidated(context: AssetExecutionContext, data_dir: DataDir) -> MaterializeResult:
        tables, staged = gather(specs, data_dir)
        with exclusive(data_dir.lock):
            rewritten = not warehouse_is_current(data_dir, staged)
            if rewritten:
                write_database(data_dir.warehouse_db, tables)
                atomic_write(
                    inputs_path(data_dir),
                    json.dumps(staged, sort_keys=True).encode(),
                )
        per_source = (
            tables["entities"].group_by("source", "entity_type").len().sort("source", "entity_type")
        )
        metadata: dict[str, Any] = {f"rows_{name}": df.height for name, df in tables.items()}
        metadata["warehouse"] = MetadataValue.path(str(data_dir.warehouse_db))
        metadata["warehouse_rewritten"] = rewritten
        metadata["entities_by_source"] = MetadataValue.md(markdown_table(per_source.to_dicts()))
        metadata["publications"] = MetadataValue.md(
            markdown_table(
                tables["publications"]
                .select("source", "format", "publication_id", "published_at", "mode")
                .to_dicts()
            )
        )
        return MaterializeResult(metadata=metadata)

    @asset_check(
        asset=consolidated,
        name="canonical_valid",
        blocking=True,
        description="Pandera: every consolidated table is valid; entity IDs unique.",
    )
    def canonical_valid(context: AssetCheckExecutionContext, data_dir: DataDir) -> AssetCheckResult:
        inputs = inputs_path(data_dir).read_text()
        marker = data_dir.warehouse_db.with_name(
            f".canonical-valid-{hashlib.sha256(inputs.encode()).hexdigest()[:16]}-{schema_fingerprint()}"
        )
        if marker.exists():
            return AssetCheckResult(
                passed=True, metadata={"validated": "earlier, same inputs and models"}
            )
        tables = read_database(data_dir.warehouse_db, list(ALL_TABLES))
        failures = validate({**MODELS, "publications": Publications}, tables)
        duplicate_ids = tables["entities"].filter(pl.col("entity_id").is_duplicated()).height
        if not failures and duplicate_ids == 0:
            marker.touch()
        return AssetCheckResult(
            passed=not failures and duplicate_ids == 0,
            metadata={
                "failure_count": sum(f.count for f in failures),
                "duplicate_entity_ids": duplicate_ids,
                "failure_cases": MetadataValue.md(
                    failures_markdown(failures) if failures else "none"
                ),
            },
        )

    @asset_check(
        asset=consolidated,
        name="counts_per_source",
        blocking=True,
        description="Per source: source entries = canonical entities + rejected entries, and the warehouse holds exactly the staged rows.",
    )
    def counts_per_source(
        context: AssetCheckExecutionContext, data_dir: DataDir
    ) -> AssetCheckResult:
        tables = read_database(data_dir.warehouse_db, ["entities", "rejects", "publications"])
        # the staging folders this warehouse was built from (another run may have moved CURRENT)
        staged = warehouse_inputs(data_dir)
        rows: list[dict[str, Any]] = []
        for spec in specs:
            folder = data_dir.staging_dir(spec.source, staged[spec.source])
            meta = read_meta(folder)
            primary = meta["primary_format"]
            entry_count = meta["formats"][primary]["entry_count"]
            entities = tables["entities"].filter(pl.col("source") == spec.source).height
            rejected = (
                tables["rejects"]
                .filter((pl.col("source") == spec.source) & (pl.col("kind") == "entry"))
                .height
            )
            accounted = all(r["ok"] for r in account(spec, folder, meta) if r["format"] == primary)
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
        return AssetCheckResult(
            passed=all(r["ok"] for r in rows),
            metadata={"per_source": MetadataValue.md(markdown_table(rows))},
        )

    @asset_check(
        asset=consolidated,
        name="no_sudden_shrink",
        blocking=True,
        description="No list lost more than the allowed fraction of its parties since the last published version (PublishPolicy); held back otherwise.",
    )
    def no_sudden_shrink(
        context: AssetCheckExecutionContext, data_dir: DataDir, publish_policy: PublishPolicy
    ) -> AssetCheckResult:
        tables = read_database(data_dir.warehouse_db, ["entities"])
        # compared with the newest published version that verifies against its manifest
        rows = shrinkage(tables, published_base(data_dir.published).manifest)
        shrunk = [r for r in rows if r["lost_fraction"] > publish_policy.max_shrink_fraction]
        message = "; ".join(
            f"list {r['source']} shrank from {r['published']:,} to {r['now']:,} parties "
            f"({r['lost_fraction']:.1%} > {publish_policy.max_shrink_fraction:.0%})"
            for r in shrunk
        )
        if shrunk and not publish_policy.allow_shrink:
            message += " — held back: publish only with the override PublishPolicy.allow_shrink=true (`cli.py run --allow-shrink`)"
        elif shrunk:
            message += " — published anyway: PublishPolicy.allow_shrink=true"
        return AssetCheckResult(
            passed=not shrunk or publish_policy.allow_shrink,
            description=message or "no list shrank beyond the allowed fraction",
            metadata={
                "per_source": MetadataValue.md(markdown_table(rows) or "first version"),
                "message": message or "ok",
            },
        )

    @asset(
        name="published_version",
        group_name=GROUP,
        deps=[consolidated, *(extra.dep for extra in extras)],
        kinds={"duckdb", "parquet"},
        description="Immutable published version: sanctions.duckdb, one parquet per table, change feed, history, manifest.json; `latest` switched atomically.",
    )
    def published_version(
        context: AssetExecutionContext,
        data_dir: DataDir,
        publish_policy: PublishPolicy,
        storage: StorageBackend,
    ) -> MaterializeResult:
        published = data_dir.published
        # storage backend (resources/backend.py): `shared` adds a PostgreSQL lock, follows the
        # bucket's latest, and `shared.done` pushes the version and moves the bucket's latest
        with exclusive(data_dir.lock), storage.publishing(published, context.log) as shared:
            history = storage.history(data_dir.lake)
            base = published_base(published)
            report_damage(context, base)
            publications = read_database(data_dir.warehouse_db, ["publications"])["publications"]
            extra_tables: dict[str, pl.DataFrame] = {}
            extra_files: dict[str, bytes] = {}
            for extra in extras:
                extra_tables.update(extra.tables(data_dir))
                extra_files.update(
                    {
                        f"charts/{n}": b
                        for n, b in (extra.files(data_dir) if extra.files else {}).items()
                    }
                )
            inputs = inputs_hash(publications, content_hash(extra_tables))
            previous = base.manifest
            if base.latest_intact and previous is not None and previous["inputs_hash"] == inputs:
                repoint_latest(published)
                shared.done(previous["version"], publish_policy.keep_versions)
                context.log.info(
                    f"inputs unchanged since version {previous['version']}: nothing published"
                )
                return MaterializeResult(
                    metadata={
                        "version": previous["version"],
                        "unchanged": True,
                        "path": MetadataValue.path(str(published / previous["version"])),
                        "history_commits": "none: nothing published",
                    }
                )
            if base.damage:
                context.log.warning(
                    f"rebuilding a fresh version from the warehouse: latest ({base.latest}) is damaged"
                )
            tables = read_database(data_dir.warehouse_db, list(ALL_TABLES))
            for extra in extras:
                problem = extra.stale(extra.tables(data_dir), tables) if extra.stale else None
                if problem:
                    raise RuntimeError(
                        f"{extra.dep} does not match the warehouse: {problem}; nothing published"
                    )
            committed = commit_history(tables, warehouse_inputs(data_dir), data_dir, history)
            history_tables, snapshot, frozen, in_history = version_extras(
                data_dir, tables, previous, committed, history
            )
            try:
                primary = set(
                    primary_publications(tables["publications"], data_dir)["publication_id"]
                )
                sources = manifest_sources(tables, primary)
                # FtM export, its delta against the previous version, dataset index (ftm/)
                ftm_files, ftm_tables, ftm_summary = ftm_publish.version_files(
                    {**tables, **history_tables, **extra_tables},
                    published,
                    previous["version"] if previous else None,
                )
                version, folder = publish_version(
                    published,
                    {**tables, **history_tables, **extra_tables, **ftm_tables},
                    sources,
                    inputs,
                    sql=SANCTIONED_ON,
                    docs=dictionary([*tables, *history_tables, *extra_tables, *ftm_tables]),
                    extra_files={
                        "history.ducklake": frozen.read_bytes(),
                        **extra_files,
                        **ftm_files,
                    },
                    extra_manifest={
                        "lake_snapshot": snapshot,
                        "lake_data_path": shared.version_data_path,
                    },
                    # the lake's data files go into the version: it keeps time travel when moved
                    linked_files={
                        f"{VERSION_DATA_PATH}{name}": path
                        for name, path in history.data_files().items()
                    },
                )
            finally:
                frozen.unlink(missing_ok=True)
            history.record_published(version, snapshot, in_history)
            ftm_publish.record_version(
                published, json.loads((folder / "manifest.json").read_text()), ftm_summary
            )
            removed = remove_old_versions(published, publish_policy.keep_versions)
            removed_shared = shared.done(version, publish_policy.keep_versions)
        if removed:
            context.log.info(
                f"retention (newest {publish_policy.keep_versions} kept, and latest): "
                f"removed {len(removed)} version(s): {', '.join(removed)}"
            )
        summary = (
            history_tables["changes"].group_by("source", "change").len().sort("source", "change")
        )
        context.log.info(f"published version {version} at {folder}; latest -> {version}")
        return MaterializeResult(
            metadata={
                "version": version,
                "unchanged": False,
                "lake_snapshot": snapshot,
                "path": MetadataValue.path(str(folder)),
                "database": MetadataValue.path(str(folder / "sanctions.duckdb")),
                "sources": MetadataValue.json(sources),
                "changes": MetadataValue.md(markdown_table(summary.to_dicts()) or "no changes"),
                "rekeyed": history_tables["crosswalk"].height,
                "charts": ", ".join(sorted(extra_files)) or "none",
                "ftm": MetadataValue.json(ftm_summary),
                "history_commits": MetadataValue.md(history_commits(committed)),
                "rebuilt_damaged_latest": base.latest if base.damage else "no",
                "removed_versions": ", ".join(removed) or "none",
                "removed_versions_shared": ", ".join(removed_shared) or "none",
                **{f"rows_{name}": df.height for name, df in tables.items()},
            }
        )

    @asset_check(
        asset=published_version,
        name="manifest_intact",
        blocking=True,
        description="Every file of the latest version matches the sha256 in its manifest (and the manifest the one in latest.json).",
    )
    def manifest_intact(context: AssetCheckExecutionContext, data_dir: DataDir) -> AssetCheckResult:
        latest = (data_dir.published / "latest").resolve()
        pointer = latest_pointer(data_dir.published)
        expected = (
            pointer["manifest_sha256"] if pointer and pointer["version"] == latest.name else None
        )
        problems = verify_published(latest, expected)
        return AssetCheckResult(
            passed=not problems,
            description=f"version {latest.name} is damaged: {'; '.join(problems)}"
            if problems
            else f"version {latest.name} matches its manifest",
            metadata={"version": latest.name, "problems": "; ".join(problems) or "none"},
        )

    return [consolidated, published_version], [
        canonical_valid,
        counts_per_source,
        no_sudden_shrink,
        manifest_intact,
    ]


def report_damage(context: AssetExecutionContext, base: Base) -> None:
    """Say which files of `latest` (and of older versions passed over) are damaged."""
    if base.damage:
        fallback = base.manifest["version"] if base.manifest else "no intact version"
        context.log.warning(
            f"latest version {base.latest} is damaged: {'; '.join(base.damage)}; "
            f"building on {fallback}"
        )
    for version, problems in base.skipped.items():
        context.log.warning(f"version {version} is damaged too: {'; '.join(problems)}")


def history_commits(committed: Sequence[Committed]) -> str:
    """The lake commits of a version, as a markdown table."""
    return markdown_table(
        [
            {
                "source": c.source,
                "publication_id": c.publication_id,
                "lake_snapshot": c.snapshot_id,
                "new_snapshot": c.new,
                "rows_inserted": sum(c.inserted.values()),
                "rows_deleted": sum(c.deleted.values()),
            }
            for c in committed
        ]
    )


def manifest_sources(tables: dict[str, pl.DataFrame], primary: set[str]) -> list[dict[str, Any]]:
    """What each source publication contributes to a version (for manifest.json)."""
    entities = tables["entities"].group_by("publication_id").len()
    rows = tables["publications"].join(entities, on="publication_id", how="left")
    return [
        {
            "source": r["source"],
            "publication_id": r["publication_id"],
            "format": r["format"],
            "published_at": r["published_at"].isoformat() if r["published_at"] else None,
            "published_basis": r["published_basis"],
            "mode": r["mode"],
            "sha256": r["sha256"],
            "entry_count": r["entry_count"],
            "canonical_entities": r["len"] or 0,
            "primary": r["publication_id"] in primary,
            "files": sorted(f["name"] for f in json.loads(r["files"])),
        }
        for r in rows.sort("source", "format").iter_rows(named=True)
    ]
