"""Cross-list reconciliation: one party, many lists — matched, measured, explained.

`reconciliation` reads every canonical table of the warehouse (all sources), resolves which
entries are one party (`reconcile.resolve`: deterministic links on shared identifiers, then scored
name/birth-date/nationality links), derives the divergence between authorities
(`reconcile.divergence`) and writes six tables as parquet under `warehouse/reconcile/`:
`clusters`, `cluster_links`, `cluster_conflicts`, `divergence_coverage`, `divergence_lag`,
`divergence_conflicts`. Party IDs stay stable across runs: the previous `clusters.parquet` is
read first and its IDs carried over (`reconcile.clusters.assign_cluster_ids`). The work itself is
the pure `reconcile.divergence.reconcile`.

Blocking checks, run in the asset's own step on the tables it has just built, prove every
record sits in exactly one cluster, no cluster mixes entity types, every deterministic link
carries its evidence, per-source counts equal the canonical ones, and the six tables pass their
Pandera models; a failed one fails the step, so nothing is published. `reconcile_tables` hands
the checked tables to the published version; the lead registers `RECONCILE_ASSETS`.

When the warehouse holds the same staged publications and the code is the same, the tables are
not rebuilt and a check that passed on them is not run again: `.built-from.json` beside them
records what they were built from and the sha256 of each file, so a table changed or removed
since is rebuilt and checked. When the tables are rebuilt, each entity type whose rows are those
of the run before keeps its scored links (`.matcher-memo/`, `reconcile.memo`), and the checks
run in a thread while the tables are written.
"""

import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.consolidated import inputs_path
from assets.consolidated_checks import beside, preload
from assets.fingerprints import fingerprint, schema_fingerprint
from reconcile import TABLES
from resources.duckdb_files import read_database
from resources.storage import DataDir, atomic_write
from resources.warehouse import exclusive
from schemas.validate import failures_markdown, markdown_table, validate

# Polars and the modules built on it load when a step runs, not with the definitions. The
# annotations naming them are quoted: Dagster reads an asset's `context` annotation when
# the asset is defined, which `from __future__ import annotations` would turn into a string.
if TYPE_CHECKING:
    import polars as pl

    from reconcile.memo import TypeMemo

GROUP = "consolidated"
FOLDER = "reconcile"
PREVIEW_ROWS = 8


def reconcile_dir(data_dir: DataDir) -> Path:
    return data_dir.path / "warehouse" / FOLDER


def read_inputs(path: Path) -> "dict[str, pl.DataFrame]":
    """The canonical tables of the warehouse DuckDB, projected to what the matcher reads."""
    from reconcile.inputs import INPUT_COLUMNS

    tables = read_database(path, list(INPUT_COLUMNS))
    return {name: tables[name].select(columns) for name, columns in INPUT_COLUMNS.items()}


def write_tables(folder: Path, tables: "Mapping[str, pl.DataFrame]") -> None:
    """Each table as `<name>.parquet`, written atomically (readers never see half a file)."""
    for name, df in tables.items():
        buffer = io.BytesIO()
        df.write_parquet(buffer)
        atomic_write(folder / f"{name}.parquet", buffer.getvalue())


def read_tables(folder: Path) -> "dict[str, pl.DataFrame]":
    import polars as pl

    missing = [name for name in TABLES if not (folder / f"{name}.parquet").exists()]
    if missing:
        raise FileNotFoundError(
            f"{folder}: no {', '.join(missing)} — materialize the `reconciliation` asset first"
        )
    return {name: pl.read_parquet(folder / f"{name}.parquet") for name in TABLES}


BUILT_FROM = ".built-from.json"


def build_key(data_dir: DataDir) -> str | None:
    """What the tables are built from: the warehouse's staged publications and the code; None
    for a warehouse that does not record its inputs (always rebuilt)."""
    if not inputs_path(data_dir).exists():
        return None
    digest = hashlib.sha256(inputs_path(data_dir).read_bytes())
    digest.update(fingerprint("core", "assets", "reconcile").encode())
    return digest.hexdigest()


def _digests(folder: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((folder / f"{name}.parquet").read_bytes()).hexdigest()
        for name in TABLES
        if (folder / f"{name}.parquet").exists()
    }


def built_from(folder: Path, key: str | None) -> dict[str, Any] | None:
    """The record of the tables in `folder` if they were built from `key` and are unchanged
    since (every file present with the sha256 written then), else None."""
    path = folder / BUILT_FROM
    if key is None or not path.exists():
        return None
    record = json.loads(path.read_text())
    if record.get("key") != key or record.get("files") != _digests(folder):
        return None
    return record


