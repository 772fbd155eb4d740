"""Clusters, stable party IDs and the conflicts inside clusters.

Clusters are connected components (union-find over the entities a link names): deterministic
links first, then scored links by descending score. A scored link that would put two entries
of one listing unit in one cluster is refused — a publisher lists a party once — which stops
chains of fuzzy links from snowballing. Cluster IDs are stable across versions (`assign_cluster_ids`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import polars as pl

from reconcile.deterministic import SINGLE_VALUED, un_reference_expr
from reconcile.scoring import birth_ranges, party_gender

# Every attribute a `cluster_conflicts` row may name.
CONFLICT_ATTRIBUTES = ("same_source_members", "birth_date", "nationality", "gender", *SINGLE_VALUED)


def components_of(entities: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """entity_id, component: the groups `links` join (union-find, no constraint)."""
    linked = _linked(entities, links)
    ids = linked["entity_id"].to_list()
    groups = _Components(ids, ids)
    for a, b in links.select("left_entity_id", "right_entity_id").iter_rows():
        groups.union(a, b, exclusive=False)
    return _named(entities, groups, "component")


def _linked(entities: pl.DataFrame, *links: pl.DataFrame) -> pl.DataFrame:
    """The rows of `entities` a link names: the union-find runs over them alone (every other
    entity is a group of its own), not over a set per entity of every list."""
    named = pl.concat([df.select(e=side) for df in links for side in LINK_SIDES])
    return entities.filter(pl.col("entity_id").is_in(named["e"].implode()))


def _named(entities: pl.DataFrame, groups: _Components, column: str) -> pl.DataFrame:
    """entity_id (each once, in the order of `entities`) → `column`: its group's root (the
    group's smallest member), or itself when no link names it."""
    roots = {entity: groups.find(entity) for entity in groups.parent}
    return (
        entities.select(pl.col("entity_id").cast(pl.String))
        .unique(maintain_order=True)
        .with_columns(
            pl.col("entity_id").replace_strict(roots, default=pl.col("entity_id")).alias(column)
        )
    )


LINK_SIDES = ("left_entity_id", "right_entity_id")


# --- clusters -----------------------------------------------------------------------------


class _Components:
    """Union-find that remembers which listing units (`listing_units`) and which lists each
    component holds."""

    def __init__(
        self, ids: Iterable[str], sources: Iterable[str], lists: Iterable[str] | None = None
    ) -> None:
        self.parent: dict[str, str] = {}
        self.sources: dict[str, set[str]] = {}
        self.lists: dict[str, set[str]] = {}
        ids, sources = list(ids), list(sources)
        for entity, source, list_ in zip(ids, sources, lists or sources, strict=True):
            self.parent[entity] = entity
            self.sources[entity] = {source}
            self.lists[entity] = {list_}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str, exclusive: bool, strong: bool = False) -> bool:
        """Join a and b; with `exclusive`, refuse when both hold an entry of one unit, and,
        unless the link is `strong`, when both hold an entry of one list."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if exclusive and self.sources[ra] & self.sources[rb]:
            return False
        if exclusive and not strong and self.lists[ra] & self.lists[rb]:
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.sources[ra] |= self.sources.pop(rb)
        self.lists[ra] |= self.lists.pop(rb)
        return True


def cluster(
    entities: pl.DataFrame, deterministic: pl.DataFrame, probabilistic: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Group entities: (entity_id → group, smallest member), accepted links, refused count.

    `entities` carries `unit` (`listing_units`) and `source`: a scored link that would put two
    entries of one unit in one group is refused, and one that would put two entries of one
    list (two UN entries of different regimes) in one group is refused unless it is `strong`
    (the same primary name and the same birth date): an alias in the 80s and an overlapping
    birth range must not join a party to a second, wrong UN entry."""
    linked = _linked(entities, deterministic, probabilistic)
    components = _Components(
        linked["entity_id"].to_list(), linked["unit"].to_list(), linked["source"].to_list()
    )
    for a, b in (
        deterministic.sort("left_entity_id", "right_entity_id", "rule")
        .select("left_entity_id", "right_entity_id")
        .iter_rows()
    ):
        components.union(a, b, exclusive=False)
    ordered = probabilistic.sort(
        "score", "left_entity_id", "right_entity_id", descending=[True, False, False]
    )
    if "strong" not in ordered.columns:
        ordered = ordered.with_columns(strong=pl.lit(False))
    accepted: list[bool] = []
    for a, b, strong in ordered.select("left_entity_id", "right_entity_id", "strong").iter_rows():
        accepted.append(components.union(a, b, exclusive=True, strong=bool(strong)))
    kept = ordered.filter(pl.Series(accepted, dtype=pl.Boolean)) if accepted else ordered
    kept = kept.drop("strong")
    groups = _named(entities, components, "group")
    links = pl.concat([deterministic, kept]).sort("left_entity_id", "right_entity_id", "rule")
    return groups, links, len(accepted) - int(sum(accepted))


