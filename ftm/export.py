"""Canonical tables → FtM entities, one JSON object per line (`entities.ftm.json`).

Every source record becomes one entity whose ID is its canonical `entity_id`
(`<source>-<publisher's own id>`). Satellite records get entities of their own, with IDs
derived from their holder and content: `Sanction`, `Passport` / `Identification`,
`Address`, and `Ownership` / `Directorship` / `Family` / `UnknownLink` for relationships.

Reconciled clusters are expressed as canonical entities: the cluster's `party-…` ID, the
members' properties merged, and `referents` naming every member. Why not `sameAs`: FtM 4 has
no such property (sameness is a resolver judgement in nomenklatura), while `referents` is
how FtM's statement entities, and the consolidated exports of the field, say "these source
records are one party"; consumers that want one row per party read the canonical entity,
those that want the lists as published skip entities with `referents`.

A value the FtM type of its property rejects (a country code FtM does not know, an
unparseable date), or a value with no property in the entity's schema (a passport number on
an organization), is written to the entity's `notes` as `<field>: <value>` and counted in
`ExportStats.notes`, by reason: nothing is dropped.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:  # followthemoney is imported by the functions that build entities
    from followthemoney.proxy import EntityProxy

DATASET = "sanctions_etl"

# canonical entity_type → FtM schema (organizations: see `_org_schema`)
SCHEMA_OF = {
    "person": "Person",
    "organization": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
}
# identifiers that make an organization a registered company (FtM `Company`)
COMPANY_IDS = {"registration", "tax_id", "lei", "swift_bic"}

# name_type → FtM property
NAME_PROP = {
    "primary": "name",
    "primary_variation": "name",
    "alias": "alias",
    "nka": "alias",
    "translation": "alias",
    "original_script": "alias",
    "fka": "previousName",
    "weak_alias": "weakAlias",
}
# id_type → FtM property on the holder, in order of preference (first one the schema has)
ID_PROPS: dict[str, tuple[str, ...]] = {
    "passport": ("passportNumber", "idNumber"),
    "national_id": ("idNumber",),
    "tax_id": ("taxNumber",),
    "registration": ("registrationNumber",),
    "imo": ("imoNumber",),
    "mmsi": ("mmsi",),
    "swift_bic": ("swiftBic",),
    "lei": ("leiCode",),
    "email": ("email",),
    "website": ("website",),
    "phone": ("phone",),
    "call_sign": ("callSign",),
    "aircraft_serial": ("serialNumber",),
    "aircraft_tail": ("registrationNumber",),
}
# id_types that also get a document entity of their own
DOCUMENT_SCHEMA = {"passport": "Passport", "national_id": "Identification"}
# country relation → FtM property, in order of preference
COUNTRY_PROPS: dict[str, tuple[str, ...]] = {
    "nationality": ("nationality", "country"),
    "citizenship": ("citizenship", "country"),
    "birth": ("birthCountry", "country"),
    "flag": ("flag", "country"),
    "jurisdiction": ("jurisdiction", "country"),
    "address": ("country",),
    "other": ("country",),
}
# attribute → FtM property where FtM has one; others go to notes as `attribute: value`
ATTRIBUTE_PROPS: dict[str, tuple[str, ...]] = {
    "gender": ("gender",),
    "title": ("title",),
    "vessel_type": ("type",),
    "vessel_flag": ("flag",),
    "vessel_tonnage": ("tonnage",),
    "gross_registered_tonnage": ("grossRegisteredTonnage",),
    "vessel_owner": (),
    "aircraft_model": ("model",),
    "aircraft_manufacturer": ("manufacturer",),
    "position": ("position",),
    "occupation": ("profession",),
}
# attributes that give the end of a listing (a Sanction's `endDate`)
END_DATE = {"end_date"}
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


@dataclass
class ExportStats:
    """What the export wrote: entities per schema, and values sent to notes per reason."""

    schemata: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    note_examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, reason: str, example: str) -> None:
        self.notes[reason] += 1
        examples = self.note_examples.setdefault(reason, [])
        if len(examples) < 5:
            examples.append(example)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entities": sum(self.schemata.values()),
            "schemata": dict(sorted(self.schemata.items())),
            "notes": dict(sorted(self.notes.items())),
            "note_examples": dict(sorted(self.note_examples.items())),
        }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


SNAPSHOT_SCHEME = "snapshot://"


class _Builder:
    """Adds values to proxies, sending what FtM cannot hold to notes (counted)."""

    def __init__(self, stats: ExportStats) -> None:
        self.stats = stats
        # FtM's cleaning is a pure function of (type, text, format) for every type but `entity`
        # (which refuses a reference to the entity itself): the same country, date, program or
        # name repeated across records is cleaned once
        self.cleaned: dict[tuple[str, str, str | None], str | None] = {}

    def put(self, proxy: EntityProxy, props: Iterable[str], value: Any, label: str) -> bool:
        """Add `value` under the first of `props` the schema has; otherwise to notes."""
        text = _text(value)
        if text is None:
            return False
        for name in props:
            prop = proxy.schema.get(name)
            if prop is None or prop.stub:
                continue
            if prop.type.name == "entity":
                cleaned = prop.type.clean(text, proxy=proxy, format=prop.format)
            else:
                key = (prop.type.name, text, prop.format)
                if key not in self.cleaned:
                    self.cleaned[key] = prop.type.clean(text, format=prop.format)
                cleaned = self.cleaned[key]
            if cleaned is None:
                self.to_notes(proxy, f"{label}: {text}", f"invalid {prop.type.name} ({label})")
                return False
            proxy.unsafe_add(prop, cleaned, cleaned=True)
            return True
        self.to_notes(proxy, f"{label}: {text}", f"no property in {proxy.schema.name} ({label})")
        return False

    def to_notes(self, proxy: EntityProxy, note: str, reason: str) -> None:
        # intervals (Sanction, Passport, links) have no `notes`: their `description` holds it
        prop = "notes" if "notes" in proxy.schema.properties else "description"
        proxy.add(prop, note)
        self.stats.note(reason, f"{proxy.id}: {note}")


def ftm_id(entity_id: str) -> str:
    """FtM ID of a canonical `entity_id`: FtM IDs allow no `_`, so the source part is written
    with `-` (`us_ofac_sdn-36` → `us-ofac-sdn-36`). Source names have no `-`, so the canonical
    ID is read back by the source prefix (`canonical_id`)."""
    source, _, own = entity_id.partition("-")
    return f"{source.replace('_', '-')}-{own}" if own else entity_id


def canonical_id(ftm: str, sources: Iterable[str]) -> str:
    """The canonical `entity_id` of an FtM ID written by `ftm_id` (given the source names)."""
    for source in sources:
        prefix = source.replace("_", "-") + "-"
        if ftm.startswith(prefix):
            return f"{source}-{ftm[len(prefix) :]}"
    return ftm


def _groups(df: pl.DataFrame | None, key: str = "entity_id") -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if df is None:
        return out
    for row in df.iter_rows(named=True):
        out[row[key]].append(row)
    return out


def _date(row: Mapping[str, Any]) -> str | None:
    """FtM date of a `birth_dates` row at its precision; None for a range across years."""
    start, end, precision = row["date_from"], row["date_to"], row["precision"]
    if start is None:
        return None
    if precision == "day":
        return start.isoformat()
    if precision == "month":
        return start.isoformat()[:7]
    if precision == "year" or (end is not None and start.year == end.year):
        return str(start.year)
    return None


def _org_schema(ids: list[dict[str, Any]]) -> str:
    """`Company` for an organization with a company identifier (registration, tax number,
    LEI, SWIFT BIC: registered, commercial), `Organization` otherwise."""
    return "Company" if any(r["id_type"] in COMPANY_IDS for r in ids) else "Organization"


def build_entities(tables: Mapping[str, pl.DataFrame]) -> tuple[list[dict[str, Any]], ExportStats]:
    """Every entity of the export as FtM dicts (validated by construction), sorted by ID."""
    from followthemoney import model
    from followthemoney.util import make_entity_id

    stats = ExportStats()
    b = _Builder(stats)
    entities = tables["entities"]
    urls = {}
    if "publications" in tables:
        for row in tables["publications"].iter_rows(named=True):
            url = row.get("url")
            if url and url.startswith(SNAPSHOT_SCHEME):
                # a shipped snapshot's address names our copy, not a web address: as an
                # entity value it would be a note that changes with every publication (every
                # entity "modified" in each delta). The publication is in index.json.
                stats.note("snapshot address left out of sourceUrl", url)
                url = None
            urls[row["publication_id"]] = url
    child = {
        name: _groups(tables.get(name))
        for name in (
            "names",
            "identifiers",
            "addresses",
            "birth_dates",
            "birth_places",
            "countries",
            "sanctions",
            "attributes",
        )
    }
    rels = _groups(tables.get("relationships"), "from_entity_id")
    proxies: dict[str, EntityProxy] = {}
    out: list[EntityProxy] = []

    for row in entities.iter_rows(named=True):
        eid = row["entity_id"]
        ids = child["identifiers"].get(eid, [])
        schema = SCHEMA_OF.get(row["entity_type"])
        if schema == "Organization":
            schema = _org_schema(ids)
        proxy = model.make_entity(schema or "LegalEntity")
        proxy.id = ftm_id(eid)
        if schema is None:
            b.to_notes(proxy, f"entity_type: {row['entity_type']}", "unknown entity_type")
        proxies[eid] = proxy
        url = urls.get(row["publication_id"])
        b.put(proxy, ["name"], row["primary_name"], "primary_name")
        b.put(proxy, ["topics"], "sanction", "topic")
        b.put(proxy, ["publisher"], row["source"], "source")
        b.put(proxy, ["sourceUrl"], url, "url")
        b.put(proxy, ["modifiedAt"], row["last_updated"], "last_updated")
        b.put(proxy, ["notes"], row["remarks"], "remarks")
        if row.get("unparsed_remarks"):
            b.to_notes(proxy, f"unparsed remarks: {row['unparsed_remarks']}", "unparsed remarks")
        for n in child["names"].get(eid, []):
            prop = "weakAlias" if n["quality"] in ("weak", "low") else NAME_PROP.get(n["name_type"])
            if prop is None:
                b.to_notes(proxy, f"name ({n['name_type']}): {n['name']}", "unknown name_type")
                continue
            b.put(proxy, [prop], n["name"], f"name {n['name_type']}")
            if proxy.schema.is_a("Person") and n["name_type"] == "primary":
                b.put(proxy, ["firstName"], n["given_name"], "given_name")
                b.put(proxy, ["lastName"], n["family_name"], "family_name")
        un_refs = []
        for i in ids:
            kind, value = i["id_type"], i["value"]
            if kind == "un_reference":
                un_refs.append(value)
            props = ID_PROPS.get(kind)
            if props is None:
                # list references, OFSI group IDs, crypto wallets, `other`: no FtM property
                # of their own, kept in notes with their label
                b.to_notes(proxy, f"{i['label'] or kind}: {value}", f"identifier {kind}")
                continue
            # IMO numbers as the check-digit-verified digits (CSL writes `IMO 9220639`)
            shown = i["normalized"] if kind == "imo" and i["normalized"] else value
            b.put(proxy, props, shown, f"identifier {kind}")
            doc_schema = DOCUMENT_SCHEMA.get(kind)
            if doc_schema and proxy.schema.is_a("LegalEntity"):
                doc = model.make_entity(doc_schema)
                doc.id = make_entity_id(eid, kind, value, i["country_code"], i["note"])
                b.put(doc, ["holder"], proxy.id, "holder")
                b.put(doc, ["number"], value, "number")
                b.put(doc, ["type"], i["label"] or kind, "label")
                b.put(doc, ["country"], i["country_code"], "country")
                b.put(doc, ["summary"], i["note"], "note")
                b.put(doc, ["publisher"], row["source"], "source")
                out.append(doc)
        for a in child["addresses"].get(eid, []):
            full = a["full_address"] or ", ".join(
                p
                for p in (a["street"], a["city"], a["region"], a["postal_code"], a["country_raw"])
                if p
            )
            if not full and not a["country_code"]:
                continue
            addr = model.make_entity("Address")
            addr.id = make_entity_id(eid, "address", full, a["country_code"])
            b.put(addr, ["full"], full, "full_address")
            b.put(addr, ["street"], a["street"], "street")
            b.put(addr, ["city"], a["city"], "city")
            b.put(addr, ["region"], a["region"], "region")
            b.put(addr, ["postalCode"], a["postal_code"], "postal_code")
            if a["country_code"]:
                b.put(addr, ["country"], a["country_code"], "address country")
            b.put(addr, ["summary"], a["note"], "note")
            b.put(addr, ["publisher"], row["source"], "source")
            out.append(addr)
            b.put(proxy, ["addressEntity"], addr.id, "address")
            b.put(proxy, ["address"], full, "address")
        for d in child["birth_dates"].get(eid, []):
            date = _date(d)
            if date is None:
                b.to_notes(proxy, f"birth date: {d['raw']}", "birth date range")
            else:
                b.put(proxy, ["birthDate"], date, "birth date")
        for p in child["birth_places"].get(eid, []):
            b.put(proxy, ["birthPlace"], p["place"], "birth place")
            if p["country_code"]:
                b.put(proxy, ["birthCountry", "country"], p["country_code"], "birth country")
        for c in child["countries"].get(eid, []):
            if c["country_code"] is None:
                b.to_notes(proxy, f"country ({c['relation']}): {c['raw']}", "country not resolved")
                continue
            props = COUNTRY_PROPS.get(c["relation"], ("country",))
            b.put(proxy, props, c["country_code"], f"country {c['relation']}")
        # the end of a listing where the source gives it (the CSL's `end_date`): the Sanction's
        # `endDate` below (delistings known only from the history: ftm/history_statements.py)
        ends = [a["value"] for a in child["attributes"].get(eid, []) if a["attribute"] in END_DATE]
        if not child["sanctions"].get(eid):
            for end in ends:  # no Sanction to carry it: kept, in notes
                b.to_notes(proxy, f"end_date: {end}", "end_date without a sanction")
        for at in child["attributes"].get(eid, []):
            if at["attribute"] in END_DATE:
                continue
            props = ATTRIBUTE_PROPS.get(at["attribute"])
            if props:
                b.put(proxy, props, at["value"], f"attribute {at['attribute']}")
            else:
                b.to_notes(
                    proxy, f"{at['attribute']}: {at['value']}", f"attribute {at['attribute']}"
                )
        for s in child["sanctions"].get(eid, []):
            sanction = model.make_entity("Sanction")
            sanction.id = make_entity_id(
                eid, "sanction", s["authority"], s["program"], s["legal_basis"], s["listed_on"]
            )
            b.put(sanction, ["entity"], proxy.id, "entity")
            b.put(sanction, ["authority"], s["authority"], "authority")
            b.put(sanction, ["program"], s["program"], "program")
            b.put(sanction, ["provisions"], s["legal_basis"], "legal_basis")
            b.put(sanction, ["listingDate"], s["listed_on"] or row["listed_on"], "listed_on")
            b.put(sanction, ["startDate"], s["listed_on"] or row["listed_on"], "listed_on")
            for end in ends:
                b.put(sanction, ["endDate"], end, "end_date")
            b.put(sanction, ["sourceUrl"], url, "url")
            b.put(sanction, ["publisher"], row["source"], "source")
            for ref in un_refs:
                b.put(sanction, ["unscId"], ref, "un_reference")
            out.append(sanction)
        out.append(proxy)

    for from_id, links in rels.items():
        holder = proxies.get(from_id)
        if holder is None:
            continue
        for r in links:
            target = proxies.get(r["to_entity_id"]) if r["to_entity_id"] else None
            if target is None:
                b.to_notes(
                    holder,
                    f"{r['relation']}: {r['to_name']}",
                    "relationship target not in the lists",
                )
                continue
            link = _link(b, holder, target, r["relation"])
            b.put(link, ["publisher"], holder.get("publisher"), "source")
            out.append(link)

    canonical = _clusters(b, tables.get("clusters"), proxies)
    records = _merged([p.to_dict() for p in out] + canonical)
    for rec in records:
        stats.schemata[rec["schema"]] += 1
    return sorted((_canonical_form(r) for r in records), key=lambda r: r["id"]), stats


def _merged(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entity per ID: satellites derived from the same content get the same ID (a UN
    passport the list writes under three language labels is one document), and their values
    are merged, so no label is lost and no ID appears twice."""
    from followthemoney import model

    by_id: dict[str, dict[str, Any]] = {}
    for rec in records:
        have = by_id.get(rec["id"])
        if have is None:
            by_id[rec["id"]] = {
                **rec,
                "properties": {k: list(v) for k, v in rec["properties"].items()},
            }
            continue
        have["schema"] = model.common_schema(have["schema"], rec["schema"]).name
        for prop, values in rec["properties"].items():
            have["properties"].setdefault(prop, []).extend(values)
    return list(by_id.values())


