"""Divergence between authorities: who lists a party, since when, and what they say about it.

Pure functions over the reconciliation (`reconcile.resolve`) and the canonical tables. An authority
is the government body behind a list (`AUTHORITIES`): US (OFAC SDN and non-SDN
consolidated), EU (FSF), UK (FCDO list and OFSI consolidated list), UN (Security Council). The
US CSL re-publishes several US lists and is not an authority of its own here.

An authority counts as *not listing* a party only when at least one of its lists is part of the
run: with no UN publication loaded, nothing is reported missing from the UN. Every row names the
member entity IDs and publication IDs it rests on, so an analyst can open the records.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from core.canonical import JURISDICTIONS
from reconcile import TABLES as TABLES  # the tables `reconcile` returns, in order
from reconcile.memo import TypeMemo
from reconcile.resolve import resolve

# Authorities a party can be listed by: each list's jurisdiction (core.canonical), less the US
# CSL, which repeats OFAC, BIS and State lists rather than speaking for an authority of its own.
AUTHORITIES: dict[str, str] = {s: j for s, j in JURISDICTIONS.items() if s != "us_csl"}

AUTHORITY_ORDER = ("US", "EU", "UK", "UN")
FLAGS = {authority: f"on_{authority.lower()}" for authority in AUTHORITY_ORDER}


def authority_of(source: pl.Expr) -> pl.Expr:
    """The authority a source speaks for, or null (aggregators such as the US CSL)."""
    return source.replace_strict(AUTHORITIES, default=None, return_dtype=pl.String)


def _members(clusters: pl.DataFrame) -> pl.DataFrame:
    return clusters.with_columns(authority=authority_of(pl.col("source"))).filter(
        pl.col("authority").is_not_null()
    )


def present_authorities(clusters: pl.DataFrame) -> dict[str, list[str]]:
    """Authorities with at least one list in the run → the publication IDs of those lists."""
    members = _members(clusters)
    present = members.group_by("authority").agg(
        pl.col("publication_id").unique().sort().alias("publication_ids")
    )
    return dict(present.sort("authority").iter_rows())


def _listed_on(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id → listed_on: the entry's own date, else its earliest designation date."""
    own = tables["entities"].select("entity_id", "listed_on")
    designated = (
        tables["sanctions"].group_by("entity_id").agg(designated_on=pl.col("listed_on").min())
    )
    return own.join(designated, on="entity_id", how="left").select(
        "entity_id", listed_on=pl.coalesce("listed_on", "designated_on")
    )


COVERAGE_SCHEMA = {
    "cluster_id": pl.String,
    "authority": pl.String,
    "program": pl.String,
    "entity_type": pl.String,
    "primary_name": pl.String,
    "listed_by": pl.List(pl.String),
    "missing_from": pl.List(pl.String),
    "on_us": pl.Boolean,
    "on_eu": pl.Boolean,
    "on_uk": pl.Boolean,
    "on_un": pl.Boolean,
    "entity_ids": pl.List(pl.String),
    "publication_ids": pl.List(pl.String),
    "other_entity_ids": pl.List(pl.String),
    "searched_publication_ids": pl.List(pl.String),
}