def _mint(entity_id: str, salt: int = 0) -> str:
    seed = entity_id if salt == 0 else f"{entity_id}#{salt}"
    return "party-" + hashlib.sha256(seed.encode()).hexdigest()[:16]


def assign_cluster_ids(
    new_clusters: pl.DataFrame, previous_clusters: pl.DataFrame | None
) -> pl.DataFrame:
    """Stable party IDs: `new_clusters` (entity_id, group) → + cluster_id.

    A new cluster reuses the ID of a previous cluster it shares members with. When several
    new clusters claim one previous ID (a split) or one new cluster could take several (a
    merge), pairs are granted greedily by most shared members, then by the previous ID, then
    by the new cluster's smallest member — so the outcome does not depend on row order. A
    cluster left without a previous ID gets `party-` + a hash of its smallest member, salted
    until it collides with no ID in use now or before.
    """
    groups = new_clusters.select("entity_id", "group")
    smallest = groups.group_by("group").agg(first=pl.col("entity_id").min())
    assigned: dict[str, str] = {}
    used: set[str] = set()
    if previous_clusters is not None and not previous_clusters.is_empty():
        previous = previous_clusters.select("entity_id", "cluster_id").unique()
        used |= set(previous["cluster_id"].to_list())
        overlap = (
            groups.join(previous, on="entity_id")
            .group_by("group", "cluster_id")
            .len("shared")
            .join(smallest, on="group")
            .sort(["shared", "cluster_id", "first"], descending=[True, False, False])
        )
        taken: set[str] = set()
        for group, cluster_id in overlap.select("group", "cluster_id").iter_rows():
            if group in assigned or cluster_id in taken:
                continue
            assigned[group] = cluster_id
            taken.add(cluster_id)
    for group, first in smallest.sort("first").iter_rows():
        if group in assigned:
            continue
        salt = 0
        candidate = _mint(first)
        while candidate in used:
            salt += 1
            candidate = _mint(first, salt)
        assigned[group] = candidate
        used.add(candidate)
    ids = pl.DataFrame(
        {"group": list(assigned), "cluster_id": list(assigned.values())},
        schema={"group": pl.String, "cluster_id": pl.String},
    )
    return new_clusters.join(ids, on="group", how="left")


# --- conflicts ----------------------------------------------------------------------------

CONFLICT_SCHEMA = {
    "cluster_id": pl.String,
    "attribute": pl.String,
    "left_entity_id": pl.String,
    "left_source": pl.String,
    "left_publication_id": pl.String,
    "left_values": pl.String,
    "right_entity_id": pl.String,
    "right_source": pl.String,
    "right_publication_id": pl.String,
    "right_values": pl.String,
}


def _member_pairs(members: pl.DataFrame) -> pl.DataFrame:
    right = members.select(
        "cluster_id",
        right_entity_id="entity_id",
        right_source="source",
        right_publication_id="publication_id",
    )
    multi = members.filter(pl.len().over("cluster_id") > 1)
    return (
        multi.select(
            "cluster_id",
            left_entity_id="entity_id",
            left_source="source",
            left_publication_id="publication_id",
        )
        .join(right.filter(pl.len().over("cluster_id") > 1), on="cluster_id")
        .filter(pl.col("left_entity_id") < pl.col("right_entity_id"))
    )