def _link(b: _Builder, holder: EntityProxy, target: EntityProxy, relation: str) -> EntityProxy:
    """The FtM interval for one relationship, by kind and by what the schemata allow."""
    from followthemoney import model
    from followthemoney.util import make_entity_id

    link_id = make_entity_id(holder.id, relation, target.id)
    if relation in OWNS and target.schema.is_a("Asset") and holder.schema.is_a("LegalEntity"):
        link = model.make_entity("Ownership")
        b.put(link, ["asset"], target.id, "asset")
        b.put(link, ["owner"], holder.id, "owner")
        b.put(link, ["role"], relation, "relation")
    elif (
        relation in OWNERSHIP and holder.schema.is_a("Asset") and target.schema.is_a("LegalEntity")
    ):
        link = model.make_entity("Ownership")
        b.put(link, ["asset"], holder.id, "asset")
        b.put(link, ["owner"], target.id, "owner")
        b.put(link, ["role"], relation, "relation")
    elif relation in FAMILY and holder.schema.is_a("Person") and target.schema.is_a("Person"):
        link = model.make_entity("Family")
        b.put(link, ["person"], holder.id, "person")
        b.put(link, ["relative"], target.id, "relative")
        b.put(link, ["relationship"], relation, "relation")
    elif (
        relation in DIRECTORSHIP
        and holder.schema.is_a("LegalEntity")
        and target.schema.is_a("Organization")
    ):
        link = model.make_entity("Directorship")
        b.put(link, ["director"], holder.id, "director")
        b.put(link, ["organization"], target.id, "organization")
        b.put(link, ["role"], relation, "relation")
    else:
        link = model.make_entity("UnknownLink")
        b.put(link, ["subject"], holder.id, "subject")
        b.put(link, ["object"], target.id, "object")
        b.put(link, ["role"], relation, "relation")
    link.id = link_id
    return link


