"""UK Sanctions List (FCDO) XML (`Designations`/`Designation`): reader into the long form, and the XML parse entry points."""

from __future__ import annotations

import copy
import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

import polars as pl
from lxml import etree

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.xmlsafe import parse_xml as parse_xml_safely
from gb_fcdo.constants import XML_NAME
from gb_fcdo.longform import (
    ADDRESS_COLUMNS,
    DESIGNATION_COLUMNS,
    FACT_COLUMNS,
    NAME_COLUMNS,
    NON_LATIN_COLUMNS,
    LongForm,
    _publication_date,
)
from gb_fcdo.mapping import _result, _staged

# --- XML -----------------------------------------------------------------------------------------

XML_SCALARS = {
    "UniqueID": "unique_id",
    "OFSIGroupID": "ofsi_group_id",
    "UNReferenceNumber": "un_reference_number",
    "IndividualEntityShip": "designation_type",
    "RegimeName": "regime_name",
    "DesignationSource": "designation_source",
    "SanctionsImposed": "sanctions_imposed",
    "OtherInformation": "other_information",
    "UKStatementofReasons": "statement_of_reasons",
    "DateDesignated": "date_designated",
    "LastUpdated": "last_updated",
}
XML_NAME_FIELDS = {
    "Name1": "name1", "Name2": "name2", "Name3": "name3", "Name4": "name4", "Name5": "name5",
    "Name6": "name6", "NameType": "name_type", "AliasStrength": "alias_strength",
}  # fmt: skip
XML_NON_LATIN_FIELDS = {
    "NameNonLatinScript": "name",
    "NonLatinScriptType": "script",
    "NonLatinScriptLanguage": "language",
}
XML_ADDRESS_FIELDS = {
    "AddressLine1": "line1", "AddressLine2": "line2", "AddressLine3": "line3",
    "AddressLine4": "line4", "AddressLine5": "line5", "AddressLine6": "line6",
    "AddressPostalCode": "postal_code", "AddressCountry": "country",
}  # fmt: skip
# Lists of single values: container → (item tags, fact field).
DESIGNATION_LISTS = {
    "PhoneNumbers": (("PhoneNumber",), "phone"),
    "EmailAddresses": (("EmailAddress",), "email"),
    "Websites": (("Website",), "website"),
    "Titles": (("Title",), "title"),
}
INDIVIDUAL_LISTS = {
    "DOBs": (("DOB",), "dob"),
    "Nationalities": (("Nationality",), "nationality"),
    "Positions": (("Position",), "position"),
    "Genders": (("Gender",), "gender"),
}
ENTITY_LISTS = {
    "TypeOfEntities": (("TypeOfEntity",), "type_of_entity"),
    "Subsidiaries": (("Subsidiary",), "subsidiary"),
    "ParentCompanies": (("ParentCompany",), "parent_company"),
    "BusinessRegistrationNumbers": (("BusinessRegistrationNumber",), "registration"),
}
SHIP_LISTS = {
    "IMONumbers": (("IMONumber",), "imo"),
    "CurrentOwnerOperators": (("CurrentOwnerOperator",), "current_owner"),
    "PreviousOwnerOperators": (("PreviousOwnerOperator",), "previous_owner"),
    "CurrentBelievedFlagOfShips": (("CurrentBelievedFlagOfShip",), "current_flag"),
    "PreviousFlags": (("PreviousFlag",), "previous_flag"),
    "TypeOfShips": (("TypeOfShip",), "type_of_ship"),
    "TypeOfShipDetails": (("TypeOfShip",), "type_of_ship"),
    "TonnageOfShips": (("TonnageOfShip",), "tonnage"),
    "TonnageOfShipDetails": (("TonnageOfShip",), "tonnage"),
    "LengthOfShips": (("LengthOfShip",), "length"),
    "LengthOfShipDetails": (("LengthOfShip",), "length"),
    "YearBuilts": (("YearBuilt",), "year_built"),
    "YearsBuilt": (("YearBuilt",), "year_built"),
    "HullIdentificationNumbers": (("HullIdentificationNumber",), "hin"),
}
# Lists of (value, extra) pairs: container → (item tags, value tag, extra tag, fact field).
INDIVIDUAL_PAIRS = {
    "PassportDetails": (
        ("PassportDetail", "Passport"), "PassportNumber", "PassportAdditionalInformation", "passport",
    ),
    "NationalIdentifierDetails": (
        ("NationalIdentifierDetail", "NationalIdentifier"), "NationalIdentifierNumber",
        "NationalIdentifierAdditionalInformation", "national_id",
    ),
    "BirthDetails": (("Location",), "TownOfBirth", "CountryOfBirth", "birth"),
}  # fmt: skip
DETAILS = {
    "IndividualDetails": ("Individual", INDIVIDUAL_LISTS, INDIVIDUAL_PAIRS),
    "EntityDetails": ("Entity", ENTITY_LISTS, {}),
    "ShipDetails": ("Ship", SHIP_LISTS, {}),
}
INDICATORS = frozenset(
    {
        "AssetFreeze", "ArmsEmbargo", "TargetedArmsEmbargo", "CharteringOfShips",
        "ClosureOfRepresentativeOffices", "CrewServicingOfShipsAndAircraft", "Deflag",
        "PreventionOfBusinessArrangements", "ProhibitionOfPortEntry", "TravelBan",
        "PreventionOfCharteringOfShips", "PreventionOfCharteringOfShipsAndAircraft",
        "TechnicalAssistanceRelatedToAircraft", "TrustServicesSanctions",
        "DirectorDisqualificationSanction",
    }
)  # fmt: skip