MEMO = ".matcher-memo"


def matcher_memo(folder: Path) -> "TypeMemo":
    """Each entity type's scored links, kept in `folder` for the next run with the same
    inputs (`reconcile.memo`): valid for the matcher's code and the libraries it scores with."""
    from importlib.metadata import version

    from reconcile.memo import TypeMemo

    libraries = [f"{name} {version(name)}" for name in ("polars", "rapidfuzz", "text-unidecode")]
    return TypeMemo(folder / MEMO, " ".join([fingerprint("core", "reconcile"), *libraries]))


def reconcile_tables(data_dir: DataDir) -> "dict[str, pl.DataFrame]":
    """The reconciliation tables to publish, as the `reconciliation` asset wrote (and its
    blocking checks passed on) them: clusters, cluster_links, cluster_conflicts,
    divergence_coverage, divergence_lag, divergence_conflicts."""
    return read_tables(reconcile_dir(data_dir))


# --- checks as pure functions (frames in, verdict and failure cases out) --------------------


def check_one_cluster_each(
    clusters: "pl.DataFrame", entities: "pl.DataFrame"
) -> tuple[bool, dict[str, Any]]:
    """Every canonical entity is in exactly one cluster, and clusters hold nothing else."""
    import polars as pl

    repeated = clusters.filter(pl.col("entity_id").is_duplicated())["entity_id"].unique()
    absent = entities.join(clusters, on="entity_id", how="anti")["entity_id"]
    foreign = clusters.join(entities, on="entity_id", how="anti")["entity_id"]
    cases = {
        "in_several_clusters": repeated.head(20).to_list(),
        "in_no_cluster": absent.head(20).to_list(),
        "not_in_warehouse": foreign.head(20).to_list(),
    }
    counts = {
        "in_several_clusters": repeated.len(),
        "in_no_cluster": absent.len(),
        "not_in_warehouse": foreign.len(),
    }
    return sum(counts.values()) == 0, {**counts, "failure_cases": cases}


def check_one_type_each(clusters: "pl.DataFrame") -> tuple[bool, dict[str, Any]]:
    """No cluster mixes entity types (a person is never one party with a company)."""
    import polars as pl

    mixed = (
        clusters.group_by("cluster_id")
        .agg(types=pl.col("entity_type").unique().sort())
        .filter(pl.col("types").list.len() > 1)
        .sort("cluster_id")
    )
    cases = [
        {"cluster_id": r["cluster_id"], "types": ", ".join(r["types"])}
        for r in mixed.head(20).iter_rows(named=True)
    ]
    return mixed.is_empty(), {"mixed_clusters": mixed.height, "failure_cases": cases}


def check_links_evidenced(links: "pl.DataFrame") -> tuple[bool, dict[str, Any]]:
    """Every deterministic link names its rule and the shared value it rests on."""
    import polars as pl

    from reconcile.deterministic import PROBABILISTIC

    deterministic = links.filter(pl.col("rule") != PROBABILISTIC)
    bad = deterministic.filter(
        pl.col("evidence").is_null()
        | ~pl.col("evidence").str.starts_with(pl.col("rule") + ": ")
        | (pl.col("evidence").str.len_chars() <= pl.col("rule").str.len_chars() + 2)
    )
    cases = bad.select("left_entity_id", "right_entity_id", "rule", "evidence").head(20)
    return bad.is_empty(), {
        "deterministic_links": deterministic.height,
        "without_evidence": bad.height,
        "failure_cases": cases.to_dicts(),
    }


def check_counts_per_source(
    clusters: "pl.DataFrame", entities: "pl.DataFrame"
) -> tuple[bool, dict[str, Any]]:
    """Per source, entities in clusters = canonical entities."""
    import polars as pl

    canonical = entities.group_by("source").len("canonical")
    clustered = clusters.group_by("source").len("clustered")
    rows = (
        canonical.join(clustered, on="source", how="full", coalesce=True)
        .fill_null(0)
        .with_columns(ok=pl.col("canonical") == pl.col("clustered"))
        .sort("source")
    )
    return bool(rows["ok"].all()), {"per_source": rows.to_dicts()}


# --- the checks, declared on the asset and run in its step ------------------------------------


