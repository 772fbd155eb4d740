"""The entities between parties: relationships as FtM intervals, and reconciled clusters as
canonical entities with `referents` (see `ftm/export.py` for why). Both are built from the
parties' own entities, so the export's memo (`ftm/memo.py`) can serve them too."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from followthemoney.proxy import EntityProxy

    from ftm.export import _Builder
    from ftm.memo import EntityMemo

DATASET = "sanctions_etl"
CLUSTERS = "_clusters"  # the memo's name for the clusters (no list has it)
# relationship kinds (canonical `relation`, OFAC's relationship types)
OWNERSHIP = {"owned_or_controlled_by", "owned_by", "controlled_by", "parent_company"}
# the holder owns the target
OWNS = {"subsidiary"}
FAMILY = {
    "family",
    "relative_of",
    "spouse_of",
    "sibling_of",
    "son_of",
    "daughter_of",
    "child_of",
    "parent_of",
    "family_member_of",
}
DIRECTORSHIP = {
    "leader_official_of",
    "principal_executive_officer",
    "director_of",
    "senior_official_of",
}


def link(
    b: _Builder, holder: EntityProxy, target_id: str, target_schema: str, relation: str
) -> EntityProxy:
    """The FtM interval for one relationship, by kind and by what the schemata allow (the
    target given by its FtM ID and schema)."""
    from followthemoney import model
    from followthemoney.util import make_entity_id

    target = model.get(target_schema)
    assert target is not None, target_schema
    link_id = make_entity_id(holder.id, relation, target_id)
    if relation in OWNS and target.is_a("Asset") and holder.schema.is_a("LegalEntity"):
        out = model.make_entity("Ownership")
        b.put(out, ["asset"], target_id, "asset")
        b.put(out, ["owner"], holder.id, "owner")
        b.put(out, ["role"], relation, "relation")
    elif relation in OWNERSHIP and holder.schema.is_a("Asset") and target.is_a("LegalEntity"):
        out = model.make_entity("Ownership")
        b.put(out, ["asset"], holder.id, "asset")
        b.put(out, ["owner"], target_id, "owner")
        b.put(out, ["role"], relation, "relation")
    elif relation in FAMILY and holder.schema.is_a("Person") and target.is_a("Person"):
        out = model.make_entity("Family")
        b.put(out, ["person"], holder.id, "person")
        b.put(out, ["relative"], target_id, "relative")
        b.put(out, ["relationship"], relation, "relation")
    elif (
        relation in DIRECTORSHIP
        and holder.schema.is_a("LegalEntity")
        and target.is_a("Organization")
    ):
        out = model.make_entity("Directorship")
        b.put(out, ["director"], holder.id, "director")
        b.put(out, ["organization"], target_id, "organization")
        b.put(out, ["role"], relation, "relation")
    else:
        out = model.make_entity("UnknownLink")
        b.put(out, ["subject"], holder.id, "subject")
        b.put(out, ["object"], target_id, "object")
        b.put(out, ["role"], relation, "relation")
    out.id = link_id
    return out


def clusters(
    table: pl.DataFrame | None,
    members: Mapping[str, tuple[str, str]],
    memo: EntityMemo,
) -> list[str]:
    """One canonical entity per cluster of two or more members, with `referents` (JSON lines).

    `members`: per entity ID, its party's memo key and its JSON line. A cluster's
    entity depends only on its ID and its members' entities: its memo key is the hash of the
    ID and of the members' keys."""
    from ftm.export import _canonical_form, _line

    if table is None:
        return []
    memo.load([CLUSTERS])
    out = []
    groups: dict[str, list[str]] = {}
    multi = table.filter(pl.col("cluster_size") > 1).select("cluster_id", "entity_id")
    for cluster_id, entity_id in multi.iter_rows():
        groups.setdefault(cluster_id, []).append(entity_id)
    for cluster_id, group in groups.items():
        found = [m for m in sorted(group) if m in members]
        if len(found) < 2:
            continue
        digest = hashlib.sha256(f"{memo.code}\0{cluster_id}".encode())
        for m in found:
            digest.update(f"\0{m}\0{members[m][0]}".encode())
        key = digest.hexdigest()
        (cached,) = memo.get_many([CLUSTERS], [key])
        if cached is None:
            record = _cluster(str(cluster_id), [json.loads(members[m][1]) for m in found])
            cached = {"lines": _line(_canonical_form(record))}
            memo.put(CLUSTERS, key, cached)
        out.append(cached["lines"])
    return out


def _cluster(cluster_id: str, found: list[dict[str, Any]]) -> dict[str, Any]:
    from followthemoney import Dataset, StatementEntity, model

    dataset = Dataset.make({"name": DATASET, "title": DATASET})
    proxies = [model.get_proxy(m) for m in found]
    schema = proxies[0].schema
    for p in proxies[1:]:
        schema = model.common_schema(schema, p.schema)
    canon = model.make_entity(schema)
    canon.id = cluster_id
    for p in proxies:
        for prop, value in p.itervalues():
            if prop.name in canon.schema.properties and prop.name != "notes":
                canon.unsafe_add(canon.schema.properties[prop.name], value, cleaned=True)
    entity = StatementEntity.from_data(
        dataset, {**canon.to_dict(), "referents": [p.id for p in proxies]}
    )
    data = entity.to_dict()
    data.pop("datasets", None)
    data.pop("caption", None)
    return data
