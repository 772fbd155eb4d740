"""EU FSF XML 1.1 (`xmlFullSanctionsList_1_1`): reader into the staged frames."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl
from lxml import etree

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.xmlsafe import local
from core.xmlsafe import parse_xml as parse_xml_safely
from eu_fsf.columns import STAGED_SCHEMAS
from eu_fsf.constants import NAMESPACE, XML_FILE
from eu_fsf.facts import _iso_date
from eu_fsf.mapping import _result
from eu_fsf.staged import Staged, _conform_staged, _staged_frame

# --- XML 1.1 -----------------------------------------------------------------------------------

ENTITY_ATTRS = {
    "logicalId": "logical_id",
    "euReferenceNumber": "eu_reference_number",
    "unitedNationId": "united_nation_id",
    "designationDate": "designation_date",
    "designationDetails": "designation_details",
}
REGULATION_ATTRS = {
    "logicalId": "logical_id",
    "regulationType": "regulation_type",
    "organisationType": "organisation_type",
    "publicationDate": "publication_date",
    "entryIntoForceDate": "entry_into_force_date",
    "numberTitle": "number_title",
    "programme": "programme",
    "publicationUrl": "publication_url",
}
SUBJECT_ATTRS = {"code": "subject_type", "classificationCode": "classification_code"}
SUMMARY_ATTRS = {
    "regulationType": "reg_type",
    "organisationType": "reg_organisation_type",
    "publicationDate": "reg_publication_date",
    "entryIntoForceDate": "reg_entry_into_force_date",
    "numberTitle": "reg_number_title",
    "programme": "reg_programme",
    "publicationUrl": "reg_publication_url",
}
_COMMON = {"logicalId": "logical_id", "regulationLanguage": "regulation_language"}
_COUNTRY = {"countryIso2Code": "country_code", "countryDescription": "country_description"}
NAME_ATTRS = {
    **_COMMON,
    "wholeName": "whole_name",
    "firstName": "first_name",
    "middleName": "middle_name",
    "lastName": "last_name",
    "function": "function",
    "gender": "gender",
    "title": "title",
    "nameLanguage": "name_language",
    "strong": "strong",
}
ADDRESS_ATTRS = {
    **_COMMON,
    **_COUNTRY,
    "street": "street",
    "city": "city",
    "zipCode": "zip_code",
    "poBox": "po_box",
    "region": "region",
    "place": "place",
    "asAtListingTime": "as_at_listing_time",
}
# FORMATS.md names the date parts `day`/`month`; public excerpts of the export show
# `dayOfMonth`/`monthOfYear`. Both spellings are read.
BIRTH_ATTRS = {
    **_COMMON,
    **_COUNTRY,
    "birthdate": "birthdate",
    "day": "day",
    "dayOfMonth": "day",
    "month": "month",
    "monthOfYear": "month",
    "year": "year",
    "yearRangeFrom": "year_range_from",
    "yearRangeTo": "year_range_to",
    "circa": "circa",
    "calendarType": "calendar_type",
    "city": "city",
    "zipCode": "zip_code",
    "region": "region",
    "place": "place",
}
IDENTIFICATION_ATTRS = {
    **_COMMON,
    **_COUNTRY,
    "identificationTypeCode": "type_code",
    "identificationTypeDescription": "type_description",
    "number": "number",
    "latinNumber": "latin_number",
    "issuedBy": "issued_by",
    "issueDate": "issued_date",
    "issuedDate": "issued_date",
    "validFrom": "valid_from",
    "validTo": "valid_to",
    "nameOnDocument": "name_on_document",
    "diplomatic": "diplomatic",
    "knownExpired": "known_expired",
    "knownFalse": "known_false",
    "reportedLost": "reported_lost",
    "revokedByIssuer": "revoked_by_issuer",
    "region": "region",
}
CITIZENSHIP_ATTRS = {**_COMMON, **_COUNTRY, "region": "region"}
FACT_ELEMENTS = {
    "nameAlias": ("names", NAME_ATTRS),
    "address": ("addresses", ADDRESS_ATTRS),
    "birthdate": ("birthdates", BIRTH_ATTRS),
    "identification": ("identifications", IDENTIFICATION_ATTRS),
    "citizenship": ("citizenships", CITIZENSHIP_ATTRS),
}


# Keys added beside an element's own attributes; `#` cannot start an XML attribute name.
ENTITY, POSITION, REMARK, URL = "#entity", "#position", "#remark", "#url"
SUMMARY_PREFIX, SUBJECT_PREFIX = "#summary:", "#subject:"
SUMMARY_KEYS = {key: SUMMARY_PREFIX + key for key in SUMMARY_ATTRS}


class _XmlReader:
    """Walks the element tree once, copying attributes and reporting what it does not know.

    Each element's attributes are copied in one call (`dict(el.attrib)`); an attribute set is
    checked against the known names once per distinct set, and renaming, trimming and empty
    values are handled afterwards on whole columns.
    """

    def __init__(self, file: str, namespace: str) -> None:
        self.file = file
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in STAGED_SCHEMAS}
        self.unknowns: list[Unknown] = []
        self.extras: list[tuple[str, str, str]] = []
        self.rejects: list[dict[str, Any]] = []
        self.elements: dict[str, tuple[int, etree._Element]] = {}
        self.checked: set[tuple[str, tuple[str, ...]]] = set()
        prefix = f"{{{namespace}}}" if namespace else ""
        self.facts = {prefix + tag: (tag, *spec) for tag, spec in FACT_ELEMENTS.items()}
        self.regulation, self.subject = prefix + "regulation", prefix + "subjectType"
        self.remark, self.summary = prefix + "remark", prefix + "regulationSummary"
        self.contact, self.url = prefix + "contactInfo", prefix + "publicationUrl"

    def _attrs(
        self, el: etree._Element, known: Mapping[str, str], what: str, eid: str, locator: str
    ) -> dict[str, Any]:
        row = dict(el.attrib)
        keys = (what, tuple(row))
        if keys not in self.checked:
            extra = [key for key in row if key not in known]
            if not extra:
                self.checked.add(keys)
            for key in extra:
                value = row.pop(key)
                self.unknowns.append(Unknown(self.file, locator, f"attribute {what}@{key}", value))
                if value.strip():
                    self.extras.append((eid, f"{what}.{key}", value.strip()))
        return row

    def _unknown_child(self, child: etree._Element, parent: str, eid: str, locator: str) -> None:
        tag = local(child.tag)
        value = etree.tostring(child, encoding="unicode", with_tail=False)[:1000]
        self.unknowns.append(Unknown(self.file, locator, f"element {parent}/{tag}", value))
        self.extras.append((eid, f"{parent}/{tag}", value))

    def _fact(
        self,
        el: etree._Element,
        what: str,
        table: str,
        known: Mapping[str, str],
        eid: str,
        locator: str,
    ) -> None:
        row = self._attrs(el, known, what, eid, locator)
        row[ENTITY] = eid
        remarks: list[str] = []
        summarised = False
        for child in el:
            tag = child.tag
            if tag == self.summary and not summarised:
                summarised = True
                summary = self._attrs(
                    child, SUMMARY_ATTRS, f"{what}/regulationSummary", eid, locator
                )
                row.update({SUMMARY_KEYS[key]: value for key, value in summary.items()})
            elif tag == self.remark:
                if child.text and child.text.strip():
                    remarks.append(child.text.strip())
            elif tag == self.contact and table == "addresses":
                contact = self._attrs(
                    child, {"key": "key", "value": "value"}, "contactInfo", eid, locator
                )
                key, value = (
                    (contact.get("key") or "").strip(),
                    (contact.get("value") or "").strip(),
                )
                if not key:
                    self._unknown_child(child, what, eid, locator)
                elif value:
                    contact_row = {
                        "entity_logical_id": eid,
                        "address_logical_id": (row.get("logicalId") or "").strip() or None,
                        "key": key,
                        "value": value,
                    }
                    self.rows["contacts"].append(contact_row)
            else:
                self._unknown_child(child, what, eid, locator)
        if remarks:
            row[REMARK] = "\n".join(remarks)
        row[POSITION] = len(self.rows[table]) + 1
        self.rows[table].append(row)

    def entity(self, el: etree._Element, position: int) -> None:
        lid = (el.get("logicalId") or "").strip()
        locator = f"sanctionEntity {position} (logicalId {lid or '?'})"
        if not lid:
            raw = etree.tostring(el, encoding="unicode")[:4000]
            reject = {
                "kind": "entry",
                "file": self.file,
                "locator": locator,
                "reason": "sanctionEntity without logicalId",
                "raw": raw,
            }
            self.rejects.append(reject)
            return
        if lid in self.elements:
            first = self.elements[lid][0]
            raise SourceFormatError(
                self.file, locator, f"duplicate logicalId {lid} (first at sanctionEntity {first})"
            )
        self.elements[lid] = (position, el)
        row = self._attrs(el, ENTITY_ATTRS, "sanctionEntity", lid, locator)
        row[POSITION] = position
        remarks: list[str] = []
        subject = False
        for child in el:
            tag = child.tag
            fact = self.facts.get(tag)
            if fact is not None:
                self._fact(child, fact[0], fact[1], fact[2], lid, locator)
            elif tag == self.regulation:
                regulation = self._attrs(child, REGULATION_ATTRS, "regulation", lid, locator)
                regulation[ENTITY] = lid
                for sub in child:
                    if sub.tag != self.url:
                        self._unknown_child(sub, "regulation", lid, locator)
                    elif sub.text and sub.text.strip():
                        regulation[URL] = sub.text.strip()
                self.rows["regulations"].append(regulation)
            elif tag == self.subject and not subject:
                subject = True
                kind = self._attrs(child, SUBJECT_ATTRS, "subjectType", lid, locator)
                row.update((SUBJECT_PREFIX + key, value) for key, value in kind.items())
            elif tag == self.remark:
                if child.text and child.text.strip():
                    remarks.append(child.text.strip())
            else:
                self._unknown_child(child, "sanctionEntity", lid, locator)
        if remarks:
            row[REMARK] = "\n".join(remarks)
        self.rows["entities"].append(row)


def _clean(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars()
    return pl.when(value != "").then(value)


def _xml_frame(
    table: str, rows: list[dict[str, Any]], known: Mapping[str, str], extra: Mapping[str, str]
) -> pl.DataFrame:
    """Rows keyed by XML attribute names → the staged frame (renamed, trimmed, '' → null)."""
    sources: dict[str, list[str]] = {}
    for key, column in {**known, **extra}.items():
        sources.setdefault(column, []).append(key)
    df = pl.DataFrame(
        rows, schema={key: pl.Int64 if key == POSITION else pl.String for key in {**known, **extra}}
    )
    exprs = [
        (pl.col(keys[0]) if keys[0] == POSITION else pl.coalesce([_clean(k) for k in keys])).alias(
            column
        )
        for column, keys in sources.items()
    ]
    return _conform_staged(table, df.select(exprs))


_FACT_EXTRA = {
    ENTITY: "entity_logical_id",
    REMARK: "remark",
    **{SUMMARY_PREFIX + k: v for k, v in SUMMARY_ATTRS.items()},
}


def read_xml(name: str, data: bytes) -> tuple[Staged, date | None, int]:
    """XML 1.1 → staged frames, the generation date, and the number of `sanctionEntity`."""
    root = parse_xml_safely(name, data, {"sanctionEntity": "@logicalId"})
    if local(root.tag) != "export":
        raise SourceFormatError(name, "root element", f"expected export, found {local(root.tag)}")
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    reader = _XmlReader(name, namespace)
    if namespace != NAMESPACE:
        reader.unknowns.append(Unknown(name, "export", "namespace", namespace))
    for key in set(root.attrib.keys()) - {"generationDate", "globalFileId"}:
        reader.unknowns.append(
            Unknown(name, "export", f"attribute export@{key}", root.get(key) or "")
        )
    generated = (root.get("generationDate") or "").strip() or None
    published = _iso_date(generated[:10]) if generated else None
    if generated and published is None:
        raise SourceFormatError(name, "export@generationDate", f"bad date {generated!r}")
    count = 0
    entity_tag = f"{{{namespace}}}sanctionEntity" if namespace else "sanctionEntity"
    for child in root:
        if child.tag == entity_tag:
            count += 1
            reader.entity(child, count)
        else:
            value = etree.tostring(child, encoding="unicode", with_tail=False)[:1000]
            reader.unknowns.append(Unknown(name, f"export/{local(child.tag)}", "element", value))
    rows = reader.rows
    subject = {SUBJECT_PREFIX + k: v for k, v in SUBJECT_ATTRS.items()}
    tables = {
        "file": _staged_frame(
            "file",
            [
                {
                    "layout": "xml_1_1",
                    "encoding": "utf-8",
                    "generation_date": generated,
                    "global_file_id": root.get("globalFileId"),
                }
            ],
        ),
        "entities": _xml_frame(
            "entities",
            rows["entities"],
            ENTITY_ATTRS,
            {**subject, REMARK: "remark", POSITION: "position"},
        ),
        "regulations": _xml_frame(
            "regulations",
            rows["regulations"],
            REGULATION_ATTRS,
            {ENTITY: "entity_logical_id", URL: "publication_url"},
        ),
        "contacts": _staged_frame("contacts", rows["contacts"]),
    }
    for table, known in FACT_ELEMENTS.values():
        extra = {**_FACT_EXTRA, POSITION: "position"} if table == "names" else _FACT_EXTRA
        tables[table] = _xml_frame(table, rows[table], known, extra)

    def raw(lid: str) -> str:
        return etree.tostring(reader.elements[lid][1], encoding="unicode", with_tail=False)[:4000]

    staged = Staged(name, tables, reader.unknowns, reader.extras, reader.rejects, raw)
    return staged, published, count


def parse_xml_file(name: str, data: bytes) -> ParseResult:
    """Parse an FSF XML 1.1 file into canonical tables (duplicate logicalId raises)."""
    staged, published, count = read_xml(name, data)
    return _result(staged, count, published, "xml")


def parse_xml(files: Mapping[str, bytes]) -> ParseResult:
    """xmlFullSanctionsList_1_1.xml → canonical tables."""
    return parse_xml_file(XML_FILE, files[XML_FILE])
