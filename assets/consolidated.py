"""Consolidated tables across every list, and the published, versioned copy of them.

`consolidated` gathers the current staged publication of each source into the DuckDB
warehouse (re-validating it first: invalid data never flows on, even when a check was skipped).
`published_version` runs only after every blocking check passed: it commits the publications
to the DuckLake history, writes an immutable version under `published/<version>/` and switches
`published/latest` after the written files were verified. A publication held back by a check
is therefore never in the history a version publishes. The checks of both
(`assets/consolidated_checks.py`) run in the step of the asset they check, after its
materialization.
"""

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from assets.consolidated_checks import (
    CONSOLIDATED_CHECKS,
    PUBLISHED_CHECKS,
    beside,
    canonical_valid,
    counts_per_source,
    manifest_intact,
    no_sudden_shrink,
)
from assets.factory import SourceSpec, current_folder
from assets.fingerprints import schema_fingerprint
from assets.lake_commit import commit_and_read
from assets.source_checks import validate_publication
from assets.tables import table_results, table_specs
from core.vocabulary import TABLE_NAMES
from ftm import checks as ftm_checks
from resources.backend import StorageBackend
from resources.duckdb_files import read_database, write_database
from resources.staging import Staged
from resources.storage import DataDir, atomic_write
from resources.warehouse import (
    Base,
    PublishPolicy,
    exclusive,
    inputs_hash,
    latest_folder,
    publish_version,
    published_base,
    remove_old_versions,
    repoint_latest,
)
from schemas.catalog import HISTORY_TABLES, dictionary
from schemas.validate import failures_markdown, markdown_table

# Polars and the modules built on it load when a step runs, not with the definitions. The
# annotations naming them are quoted: Dagster reads an asset's `context` annotation when
# the asset is defined, which `from __future__ import annotations` would turn into a string.
if TYPE_CHECKING:
    import polars as pl

    from resources.history import Committed

GROUP = "consolidated"
ALL_TABLES = ("publications", *TABLE_NAMES)


def publication_schema() -> "dict[str, pl.DataType]":
    """The columns of the `publications` table."""
    import polars as pl

    return {
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
) -> "tuple[dict[str, pl.DataFrame], dict[str, str], dict[str, Staged]]":
    """Current staged publication of every source, validated, as consolidated tables.

    Also returns, per source, the staging folder it came from (publication + parser version),
    and its staged frames as read (for the checks).
    """
    import polars as pl

    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in TABLE_NAMES}
    publications: list[dict[str, Any]] = []
    staged: dict[str, str] = {}
    by_source: dict[str, Staged] = {}
    for spec in specs:
        folder, meta = current_folder(data_dir, spec.source)
        by_source[spec.source] = Staged(folder, meta)
        failures = validate_publication(spec, folder, meta, by_source[spec.source])
        if failures:
            raise InvalidStagedData(
                f"{spec.source} publication {meta['publication_id']} is invalid; not consolidated:\n"
                + failures_markdown(failures, limit=10)
            )
        for name, df in by_source[spec.source].tables(meta["primary_format"]).items():
            parts[name].append(df)
        publications.extend(publication_rows(meta))
        staged[spec.source] = folder.name
    tables = {"publications": pl.DataFrame(publications, schema=publication_schema())}
    tables.update({name: pl.concat(frames, how="vertical") for name, frames in parts.items()})
    return tables, staged, by_source


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


def primary_publications(publications: "pl.DataFrame", data_dir: DataDir) -> "pl.DataFrame":
    """The publication each source's canonical rows come from (one row per source)."""
    import polars as pl

    ids = [staged_as.split(".", 1)[0] for staged_as in warehouse_inputs(data_dir).values()]
    return publications.filter(pl.col("publication_id").is_in(ids))


@dataclass(frozen=True)
class Publishes:
    """Tables (and files) another asset contributes to every published version."""

    dep: str
    tables: "Callable[[DataDir], dict[str, pl.DataFrame]]"
    files: Callable[[DataDir], dict[str, bytes]] | None = None
    # given (its tables, the canonical tables): why they do not belong together, or None
    stale: "Callable[[dict[str, pl.DataFrame], dict[str, pl.DataFrame]], str | None] | None" = None
    # the names of the tables it contributes (each one a published table asset)
    names: tuple[str, ...] = ()


