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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ftm.memo import CHILDREN, NOTE_EXAMPLES, USED, Notes, heads, party_view, schemata

if TYPE_CHECKING:  # followthemoney is imported by the functions that build entities
    from followthemoney.proxy import EntityProxy


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


@dataclass
class ExportStats:
    """What the export wrote: entities per schema, and values sent to notes per reason."""

    schemata: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    note_examples: dict[str, list[str]] = field(default_factory=dict)
    # parties taken from the memo or built (`ftm/memo.py`): not part of the export's output
    memo: dict[str, int] = field(default_factory=dict)

    def note(self, reason: str, example: str) -> None:
        self.notes[reason] += 1
        examples = self.note_examples.setdefault(reason, [])
        if len(examples) < NOTE_EXAMPLES:
            examples.append(example)

    def replay(self, payload: dict[str, Any], kind: str) -> None:
        """Count the notes of one party's build (`kind`: `notes` or `rel_notes`, compacted by
        `Notes.compact`); its examples are decoded only for reasons still short of them."""
        wanting = []
        for reason, n in payload[kind]:
            self.notes[reason] += n
            if len(self.note_examples.setdefault(reason, [])) < NOTE_EXAMPLES:
                wanting.append(reason)
        if not wanting:
            return
        if isinstance(payload["examples"], str):
            payload["examples"] = json.loads(payload["examples"])
        for reason in wanting:
            kept = self.note_examples[reason]
            kept.extend(payload["examples"][kind][reason][: NOTE_EXAMPLES - len(kept)])

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


ADDRESS_LEFT_OUT = "publication address left out of sourceUrl"


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