def _local(tag: str) -> str:
    """Tag without its namespace (the list is not namespaced; a namespaced copy still reads)."""
    return tag.rsplit("}", 1)[1] if tag[0] == "{" else tag


def _text(el: etree._Element) -> str | None:
    value = el.text
    return (value.strip() or None) if value else None


def _markup(el: etree._Element) -> str:
    """An element's text, or its whole markup when it has children: the value kept for it."""
    if len(el):
        return _serialize(el)
    return _text(el) or ""


def _serialize(el: etree._Element) -> str:
    """Markup of one element without the namespace declarations it inherits from the root."""
    clone = copy.deepcopy(el)
    clone.tail = None
    etree.cleanup_namespaces(clone)
    return etree.tostring(clone, encoding="unicode")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the walk creates ~10^5 small tuples.

    Those tuples hold only strings (no cycles), but each allocation burst triggers collections
    that traverse the whole heap: about a quarter of the parse time on a full list.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _XmlWalker:
    """Walks `Designation` elements into the long form, reporting every element it does not know.

    The loops are written out rather than factored into one generic walk: this is the hot path
    (some 350,000 elements in a full list) and every Python call per element counts. Tags are
    compared as read; only a namespaced tag (`{uri}Name`) pays for `_local`.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.designations: list[tuple[Any, ...]] = []
        self.names: list[tuple[Any, ...]] = []
        self.non_latin: list[tuple[Any, ...]] = []
        self.addresses: list[tuple[Any, ...]] = []
        self.facts: list[tuple[Any, ...]] = []
        self.unknowns: list[Unknown] = []
        self.rejects: list[dict[str, Any]] = []
        self.elements: dict[str, etree._Element] = {}
        self.uid: str | None = None
        self.locator = ""

    def unknown(self, path: str, el: etree._Element) -> None:
        """Report an element the parser does not know and keep its value with the party."""
        where = f"{path}/{_local(el.tag)}"
        value = _markup(el)
        self.unknowns.append(Unknown(self.name, self.locator, f"element {where}", value))
        self.facts.append((self.uid, "unknown", value, where))

    def strays(self, el: etree._Element, path: str) -> None:
        """Children of an element that should hold only text: each one is reported."""
        for child in el:
            self.unknown(f"{path}/{_local(el.tag)}", child)

    def record(self, el: etree._Element, path: str, fields: Mapping[str, str]) -> dict[str, Any]:
        """A flat record (a name, an address…): its known children by column name."""
        values: dict[str, Any] = {}
        for child in el:
            tag = child.tag
            column = fields.get(tag) or fields.get(_local(tag))
            if column is None:
                self.unknown(path, child)
                continue
            if len(child):
                self.strays(child, path)
            text = child.text
            values[column] = (text.strip() or None) if text else None
        return values

    def values(self, box: etree._Element, path: str, names: tuple[str, ...], fact: str) -> None:
        """A list of single values (`Nationalities/Nationality`…) → facts."""
        uid, facts = self.uid, self.facts
        for item in box:
            tag = item.tag
            if tag not in names and _local(tag) not in names:
                self.unknown(f"{path}/{_local(box.tag)}", item)
                continue
            if len(item):
                self.strays(item, f"{path}/{_local(box.tag)}")
            text = item.text
            if text and (text := text.strip()):
                facts.append((uid, fact, text, None))

    def pairs(self, box: etree._Element, path: str, spec: tuple[Any, ...]) -> None:
        """A list of (value, extra) records (passports, national IDs, birth places) → facts."""
        names, value_tag, extra_tag, fact = spec
        where = f"{path}/{_local(box.tag)}"
        fields = {value_tag: "value", extra_tag: "extra"}
        for item in box:
            tag = _local(item.tag)
            if tag not in names:
                self.unknown(where, item)
                continue
            parts = self.record(item, f"{where}/{tag}", fields)
            value, extra = parts.get("value"), parts.get("extra")
            if value is not None or extra is not None:
                self.facts.append((self.uid, fact, value, extra))

    def details(self, box: etree._Element, spec: tuple[Any, ...]) -> None:
        """IndividualDetails / EntityDetails / ShipDetails: one item holding lists."""
        item_tag, lists, pairs = spec
        where = f"Designation/{_local(box.tag)}"
        for item in box:
            if _local(item.tag) != item_tag:
                self.unknown(where, item)
                continue
            path = f"{where}/{item_tag}"
            for child in item:
                tag = child.tag
                if tag[0] == "{":
                    tag = _local(tag)
                if tag in lists:
                    self.values(child, path, *lists[tag])
                elif tag in pairs:
                    self.pairs(child, path, pairs[tag])
                else:
                    self.unknown(path, child)

    def indicators(self, box: etree._Element) -> None:
        """`SanctionsImposedIndicators`: `true` ones become facts; `false` ones say nothing."""
        uid, facts = self.uid, self.facts
        for child in box:
            tag, text = child.tag, child.text
            if tag in INDICATORS and not len(child):
                if text == "false":
                    continue
                if text == "true":
                    facts.append((uid, "sanctions_indicator", tag, None))
                    continue
            tag = _local(tag)
            flag = text.strip().lower() if text else ""
            if len(child) or tag not in INDICATORS or flag not in ("true", "false", ""):
                self.unknown("Designation/SanctionsImposedIndicators", child)
            elif flag == "true":
                facts.append((uid, "sanctions_indicator", tag, None))

    def list_of(
        self, box: etree._Element, path: str, item_tag: str, fields: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """The records of `Names`, `NonLatinNames`, `Addresses`; other children are reported."""
        records = []
        for item in box:
            if item.tag != item_tag and _local(item.tag) != item_tag:
                self.unknown(path, item)
            else:
                records.append(self.record(item, f"{path}/{item_tag}", fields))
        return records

    def designation(self, el: etree._Element, number: int) -> str | None:
        """Walk one `Designation`; returns its UniqueID (None when it has none: a reject)."""
        found = el.find("{*}UniqueID")
        uid = _text(found) if found is not None else None
        self.uid, self.locator = uid, f"Designation {number} ({uid})"
        if uid is None:
            self.rejects.append(
                {
                    "kind": "entry",
                    "file": self.name,
                    "locator": self.locator,
                    "reason": "no UniqueID",
                    "raw": _serialize(el)[:4000],
                }
            )
            return None
        self.elements[uid] = el
        scalars: dict[str, str | None] = {}
        for child in el:
            tag = child.tag
            if tag[0] == "{":
                tag = _local(tag)
            column = XML_SCALARS.get(tag)
            if column is not None:
                if len(child):
                    self.strays(child, "Designation")
                text = child.text
                scalars[column] = (text.strip() or None) if text else None
            elif tag == "SanctionsImposedIndicators":
                self.indicators(child)
            elif tag == "Names":
                for parts in self.list_of(child, "Designation/Names", "Name", XML_NAME_FIELDS):
                    self.names.append((uid, *map(parts.get, NAME_COLUMNS)))
            elif tag == "NonLatinNames":
                path = "Designation/NonLatinNames"
                for parts in self.list_of(child, path, "NonLatinName", XML_NON_LATIN_FIELDS):
                    if parts.get("name") is not None:
                        self.non_latin.append((uid, *map(parts.get, NON_LATIN_COLUMNS)))
            elif tag == "Addresses":
                path = "Designation/Addresses"
                for parts in self.list_of(child, path, "Address", XML_ADDRESS_FIELDS):
                    if any(parts.values()):
                        self.addresses.append((uid, *map(parts.get, ADDRESS_COLUMNS)))
            elif tag in DESIGNATION_LISTS:
                self.values(child, "Designation", *DESIGNATION_LISTS[tag])
            elif tag in DETAILS:
                self.details(child, DETAILS[tag])
            else:
                self.unknown("Designation", child)
        scalars["unique_id"] = uid
        self.designations.append((*map(scalars.get, DESIGNATION_COLUMNS), self.locator))
        return uid

    def long_form(self) -> LongForm:
        """The walked rows; a value a party repeats (the real list gives AFG0011 the DOB
        `12/11/1967` twice) is kept once, as the CSV reader keeps a party's distinct values, so
        both formats of one publication give the same rows."""
        return LongForm(
            designations=_frame(self.designations, (*DESIGNATION_COLUMNS, "locator")),
            names=_frame(self.names, ("unique_id", *NAME_COLUMNS)).unique(maintain_order=True),
            non_latin=_frame(self.non_latin, ("unique_id", *NON_LATIN_COLUMNS)).unique(
                maintain_order=True
            ),
            addresses=_frame(self.addresses, ("unique_id", *ADDRESS_COLUMNS)).unique(
                maintain_order=True
            ),
            facts=_frame(self.facts, ("unique_id", *FACT_COLUMNS)).unique(maintain_order=True),
            unknowns=self.unknowns,
            rejects=self.rejects,
        )


def _frame(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> pl.DataFrame:
    """String frame from row tuples (transposed first: much faster than `orient='row'`)."""
    schema = dict.fromkeys(columns, pl.String)
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(
        dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)), schema=schema
    )


# Attributes of the root in the real file (2026-08-14): the generation time (UTC; the
# `DateGenerated` element gives the same day in dd/mm/yyyy and is the one read) and the schema
# it follows (`SanctionsListSchema-4.33.3.xsd`). Any other attribute is reported.
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
ROOT_ATTRIBUTES = frozenset(
    {"dateGenerated", f"{XSI}noNamespaceSchemaLocation", f"{XSI}schemaLocation"}
)


def parse_xml_file(name: str, data: bytes) -> ParseResult:
    """Parse `UK-Sanctions-List.xml` into canonical tables.

    Raises `SourceFormatError` for a payload that is not the list (empty, HTML, malformed or
    truncated XML, a DOCTYPE, no `Designation` at all) and for a UniqueID used twice.
    """
    root = parse_xml_safely(name, data, {"Designation": "UniqueID"})
    walker = _XmlWalker(name)
    unknowns: list[Unknown] = [
        Unknown(name, "root element", f"attribute Designations@{_local(key)}", value)
        for key, value in root.attrib.items()
        if key not in ROOT_ATTRIBUTES
    ]
    published: date | None = None
    seen: dict[str, int] = {}
    number = 0
    with _gc_paused():
        for child in root:
            tag = _local(child.tag)
            if tag == "Designation":
                number += 1
                uid = walker.designation(child, number)
                if uid is not None:
                    if uid in seen:
                        raise SourceFormatError(
                            name,
                            f"Designation {seen[uid]} and {number}",
                            f"duplicate UniqueID {uid}",
                        )
                    seen[uid] = number
            elif tag == "DateGenerated":
                raw = _text(child)
                published = _publication_date(raw)
                if published is None:
                    unknowns.append(
                        Unknown(name, "Designations/DateGenerated", "date format", raw or "")
                    )
            else:
                unknowns.append(
                    Unknown(
                        name, f"Designations/{tag}", f"element Designations/{tag}", _markup(child)
                    )
                )
        long = walker.long_form()
    if number == 0:
        raise SourceFormatError(
            name,
            f"root element {_local(root.tag)}",
            "no Designation element: not the UK Sanctions List",
        )
    if _local(root.tag) != "Designations":
        unknowns.append(Unknown(name, "root element", "root element", _local(root.tag)))
    if published is None:
        # no readable DateGenerated element: the root's generation time still dates the file
        published = _publication_date(root.get("dateGenerated"))
    long.unknowns[:0] = unknowns

    def raw_of(uid: str) -> str:
        return _serialize(walker.elements[uid])[:4000]

    return _result(name, "xml", long, raw_of, number, published, {"designations": _staged(long)})


def parse_xml(files: Mapping[str, bytes]) -> ParseResult:
    """UK-Sanctions-List.xml → canonical tables."""
    return parse_xml_file(XML_NAME, files[XML_NAME])
