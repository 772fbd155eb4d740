"""OFSI Consolidated List of Financial Sanctions Targets — `gb_ofsi` (frozen 2026-01-28).

HM Treasury's Office of Financial Sanctions Implementation published the list until the FCDO's
UK Sanctions List became the single official source on 28 January 2026; it is kept for history.

Layouts parsed here (all pure: bytes in, `ParseResult` out):

- **2022 format** as XLSX (`ConList.xlsx`, canonical: it is what the snapshots hold) and CSV
  (`ConList.csv`): row 1 `Last Updated,<dd/mm/yyyy>`, a 36-column header on row 2, then one row
  per *name variant*. Party-level facts (UK and UN references, gender, phones, ship details…)
  are packed into `Other Information` as `(Label):value` pairs.
- **2022 format** as XML (`ConList.xml`): root `ArrayOfFinancialSanctionsTarget`, one flat
  `FinancialSanctionsTarget` per name variant; the facts packed into `Other Information` in
  the CSV are separate elements here (`UKSanctionsListRef`, `UNRef`, `Individual_Gender`,
  `Ship_IMONumber`…). No official copy was available: the element names follow a third-party
  excerpt described as verbatim (see tests/fixtures/gb_ofsi/README.md), corroborated by
  several independent public parsers; the parser is strict, so anything else is reported.
- **pre-2022 CSV** (`sanctionsconlist.csv`, Windows-1252): 29 columns, `Prime Alias`, no
  `Alias Quality`, free-text `Other Information` with `UN Ref …` inside.

Rows are grouped by `Group ID` into one party (`gb_ofsi-<Group ID>`). The publisher writes the
cross product of a party's names, dates of birth, addresses and regimes, so party-level values
repeat across rows: every distinct value is kept once, and a field that must be constant per
party but is not (nationality, passport, Other Information, Last Updated…) is reported as an
`Unknown` with all its values kept.

Accounting: `entry_count` is the number of distinct Group IDs. Every row of the file becomes
exactly one `names` row whose `origin` is the file name, or a reject with `file` = the file
name (`file_rows`). Party-level rows carry `origin` = `<file>:<column>`, so they never count
twice. A rejected party yields one `entry` reject (standing for its first row) and one `row`
reject for each further row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

import polars as pl
from lxml import etree

from assets.factory import Format, SourceSpec, source_assets
from core.canonical import TABLES, ParseResult, Unknown, entity_id, frame
from core.countries import country_in_text, resolve
from core.dates import FuzzyDate, parse_dmy
from core.errors import SourceFormatError
from core.sniff import check_payload, decode, refuse_html, require_content
from core.truncation import require_complete_csv
from core.un_references import UN_REFERENCE_IN_TEXT, un_reference_key
from core.xmlsafe import local
from core.xmlsafe import parse_xml as parse_xml_safely
from core.zipsafe import ZipLimits, check_zip
from resources.fetcher import FileSpec
from schemas.canonical import imo_valid
from schemas.gb_ofsi import CSV_MODELS, LEGACY_MODELS, XLSX_MODELS, XML_MODELS

SOURCE = "gb_ofsi"
AUTHORITY = "UK OFSI"
BASE_URL = "https://ofsistorage.blob.core.windows.net/publishlive/2022format/"
LEGACY_URL = "https://ofsistorage.blob.core.windows.net/publishlive/ConList.csv"
XLSX_NAME, CSV_NAME, XML_NAME, LEGACY_NAME = (
    "ConList.xlsx",
    "ConList.csv",
    "ConList.xml",
    "sanctionsconlist.csv",
)
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 2,037 parties on 2018-01-01 (2,137 on 2018-12-05 less the 100 added that
# year: sanctions-intelligence.com, Dec 2018); 2,106 on 2018-04-13, 3,993 on 2023-06-05 and
# 4,688 on 2025-04-14 (the shipped snapshots).
SANITY_FLOOR = 203
# The real workbooks (2023-06-05, 2025-04-14) expand to 13.9 and 17.0 MB in all; their largest
# member is the sheet, 10.4 and 12.9 MB, in 10 and 7 members. OFSI's list is frozen since
# 2026-01-28, so it will not grow: 10x the largest member, 15x the largest total, 10x the members.
XLSX_LIMITS = ZipLimits(member=128 * 2**20, total=256 * 2**20, members=100)

# --- layouts ------------------------------------------------------------------------------------

# 2022 header (XLSX and CSV) → internal column name, in published order.
HEADER_2022: dict[str, str] = {
    "Name 6": "name_6", "Name 1": "name_1", "Name 2": "name_2", "Name 3": "name_3",
    "Name 4": "name_4", "Name 5": "name_5", "Title": "title",
    "Name Non-Latin Script": "name_non_latin_script",
    "Non-Latin Script Type": "non_latin_script_type",
    "Non-Latin Script Language": "non_latin_script_language", "DOB": "dob",
    "Town of Birth": "town_of_birth", "Country of Birth": "country_of_birth",
    "Nationality": "nationality", "Passport Number": "passport_number",
    "Passport Details": "passport_details",
    "National Identification Number": "national_identification_number",
    "National Identification Details": "national_identification_details", "Position": "position",
    "Address 1": "address_1", "Address 2": "address_2", "Address 3": "address_3",
    "Address 4": "address_4", "Address 5": "address_5", "Address 6": "address_6",
    "Post/Zip Code": "post_zip_code", "Country": "country",
    "Other Information": "other_information",
    "Group Type": "group_type", "Alias Type": "alias_type", "Alias Quality": "alias_quality",
    "Regime": "regime", "Listed On": "listed_on",
    "UK Sanctions List Date Designated": "uk_sanctions_list_date_designated",
    "Last Updated": "last_updated", "Group ID": "group_id",
}  # fmt: skip

# Pre-2022 header (Windows-1252 CSV).
HEADER_LEGACY: dict[str, str] = {
    "Name 6": "name_6", "Name 1": "name_1", "Name 2": "name_2", "Name 3": "name_3",
    "Name 4": "name_4", "Name 5": "name_5", "Title": "title", "DOB": "dob",
    "Town of Birth": "town_of_birth", "Country of Birth": "country_of_birth",
    "Nationality": "nationality", "Passport Details": "passport_details",
    "NI Number": "ni_number", "Position": "position", "Address 1": "address_1",
    "Address 2": "address_2", "Address 3": "address_3", "Address 4": "address_4",
    "Address 5": "address_5", "Address 6": "address_6", "Post/Zip Code": "post_zip_code",
    "Country": "country", "Other Information": "other_information", "Group Type": "group_type",
    "Alias Type": "alias_type", "Regime": "regime", "Listed On": "listed_on",
    "Last Updated": "last_updated", "Group ID": "group_id",
}  # fmt: skip

# 2022 XML elements of `FinancialSanctionsTarget` → internal column name, in published order.
XML_FIELDS: dict[str, str] = {
    "Name6": "name_6", "name1": "name_1", "name2": "name_2", "name3": "name_3",
    "name4": "name_4", "name5": "name_5", "Title": "title",
    "NameNonLatinScript": "name_non_latin_script", "NonLatinScriptType": "non_latin_script_type",
    "NonLatinScriptLanguage": "non_latin_script_language", "Address1": "address_1",
    "Address2": "address_2", "Address3": "address_3", "Address4": "address_4",
    "Address5": "address_5", "Address6": "address_6", "PostCode": "post_zip_code",
    "Country": "country", "OtherInformation": "other_information",
    "GroupTypeDescription": "group_type", "AliasType": "alias_type",
    "AliasQuality": "alias_quality", "RegimeName": "regime", "DateListed": "listed_on",
    "DateDesignated": "uk_sanctions_list_date_designated",
    "UKSanctionsListRef": "uk_sanctions_list_ref",
    "UKStatementOfReasons": "uk_statement_of_reasons", "PhoneNumber": "phone_number",
    "Website": "website", "EmailAddress": "email_address", "Individual_DateOfBirth": "dob",
    "Individual_TownOfBirth": "town_of_birth", "Individual_CountryOfBirth": "country_of_birth",
    "Individual_Nationality": "nationality", "Individual_PassportNumber": "passport_number",
    "Individual_PassportDetails": "passport_details",
    "Individual_NINumber": "national_identification_number",
    "Individual_NIDetails": "national_identification_details",
    "Individual_Position": "position", "Individual_Gender": "gender",
    "Entity_Type": "type_of_entity", "Entity_Subsidiaries": "subsidiaries",
    "Entity_ParentCompany": "parent_company", "Entity_BusinessRegNumber": "business_reg_no",
    "Ship_IMONumber": "imo_number", "Ship_CurrentOwners": "current_owners",
    "Ship_PreviousOwners": "previous_owners", "Ship_Flag": "flag_of_ship",
    "Ship_PreviousFlags": "previous_flags", "Ship_Type": "type_of_ship",
    "Ship_Tonnage": "tonnage_of_ship", "Ship_Length": "length_of_ship",
    "Ship_YearBuilt": "year_built", "Ship_HullIdentificationNumber": "hull_identification_number",
    "UNRef": "un_ref", "LastUpdated": "last_updated", "GroupID": "group_id",
    "GrpStatus": "grp_status", "GroupStatus": "group_status", "ListingType": "listing_type",
    "DateAdditionalSanctions": "date_additional_sanctions", "GroupSanctions": "group_sanctions",
}  # fmt: skip
XML_ROOT, XML_TARGET = "ArrayOfFinancialSanctionsTarget", "FinancialSanctionsTarget"

# `(Label):value` pairs inside the 2022 CSV/XLSX `Other Information` → internal column name
# (the same names the XML uses for its separate elements).
OI_LABELS: dict[str, str] = {
    "UK Sanctions List Ref": "uk_sanctions_list_ref", "UN Ref": "un_ref",
    "UK Statement of Reasons": "uk_statement_of_reasons", "Gender": "gender",
    "Phone number": "phone_number", "Email address": "email_address", "Website": "website",
    "Type of entity": "type_of_entity", "Parent company": "parent_company",
    "Subsidiaries": "subsidiaries", "Business Reg No": "business_reg_no",
    "IMO number": "imo_number", "Current owners": "current_owners",
    "Flag of ship": "flag_of_ship", "Previous flags": "previous_flags",
    "Type of ship": "type_of_ship", "Tonnage of ship": "tonnage_of_ship",
    "Length of ship": "length_of_ship", "Year built": "year_built",
}  # fmt: skip
# Parenthesised words followed by a colon that occur *inside* values, not as labels:
# `(Fax):`/`(Tel):` sub-label phone numbers (the XML has no Fax element), and
# `Employer Identification Number (United States of America): …` is free text.
OI_INLINE = frozenset({"Fax", "Tel", "United States of America"})

ENTITY_TYPES = {"Individual": "person", "Entity": "organization", "Ship": "vessel"}
ALIAS_TYPES_2022 = {
    "Primary name": "primary",
    "Primary name variation": "alias",
    "AKA": "alias",
    "FKA": "fka",
}
ALIAS_TYPES_LEGACY = {"Prime Alias": "primary", "AKA": "alias", "FKA": "fka"}
QUALITIES = {"Good quality": "strong", "Low quality": "low"}

NAME_PARTS = ("name_1", "name_2", "name_3", "name_4", "name_5", "name_6")
ADDRESS_PARTS = ("address_1", "address_2", "address_3", "address_4", "address_5", "address_6")
# Party-level facts published outside `Other Information` (columns in every layout).
KEYED = tuple(dict.fromkeys([*OI_LABELS.values(), *(XML_FIELDS[k] for k in (
    "Ship_PreviousOwners", "Ship_HullIdentificationNumber", "GrpStatus", "GroupStatus",
    "ListingType", "DateAdditionalSanctions", "GroupSanctions"))]))  # fmt: skip
# Fields one party must publish identically on every row; others (names, titles, DOBs,
# addresses, regimes and their dates) legitimately vary between a party's rows.
CONSTANT = (
    "town_of_birth", "country_of_birth", "nationality", "passport_number", "passport_details",
    "national_identification_number", "national_identification_details", "ni_number",
    "position", "other_information", "last_updated", *KEYED,
)  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """What differs between the published layouts."""

    format: str
    file: str
    unit: str  # how a record is located: "row", "record" or "FinancialSanctionsTarget"
    alias_types: Mapping[str, str]
    other_information: str  # "labelled" (2022 CSV/XLSX), "free" (XML) or "legacy"


XLSX = Layout("xlsx", XLSX_NAME, "row", ALIAS_TYPES_2022, "labelled")
CSV = Layout("csv", CSV_NAME, "record", ALIAS_TYPES_2022, "labelled")
XML = Layout("xml", XML_NAME, XML_TARGET, ALIAS_TYPES_2022, "free")
LEGACY = Layout("csv_legacy", LEGACY_NAME, "record", ALIAS_TYPES_LEGACY, "legacy")


# --- small readers --------------------------------------------------------------------------


def _date(raw: str) -> FuzzyDate | None:
    """dd/mm/yyyy with `00` for unknown parts, mm/yyyy, yyyy, or ISO `yyyy-mm-dd[Thh:mm:ss]`."""
    value = raw.strip()
    if m := _ISO.match(value):
        return parse_dmy(f"{m.group(3)}/{m.group(2)}/{m.group(1)}")
    if _MY.match(value):
        return parse_dmy("00/" + value)
    if _Y.match(value):
        return parse_dmy("00/00/" + value)
    return parse_dmy(value)


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00:00)?$")
_MY = re.compile(r"^\d{1,2}/\d{4}$")
_Y = re.compile(r"^\d{4}$")

# `(1) a (2) b`, `1) a 2) b`, `(a) x (b) y`: OFSI packs several values into one cell this way.
_ENUM = re.compile(r"(?:^|(?<=\s)|(?<=[.,;]))\(?([0-9]{1,2}|[a-h])\)\s*")


@lru_cache(maxsize=65536)
def enumerated_slots(value: str) -> tuple[str | None, ...]:
    """Split an enumerated cell into its items, in order; a placeholder item (`-`) is None.

    Numbering must start at 1 (or a) and run on consecutively, so `(2008)` or `(b)` inside
    free text never splits it. A cell without enumeration is one item.
    """
    text_ = value.strip()
    hits = list(_ENUM.finditer(text_)) if ")" in text_ else []
    if not hits or hits[0].start() != 0 or hits[0].group(1) not in ("1", "a"):
        return (text_ if text_.strip(" -.") else None,)
    letters = hits[0].group(1) == "a"
    expected, kept = 1, []
    for hit in hits:
        label = hit.group(1)
        number = (
            ord(label) - 96 if letters and label.isalpha() else int(label) if label.isdigit() else 0
        )
        if number == expected and label.isalpha() == letters:
            kept.append(hit)
            expected += 1
    items: list[str | None] = []
    for i, hit in enumerate(kept):
        end = kept[i + 1].start() if i + 1 < len(kept) else len(text_)
        item = text_[hit.end() : end].strip().rstrip(".,;").strip()
        items.append(item if item.strip(" -.") else None)
    return tuple(items)


def enumerated(value: str) -> tuple[str, ...]:
    """The items of an enumerated cell, placeholders dropped (`(1) a (2) b` → `a`, `b`)."""
    return tuple(item for item in enumerated_slots(value) if item)


# Spellings in OFSI's country cells that `core.countries.resolve` does not know (a local
# workaround; proposed for core/countries.py in the report).
COUNTRY_ALIASES: dict[str, str] = {
    "britain": "GB", "british": "GB", "afganistan": "AF", "afghan": "AF", "afgan": "AF",
    "algerian": "DZ", "australian": "AU", "belrus": "BY", "burundian": "BI", "canadian": "CA",
    "chinese": "CN", "congolese": "CD", "democratic people’s republic of korea": "KP",
    "north korean": "KP", "egyptian": "EG", "filipino": "PH", "french": "FR", "georgian": "GE",
    "german": "DE", "guinea bissau": "GW", "indian": "IN", "indonesian": "ID", "iranian": "IR",
    "iraqi": "IQ", "jordanian": "JO", "kuwaiti": "KW", "libyan": "LY",
    "libyan arab jamahiriya": "LY", "malaysian": "MY", "malian": "ML", "mauritanian": "MR",
    "moldovan": "MD", "repubic of moldova": "MD", "moroccan": "MA", "nigerian": "NG",
    "norwegian": "NO", "occupied palestinian territories": "PS", "pakistani": "PK",
    "qatari": "QA", "qatarian": "QA", "russian": "RU", "rwandan": "RW", "saudi arabian": "SA",
    "senegalese": "SN", "somali": "SO", "sudanese": "SD", "swedish": "SE", "syrian": "SY",
    "the netherlands": "NL", "tunisian": "TN", "turkish": "TR", "ugandan": "UG",
    "uzbek": "UZ", "uzbekhistan": "UZ", "yemeni": "YE", "american": "US",
}  # fmt: skip
_PAREN_TAIL = re.compile(r"\s*\([^()]*\)\.?$")
_NOW = re.compile(r"\b(?:now|currently)\s+([A-Z][A-Za-z ]+?)\)?\.?$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def country_code(raw: str | None) -> str | None:
    """ISO alpha-2 for a country cell, tolerating qualifiers: `Iraq (previous address)`,
    `Ukrainian SSR (now Ukraine)`; None when it cannot be resolved without guessing."""
    if not raw:
        return None
    value = raw.strip().rstrip(".").strip()
    code = COUNTRY_ALIASES.get(value.lower()) or resolve(value)
    if code is None and (m := _NOW.search(value)):
        code = resolve(m.group(1)) or COUNTRY_ALIASES.get(m.group(1).lower().strip())
    if code is None and _PAREN_TAIL.search(value):
        bare = _PAREN_TAIL.sub("", value).strip()
        code = resolve(bare) or COUNTRY_ALIASES.get(bare.lower())
    return code


def _pairs(left: str | None, right: str | None) -> list[tuple[str | None, str | None]]:
    """Pair two enumerated cells item by item (`(1) number` with `(1) details`).

    Placeholders keep the positions (`(1) Tunis (2) -` with `(1) Tunisia (2) Morocco`); a
    single item on one side goes with every item of the other; counts that disagree
    otherwise are not paired.
    """
    a = enumerated_slots(left) if left else (None,)
    b = enumerated_slots(right) if right else (None,)
    if len(a) == len(b):
        pairs = list(zip(a, b, strict=True))
    elif len(b) == 1:
        pairs = [(item, b[0]) for item in a]
    elif len(a) == 1:
        pairs = [(a[0], item) for item in b]
    else:
        pairs = [(item, None) for item in a] + [(None, item) for item in b]
    return [pair for pair in pairs if pair[0] or pair[1]]


_DOC_NOISE = re.compile(r"[\s.\-/]")
_NON_DIGIT = re.compile(r"[^\d+]")


# --- Other Information -------------------------------------------------------------------------

_OI_PAREN = re.compile(r"\(([^()]{1,45})\)\s*:")
_LABEL_LIKE = re.compile(r"[A-Z][A-Za-z][A-Za-z /&'.-]*$")
# UK list references are `RUS0001`; a few cells carry a UN-style reference instead (`SDi.005`).
_UK_REF = re.compile(
    r"^\s*(?P<ref>[A-Z]{2,4}\d{4}|[A-Z]{2}[A-Za-z]\.\s?\d{3})(?!\d)\.?\s*(?P<rest>.*)$", re.S
)
# a UN reference in any of its forms, current or historic (`core.un_references`)
_UN_REF = re.compile(r"^\s*" + UN_REFERENCE_IN_TEXT.pattern + r"\.?\s*(?P<rest>.*)$", re.S)
# Pre-2022 free text: `UN Ref QDi.004`, `UN REF: QI.A.146.14`, `UN Reference KPi.050`,
# `UN Ref Q.I.A.291.11.`, `UN Ref E.29.I.11.`, `UN Ref. I.AC.50.20.12.12.(1).`
_LEGACY_UN = re.compile(
    r"(?i:\bUN\s*Ref(?:erence)?\b)\s*[.:]?\s*:?\s*" + UN_REFERENCE_IN_TEXT.pattern
)
_LEGACY_UN_LABEL = re.compile(r"\bUN\s*Ref", re.IGNORECASE)


@dataclass
class OtherInfo:
    """What one `Other Information` value (or the XML's separate elements) says about a party."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    remarks: str | None = None
    unparsed: list[str] = field(default_factory=list)
    unknown_labels: list[str] = field(default_factory=list)


def parse_other_information(text_: str) -> OtherInfo:
    """Split a 2022 `Other Information` cell into its `(Label):value` pairs.

    The UK list reference and the UN reference lead their segments (`RUS0001. free text`):
    the reference is taken and the text after it is the party's free-text remark. Labels the
    parser does not know are reported (and stay inside the value they interrupt).
    """
    info = OtherInfo()
    hits: list[re.Match[str]] = []
    for hit in _OI_PAREN.finditer(text_):
        label = hit.group(1)
        if label in OI_LABELS:
            hits.append(hit)
        elif label not in OI_INLINE and _LABEL_LIKE.match(label):
            info.unknown_labels.append(label)
    free: list[str] = [text_[: hits[0].start()] if hits else text_]
    for i, hit in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(text_)
        key, value = OI_LABELS[hit.group(1)], text_[hit.end() : end].strip()
        if key in ("uk_sanctions_list_ref", "un_ref"):
            m = (_UK_REF if key == "uk_sanctions_list_ref" else _UN_REF).match(value)
            if m is None:
                if value:
                    info.unparsed.append(f"({hit.group(1)}):{value}")
                continue
            info.fields.setdefault(key, []).append(m.group("ref"))
            free.append(m.group("rest"))
        elif value:
            info.fields.setdefault(key, []).append(value)
    info.remarks = " ".join(p.strip() for p in free if p.strip()) or None
    return info


def parse_legacy_other_information(text_: str) -> OtherInfo:
    """Pre-2022 `Other Information` is free text: kept whole as the remark; the party's UN
    references are the `UN Ref …` in it, in any form (`QDi.291`, `QI.A.291.11`, `E.29.I.11`)."""
    info = OtherInfo(remarks=text_)
    if refs := [m.group("ref") for m in _LEGACY_UN.finditer(text_)]:
        info.fields["un_ref"] = list(dict.fromkeys(refs))
    elif label := _LEGACY_UN_LABEL.search(text_):
        # A UN reference in a form not recognised (`UN Ref.079`, a bare number): kept for review.
        info.unparsed.append(text_[label.start() : label.start() + 40].strip())
    return info


# --- reading the files -----------------------------------------------------------------------


def _clean(df: pl.DataFrame) -> pl.DataFrame:
    """Strip every cell; an empty or whitespace-only cell is null."""
    stripped = {c: pl.col(c).str.strip_chars() for c in df.columns if df.schema[c] == pl.String}
    return df.with_columns(pl.when(s != "").then(s).alias(c) for c, s in stripped.items())


def _published(name: str, fields: list[str | None], unit: str) -> date:
    """Row 1: `Last Updated,<dd/mm/yyyy>` (padded with empty cells)."""
    cells = [(f or "").strip() for f in fields]
    if len(cells) < 2 or cells[0] != "Last Updated" or any(cells[2:]):
        raise SourceFormatError(
            name, f"{unit} 1", f"expected 'Last Updated,<dd/mm/yyyy>', found {cells[:3]!r}"
        )
    parsed = _date(cells[1]) if cells[1] else None
    if parsed is None or parsed.precision != "day":
        raise SourceFormatError(name, f"{unit} 1", f"bad publication date {cells[1]!r}")
    return parsed.date_from


def _check_header(name: str, found: list[str], expected: Iterable[str], unit: str) -> None:
    expected = list(expected)
    found = [f.strip() for f in found]
    if found != expected:
        diff = next(
            (i for i, (a, b) in enumerate(zip(found, expected, strict=False)) if a != b),
            min(len(found), len(expected)),
        )
        raise SourceFormatError(
            name,
            f"{unit} 2, column {diff + 1}",
            f"header changed: expected {len(expected)} columns {expected[diff : diff + 3]}…, "
            f"found {len(found)} columns {found[diff : diff + 3]}…",
        )


def _check_group_ids(name: str, df: pl.DataFrame, unit: str) -> None:
    """Every record names its party; a missing Group ID means a short or truncated record."""
    bad = df.filter(pl.col("group_id").is_null() | ~pl.col("group_id").str.contains(r"^\d+$"))
    if bad.height:
        row = bad.row(0, named=True)
        what = (
            "no Group ID (short or truncated record?)"
            if row["group_id"] is None
            else f"Group ID {row['group_id']!r} is not a number"
        )
        raise SourceFormatError(name, f"{unit} {row['row']}", what)


def _locate_csv_problem(text_: str, width: int, first: int) -> str:
    """Find the first record polars refused: wrong field count or an unterminated quote.

    `first` is the record number of the first line of `text_` in the whole file.
    """
    reader = csv.reader(io.StringIO(text_), strict=True)
    number = first - 1
    try:
        for number, record in enumerate(reader, start=first):
            if record and len(record) != width:
                return f"record {number} ({len(record)} fields, expected {width})"
    except csv.Error as exc:
        return f"record {number + 1} ({exc})"
    return "unparseable CSV"


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def read_csv_layout(
    name: str, data: bytes, header: Mapping[str, str], encoding: str
) -> tuple[date, pl.DataFrame]:
    """Read a `Last Updated` line, the exact header and the rows of an OFSI CSV.

    Returns the publication date and the rows under internal column names (stripped, blank =
    null), with `row` = the record number in the file (the `Last Updated` line is record 1).
    """
    check_payload(name, data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    require_complete_csv(name, data, encoding=encoding, header_lines=2, key="Group ID")
    if encoding == "cp1252" and not data.isascii() and _is_utf8(data):
        # Windows-1252 decodes almost any byte: a UTF-8 re-save is non-ASCII yet valid UTF-8.
        line = data.count(b"\n", 0, _NON_ASCII.search(data).start()) + 1
        raise SourceFormatError(
            name, f"line {line}", "the file is UTF-8, expected Windows-1252 — wrong encoding?"
        )
    if data[:1024].lstrip()[:1] in (b"<", b"{"):
        raise SourceFormatError(name, "line 1", "expected CSV, found markup or JSON")
    end = data.find(b"\n")
    first = decode(name, data[: end if end >= 0 else len(data)], encoding).rstrip("\r")
    published = _published(name, next(csv.reader([first])), "record")
    if end < 0 or not data[end + 1 :].strip():
        raise SourceFormatError(name, "record 2", "no header line after 'Last Updated'")
    # UTF-8 goes to polars as is (polars refuses invalid UTF-8; `decode` then names the place);
    # Windows-1252 is decoded strictly and handed over as UTF-8.
    if encoding == "utf-8":
        body = data[end + 1 :]
    else:
        body = decode(name, data, encoding).split("\n", 1)[1].encode("utf-8")
    try:
        df = pl.read_csv(body, has_header=True, infer_schema=False, quote_char='"')
    except pl.exceptions.PolarsError as exc:
        decode(name, data, encoding)
        where = _locate_csv_problem(body.decode("utf-8"), len(header), first=2)
        raise SourceFormatError(name, where, str(exc).splitlines()[0]) from exc
    _check_header(name, df.columns, header, "record")
    df = _clean(df.rename(dict(header))).with_columns(
        row=pl.int_range(3, df.height + 3, dtype=pl.Int64)
    )
    _check_group_ids(name, df, "record")
    return published, df


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_xlsx(name: str, data: bytes) -> tuple[date, pl.DataFrame, list[Unknown]]:
    """Read the single sheet of an OFSI XLSX (row 1 `Last Updated`, row 2 the header)."""
    require_content(name, data)
    refuse_html(name, data)
    if not data.startswith(b"PK\x03\x04"):
        raise SourceFormatError(name, "byte 0", "not an XLSX workbook (no zip signature)")
    check_zip(name, data, XLSX_LIMITS)
    try:
        sheets = pl.read_excel(
            io.BytesIO(data), engine="calamine", sheet_id=0, has_header=False, infer_schema_length=0
        )
    except Exception as exc:  # calamine/zip errors have no common base class
        raise SourceFormatError(
            name, "workbook", f"unreadable XLSX: {str(exc).splitlines()[0]}"
        ) from exc
    if not sheets:
        raise SourceFormatError(name, "workbook", "the workbook has no sheet")
    first, *others = sheets
    raw = sheets[first]
    unknowns = [
        Unknown(
            name,
            f"sheet {other!r}",
            "sheet",
            f"extra sheet of {sheets[other].height} rows not read",
        )
        for other in others
    ]
    # Trailing formatted-but-empty columns are not data.
    while (
        raw.width > len(HEADER_2022) and raw.get_column(raw.columns[-1]).null_count() == raw.height
    ):
        raw = raw.drop(raw.columns[-1])
    if raw.height < 2:
        raise SourceFormatError(
            name, f"row {raw.height + 1}", "no header row: the sheet is truncated"
        )
    published = _published(name, list(raw.row(0)), "row")
    _check_header(name, [c or "" for c in raw.row(1)], HEADER_2022, "row")
    df = raw.slice(2).rename(dict(zip(raw.columns, HEADER_2022.values(), strict=True)))
    df = _clean(df).with_columns(row=pl.int_range(3, df.height + 3, dtype=pl.Int64))
    df = df.filter(~pl.all_horizontal(pl.exclude("row").is_null()))
    _check_group_ids(name, df, "row")
    return published, df, unknowns


def read_xml(
    name: str, data: bytes
) -> tuple[pl.DataFrame, list[Unknown], list[tuple[str, int, str, str]]]:
    """Read every `FinancialSanctionsTarget` into one row of internal columns.

    A target whose elements are exactly the known ones in the published order is read as one
    list; any other target is read element by element, and elements the parser does not know
    (or repeated ones) are returned as (group_id, target, tag, text) and reported.
    """
    root = parse_xml_safely(name, data, {XML_TARGET: "GroupID"})
    if local(root.tag) != XML_ROOT:
        raise SourceFormatError(
            name, "root element", f"expected {XML_ROOT}, found {local(root.tag)}"
        )
    ns = etree.QName(root).namespace
    prefix = f"{{{ns}}}" if ns else ""
    if not len(root):
        raise SourceFormatError(name, "root element", f"no {XML_TARGET} in the file")
    unknowns: list[Unknown] = []
    expected = [prefix + tag for tag in XML_FIELDS]
    rows: list[list[str | None]] = []
    extra: list[tuple[str, int, str, str]] = []
    for number, target in enumerate(root, start=1):
        if target.tag != prefix + XML_TARGET:
            raise SourceFormatError(
                name,
                f"line {target.sourceline}",
                f"unexpected element {local(target.tag)} (child {number} of the root)",
            )
        children = list(target)
        # OFSI writes every element of a target, in a fixed order (absent values as i:nil).
        if [child.tag for child in children] == expected:
            rows.append([child.text for child in children])
            continue
        cells: dict[str, str | None] = {}
        for child in children:
            tag = local(child.tag)
            value = (child.text or "").strip()
            if tag in XML_FIELDS and tag not in cells:
                cells[tag] = child.text
                continue
            gid = (target.findtext(prefix + "GroupID") or "").strip()
            extra.append((gid, number, tag, value))
            what = f"element {XML_TARGET}/{tag}" + (" (repeated)" if tag in cells else "")
            where = f"{XML_TARGET} {number} (line {child.sourceline})"
            unknowns.append(Unknown(name, where, what, value))
        rows.append([cells.get(tag) for tag in XML_FIELDS])
    df = pl.DataFrame(rows, schema=dict.fromkeys(XML_FIELDS.values(), pl.String), orient="row")
    df = _clean(df).with_columns(row=pl.int_range(1, len(rows) + 1, dtype=pl.Int64))
    _check_group_ids(name, df, XML_TARGET)
    return df, unknowns, extra


# --- building canonical tables ----------------------------------------------------------------

_EID = pl.lit(SOURCE + "-") + pl.col("group_id")
# (group_id, target number, element, text) of an XML element the parser does not know.
Extra = tuple[str, int, str, str]


class _Out:
    """Canonical rows per table: frames from the vectorised steps, dict rows from the rare
    paths (rejects, unreadable values). Deduplicated when assembled, because a party's
    cross-product rows repeat the same value many times."""

    def __init__(self) -> None:
        self.frames: dict[str, list[pl.DataFrame]] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: str, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def extend(self, table: str, df: pl.DataFrame) -> None:
        if df.height:
            self.frames.setdefault(table, []).append(df)

    def tables(self) -> dict[str, pl.DataFrame]:
        for table, rows in self.rows.items():
            self.extend(table, pl.from_dicts(rows, schema=TABLES[table]))
        return {
            table: _align(table, pl.concat(parts, how="diagonal_relaxed")).unique(
                maintain_order=True
            )
            for table, parts in self.frames.items()
        }


def _align(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """The canonical columns of `table` (without provenance), in order; absent ones null."""
    return df.select(
        pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in TABLES[table].items()
    )


@dataclass
class _Context:
    """What the build steps share: the layout, the output, the unknowns, each party's first row."""

    layout: Layout
    out: _Out
    unknowns: list[Unknown]
    first_rows: dict[str, int]

    def origin(self, part: str) -> pl.Expr:
        return pl.lit(f"{self.layout.file}:{part}")

    def where(self, gid: str) -> str:
        return f"{self.layout.unit} {self.first_rows[gid]} (Group ID {gid})"

    def unknown(self, gid: str, what: str, value: str) -> None:
        self.unknowns.append(Unknown(self.layout.file, self.where(gid), what, value))


def _fan_out(
    df: pl.DataFrame,
    cols: list[str],
    fn: Callable[..., Iterable[tuple[Any, ...]]],
    schema: Mapping[str, Any],
) -> pl.DataFrame:
    """Run `fn` once per distinct value of `cols` and give its rows to every party carrying it.

    Values repeat across parties (nationalities, countries) and across a party's rows, so the
    Python work is done per distinct value and polars joins the results back to the parties.
    The result has `group_id`, `entity_id`, `cols` and the columns of `schema`.
    """
    pairs = (
        df.select("group_id", *cols)
        .filter(pl.any_horizontal(pl.col(cols).is_not_null()))
        .unique(maintain_order=True)
    )
    values = pairs.select(cols).unique(maintain_order=True)
    rows = [(*key, *row) for key in values.iter_rows() for row in fn(*key)]
    mapping = pl.DataFrame(rows, schema={**dict.fromkeys(cols, pl.String), **schema}, orient="row")
    joined = pairs.join(mapping, on=cols, how="inner", nulls_equal=True, maintain_order="left")
    return joined.with_columns(entity_id=_EID)


def _normalize(id_type: str, value: str) -> str | None:
    if id_type == "phone":
        return _NON_DIGIT.sub("", value) or None
    if id_type in ("email", "website"):
        return value.lower()
    if id_type == "un_reference":
        # the current form where the mapping is certain (`QI.A.291.11` → `QDI.291`)
        return un_reference_key(value)
    if id_type == "list_reference":
        return _SPACE.sub("", value).upper()
    return _DOC_NOISE.sub("", value).upper() or None


_SPACE = re.compile(r"\s")
_PHONE_LABEL = re.compile(r"\((Fax|Tel)\)\s*:")
ID_FIELDS = {
    "uk_sanctions_list_ref": ("list_reference", "UK Sanctions List Ref"),
    "un_ref": ("un_reference", "UN Ref"),
    "email_address": ("email", "Email address"),
    "website": ("website", "Website"),
    "business_reg_no": ("registration", "Business Reg No"),
    "hull_identification_number": ("other", "Hull identification number (HIN)"),
}
ATTRIBUTES = {
    "uk_statement_of_reasons": "statement_of_reasons", "gender": "gender",
    "type_of_entity": "type_of_entity", "current_owners": "vessel_owner",
    "previous_owners": "vessel_previous_owners", "previous_flags": "vessel_previous_flags",
    "type_of_ship": "vessel_type", "tonnage_of_ship": "vessel_tonnage",
    "length_of_ship": "vessel_length", "year_built": "vessel_year_built",
    "grp_status": "group_status_code", "group_status": "group_status",
    "listing_type": "listing_type", "date_additional_sanctions": "date_additional_sanctions",
    "group_sanctions": "group_sanctions",
}  # fmt: skip
# The XML names the element a fact came from; the CSV/XLSX pack every fact into one column.
XML_ELEMENT = {column: tag for tag, column in XML_FIELDS.items()}
OI_SCHEMAS: dict[str, dict[str, Any]] = {
    "identifiers": {
        "id_type": pl.String,
        "label": pl.String,
        "value": pl.String,
        "normalized": pl.String,
        "note": pl.String,
        "origin": pl.String,
    },
    "attributes": {"attribute": pl.String, "value": pl.String, "origin": pl.String},
    "countries": {
        "country_code": pl.String,
        "raw": pl.String,
        "relation": pl.String,
        "origin": pl.String,
    },
    "relationships": {"to_name": pl.String, "relation": pl.String, "origin": pl.String},
}


def _oi_rows(
    info: OtherInfo, origin_of: Callable[[str], str], bad_imo: Callable[[str], None]
) -> Iterable[tuple[str, tuple[Any, ...]]]:
    """(table, row) for every labelled fact of a party, without the party's ID."""
    for key, values in info.fields.items():
        origin = origin_of(key)
        for value in values:
            if key in ("uk_sanctions_list_ref", "un_ref", "hull_identification_number"):
                id_type, label = ID_FIELDS[key]
                yield (
                    "identifiers",
                    (id_type, label, value, _normalize(id_type, value), None, origin),
                )
            elif key in ID_FIELDS:
                id_type, label = ID_FIELDS[key]
                for item in enumerated(value):
                    yield (
                        "identifiers",
                        (id_type, label, item, _normalize(id_type, item), None, origin),
                    )
            elif key == "phone_number":
                for item in enumerated(value):
                    pieces = _PHONE_LABEL.split(item)
                    labelled = [
                        ("Phone number", pieces[0]),
                        *zip(pieces[1::2], pieces[2::2], strict=True),
                    ]
                    for label, number in labelled:
                        for part in enumerated(number):
                            if any(ch.isdigit() for ch in part):
                                yield (
                                    "identifiers",
                                    ("phone", label, part, _normalize("phone", part), None, origin),
                                )
            elif key == "imo_number":
                for item in enumerated(value):
                    digits = _NON_DIGIT.sub("", item).lstrip("+")
                    if imo_valid(digits):
                        yield "identifiers", ("imo", "IMO number", item, digits, None, origin)
                    else:
                        bad_imo(item)
                        yield (
                            "identifiers",
                            (
                                "other",
                                "IMO number",
                                item,
                                digits or None,
                                "fails the IMO check digit",
                                origin,
                            ),
                        )
            elif key == "flag_of_ship":
                yield "countries", (country_code(value), value, "flag", origin)
            elif key in ("parent_company", "subsidiaries"):
                relation = "parent_company" if key == "parent_company" else "subsidiary"
                for item in enumerated(value):
                    yield "relationships", (item, relation, origin)
            else:
                yield "attributes", (ATTRIBUTES[key], value, origin)


def _other_information(ctx: _Context, df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Labelled facts, remarks and unreadable fragments of each party.

    Returns (group_id, remarks) and (group_id, unparsed_remarks) frames for the entities.
    """
    layout = ctx.layout
    free = layout.other_information == "free"
    reader = (
        parse_other_information
        if layout.other_information == "labelled"
        else parse_legacy_other_information
    )
    cols = ["other_information", *KEYED] if free else ["other_information"]
    pairs = (
        df.select("group_id", *cols)
        .filter(pl.any_horizontal(pl.col(cols).is_not_null()))
        .unique(maintain_order=True)
    )
    values = pairs.select(cols).unique(maintain_order=True).with_row_index("_k")
    pairs = pairs.join(
        values, on=cols, how="inner", nulls_equal=True, maintain_order="left"
    ).select("group_id", "_k")
    first = dict(
        pairs.unique("_k", keep="first", maintain_order=True).select("_k", "group_id").iter_rows()
    )
    file = layout.file
    origins = {key: f"{file}:{XML_ELEMENT[key] if free else 'Other Information'}" for key in KEYED}
    rows: dict[str, list[tuple[Any, ...]]] = {
        table: [] for table in (*OI_SCHEMAS, "remarks", "unparsed_remarks")
    }
    for k, text_, *keyed in values.iter_rows():
        gid = first[k]
        if free:
            info = OtherInfo(
                fields={key: [v] for key, v in zip(KEYED, keyed, strict=True) if v}, remarks=text_
            )
        else:
            info = reader(text_)
        for label in dict.fromkeys(info.unknown_labels):
            ctx.unknown(gid, "Other Information label", label)
        for fragment in info.unparsed:
            ctx.unknown(gid, "Other Information reference", fragment[:200])
            rows["unparsed_remarks"].append((k, fragment))
        if info.remarks:
            rows["remarks"].append((k, info.remarks))
        for table, row in _oi_rows(
            info, origins.__getitem__, lambda item, gid=gid: ctx.unknown(gid, "IMO number", item)
        ):
            rows[table].append((k, *row))
    by_party: dict[str, pl.DataFrame] = {}
    for table, table_rows in rows.items():
        schema = OI_SCHEMAS.get(table, {table: pl.String})
        mapping = pl.DataFrame(table_rows, schema={"_k": pl.UInt32, **schema}, orient="row")
        joined = pairs.join(mapping, on="_k", how="inner", maintain_order="left").with_columns(
            _EID.alias("from_entity_id" if table == "relationships" else "entity_id")
        )
        if table in OI_SCHEMAS:
            ctx.out.extend(table, joined.drop("_k", "group_id"))
        else:
            by_party[table] = joined.group_by("group_id", maintain_order=True).agg(
                pl.col(table)
                .unique(maintain_order=True)
                .str.join(" | " if table == "remarks" else "; ")
            )
    return by_party["remarks"], by_party["unparsed_remarks"]


def _row_json(row: Mapping[str, Any]) -> str:
    return json.dumps(
        {k: v for k, v in row.items() if v is not None and not k.startswith("_")},
        ensure_ascii=False,
    )


def _conflicts(ctx: _Context, df: pl.DataFrame, published: Iterable[str]) -> None:
    """Report party-level fields whose rows disagree (every value is still kept)."""
    cols = [c for c in CONSTANT if c in published]
    counts = df.group_by("group_id", maintain_order=True).agg(
        pl.col(c).drop_nulls().n_unique() for c in cols
    )
    flagged = counts.filter(pl.any_horizontal(pl.col(cols) > 1))
    for row in flagged.iter_rows(named=True):
        gid = row["group_id"]
        for col in cols:
            if row[col] > 1:
                values = (
                    df.filter(pl.col("group_id") == gid)
                    .get_column(col)
                    .drop_nulls()
                    .unique(maintain_order=True)
                    .to_list()
                )
                ctx.unknown(gid, f"conflicting {col}", " | ".join(values))


def build(
    layout: Layout, df: pl.DataFrame, unknowns: list[Unknown], extra: Iterable[Extra] = ()
) -> tuple[dict[str, pl.DataFrame], int, int]:
    """Group the rows of any layout into parties and build the canonical tables.

    Returns the tables, the number of parties, and the rows folded into an identical name row.

    Returns the tables and the number of parties (distinct Group IDs).
    """
    file = layout.file
    published = set(df.columns)
    missing = {*NAME_PARTS, *ADDRESS_PARTS, *KEYED, *CONSTANT, *HEADER_2022.values()} - published
    df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in sorted(missing))
    person = pl.col("_etype") == "person"
    df = df.with_columns(
        _name=pl.concat_str([pl.col(c) for c in NAME_PARTS], separator=" ", ignore_nulls=True),
        _given=pl.concat_str([pl.col(c) for c in NAME_PARTS[:5]], separator=" ", ignore_nulls=True),
        _ntype=pl.col("alias_type").replace_strict(
            dict(layout.alias_types), default=None, return_dtype=pl.String
        ),
        _quality=pl.col("alias_quality").replace_strict(
            QUALITIES, default=None, return_dtype=pl.String
        ),
        _etype=pl.col("group_type").replace_strict(
            ENTITY_TYPES, default=None, return_dtype=pl.String
        ),
    ).with_columns(
        _name=pl.when(pl.col("_name") != "").then(pl.col("_name")),
        _given=pl.when(person & (pl.col("_given") != "")).then(pl.col("_given")),
        _family=pl.when(person).then(pl.col("name_6")),
        _ok=(
            (pl.col("_name") != "")
            & pl.col("_ntype").is_not_null()
            & (pl.col("alias_quality").is_null() | pl.col("_quality").is_not_null())
        ).fill_null(False),
    )
    for column, known, what in (
        ("alias_type", layout.alias_types, "Alias Type"),
        ("alias_quality", QUALITIES, "Alias Quality"),
        ("group_type", ENTITY_TYPES, "Group Type"),
    ):
        odd = df.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(list(known))).unique(
            column, keep="first", maintain_order=True
        )
        for number, value in odd.select("row", column).iter_rows():
            unknowns.append(Unknown(file, f"{layout.unit} {number}", what, value))

    groups = (
        df.group_by("group_id", maintain_order=True)
        .agg(
            first_row=pl.col("row").first(),
            rows=pl.col("row"),
            types=pl.col("group_type").drop_nulls().unique(maintain_order=True),
            etype=pl.col("_etype").drop_nulls().first(),
            usable=pl.col("_ok").sum(),
            primary=pl.coalesce(
                pl.col("_name").filter(pl.col("_ok") & (pl.col("_ntype") == "primary")).first(),
                pl.col("_name").filter(pl.col("_ok")).first(),
            ),
        )
        .with_columns(reason=_reject_reason())
    )
    ctx = _Context(
        layout, _Out(), unknowns, dict(zip(groups["group_id"], groups["first_row"], strict=True))
    )
    _reject_groups(ctx, df, groups.filter(pl.col("reason").is_not_null()))
    accepted = groups.filter(pl.col("reason").is_null())
    df = df.filter(pl.col("group_id").is_in(accepted["group_id"].implode()))

    named = df.filter(pl.col("_ok")).select(
        entity_id=_EID,
        name=pl.col("_name"),
        name_type=pl.col("_ntype"),
        quality=pl.col("_quality"),
        given_name=pl.col("_given"),
        family_name=pl.col("_family"),
        origin=pl.lit(file),
    )
    # OFSI writes names × dates of birth × addresses × regimes: the same name variant recurs
    # on several rows. Each distinct variant is kept once; the folded rows are counted.
    names = named.unique(maintain_order=True)
    merged = named.height - names.height
    for row in df.filter(~pl.col("_ok")).iter_rows(named=True):
        if row["_name"] is None:
            reason = "no name in Name 1-6"
        elif row["_ntype"] is None:
            reason = f"unknown Alias Type {row['alias_type']!r}"
        else:
            reason = f"unknown Alias Quality {row['alias_quality']!r}"
        ctx.out.add(
            "rejects",
            kind="name",
            file=file,
            locator=f"{layout.unit} {row['row']}",
            reason=reason,
            raw=_row_json(row),
        )

    _party_fields(ctx, df)
    remarks, unparsed = _other_information(ctx, df)
    for gid, _number, tag, value in extra:
        if gid in ctx.first_rows and value:
            ctx.out.add(
                "attributes",
                entity_id=entity_id(SOURCE, gid),
                attribute=tag,
                value=value,
                origin=f"{file}:{tag}",
            )
    _conflicts(ctx, df, published)
    entities = _entities(ctx, df, accepted, remarks, unparsed)

    tables = ctx.out.tables()
    tables["entities"] = entities
    tables["names"] = (
        pl.concat([names, tables["names"]], how="diagonal_relaxed") if "names" in tables else names
    )
    tables["relationships"] = _resolve_links(tables.get("relationships"), entities)
    return tables, groups.height, merged


def _reject_reason() -> pl.Expr:
    """Why a group of rows cannot be one party (null when it can)."""
    types = pl.col("types")
    return (
        pl.when(types.list.len() == 0)
        .then(pl.lit("no Group Type"))
        .when(types.list.len() > 1)
        .then(pl.lit("conflicting Group Type: ") + types.list.join(", "))
        .when(pl.col("etype").is_null())
        .then(pl.lit("unknown Group Type: ") + types.list.first())
        .when(pl.col("usable") == 0)
        .then(pl.lit("no row with a usable name"))
    )


def _reject_groups(ctx: _Context, df: pl.DataFrame, rejected: pl.DataFrame) -> None:
    """A party that cannot be taken: one `entry` reject standing for its first row, one `row`
    reject for each further row, so the row accounting of the file still holds."""
    if not rejected.height:
        return
    file, unit = ctx.layout.file, ctx.layout.unit
    bad_rows = df.filter(pl.col("group_id").is_in(rejected["group_id"].implode()))
    for gid, reason, rows in rejected.select("group_id", "reason", "rows").iter_rows():
        if reason.startswith("conflicting"):
            ctx.unknown(gid, "conflicting Group Type", reason.split(": ", 1)[1])
        raws = [
            _row_json(r) for r in bad_rows.filter(pl.col("group_id") == gid).iter_rows(named=True)
        ]
        ctx.out.add(
            "rejects",
            kind="entry",
            file=file,
            locator=f"Group ID {gid} ({unit}s {', '.join(map(str, rows))})",
            reason=reason,
            raw="\n".join(raws),
        )
        for number, raw in zip(rows[1:], raws[1:], strict=True):
            ctx.out.add(
                "rejects",
                kind="row",
                file=file,
                locator=f"{unit} {number}",
                reason=f"row of Group ID {gid}, rejected as a whole ({reason})",
                raw=raw,
            )


def _entities(
    ctx: _Context,
    df: pl.DataFrame,
    accepted: pl.DataFrame,
    remarks: pl.DataFrame,
    unparsed: pl.DataFrame,
) -> pl.DataFrame:
    """One row per accepted party: type, primary name, earliest listing, latest update, remarks."""
    dated = (
        df.select(
            "group_id",
            _listed=_day_dates(ctx, df, "listed_on", "Listed On"),
            _updated=_day_dates(ctx, df, "last_updated", "Last Updated"),
        )
        .group_by("group_id")
        .agg(pl.col("_listed").min(), pl.col("_updated").max())
    )
    return (
        accepted.select("group_id", "etype", "primary")
        .join(dated, on="group_id", how="left", maintain_order="left")
        .join(remarks, on="group_id", how="left", maintain_order="left")
        .join(unparsed, on="group_id", how="left", maintain_order="left")
        .select(
            entity_id=_EID,
            source_id=pl.col("group_id"),
            entity_type=pl.col("etype"),
            primary_name=pl.col("primary"),
            listed_on=pl.col("_listed"),
            last_updated=pl.col("_updated"),
            remarks=pl.col("remarks"),
            unparsed_remarks=pl.col("unparsed_remarks"),
        )
    )


def _day_dates(ctx: _Context, df: pl.DataFrame, column: str, label: str) -> pl.Expr:
    """`column` as pl.Date; a value that is not a full date is reported and kept as an attribute."""
    mapping: dict[str, date | None] = {}
    for raw in df.get_column(column).drop_nulls().unique().to_list():
        parsed = _date(raw)
        mapping[raw] = parsed.date_from if parsed and parsed.precision == "day" else None
        if mapping[raw] is None:
            for gid in (
                df.filter(pl.col(column) == raw).get_column("group_id").unique(maintain_order=True)
            ):
                ctx.unknown(gid, f"{label} date", raw)
                ctx.out.add(
                    "attributes",
                    entity_id=entity_id(SOURCE, gid),
                    attribute=column,
                    value=raw,
                    origin=f"{ctx.layout.file}:{label}",
                )
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.Date)


def _dob_rows(raw: str) -> Iterable[tuple[Any, ...]]:
    for item in enumerated(raw):
        parsed = _date(item)
        yield (
            (item, parsed.date_from, parsed.date_to, parsed.precision)
            if parsed
            else (item, None, None, None)
        )


def _birth_place_rows(town: str | None, country: str | None) -> Iterable[tuple[Any, ...]]:
    for place, birth_country in _pairs(town, country):
        label = ", ".join(p for p in (place, birth_country) if p)
        if label:
            yield label, country_code(birth_country)


def _country_rows(raw: str) -> Iterable[tuple[Any, ...]]:
    return ((item, country_code(item)) for item in enumerated(raw))


def _item_rows(raw: str) -> Iterable[tuple[Any, ...]]:
    return ((item,) for item in enumerated(raw))


def _document_rows(id_type: str) -> Callable[[str | None, str | None], Iterable[tuple[Any, ...]]]:
    """Number and details cells enumerated in step: one identifier per number, with its details."""

    def rows(number: str | None, details: str | None) -> Iterable[tuple[Any, ...]]:
        for value, note in _pairs(number, details):
            # A details item that is just a country names the issuer; a longer one names it
            # in words (`Libya number. Issued on 19 May 2021`, `Issued by the Democratic
            # People's Republic of Korea`). The note is kept whole beside the code.
            code = country_code(note) if note and len(note) < 40 else None
            if code is None and note:
                code = country_in_text(note)
            yield (
                value,
                _normalize(id_type, value) if value else None,
                note,
                code,
                note if code else None,
            )

    return rows


def _party_fields(ctx: _Context, df: pl.DataFrame) -> None:
    """Every party-level column, each distinct value once per party."""
    out, file = ctx.out, ctx.layout.file

    dobs = _fan_out(
        df,
        ["dob"],
        _dob_rows,
        {"raw": pl.String, "date_from": pl.Date, "date_to": pl.Date, "precision": pl.String},
    )
    out.extend(
        "birth_dates",
        dobs.filter(pl.col("precision").is_not_null()).select(
            "entity_id",
            "raw",
            "date_from",
            "date_to",
            "precision",
            circa=pl.lit(False),
            origin=ctx.origin("DOB"),
        ),
    )
    for gid, raw in (
        dobs.filter(pl.col("precision").is_null()).select("group_id", "raw").iter_rows()
    ):
        ctx.unknown(gid, "DOB", raw)
        out.add(
            "attributes",
            entity_id=entity_id(SOURCE, gid),
            attribute="date_of_birth",
            value=raw,
            origin=f"{file}:DOB",
        )

    places = _fan_out(
        df,
        ["town_of_birth", "country_of_birth"],
        _birth_place_rows,
        {"place": pl.String, "country_code": pl.String},
    )
    out.extend(
        "birth_places",
        places.select("entity_id", "place", "country_code", origin=ctx.origin("Town of Birth")),
    )

    nationalities = _fan_out(
        df, ["nationality"], _country_rows, {"raw": pl.String, "country_code": pl.String}
    )
    out.extend(
        "countries",
        nationalities.select(
            "entity_id",
            "country_code",
            "raw",
            relation=pl.lit("nationality"),
            origin=ctx.origin("Nationality"),
        ),
    )

    if ctx.layout.other_information == "legacy":
        # Pre-2022 cells hold free text ("Passport No: 592667 (Qatari passport issued …)"): kept
        # as published, one identifier per enumerated item, without a guessed normalisation.
        for id_type, label, column in (
            ("passport", "Passport Details", "passport_details"),
            ("national_id", "NI Number", "ni_number"),
        ):
            docs = _fan_out(df, [column], _item_rows, {"value": pl.String})
            out.extend(
                "identifiers",
                docs.select(
                    "entity_id",
                    "value",
                    id_type=pl.lit(id_type),
                    label=pl.lit(label),
                    origin=ctx.origin(label),
                ),
            )
    else:
        documents = (
            ("passport", "Passport Number", "passport_number", "passport_details"),
            (
                "national_id",
                "National Identification Number",
                "national_identification_number",
                "national_identification_details",
            ),
        )
        schema = {
            "value": pl.String,
            "normalized": pl.String,
            "note": pl.String,
            "country_code": pl.String,
            "country_raw": pl.String,
        }
        for id_type, label, number, details in documents:
            docs = _fan_out(df, [number, details], _document_rows(id_type), schema)
            out.extend(
                "identifiers",
                docs.filter(pl.col("value").is_not_null()).select(
                    "entity_id",
                    "value",
                    "normalized",
                    "note",
                    "country_code",
                    "country_raw",
                    id_type=pl.lit(id_type),
                    label=pl.lit(label),
                    origin=ctx.origin(label),
                ),
            )
            # Details without a number (e.g. "Place of issue: Syria") are kept as an attribute.
            out.extend(
                "attributes",
                docs.filter(pl.col("value").is_null()).select(
                    "entity_id",
                    attribute=pl.lit(f"{id_type}_details"),
                    value="note",
                    origin=ctx.origin(label),
                ),
            )

    for attribute, column, label in (
        ("position", "position", "Position"),
        ("title", "title", "Title"),
    ):
        items = _fan_out(df, [column], _item_rows, {"value": pl.String})
        out.extend(
            "attributes",
            items.select(
                "entity_id", "value", attribute=pl.lit(attribute), origin=ctx.origin(label)
            ),
        )

    parts = [*ADDRESS_PARTS, "post_zip_code", "country"]
    addresses = (
        df.select("group_id", *parts)
        .filter(pl.any_horizontal(pl.col(parts).is_not_null()))
        .unique(maintain_order=True)
    )
    codes = {
        raw: country_code(raw) for raw in addresses.get_column("country").drop_nulls().unique()
    }
    out.extend(
        "addresses",
        addresses.select(
            entity_id=_EID,
            full_address=pl.concat_str(
                [pl.col(c) for c in parts], separator=", ", ignore_nulls=True
            ),
            postal_code=pl.col("post_zip_code"),
            country_code=pl.col("country").replace_strict(
                codes, default=None, return_dtype=pl.String
            ),
            country_raw=pl.col("country"),
            origin=ctx.origin("Address"),
        ),
    )

    non_latin = ["name_non_latin_script", "non_latin_script_type", "non_latin_script_language"]
    scripts = (
        df.select("group_id", *non_latin)
        .filter(pl.any_horizontal(pl.col(non_latin).is_not_null()))
        .unique(maintain_order=True)
    )
    out.extend(
        "names",
        scripts.filter(pl.col("name_non_latin_script").is_not_null()).select(
            entity_id=_EID,
            name="name_non_latin_script",
            name_type=pl.lit("original_script"),
            script="non_latin_script_type",
            language="non_latin_script_language",
            origin=ctx.origin("Name Non-Latin Script"),
        ),
    )
    for gid, _name, script, language in scripts.filter(
        pl.col("name_non_latin_script").is_null()
    ).iter_rows():
        value = f"{script or ''} / {language or ''}"
        ctx.unknown(gid, "non-Latin script type/language without a name", value)
        out.add(
            "attributes",
            entity_id=entity_id(SOURCE, gid),
            attribute="non_latin_script",
            value=value,
            origin=f"{file}:Non-Latin Script Type",
        )

    # the XLSX/CSV write dd/mm/yyyy and the XML yyyy-mm-ddT00:00:00: one ISO date for both
    # (a value that is not a full date stays as published), so the formats agree
    iso = {
        raw: d.date_from.isoformat() if (d := _date(raw)) and d.precision == "day" else raw
        for raw in df.get_column("uk_sanctions_list_date_designated").drop_nulls().unique()
    }
    designated = (
        df.select(
            "group_id",
            value=pl.col("uk_sanctions_list_date_designated").replace_strict(
                iso, default=None, return_dtype=pl.String
            ),
        )
        .drop_nulls()
        .unique(maintain_order=True)
    )
    out.extend(
        "attributes",
        designated.select(
            entity_id=_EID,
            attribute=pl.lit("uk_sanctions_list_date_designated"),
            value="value",
            origin=ctx.origin("UK Sanctions List Date Designated"),
        ),
    )
    _sanctions(ctx, df)


def _sanctions(ctx: _Context, df: pl.DataFrame) -> None:
    """One designation per regime; its date is the earliest `Listed On` of that regime's rows."""
    listed = {
        raw: d.date_from if (d := _date(raw)) and d.precision == "day" else None
        for raw in df.get_column("listed_on").drop_nulls().unique()
    }
    regimes = (
        df.filter(pl.col("regime").is_not_null())
        .group_by("group_id", "regime", maintain_order=True)
        .agg(
            listed_on=pl.col("listed_on")
            .replace_strict(listed, default=None, return_dtype=pl.Date)
            .min(),
            values=pl.col("listed_on").drop_nulls().unique(maintain_order=True),
        )
    )
    ctx.out.extend(
        "sanctions",
        regimes.select(
            entity_id=_EID,
            authority=pl.lit(AUTHORITY),
            program="regime",
            listed_on="listed_on",
            origin=ctx.origin("Regime"),
        ),
    )
    for gid, regime, values in (
        regimes.filter(pl.col("values").list.len() > 1)
        .select("group_id", "regime", "values")
        .iter_rows()
    ):
        ctx.unknown(gid, f"conflicting Listed On for regime {regime}", " | ".join(values))
    for gid in (
        df.filter(pl.col("regime").is_null()).get_column("group_id").unique(maintain_order=True)
    ):
        ctx.unknown(gid, "row without Regime", gid)


def _resolve_links(rel: pl.DataFrame | None, entities: pl.DataFrame) -> pl.DataFrame:
    """Fill `to_entity_id` where the linked name is a Group ID or one party's primary name."""
    if rel is None or rel.height == 0:
        return frame("relationships")
    by_name = entities.select(
        pl.col("primary_name").str.to_uppercase().alias("_key"),
        pl.col("entity_id").alias("_target"),
    ).filter(pl.col("_key").is_unique())
    by_id = entities.select(pl.col("source_id").alias("_key"), pl.col("entity_id").alias("_target"))
    targets = pl.concat([by_id, by_name]).unique("_key", keep="first", maintain_order=True)
    return (
        rel.with_columns(_key=pl.col("to_name").str.to_uppercase().str.strip_chars(" ."))
        .join(targets, on="_key", how="left", maintain_order="left")
        .with_columns(to_entity_id=pl.coalesce("to_entity_id", "_target"))
        .drop("_key", "_target")
    )


def _result(
    layout: Layout,
    df: pl.DataFrame,
    unknowns: list[Unknown],
    published: date | None,
    extra: Iterable[Extra] = (),
) -> ParseResult:
    tables, parties, merged = build(layout, df, unknowns, extra)
    return ParseResult(
        source=SOURCE,
        tables=tables,
        staged={"rows": df},
        unknowns=unknowns,
        entry_count=parties,
        file_rows={layout.file: df.height},
        merged_rows={layout.file: merged},
        published_at=published,
        format=layout.format,
    )


# --- public parse functions --------------------------------------------------------------------


def parse_conlist_xlsx(name: str, data: bytes) -> ParseResult:
    """2022-format ConList.xlsx → canonical tables (one party per Group ID)."""
    published, df, unknowns = read_xlsx(name, data)
    return _result(replace(XLSX, file=name), df, unknowns, published)


def parse_conlist_csv(name: str, data: bytes) -> ParseResult:
    """2022-format ConList.csv (UTF-8, same 36 columns as the XLSX) → canonical tables."""
    published, df = read_csv_layout(name, data, HEADER_2022, "utf-8")
    return _result(replace(CSV, file=name), df, [], published)


def parse_conlist_xml(name: str, data: bytes) -> ParseResult:
    """2022-format ConList.xml (`FinancialSanctionsTarget` rows) → canonical tables.

    The XML carries no publication date of its own (the fetcher's date is used).
    """
    df, unknowns, extra = read_xml(name, data)
    return _result(replace(XML, file=name), df, unknowns, None, extra)


def parse_legacy_csv(name: str, data: bytes) -> ParseResult:
    """Pre-2022 sanctionsconlist.csv (Windows-1252, 29 columns) → canonical tables."""
    published, df = read_csv_layout(name, data, HEADER_LEGACY, "cp1252")
    return _result(replace(LEGACY, file=name), df, [], published)


def parse_xlsx(files: Mapping[str, bytes]) -> ParseResult:
    """Format `xlsx`: ConList.xlsx."""
    return parse_conlist_xlsx(XLSX_NAME, files[XLSX_NAME])


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """Format `csv`: ConList.csv (2022 layout)."""
    return parse_conlist_csv(CSV_NAME, files[CSV_NAME])


def parse_xml(files: Mapping[str, bytes]) -> ParseResult:
    """Format `xml`: ConList.xml (2022 layout)."""
    return parse_conlist_xml(XML_NAME, files[XML_NAME])


def parse_csv_legacy(files: Mapping[str, bytes]) -> ParseResult:
    """Format `csv_legacy`: the pre-2022 sanctionsconlist.csv."""
    return parse_legacy_csv(LEGACY_NAME, files[LEGACY_NAME])


SPEC = SourceSpec(
    source=SOURCE,
    publisher="HM Treasury OFSI",
    description=(
        "Consolidated List of Financial Sanctions Targets (2022 XLSX/CSV/XML, pre-2022 CSV); "
        "frozen 2026-01-28, kept for history."
    ),
    formats=(
        Format(
            "xlsx",
            (FileSpec(XLSX_NAME, BASE_URL + XLSX_NAME, "xlsx", required=False),),
            parse_xlsx,
            XLSX_MODELS,
        ),
        Format(
            "csv",
            (FileSpec(CSV_NAME, BASE_URL + CSV_NAME, "csv", required=False),),
            parse_csv,
            CSV_MODELS,
        ),
        Format(
            "xml",
            (FileSpec(XML_NAME, BASE_URL + XML_NAME, "xml", required=False),),
            parse_xml,
            XML_MODELS,
        ),
        Format(
            "csv_legacy",
            (FileSpec(LEGACY_NAME, LEGACY_URL, "csv", required=False),),
            parse_csv_legacy,
            LEGACY_MODELS,
        ),
    ),
    sanity_floor=SANITY_FLOOR,
    kinds=frozenset({"python", "polars", "excel", "csv", "xml"}),
    authority=AUTHORITY,
)

asset, checks = source_assets(SPEC)
