"""Reference values and feature types of OFAC's Enhanced XML, and how each maps to our tables.

The Enhanced XML opens with a lookup table (`referenceValues`: refId → type, value, code,
ISO code) that every entity cites by `refId`, and the list of feature types the entities use
(`featureTypes`: featureTypeId → name, detail type). This module reads both and holds, as data,
the mapping of each vocabulary OFAC publishes to the canonical vocabulary (entity types, alias
types, relationship types, address parts, feature types).

Strict: a reference type, a refId, or a feature type that is not listed here is reported
(`Unknown`), never silently dropped; the caller keeps its value as published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from core.canonical import Unknown
from core.xmlsafe import local, text

# Every reference type of the 2025-01-10 CONS_ENHANCED.XML (its table holds OFAC's whole
# vocabulary, e.g. all 43 vessel types although the non-SDN list holds no vessel).
REFERENCE_TYPES = frozenset(
    {
        "Additional Sanctions Information -",
        "ALIAS TYPE",
        "CAATSA Section 235 Information:",
        "COUNTRY",
        "ENTITY LISTING TYPE",
        "Executive Order 13662 Directive Determination -",
        "Executive Order 13846 information:",
        "Executive Order 14014 Directive Information:",
        "Executive Order 14024 Directive Information",
        "Executive Order 14024 Directive Information -",
        "Executive Order 14059 information:",
        "FEATURE DETAIL TYPE",
        "Gender",
        "ID DOCUMENT TYPE",
        "IFCA Determination -",
        "LEGAL AUTHORITY",
        "LOCATION PART TYPE",
        "NAME PART TYPE",
        "Organization Type:",
        "Other Vessel Type",
        "PEESA Information:",
        "PROGRAM",
        "RELATIONSHIP QUALITY",
        "RELATIONSHIP TYPE",
        "RELIABILITY",
        "SANCTIONS TYPE",
        "SCRIPT",
        "SDN TYPE",
        "Secondary sanctions risk:",
        "Target Type",
        "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions:",
        "VESSEL TYPE",
    }
)
REFERENCE_FIELDS = frozenset({"type", "value", "code", "isoCode"})
FEATURE_TYPE_FIELDS = frozenset(
    {"type", "detailType", "publishDescription", "publishOrder", "publishExclude"}
)

# SDN TYPE → entity_type (the same four kinds as the classic XML's sdnType).
ENTITY_TYPES = {
    "Individual": "person",
    "Entity": "organization",
    "Vessel": "vessel",
    "Aircraft": "aircraft",
}
# ALIAS TYPE → name_type.
ALIAS_TYPES = {"A.K.A.": "alias", "F.K.A.": "fka", "N.K.A.": "nka"}
# RELATIONSHIP TYPE → relation. The legacy CSV and classic XML write every one of them as
# "Linked To:"; the Enhanced XML says which link it is, and that is kept.
RELATIONS = {
    "Associate Of": "associate_of",
    "Providing support to": "providing_support_to",
    "Acting for or on behalf of": "acting_for_or_on_behalf_of",
    "Owned or Controlled By": "owned_or_controlled_by",
    "Family member of": "family_member_of",
    "playing a significant role in": "playing_a_significant_role_in",
    "Leader or official of": "leader_or_official_of",
    "Principal Executive Officer": "principal_executive_officer",
    "Owns, controls, or operates": "owns_controls_or_operates",
    "Property in the interest of": "property_in_the_interest_of",
}
# LOCATION PART TYPE → address column (street lines are joined in order).
ADDRESS_PARTS = {
    "ADDRESS1": "street",
    "ADDRESS2": "street",
    "ADDRESS3": "street",
    "CITY": "city",
    "STATE/PROVINCE": "region",
    "REGION": "region",
    "POSTAL CODE": "postal_code",
}
# NAME PART TYPE: the parts of a name; the formatted full name carries them, the parts are
# checked against this list so a new kind of part is reported.
NAME_PARTS = {
    part: part
    for part in (
        "Last Name",
        "First Name",
        "Middle Name",
        "Maiden Name",
        "Aircraft Name",
        "Entity Name",
        "Vessel Name",
        "Nickname",
        "Patronymic",
        "Matronymic",
    )
}
# ID DOCUMENT TYPE values the legacy remarks never write, so `ofac.remarks` has no
# label for them (the other 101 types of the 2025-01-10 table are its labels).
EXTRA_DOCUMENT_TYPES = {
    "C.I.N.": "registration",  # India's Corporate Identification Number
    "Registration Certificate Number (Dubai)": "registration",
    "Russian State Individual Business Registration Number Pattern (OGRNIP)": "registration",
    "Global Intermediary Identification Number": "other",  # FATCA GIIN
}


@dataclass(frozen=True)
class FeatureRule:
    """How a feature type is read.

    kind: `birth_date`, `birth_place`, `country` (target = relation), `call_sign`,
    `attribute` (target = attribute name, value verbatim) or `remark` (target = the table the
    legacy remarks parser must put it in: `identifier` or `attribute`; the feature is read as
    the remark fragment `<feature type> <value>`, exactly as the CSV writes it, so both
    formats give the same id_type, normalisation and attribute names).
    """

    kind: str
    target: str = ""


_REMARK_ID = FeatureRule("remark", "identifier")
_REMARK_ATTR = FeatureRule("remark", "attribute")

FEATURES: dict[str, FeatureRule] = {
    "Birthdate": FeatureRule("birth_date"),
    "Place of Birth": FeatureRule("birth_place"),
    "Nationality Country": FeatureRule("country", "nationality"),
    "Citizenship Country": FeatureRule("country", "citizenship"),
    "Nationality of Registration": FeatureRule("country", "jurisdiction"),
    "Vessel Flag": FeatureRule("country", "flag"),
    # the legacy CSV carries these in columns of their own (Call_Sign, Vess_type, Tonnage,
    # GRT, Vess_owner, Title): the same attribute names as `ofac.legacy_csv.parse_csv_set`
    "Vessel Call Sign": FeatureRule("call_sign"),
    "VESSEL TYPE": FeatureRule("attribute", "vessel_type"),
    "Vessel Type": FeatureRule("attribute", "vessel_type"),
    "Vessel Tonnage": FeatureRule("attribute", "vessel_tonnage"),
    "Vessel Gross Registered Tonnage": FeatureRule("attribute", "vessel_grt"),
    "Vessel Owner": FeatureRule("attribute", "vessel_owner"),
    "Title": FeatureRule("attribute", "title"),
    **dict.fromkeys(
        (
            "Email Address",
            "Website",
            "SWIFT/BIC",
            "BIK (RU)",
            "ISIN",
            "Equity Ticker",
            "MMSI",
            "Other Vessel Call Sign",
            "Phone Number",
            "Aircraft Manufacturer's Serial Number (MSN)",
            "Aircraft Construction Number (also called L/N or S/N or F/N)",
            "Aircraft Tail Number",
            "Previous Aircraft Tail Number",
            "Aircraft Mode S Transponder Code",
            "MICEX Code",
            "UN/LOCODE",
            "Chinese Commercial Code",
            "Legal Entity Number",
        ),
        _REMARK_ID,
    ),
    **dict.fromkeys(
        (
            "Gender",
            "Secondary sanctions risk:",
            "Organization Established Date",
            "Organization Type:",
            "Target Type",
            "Additional Sanctions Information -",
            "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions:",
            "CAATSA Section 235 Information:",
            "IFCA Determination -",
            "PEESA Information:",
            "Issuer Name",
            "Aircraft Model",
            "Aircraft Operator",
            "Aircraft Manufacture Date",
            "Former Vessel Flag",
            "Other Vessel Flag",
            "Other Vessel Type",
            "Vessel Year of Build",
        ),
        _REMARK_ATTR,
    ),
}
# Feature types that come in numbered families (one per currency, order or directive).
FEATURE_PATTERNS: list[tuple[re.Pattern[str], FeatureRule]] = [
    (re.compile(r"Digital Currency Address - [A-Z0-9]{2,6}"), _REMARK_ID),
    (
        re.compile(
            r"Executive Order \d+ (?:Directive Determination|Directive Information|information)"
            r"(?: -|:)?"
        ),
        _REMARK_ATTR,
    ),
    (
        re.compile(
            r"(?:Effective Date|Listing Date|Purchase/Sales For Divestment Date) \([^()]+\):?"
        ),
        _REMARK_ATTR,
    ),
]


def feature_rule(name: str) -> FeatureRule | None:
    """The rule for a feature type as OFAC names it, or None when it is not known."""
    if rule := FEATURES.get(name):
        return rule
    return next((rule for regex, rule in FEATURE_PATTERNS if regex.fullmatch(name)), None)


@dataclass(frozen=True)
class Reference:
    """One `referenceValue`."""

    ref_type: str
    value: str
    code: str | None = None
    iso_code: str | None = None


@dataclass
class References:
    """The `referenceValues` and `featureTypes` tables of one file, with the lookups' leftovers."""

    file: str
    values: dict[str, Reference] = field(default_factory=dict)
    feature_types: dict[str, str] = field(default_factory=dict)
    unknowns: list[Unknown] = field(default_factory=list)

    def read_values(self, element: etree._Element) -> None:
        """Read `referenceValues`; an unknown type or child element is reported."""
        for item in element:
            ref_id = item.get("refId")
            parts = {local(child.tag): child for child in item}
            where = f"referenceValues/referenceValue refId={ref_id}"
            for tag in parts.keys() - REFERENCE_FIELDS:
                self.unknowns.append(
                    Unknown(self.file, where, f"element {tag}", text(parts[tag]) or "")
                )
            ref_type, value = text(parts.get("type")), text(parts.get("value"))
            if ref_id is None or ref_type is None or value is None:
                self.unknowns.append(Unknown(self.file, where, "incomplete reference value", ""))
                continue
            if ref_type not in REFERENCE_TYPES:
                self.unknowns.append(Unknown(self.file, where, "reference type", ref_type))
            self.values[ref_id] = Reference(
                ref_type, value, text(parts.get("code")), text(parts.get("isoCode"))
            )

    def read_feature_types(self, element: etree._Element) -> None:
        """Read `featureTypes`; a type no rule knows is reported here once, and at each use."""
        for item in element:
            type_id = item.get("featureTypeId")
            parts = {local(child.tag): child for child in item}
            name = text(parts.get("type"))
            where = f"featureTypes/featureType featureTypeId={type_id}"
            # publishDescription/Order/Exclude: how OFAC renders the feature in legacy remarks
            for tag in parts.keys() - FEATURE_TYPE_FIELDS:
                self.unknowns.append(
                    Unknown(self.file, where, f"element {tag}", text(parts[tag]) or "")
                )
            if type_id is None or name is None:
                self.unknowns.append(Unknown(self.file, where, "incomplete feature type", ""))
                continue
            self.feature_types[type_id] = name
            if feature_rule(name) is None:
                self.unknowns.append(Unknown(self.file, where, "feature type", name))

    def get(
        self, ref_id: str | None, ref_type: str | tuple[str, ...], where: str
    ) -> Reference | None:
        """The reference `ref_id` of the expected type; a missing or mistyped one is reported."""
        ref = self.values.get(ref_id or "")
        expected = (ref_type,) if isinstance(ref_type, str) else ref_type
        if ref is None:
            self.unknowns.append(Unknown(self.file, where, "reference value (refId)", ref_id or ""))
            return None
        if ref.ref_type not in expected:
            self.unknowns.append(
                Unknown(self.file, where, f"refId {ref_id} of type {ref.ref_type}", ref.value)
            )
            return None
        return ref

    def lookup(
        self, element: etree._Element | None, ref_type: str, mapping: dict[str, str], where: str
    ) -> tuple[str | None, str | None]:
        """(published value, mapped value) of an element citing a reference by `refId`.

        The mapped value is None when the reference or its value is unknown (both reported).
        """
        if element is None:
            return None, None
        ref = self.get(element.get("refId"), ref_type, where)
        value = ref.value if ref else text(element)
        mapped = mapping.get(value or "")
        if value is not None and mapped is None:
            self.unknowns.append(Unknown(self.file, where, ref_type, value))
        return value, mapped
