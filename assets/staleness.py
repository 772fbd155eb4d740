"""What a run must rebuild: Dagster's data and code versions decide, not a home-made cache.

Every ingest asset (lists and trade sources) returns a data version naming exactly what it
staged: the publication's bytes and the parser code that read them. The derived assets
(`DERIVED`) carry a code version: the hash of the project's Python sources. Dagster then knows a
derived asset is stale when an input's data version or its own code changed since its last
materialization, and `stale_derived` asks it. The command line runs the ingest assets first and
the derived ones only when one is stale or missing, so an unchanged re-run executes no
downstream step at all (issue #17); the automation does the same with
`AutomationCondition.data_version_changed` (assets/automation.py).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster import AssetKey, AssetsDefinition, AssetSpec, DagsterInstance, Definitions
    from dagster._core.definitions.data_version import CachingStaleStatusResolver

DERIVED: tuple[str, ...] = (
    "consolidated",
    "reconciliation",
    "trade_indicators",
    "published_version",
)
ROOT = Path(__file__).resolve().parent.parent


@cache
def project_code_version() -> str:
    """Hash of every Python source of the project (outside tests and benches): any code change
    makes the derived assets stale once, and their own input keys then decide what is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/*.py")) + sorted(ROOT.glob("*/*/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in ("tests", "bench", ".venv", ".tools", "data", "snapshots"):
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def with_code_versions(assets: list[AssetsDefinition]) -> list[AssetsDefinition]:
    """The derived assets with the project's code version (the others unchanged)."""
    version = project_code_version()

    def apply(spec: AssetSpec) -> AssetSpec:
        if spec.key.to_user_string() in DERIVED:
            return spec.replace_attributes(code_version=version)
        return spec

    return [a.map_asset_specs(apply) for a in assets]


def _partition_changed(
    instance: DagsterInstance, resolver: CachingStaleStatusResolver, key: AssetKey
) -> bool:
    """Whether a partition of a time-partitioned parent of `key` (the trade sources, yearly)
    has a new data version since `key`'s last materialization.

    Dagster's resolver skips parents partitioned in time under an all-partitions mapping (for
    speed with long histories); this asks the same question of it, partition by partition, for
    the partitions materialized since then only (one query for those, then two per partition).
    """
    from dagster import AssetRecordsFilter
    from dagster._core.definitions.events import AssetKeyPartitionKey

    graph = resolver.asset_graph
    provenance = resolver._get_current_data_provenance(key=AssetKeyPartitionKey(key))
    if provenance is None:
        return False  # never materialized: the resolver already says MISSING
    for parent in graph.get(key).parent_keys:
        if not graph.get(parent).is_partitioned or not provenance.has_input_asset(parent):
            continue
        cursor = provenance.input_storage_ids[parent]
        since = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=parent, after_storage_id=cursor), limit=10_000
        ).records
        for partition in sorted({r.partition_key for r in since if r.partition_key}):
            if resolver._is_dep_updated(provenance, AssetKeyPartitionKey(parent, partition)):
                return True
    return False


def stale_derived(instance: DagsterInstance, defs: Definitions) -> list[AssetKey]:
    """The derived assets Dagster reports stale or missing (a new input data version, new code,
    or never materialized), with everything downstream of them, in graph order, and the assets
    their steps materialize with them (the published tables)."""
    from dagster import AssetKey
    from dagster._core.asset_graph_view.asset_graph_view import AssetGraphView, TemporalContext
    from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
    from dagster._time import get_current_datetime

    graph = defs.resolve_asset_graph()
    view = AssetGraphView(
        temporal_context=TemporalContext(effective_dt=get_current_datetime(), last_event_id=None),
        instance=instance,
        asset_graph=graph,
    )
    resolver = CachingStaleStatusResolver(
        instance=instance, asset_graph=graph, loading_context=view
    )
    keys = [AssetKey(name) for name in DERIVED if graph.has(AssetKey(name))]
    stale = {k for k in keys if resolver.get_status(k) in (StaleStatus.STALE, StaleStatus.MISSING)}
    stale |= {k for k in keys if k not in stale and _partition_changed(instance, resolver, k)}
    # a rebuilt asset gets a new data version: everything below it follows
    changed = True
    while changed:
        changed = False
        for key in keys:
            if key not in stale and any(p in stale for p in graph.get(key).parent_keys):
                stale.add(key)
                changed = True
    # an asset materialized with others in one step (the published tables with
    # `published_version`) is selected with them
    selected = [k for k in keys if k in stale]
    for key in list(selected):
        selected += sorted(set(graph.get(key).execution_set_asset_keys) - set(selected))
    return selected
