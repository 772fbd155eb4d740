"""OFAC Enhanced XML (SDN_ENHANCED.XML, CONS_ENHANCED.XML / .ZIP) → canonical tables.

Root `sanctionsData` (namespace `…/exports/ENHANCED_XML`): `publicationInfo` (`dataAsOf`),
`referenceValues` (refId lookup table, read by `ofac.reference`), `featureTypes`, then one
`entity` per listed party: `generalInfo` (entityType, remarks), `sanctionsLists` (with the
date the party was published on each), `sanctionsPrograms`, `sanctionsTypes`,
`legalAuthorities`, `names` (with translations into other scripts), `addresses`, typed
`features` (birth date, nationality, e-mail, ISIN, directives…), `identityDocuments` and
`relationships` (to other entities by ID).

The mapping follows the legacy parsers (`ofac.legacy_csv`, `ofac.classic_xml`): `entity_id` is `<source>-<entity id>`
(the legacy ent_num), documents and remark-like features are read by the legacy remarks
parser from the fragment the CSV would write (`Passport U00242309 (Turkey)`,
`Equity Ticker CHL US`), so both formats share one id_type vocabulary and normalisation.
What the Enhanced XML knows better is kept: ISO codes from its reference table, exact birth
date ranges, the kind of each relationship and the ID of the related party.

Pure: bytes in, `ParseResult` out. Unknown elements, reference values and feature types are
reported as `Unknown`, and their values kept (nothing is dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl
from lxml import etree

from core.canonical import ParseResult, entity_id
from core.errors import SourceFormatError
from core.xmlsafe import local, parse_xml, text
from core.zipsafe import ZipLimits, read_members
from ofac.constants import AUTHORITY
from ofac.features import STAGED_SCHEMAS, Walker, _children, _flag, _iso
from ofac.reference import ADDRESS_PARTS, ALIAS_TYPES, ENTITY_TYPES, NAME_PARTS
from ofac.remarks import parse_remarks

NAMESPACE = (
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ENHANCED_XML"
)
# The 2025-01-10 CONS_ENHANCED.XML holds 443 entities in 3,420,879 bytes (7,722 each); the
# newest SDN.CSV shipped here (2024-05-03) lists 14,965 entries, so the SDN Enhanced XML is
# about 116 MB. Four times that (room for growth and for richer entries) bounds what a zip
# member may inflate to: beyond it the payload is a zip bomb or not OFAC's file.
MAX_MEMBER_BYTES = 4 * 14_965 * 7_722

ENTITY_FIELDS = frozenset(
    {
        "generalInfo", "sanctionsLists", "sanctionsPrograms", "sanctionsTypes",
        "legalAuthorities", "names", "addresses", "features", "identityDocuments",
        "relationships",
    }
)  # fmt: skip
GENERAL_FIELDS = frozenset({"identityId", "entityType", "remarks"})
NAME_FIELDS = frozenset({"isPrimary", "aliasType", "isLowQuality", "translations"})
NAME_TRANSLATION_FIELDS = frozenset(
    {
        "isPrimary",
        "script",
        "formattedFirstName",
        "formattedLastName",
        "formattedFullName",
        "nameParts",
    }
)
ADDRESS_FIELDS = frozenset({"country", "translations"})
ADDRESS_TRANSLATION_FIELDS = frozenset({"isPrimary", "script", "addressParts"})
PUBLICATION_FIELDS = frozenset({"dataAsOf", "filters"})


def read_member(name: str, data: bytes, member: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """The one expected member of OFAC's zip, its declared and actual size bounded by `limit`
    (`core.zipsafe`, which also checks the CRC as it inflates)."""
    members = read_members(name, data, ZipLimits(member=limit, total=limit, members=1))
    if list(members) != [member]:
        found = list(members)
        raise SourceFormatError(
            name, "zip directory", f"expected one member {member}, found {found}"
        )
    return members[member]


class _Parser(Walker):
    """Walks one Enhanced XML document, entity by entity."""

    # --- one entity ---------------------------------------------------------------------------

    def entity(self, el: etree._Element, number: int) -> str | None:
        """Take or reject one `entity`; returns its id (None when it has no usable id)."""
        uid = el.get("id")
        where = f"entity {number} (id {uid})"
        fields = self.check(el, ENTITY_FIELDS, where)
        info = fields.get("generalInfo")
        general = {} if info is None else self.check(info, GENERAL_FIELDS, f"{where} generalInfo")
        type_raw, etype = self.refs.lookup(
            general.get("entityType"), "SDN TYPE", ENTITY_TYPES, f"{where} entityType"
        )
        primary = self.primary_name(fields.get("names"))
        lists = [
            (text(item), item.get("datePublished"))
            for item in self.items(fields.get("sanctionsLists"), "sanctionsList", where)
        ]
        programs = [
            v
            for item in self.items(fields.get("sanctionsPrograms"), "sanctionsProgram", where)
            if (v := text(item))
        ]
        self.staged["enhanced_entities"].append(
            {
                "id": int(uid) if uid and uid.isdigit() else None,
                "identity_id": text(general.get("identityId")),
                "entity_type": type_raw,
                "primary_name": primary,
                "lists": "; ".join(n for n, _ in lists if n),
                "programs": "; ".join(programs),
            }
        )
        if uid is None or not uid.isdigit():
            self.reject("entry", where, "missing or non-numeric entity id", el)
            return None
        if etype is None or not primary:
            reason = f"unknown entityType {type_raw!r}" if etype is None else "no primary name"
            self.reject("entry", where, reason, el)
            return uid
        eid = entity_id(self.source, uid)
        remark_text = text(general.get("remarks"))
        remarks = parse_remarks(remark_text)
        unparsed = self.out.add_remarks(eid, etype, remarks)
        for fragment in remarks.unparsed:
            self.unknown(f"{where} remarks", "remark fragment", fragment)
        listed = self.lists(eid, lists, where)
        self.programs(eid, programs, fields, where)
        self.names(eid, etype, self.items(fields.get("names"), "name", where), where)
        self.addresses(eid, self.items(fields.get("addresses"), "address", where), where)
        for feature in self.items(fields.get("features"), "feature", where):
            self.feature(eid, etype, int(uid), feature, where)
        for document in self.items(fields.get("identityDocuments"), "identityDocument", where):
            self.document(eid, etype, document, where)
        for relationship in self.items(fields.get("relationships"), "relationship", where):
            self.relationship(eid, int(uid), relationship, where)
        self.out.add(
            "entities",
            entity_id=eid,
            source_id=uid,
            entity_type=etype,
            primary_name=primary,
            listed_on=listed,
            remarks=remark_text,
            unparsed_remarks=unparsed,
        )
        return uid

    def primary_name(self, names: etree._Element | None) -> str | None:
        for name in names if names is not None else []:
            parts = _children(name)
            if _flag(parts.get("isPrimary")):
                for translation in parts.get("translations", []):
                    tparts = _children(translation)
                    if _flag(tparts.get("isPrimary")):
                        return text(tparts.get("formattedFullName"))
        return None

    def lists(
        self, eid: str, lists: list[tuple[str | None, str | None]], where: str
    ) -> date | None:
        """Lists the party is on (attributes); its listing date is the earliest publication."""
        dates: list[date] = []
        for name, published in lists:
            if not name:
                self.unknown(f"{where} sanctionsLists", "empty sanctionsList", published)
                continue
            self.out.add(
                "attributes",
                entity_id=eid,
                attribute="sanctions_list",
                value=name,
                origin=self.file,
            )
            try:
                dates.append(date.fromisoformat(published or ""))
            except ValueError:
                self.unknown(f"{where} sanctionsList {name}", "datePublished", published)
        return min(dates, default=None)

    def programs(self, eid: str, programs: list[str], fields: dict, where: str) -> None:
        """A sanctions row per program (legal basis: the entry's legal authorities) and the
        entry's sanctions types as attributes."""
        authorities = [
            v
            for item in self.items(fields.get("legalAuthorities"), "legalAuthority", where)
            if (v := text(item))
        ]
        for program in programs:
            self.out.add(
                "sanctions",
                entity_id=eid,
                authority=AUTHORITY,
                program=program,
                legal_basis="; ".join(authorities) or None,
                origin=self.file,
            )
        for item in self.items(fields.get("sanctionsTypes"), "sanctionsType", where):
            if value := text(item):
                self.out.add(
                    "attributes",
                    entity_id=eid,
                    attribute="sanctions_type",
                    value=value,
                    origin=self.file,
                )

    def names(self, eid: str, etype: str, names: list[etree._Element], where: str) -> None:
        """One name row per translation: the primary translation keeps the name's type
        (primary, alias, fka, nka), the others are `original_script`; low quality is `weak`."""
        for name in names:
            at = f"{where} name {name.get('id')}"
            parts = self.check(name, NAME_FIELDS, at)
            is_primary = bool(_flag(parts.get("isPrimary")))
            kind: str | None = "primary"
            if not is_primary:
                _, kind = self.refs.lookup(parts.get("aliasType"), "ALIAS TYPE", ALIAS_TYPES, at)
            low = _flag(parts.get("isLowQuality"))
            for translation in self.items(parts.get("translations"), "translation", at):
                tparts = self.check(translation, NAME_TRANSLATION_FIELDS, at)
                script = self.script(tparts.get("script"), at)
                for part in self.items(tparts.get("nameParts"), "namePart", at):
                    pparts = _children(part)
                    self.refs.lookup(pparts.get("type"), "NAME PART TYPE", NAME_PARTS, at)
                full = text(tparts.get("formattedFullName"))
                if not full or kind is None:
                    reason = "no formattedFullName" if not full else "unknown alias type"
                    self.reject("name", at, reason, translation)
                    continue
                first = text(tparts.get("formattedFirstName"))
                person = etype == "person" and first is not None
                self.out.add(
                    "names",
                    entity_id=eid,
                    name=full,
                    name_type=kind if _flag(tparts.get("isPrimary")) else "original_script",
                    quality=None if is_primary else ("weak" if low else "strong"),
                    script=script,
                    given_name=first if person else None,
                    family_name=text(tparts.get("formattedLastName")) if person else None,
                    origin=self.file,
                )

    def script(self, el: etree._Element | None, where: str) -> str | None:
        if el is None:
            return None
        ref = self.refs.get(el.get("refId"), "SCRIPT", f"{where} script")
        return ref.value if ref else text(el)

    def addresses(self, eid: str, addresses: list[etree._Element], where: str) -> None:
        """One address row per translation, laid out like the classic XML's address fields."""
        for address in addresses:
            at = f"{where} address {address.get('id')}"
            parts = self.check(address, ADDRESS_FIELDS, at)
            country_el = parts.get("country")
            ref = None
            if country_el is not None:
                ref = self.refs.get(country_el.get("refId"), "COUNTRY", f"{at} country")
            country = ref.value if ref else text(country_el)
            translations = self.items(parts.get("translations"), "translation", at) or [None]
            for translation in translations:
                columns: dict[str, list[str]] = {c: [] for c in set(ADDRESS_PARTS.values())}
                note = None
                if translation is not None:
                    tparts = self.check(translation, ADDRESS_TRANSLATION_FIELDS, at)
                    script = self.script(tparts.get("script"), at)
                    if _flag(tparts.get("isPrimary")) is False:
                        note = f"{script or 'other'} script"
                    for part in self.items(tparts.get("addressParts"), "addressPart", at):
                        pparts = _children(part)
                        _, column = self.refs.lookup(
                            pparts.get("type"), "LOCATION PART TYPE", ADDRESS_PARTS, at
                        )
                        if value := text(pparts.get("value")):
                            # an unknown part type is reported; its value stays in the street
                            columns[column or "street"].append(value)
                street, city, region, postal = (
                    ", ".join(columns[c]) or None
                    for c in ("street", "city", "region", "postal_code")
                )
                full = ", ".join(p for p in (street, city, region, postal, country) if p)
                if not full:
                    self.reject("address", at, "address carries no part and no country", address)
                    continue
                self.out.add(
                    "addresses",
                    entity_id=eid,
                    full_address=full,
                    street=street,
                    city=city,
                    region=region,
                    postal_code=postal,
                    country_code=_iso(ref, country),
                    country_raw=country,
                    note=note,
                    origin=self.file,
                )


def _published(parser: _Parser, el: etree._Element) -> date:
    parts = parser.check(el, PUBLICATION_FIELDS, "publicationInfo")
    raw = text(parts.get("dataAsOf"))
    try:
        return date.fromisoformat((raw or "")[:10])
    except ValueError as exc:
        raise SourceFormatError(
            parser.file, "publicationInfo/dataAsOf", f"bad date {raw!r}"
        ) from exc


def parse_enhanced(files: Mapping[str, bytes], source: str, name: str) -> ParseResult:
    """Parse OFAC's Enhanced XML (`name` is the XML, or its zip holding `<stem>.XML`)."""
    data = files[name]
    xml_name = name
    if name.upper().endswith(".ZIP"):
        xml_name = name[:-4] + ".XML"
        data = read_member(name, data, xml_name)
    root = parse_xml(xml_name, data)
    if local(root.tag) != "sanctionsData":
        raise SourceFormatError(
            xml_name, "root element", f"expected sanctionsData, found {local(root.tag)}"
        )
    parser = _Parser(xml_name, source)
    if not str(root.tag).startswith("{" + NAMESPACE + "}"):
        parser.unknown("sanctionsData", "namespace", str(root.tag))
    published: date | None = None
    seen: dict[str, int] = {}
    number = 0
    for child in root:
        tag = local(child.tag)
        if tag == "publicationInfo":
            published = _published(parser, child)
        elif tag == "referenceValues":
            parser.refs.read_values(child)
        elif tag == "featureTypes":
            parser.refs.read_feature_types(child)
        elif tag == "entities":
            for entity in child:
                if local(entity.tag) != "entity":
                    parser.unknown("entities", "element", local(entity.tag))
                    continue
                number += 1
                uid = parser.entity(entity, number)
                if uid is not None:
                    if uid in seen:
                        raise SourceFormatError(
                            xml_name, f"entity {number} and {seen[uid]}", f"duplicate id {uid}"
                        )
                    seen[uid] = number
        else:
            parser.unknown("sanctionsData", "element", tag)
    if published is None:
        raise SourceFormatError(
            xml_name, "publicationInfo", "no dataAsOf: not a whole Enhanced XML"
        )
    tables = parser.out.tables()
    rel = tables.get("relationships")
    if rel is not None and rel.height:
        taken = tables["entities"]["entity_id"]
        tables["relationships"] = rel.with_columns(
            to_entity_id=pl.when(pl.col("to_entity_id").is_in(taken.implode())).then("to_entity_id")
        )
    staged = {
        key: pl.DataFrame(rows, schema=STAGED_SCHEMAS[key]) for key, rows in parser.staged.items()
    }
    return ParseResult(
        source=source,
        tables=tables,
        staged=staged,
        unknowns=parser.out.unknowns + parser.refs.unknowns,
        entry_count=number,
        published_at=published,
        format="enhanced",
    )
