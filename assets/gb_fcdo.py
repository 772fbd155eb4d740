"""UK Sanctions List (FCDO) — `gb_fcdo`.

Since 28 January 2026 the FCDO's UK Sanctions List is the single official UK list (OFSI's
Consolidated List was frozen then; see `gb_ofsi`). It is published as XML, CSV, ODS and JSON;
XML is canonical here and the CSV is parsed too and reconciled by the `formats_agree` check.

The parser was written from FORMATS.md and the element/column names public parsers of the real
files use, then checked against four real designations of the 2026-08-14 XML (the shipped
snapshot, tests/fixtures/gb_fcdo/): every element of those records is known. It is strict: every
element and column is taken explicitly, and anything else is reported as an `Unknown` with its
value kept (as an `unknown:<path>` attribute of its party), never dropped. No real CSV was at
hand: the CSV reader follows the documented layout (a constructed test fixture).

- XML: root `Designations` holding `DateGenerated` and one `Designation` per party, with
  `UniqueID`, `Names/Name` (`Name1`…`Name6`, `NameType`, `AliasStrength`), `NonLatinNames`,
  `RegimeName`, `SanctionsImposedIndicators`, `Addresses/Address`, `IndividualDetails`,
  `EntityDetails`, `ShipDetails`. Where public parsers disagree on a wrapper's name
  (`PassportDetail` or `Passport`, `TypeOfShips` or `TypeOfShipDetails`, `YearBuilts` or
  `YearsBuilt`…) both spellings are known.
- CSV: a `Report Date: dd/mm/yyyy` line, a 58-column header, then one row per name variant;
  the rows of a party share its `Unique ID` and sit together. A party's other multi-valued
  fields (addresses, dates of birth, passports, subsidiaries…) are the distinct values found
  across its rows, so the parser does not depend on how the rows spread them.

Both formats are first brought into the same long form (designations, names, non-Latin names,
addresses, and `(field, value, extra)` facts); one shared builder maps that to the canonical
tables, so the XML and the CSV of one publication give the same parties by construction.
"""

from __future__ import annotations

import copy
import csv
import gc
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
from lxml import etree

from assets.factory import Format, SourceSpec, source_assets
from core.canonical import ParseResult, Unknown, entity_id, frame
from core.countries import country_in_text, resolve
from core.dates import parse_dmy
from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from core.truncation import require_complete_csv
from core.un_references import un_reference_key
from core.xmlsafe import parse_xml as parse_xml_safely
from resources.fetcher import FileSpec
from schemas.canonical import imo_valid
from schemas.gb_fcdo import CSV_MODELS, XML_MODELS

SOURCE = "gb_fcdo"
AUTHORITY = "UK FCDO"
PUBLICATION_PAGE = "https://www.gov.uk/government/publications/the-uk-sanctions-list"
BASE_URL = "https://sanctionslist.fcdo.gov.uk/docs/"
XML_NAME = "UK-Sanctions-List.xml"
CSV_NAME = "UK-Sanctions-List.csv"
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known UK consolidated size: 2,037 parties on 2018-01-01 (OFSI's list of the same UK
# designations: 2,137 on 2018-12-05 less the 100 added that year, sanctions-intelligence.com,
# Dec 2018); the FCDO list holds some 6,000 designations in 2026. The shipped snapshot is a
# 4-designation excerpt of the real 2026-08-14 XML (snapshots/gb_fcdo/README.md): named in
# EXCERPTS, not a whole list.
SANITY_FLOOR = 203
EXCERPTS = {
    "43e9a9dd4dddee513076c2e8c6306110f9bf5c12f04c465e5347be6b3d688a29": "4 real designations "
    "of the 2026-08-14 UK Sanctions List XML (snapshots/gb_fcdo/README.md)",
    "a49304f6cb6aa2d7fe06979c849f07ff071d72b9526da3fa20fd6ffe3883f26a": "constructed 9-party "
    "sample in the FCDO XML layout (tests/fixtures/gb_fcdo/build_fixtures.py)",
    "fe38b2914ab7af9c430209c246d520d0975096e3126e2656950e0ae70c9a4b0e": "constructed 9-party "
    "sample in the FCDO CSV layout (tests/fixtures/gb_fcdo/build_fixtures.py)",
}

ENTITY_TYPES = {"individual": "person", "entity": "organization", "ship": "vessel"}
NAME_TYPES = {
    "primary name": "primary",
    "primary name variation": "primary_variation",
    "alias": "alias",
}

# --- the long form both formats are brought into ----------------------------------------------

DESIGNATION_COLUMNS = (
    "unique_id", "ofsi_group_id", "un_reference_number", "designation_type", "regime_name",
    "designation_source", "sanctions_imposed", "other_information", "statement_of_reasons",
    "date_designated", "last_updated",
)  # fmt: skip
NAME_PARTS = ("name1", "name2", "name3", "name4", "name5", "name6")
NAME_COLUMNS = (*NAME_PARTS, "name_type", "alias_strength")
NON_LATIN_COLUMNS = ("name", "script", "language")
ADDRESS_LINES = ("line1", "line2", "line3", "line4", "line5", "line6")
ADDRESS_COLUMNS = (*ADDRESS_LINES, "postal_code", "country")
FACT_COLUMNS = ("field", "value", "extra")


@dataclass
class LongForm:
    """A publication as rows of five shapes, keyed by Unique ID; what `_build` maps."""

    designations: pl.DataFrame  # DESIGNATION_COLUMNS + locator
    names: pl.DataFrame  # unique_id + NAME_COLUMNS
    non_latin: pl.DataFrame  # unique_id + NON_LATIN_COLUMNS
    addresses: pl.DataFrame  # unique_id + ADDRESS_COLUMNS
    facts: pl.DataFrame  # unique_id + FACT_COLUMNS: every other value, typed by `field`
    unknowns: list[Unknown] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)


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


