"""Staged (source-shaped) models of the FCDO UK Sanctions List in XML and CSV.

Both formats stage one row per designation (`designations`, values as published); the CSV
also stages its rows as read (`rows`, one per name variant). Values are strings as published:
the canonical tables carry the typed, mapped values.
"""

from __future__ import annotations

import pandera.polars as pa


def _text(description: str) -> object:
    return pa.Field(nullable=True, description=description)


class Designation(pa.DataFrameModel):
    """One designation (party): XML `Designation`, or the rows of one CSV `Unique ID`."""

    unique_id: str = pa.Field(
        unique=True,
        str_length={"min_value": 1},
        description="UniqueID: the FCDO's reference (e.g. RUS0001).",
    )
    ofsi_group_id: str = _text(
        "OFSIGroupID: the OFSI Consolidated List Group ID, for older listings."
    )
    un_reference_number: str = _text(
        "UNReferenceNumber: the UN Security Council reference (e.g. QDi.368)."
    )
    designation_type: str = _text(
        "IndividualEntityShip / Designation Type: Individual, Entity or Ship."
    )
    regime_name: str = _text("RegimeName: the regulations the designation is made under.")
    designation_source: str = _text("DesignationSource: UK (autonomous) or UN.")
    sanctions_imposed: str = _text("SanctionsImposed: the measures, joined with `|`.")
    other_information: str = _text("OtherInformation: free text.")
    statement_of_reasons: str = _text("UKStatementofReasons: the UK's statement of reasons.")
    date_designated: str = _text("DateDesignated, dd/mm/yyyy.")
    last_updated: str = _text("LastUpdated, dd/mm/yyyy.")

    class Config:
        strict = True
        coerce = False


class CsvRow(pa.DataFrameModel):
    """`UK-Sanctions-List.csv`: one record per name variant, as read (stripped, empty = null)."""

    record: int = pa.Field(
        ge=1, unique=True, description="Data record number (1 = first after the header)."
    )
    unique_id: str = pa.Field(
        nullable=True, description="Unique ID (shared by the rows of one party)."
    )
    ofsi_group_id: str = _text("OFSI Group ID.")
    un_reference_number: str = _text("UN Reference Number.")
    designation_type: str = _text("Designation Type: Individual, Entity or Ship.")
    regime_name: str = _text("Regime Name.")
    designation_source: str = _text("Designation source: UK or UN.")
    sanctions_imposed: str = _text("Sanctions Imposed, joined with `|`.")
    other_information: str = _text("Other Information.")
    uk_statement_of_reasons: str = _text("UK Statement of Reasons.")
    date_designated: str = _text("Date Designated, dd/mm/yyyy.")
    last_updated: str = _text("Last Updated, dd/mm/yyyy.")
    name_1: str = _text("Name 1 (first given name).")
    name_2: str = _text("Name 2.")
    name_3: str = _text("Name 3.")
    name_4: str = _text("Name 4.")
    name_5: str = _text("Name 5.")
    name_6: str = _text("Name 6 (family name, or the whole name of an entity or ship).")
    name_type: str = _text("Name type: Primary Name, Primary Name Variation or Alias.")
    alias_strength: str = _text("Alias strength: good or low quality.")
    title: str = _text("Title.")
    name_non_latin_script: str = _text("Name in non-Latin script.")
    non_latin_script_type: str = _text("Its script (e.g. Cyrillic).")
    non_latin_script_language: str = _text("Its language.")
    address_line_1: str = _text("Address Line 1.")
    address_line_2: str = _text("Address Line 2.")
    address_line_3: str = _text("Address Line 3.")
    address_line_4: str = _text("Address Line 4.")
    address_line_5: str = _text("Address Line 5.")
    address_line_6: str = _text("Address Line 6 (usually the town or city).")
    address_postal_code: str = _text("Address Postal Code.")
    address_country: str = _text("Address Country.")
    phone_number: str = _text("Phone number.")
    email_address: str = _text("Email address.")
    website: str = _text("Website.")
    d_o_b: str = _text("D.O.B, dd/mm/yyyy with 00 for an unknown day or month.")
    nationality_ies: str = _text("Nationality(/ies).")
    position: str = _text("Position.")
    gender: str = _text("Gender.")
    passport_number: str = _text("Passport number.")
    national_identifier_number: str = _text("National Identifier number.")
    town_of_birth: str = _text("Town of birth.")
    type_of_entity: str = _text("Type of entity.")
    subsidiaries: str = _text("Subsidiaries.")
    parent_company: str = _text("Parent company.")
    business_registration_number_s: str = _text("Business registration number (s).")
    imo_number: str = _text("IMO number (published with its `IMO` prefix).")
    current_owner_operator_s: str = _text("Current owner/operator (s).")
    previous_owner_operator_s: str = _text("Previous owner/operator (s).")
    current_believed_flag_of_ship: str = _text("Current believed flag of ship.")
    previous_flags: str = _text("Previous flags.")
    type_of_ship: str = _text("Type of ship.")
    tonnage_of_ship: str = _text("Tonnage of ship.")
    length_of_ship: str = _text("Length of ship (column not in every copy: null when absent).")
    year_built: str = _text("Year Built.")
    hull_identification_number_hin: str = _text("Hull identification number (HIN).")
    passport_additional_information: str = _text("Passport additional information.")
    national_identifier_additional_information: str = _text(
        "National Identifier additional information (not in every copy: null when absent)."
    )
    country_of_birth: str = _text("Country of birth.")

    class Config:
        strict = True
        coerce = False


XML_MODELS: dict[str, type[pa.DataFrameModel]] = {"designations": Designation}
CSV_MODELS: dict[str, type[pa.DataFrameModel]] = {"designations": Designation, "rows": CsvRow}