def content_hash(tables: "dict[str, pl.DataFrame]") -> str:
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
) -> list[AssetsDefinition]:
    """The consolidated and published assets over `specs`, their checks declared on them.

    `extras` add tables and files (trade indicators, charts…) to every published version.
    """
    sources = [spec.source for spec in specs]

    @asset(
        name="consolidated",
        group_name=GROUP,
        deps=sources,
        kinds={"duckdb", "polars", "ducklake"},
        description="Every list's current publication in the canonical tables of CONTRACT.md (warehouse DuckDB); committed to the DuckLake history when published.",
        check_specs=CONSOLIDATED_CHECKS,
    )
    def consolidated(
        context: AssetExecutionContext, data_dir: DataDir, publish_policy: PublishPolicy
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        tables, staged, frames = gather(specs, data_dir)
        inputs = json.dumps(staged, sort_keys=True)
        marker = f".canonical-valid-{hashlib.sha256(inputs.encode()).hexdigest()[:16]}"
        marker += f"-{schema_fingerprint()}"
        # validated in the checks' thread while the warehouse is written
        valid = beside(canonical_valid, tables, data_dir.warehouse_db.with_name(marker))
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
        yield MaterializeResult(metadata=metadata)
        # the checks, on the tables the warehouse now holds (those in hand)
        yield valid.result()
        yield counts_per_source(specs, tables, frames)
        # compared with the newest published version that verifies against its manifest
        yield no_sudden_shrink(tables, published_base(data_dir.published).manifest, publish_policy)

    # every published table is an asset of its own, materialized by this same step
    origins: dict[str, list[str]] = {
        **{name: ["consolidated"] for name in (*ALL_TABLES, *HISTORY_TABLES)},
        "statements": ["consolidated", "reconciliation"],
        **{name: [extra.dep] for extra in extras for name in extra.names},
    }

    @multi_asset(
        name="published_version",
        specs=[
            AssetSpec(
                "published_version",
                group_name=GROUP,
                deps=[consolidated, *(extra.dep for extra in extras)],
                kinds={"duckdb", "parquet"},
                description="Immutable published version: sanctions.duckdb, one parquet per table, change feed, history, manifest.json; `latest` switched atomically.",
            ),
            *table_specs(origins),
        ],
        # the manifest check, and the FtM assertions per list (ftm/), run in this step
        check_specs=[*PUBLISHED_CHECKS, *ftm_checks.check_specs(sources)],
    )
    def published_version(
        context: AssetExecutionContext,
        data_dir: DataDir,
        publish_policy: PublishPolicy,
        storage: StorageBackend,
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        new_version = False
        for result in publish(context, data_dir, publish_policy, storage):
            if isinstance(result, MaterializeResult) and result.asset_key is None:
                new_version = not (result.metadata or {}).get("unchanged", False)
                result = result._replace(asset_key=AssetKey("published_version"))
            yield result
        yield manifest_intact(data_dir.published)
        # a new version materializes each of its tables (rows, column schema); an unchanged
        # run materializes none of them
        if new_version and (folder := latest_folder(data_dir.published)) is not None:
            yield from table_results(folder, set(origins))

    def publish(
        context: AssetExecutionContext,
        data_dir: DataDir,
        publish_policy: PublishPolicy,
        storage: StorageBackend,
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        from ftm import publish as ftm_publish
        from resources.history import SANCTIONED_ON, VERSION_DATA_PATH

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
                yield MaterializeResult(
                    metadata={
                        "version": previous["version"],
                        "unchanged": True,
                        "path": MetadataValue.path(str(published / previous["version"])),
                        "history_commits": "none: nothing published",
                    }
                )
                # FtM assertions: as the unchanged version was published with them (ftm/)
                yield from ftm_checks.unchanged_results(
                    [spec.source for spec in specs], published / previous["version"]
                )
                return
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
            # the FtM export in a thread beside the lake commit and the history tables: it
            # needs neither. Then the statements and delistings (ftm/) in the thread while the
            # version's other tables are written. Leaving the pool waits for the thread: a
            # failure on either side raises once it is done, and publishes nothing
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ftm-export") as pool:
                exporting = pool.submit(
                    ftm_publish.export_version,
                    {**tables, **extra_tables},
                    published,
                    previous["version"] if previous else None,
                    lake=data_dir.lake,
                    staged=warehouse_inputs(data_dir),
                )
                primary = primary_publications(tables["publications"], data_dir)
                committed, history_tables, snapshot, frozen, in_history = commit_and_read(
                    tables,
                    warehouse_inputs(data_dir),
                    primary,
                    previous,
                    history,
                    data_dir.path / "warehouse",
                )
                try:
                    sources = manifest_sources(tables, set(primary["publication_id"]))
                    exported = exporting.result()
                    filing = pool.submit(
                        ftm_publish.version_files,
                        {**tables, **history_tables, **extra_tables},
                        published,
                        previous["version"] if previous else None,
                        lake=data_dir.lake,
                        formats=ftm_checks.format_disagreements(
                            data_dir, warehouse_inputs(data_dir)
                        ),
                        history=history,
                        staged=warehouse_inputs(data_dir),
                        exported=exported,
                    )
                    # FtM assertions: results recorded; a failed blocking one raises
                    yield from ftm_checks.check_results(
                        [spec.source for spec in specs], exported.checks
                    )
                    filed: dict[str, Any] = {}

                    def ftm_part() -> "tuple[dict[str, pl.DataFrame], dict[str, bytes]]":
                        files, ftm_tables, filed["summary"] = filing.result()
                        return ftm_tables, files

                    version, folder = publish_version(
                        published,
                        {**tables, **history_tables, **extra_tables},
                        sources,
                        inputs,
                        sql=SANCTIONED_ON,
                        docs=dictionary(
                            [*tables, *history_tables, *extra_tables, *ftm_publish.TABLES]
                        ),
                        extra_files={"history.ducklake": frozen.read_bytes(), **extra_files},
                        extra_manifest={
                            "lake_snapshot": snapshot,
                            "lake_data_path": shared.version_data_path,
                        },
                        # the lake's data files go into the version: time travel when moved
                        linked_files={
                            f"{VERSION_DATA_PATH}{name}": path
                            for name, path in history.data_files().items()
                        },
                        late=ftm_part,  # the FtM files and `statements`, from the thread
                        # the canonical tables as the warehouse holds them: its file is
                        # copied, not written again (they were read from it under this lock)
                        base_database=data_dir.warehouse_db,
                    )
                finally:
                    frozen.unlink(missing_ok=True)
            ftm_summary = filed["summary"]
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
        yield MaterializeResult(
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

    return [consolidated, published_version]


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


def history_commits(committed: "Sequence[Committed]") -> str:
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


def manifest_sources(tables: "dict[str, pl.DataFrame]", primary: set[str]) -> list[dict[str, Any]]:
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
