"""UN Security Council list: names, URL, floor and the vocabulary of its XML format."""

from __future__ import annotations

import re

SOURCE = "un_sc"
FILE_NAME = "consolidated.xml"
URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
AUTHORITY = "UN Security Council"
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 877 entries on 2025-04-19 (the shipped snapshot); 1,093 on 2018-12-05 and
# 1,024 at the end of 2019 (sanctions-intelligence.com, Dec 2018 and Annual Review 2019/20);
# 1,003 on 2026-02-27.
SANITY_FLOOR = 87

ENTITY_TYPES = {"INDIVIDUAL": "person", "ENTITY": "organization"}
CONTAINERS = {"INDIVIDUALS": "INDIVIDUAL", "ENTITIES": "ENTITY"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ROOT_ATTRIBUTES = {"dateGenerated", f"{{{XSI}}}noNamespaceSchemaLocation"}

# The resolution that established each regime's sanctions committee (kept simple: the founding
# resolutions, not every later amendment).
LEGAL_BASIS = {
    "Al-Qaida": "UNSCR 1267 (1999), 1989 (2011), 2253 (2015)",
    "Taliban": "UNSCR 1988 (2011)",
    "DPRK": "UNSCR 1718 (2006)",
    "Iran": "UNSCR 1737 (2006)",
    "Iraq": "UNSCR 1518 (2003)",
    "DRC": "UNSCR 1533 (2004)",
    "Libya": "UNSCR 1970 (2011)",
    "Somalia": "UNSCR 751 (1992)",
    "CAR": "UNSCR 2127 (2013)",
    "Haiti": "UNSCR 2653 (2022)",
    "Yemen": "UNSCR 2140 (2014)",
    "GB": "UNSCR 2048 (2012)",
    "Sudan": "UNSCR 1591 (2005)",
    "SouthSudan": "UNSCR 2206 (2015)",
}

# Alias QUALITY → (name_type, quality): individuals are graded Good/Low, entities a.k.a./f.k.a.
QUALITIES = {
    "Good": ("alias", "strong"),
    "a.k.a.": ("alias", "strong"),
    "Low": ("alias", "low"),
    "f.k.a.": ("fka", "strong"),
}
DATE_TYPES = ("EXACT", "APPROXIMATELY", "BETWEEN")
# TYPE_OF_DOCUMENT (lower case, spaces collapsed) → id_type; anything else is `other`.
DOCUMENT_TYPES = {
    "passport": "passport",
    "numéro de passeport": "passport",
    "número de pasaporte": "passport",
    "national identification number": "national_id",
    "national identification no.": "national_id",
}

# UN (M49) country names that core.countries does not know yet.

# Entry-level elements, by how they are read.
SCALARS = (
    "DATAID", "VERSIONNUM", "FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME",
    "UN_LIST_TYPE", "REFERENCE_NUMBER", "LISTED_ON", "NAME_ORIGINAL_SCRIPT", "COMMENTS1",
    "GENDER", "SUBMITTED_BY", "SORT_KEY", "SORT_KEY_LAST_MOD",
)  # fmt: skip
NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
# how one ALIAS_NAME lists several spellings: semicolons, or an enumeration mark " b) "
ALIAS_LIST_SEPARATOR = r";|\s[a-z]\)\s"
# Lists written as <TAG><VALUE>…</VALUE>…</TAG>; the attribute each VALUE becomes.
VALUE_LISTS = {
    "TITLE": "title",
    "DESIGNATION": "designation",
    "NATIONALITY": None,  # a `countries` row
    "LIST_TYPE": "list_type",
    "LAST_DAY_UPDATED": "updated_on",
}
# Scalars kept as attribute rows (the others feed entities, names, identifiers, sanctions).
SCALAR_ATTRIBUTES = {
    "VERSIONNUM": "version",
    "GENDER": "gender",
    "SUBMITTED_BY": "submitted_by",
    "SORT_KEY": "sort_key",
    "SORT_KEY_LAST_MOD": "sort_key_last_mod",
}
ALIAS_FIELDS = (
    "QUALITY",
    "ALIAS_NAME",
    "DATE_OF_BIRTH",
    "CITY_OF_BIRTH",
    "COUNTRY_OF_BIRTH",
    "NOTE",
)
ADDRESS_FIELDS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", "NOTE")
DOB_FIELDS = ("TYPE_OF_DATE", "DATE", "YEAR", "FROM_YEAR", "TO_YEAR", "NOTE")
DOCUMENT_FIELDS = (
    "TYPE_OF_DOCUMENT", "TYPE_OF_DOCUMENT2", "NUMBER", "ISSUING_COUNTRY", "DATE_OF_ISSUE",
    "CITY_OF_ISSUE", "COUNTRY_OF_ISSUE", "NOTE",
)  # fmt: skip
# Structured child records: element → (staged table, its fields).
STRUCTS = {
    "INDIVIDUAL_ALIAS": ("aliases", ALIAS_FIELDS),
    "ENTITY_ALIAS": ("aliases", ALIAS_FIELDS),
    "INDIVIDUAL_ADDRESS": ("addresses", ADDRESS_FIELDS),
    "ENTITY_ADDRESS": ("addresses", ADDRESS_FIELDS),
    "INDIVIDUAL_DATE_OF_BIRTH": ("dates_of_birth", DOB_FIELDS),
    "INDIVIDUAL_PLACE_OF_BIRTH": ("places_of_birth", ADDRESS_FIELDS),
    "INDIVIDUAL_DOCUMENT": ("documents", DOCUMENT_FIELDS),
}
GROUPS = frozenset(VALUE_LISTS) | frozenset(STRUCTS)

# xs:date as the UN writes it, with an optional time-zone suffix (`2015-03-27-04:00`).
XS_DATE = r"^\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{2}:\d{2})?$"
XS_DATE_RE = re.compile(XS_DATE)
YEAR_PATTERN = r"^\d{4}$"
DOC_NOISE = re.compile(r"[\s.\-]")
# A document number: tokens that each hold a digit, after an optional short upper-case series
# prefix ("OB 0243318"). A value that is only that is plain; otherwise the number ending the
# description is taken ("Afghan passport number SE 012820").
_NUMBER_TOKEN = r"[A-Za-z0-9./\-]*\d[A-Za-z0-9./\-]*"
_SERIES = r"(?:[A-Z]{1,3}(?:-[A-Z]{1,3})?\s)?"
PLAIN_NUMBER = re.compile(rf"^{_SERIES}{_NUMBER_TOKEN}(?:\s+{_NUMBER_TOKEN})*$")
TRAILING_NUMBER = re.compile(rf"(?:^|\s)({_SERIES}{_NUMBER_TOKEN})$")
# A remark after the number: "(Expired 25 Jan. 2016)", ", South Sudan".
TRAILING_REMARK = re.compile(r"\s*(?:\([^()]*\)|,[^,\d]*)\s*$")