def _conflict_rows(
    pairs: pl.DataFrame, attribute: str, left_values: pl.Expr, right_values: pl.Expr
) -> pl.DataFrame:
    """Member pairs as `cluster_conflicts` rows: what each side states about `attribute`."""
    return pairs.select(
        "cluster_id",
        attribute=pl.lit(attribute),
        left_entity_id="left_entity_id",
        left_source="left_source",
        left_publication_id="left_publication_id",
        left_values=left_values,
        right_entity_id="right_entity_id",
        right_source="right_source",
        right_publication_id="right_publication_id",
        right_values=right_values,
    )


def _value_conflicts(pairs: pl.DataFrame, values: pl.DataFrame, attribute: str) -> pl.DataFrame:
    """Pairs whose members both state `values` (entity_id, value) and share none."""
    sets = values.group_by("entity_id").agg(pl.col("value").unique().sort())
    joined = pairs.join(sets, left_on="left_entity_id", right_on="entity_id")
    joined = joined.join(sets, left_on="right_entity_id", right_on="entity_id", suffix="_r")
    clash = joined.filter(pl.col("value").list.set_intersection("value_r").list.len() == 0)
    return _conflict_rows(
        clash, attribute, pl.col("value").list.join("; "), pl.col("value_r").list.join("; ")
    )


def cluster_conflicts(tables: Mapping[str, pl.DataFrame], clusters: pl.DataFrame) -> pl.DataFrame:
    """Attributes the members of one cluster state incompatibly, one row per member pair."""
    members = clusters.select("cluster_id", "entity_id", "source", "publication_id")
    pairs = _member_pairs(members)
    out: list[pl.DataFrame] = []
    if not pairs.is_empty():
        same_source = pairs.filter(pl.col("left_source") == pl.col("right_source"))
        out.append(
            _conflict_rows(
                same_source,
                "same_source_members",
                pl.col("left_entity_id"),
                pl.col("right_entity_id"),
            )
        )
        ranges = birth_ranges(tables["birth_dates"])
        dates = (
            pairs.join(ranges, left_on="left_entity_id", right_on="entity_id")
            .join(ranges, left_on="right_entity_id", right_on="entity_id", suffix="_r")
            .group_by(pairs.columns)
            .agg(
                overlap=((pl.col("lo") <= pl.col("hi_r")) & (pl.col("lo_r") <= pl.col("hi"))).any()
            )
            .filter(~pl.col("overlap"))
        )
        raw = (
            tables["birth_dates"]
            .group_by("entity_id")
            .agg(
                pl.col("raw")
                .fill_null(pl.col("date_from").cast(pl.String))
                .unique()
                .sort()
                .str.join("; ")
            )
        )
        dated = dates.join(raw, left_on="left_entity_id", right_on="entity_id").join(
            raw, left_on="right_entity_id", right_on="entity_id", suffix="_r"
        )
        out.append(_conflict_rows(dated, "birth_date", pl.col("raw"), pl.col("raw_r")))
        nationality = tables["countries"].filter(
            pl.col("relation").is_in(["nationality", "citizenship"])
            & pl.col("country_code").is_not_null()
        )
        out.append(
            _value_conflicts(
                pairs, nationality.select("entity_id", value="country_code"), "nationality"
            )
        )
        out.append(
            _value_conflicts(
                pairs, party_gender(tables).select("entity_id", value="gender"), "gender"
            )
        )
        ids = tables["identifiers"].filter(pl.col("id_type").is_in(SINGLE_VALUED))
        ids = ids.with_columns(
            value=pl.when(pl.col("id_type") == "un_reference")
            .then(un_reference_expr("value"))
            .otherwise(
                pl.coalesce("normalized", "value")
                .str.to_uppercase()
                .str.replace_all(r"[^0-9A-Z]", "")
                .str.replace_all(r"^IMO", "")
            )
        )
        for id_type in SINGLE_VALUED:
            chosen = ids.filter(pl.col("id_type") == id_type).select("entity_id", "value")
            out.append(_value_conflicts(pairs, chosen, id_type))
    if not out:
        return pl.DataFrame(schema=CONFLICT_SCHEMA)
    return (
        pl.concat([df.cast(CONFLICT_SCHEMA) for df in out])
        .unique()
        .sort("cluster_id", "attribute", "left_entity_id", "right_entity_id")
    )