class CheckFrames:
    """What the checks read: the tables and canonical entities in hand, else read once (the
    tables from the reconciliation folder, the entities from the warehouse)."""

    def __init__(
        self,
        data_dir: DataDir,
        tables: "Mapping[str, pl.DataFrame] | None" = None,
        entities: "pl.DataFrame | None" = None,
    ) -> None:
        self.data_dir = data_dir
        self._tables = dict(tables or {})
        self._entities = entities

    def table(self, name: str) -> "pl.DataFrame":
        if name not in self._tables:  # the six are read together, once
            self._tables = {**read_tables(reconcile_dir(self.data_dir)), **self._tables}
        return self._tables[name]

    def tables(self) -> "dict[str, pl.DataFrame]":
        return {name: self.table(name) for name in TABLES}

    def entities(self) -> "pl.DataFrame":
        if self._entities is None:
            self._entities = read_database(self.data_dir.warehouse_db, ["entities"])["entities"]
        return self._entities


def _result(name: str, passed: bool, metadata: dict[str, Any]) -> AssetCheckResult:
    shown = {
        key: MetadataValue.json(value) if isinstance(value, list | dict) else value
        for key, value in metadata.items()
    }
    return AssetCheckResult(check_name=name, passed=passed, metadata=shown)


def _valid(frames: CheckFrames) -> AssetCheckResult:
    from schemas.reconcile import MODELS  # pandera: loaded when checking

    failures = validate(MODELS, frames.tables())
    return AssetCheckResult(
        check_name="reconcile_valid",
        passed=not failures,
        metadata={
            "failure_count": sum(f.count for f in failures),
            "failure_cases": MetadataValue.md(failures_markdown(failures) if failures else "none"),
        },
    )


# name -> (description, evaluation on the frames); every check is blocking
CHECKS: dict[str, tuple[str, Callable[[CheckFrames], AssetCheckResult]]] = {
    "one_cluster_per_record": (
        "Every canonical entity is in exactly one cluster (singletons included).",
        lambda f: _result(
            "one_cluster_per_record",
            *check_one_cluster_each(f.table("clusters"), f.entities().select("entity_id")),
        ),
    ),
    "one_entity_type_per_cluster": (
        "No cluster mixes entity types.",
        lambda f: _result("one_entity_type_per_cluster", *check_one_type_each(f.table("clusters"))),
    ),
    "deterministic_links_evidenced": (
        "Every deterministic link carries its rule and the shared value as evidence.",
        lambda f: _result(
            "deterministic_links_evidenced", *check_links_evidenced(f.table("cluster_links"))
        ),
    ),
    "counts_match_canonical": (
        "Per source, entities in clusters equal the canonical entity count.",
        lambda f: _result(
            "counts_match_canonical",
            *check_counts_per_source(
                f.table("clusters"), f.entities().select("source", "entity_id")
            ),
        ),
    ),
    "reconcile_valid": (
        "Pandera: the six reconciliation tables match their models (schemas/reconcile.py).",
        _valid,
    ),
}
CHECK_SPECS = [
    AssetCheckSpec(name, asset="reconciliation", blocking=True, description=description)
    for name, (description, _) in CHECKS.items()
]


def evaluate_all(frames: CheckFrames) -> dict[str, AssetCheckResult]:
    """Every check on `frames`, none skipped (tables just built: nothing passed on them yet)."""
    return {name: evaluate(frames) for name, (_, evaluate) in CHECKS.items()}


def check_results(
    folder: Path,
    key: str | None,
    frames: CheckFrames,
    evaluated: Mapping[str, AssetCheckResult] | None = None,
) -> Iterator[AssetCheckResult]:
    """Every check on the tables in `folder` (built from `key`): one that passed on these very
    tables (same inputs, code, files, models) is not run again; a pass is remembered.
    `evaluated`: the checks' results on these frames, already computed (`evaluate_all`)."""
    for name, (_, evaluate) in CHECKS.items():
        marker = (
            None if key is None else folder / f".passed-{name}-{key[:16]}-{schema_fingerprint()}"
        )
        if marker is not None and marker.exists():
            yield AssetCheckResult(
                check_name=name, passed=True, metadata={"checked": "earlier, on the same tables"}
            )
            continue
        result = evaluated[name] if evaluated is not None else evaluate(frames)
        if result.passed and marker is not None:
            for stale_marker in folder.glob(f".passed-{name}-*"):
                stale_marker.unlink(missing_ok=True)
            marker.touch()
        yield result


# --- Dagster ---------------------------------------------------------------------------------


