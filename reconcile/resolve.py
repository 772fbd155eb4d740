"""The whole resolution: deterministic links, scored links, clusters, IDs and conflicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from reconcile.clusters import assign_cluster_ids, cluster, cluster_conflicts, components_of
from reconcile.deterministic import deterministic_links
from reconcile.inputs import complete
from reconcile.memo import TypeMemo
from reconcile.probabilistic import listing_units, probabilistic_links
from reconcile.weights import DEFAULT, Settings


@dataclass
class Resolution:
    """What `resolve` returns: members, links and conflicts, plus counts for the asset."""

    clusters: pl.DataFrame  # cluster_id, entity_id, source, publication_id, entity_type, …
    links: pl.DataFrame  # accepted links: cluster_id, LINK_SCHEMA, both sides' source/publication
    conflicts: pl.DataFrame
    stats: dict[str, Any]


def resolve(
    tables: Mapping[str, pl.DataFrame],
    previous_clusters: pl.DataFrame | None = None,
    settings: Settings = DEFAULT,
    memo: TypeMemo | None = None,
) -> Resolution:
    """Clusters, links and conflicts over the canonical tables of every source (`memo`: each
    entity type's scored links kept from the run before, `reconcile.memo`)."""
    tables = complete(tables)
    entities = tables["entities"].select(
        "entity_id", "source", "publication_id", "entity_type", "primary_name"
    )
    deterministic, det_stats = deterministic_links(tables, settings)
    components = components_of(entities, deterministic)
    _, probabilistic, prob_stats = probabilistic_links(tables, components, settings, memo=memo)
    groups, links, refused = cluster(
        entities.join(listing_units(tables), on="entity_id"), deterministic, probabilistic
    )
    members = entities.join(groups, on="entity_id", how="left")
    members = assign_cluster_ids(members, previous_clusters)
    clusters = (
        members.select(
            "cluster_id", "entity_id", "source", "publication_id", "entity_type", "primary_name"
        )
        .with_columns(cluster_size=pl.len().over("cluster_id").cast(pl.Int64))
        .sort("cluster_id", "entity_id")
    )
    side = clusters.select("entity_id", "cluster_id", "source", "publication_id")
    links = (
        links.join(side, left_on="left_entity_id", right_on="entity_id")
        .join(
            side.drop("cluster_id"),
            left_on="right_entity_id",
            right_on="entity_id",
            suffix="_right",
        )
        .select(
            "cluster_id",
            "left_entity_id",
            "right_entity_id",
            "rule",
            "score",
            "evidence",
            left_source="source",
            left_publication_id="publication_id",
            right_source="source_right",
            right_publication_id="publication_id_right",
        )
        .sort("cluster_id", "left_entity_id", "right_entity_id", "rule")
    )
    conflicts = cluster_conflicts(tables, clusters)
    stats: dict[str, Any] = {**det_stats, **prob_stats, "probabilistic_links_refused": refused}
    stats["clusters"] = int(clusters["cluster_id"].n_unique())
    stats["multi_source_clusters"] = int(
        clusters.group_by("cluster_id")
        .agg(pl.col("source").n_unique())
        .filter(pl.col("source") > 1)
        .height
    )
    return Resolution(clusters=clusters, links=links, conflicts=conflicts, stats=stats)