@dataclass
class Export:
    """A whole export: its JSON lines sorted by ID (`data()` is `entities.ftm.json`), what
    it counted, and per party the values its list's metrics read (`ftm.assertions`)."""

    lines: pl.Series
    stats: ExportStats
    parties: list[dict[str, Any]]

    def data(self) -> bytes:
        if self.lines.is_empty():
            return b""
        return (self.lines.str.join("\n").item() + "\n").encode()

    def entities(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


def build_entities(
    tables: Mapping[str, pl.DataFrame], memo: Path | None = None
) -> tuple[list[dict[str, Any]], ExportStats]:
    """Every entity of the export as FtM dicts (validated by construction), sorted by ID."""
    export = build_export(tables, memo)
    return export.entities(), export.stats


def build_export(
    tables: Mapping[str, pl.DataFrame], memo: Path | None = None, lines_only: bool = False
) -> Export:
    """The export of `tables` (`build_entities`), as JSON lines.

    `memo`: a folder (`warehouse/ftm_entities`) where each party's entities are kept by a
    hash of what they are built from (`ftm/memo.py`); a party whose rows did not change is
    taken from there, not rebuilt (nor decoded). The output is the same byte for byte.
    `lines_only`: only the lines are wanted (the statements of a publication): what the memo
    keeps beside them is not decoded, nor the notes counted; `stats` then counts the entities
    by schema only, and `parties` holds those of merged duplicates only."""
    from ftm.links import clusters
    from ftm.memo import EntityMemo, party_keys

    stats = ExportStats()
    b = _Builder(stats)
    entities = tables["entities"]
    # a publication's address (the publisher's URL it was fetched from, or a shipped
    # snapshot's `snapshot://<date>/…`) is provenance of the publication, not a value of each
    # party: as one it would change every party of a list whenever the address does (every
    # entity "modified" in the delta, none reused from the memo). It is in the `publications`
    # table, manifest.json and index.json (`lists[].publisher_url`); counted here.
    if "publications" in tables and "url" in tables["publications"].columns:
        for url in tables["publications"]["url"].drop_nulls():
            stats.note(ADDRESS_LEFT_OUT, url)
    schema_of = schemata(entities, tables.get("identifiers"))
    eids = entities["entity_id"].to_list()
    sources = entities["source"].to_list()
    last = {eid: i for i, eid in enumerate(eids)}  # the row whose proxy holds the links
    keys = party_keys(tables, USED, schema_of)
    cache = EntityMemo(memo)
    cache.load(set(sources))
    payloads = cache.get_many(sources, keys, metas=not lines_only)
    missing = [i for i, p in enumerate(payloads) if p is None]
    if missing:
        wanted = pl.Series([eids[i] for i in missing])
        child = {
            name: _groups(_used(tables.get(name), name, "entity_id", wanted)) for name in CHILDREN
        }
        rels = _groups(
            _used(tables.get("relationships"), "relationships", "from_entity_id", wanted),
            "from_entity_id",
        )
        rows = entities.select("entity_id", *USED["entities"])
        for i in missing:
            eid = eids[i]
            links = rels.get(eid, []) if last[eid] == i else []
            payload = _party(
                b,
                rows.row(i, named=True),
                {name: child[name].get(eid, []) for name in CHILDREN},
                [(r, schema_of.get(r["to_entity_id"] or "")) for r in links],
            )
            payloads[i] = payload
            cache.put(sources[i], keys[i], payload)
    b.stats = stats
    relationships = tables.get("relationships")
    if lines_only:
        parties = []
    else:
        # the notes in the order a whole build counts them: each party's, then the links'
        for payload in payloads:
            stats.replay(payload, "notes")  # type: ignore[arg-type]
        if relationships is not None:
            for holder in relationships["from_entity_id"].unique(maintain_order=True):
                if holder in last:
                    stats.replay(payloads[last[holder]], "rel_notes")  # type: ignore[arg-type]
        parties = [p["party"] for p in payloads]  # type: ignore[index]
    # a party's own entity is the last of its lines
    members = {eids[i]: (keys[i], payloads[i]["lines"].rpartition("\n")[2]) for i in last.values()}  # type: ignore[index]
    texts = [p["lines"] for p in payloads] + clusters(tables.get("clusters"), members, cache)  # type: ignore[index]
    cache.save()
    stats.memo = cache.counts()
    frame = heads(pl.DataFrame({"line": texts}, schema={"line": pl.String}))
    twice = frame["id"].is_duplicated()
    if twice.any():  # an entity ID given twice in the tables: merged
        ids = set(frame.filter(twice)["id"])
        merged = [
            _canonical_form(r) for r in _merged(json.loads(x) for x in frame.filter(twice)["line"])
        ]
        frame = pl.concat(
            [
                frame.filter(~twice),
                pl.DataFrame(
                    {
                        "line": [_line(r) for r in merged],
                        "id": [r["id"] for r in merged],
                        "schema": [r["schema"] for r in merged],
                    },
                    schema=frame.schema,
                ),
            ]
        )
        parties = [p for p in parties if p["id"] not in ids] + [
            r for r in merged if not r.get("referents")
        ]
    for schema, n in frame.group_by("schema").len().iter_rows():
        stats.schemata[schema] += n
    return Export(frame.sort("id")["line"], stats, parties)


def _line(record: Mapping[str, Any]) -> str:
    """One entity's JSON line, as `to_lines` writes it."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _used(df: pl.DataFrame | None, name: str, key: str, wanted: pl.Series) -> pl.DataFrame | None:
    """The rows of `wanted` entities, with the columns the export reads (`USED`) only."""
    if df is None:
        return None
    return df.filter(pl.col(key).is_in(wanted.implode())).select(key, *USED[name])


def _party(
    b: _Builder,
    row: Mapping[str, Any],
    child: Mapping[str, list[dict[str, Any]]],
    links: list[tuple[dict[str, Any], str | None]],
) -> dict[str, Any]:
    """One party's entities (canonical form: the party last) and the notes they counted:
    `notes` while the party was built, `rel_notes` while its links (to entities of the
    schema given beside each, None when not in the lists) were."""
    from followthemoney import model
    from followthemoney.util import make_entity_id

    from ftm.links import link as make_link

    notes, rel_notes = Notes(), Notes()
    b.stats = notes  # type: ignore[assignment]
    out: list[EntityProxy] = []
    eid = row["entity_id"]
    ids = child["identifiers"]
    schema = SCHEMA_OF.get(row["entity_type"])
    if schema == "Organization":
        schema = _org_schema(ids)
    proxy = model.make_entity(schema or "LegalEntity")
    proxy.id = ftm_id(eid)
    if schema is None:
        b.to_notes(proxy, f"entity_type: {row['entity_type']}", "unknown entity_type")
    b.put(proxy, ["name"], row["primary_name"], "primary_name")
    b.put(proxy, ["topics"], "sanction", "topic")
    b.put(proxy, ["publisher"], row["source"], "source")
    b.put(proxy, ["modifiedAt"], row["last_updated"], "last_updated")
    b.put(proxy, ["notes"], row["remarks"], "remarks")
    if row.get("unparsed_remarks"):
        b.to_notes(proxy, f"unparsed remarks: {row['unparsed_remarks']}", "unparsed remarks")
    for n in child["names"]:
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
    for a in child["addresses"]:
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
    for d in child["birth_dates"]:
        date = _date(d)
        if date is None:
            b.to_notes(proxy, f"birth date: {d['raw']}", "birth date range")
        else:
            b.put(proxy, ["birthDate"], date, "birth date")
    for p in child["birth_places"]:
        b.put(proxy, ["birthPlace"], p["place"], "birth place")
        if p["country_code"]:
            b.put(proxy, ["birthCountry", "country"], p["country_code"], "birth country")
    for c in child["countries"]:
        if c["country_code"] is None:
            b.to_notes(proxy, f"country ({c['relation']}): {c['raw']}", "country not resolved")
            continue
        props = COUNTRY_PROPS.get(c["relation"], ("country",))
        b.put(proxy, props, c["country_code"], f"country {c['relation']}")
    # the end of a listing where the source gives it (the CSL's `end_date`): the Sanction's
    # `endDate` below (delistings known only from the history: ftm/history_statements.py)
    ends = [a["value"] for a in child["attributes"] if a["attribute"] in END_DATE]
    if not child["sanctions"]:
        for end in ends:  # no Sanction to carry it: kept, in notes
            b.to_notes(proxy, f"end_date: {end}", "end_date without a sanction")
    for at in child["attributes"]:
        if at["attribute"] in END_DATE:
            continue
        props = ATTRIBUTE_PROPS.get(at["attribute"])
        if props:
            b.put(proxy, props, at["value"], f"attribute {at['attribute']}")
        else:
            b.to_notes(proxy, f"{at['attribute']}: {at['value']}", f"attribute {at['attribute']}")
    for s in child["sanctions"]:
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
        b.put(sanction, ["publisher"], row["source"], "source")
        for ref in un_refs:
            b.put(sanction, ["unscId"], ref, "un_reference")
        out.append(sanction)
    out.append(proxy)
    b.stats = rel_notes  # type: ignore[assignment]
    for r, target_schema in links:
        if target_schema is None:
            b.to_notes(
                proxy, f"{r['relation']}: {r['to_name']}", "relationship target not in the lists"
            )
            continue
        link = make_link(b, proxy, ftm_id(r["to_entity_id"]), target_schema, r["relation"])
        b.put(link, ["publisher"], proxy.first("publisher"), "source")
        out.append(link)
    records = [_canonical_form(r) for r in _merged(p.to_dict() for p in out)]
    records.sort(key=lambda r: r["id"] == proxy.id)  # stable: the party last
    (counts, examples), (rel_counts, rel_examples) = notes.compact(), rel_notes.compact()
    return {
        "lines": "\n".join(_line(r) for r in records),
        "notes": counts,
        "rel_notes": rel_counts,
        "party": party_view(records[-1]),
        "examples": {"notes": examples, "rel_notes": rel_examples},
    }


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


def _canonical_form(data: dict[str, Any]) -> dict[str, Any]:
    """Sorted values and keys, so one version's export is byte-identical when rebuilt."""
    out = {"id": data["id"], "schema": data["schema"]}
    if data.get("referents"):
        out["referents"] = sorted(data["referents"])
    out["properties"] = {k: sorted(set(v)) for k, v in sorted(data["properties"].items())}
    return out


def to_lines(entities: Iterable[Mapping[str, Any]]) -> bytes:
    """JSON lines, one entity each (UTF-8, keys in a fixed order)."""
    return b"".join(_line(e).encode() + b"\n" for e in entities)


def read_lines(data: bytes) -> Iterator[dict[str, Any]]:
    """The entities of an `entities.ftm.json`."""
    for line in data.splitlines():
        if line.strip():
            yield json.loads(line)
