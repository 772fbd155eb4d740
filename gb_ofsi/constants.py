"""OFSI Consolidated List: names, URLs, limits, the sanity floor, and the layouts (headers, XML fields, vocabularies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.zipsafe import ZipLimits

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