def coverage(clusters: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Parties one authority lists and another does not, per listing authority and program.

    One row per (cluster, listing authority, program of that authority) where at least one
    authority present in the run does not list the party. `missing_from` names those
    authorities and `searched_publication_ids` the publications searched for them; the
    `on_*` flags make questions like "Russia-program parties OFAC designated that neither
    the EU nor the UK did" one filter: `authority = 'US' AND program = 'RUSSIA-EO14024'
    AND NOT on_eu AND NOT on_uk`.
    """
    present = present_authorities(clusters)
    members = _members(clusters)
    if members.is_empty():
        return pl.DataFrame(schema=COVERAGE_SCHEMA)
    listed = members.group_by("cluster_id").agg(listed_by=pl.col("authority").unique().sort())
    # every member, the US CSL's re-publications included, so a row leads to all records
    everyone = clusters.group_by("cluster_id").agg(all_members=pl.col("entity_id").unique().sort())
    listed = listed.join(everyone, on="cluster_id")
    flags = [
        pl.col("listed_by").list.contains(pl.lit(authority)).alias(flag)
        for authority, flag in FLAGS.items()
    ]
    missing = pl.concat_list(
        [
            pl.when(~pl.col("listed_by").list.contains(pl.lit(authority)))
            .then(pl.lit(authority))
            .otherwise(pl.lit(None, dtype=pl.String))
            for authority in present
        ]
    ).list.drop_nulls()
    listed = listed.with_columns(*flags, missing_from=missing).filter(
        pl.col("missing_from").list.len() > 0
    )
    programs = tables["sanctions"].select("entity_id", "program").unique()
    rows = members.join(listed.select("cluster_id"), on="cluster_id", how="semi").join(
        programs, on="entity_id", how="left"
    )
    grouped = rows.group_by("cluster_id", "authority", "program").agg(
        pl.col("entity_type").first(),
        pl.col("primary_name").sort_by("entity_id").first(),
        entity_ids=pl.col("entity_id").unique().sort(),
        publication_ids=pl.col("publication_id").unique().sort(),
    )
    searched = pl.DataFrame(
        {"authority": list(present), "publication_ids": list(present.values())},
        schema={"authority": pl.String, "publication_ids": pl.List(pl.String)},
    )
    searched_by_cluster = (
        listed.select("cluster_id", authority="missing_from")
        .explode("authority")
        .join(searched, on="authority")
        .explode("publication_ids")
        .group_by("cluster_id")
        .agg(searched_publication_ids=pl.col("publication_ids").unique().sort())
    )
    out = (
        grouped.join(listed, on="cluster_id")
        .join(searched_by_cluster, on="cluster_id", how="left")
        .with_columns(
            other_entity_ids=pl.col("all_members").list.set_difference("entity_ids").list.sort()
        )
    )
    return (
        out.select(list(COVERAGE_SCHEMA))
        .cast(COVERAGE_SCHEMA)
        .sort("cluster_id", "authority", "program", nulls_last=True)
    )


LAG_SCHEMA = {
    "cluster_id": pl.String,
    "authority": pl.String,
    "listed_on": pl.Date,
    "first_authority": pl.String,
    "first_listed_on": pl.Date,
    "lag_days": pl.Int64,
    "authorities": pl.List(pl.String),
    "entity_type": pl.String,
    "primary_name": pl.String,
    "entity_ids": pl.List(pl.String),
    "publication_ids": pl.List(pl.String),
}


def lag(clusters: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """For parties on several authorities: each authority's listing date and its lag in days
    behind the first authority that listed the party (null where a list gives no date)."""
    members = _members(clusters).join(_listed_on(tables), on="entity_id", how="left")
    per = members.group_by("cluster_id", "authority").agg(
        listed_on=pl.col("listed_on").min(),
        entity_type=pl.col("entity_type").first(),
        primary_name=pl.col("primary_name").sort_by("entity_id").first(),
        entity_ids=pl.col("entity_id").unique().sort(),
        publication_ids=pl.col("publication_id").unique().sort(),
    )
    per = per.with_columns(
        authorities=pl.col("authority").unique().sort().implode().over("cluster_id")
    ).filter(pl.col("authorities").list.len() > 1)
    dated = per.filter(pl.col("listed_on").is_not_null())
    first = (
        dated.sort("listed_on", "authority")
        .group_by("cluster_id", maintain_order=True)
        .agg(
            first_authority=pl.col("authority").first(), first_listed_on=pl.col("listed_on").first()
        )
    )
    out = per.join(first, on="cluster_id", how="left").with_columns(
        lag_days=(pl.col("listed_on") - pl.col("first_listed_on")).dt.total_days()
    )
    return out.select(list(LAG_SCHEMA)).cast(LAG_SCHEMA).sort("cluster_id", "authority")


CONFLICT_EXTRA = {"left_authority": pl.String, "right_authority": pl.String}


def conflicts(cluster_conflicts: pl.DataFrame) -> pl.DataFrame:
    """Attribute conflicts between two authorities about one party (from `cluster_conflicts`:
    disagreements inside one authority, or with the US CSL, are left there)."""
    tagged = cluster_conflicts.with_columns(
        left_authority=authority_of(pl.col("left_source")),
        right_authority=authority_of(pl.col("right_source")),
    )
    between = tagged.filter(
        pl.col("left_authority").is_not_null()
        & pl.col("right_authority").is_not_null()
        & (pl.col("left_authority") != pl.col("right_authority"))
        & (pl.col("attribute") != "same_source_members")
    )
    return between.sort("cluster_id", "attribute", "left_entity_id", "right_entity_id")


def divergence_tables(
    clusters: pl.DataFrame, cluster_conflicts: pl.DataFrame, tables: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """The three divergence tables of CONTRACT.md (coverage in a thread beside the others:
    polars releases the GIL, so on 2 cores one's Python overlaps the other's work)."""
    with ThreadPoolExecutor(1, thread_name_prefix="divergence") as pool:
        covered = pool.submit(coverage, clusters, tables)
        lagging = lag(clusters, tables)
        return {
            "divergence_coverage": covered.result(),
            "divergence_lag": lagging,
            "divergence_conflicts": conflicts(cluster_conflicts),
        }


def reconcile(
    tables: Mapping[str, pl.DataFrame],
    previous_clusters: pl.DataFrame | None = None,
    memo: TypeMemo | None = None,
) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    """Canonical tables of every source → the six reconciliation tables of CONTRACT.md
    (clusters, cluster_links, cluster_conflicts and the three divergence tables) and the
    matcher's counts. `previous_clusters` keeps party IDs stable across runs; `memo` keeps
    each entity type's scored links for the next run (`reconcile.memo`)."""
    resolution = resolve(tables, previous_clusters, memo=memo)
    out = {
        "clusters": resolution.clusters,
        "cluster_links": resolution.links,
        "cluster_conflicts": resolution.conflicts,
        **divergence_tables(resolution.clusters, resolution.conflicts, dict(tables)),
    }
    return out, resolution.stats