def _clusters(
    b: _Builder, clusters: pl.DataFrame | None, proxies: Mapping[str, EntityProxy]
) -> list[dict[str, Any]]:
    """One canonical entity per cluster of two or more members, with `referents`."""
    from followthemoney import Dataset, StatementEntity, model

    if clusters is None:
        return []
    dataset = Dataset.make({"name": DATASET, "title": DATASET})
    out = []
    multi = clusters.filter(pl.col("cluster_size") > 1)
    for (cluster_id,), members in multi.group_by("cluster_id"):
        found = [proxies[m] for m in sorted(members["entity_id"]) if m in proxies]
        if len(found) < 2:
            continue
        schema = found[0].schema
        for p in found[1:]:
            schema = model.common_schema(schema, p.schema)
        canon = model.make_entity(schema)
        canon.id = str(cluster_id)
        for p in found:
            for prop, value in p.itervalues():
                if prop.name in canon.schema.properties and prop.name != "notes":
                    canon.unsafe_add(canon.schema.properties[prop.name], value, cleaned=True)
        entity = StatementEntity.from_data(
            dataset, {**canon.to_dict(), "referents": [p.id for p in found]}
        )
        data = entity.to_dict()
        data.pop("datasets", None)
        data.pop("caption", None)
        out.append(data)
    return out


def _canonical_form(data: dict[str, Any]) -> dict[str, Any]:
    """Sorted values and keys, so one version's export is byte-identical when rebuilt."""
    out = {"id": data["id"], "schema": data["schema"]}
    if data.get("referents"):
        out["referents"] = sorted(data["referents"])
    out["properties"] = {k: sorted(set(v)) for k, v in sorted(data["properties"].items())}
    return out


def to_lines(entities: Iterable[Mapping[str, Any]]) -> bytes:
    """JSON lines, one entity each (UTF-8, keys in a fixed order)."""
    return b"".join(
        json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for e in entities
    )


def read_lines(data: bytes) -> Iterator[dict[str, Any]]:
    """The entities of an `entities.ftm.json`."""
    for line in data.splitlines():
        if line.strip():
            yield json.loads(line)