@asset(
    name="reconciliation",
    group_name=GROUP,
    deps=[AssetKey("consolidated")],
    kinds={"polars", "parquet"},
    description="One party, many lists: clusters of the entries of every list that are one "
    "party (with the links and evidence behind them), attribute conflicts inside them, and "
    "the divergence between US, EU, UK and UN (coverage, listing lag, conflicts).",
    check_specs=CHECK_SPECS,
)
def reconciliation(
    context: AssetExecutionContext, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    import polars as pl

    folder = reconcile_dir(data_dir)
    key = build_key(data_dir)
    if (record := built_from(folder, key)) is not None:
        context.log.info("reconciliation: same warehouse inputs and code, tables not rebuilt")
        yield MaterializeResult(
            metadata={
                "unchanged": True,
                **record["rows"],
                "parties": record["stats"]["clusters"],
                "parties_on_several_lists": record["stats"]["multi_source_clusters"],
                "path": MetadataValue.path(str(folder)),
            }
        )
        yield from check_results(folder, key, CheckFrames(data_dir))
        return
    preload("schemas.reconcile")  # the checks' Pandera models, while the matcher runs
    from reconcile.divergence import reconcile  # the matcher loads when it runs

    started = time.perf_counter()
    inputs = read_inputs(data_dir.warehouse_db)
    previous_path = folder / "clusters.parquet"
    previous = pl.read_parquet(previous_path) if previous_path.exists() else None
    memo = matcher_memo(folder)
    tables, stats = reconcile(inputs, previous, memo)
    seconds = time.perf_counter() - started
    # the checks run in the checks' thread while the tables are written (their verdicts and
    # remembered passes are yielded after, as before)
    frames = CheckFrames(data_dir, tables, inputs["entities"].select("source", "entity_id"))
    evaluated = beside(evaluate_all, frames)
    rows = {f"rows_{name}": df.height for name, df in tables.items()}
    with exclusive(data_dir.lock):
        # what was remembered of the old tables goes before they are replaced
        for remembered in (folder / BUILT_FROM, *folder.glob(".passed-*")):
            remembered.unlink(missing_ok=True)
        write_tables(folder, tables)
        record = {"key": key, "files": _digests(folder), "rows": rows, "stats": stats}
        atomic_write(folder / BUILT_FROM, json.dumps(record, default=str).encode())
    memo.prune()
    carried = 0
    if previous is not None:
        carried = (
            tables["clusters"]
            .select("cluster_id")
            .unique()
            .join(previous.select("cluster_id").unique(), on="cluster_id", how="semi")
            .height
        )
    by_rule = tables["cluster_links"].group_by("rule").len().sort("rule")
    coverage = (
        tables["divergence_coverage"]
        .explode("missing_from")
        .group_by("authority", "missing_from")
        .agg(parties=pl.col("cluster_id").n_unique())
        .sort("authority", "missing_from")
    )
    context.log.info(
        f"reconciliation: {stats['clusters']:,} parties from "
        f"{tables['clusters'].height:,} entries in {seconds:.1f}s"
    )
    yield MaterializeResult(
        metadata={
            "unchanged": False,
            **rows,
            "seconds": round(seconds, 2),
            "parties": stats["clusters"],
            "parties_on_several_lists": stats["multi_source_clusters"],
            "party_ids_carried_over": carried,
            # entity types whose scored links were kept from the run before (`reconcile.memo`)
            "entity_types_kept": len(memo.hits),
            "links_by_rule": MetadataValue.md(markdown_table(by_rule.to_dicts())),
            "matcher": MetadataValue.json(stats),
            "coverage_gaps": MetadataValue.md(markdown_table(coverage.to_dicts()) or "none"),
            "conflicts_between_authorities": MetadataValue.md(
                markdown_table(
                    tables["divergence_conflicts"]
                    .select(
                        "attribute",
                        "left_entity_id",
                        "left_values",
                        "right_entity_id",
                        "right_values",
                    )
                    .head(PREVIEW_ROWS)
                    .to_dicts()
                )
                or "none"
            ),
            "path": MetadataValue.path(str(folder)),
        }
    )
    yield from check_results(folder, key, frames, evaluated.result())


RECONCILE_ASSETS: list[AssetsDefinition] = [reconciliation]


def stale(published: "dict[str, pl.DataFrame]", canonical: "dict[str, pl.DataFrame]") -> str | None:
    """Why the reconciliation tables do not describe the canonical entities, or None."""
    clustered = set(published["clusters"]["entity_id"].to_list())
    entities = set(canonical["entities"]["entity_id"].to_list())
    if clustered == entities:
        return None
    return (
        f"{len(entities - clustered)} entities are in no cluster and {len(clustered - entities)} "
        "clustered entities are gone (materialize `reconciliation` first)"
    )