_DATE_FORMATS = ("%d/%m/%Y", "%d-%b-%Y", "%d %B %Y", "%Y-%m-%d")


def _publication_date(value: str | None) -> date | None:
    """The file's own date: dd/mm/yyyy as elsewhere in the list; other common forms accepted."""
    if not value:
        return None
    text_ = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text_, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text_.replace("Z", "+00:00")).date()
    except ValueError:
        return None


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


# --- CSV -----------------------------------------------------------------------------------------

# Column → long-form column, for the columns FORMATS.md lists. Order is not relied on.
CSV_DESIGNATION_COLUMNS = {
    "Unique ID": "unique_id",
    "OFSI Group ID": "ofsi_group_id",
    "UN Reference Number": "un_reference_number",
    "Designation Type": "designation_type",
    "Regime Name": "regime_name",
    "Designation source": "designation_source",
    "Sanctions Imposed": "sanctions_imposed",
    "Other Information": "other_information",
    "UK Statement of Reasons": "statement_of_reasons",
    "Date Designated": "date_designated",
    "Last Updated": "last_updated",
}
CSV_NAME_COLUMNS = {
    "Name 1": "name1", "Name 2": "name2", "Name 3": "name3", "Name 4": "name4", "Name 5": "name5",
    "Name 6": "name6", "Name type": "name_type", "Alias strength": "alias_strength",
}  # fmt: skip
CSV_NON_LATIN_COLUMNS = {
    "Name non-latin script": "name",
    "Non-latin script type": "script",
    "Non-latin script language": "language",
}
CSV_ADDRESS_COLUMNS = {
    "Address Line 1": "line1", "Address Line 2": "line2", "Address Line 3": "line3",
    "Address Line 4": "line4", "Address Line 5": "line5", "Address Line 6": "line6",
    "Address Postal Code": "postal_code", "Address Country": "country",
}  # fmt: skip
# Fact columns: column → (fact field, column holding its extra value or None).
CSV_FACT_COLUMNS = {
    "Title": ("title", None),
    "Phone number": ("phone", None),
    "Email address": ("email", None),
    "Website": ("website", None),
    "D.O.B": ("dob", None),
    "Nationality(/ies)": ("nationality", None),
    "Position": ("position", None),
    "Gender": ("gender", None),
    "Passport number": ("passport", "Passport additional information"),
    "National Identifier number": ("national_id", "National Identifier additional information"),
    "Town of birth": ("birth", "Country of birth"),
    "Type of entity": ("type_of_entity", None),
    "Subsidiaries": ("subsidiary", None),
    "Parent company": ("parent_company", None),
    "Business registration number (s)": ("registration", None),
    "IMO number": ("imo", None),
    "Current owner/operator (s)": ("current_owner", None),
    "Previous owner/operator (s)": ("previous_owner", None),
    "Current believed flag of ship": ("current_flag", None),
    "Previous flags": ("previous_flag", None),
    "Type of ship": ("type_of_ship", None),
    "Tonnage of ship": ("tonnage", None),
    "Length of ship": ("length", None),
    "Year Built": ("year_built", None),
    "Hull identification number (HIN)": ("hin", None),
}
CSV_EXTRA_COLUMNS = (
    "Passport additional information",
    "National Identifier additional information",
    "Country of birth",
)
# Columns public copies of the real file carry beyond FORMATS.md's list: known, not required.
CSV_OPTIONAL = frozenset(
    {"Non-latin script type", "National Identifier additional information", "Length of ship"}
)
CSV_KNOWN = (
    *CSV_DESIGNATION_COLUMNS,
    *CSV_NAME_COLUMNS,
    "Title",
    *CSV_NON_LATIN_COLUMNS,
    *CSV_ADDRESS_COLUMNS,
    *(c for c in CSV_FACT_COLUMNS if c != "Title"),
    *CSV_EXTRA_COLUMNS,
)
CSV_REQUIRED = tuple(c for c in CSV_KNOWN if c not in CSV_OPTIONAL)
CSV_STAGED = {c: re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_") for c in CSV_KNOWN}
_REPORT_DATE = re.compile(r"^\ufeff?Report Date:\s*(?P<date>.*?)\s*$", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"


def _locate_bad_record(text_: str, width: int) -> tuple[str, str]:
    """Where the first record with a wrong field count (or a broken quote) is, and what is wrong.

    `text_` starts at the header (line 2 of the file).
    """
    reader = csv.reader(io.StringIO(text_), strict=True)
    try:
        for number, record in enumerate(reader):
            if number >= 1 and len(record) != width:
                where = f"record {number} (line {reader.line_num + 1})"
                return where, f"has {len(record)} fields, expected {width}"
    except csv.Error as exc:
        return f"line {reader.line_num + 1}", str(exc)
    return "unknown record", "unparseable CSV"


def _clean(column: str) -> pl.Expr:
    """Stripped value, null when empty: applied to the few distinct values, not to every row."""
    value = pl.col(column).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value).alias(column)


def read_csv(name: str, data: bytes) -> tuple[pl.DataFrame, list[str], str | None]:
    """Read the CSV strictly: `Report Date` line, known header, UTF-8, exact field count.

    Returns the rows as published (strings; an empty field is null; `record` numbers the data
    records from 1), the header and the raw report date. Values are stripped later, on the
    distinct values of each party, which is much cheaper than stripping every row.
    """
    check_payload(name, data)
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    require_complete_csv(name, body, header_lines=2, key="Unique ID")
    end_first = body.find(b"\n")
    end_header = body.find(b"\n", end_first + 1) if end_first >= 0 else -1
    head = decode(name, body[: end_header if end_header >= 0 else len(body)], "utf-8")
    first, _, header_line = head.partition("\n")
    if first.lstrip().startswith("<"):
        raise SourceFormatError(name, "line 1", "expected the UK Sanctions List CSV, found markup")
    match = _REPORT_DATE.match(first.rstrip("\r").rstrip(",").strip())
    if match is None:
        raise SourceFormatError(
            name, "line 1", f"expected 'Report Date: dd/mm/yyyy', found {first[:80]!r}"
        )
    header = next(csv.reader([header_line.rstrip("\r")]), [])
    if not any(h.strip() for h in header):
        raise SourceFormatError(name, "line 2", "no header row (file truncated?)")
    stripped = [h.strip() for h in header]
    duplicates = sorted({h for h in stripped if stripped.count(h) > 1})
    if duplicates or "" in stripped:
        what = f"repeated column(s) {duplicates}" if duplicates else "an unnamed column"
        raise SourceFormatError(name, "line 2 (header)", f"the header has {what}: changed layout")
    missing = [c for c in CSV_REQUIRED if c not in stripped]
    if missing:
        raise SourceFormatError(
            name,
            "line 2 (header)",
            f"missing column(s) {missing}: the header changed (found {len(header)} columns)",
        )
    if end_header < 0 or not body[end_header + 1 :].strip():
        raise SourceFormatError(name, "line 3", "no data rows after the header (file truncated?)")
    try:
        # pyarrow, unlike polars, refuses a record with too few fields and invalid UTF-8.
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)[end_header + 1 :]),
            read_options=pacsv.ReadOptions(column_names=stripped),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(stripped, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        text_ = decode(name, body, "utf-8")  # names the first bad byte, if that is the fault
        where, what = _locate_bad_record(text_.partition("\n")[2], len(header))
        raise SourceFormatError(name, where, what) from exc
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return (
        df.with_columns(_clean("Unique ID"))
        .with_row_index("record", offset=1)
        .with_columns(pl.col("record").cast(pl.Int64)),
        header,
        match.group("date"),
    )


def _csv_long_form(name: str, df: pl.DataFrame, header: list[str]) -> LongForm:
    """The CSV rows (several per party) → the long form, with distinct values per party."""
    unknowns: list[Unknown] = []
    rejects: list[dict[str, Any]] = []
    uid = pl.col("Unique ID")
    for row in df.filter(uid.is_null()).iter_rows(named=True):
        raw = json.dumps(row, ensure_ascii=False, default=str)[:4000]
        locator = f"record {row['record']}"
        rejects.append(
            {"kind": "row", "file": name, "locator": locator, "reason": "no Unique ID", "raw": raw}
        )
    df = df.filter(uid.is_not_null())
    # The rows of one party sit together; the same ID again further down is a second party.
    runs = df.select(uid, (uid != uid.shift(1)).fill_null(True).cum_sum().alias("run"), "record")
    split = (
        runs.group_by("Unique ID")
        .agg(pl.col("run").n_unique(), pl.col("record"))
        .filter(pl.col("run") > 1)
    )
    if split.height:
        row = split.row(0, named=True)
        records = row["record"]
        gap = next(b for a, b in itertools.pairwise(records) if b != a + 1)
        raise SourceFormatError(
            name,
            f"records {records[0]} and {gap}",
            f"duplicate Unique ID {row['Unique ID']} (rows not together)",
        )

    fact_frames: list[pl.DataFrame] = []
    for position, column in enumerate(h.strip() for h in header):
        if column in CSV_STAGED:
            continue
        values = (
            df.select(
                uid.alias("unique_id"),
                pl.lit("unknown").alias("field"),
                pl.col(column).alias("value"),
                pl.lit(f"column {column}").alias("extra"),
            )
            .filter(pl.col("value").is_not_null())
            .unique(maintain_order=True)
        )
        example = values["value"][0].strip() if values.height else ""
        unknowns.append(Unknown(name, f"header column {position + 1}", f"column {column}", example))
        fact_frames.append(values)

    party = [c for c in CSV_DESIGNATION_COLUMNS if c != "Unique ID"]
    aggregated = df.group_by("Unique ID", maintain_order=True).agg(
        pl.col("record").min().alias("first"),
        pl.col("record").max().alias("last"),
        *(pl.col(c).drop_nulls().first().alias(c) for c in party),
    )
    locator = pl.format("records {}-{} (Unique ID {})", "first", "last", "Unique ID").alias(
        "locator"
    )
    designations = aggregated.select(
        pl.col("Unique ID").alias("unique_id"),
        *(_clean(c).alias(CSV_DESIGNATION_COLUMNS[c]) for c in party),
        locator,
    )
    # A party-level column with two values inside one party: keep both, report the others.
    # Rows are compared with the party's previous value (string compares, no hashing of the
    # long texts); only parties flagged so are looked at closely.
    starts = (uid != uid.shift(1)).fill_null(True)
    flags = df.select(
        uid,
        *(
            (pl.col(c).is_not_null() & ~starts & (pl.col(c) != _previous(c, starts))).alias(c)
            for c in party
        ),
    )
    flagged = flags.filter(pl.any_horizontal(party))
    for column in party if flagged.height else ():
        suspects = flagged.filter(pl.col(column)).select("Unique ID").unique()
        if not suspects.height:
            continue
        values = (
            df.join(suspects, on="Unique ID", maintain_order="left")
            .join(aggregated.select("Unique ID", locator), on="Unique ID", maintain_order="left")
            .select(
                pl.col("Unique ID").alias("unique_id"), "locator", _clean(column).alias("value")
            )
            .drop_nulls()
            .unique(maintain_order=True)
            .filter(pl.col("unique_id").cum_count().over("unique_id") > 1)
        )
        for row in values.iter_rows(named=True):
            what = f"column {column} differs within a party"
            unknowns.append(Unknown(name, row["locator"], what, row["value"]))
        target = CSV_DESIGNATION_COLUMNS[column]
        fact_frames.append(
            values.select(
                "unique_id",
                pl.lit("unknown").alias("field"),
                "value",
                pl.lit(f"column {column} ({target})").alias("extra"),
            )
        )

    lazy = df.lazy()

    def distinct(columns: Mapping[str, str]) -> pl.LazyFrame:
        present = {c: v for c, v in columns.items() if c in df.columns}
        values = list(columns.values())
        return (
            lazy.select(uid.alias("unique_id"), *(pl.col(c).alias(v) for c, v in present.items()))
            .with_columns(
                pl.lit(None, pl.String).alias(v) for v in values if v not in present.values()
            )
            .filter(pl.any_horizontal(pl.col(values).is_not_null()))
            .unique(maintain_order=True)
            .with_columns(_clean(v) for v in values)
            .filter(pl.any_horizontal(pl.col(values).is_not_null()))
            .unique(maintain_order=True)
            .select("unique_id", *values)
        )

    fact_plans = [f.lazy().select("unique_id", *FACT_COLUMNS) for f in fact_frames]
    # Single-value columns in one unpivot (column by column, rows in order); pairs on their own.
    singles = {c: f for c, (f, extra) in CSV_FACT_COLUMNS.items() if extra is None and c in df}
    fact_plans.append(
        lazy.select(uid.alias("unique_id"), *(pl.col(c).alias(f) for c, f in singles.items()))
        .unpivot(index="unique_id", variable_name="field", value_name="value")
        .filter(pl.col("value").is_not_null())
        .select("unique_id", "field", "value", pl.lit(None, pl.String).alias("extra"))
    )
    for column, (fact, extra) in CSV_FACT_COLUMNS.items():
        if extra is None or column not in df.columns:
            continue
        extra_col = pl.col(extra) if extra in df.columns else pl.lit(None, pl.String)
        fact_plans.append(
            lazy.select(
                uid.alias("unique_id"),
                pl.lit(fact).alias("field"),
                pl.col(column).alias("value"),
                extra_col.alias("extra"),
            ).filter(pl.col("value").is_not_null() | pl.col("extra").is_not_null())
        )
    facts = (
        pl.concat(fact_plans)
        .with_columns(_clean("value"), _clean("extra"))
        .filter(pl.col("value").is_not_null() | pl.col("extra").is_not_null())
        .unique(maintain_order=True)
    )
    names, non_latin, addresses, facts_ = pl.collect_all(
        [
            distinct(CSV_NAME_COLUMNS),
            distinct(CSV_NON_LATIN_COLUMNS).filter(pl.col("name").is_not_null()),
            distinct(CSV_ADDRESS_COLUMNS),
            facts,
        ]
    )
    return LongForm(
        designations=designations,
        names=names,
        non_latin=non_latin,
        addresses=addresses,
        facts=facts_,
        unknowns=unknowns,
        rejects=rejects,
    )


def _previous(column: str, starts: pl.Expr) -> pl.Expr:
    """The party's last non-null value before this row (null on its first row)."""
    sentinel = "\x00"
    filled = (
        pl.when(starts & pl.col(column).is_null())
        .then(pl.lit(sentinel))
        .otherwise(pl.col(column))
        .forward_fill()
        .shift(1)
    )
    return pl.when(filled != sentinel).then(filled)


def parse_csv_file(name: str, data: bytes) -> ParseResult:
    """Parse `UK-Sanctions-List.csv` into canonical tables.

    Raises `SourceFormatError` for a payload that is not the list (empty, HTML, wrong
    encoding, no `Report Date` line, changed header, a record with the wrong field count,
    truncated quoting) and for a Unique ID whose rows are split (a duplicate party).
    """
    df, header, report_date = read_csv(name, data)
    long = _csv_long_form(name, df, header)
    published = _publication_date(report_date)
    if published is None:
        long.unknowns.insert(0, Unknown(name, "line 1", "date format", report_date or ""))
    staged_rows = df.select(
        "record", *(pl.col(c).alias(s) for c, s in CSV_STAGED.items() if c in df.columns)
    ).with_columns(
        pl.lit(None, pl.String).alias(s) for c, s in CSV_STAGED.items() if c not in df.columns
    )
    staged_rows = staged_rows.select("record", *CSV_STAGED.values())

    def raw_of(uid: str) -> str:
        rows = df.filter(pl.col("Unique ID") == uid).to_dicts()
        return json.dumps(rows, ensure_ascii=False, default=str)[:4000]

    staged = {"designations": _staged(long), "rows": staged_rows}
    return _result(name, "csv", long, raw_of, long.designations.height, published, staged)


# --- shared: long form → canonical tables --------------------------------------------------------

_DOC_NOISE = r"[\s.\-()]"


def _staged(long: LongForm) -> pl.DataFrame:
    """The staged `designations` frame: one row per party, values as published."""
    return long.designations.select(*DESIGNATION_COLUMNS)


def _lookup(values: pl.Series, fn: Callable[[str], Any]) -> dict[str, Any]:
    """`fn` of each distinct value: Python work done once per value, not once per row."""
    return {v: fn(v) for v in values.drop_nulls().unique().to_list()}


def _quality(value: str | None) -> str | bool | None:
    """AliasStrength → quality; False for a value the parser does not know."""
    if value is None:
        return None
    key = value.strip().lower()
    if key.startswith(("good", "strong")):
        return "strong"
    if key.startswith(("low", "weak")):
        return "weak"
    return False


def _result(
    name: str,
    fmt: str,
    long: LongForm,
    raw_of: Callable[[str], str],
    entry_count: int,
    published: date | None,
    staged: dict[str, pl.DataFrame],
) -> ParseResult:
    """Build the canonical tables and wrap everything in a `ParseResult`."""
    tables, unknowns, rejects = _build(name, long, raw_of)
    tables["rejects"] = frame("rejects", [*long.rejects, *rejects])
    return ParseResult(
        source=SOURCE,
        tables=tables,
        staged=staged,
        unknowns=[*long.unknowns, *unknowns],
        entry_count=entry_count,
        published_at=published,
        format=fmt,
    )


def _build(
    name: str, long: LongForm, raw_of: Callable[[str], str]
) -> tuple[dict[str, pl.DataFrame], list[Unknown], list[dict[str, Any]]]:
    """Map the long form to canonical tables; returns tables, unknown codes and rejected parties.

    First the decisions, eagerly (codes, primary names, rejects, the values looked up in
    Python: countries, dates of birth, IMO check digits); then every table as one lazy query,
    all collected together so polars runs them in parallel.
    """
    unknowns: list[Unknown] = []
    rejects: list[dict[str, Any]] = []
    origin = pl.lit(name).alias("origin")
    eid = (pl.lit(f"{SOURCE}-") + pl.col("unique_id")).alias("entity_id")
    assert entity_id(SOURCE, "X") == f"{SOURCE}-X"  # the expression above spells entity_id()
    d = long.designations
    locators = dict(zip(d["unique_id"].to_list(), d["locator"].to_list(), strict=True))

    def report(frame_: pl.DataFrame, what: str, column: str) -> None:
        for uid, value in frame_.select("unique_id", column).iter_rows():
            unknowns.append(Unknown(name, locators.get(uid, uid), what, value or ""))

    # Names: Name1…Name6 joined in order (individuals: given names, then the family name).
    names = long.names.with_columns(
        name=pl.concat_str([pl.col(c) for c in NAME_PARTS], separator=" ", ignore_nulls=True),
        type_key=pl.col("name_type").str.strip_chars().str.to_lowercase(),
    ).filter(pl.col("name") != "")
    qualities = _lookup(names["alias_strength"], _quality)
    names = names.with_columns(
        kind=pl.col("type_key").replace_strict(NAME_TYPES, default=None),
        quality=pl.col("alias_strength").replace_strict(
            {k: v for k, v in qualities.items() if v is not False},
            default=None,
            return_dtype=pl.String,
        ),
    )
    report(names.filter(pl.col("kind").is_null()), "NameType", "name_type")
    strange = [k for k, v in qualities.items() if v is False]
    report(names.filter(pl.col("alias_strength").is_in(strange)), "AliasStrength", "alias_strength")
    names = names.with_columns(pl.col("kind").fill_null("alias"))

    primary = (
        pl.concat(
            [
                names.filter(pl.col("type_key") == "primary name").select(
                    "unique_id", "name", pl.lit(0).alias("rank")
                ),
                names.select("unique_id", "name", pl.lit(1).alias("rank")),
                long.non_latin.select("unique_id", "name", pl.lit(2).alias("rank")),
            ]
        )
        .sort("rank", maintain_order=True)
        .group_by("unique_id", maintain_order=True)
        .first()
        .select("unique_id", pl.col("name").alias("primary_name"))
    )
    d = d.join(primary, on="unique_id", how="left", maintain_order="left").with_columns(
        entity_type=pl.col("designation_type")
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(ENTITY_TYPES, default=None)
    )
    report(d.filter(pl.col("entity_type").is_null()), "IndividualEntityShip", "designation_type")
    refused = d.filter(pl.col("entity_type").is_null() | pl.col("primary_name").is_null())
    for row in refused.iter_rows(named=True):
        reason = (
            f"unknown IndividualEntityShip {row['designation_type']!r}"
            if row["entity_type"] is None
            else "no name"
        )
        rejects.append(
            {
                "kind": "entry",
                "file": name,
                "locator": row["locator"],
                "reason": reason,
                "raw": raw_of(row["unique_id"]),
            }
        )
    d = d.filter(pl.col("entity_type").is_not_null() & pl.col("primary_name").is_not_null())
    non_latin, addresses, facts = long.non_latin, long.addresses, long.facts
    taken = d.select("unique_id", "entity_type")
    names = names.join(taken, on="unique_id", how="inner", maintain_order="left")
    if refused.height:
        gone = refused.select("unique_id")
        non_latin, addresses, facts = (
            df.join(gone, on="unique_id", how="anti") for df in (non_latin, addresses, facts)
        )
    by_field = {key[0]: part for key, part in facts.partition_by("field", as_dict=True).items()}

    def of(field_: str) -> pl.DataFrame:
        return by_field.get(field_, facts.clear())

    # Dates: dd/mm/yyyy. A date that does not read is reported and kept as an attribute.
    dmy = "%d/%m/%Y"
    d = d.with_columns(
        listed_on=pl.col("date_designated").str.strptime(pl.Date, dmy, strict=False),
        updated_on=pl.col("last_updated").str.strptime(pl.Date, dmy, strict=False),
    )
    attributes: list[pl.LazyFrame] = []
    for raw_col, parsed, what in (
        ("date_designated", "listed_on", "DateDesignated"),
        ("last_updated", "updated_on", "LastUpdated"),
    ):
        bad = d.filter(pl.col(raw_col).is_not_null() & pl.col(parsed).is_null())
        report(bad, f"{what} date format", raw_col)
        attributes.append(
            bad.lazy().select(
                "unique_id", pl.lit(raw_col).alias("attribute"), pl.col(raw_col).alias("value")
            )
        )

    dobs = of("dob")
    parsed_dobs = _lookup(dobs["value"], parse_dmy)
    unread = [k for k, v in parsed_dobs.items() if v is None]
    report(dobs.filter(pl.col("value").is_in(unread)), "DOB date format", "value")
    attributes.append(
        dobs.lazy()
        .filter(pl.col("value").is_in(unread))
        .select("unique_id", pl.lit("date_of_birth").alias("attribute"), "value")
    )
    dob_values = pl.DataFrame(
        [{"value": k, **v.as_row()} for k, v in parsed_dobs.items() if v is not None],
        schema={
            "value": pl.String,
            "raw": pl.String,
            "date_from": pl.Date,
            "date_to": pl.Date,
            "precision": pl.String,
            "circa": pl.Boolean,
        },
    )

    imo = of("imo").with_columns(digits=pl.col("value").str.replace_all(r"\D", ""))
    imo_ok = _lookup(imo["digits"], imo_valid)
    imo = imo.with_columns(
        ok=pl.col("digits").replace_strict(imo_ok, default=False, return_dtype=pl.Boolean)
    )
    report(imo.filter(~pl.col("ok")), "IMO number failing its check digit", "value")

    countries_of = _lookup(
        pl.concat(
            [
                addresses["country"],
                of("nationality")["value"],
                of("current_flag")["value"],
                of("birth")["extra"],
            ]
        ),
        resolve,
    )

    def code(column: str) -> pl.Expr:
        return pl.col(column).replace_strict(countries_of, default=None, return_dtype=pl.String)

    # --- every table as a lazy query ---
    dl = d.lazy()

    def lazy(field_: str) -> pl.LazyFrame:
        return of(field_).lazy()

    entities = dl.select(
        eid,
        pl.col("unique_id").alias("source_id"),
        "entity_type",
        "primary_name",
        "listed_on",
        pl.col("updated_on").alias("last_updated"),
        pl.col("other_information").alias("remarks"),
        pl.lit(None, pl.String).alias("unparsed_remarks"),
    )

    person = pl.col("entity_type") == "person"
    given = pl.concat_str([pl.col(c) for c in NAME_PARTS[:5]], separator=" ", ignore_nulls=True)
    name_rows = pl.concat(
        [
            names.lazy().select(
                eid,
                "name",
                pl.col("kind").alias("name_type"),
                "quality",
                pl.lit(None, pl.String).alias("script"),
                pl.lit(None, pl.String).alias("language"),
                pl.when(person & (given != "")).then(given).alias("given_name"),
                pl.when(person).then(pl.col("name6")).alias("family_name"),
                origin,
            ),
            non_latin.lazy().select(
                eid,
                "name",
                pl.lit("original_script").alias("name_type"),
                pl.lit(None, pl.String).alias("quality"),
                "script",
                "language",
                pl.lit(None, pl.String).alias("given_name"),
                pl.lit(None, pl.String).alias("family_name"),
                origin,
            ),
        ]
    )

    # Identifiers: the list's own references, then documents, registrations, IMO and contacts.
    def ids(
        df: pl.LazyFrame,
        id_type: str,
        label: str,
        value: str,
        normalized: pl.Expr,
        note: pl.Expr | None = None,
    ) -> pl.LazyFrame:
        return df.filter(pl.col(value).is_not_null()).select(
            eid,
            pl.lit(id_type).alias("id_type"),
            pl.lit(label).alias("label"),
            pl.col(value).alias("value"),
            normalized.alias("normalized"),
            (note if note is not None else pl.lit(None, pl.String)).alias("note"),
            origin,
        )

    doc = pl.col("value").str.replace_all(_DOC_NOISE, "").str.to_uppercase()
    extra = pl.col("extra")
    # The issuing country is given only in words, in the additional information (`Afghanistan
    # diplomatic passport number D0009720, issued …`): read with the rule OFSI's notes get.
    issuers = _lookup(
        pl.concat([of("passport")["extra"], of("national_id")["extra"]]), _issuing_country
    )

    def issued(rows: pl.LazyFrame) -> pl.LazyFrame:
        code_ = pl.col("note").replace_strict(issuers, default=None, return_dtype=pl.String)
        return rows.with_columns(
            country_code=code_, country_raw=pl.when(code_.is_not_null()).then(pl.col("note"))
        )

    imo_lazy = imo.lazy()
    identifiers = pl.concat(
        [
            ids(
                dl,
                "list_reference",
                "Unique ID",
                "unique_id",
                pl.col("unique_id").str.to_uppercase(),
            ),
            ids(
                dl,
                "un_reference",
                "UN Reference Number",
                "un_reference_number",
                # the current form of a historic reference (`QI.A.291.11` → `QDI.291`)
                pl.col("un_reference_number").map_elements(
                    un_reference_key, return_dtype=pl.String
                ),
            ),
            ids(
                dl,
                "ofsi_group_id",
                "OFSI Group ID",
                "ofsi_group_id",
                pl.col("ofsi_group_id").str.replace_all(r"\s", ""),
            ),
            issued(ids(lazy("passport"), "passport", "Passport number", "value", doc, extra)),
            issued(
                ids(
                    lazy("national_id"),
                    "national_id",
                    "National Identifier number",
                    "value",
                    doc,
                    extra,
                )
            ),
            ids(lazy("registration"), "registration", "Business registration number", "value", doc),
            ids(imo_lazy.filter(pl.col("ok")), "imo", "IMO number", "value", pl.col("digits")),
            ids(
                imo_lazy.filter(~pl.col("ok")),
                "other",
                "IMO number",
                "value",
                pl.col("digits"),
                pl.lit("fails the IMO check digit"),
            ),
            ids(
                lazy("phone"),
                "phone",
                "Phone number",
                "value",
                pl.col("value").str.replace_all(r"\D", ""),
            ),
            ids(
                lazy("email"), "email", "Email address", "value", pl.col("value").str.to_lowercase()
            ),
            ids(lazy("website"), "website", "Website", "value", pl.col("value").str.to_lowercase()),
        ],
        how="diagonal",
    )

    # Addresses: lines 1-5 are the street part; the lists put the town or city in line 6 (OFSI's
    # 2025 list, same data: `Address 6` is Moscow 206 times, Tehran 169, …, a province now and
    # then, such as AQD0128's `Deir ez-Zor Governorate`). A town in an earlier line (AFG0011's
    # `Darul Aman`, `Kabul`) stays in `street`: which line is the town is not said.
    street = pl.concat_str(
        [pl.col(c) for c in ADDRESS_LINES[:5]], separator=", ", ignore_nulls=True
    )
    full = pl.concat_str([pl.col(c) for c in ADDRESS_COLUMNS], separator=", ", ignore_nulls=True)
    address_rows = addresses.lazy().select(
        eid,
        pl.when(full != "").then(full).alias("full_address"),
        pl.when(street != "").then(street).alias("street"),
        pl.col("line6").alias("city"),
        "postal_code",
        code("country").alias("country_code"),
        pl.col("country").alias("country_raw"),
        origin,
    )

    birth_dates = (
        dobs.lazy()
        .join(dob_values.lazy(), on="value", how="inner", maintain_order="left")
        .select(eid, "raw", "date_from", "date_to", "precision", "circa", origin)
    )
    place = pl.concat_str([pl.col("value"), pl.col("extra")], separator=", ", ignore_nulls=True)
    birth_places = lazy("birth").select(
        eid, place.alias("place"), code("extra").alias("country_code"), origin
    )

    def countries(source: pl.LazyFrame, column: str, relation: str) -> pl.LazyFrame:
        return source.filter(pl.col(column).is_not_null()).select(
            eid,
            code(column).alias("country_code"),
            pl.col(column).alias("raw"),
            pl.lit(relation).alias("relation"),
            origin,
        )

    country_rows = pl.concat(
        [
            countries(lazy("nationality"), "value", "nationality"),
            countries(lazy("current_flag"), "value", "flag"),
            countries(lazy("birth"), "extra", "birth"),
        ]
    ).unique(maintain_order=True)  # three birth places in one country are one birth country

    sanctions = dl.select(
        eid,
        pl.lit(AUTHORITY).alias("authority"),
        pl.col("regime_name").alias("program"),
        # The FCDO names each regime by its Regulations (`The Afghanistan (Sanctions) (EU Exit)
        # Regulations 2020`): that title is the legal act. `DesignationSource` (UN or UK) says
        # who designated the party; it is an attribute, not a legal basis.
        pl.col("regime_name").alias("legal_basis"),
        "listed_on",
        origin,
    )

    facts_lazy = facts.lazy()
    attributes += [
        facts_lazy.filter(pl.col("field").is_in(list(ATTRIBUTE_NAMES))).select(
            "unique_id", pl.col("field").replace_strict(ATTRIBUTE_NAMES).alias("attribute"), "value"
        ),
        facts_lazy.filter(pl.col("field") == "unknown").select(
            "unique_id",
            ("unknown:" + pl.col("extra")).alias("attribute"),
            pl.col("value").fill_null(""),
        ),
        dl.filter(pl.col("designation_source").is_not_null()).select(
            "unique_id",
            pl.lit("designation_source").alias("attribute"),
            pl.col("designation_source").alias("value"),
        ),
        dl.filter(pl.col("statement_of_reasons").is_not_null()).select(
            "unique_id",
            pl.lit("uk_statement_of_reasons").alias("attribute"),
            pl.col("statement_of_reasons").alias("value"),
        ),
        dl.select("unique_id", pl.col("sanctions_imposed").str.split("|").alias("value"))
        .explode("value")
        .with_columns(pl.col("value").str.strip_chars())
        .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .unique(maintain_order=True)
        .select("unique_id", pl.lit("sanctions_imposed").alias("attribute"), "value"),
    ]
    attribute_rows = pl.concat(attributes).select(eid, "attribute", "value", origin)

    relationships = _resolve_links(
        facts_lazy.filter(pl.col("field").is_in(list(RELATIONS))).select(
            eid.alias("from_entity_id"),
            pl.col("value").alias("to_name"),
            pl.col("field").replace_strict(RELATIONS).alias("relation"),
            origin,
        ),
        name_rows,
    )

    plans = {
        "entities": entities,
        "names": name_rows,
        "identifiers": identifiers,
        "addresses": address_rows,
        "birth_dates": birth_dates,
        "birth_places": birth_places,
        "countries": country_rows,
        "sanctions": sanctions,
        "attributes": attribute_rows,
        "relationships": relationships,
    }
    tables = dict(zip(plans, pl.collect_all(plans.values()), strict=True))
    return tables, unknowns, rejects


ATTRIBUTE_NAMES = {
    "title": "title",
    "position": "position",
    "gender": "gender",
    "type_of_entity": "type_of_entity",
    "type_of_ship": "vessel_type",
    "tonnage": "vessel_tonnage",
    "length": "vessel_length",
    "year_built": "vessel_year_built",
    "hin": "hull_identification_number",
    "previous_flag": "previous_flag",
    "current_owner": "current_owner_operator",
    "previous_owner": "previous_owner_operator",
    "sanctions_indicator": "sanctions_indicator",
}
RELATIONS = {
    "current_owner": "owner_operator",
    "previous_owner": "previous_owner_operator",
    "subsidiary": "subsidiary",
    "parent_company": "parent_company",
}


def _issuing_country(note: str) -> str | None:
    """A document's issuer from its additional information: a bare country, else one named."""
    return resolve(note) or country_in_text(note)


def _key(column: str) -> pl.Expr:
    return pl.col(column).str.to_uppercase().str.replace_all(r"\s+", " ").str.strip_chars(" .")


def _resolve_links(relationships: pl.LazyFrame, names: pl.LazyFrame) -> pl.LazyFrame:
    """Fill `to_entity_id` where a named owner, parent or subsidiary is a name of exactly one party."""
    index = (
        names.filter(pl.col("name_type") != "original_script")
        .select(_key("name").alias("key"), pl.col("entity_id").alias("target"))
        .unique()
        .filter(pl.col("key").is_unique())
    )
    linked = relationships.with_columns(key=_key("to_name")).join(
        index, on="key", how="left", maintain_order="left"
    )
    return linked.select(
        "from_entity_id",
        pl.when(pl.col("target") != pl.col("from_entity_id"))
        .then(pl.col("target"))
        .alias("to_entity_id"),
        "to_name",
        "relation",
        "origin",
    )


# --- source ---------------------------------------------------------------------------------------


def parse_xml(files: Mapping[str, bytes]) -> ParseResult:
    """UK-Sanctions-List.xml → canonical tables."""
    return parse_xml_file(XML_NAME, files[XML_NAME])


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """UK-Sanctions-List.csv → canonical tables."""
    return parse_csv_file(CSV_NAME, files[CSV_NAME])


# the documented direct URLs; when one fails, the link is looked up on the publication page
XML_FILES = (FileSpec(XML_NAME, BASE_URL + XML_NAME, "xml", page=PUBLICATION_PAGE),)
CSV_FILES = (FileSpec(CSV_NAME, BASE_URL + CSV_NAME, "csv", page=PUBLICATION_PAGE),)

SPEC = SourceSpec(
    source=SOURCE,
    publisher="UK Foreign, Commonwealth & Development Office (FCDO)",
    description=(
        "UK Sanctions List, the single official UK list since 28 January 2026 "
        f"(XML canonical, CSV reconciled; {PUBLICATION_PAGE})."
    ),
    formats=(
        Format("xml", XML_FILES, parse_xml, XML_MODELS),
        Format("csv", CSV_FILES, parse_csv, CSV_MODELS),
    ),
    sanity_floor=SANITY_FLOOR,
    excerpts=EXCERPTS,
    kinds=frozenset({"python", "polars", "xml", "csv"}),
    authority=AUTHORITY,
)

asset, checks = source_assets(SPEC)
