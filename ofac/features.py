"""Typed facts of OFAC's Enhanced XML: features, identity documents and relationships.

`Walker` holds what reading one Enhanced XML document needs (the reference tables, the rows
and leftovers so far) and reads the parts of an entity that are typed facts:

- `features`: each is mapped by its feature type (`ofac.reference.feature_rule`). Birth dates
  take OFAC's exact span from `valueDate`; countries their ISO code from the reference table;
  identifiers and attributes are read by the legacy remarks parser from the fragment the CSV
  writes (`Equity Ticker CHL US`), so both formats share one vocabulary and normalisation.
- `identityDocuments`: read as the CSV's fragment `TYPE NUMBER (Country) issued … expires …`.
- `relationships`: the kind of link and the related entity's ID, which the legacy formats
  reduce to `Linked To: NAME`.

A feature type, reference value or element that is not known is reported (`Unknown`), and its
value kept as published (attribute `unknown_feature`, identifier `other`).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

import polars as pl
from lxml import etree

from core.canonical import Unknown, entity_id
from core.countries import VALID_CODES, resolve
from core.dates import parse_fuzzy
from core.xmlsafe import local, text
from ofac.reference import (
    EXTRA_DOCUMENT_TYPES,
    RELATIONS,
    FeatureRule,
    Reference,
    References,
    feature_rule,
)
from ofac.remarks import Remarks, parse_remarks
from ofac.rows import Rows, imo_kind

FEATURE_FIELDS = frozenset(
    {
        "type",
        "versionId",
        "value",
        "valueDate",
        "valueRefId",
        "isPrimary",
        "reliability",
        "comments",
    }
)
DATE_FIELDS = frozenset(
    {"fromDateBegin", "fromDateEnd", "toDateBegin", "toDateEnd", "isApproximate", "isDateRange"}
)
# `name` names the party's name the document was issued to (a back-reference to `names`).
DOCUMENT_FIELDS = frozenset(
    {
        "type", "name", "documentNumber", "isValid", "issuingAuthority", "issuingLocation",
        "issuingCountry", "issueDate", "expirationDate",
    }
)  # fmt: skip
RELATIONSHIP_FIELDS = frozenset({"type", "quality", "relatedEntity"})
_DOC_NOISE = re.compile(r"[\s.\-()]")

STAGED_SCHEMAS: dict[str, dict[str, Any]] = {
    "enhanced_entities": {
        "id": pl.Int64, "identity_id": pl.String, "entity_type": pl.String,
        "primary_name": pl.String, "lists": pl.String, "programs": pl.String,
    },
    "enhanced_features": {
        "entity": pl.Int64, "feature_id": pl.String, "feature_type_id": pl.String,
        "feature_type": pl.String, "value": pl.String, "value_ref_id": pl.String,
        "date_from": pl.Date, "date_to": pl.Date, "approximate": pl.Boolean,
        "date_range": pl.Boolean, "reliability": pl.String, "comments": pl.String,
        "is_primary": pl.Boolean,
    },
    "enhanced_relationships": {
        "entity": pl.Int64, "relationship_id": pl.String, "relation_type": pl.String,
        "quality": pl.String, "related_entity_id": pl.String, "related_name": pl.String,
    },
}  # fmt: skip


def _children(el: etree._Element | None) -> dict[str, etree._Element]:
    # the parser drops comments and PIs, so every child's tag is a string
    return {} if el is None else {child.tag.rpartition("}")[2]: child for child in el}


def _flag(el: etree._Element | None) -> bool | None:
    value = text(el)
    return None if value is None else value == "true"


def _iso(ref: Reference | None, raw: str | None) -> str | None:
    """ISO code from OFAC's reference table, else read from the name as the legacy parsers do."""
    if ref is not None and ref.iso_code in VALID_CODES:
        return ref.iso_code
    return resolve(raw) if raw else None


