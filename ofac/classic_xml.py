"""Reader of OFAC's classic XML (SDN.XML / CONSOLIDATED.XML), shared by both OFAC lists.

`sdnList` with `publshInformation` (sic) and one `sdnEntry` per party. Remarks are read by
`ofac.remarks`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from lxml import etree

from core.canonical import ParseResult, Unknown, entity_id
from core.countries import resolve
from core.dates import parse_fuzzy
from core.errors import SourceFormatError
from core.truncation import require_declared_count
from core.xmlsafe import local, parse_xml, text
from ofac.constants import ALIAS_TYPES, AUTHORITY, XML_ENTITY_TYPES
from ofac.remarks import parse_remarks
from ofac.rows import Rows, fold_remark_repeats, resolve_links

# --- XML -------------------------------------------------------------------------------------

ENTRY_FIELDS = {
    "uid", "firstName", "lastName", "title", "sdnType", "remarks", "programList", "idList",
    "akaList", "addressList", "nationalityList", "citizenshipList", "dateOfBirthList",
    "placeOfBirthList", "vesselInfo",
}  # fmt: skip
VESSEL_FIELDS = {
    "callSign": None, "vesselType": "vessel_type", "vesselFlag": None, "vesselOwner": "vessel_owner",
    "tonnage": "vessel_tonnage", "grossRegisteredTonnage": "vessel_grt",
}  # fmt: skip
ADDRESS_FIELDS = {
    "uid",
    "address1",
    "address2",
    "address3",
    "city",
    "stateOrProvince",
    "postalCode",
    "country",
}
ID_FIELDS = {"uid", "idType", "idNumber", "idCountry", "issueDate", "expirationDate"}
AKA_FIELDS = {"uid", "type", "category", "lastName", "firstName"}


def _children(el: etree._Element) -> dict[str, etree._Element]:
    return {local(child.tag): child for child in el}


def _report_unknown(
    out: Rows, name: str, locator: str, el: etree._Element, known: set[str] | dict[str, Any]
) -> None:
    for child in el:
        tag = local(child.tag)
        if tag not in known:
            out.unknowns.append(
                Unknown(name, locator, f"element {local(el.tag)}/{tag}", text(child) or "")
            )


def _person_name(last: str | None, first: str | None) -> str | None:
    if last and first:
        return f"{last}, {first}"
    return last or first


def _xml_entry(out: Rows, name: str, source: str, entry: etree._Element, number: int) -> str | None:
    fields = _children(entry)
    uid = text(fields.get("uid"))
    locator = f"sdnEntry {number} (uid {uid})"
    _report_unknown(out, name, locator, entry, ENTRY_FIELDS)
    etype = XML_ENTITY_TYPES.get(text(fields.get("sdnType")) or "")
    primary = _person_name(text(fields.get("lastName")), text(fields.get("firstName")))
    raw = etree.tostring(entry, encoding="unicode")[:2000]
    if uid is None or not uid.isdigit():
        out.add(
            "rejects",
            kind="entry",
            file=name,
            locator=locator,
            reason="missing or non-numeric uid",
            raw=raw,
        )
        return None
    if etype is None or not primary:
        reason = f"unknown sdnType {text(fields.get('sdnType'))!r}" if etype is None else "no name"
        out.add("rejects", kind="entry", file=name, locator=locator, reason=reason, raw=raw)
        return uid
    eid = entity_id(source, uid)
    remark_text = text(fields.get("remarks"))
    unparsed = out.add_remarks(eid, etype, parse_remarks(remark_text))
    given = text(fields.get("firstName")) if etype == "person" else None
    family = text(fields.get("lastName")) if etype == "person" and given else None
    out.add(
        "names",
        entity_id=eid,
        name=primary,
        name_type="primary",
        given_name=given,
        family_name=family,
        origin=name,
    )
    if (title := text(fields.get("title"))) is not None:
        out.add("attributes", entity_id=eid, attribute="title", value=title, origin=name)
    for program in fields.get("programList", []):
        if value := text(program):
            out.add("sanctions", entity_id=eid, authority=AUTHORITY, program=value, origin=name)
    for aka in fields.get("akaList", []):
        parts = _children(aka)
        _report_unknown(out, name, f"{locator} aka", aka, AKA_FIELDS)
        alias = _person_name(text(parts.get("lastName")), text(parts.get("firstName")))
        kind = ALIAS_TYPES.get(text(parts.get("type")) or "")
        if alias and kind:
            quality = text(parts.get("category"))
            out.add(
                "names",
                entity_id=eid,
                name=alias,
                name_type=kind,
                quality=quality,
                given_name=text(parts.get("firstName")),
                family_name=text(parts.get("lastName")) if text(parts.get("firstName")) else None,
                origin=name,
            )
        else:
            out.add(
                "rejects",
                kind="name",
                file=name,
                locator=f"{locator} aka",
                reason="alias without name or with unknown type",
                raw=etree.tostring(aka, encoding="unicode"),
            )
    for item in fields.get("idList", []):
        parts = _children(item)
        _report_unknown(out, name, f"{locator} id", item, ID_FIELDS)
        fragment = f"{text(parts.get('idType')) or ''} {text(parts.get('idNumber')) or ''}".strip()
        if country := text(parts.get("idCountry")):
            fragment += f" ({country})"
        if issued := text(parts.get("issueDate")):
            fragment += f" issued {issued}"
        if expires := text(parts.get("expirationDate")):
            fragment += f" expires {expires}"
        parsed = parse_remarks(fragment)
        leftover = out.add_remarks(eid, etype, parsed, origin=name)
        if leftover:
            unparsed = f"{unparsed}; {leftover}" if unparsed else leftover
            out.unknowns.append(
                Unknown(name, f"{locator} id", "idType", text(parts.get("idType")) or "")
            )
    for item in fields.get("addressList", []):
        parts = _children(item)
        _report_unknown(out, name, f"{locator} address", item, ADDRESS_FIELDS)
        street = ", ".join(
            v for k in ("address1", "address2", "address3") if (v := text(parts.get(k)))
        )
        country = text(parts.get("country"))
        pieces = [
            street,
            text(parts.get("city")),
            text(parts.get("stateOrProvince")),
            text(parts.get("postalCode")),
            country,
        ]
        out.add(
            "addresses",
            entity_id=eid,
            full_address=", ".join(p for p in pieces if p) or None,
            street=street or None,
            city=text(parts.get("city")),
            region=text(parts.get("stateOrProvince")),
            postal_code=text(parts.get("postalCode")),
            country_code=resolve(country),
            country_raw=country,
            origin=name,
        )
    for list_name, relation in (
        ("nationalityList", "nationality"),
        ("citizenshipList", "citizenship"),
    ):
        for item in fields.get(list_name, []):
            country = text(_children(item).get("country"))
            if country:
                out.add(
                    "countries",
                    entity_id=eid,
                    country_code=resolve(country),
                    raw=country,
                    relation=relation,
                    origin=name,
                )
    for item in fields.get("dateOfBirthList", []):
        raw_date = text(_children(item).get("dateOfBirth"))
        parsed_date = parse_fuzzy(raw_date) if raw_date else None
        if parsed_date:
            out.add("birth_dates", entity_id=eid, origin=name, **parsed_date.as_row())
        else:
            out.unknowns.append(
                Unknown(name, f"{locator} dateOfBirth", "date format", raw_date or "")
            )
            unparsed = "; ".join(p for p in (unparsed, f"DOB {raw_date}") if p)
    for item in fields.get("placeOfBirthList", []):
        place = text(_children(item).get("placeOfBirth"))
        if place:
            out.add(
                "birth_places",
                entity_id=eid,
                place=place,
                country_code=resolve(place.rsplit(",", 1)[-1]),
                origin=name,
            )
    if (vessel := fields.get("vesselInfo")) is not None:
        parts = _children(vessel)
        _report_unknown(out, name, f"{locator} vesselInfo", vessel, VESSEL_FIELDS)
        for tag, attribute in VESSEL_FIELDS.items():
            value = text(parts.get(tag))
            if value and attribute:
                out.add("attributes", entity_id=eid, attribute=attribute, value=value, origin=name)
        if call_sign := text(parts.get("callSign")):
            out.add(
                "identifiers",
                entity_id=eid,
                id_type="call_sign",
                label="Call Sign",
                value=call_sign,
                normalized=call_sign.upper(),
                origin=name,
            )
        if flag := text(parts.get("vesselFlag")):
            out.add(
                "countries",
                entity_id=eid,
                country_code=resolve(flag),
                raw=flag,
                relation="flag",
                origin=name,
            )
    out.add(
        "entities",
        entity_id=eid,
        source_id=uid,
        entity_type=etype,
        primary_name=primary,
        remarks=remark_text,
        unparsed_remarks=unparsed,
    )
    return uid


def parse_xml_file(name: str, data: bytes, source: str) -> ParseResult:
    """Parse an OFAC classic XML file (`sdnList`) into canonical tables."""
    root = parse_xml(name, data, {"sdnEntry": "uid"})
    if local(root.tag) != "sdnList":
        raise SourceFormatError(name, "root element", f"expected sdnList, found {local(root.tag)}")
    out = Rows()
    published = declared = None
    uids: dict[str, int] = {}
    staged: list[dict[str, Any]] = []
    number = 0
    uid: str | None = None
    for child in root:
        tag = local(child.tag)
        if tag == "publshInformation":
            info = _children(child)
            raw_date = text(info.get("Publish_Date"))
            try:
                published = datetime.strptime(raw_date or "", "%m/%d/%Y").date()
            except ValueError as exc:
                raise SourceFormatError(
                    name, "publshInformation/Publish_Date", f"bad date {raw_date!r}"
                ) from exc
            count = text(info.get("Record_Count"))
            declared = int(count) if count and count.isdigit() else None
        elif tag == "sdnEntry":
            number += 1
            uid = _xml_entry(out, name, source, child, number)
            if uid is not None:
                if uid in uids:
                    raise SourceFormatError(
                        name, f"sdnEntry {number} and {uids[uid]}", f"duplicate uid {uid}"
                    )
                uids[uid] = number
            fields = _children(child)
            staged.append(
                {
                    "uid": int(uid) if uid and uid.isdigit() else None,
                    "sdn_type": text(fields.get("sdnType")),
                    "last_name": text(fields.get("lastName")),
                    "first_name": text(fields.get("firstName")),
                    "programs": "; ".join(
                        t for p in fields.get("programList", []) if (t := text(p))
                    ),
                }
            )
        else:
            out.unknowns.append(Unknown(name, f"sdnList/{tag}", "element", text(child) or ""))
    require_declared_count(
        name, "publshInformation/Record_Count", declared, number, f"sdnEntry {number} (uid {uid})"
    )
    staged_entries = pl.DataFrame(
        staged,
        schema={
            "uid": pl.Int64,
            "sdn_type": pl.String,
            "last_name": pl.String,
            "first_name": pl.String,
            "programs": pl.String,
        },
    )
    return ParseResult(
        source=source,
        tables=resolve_links(fold_remark_repeats(out.tables())),
        staged={"xml_entries": staged_entries},
        unknowns=out.unknowns,
        entry_count=number,
        declared_count=declared,
        published_at=published,
        format="xml",
    )
