"""Staged (source-shaped) models of the OFSI Consolidated List layouts.

One staged row per published row (a name variant), under the parser's column names; `row` is
where the row sits in the file (XLSX row / CSV record, counting the `Last Updated` line as 1;
for the XML the ordinal of the `FinancialSanctionsTarget`). Every cell is stripped and a
blank cell is null.
"""

from __future__ import annotations

import pandera.polars as pa

GROUP_TYPES = ["Individual", "Entity", "Ship"]
ALIAS_TYPES_2022 = ["Primary name", "Primary name variation", "AKA", "FKA"]
ALIAS_TYPES_LEGACY = ["Prime Alias", "AKA", "FKA"]
ALIAS_QUALITIES = ["Good quality", "Low quality"]


def _text(description: str) -> object:
    return pa.Field(nullable=True, description=description)


class _Common(pa.DataFrameModel):
    """Columns every OFSI layout publishes."""

    row: int = pa.Field(
        ge=1, unique=True, description="Position in the file (XLSX row, CSV record, XML target)."
    )
    name_6: str = _text("Name 6: surname, or the whole name of an entity or ship.")
    name_1: str = _text("Name 1: first given name.")
    name_2: str = _text("Name 2: further given name.")
    name_3: str = _text("Name 3: further given name.")
    name_4: str = _text("Name 4: further given name.")
    name_5: str = _text("Name 5: further given name.")
    title: str = _text("Title; several are enumerated `(1) Haji (2) Hadji`.")
    dob: str = _text(
        "Date of birth: dd/mm/yyyy with 00 for unknown day or month (also mm/yyyy, yyyy)."
    )
    town_of_birth: str = _text("Town of birth; several enumerated `(1) … (2) …`.")
    country_of_birth: str = _text("Country of birth; enumerated like the town.")
    nationality: str = _text("Nationality; several enumerated `(1) … (2) …`.")
    passport_details: str = _text(
        "Passport details (issuer, dates); pre-2022: the whole passport text."
    )
    position: str = _text("Position or function; several enumerated.")
    address_1: str = _text("Address line 1.")
    address_2: str = _text("Address line 2.")
    address_3: str = _text("Address line 3.")
    address_4: str = _text("Address line 4.")
    address_5: str = _text("Address line 5.")
    address_6: str = _text("Address line 6 (often the town).")
    post_zip_code: str = _text("Post/Zip code of the address.")
    country: str = _text("Country of the address (free text, sometimes with qualifiers).")
    other_information: str = _text(
        "Other Information (2022 CSV/XLSX: `(Label):value` pairs; XML and pre-2022: free text)."
    )
    group_type: str = pa.Field(
        nullable=True, isin=GROUP_TYPES, description="Group Type: Individual, Entity or Ship."
    )
    regime: str = _text("Sanctions regime of the designation.")
    listed_on: str = _text(
        "Listed On: date the party was listed under this regime (XML: ISO datetime)."
    )
    last_updated: str = _text(
        "Last Updated: date the party's record last changed (XML: ISO datetime)."
    )
    group_id: str = pa.Field(
        str_matches=r"^\d+$",
        description="Group ID: OFSI's party identifier, shared by all its rows.",
    )


class Row2022(_Common):
    """ConList.xlsx / ConList.csv (2022 format): 36 columns, one row per name variant."""

    name_non_latin_script: str = _text("Name in non-Latin script.")
    non_latin_script_type: str = _text(
        "Script of that name as published (Cyrillic, Arabic…; typos kept)."
    )
    non_latin_script_language: str = _text("Language of that name as published.")
    passport_number: str = _text("Passport number(s), enumerated in step with Passport Details.")
    national_identification_number: str = _text("National identification number(s).")
    national_identification_details: str = _text(
        "Details of the national identification number(s)."
    )
    alias_type: str = pa.Field(
        nullable=True, isin=ALIAS_TYPES_2022, description="Alias Type of this name variant."
    )
    alias_quality: str = pa.Field(
        nullable=True, isin=ALIAS_QUALITIES, description="Alias Quality: Good or Low quality."
    )
    uk_sanctions_list_date_designated: str = _text(
        "Date designated on the UK Sanctions List (XML: ISO datetime)."
    )

    class Config:
        # Declared here, not inherited: pandera reads only the Config class's own attributes.
        strict = True
        coerce = False


class XmlRow(Row2022):
    """ConList.xml (2022 format): one `FinancialSanctionsTarget` per name variant, with the
    facts the CSV packs into Other Information as separate elements."""

    uk_sanctions_list_ref: str = _text("UKSanctionsListRef: UK Sanctions List reference (RUS0001).")
    uk_statement_of_reasons: str = _text("UKStatementOfReasons.")
    phone_number: str = _text("PhoneNumber; several enumerated.")
    website: str = _text("Website; several enumerated.")
    email_address: str = _text("EmailAddress; several enumerated.")
    gender: str = _text("Individual_Gender.")
    type_of_entity: str = _text("Entity_Type (e.g. Joint Stock Company).")
    subsidiaries: str = _text("Entity_Subsidiaries.")
    parent_company: str = _text("Entity_ParentCompany.")
    business_reg_no: str = _text("Entity_BusinessRegNumber.")
    imo_number: str = _text("Ship_IMONumber.")
    current_owners: str = _text("Ship_CurrentOwners.")
    previous_owners: str = _text("Ship_PreviousOwners.")
    flag_of_ship: str = _text("Ship_Flag.")
    previous_flags: str = _text("Ship_PreviousFlags.")
    type_of_ship: str = _text("Ship_Type.")
    tonnage_of_ship: str = _text("Ship_Tonnage.")
    length_of_ship: str = _text("Ship_Length.")
    year_built: str = _text("Ship_YearBuilt.")
    hull_identification_number: str = _text("Ship_HullIdentificationNumber (HIN).")
    un_ref: str = _text("UNRef: UN Security Council reference (QDi.001).")
    grp_status: str = _text("GrpStatus code (A = asset freeze).")
    group_status: str = _text("GroupStatus (e.g. Asset Freeze Targets).")
    listing_type: str = _text("ListingType: UK, UN or both.")
    date_additional_sanctions: str = _text("DateAdditionalSanctions.")
    group_sanctions: str = _text("GroupSanctions (additional measures).")

    class Config:
        # Declared here, not inherited: pandera reads only the Config class's own attributes.
        strict = True
        coerce = False


class RowLegacy(_Common):
    """sanctionsconlist.csv (pre-2022, Windows-1252): 29 columns, one row per alias."""

    ni_number: str = _text("NI Number: national identification text as published.")
    alias_type: str = pa.Field(
        nullable=True, isin=ALIAS_TYPES_LEGACY, description="Alias Type of this name."
    )

    class Config:
        # Declared here, not inherited: pandera reads only the Config class's own attributes.
        strict = True
        coerce = False


XLSX_MODELS: dict[str, type[pa.DataFrameModel]] = {"rows": Row2022}
CSV_MODELS: dict[str, type[pa.DataFrameModel]] = {"rows": Row2022}
XML_MODELS: dict[str, type[pa.DataFrameModel]] = {"rows": XmlRow}
LEGACY_MODELS: dict[str, type[pa.DataFrameModel]] = {"rows": RowLegacy}