def _single(remarks: Remarks, family: str) -> list[dict[str, Any]] | None:
    """The rows of `family` when the fragment was read wholly into that one family."""
    rows = getattr(remarks, family)
    others = (
        "identifiers", "birth_dates", "birth_places", "countries", "names", "relationships",
        "attributes",
    )  # fmt: skip
    if (
        remarks.unparsed
        or len(rows) != 1
        or any(getattr(remarks, o) for o in others if o != family)
    ):
        return None
    return rows


class Walker:
    """Reads one Enhanced XML document's typed facts; rows and leftovers accumulate in `out`."""

    def __init__(self, file: str, source: str) -> None:
        self.file = file
        self.source = source
        self.out = Rows()
        self.refs = References(file)
        self.staged: dict[str, list[dict[str, Any]]] = {name: [] for name in STAGED_SCHEMAS}

    def unknown(self, where: str, what: str, value: str | None) -> None:
        self.out.unknowns.append(Unknown(self.file, where, what, value or ""))

    def check(
        self, el: etree._Element, known: frozenset[str], where: str
    ) -> dict[str, etree._Element]:
        """The element's children by tag; a child not in `known`, or repeated, is reported.

        None of the elements read this way repeats a child in OFAC's schema, so a repeated one
        would otherwise hide all but its last value.
        """
        parts = _children(el)
        for tag in parts.keys() - known:
            self.unknown(where, f"element {local(el.tag)}/{tag}", text(parts[tag]))
        if len(parts) != len(el):
            tags = Counter(child.tag.rpartition("}")[2] for child in el)
            for tag, count in tags.items():
                if count > 1:
                    self.unknown(where, f"repeated element {local(el.tag)}/{tag}", str(count))
        return parts

    def items(self, parent: etree._Element | None, tag: str, where: str) -> list[etree._Element]:
        """The children of a list element (`features` → `feature`); any other is reported."""
        if parent is None:
            return []
        found = []
        for child in parent:
            if child.tag.rpartition("}")[2] == tag:
                found.append(child)
            else:
                self.unknown(where, f"element {local(parent.tag)}/{local(child.tag)}", text(child))
        return found

    def reject(self, kind: str, where: str, reason: str, el: etree._Element) -> None:
        raw = etree.tostring(el, encoding="unicode")[:2000]
        self.out.add("rejects", kind=kind, file=self.file, locator=where, reason=reason, raw=raw)

    # --- features -----------------------------------------------------------------------------

    def feature(self, eid: str, etype: str, uid: int, el: etree._Element, where: str) -> None:
        at = f"{where} feature {el.get('id')}"
        parts = self.check(el, FEATURE_FIELDS, at)
        type_el = parts.get("type")
        type_id = type_el.get("featureTypeId") if type_el is not None else None
        ftype = self.refs.feature_types.get(type_id or "") or text(type_el)
        value = text(parts.get("value"))
        value_ref = text(parts.get("valueRefId"))
        reliability_el = parts.get("reliability")
        reliability = None
        if reliability_el is not None:
            ref = self.refs.get(reliability_el.get("refId"), "RELIABILITY", f"{at} reliability")
            reliability = ref.value if ref else text(reliability_el)
        span = self.value_date(parts.get("valueDate"), at)
        comments = text(parts.get("comments"))
        self.staged["enhanced_features"].append(
            {
                "entity": uid, "feature_id": el.get("id"), "feature_type_id": type_id,
                "feature_type": ftype, "value": value, "value_ref_id": value_ref,
                "date_from": span[0] if span else None, "date_to": span[1] if span else None,
                "approximate": span[2] if span else None, "date_range": span[3] if span else None,
                "reliability": reliability, "comments": comments,
                "is_primary": _flag(parts.get("isPrimary")),
            }
        )  # fmt: skip
        country_ref = None
        if value_ref is not None:
            country_ref = self.refs.values.get(value_ref)
            if country_ref is None:
                self.unknown(f"{at} valueRefId", "reference value (refId)", value_ref)
        rule = feature_rule(ftype) if ftype else None
        if value is None or ftype is None:
            self.unknown(at, "feature without type or value", ftype or value)
            return
        if rule is None:
            self.unknown(at, "feature type", ftype)
            self.attribute(eid, "unknown_feature", f"{ftype}: {value}")
            return
        self.apply(eid, etype, rule, ftype, value, span, country_ref, comments, at)

    def value_date(self, el: etree._Element | None, where: str) -> tuple | None:
        """(first day, last day, approximate, is range) of a feature's `valueDate`."""
        if el is None:
            return None
        parts = self.check(el, DATE_FIELDS, where)
        try:
            start = date.fromisoformat(text(parts.get("fromDateBegin")) or "")
            end_text = text(parts.get("toDateEnd")) or text(parts.get("fromDateEnd"))
            end = date.fromisoformat(end_text or "")
        except ValueError:
            self.unknown(where, "valueDate", etree.tostring(el, encoding="unicode")[:200])
            return None
        return (
            start,
            end,
            bool(_flag(parts.get("isApproximate"))),
            bool(_flag(parts.get("isDateRange"))),
        )

    def attribute(self, eid: str, attribute: str, value: str) -> None:
        self.out.add(
            "attributes", entity_id=eid, attribute=attribute, value=value, origin=self.file
        )

    def apply(
        self,
        eid: str,
        etype: str,
        rule: FeatureRule,
        ftype: str,
        value: str,
        span: tuple | None,
        ref: Reference | None,
        comments: str | None,
        where: str,
    ) -> None:
        """Write one known feature to its canonical table."""
        if rule.kind == "birth_date":
            self.birth_date(eid, value, span, where)
        elif rule.kind == "birth_place":
            rows = _single(parse_remarks(f"POB {value}"), "birth_places")
            row = rows[0] if rows else {"place": value, "country_code": resolve(value)}
            self.out.add("birth_places", entity_id=eid, origin=self.file, **row)
        elif rule.kind == "country":
            self.out.add(
                "countries",
                entity_id=eid,
                country_code=_iso(ref, value),
                raw=value,
                relation=rule.target,
                origin=self.file,
            )
        elif rule.kind == "call_sign":
            self.out.add(
                "identifiers", entity_id=eid, id_type="call_sign", label="Call Sign",
                value=value, normalized=value.upper(), note=comments, origin=self.file,
            )  # fmt: skip
        elif rule.kind == "attribute":
            self.attribute(eid, rule.target, value)
        else:
            family = "identifiers" if rule.target == "identifier" else "attributes"
            rows = None if ";" in value else _single(parse_remarks(f"{ftype} {value}"), family)
            if rows is None:
                # kept as published and reported: the legacy remarks parser cannot read it
                self.unknown(where, f"feature value not read ({ftype})", value)
                if family == "identifiers":
                    rows = [{"id_type": "other", "label": ftype, "value": value,
                             "normalized": _DOC_NOISE.sub("", value).upper()}]  # fmt: skip
                else:
                    rows = [{"attribute": "unknown_feature", "value": f"{ftype}: {value}"}]
            row = rows[0]
            if family == "identifiers":
                row = imo_kind(row, etype)
                if comments:
                    row = {**row, "note": "; ".join(n for n in (row.get("note"), comments) if n)}
                self.out.add("identifiers", entity_id=eid, origin=self.file, **row)
                return
            self.out.add("attributes", entity_id=eid, origin=self.file, **row)
        if comments and rule.kind != "call_sign":
            self.attribute(eid, "feature_comment", f"{ftype}: {comments}")

    def birth_date(self, eid: str, value: str, span: tuple | None, where: str) -> None:
        """The published text with the exact span OFAC gives in `valueDate`."""
        if span is None:
            fuzzy = parse_fuzzy(value)
            if fuzzy is None:
                self.unknown(where, "Birthdate", value)
                self.attribute(eid, "unknown_feature", f"Birthdate: {value}")
                return
            self.out.add("birth_dates", entity_id=eid, origin=self.file, **fuzzy.as_row())
            return
        start, end, approximate, is_range = span
        if is_range:
            precision = "range"
        elif start == end:
            precision = "day"
        elif start.day == 1 and (end.month, end.year) == (start.month, start.year):
            precision = "month"
        elif (start, end) == (date(start.year, 1, 1), date(start.year, 12, 31)):
            precision = "year"
        else:
            precision = "range"
        self.out.add(
            "birth_dates", entity_id=eid, raw=value, date_from=start, date_to=end,
            precision=precision, circa=approximate, origin=self.file,
        )  # fmt: skip

    # --- documents and relationships -----------------------------------------------------------

    def document(self, eid: str, etype: str, el: etree._Element, where: str) -> None:
        """An identity document, read as the CSV's remark fragment `TYPE NUMBER (Country)`."""
        at = f"{where} identityDocument {el.get('id')}"
        parts = self.check(el, DOCUMENT_FIELDS, at)
        type_el = parts.get("type")
        ref = None
        if type_el is not None:
            ref = self.refs.get(type_el.get("refId"), "ID DOCUMENT TYPE", f"{at} type")
        label = ref.value if ref else text(type_el)
        number = text(parts.get("documentNumber"))
        if not label or not number:
            self.reject("identifier", at, "document without type or number", el)
            return
        country_el = parts.get("issuingCountry")
        country_ref = None
        if country_el is not None:
            country_ref = self.refs.get(country_el.get("refId"), "COUNTRY", f"{at} issuingCountry")
        country = country_ref.value if country_ref else text(country_el)
        fragment = f"{label} {number}" + (f" ({country})" if country else "")
        for tag, word in (("issueDate", "issued"), ("expirationDate", "expires")):
            if when := text(parts.get(tag)):
                fragment += f" {word} {when}"
        rows = None if ";" in fragment else _single(parse_remarks(fragment), "identifiers")
        if rows is not None:
            row = rows[0]
        else:
            id_type = EXTRA_DOCUMENT_TYPES.get(label)
            if id_type is None:
                self.unknown(at, "ID DOCUMENT TYPE not read", label)
            row = {"id_type": id_type or "other", "label": label, "value": number,
                   "normalized": _DOC_NOISE.sub("", number).upper(), "country_raw": country}  # fmt: skip
        row = imo_kind(row, etype)
        notes = [row.get("note")]
        if authority := text(parts.get("issuingAuthority")):
            notes.append(f"issuing authority {authority}")
        if location := text(parts.get("issuingLocation")):
            notes.append(f"issued in {location}")
        if _flag(parts.get("isValid")) is False:
            notes.append("not valid")
        code = _iso(country_ref, country) if country else row.get("country_code")
        self.out.add(
            "identifiers",
            entity_id=eid,
            origin=self.file,
            **{**row, "country_code": code, "note": "; ".join(n for n in notes if n) or None},
        )

    def relationship(self, eid: str, uid: int, el: etree._Element, where: str) -> None:
        at = f"{where} relationship {el.get('id')}"
        parts = self.check(el, RELATIONSHIP_FIELDS, at)
        type_raw, relation = self.refs.lookup(parts.get("type"), "RELATIONSHIP TYPE", RELATIONS, at)
        quality_el = parts.get("quality")
        quality = None
        if quality_el is not None:
            ref = self.refs.get(quality_el.get("refId"), "RELATIONSHIP QUALITY", f"{at} quality")
            quality = ref.value if ref else text(quality_el)
        related = parts.get("relatedEntity")
        related_id = related.get("entityId") if related is not None else None
        self.staged["enhanced_relationships"].append(
            {
                "entity": uid, "relationship_id": el.get("id"), "relation_type": type_raw,
                "quality": quality, "related_entity_id": related_id, "related_name": text(related),
            }
        )  # fmt: skip
        if related_id is None or type_raw is None:
            self.reject("row", at, "relationship without type or related entity", el)
            return
        self.out.add(
            "relationships",
            from_entity_id=eid,
            # kept only where the related party is in this file (filled in after the walk)
            to_entity_id=entity_id(self.source, related_id),
            to_name=text(related),
            # an unknown type is reported by the lookup; its published name is kept
            relation=relation or re.sub(r"\W+", "_", type_raw.lower()).strip("_"),
            origin=self.file,
        )
