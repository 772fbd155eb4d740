"""EU Financial Sanctions Files (FSF) — `eu_fsf`.

The European Commission's consolidated list of persons, groups and entities subject to EU
financial sanctions, served by the FSF portal in three layouts:

- **XML 1.1** (`xmlFullSanctionsList_1_1`): root `export` (namespace
  `http://eu.europa.ec/fpi/fsd/export`, `generationDate`), one `sanctionEntity` per party with
  its data in attributes of child elements (`regulation`, `subjectType`, `nameAlias`,
  `address`, `birthdate`, `identification`, `citizenship`); every fact may carry a nested
  `regulationSummary` and `remark`. Canonical format.
- **CSV 1.1** (`csvFullSanctionsList_1_1`): `;`-delimited, the same records flattened, one row
  per fact, grouped by `Entity_LogicalId`.
- **CSV 1.0** (`csvFullSanctionsList`, legacy, 2018): `;`-delimited with repeated column names
  (`Entity_logical_id` six times); one row per fact. The only real copy we hold was re-saved by
  a spreadsheet: Windows-1252, each line wrapped in one pair of quotes and padded with tabs, and
  the commas inside values turned into tabs (see `read_legacy_csv`).

All three are staged into the same source-shaped frames (`schemas.eu_fsf`) and mapped to the
canonical tables by one function, so the formats cannot drift apart. Decisions:

- `entity_id` is `eu_fsf-<logicalId>`; subjectType `person` → person, `enterprise` →
  organization. The publisher marks no primary name: the first strong name in English or
  without a language is taken, else the first strong name, else the first name.
- Names in every language are kept with their `language` and `strong` flag (`true` → quality
  `strong`, `false` → `weak`).
- Each `regulation` is a sanctions row (authority `EU`, program = programme, legal_basis =
  numberTitle, listed_on = the entity's designationDate, else the publicationDate of an act that
  is not an amendment or a repeal). The act's type, organisation, entry into force and URL, and
  each fact's `regulationSummary`, are kept in the staged frames (no canonical column).
- A PO box written into `zipCode` (`PO Box 1406 - 60455`) is moved to the PO box.
- `unitedNationId` → identifier `un_reference` (normalised upper-case: it links EU records to
  UN and UK ones); `euReferenceNumber` → identifier `list_reference`.
- Birth dates keep their precision (day, month, year or year range); nothing is rounded.
- Country code `CS` is used by this publisher for Serbia (not the withdrawn Serbia and
  Montenegro): it is mapped to `RS`. Code `00` means unknown and gives null.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from lxml import etree

from assets.factory import Format, SourceSpec, source_assets
from core.canonical import ParseResult, Unknown, conform, frame
from core.countries import resolve
from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from core.truncation import require_complete_csv
from core.un_references import un_reference_key
from core.xmlsafe import local
from core.xmlsafe import parse_xml as parse_xml_safely
from resources.fetcher import FileSpec
from schemas.canonical import EARLIEST_BIRTH, imo_valid
from schemas.eu_fsf import MODELS as STAGED_MODELS

SOURCE = "eu_fsf"
AUTHORITY = "EU"
TOKEN = "dG9rZW4tMjAxNw"  # public token printed on the FSF portal, not a secret
BASE_URL = "https://webgate.ec.europa.eu/fsd/fsf/public/files/"
XML_FILE = "xmlFullSanctionsList_1_1.xml"
CSV_FILE = "csvFullSanctionsList_1_1.csv"
LEGACY_FILE = "csvFullSanctionsList.csv"
XML_URL = f"{BASE_URL}xmlFullSanctionsList_1_1/content?token={TOKEN}"
CSV_URL = f"{BASE_URL}csvFullSanctionsList_1_1/content?token={TOKEN}"
LEGACY_URL = f"{BASE_URL}csvFullSanctionsList/content?token={TOKEN}"

# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 2,039 entries on 2018-01-01 (2,124 on 2018-12-05 less the 85 added that
# year: sanctions-intelligence.com, Dec 2018); 2,097 at the end of 2019. The shipped snapshot is a
# 93-entity EXCERPT of the 2018 list (snapshots/eu_fsf/README.md): named in EXCERPTS, not a list.
SANITY_FLOOR = 203
EXCERPTS = {
    "a9de58cc04bddfd5f4ab9310a1a4c4e846e32740236e850ccf3a0c2fa1006246": "93-entity excerpt of the "
    "2018-07-04 FSF CSV 1.0, github.com/photoangell/SanctionsApi SampleFiles/EUSanctionsShort.csv",
}

NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
ENTITY_TYPES = {
    "person": "person",
    "enterprise": "organization",
    "P": "person",
    "E": "organization",
}
# The publisher writes `CS` for Serbia; `00` for an unknown country.
COUNTRY_OVERRIDES = {"CS": "RS"}
UNKNOWN_COUNTRY = {"00", "UNKNOWN"}
ID_TYPES = {
    "passport": "passport",
    "id": "national_id",
    "regnumber": "registration",
    "fiscalcode": "tax_id",
    "swiftbic": "swift_bic",
    "imo": "imo",
}
# Codes seen in the publisher's data that have no canonical type of their own: kept as `other`.
OTHER_ID_CODES = {
    "other", "tradelic", "ssn", "birthcert", "nationcert", "travelcardid", "electionid",
    "residentperm", "drivinglicence", "nrn",
}  # fmt: skip
CONTACT_TYPES = {"PHONE": "phone", "FAX": "phone", "EMAIL": "email", "WEB": "website"}
SCRIPTS = (
    "Cyrillic", "Greek", "Arabic", "Hebrew", "Georgian", "Armenian", "Han", "Hangul", "Thai",
    "Latin",
)  # fmt: skip
STAGED_COLUMNS = frozenset(c for model in STAGED_MODELS.values() for c in model.to_schema().columns)
FACT_TABLES = ("regulations", "names", "addresses", "birthdates", "identifications", "citizenships")
STAGED_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    table: {col: pl.Int64 if col == "position" else pl.String for col in model.to_schema().columns}
    for table, model in STAGED_MODELS.items()
}


# --- staging: the shape every format is read into --------------------------------------------


@dataclass
class Staged:
    """Source-shaped records of one file, plus what the reader could not place."""

    file: str
    tables: dict[str, pl.DataFrame]
    unknowns: list[Unknown] = field(default_factory=list)
    # (entity logicalId, attribute, value): unknown fields kept beside their entity
    extras: list[tuple[str, str, str]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    raw: Callable[[str], str] | None = None
    lossy: bool = False  # True for a copy whose non-Windows-1252 letters became '?'


def _staged_frame(table: str, rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=STAGED_SCHEMAS[table])


def _conform_staged(table: str, df: pl.DataFrame) -> pl.DataFrame:
    schema = STAGED_SCHEMAS[table]
    return df.select(
        pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in schema.items()
    )


_CONTACT = re.compile(r"([A-Za-z]+)\[(.*?)\]", re.DOTALL)


def _unpack_contacts(
    staged_addresses: pl.DataFrame, file: str, unknowns: list[Unknown]
) -> pl.DataFrame:
    """CSV contact fields look like `PHONE[042-681 20 81]\\nFAX[662 38 14]`: one row per pair."""
    rows: list[dict[str, str]] = []
    packed = staged_addresses.filter(pl.col("contact_info").is_not_null())
    for row in packed.select("entity_logical_id", "logical_id", "contact_info").iter_rows():
        eid, lid, text_ = row
        for key, value in _CONTACT.findall(text_):
            if value.strip():
                rows.append(
                    {
                        "entity_logical_id": eid,
                        "address_logical_id": lid,
                        "key": key,
                        "value": value.strip(),
                    }
                )
        leftover = re.sub(r"[\s;,]|\\n", "", _CONTACT.sub("", text_))
        if leftover:
            unknowns.append(
                Unknown(file, f"address {lid} of entity {eid}", "contact info format", leftover)
            )
    return _staged_frame("contacts", rows)


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


# --- CSV 1.1 -----------------------------------------------------------------------------------

_REG = {
    "Type": "reg_type",
    "OrganisationType": "reg_organisation_type",
    "PublicationDate": "reg_publication_date",
    "EntryIntoForceDate": "reg_entry_into_force_date",
    "NumberTitle": "reg_number_title",
    "Programme": "reg_programme",
    "PublicationUrl": "reg_publication_url",
}
_CSV_GROUPS: dict[str, tuple[str, dict[str, str]]] = {
    "Entity": ("entities", {
        "LogicalId": "logical_id", "EU_ReferenceNumber": "eu_reference_number",
        "UnitedNationId": "united_nation_id", "DesignationDate": "designation_date",
        "DesignationDetails": "designation_details", "Remark": "remark",
        "SubjectType": "subject_type", "SubjectType_ClassificationCode": "classification_code",
    }),
    "Entity_Regulation": ("regulations", {
        "Type": "regulation_type", "OrganisationType": "organisation_type",
        "PublicationDate": "publication_date", "EntryIntoForceDate": "entry_into_force_date",
        "NumberTitle": "number_title", "Programme": "programme",
        "PublicationUrl": "publication_url",
    }),
    "NameAlias": ("names", {
        "LastName": "last_name", "FirstName": "first_name", "MiddleName": "middle_name",
        "WholeName": "whole_name", "NameLanguage": "name_language", "Gender": "gender",
        "Title": "title", "Function": "function", "Strong": "strong", "LogicalId": "logical_id",
        "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
    "Address": ("addresses", {
        "City": "city", "Street": "street", "PoBox": "po_box", "ZipCode": "zip_code",
        "Region": "region", "Place": "place", "AsAtListingTime": "as_at_listing_time",
        "ContactInfo": "contact_info", "CountryIso2Code": "country_code",
        "CountryDescription": "country_description", "LogicalId": "logical_id",
        "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
    "BirthDate": ("birthdates", {
        "BirthDate": "birthdate", "Day": "day", "DayOfMonth": "day", "Month": "month",
        "MonthOfYear": "month", "Year": "year", "YearRangeFrom": "year_range_from",
        "YearRangeTo": "year_range_to", "Circa": "circa", "CalendarType": "calendar_type",
        "ZipCode": "zip_code", "Region": "region", "Place": "place", "City": "city",
        "CountryIso2Code": "country_code", "CountryDescription": "country_description",
        "LogicalId": "logical_id", "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
    "Identification": ("identifications", {
        "Number": "number", "Diplomatic": "diplomatic", "KnownExpired": "known_expired",
        "KnownFalse": "known_false", "ReportedLost": "reported_lost",
        "RevokedByIssuer": "revoked_by_issuer", "IssuedBy": "issued_by",
        "IssuedDate": "issued_date", "IssueDate": "issued_date", "ValidFrom": "valid_from",
        "ValidTo": "valid_to", "LatinNumber": "latin_number", "NameOnDocument": "name_on_document",
        "TypeCode": "type_code", "IdentificationTypeCode": "type_code",
        "TypeDescription": "type_description",
        "IdentificationTypeDescription": "type_description", "Region": "region",
        "CountryIso2Code": "country_code", "CountryDescription": "country_description",
        "LogicalId": "logical_id", "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
    "Citizenship": ("citizenships", {
        "Region": "region", "CountryIso2Code": "country_code",
        "CountryDescription": "country_description", "LogicalId": "logical_id",
        "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
}  # fmt: skip
# Short prefixes of the 1.0 layout, also used in some descriptions of 1.1 (`Birt_BirthDate`).
CSV_PREFIX_ALIASES = {
    "Birt": "BirthDate",
    "Iden": "Identification",
    "Addr": "Address",
    "Citi": "Citizenship",
}


def _csv11_columns() -> dict[str, str]:
    """Lower-cased CSV 1.1 column name → `table.column` of the staged frames."""
    columns = {"filegenerationdate": "file.generation_date"}
    for prefix, (table, fields) in _CSV_GROUPS.items():
        prefixes = [prefix] + [
            short for short, long in CSV_PREFIX_ALIASES.items() if long == prefix
        ]
        for pre in prefixes:
            for name, column in fields.items():
                columns[f"{pre}_{name}".lower()] = f"{table}.{column}"
                if prefix in ("NameAlias", "Address", "BirthDate", "Identification", "Citizenship"):
                    for reg_name, reg_column in _REG.items():
                        columns[f"{pre}_Regulation_{reg_name}".lower()] = f"{table}.{reg_column}"
    return columns


CSV11_COLUMNS = _csv11_columns()
# Columns without which the file cannot be read as FSF 1.1: a header lacking one has changed.
CSV11_REQUIRED = {
    "file.generation_date": "fileGenerationDate",
    "entities.logical_id": "Entity_LogicalId",
    "entities.eu_reference_number": "Entity_EU_ReferenceNumber",
    "entities.subject_type": "Entity_SubjectType",
    "regulations.programme": "Entity_Regulation_Programme",
    "names.whole_name": "NameAlias_WholeName",
    "names.logical_id": "NameAlias_LogicalId",
}


def _locate_ragged(name: str, text_: str, width: int, delimiter: str) -> str:
    for number, record in enumerate(csv.reader(io.StringIO(text_), delimiter=delimiter), start=1):
        if record and len(record) != width:
            return f"record {number} has {len(record)} fields, expected {width}"
    return "unparseable CSV"


def _check_last_record(name: str, body: bytes, width: int) -> None:
    """A cut download ends mid-record: the last record must carry every field."""
    end = len(body.rstrip(b"\r\n"))
    start = body.rfind(b"\n", 0, end)
    # A newline inside quotes belongs to a field: walk back until the quotes before it balance.
    # (Counting only the tail keeps this cheap on a 25 MB file.)
    odd_before = (body.count(b'"') - body.count(b'"', start + 1)) % 2
    while start > 0 and odd_before:
        previous = body.rfind(b"\n", 0, start)
        odd_before ^= body.count(b'"', previous + 1, start) % 2
        start = previous
    last = body[start + 1 : end].decode("utf-8", errors="replace")
    records = list(csv.reader(io.StringIO(last), delimiter=";"))
    if body[start + 1 : end].count(b'"') % 2 or not records or len(records[0]) != width:
        got = len(records[0]) if records else 0
        line = body.count(b"\n", 0, start + 1) + 1
        raise SourceFormatError(
            name, f"line {line}", f"last record has {got} fields, expected {width}: file truncated?"
        )


def _csv11_header(name: str, body: bytes) -> tuple[list[str], list[str]]:
    """Internal `table.column` names for the header, and the columns not known."""
    first = decode(name, body[: body.find(b"\n")], "utf-8").rstrip("\r")
    header = next(csv.reader([first], delimiter=";"))
    if len(header) < 2:
        raise SourceFormatError(name, "line 1", "not a `;`-delimited FSF CSV header")
    internal: list[str] = []
    unknown_columns: list[str] = []
    for number, column in enumerate(header, start=1):
        target = CSV11_COLUMNS.get(column.strip().lower())
        if target is None:
            unknown_columns.append(column)
            target = f"unknown.{column}"
        if target in internal:
            raise SourceFormatError(
                name, f"line 1, column {number}", f"column {column!r} repeats an earlier column"
            )
        internal.append(target)
    missing = [shown for column, shown in CSV11_REQUIRED.items() if column not in internal]
    if missing:
        raise SourceFormatError(
            name, "line 1 (header)", f"changed header: missing {', '.join(missing)}"
        )
    return internal, unknown_columns


def read_csv11(name: str, data: bytes) -> Staged:
    """CSV 1.1 → staged frames (columns matched by name, case-insensitively).

    Values are kept as published (polars reads an empty field as null). Polars checks the
    UTF-8 itself; only on failure is the text decoded again to name the bad byte.
    """
    check_payload(name, data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    require_complete_csv(name, body, delimiter=";", key="Entity_LogicalId")
    internal, unknown_columns = _csv11_header(name, body)
    _check_last_record(name, body, len(internal))
    try:
        df = pl.read_csv(
            body, separator=";", has_header=True, new_columns=internal, infer_schema=False
        )
    except pl.exceptions.PolarsError as exc:
        text_ = decode(name, body, "utf-8")
        where = _locate_ragged(name, text_, len(internal), ";")
        raise SourceFormatError(name, where, str(exc).splitlines()[0]) from exc
    df = df.with_row_index("record", offset=2)
    staged = _stage_flat(name, df, layout="csv_1_1", encoding="utf-8")
    for column in unknown_columns:
        staged.unknowns.append(Unknown(name, "line 1 (header)", "column", column))
        values = (
            df.select(pl.col("entities.logical_id"), pl.col(f"unknown.{column}"))
            .drop_nulls()
            .unique(maintain_order=True)
        )
        staged.extras.extend((eid, f"csv.{column}", value) for eid, value in values.iter_rows())
    return staged


# --- CSV 1.0 (legacy) --------------------------------------------------------------------------

_LEBA = ("numtitle", "publication_date", "url")
_LEBA_COLUMNS = ("reg_number_title", "reg_publication_date", "reg_publication_url")


def _legacy_group(prefix: str, table: str, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    head = [
        (f"{prefix}_logical_id", f"{table}.logical_id"),
        ("Entity_logical_id", f"{table}.entity_logical_id"),
    ]
    leba = [
        (f"{prefix}_leba_{n}", f"{table}.{c}") for n, c in zip(_LEBA, _LEBA_COLUMNS, strict=True)
    ]
    leba.append((f"{prefix}_programme", f"{table}.reg_programme"))
    return head + leba + [(name, f"{table}.{column}") for name, column in fields]


LEGACY_COLUMNS: list[tuple[str, str]] = [
    ("Date_filexxxx", "file.generation_date"),
    ("Entity_logical_id", "entities.logical_id"),
    ("Subject_type", "entities.classification_code"),
    ("Leba_numtitle", "regulations.number_title"),
    ("Leba_publication_date", "regulations.publication_date"),
    ("Leba_url", "regulations.publication_url"),
    ("Programme", "regulations.programme"),
    ("Entity_remark", "entities.remark"),
    *_legacy_group("Naal", "names", [
        ("Naal_lastname", "last_name"), ("Naal_firstname", "first_name"),
        ("Naal_middlename", "middle_name"), ("Naal_wholename", "whole_name"),
        ("Naal_gender", "gender"), ("Naal_title", "title"), ("Naal_function", "function"),
        ("Naal_language", "name_language"),
    ]),
    *_legacy_group("Addr", "addresses", [
        ("Addr_number", "number"), ("Addr_street", "street"), ("Addr_zipcode", "zip_code"),
        ("Addr_city", "city"), ("Addr_country", "country_code"), ("Addr_other", "contact_info"),
    ]),
    *_legacy_group("Birt", "birthdates", [
        ("Birt_date", "birthdate"), ("Birt_place", "place"), ("Birt_country", "country_code"),
    ]),
    *_legacy_group("Iden", "identifications", [
        ("Iden_number", "published_number"), ("Iden_country", "country_code"),
    ]),
    *_legacy_group("Citi", "citizenships", [("Citi_country", "country_code")]),
    ("EU_ref_num", "entities.eu_reference_number"),
]  # fmt: skip
LEGACY_HEADER = [name for name, _ in LEGACY_COLUMNS]
# `AD001095 (passport-National passport) ((passport))`: number, type code, description, extra.
_PACKED_ID = re.compile(
    r"^(?P<number>.*?)\s*\((?P<code>[A-Za-z]+)-(?P<desc>[^()]*)\)\s*(?P<extra>.*)$", re.DOTALL
)


def _unwrap_resaved(name: str, lines: list[str]) -> list[str]:
    """Undo the spreadsheet re-save of the only real 1.0 copy.

    Observed in that copy: every line is `"` + record + tabs + `"`, with inner quotes doubled.
    Every line holds the same number of tabs (31): the tool split each record on commas into
    cells and padded all lines to 32 cells, so a tab inside a record stands for a comma and the
    trailing tabs are padding. (A record whose last value ended with a comma could not be told
    apart; the last column of 1.0 is the EU reference, which never does.)
    """
    width = lines[0].count("\t")
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        if (
            len(line) < 2
            or not (line.startswith('"') and line.endswith('"'))
            or line.count("\t") != width
        ):
            raise SourceFormatError(
                name,
                f"line {number}",
                f"expected a quoted line padded to {width} tabs (re-saved 1.0 layout): "
                "truncated or altered?",
            )
        out.append(line[1:-1].rstrip("\t").replace("\t", ",").replace('""', '"'))
    return out


def read_legacy_csv(name: str, data: bytes) -> Staged:
    """CSV 1.0 (2018) → staged frames; reads the publisher's layout and the re-saved copy.

    The publisher's 1.0 file is UTF-8 `;`-CSV with a 59-field header in which names repeat, so
    columns are taken by position after the header is checked name by name. The re-saved copy
    is Windows-1252 when it is not valid UTF-8; letters outside Windows-1252 (Greek, Cyrillic,
    many Central European ones) were replaced by `?` in that copy, so names carrying `?` are
    rejected rather than published wrong. Line breaks inside values are written `\\n`.
    """
    check_payload(name, data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    resaved = body.startswith(b'"Date_file')
    if not resaved and not body.startswith(b"Date_file"):
        raise SourceFormatError(
            name, "line 1", "not an FSF 1.0 CSV: the header must start with Date_filexxxx"
        )
    require_complete_csv(name, body, delimiter=";", encoding="cp1252")
    encoding = "utf-8"
    if resaved:
        try:
            text_ = body.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "windows-1252"
            text_ = decode(name, body, "cp1252")
    else:
        text_ = decode(name, body, "utf-8")
    lines = text_.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if resaved:
        lines = _unwrap_resaved(name, lines)
    records = list(csv.reader(lines, delimiter=";"))
    if records[0] != LEGACY_HEADER:
        got = records[0]
        where = next(
            (i for i, (a, b) in enumerate(zip(got, LEGACY_HEADER, strict=False)) if a != b),
            min(len(got), len(LEGACY_HEADER)),
        )
        raise SourceFormatError(
            name,
            f"line 1, column {where + 1}",
            f"changed header: {len(got)} fields, expected {len(LEGACY_HEADER)}; first "
            f"difference: {got[where] if where < len(got) else 'end of header'!r}",
        )
    width = len(LEGACY_HEADER)
    for number, record in enumerate(records[1:], start=2):
        if len(record) != width:
            raise SourceFormatError(
                name,
                f"line {number}",
                f"{len(record)} fields, expected {width}: truncated or altered?",
            )
    internal = [f"c{i}" for i in range(width)]
    columns = zip(*records[1:], strict=True) if len(records) > 1 else ([] for _ in internal)
    df = pl.DataFrame(
        {
            c: pl.Series(c, values, dtype=pl.String)
            for c, values in zip(internal, columns, strict=True)
        }
    )
    df = (
        df.select(pl.all().str.strip_chars())
        .select(pl.when(pl.all().str.len_bytes() > 0).then(pl.all()).name.keep())
        .with_row_index("record", offset=2)
    )
    # Each fact group repeats Entity_logical_id; a filled group must name the row's entity.
    groups: dict[str, list[int]] = {}
    for index, (_, target) in enumerate(LEGACY_COLUMNS):
        groups.setdefault(target.split(".")[0], []).append(index)
    rejects: list[dict[str, Any]] = []
    bad = pl.lit(False)
    for table, indexes in groups.items():
        if table in ("file", "entities", "regulations"):
            continue
        ref = next(i for i in indexes if LEGACY_COLUMNS[i][1].endswith(".entity_logical_id"))
        filled = pl.any_horizontal(pl.col(f"c{i}").is_not_null() for i in indexes if i != ref)
        bad = bad | (filled & (pl.col(f"c{ref}").fill_null("") != pl.col("c1").fill_null("")))
    mismatched = df.filter(bad)
    for row in mismatched.iter_rows(named=True):
        raw = ";".join(row[c] or "" for c in internal)
        rejects.append(
            {
                "kind": "row",
                "file": name,
                "locator": f"line {row['record']}",
                "reason": "a fact names another Entity_logical_id than its row",
                "raw": raw,
            }
        )
    df = df.filter(~bad)
    rename = {
        f"c{i}": target
        for i, (_, target) in enumerate(LEGACY_COLUMNS)
        if not target.endswith(".entity_logical_id")
    }
    # 1.0 writes a line break inside a value as the two characters `\n`.
    df = df.select("record", *rename).rename(rename)
    df = df.with_columns(pl.exclude("record").str.replace_all(r"\n", "\n", literal=True))
    staged = _stage_flat(
        name, df, layout="csv_1_0_resaved" if resaved else "csv_1_0", encoding=encoding
    )
    staged.rejects.extend(rejects)
    staged.lossy = encoding == "windows-1252"
    staged.tables["identifications"] = _unpack_identifications(
        staged.tables["identifications"], name, staged.unknowns
    )
    return staged


def _unpack_identifications(df: pl.DataFrame, file: str, unknowns: list[Unknown]) -> pl.DataFrame:
    """Split the 1.0 packed document field into number, type code, description and remark."""
    rows = df.to_dicts()
    for row in rows:
        packed = row["published_number"]
        match = _PACKED_ID.match(packed) if packed else None
        if match is None:
            row["number"] = packed
            if packed:
                unknowns.append(
                    Unknown(
                        file, f"identification {row['logical_id']}", "Iden_number format", packed
                    )
                )
            continue
        extra = match["extra"].strip()
        if extra.startswith("(") and extra.endswith(")"):
            extra = extra[1:-1].strip()
        row.update(
            number=match["number"].strip() or None,
            type_code=match["code"],
            type_description=match["desc"].strip() or None,
            remark=extra or None,
        )
    return _staged_frame("identifications", rows)


# --- shared: flat CSV rows → staged frames ---------------------------------------------------

ENTITY_CONSISTENT = (
    "subject_type",
    "classification_code",
    "eu_reference_number",
    "united_nation_id",
    "designation_date",
)


def _stage_flat(name: str, df: pl.DataFrame, layout: str, encoding: str) -> Staged:
    """Group flat CSV rows (columns named `table.column`) into the staged frames.

    A fact repeated on several rows (the CSV repeats entity and regulation columns on every
    row, and may repeat facts) is taken once.
    """
    key = "entities.logical_id"
    unknowns: list[Unknown] = []
    rejects: list[dict[str, Any]] = []
    data_columns = [c for c in df.columns if c != "record"]
    orphan = df.filter(
        pl.col(key).is_null() & pl.any_horizontal(pl.col(c).is_not_null() for c in data_columns)
    )
    for row in orphan.iter_rows(named=True):
        raw = json.dumps(
            {k: v for k, v in row.items() if v is not None and k != "record"}, ensure_ascii=False
        )
        rejects.append(
            {
                "kind": "row",
                "file": name,
                "locator": f"record {row['record']}",
                "reason": "row without an entity logicalId",
                "raw": raw,
            }
        )
    df = df.filter(pl.col(key).is_not_null())
    generation = (
        df.get_column("file.generation_date").drop_nulls().unique(maintain_order=True).to_list()
    )
    if len(generation) > 1:
        unknowns.append(
            Unknown(name, "file date column", "several file dates", ", ".join(generation))
        )

    tables: dict[str, pl.DataFrame] = {}
    tables["file"] = _staged_frame(
        "file",
        [
            {
                "layout": layout,
                "encoding": encoding,
                "generation_date": generation[0] if generation else None,
            }
        ],
    )

    def columns_of(table: str) -> dict[str, str]:
        return {c: c.split(".", 1)[1] for c in df.columns if c.startswith(f"{table}.")}

    ent_cols = columns_of("entities")
    ents = df.select("record", *ent_cols).rename(ent_cols)
    absent = [c for c in STAGED_SCHEMAS["entities"] if c not in ents.columns and c != "position"]
    ents = ents.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)
    present = [c for c in ENTITY_CONSISTENT if c in ents.columns]
    conflicts = ents.group_by("logical_id").agg(pl.col(c).drop_nulls().n_unique() for c in present)
    conflicts = conflicts.filter(pl.any_horizontal(pl.col(c) > 1 for c in present))
    if conflicts.height:
        lid = conflicts["logical_id"][0]
        bad_col = next(c for c in present if conflicts[c][0] > 1)
        records = ents.filter(pl.col("logical_id") == lid)["record"].to_list()
        raise SourceFormatError(
            name,
            f"Entity_LogicalId {lid} (records {records[0]}…{records[-1]})",
            f"conflicting {bad_col}: duplicate logicalId?",
        )
    # Entity columns repeat on every row; several remarks (1.0 ties them to regulations) join.
    entities = ents.group_by("logical_id", maintain_order=True).agg(
        *(
            pl.col(c).drop_nulls().first()
            for c in ents.columns
            if c not in ("logical_id", "record", "remark")
        ),
        _blank_null(pl.col("remark").drop_nulls().unique(maintain_order=True).str.join("\n")).alias(
            "remark"
        ),
    )
    entities = entities.with_columns(pl.int_range(1, pl.len() + 1).alias("position"))
    tables["entities"] = _conform_staged("entities", entities)

    for table in FACT_TABLES:
        cols = columns_of(table)
        if not cols:
            tables[table] = _staged_frame(table, [])
            continue
        sub = df.select("record", pl.col(key).alias("entity_logical_id"), *cols).rename(cols)
        content = list(cols.values())
        sub = sub.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in content))
        sub = sub.unique(subset=["entity_logical_id", *content], keep="first", maintain_order=True)
        if table == "names":
            sub = sub.with_columns(pl.int_range(1, pl.len() + 1).alias("position"))
        tables[table] = _conform_staged(table, sub)
    tables["contacts"] = _unpack_contacts(tables["addresses"], name, unknowns)

    def raw(lid: str) -> str:
        entity = tables["entities"].filter(pl.col("logical_id") == lid).row(0, named=True)
        return json.dumps({k: v for k, v in entity.items() if v is not None}, ensure_ascii=False)

    return Staged(name, tables, unknowns, [], rejects, raw)


# --- canonical mapping (shared by every format) ------------------------------------------------


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _dmy_or_iso(value: str | None) -> date | None:
    if not value:
        return None
    value = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    return None


def _country(code: str | None, description: str | None) -> str | None:
    """ISO alpha-2 from the published code (alpha-2 or alpha-3), else from the description."""
    if code:
        value = code.strip().upper()
        if value in COUNTRY_OVERRIDES:
            return COUNTRY_OVERRIDES[value]
        if value in UNKNOWN_COUNTRY:
            return None
        hit = resolve(value)
        if hit:
            return hit
    if description and description.strip().upper() not in UNKNOWN_COUNTRY:
        return resolve(description)
    return None


def _date_problems(
    df: pl.DataFrame, column: str, file: str, what: str, unknowns: list[Unknown]
) -> None:
    bad = df.filter(
        pl.col(column).is_not_null()
        & pl.col(column).str.to_date("%Y-%m-%d", strict=False).is_null()
    )
    for value in bad[column].unique(maintain_order=True).to_list():
        unknowns.append(Unknown(file, what, "date format", value))


def _to_date(column: str) -> pl.Expr:
    return pl.col(column).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _script() -> pl.Expr:
    expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
    for script in SCRIPTS:
        expr = expr.when(pl.col("name").str.contains(rf"\p{{{script}}}")).then(pl.lit(script))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


class _Out:
    """Canonical rows accumulated for the tables that are built row by row."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.unknowns: list[Unknown] = []

    def add(self, table: str, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def reject(self, kind: str, locator: str, reason: str, raw: Mapping[str, Any] | str) -> None:
        if not isinstance(raw, str):
            raw = json.dumps({k: v for k, v in raw.items() if v is not None}, ensure_ascii=False)
        self.add("rejects", kind=kind, file=self.file, locator=locator, reason=reason, raw=raw)


def _blank_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def _eid(column: str = "entity_logical_id") -> pl.Expr:
    return pl.format("{}-{}", pl.lit(SOURCE), pl.col(column))


def _entity_types(ents: pl.DataFrame, out: _Out) -> pl.DataFrame:
    ents = ents.with_columns(
        pl.coalesce(pl.col("subject_type"), pl.col("classification_code"))
        .replace_strict(ENTITY_TYPES, default=None)
        .alias("entity_type")
    )
    unknown = ents.filter(pl.col("entity_type").is_null())
    for lid, code, cls in unknown.select(
        "logical_id", "subject_type", "classification_code"
    ).iter_rows():
        out.unknowns.append(
            Unknown(out.file, f"entity {lid}", "subjectType", f"{code or ''}/{cls or ''}")
        )
    return ents


def _names(names: pl.DataFrame, lossy: bool, out: _Out) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Names with a `problem` column (null when usable), and the primary name of each entity.

    The publisher marks no primary name: the first strong name in English or without a
    language is taken, else the first strong name, else the first name.
    """
    whole = pl.concat_str(
        "first_name", "middle_name", "last_name", separator=" ", ignore_nulls=True
    )
    names = names.with_columns(pl.coalesce("whole_name", _blank_null(whole)).alias("name"))
    garbled = pl.col("name").str.contains("?", literal=True) if lossy else pl.lit(False)
    names = names.with_columns(
        pl.when(pl.col("name").is_null())
        .then(pl.lit("name alias without any name"))
        .when(garbled)
        .then(pl.lit("'?' stands for letters lost when this copy was re-saved as Windows-1252"))
        .otherwise(None)
        .alias("problem")
    )
    strong = pl.col("strong").str.to_lowercase()
    odd = names.filter(strong.is_not_null() & ~strong.is_in(["true", "false"]))
    for value in odd["strong"].unique().to_list():
        out.unknowns.append(Unknown(out.file, "nameAlias@strong", "strong flag", value))
    english = pl.col("name_language").is_null() | (
        pl.col("name_language").str.to_uppercase() == "EN"
    )
    not_weak = (strong != "false").fill_null(True)
    rank = pl.when(english & not_weak).then(0).when(not_weak).then(1).otherwise(2)
    primary = (
        names.filter(pl.col("problem").is_null())
        .with_columns(rank.alias("rank"))
        .sort("entity_logical_id", "rank", "position")
        .group_by("entity_logical_id", maintain_order=True)
        .first()
        .select(
            "entity_logical_id",
            pl.col("name").alias("primary_name"),
            pl.col("position").alias("primary_position"),
        )
    )
    return names, primary


def _names_frame(names: pl.DataFrame, primary: pl.DataFrame, file: str) -> pl.DataFrame:
    given = pl.concat_str("first_name", "middle_name", separator=" ", ignore_nulls=True)
    quality = (
        pl.col("strong")
        .str.to_lowercase()
        .replace_strict({"true": "strong", "false": "weak"}, default=None)
    )
    return (
        names.join(primary, on="entity_logical_id")
        .sort("position")
        .select(
            _eid().alias("entity_id"),
            "name",
            pl.when(pl.col("position") == pl.col("primary_position"))
            .then(pl.lit("primary"))
            .otherwise(pl.lit("alias"))
            .alias("name_type"),
            quality.alias("quality"),
            _script().alias("script"),
            pl.col("name_language").alias("language"),
            _blank_null(given).alias("given_name"),
            pl.col("last_name").alias("family_name"),
            pl.lit(file).alias("origin"),
        )
    )


NAME_ATTRIBUTES = (
    ("gender", "gender"),
    ("title", "title"),
    ("function", "function"),
    ("name_remark", "remark"),
)


def _attributes_frame(
    names: pl.DataFrame, ents: pl.DataFrame, extras: list[tuple[str, str, str]], file: str
) -> pl.DataFrame:
    """Person details carried on names, designation details, and unknown fields kept as data."""
    frames = [
        names.select(
            _eid().alias("entity_id"),
            pl.lit(attribute).alias("attribute"),
            pl.col(column).alias("value"),
        )
        for attribute, column in NAME_ATTRIBUTES
    ]
    frames.append(
        ents.select(
            _eid().alias("entity_id"),
            pl.lit("designation_details").alias("attribute"),
            pl.col("designation_details").alias("value"),
        )
    )
    if extras:
        schema = {"entity_logical_id": pl.String, "attribute": pl.String, "value": pl.String}
        kept = pl.DataFrame(extras, schema=schema, orient="row").join(
            ents.select("entity_logical_id"), on="entity_logical_id", how="semi"
        )
        frames.append(kept.select(_eid().alias("entity_id"), "attribute", "value"))
    return (
        pl.concat(frames)
        .drop_nulls("value")
        .unique(maintain_order=True)
        .with_columns(origin=pl.lit(file))
    )


# Acts that change or lift a listing: their publication date is not when the party was listed
# (the real 2026 XML gives Khalid Sheikh Mohammed, logicalId 191, only the 2025 amendment).
NOT_LISTING_ACTS = ("amendment", "repealing")


def _sanctions_frame(regs: pl.DataFrame, ents: pl.DataFrame, file: str) -> pl.DataFrame:
    """One row per regulation; an entity without any regulation still gets one EU row.

    listed_on is the entity's designationDate; without one, the publication date of an act that
    is not an amendment or a repeal (the 2018 CSV 1.0 gives no act type: its dates are taken).
    """
    designation = ents.select("entity_logical_id", _to_date("designation_date").alias("designated"))
    listing_act = ~pl.col("regulation_type").str.to_lowercase().is_in(NOT_LISTING_ACTS)
    listed = regs.join(designation, on="entity_logical_id", how="left").select(
        _eid().alias("entity_id"),
        pl.col("programme").alias("program"),
        pl.col("number_title").alias("legal_basis"),
        pl.coalesce(
            "designated",
            pl.when(listing_act.fill_null(True)).then(_to_date("publication_date")),
        ).alias("listed_on"),
    )
    bare = designation.join(regs, on="entity_logical_id", how="anti").select(
        _eid().alias("entity_id"), pl.col("designated").alias("listed_on")
    )
    return (
        pl.concat([listed, bare], how="diagonal")
        .unique(maintain_order=True)
        .with_columns(authority=pl.lit(AUTHORITY), origin=pl.lit(file))
    )


def _reference_ids(ents: pl.DataFrame, file: str) -> pl.DataFrame:
    """The EU reference number and the UN reference, which links EU records to UN and UK ones."""
    frames = [
        ents.filter(pl.col(column).is_not_null()).select(
            _eid().alias("entity_id"),
            pl.lit(id_type).alias("id_type"),
            pl.lit(label).alias("label"),
            pl.col(column).alias("value"),
            (
                pl.col(column).map_elements(un_reference_key, return_dtype=pl.String)
                if id_type == "un_reference"
                # the current form of a historic UN reference (`QI.A.291.11` → `QDI.291`)
                else pl.col(column).str.strip_chars().str.to_uppercase()
            ).alias("normalized"),
        )
        for column, id_type, label in (
            ("eu_reference_number", "list_reference", "EU reference number"),
            ("united_nation_id", "un_reference", "UN reference number"),
        )
    ]
    return pl.concat(frames).with_columns(origin=pl.lit(file))


def canonical(staged: Staged) -> tuple[dict[str, pl.DataFrame], list[Unknown]]:
    """Map staged EU records to the canonical tables; every record is taken or rejected."""
    file, t = staged.file, staged.tables
    out = _Out(file)
    out.unknowns.extend(staged.unknowns)
    for reject in staged.rejects:
        out.add("rejects", **reject)

    ents = _entity_types(t["entities"], out)
    names, primary = _names(t["names"], staged.lossy, out)
    ents = ents.rename({"logical_id": "entity_logical_id"}).join(
        primary, on="entity_logical_id", how="left"
    )
    rejected = ents.filter(pl.col("entity_type").is_null() | pl.col("primary_name").is_null())
    for lid, position, etype, subject in rejected.select(
        "entity_logical_id", "position", "entity_type", "subject_type"
    ).iter_rows():
        reason = f"unknown subjectType {subject!r}" if etype is None else "no usable name alias"
        out.reject(
            "entry",
            f"entity {position} (logicalId {lid})",
            reason,
            staged.raw(lid) if staged.raw else lid,
        )
    ents = ents.filter(pl.col("entity_type").is_not_null() & pl.col("primary_name").is_not_null())

    def keep(df: pl.DataFrame) -> pl.DataFrame:
        ids = ents.select("entity_logical_id")
        return df.join(ids, on="entity_logical_id", how="semi", maintain_order="left")

    regs = keep(t["regulations"])
    for column in ("publication_date", "entry_into_force_date"):
        _date_problems(regs, column, file, f"regulation@{column}", out.unknowns)
    _date_problems(ents, "designation_date", file, "sanctionEntity@designationDate", out.unknowns)
    last_updated = regs.group_by("entity_logical_id").agg(
        _to_date("publication_date").max().alias("last_updated")
    )
    entities = (
        ents.join(last_updated, on="entity_logical_id", how="left")
        .sort("position")
        .select(
            _eid().alias("entity_id"),
            pl.col("entity_logical_id").alias("source_id"),
            "entity_type",
            "primary_name",
            _to_date("designation_date").alias("listed_on"),
            "last_updated",
            pl.col("remark").alias("remarks"),
        )
    )
    names = keep(names)
    for row in names.filter(pl.col("problem").is_not_null()).iter_rows(named=True):
        locator = f"nameAlias {row['logical_id']} of entity {row['entity_logical_id']}"
        out.reject(
            "name",
            locator,
            row["problem"],
            {k: v for k, v in row.items() if k not in ("problem", "name")},
        )
    usable = names.filter(pl.col("problem").is_null())

    lookup = _country_lookup(
        {
            name: keep(t[name])
            for name in ("addresses", "birthdates", "identifications", "citizenships")
        },
        out,
    )
    contacts = keep(t["contacts"])
    birth_dates, birth_places, birth_details = _births_frames(keep(t["birthdates"]), lookup, out)
    countries, citizenship_details = _citizenship_frames(keep(t["citizenships"]), lookup, out)
    parts: dict[str, list[pl.DataFrame]] = {
        "entities": [entities],
        "names": [_names_frame(usable, primary, file)],
        "identifiers": [
            _reference_ids(ents, file),
            _identifiers_frame(keep(t["identifications"]), lookup, out),
            _contacts_frame(contacts, out),
        ],
        "addresses": [_addresses_frame(keep(t["addresses"]), contacts, lookup, out)],
        "birth_dates": [birth_dates],
        "birth_places": [birth_places],
        "countries": [countries],
        "sanctions": [_sanctions_frame(regs, ents, file)],
        "attributes": [_attributes_frame(usable, ents, staged.extras, file)],
    }
    details = pl.concat([birth_details, citizenship_details]).drop_nulls("value")
    parts["attributes"].append(details.with_columns(origin=pl.lit(file)))
    for name, rows in out.rows.items():
        parts.setdefault(name, []).append(frame(name, rows))
    tables = {
        name: pl.concat([conform(name, df) for df in frames]) for name, frames in parts.items()
    }
    tables["attributes"] = tables["attributes"].unique(maintain_order=True)
    return tables, out.unknowns


def _country_lookup(t: Mapping[str, pl.DataFrame], out: _Out) -> pl.DataFrame:
    """Resolve each distinct (code, description) pair once; unresolvable ones are reported."""
    pairs = pl.concat(
        t[table].select("country_code", "country_description")
        for table in ("addresses", "birthdates", "identifications", "citizenships")
    ).unique(maintain_order=True)
    rows = []
    for code, description in pairs.iter_rows():
        resolved = _country(code, description)
        published = f"{code or ''} {description or ''}".strip()
        said_unknown = {
            (code or "").strip().upper(),
            (description or "").strip().upper(),
        } & UNKNOWN_COUNTRY
        if resolved is None and published and not said_unknown:
            out.unknowns.append(
                Unknown(out.file, "countryIso2Code/countryDescription", "country", published)
            )
        rows.append((code, description, resolved, description or code))
    schema = ["country_code", "country_description", "iso", "country_raw"]
    return pl.DataFrame(rows, schema={c: pl.String for c in schema}, orient="row")


def _with_country(df: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    on = ["country_code", "country_description"]
    return df.join(lookup, on=on, how="left", nulls_equal=True, maintain_order="left")


def _prefixed(prefix: str, column: str) -> pl.Expr:
    """`prefix` + value, or null when the value is null."""
    return pl.concat_str(pl.lit(prefix), pl.col(column))


def _flag(column: str, label: str) -> pl.Expr:
    return pl.when(pl.col(column).str.to_lowercase() == "true").then(pl.lit(label))


def _joined(parts: list[pl.Expr], separator: str) -> pl.Expr:
    return _blank_null(pl.concat_str(parts, separator=separator, ignore_nulls=True))


def _locator(what: str) -> pl.Expr:
    return pl.format(what + " {} of entity {}", "logical_id", "entity_logical_id")


def _reject_rows(out: _Out, df: pl.DataFrame, kind: str, what: str, reason: str) -> None:
    for row in df.iter_rows(named=True):
        locator = f"{what} {row['logical_id']} of entity {row['entity_logical_id']}"
        out.reject(kind, locator, reason, {k: v for k, v in row.items() if k in STAGED_COLUMNS})


def _identifiers_frame(df: pl.DataFrame, lookup: pl.DataFrame, out: _Out) -> pl.DataFrame:
    """Identification documents; unknown type codes are kept as `other` and reported."""
    df = _with_country(df, lookup).with_columns(
        pl.coalesce("number", "latin_number").alias("value"),
        pl.col("type_code").str.strip_chars().str.to_lowercase().alias("code"),
    )
    _reject_rows(
        out,
        df.filter(pl.col("value").is_null()),
        "identifier",
        "identification",
        "identification without a number",
    )
    df = df.filter(pl.col("value").is_not_null())
    known = [*ID_TYPES, *OTHER_ID_CODES]
    for locator, code in (
        df.filter(~pl.col("code").fill_null("").is_in(known))
        .select(_locator("identification"), "type_code")
        .iter_rows()
    ):
        out.unknowns.append(Unknown(out.file, locator, "identificationTypeCode", code or ""))
    df = df.with_columns(
        pl.col("code").replace_strict(ID_TYPES, default="other").alias("id_type"),
        pl.col("value").str.to_uppercase().str.replace_all(r"[\s\-./]", "").alias("normalized"),
    )
    imo = pl.col("id_type") == "imo"
    if df.filter(imo).height:
        digits = pl.col("value").str.replace_all(r"\D", "")
        valid = digits.map_elements(imo_valid, return_dtype=pl.Boolean)
        df = df.with_columns(pl.when(imo).then(digits).otherwise("normalized").alias("normalized"))
        df = df.with_columns(imo_ok=pl.when(imo).then(valid).otherwise(True))
        for locator, value in (
            df.filter(~pl.col("imo_ok")).select(_locator("identification"), "value").iter_rows()
        ):
            out.unknowns.append(
                Unknown(out.file, locator, "IMO number failing its check digit", value)
            )
        df = df.with_columns(
            pl.when(pl.col("imo_ok")).then("id_type").otherwise(pl.lit("other")).alias("id_type")
        )
    note = _joined(
        [
            _prefixed("issued by ", "issued_by"),
            _prefixed("issued ", "issued_date"),
            _prefixed("valid from ", "valid_from"),
            _prefixed("valid to ", "valid_to"),
            _prefixed("name on document: ", "name_on_document"),
            _prefixed("region: ", "region"),
            _flag("diplomatic", "diplomatic"),
            _flag("known_expired", "known expired"),
            _flag("known_false", "known false"),
            _flag("reported_lost", "reported lost"),
            _flag("revoked_by_issuer", "revoked by issuer"),
            pl.col("remark"),
        ],
        "; ",
    )
    base = [
        _eid().alias("entity_id"),
        "id_type",
        pl.coalesce("type_description", "type_code").alias("label"),
        pl.col("iso").alias("country_code"),
        "country_raw",
    ]
    documents = df.select(*base, "value", "normalized", note.alias("note"))
    latin = df.filter(
        pl.col("latin_number").is_not_null()
        & pl.col("number").is_not_null()
        & (pl.col("latin_number") != pl.col("number"))
    ).select(
        *base,
        pl.col("latin_number").alias("value"),
        pl.col("latin_number")
        .str.to_uppercase()
        .str.replace_all(r"[\s\-./]", "")
        .alias("normalized"),
        pl.lit("latin-script number").alias("note"),
    )
    return pl.concat([documents, latin]).with_columns(origin=pl.lit(out.file))


def _contacts_frame(df: pl.DataFrame, out: _Out) -> pl.DataFrame:
    """Phones, faxes, e-mails and websites of addresses, one identifier per value."""
    key = pl.col("key").str.to_uppercase()
    for eid, address, name, value in df.filter(~key.is_in(list(CONTACT_TYPES))).iter_rows():
        out.unknowns.append(
            Unknown(out.file, f"address {address} of entity {eid}", "contactInfo key", name)
        )
        out.add(
            "attributes",
            entity_id=f"{SOURCE}-{eid}",
            attribute=f"contact_{name.lower()}",
            value=value,
            origin=out.file,
        )
    df = df.filter(key.is_in(list(CONTACT_TYPES))).with_columns(
        key.replace_strict(CONTACT_TYPES).alias("id_type")
    )
    # Several numbers or addresses share one field; a URL may hold commas, so split it on `;` only.
    separated = (
        pl.when(pl.col("id_type") == "website")
        .then("value")
        .otherwise(pl.col("value").str.replace_all(",", ";", literal=True))
    )
    df = df.with_columns(separated.str.split(";").alias("piece")).explode("piece")
    df = df.with_columns(pl.col("piece").str.strip_chars()).filter(pl.col("piece") != "")
    normalized = (
        pl.when(pl.col("id_type") == "phone")
        .then(pl.col("piece").str.replace_all(r"[^\d+]", ""))
        .otherwise(pl.col("piece").str.to_lowercase().str.replace_all(" ", "", literal=True))
    )
    return df.select(
        _eid().alias("entity_id"),
        "id_type",
        pl.col("key").alias("label"),
        pl.col("piece").alias("value"),
        _blank_null(normalized).alias("normalized"),
        pl.lit(out.file).alias("origin"),
    )


# A PO box the publisher wrote into zipCode (`PO Box 1406 - 60455`, real XML of 2026-08-05,
# logicalId 980): the box number and the postal code that follows it.
_ZIP_PO_BOX = r"(?i)^P\.?\s*O\.?\s*BOX\s*(?<box>[0-9A-Z]+)\s*(?:[-,;]\s*(?<zip>.*\S))?\s*$"


def _po_box_out_of_zip(df: pl.DataFrame) -> pl.DataFrame:
    """Move a PO box found in zipCode to po_box (when that is empty); the rest stays the zip."""
    parts = pl.col("zip_code").str.extract_groups(_ZIP_PO_BOX)
    boxed = parts.struct.field("box").is_not_null() & pl.col("po_box").is_null()
    return df.with_columns(
        po_box=pl.when(boxed).then(parts.struct.field("box")).otherwise("po_box"),
        zip_code=pl.when(boxed).then(parts.struct.field("zip")).otherwise("zip_code"),
    )


def _addresses_frame(
    df: pl.DataFrame, contacts: pl.DataFrame, lookup: pl.DataFrame, out: _Out
) -> pl.DataFrame:
    df = _po_box_out_of_zip(_with_country(df, lookup))
    street = _joined([pl.col("number"), pl.col("street")], " ")
    po_box = _prefixed("PO Box ", "po_box")
    parts = [street, po_box, pl.col("place"), pl.col("city"), pl.col("zip_code"), pl.col("region")]
    has_address = pl.any_horizontal(p.is_not_null() for p in parts) | pl.col("iso").is_not_null()
    # An address holding only contact details is taken through its contacts.
    holders = contacts.select("entity_logical_id", pl.col("address_logical_id").alias("logical_id"))
    empty = df.filter(~has_address).join(
        holders, on=["entity_logical_id", "logical_id"], how="anti", nulls_equal=True
    )
    _reject_rows(out, empty, "address", "address", "address record carries no address")
    note = _joined(
        [
            po_box,
            _prefixed("place: ", "place"),
            _flag("as_at_listing_time", "as at listing time"),
            pl.col("remark"),
        ],
        "; ",
    )
    return df.filter(has_address).select(
        _eid().alias("entity_id"),
        _joined([*parts, pl.col("country_raw")], ", ").alias("full_address"),
        street.alias("street"),
        "city",
        "region",
        pl.col("zip_code").alias("postal_code"),
        pl.col("iso").alias("country_code"),
        "country_raw",
        note.alias("note"),
        pl.lit(out.file).alias("origin"),
    )


def _date(year: pl.Expr, month: pl.Expr | str, day: pl.Expr | str) -> pl.Expr:
    """A date from text parts (`"01"` for a fixed part); null when the parts make no date."""
    parts = [year.cast(pl.String).str.zfill(4)]
    parts += [
        pl.lit(p) if isinstance(p, str) else p.cast(pl.String).str.zfill(2) for p in (month, day)
    ]
    return pl.format("{}-{}-{}", *parts).str.to_date("%Y-%m-%d", strict=False)


BIRTH_PARTS = ("birthdate", "year", "month", "day", "year_range_from", "year_range_to")
BIRTH_PRECISION = {"full": "day", "ymd": "day", "ym": "month", "y": "year", "range": "range"}


def _birth_kind() -> pl.Expr:
    """Which parts a birthdate record carries, the most precise first."""
    has = {c: pl.col(c).is_not_null() for c in BIRTH_PARTS}
    return (
        pl.when(has["birthdate"] & (pl.col("birthdate").str.to_uppercase() != "N/A"))
        .then(pl.lit("full"))
        .when(has["year"] & has["month"] & has["day"])
        .then(pl.lit("ymd"))
        .when(has["year"] & has["month"])
        .then(pl.lit("ym"))
        .when(has["year_range_from"] & has["year_range_to"] & ~has["year"])
        .then(pl.lit("range"))
        .when(has["year"] | has["year_range_from"] | has["year_range_to"])
        .then(pl.lit("y"))
    )


def _birth_dates(df: pl.DataFrame) -> pl.DataFrame:
    """Add date_from, date_to, precision and raw: a partial date spans what it leaves open."""
    kind = pl.col("kind")
    year = pl.coalesce("year", "year_range_from", "year_range_to").cast(pl.Int32, strict=False)
    start, end = (
        pl.col(c).cast(pl.Int32, strict=False) for c in ("year_range_from", "year_range_to")
    )
    df = df.with_columns(_birth_kind().alias("kind"))
    df = df.with_columns(
        pl.when(kind == "full")
        .then(pl.col("birthdate").str.to_date("%Y-%m-%d", strict=False))
        .when(kind == "ymd")
        .then(_date(year, pl.col("month"), pl.col("day")))
        .when(kind == "ym")
        .then(_date(year, pl.col("month"), "01"))
        .when(kind == "y")
        .then(_date(year, "01", "01"))
        .when(kind == "range")
        .then(_date(start, "01", "01"))
        .alias("date_from"),
        kind.replace_strict(BIRTH_PRECISION, default=None).alias("precision"),
    )
    return df.with_columns(
        pl.when(kind.is_in(["full", "ymd"]))
        .then("date_from")
        .when(kind == "ym")
        .then(pl.col("date_from").dt.month_end())
        .when(kind == "y")
        .then(_date(year, "12", "31"))
        .when(kind == "range")
        .then(_date(end, "12", "31"))
        .alias("date_to"),
        pl.when(kind == "full")
        .then("birthdate")
        .when(kind == "range")
        .then(pl.format("{}-{}", start, end))
        .when(kind == "ym")
        .then(pl.col("date_from").dt.strftime("%Y-%m"))
        .when(kind == "y")
        .then(pl.col("date_from").dt.strftime("%Y"))
        .otherwise(pl.col("date_from").dt.strftime("%Y-%m-%d"))
        .alias("raw"),
    )


def _births_frames(
    df: pl.DataFrame, lookup: pl.DataFrame, out: _Out
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Birth dates keeping their precision, places of birth, and what is left over.

    A date that cannot be read or lies outside 1850…today is reported and kept as the
    attribute `birth_date_unparsed`; a record with neither date, place nor country is rejected.
    """
    df = _birth_dates(_with_country(df, lookup))
    ok = (
        pl.col("date_from").is_not_null()
        & pl.col("date_to").is_not_null()
        & (pl.col("date_from") <= pl.col("date_to"))
        & pl.col("date_from").is_between(EARLIEST_BIRTH, date.today())
    )
    parts = _joined([pl.col(c) for c in BIRTH_PARTS[1:]], "-")
    published = pl.when(pl.col("kind") == "full").then("birthdate").otherwise(parts)
    not_gregorian = pl.col("calendar_type").str.to_uppercase() != "GREGORIAN"
    no_dash = [
        pl.when(pl.col(c) != "-").then(pl.col(c)) for c in ("place", "city", "zip_code", "region")
    ]
    spots = (
        pl.concat_list(no_dash).list.drop_nulls().list.unique(maintain_order=True).list.join(", ")
    )
    df = df.with_columns(
        pl.when(ok).then("raw").alias("raw"),
        pl.when(pl.col("kind").is_not_null() & ~ok.fill_null(False))
        .then(published)
        .alias("problem"),
        pl.coalesce(
            _blank_null(spots), pl.when(pl.col("iso").is_not_null()).then("country_raw")
        ).alias("place"),
    )
    for locator, problem, calendar_type in (
        df.filter(pl.col("problem").is_not_null() | not_gregorian)
        .select(_locator("birthdate"), "problem", "calendar_type")
        .iter_rows()
    ):
        if problem:
            out.unknowns.append(Unknown(out.file, locator, "birth date format", problem))
        if calendar_type and calendar_type.upper() != "GREGORIAN":
            out.unknowns.append(Unknown(out.file, locator, "calendarType", calendar_type))
    nothing = df.filter(pl.all_horizontal(pl.col(c).is_null() for c in ("raw", "problem", "place")))
    _reject_rows(out, nothing, "row", "birthdate", "birth record carries no date, place or country")

    entity, origin = _eid().alias("entity_id"), pl.lit(out.file).alias("origin")
    circa = (pl.col("circa").str.to_lowercase() == "true").fill_null(False).alias("circa")
    dates = df.filter(pl.col("raw").is_not_null()).select(
        entity, "raw", "date_from", "date_to", "precision", circa, origin
    )
    # two birth dates in one place (logicalId 191: both in `-`, PAKISTAN) are one birth place
    places = (
        df.filter(pl.col("place").is_not_null())
        .select(entity, "place", pl.col("iso").alias("country_code"), origin)
        .unique(maintain_order=True)
    )
    leftovers = pl.concat(
        df.select(entity, pl.lit(attribute).alias("attribute"), value.alias("value"))
        for attribute, value in (
            ("birth_date_unparsed", pl.col("problem")),
            ("birth_calendar", pl.when(not_gregorian).then("calendar_type")),
            ("birth_remark", pl.col("remark")),
        )
    )
    return dates, places, leftovers


def _citizenship_frames(
    df: pl.DataFrame, lookup: pl.DataFrame, out: _Out
) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = _with_country(df, lookup)
    known = pl.col("iso").is_not_null() | pl.col("region").is_not_null()
    _reject_rows(out, df.filter(~known), "row", "citizenship", "citizenship country not known")
    df = df.filter(known)
    countries = df.select(
        _eid().alias("entity_id"),
        pl.col("iso").alias("country_code"),
        pl.coalesce("country_raw", "region").alias("raw"),
        pl.lit("citizenship").alias("relation"),
        pl.lit(out.file).alias("origin"),
    )
    details = pl.concat(
        df.select(
            _eid().alias("entity_id"),
            pl.lit(attribute).alias("attribute"),
            pl.col(column).alias("value"),
        )
        for attribute, column in (
            ("citizenship_region", "region"),
            ("citizenship_remark", "remark"),
        )
    )
    return countries, details


def _result(staged: Staged, entry_count: int, published: date | None, fmt: str) -> ParseResult:
    tables, unknowns = canonical(staged)
    return ParseResult(
        source=SOURCE,
        tables=tables,
        staged=staged.tables,
        unknowns=unknowns,
        entry_count=entry_count,
        published_at=published,
        format=fmt,
    )


def parse_xml_file(name: str, data: bytes) -> ParseResult:
    """Parse an FSF XML 1.1 file into canonical tables (duplicate logicalId raises)."""
    staged, published, count = read_xml(name, data)
    return _result(staged, count, published, "xml")


def parse_csv_file(name: str, data: bytes) -> ParseResult:
    """Parse an FSF CSV 1.1 file into canonical tables."""
    staged = read_csv11(name, data)
    published = _dmy_or_iso(staged.tables["file"]["generation_date"][0])
    return _result(staged, staged.tables["entities"].height, published, "csv")


def parse_legacy_file(name: str, data: bytes) -> ParseResult:
    """Parse an FSF CSV 1.0 file (publisher's layout or the re-saved 2018 copy)."""
    staged = read_legacy_csv(name, data)
    published = _dmy_or_iso(staged.tables["file"]["generation_date"][0])
    return _result(staged, staged.tables["entities"].height, published, "csv_legacy")


def parse_xml(files: Mapping[str, bytes]) -> ParseResult:
    """xmlFullSanctionsList_1_1.xml → canonical tables."""
    return parse_xml_file(XML_FILE, files[XML_FILE])


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """csvFullSanctionsList_1_1.csv → canonical tables."""
    return parse_csv_file(CSV_FILE, files[CSV_FILE])


def parse_legacy(files: Mapping[str, bytes]) -> ParseResult:
    """csvFullSanctionsList.csv (1.0) → canonical tables."""
    return parse_legacy_file(LEGACY_FILE, files[LEGACY_FILE])


SPEC = SourceSpec(
    source=SOURCE,
    publisher="European Commission (FPI), Financial Sanctions Files",
    description=(
        "Consolidated list of persons, groups and entities subject to EU financial sanctions "
        "(XML 1.1, CSV 1.1, legacy CSV 1.0)."
    ),
    formats=(
        Format("xml", (FileSpec(XML_FILE, XML_URL, "xml"),), parse_xml, STAGED_MODELS),
        Format("csv", (FileSpec(CSV_FILE, CSV_URL, "csv"),), parse_csv, STAGED_MODELS),
        Format(
            "csv_legacy",
            (FileSpec(LEGACY_FILE, LEGACY_URL, "csv", required=False),),
            parse_legacy,
            STAGED_MODELS,
        ),
    ),
    sanity_floor=SANITY_FLOOR,
    excerpts=EXCERPTS,
    kinds=frozenset({"python", "polars", "xml", "csv"}),
    authority=AUTHORITY,
)

asset, checks = source_assets(SPEC)
