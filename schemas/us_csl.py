"""Staged (source-shaped) models of the Consolidated Screening List's CSV and JSON records.

Both hold the records the parser took (a rejected record is in `rejects`), one row per record
and sub-list, with `record` its 1-based position in the file. Values are as published, with
surrounding whitespace removed and empty strings read as null.
"""

from __future__ import annotations

import pandera.polars as pa

TYPES = ["Individual", "Entity", "Vessel", "Aircraft"]


class CsvRecord(pa.DataFrameModel):
    """consolidated.csv: one record per party and sub-list; `; ` packs multi-valued fields."""

    record: int = pa.Field(
        gt=0, unique=True, description="1-based data record number (header excluded)."
    )
    id_: str = pa.Field(
        alias="_id",
        description="Record ID: OFAC ent_num for Treasury lists, a 40-hex hash otherwise. Repeats across sub-lists.",
    )
    source: str = pa.Field(
        description="Sub-list and agency, e.g. `Entity List (EL) - Bureau of Industry and Security`."
    )
    entity_number: str = pa.Field(nullable=True, description="OFAC ent_num (Treasury lists only).")
    type: str = pa.Field(
        nullable=True,
        isin=TYPES,
        description="Individual, Entity, Vessel, Aircraft; blank on BIS/State lists.",
    )
    programs: str = pa.Field(nullable=True, description="Sanctions programs, `; `-packed.")
    name: str = pa.Field(
        description="Primary name as published (OFAC individuals `FAMILY, Given`)."
    )
    title: str = pa.Field(nullable=True, description="Title or position of an individual.")
    addresses: str = pa.Field(
        nullable=True,
        description="Addresses, `; `-packed; each `address, city, state, postal_code, country` (empty parts left out).",
    )
    federal_register_notice: str = pa.Field(
        nullable=True, description="Federal Register citation(s) of the listing."
    )
    start_date: str = pa.Field(
        nullable=True, description="Listing date, YYYY-MM-DD (a few malformed, e.g. 0097-06-30)."
    )
    end_date: str = pa.Field(
        nullable=True, description="End of the listing or denial order, YYYY-MM-DD."
    )
    standard_order: str = pa.Field(
        nullable=True, description="Denied Persons List: standard denial order (Y/N)."
    )
    license_requirement: str = pa.Field(
        nullable=True, description="BIS: licence requirement for exports to the party."
    )
    license_policy: str = pa.Field(nullable=True, description="BIS: licence review policy.")
    call_sign: str = pa.Field(nullable=True, description="Vessel call sign.")
    vessel_type: str = pa.Field(nullable=True, description="Vessel type.")
    gross_tonnage: str = pa.Field(nullable=True, description="Vessel gross tonnage.")
    gross_registered_tonnage: str = pa.Field(
        nullable=True, description="Vessel gross registered tonnage."
    )
    vessel_flag: str = pa.Field(nullable=True, description="Vessel flag country (name).")
    vessel_owner: str = pa.Field(nullable=True, description="Vessel owner.")
    remarks: str = pa.Field(nullable=True, description="Free-text remarks.")
    source_list_url: str = pa.Field(nullable=True, description="Link to the sub-list.")
    alt_names: str = pa.Field(nullable=True, description="Aliases, `; `-packed.")
    citizenships: str = pa.Field(
        nullable=True, description="Citizenships (ISO alpha-2), `; `-packed."
    )
    dates_of_birth: str = pa.Field(
        nullable=True,
        description="Dates of birth (YYYY-MM-DD, YYYY, `circa YYYY`, `YYYY to YYYY`).",
    )
    nationalities: str = pa.Field(
        nullable=True, description="Nationalities (ISO alpha-2), `; `-packed."
    )
    places_of_birth: str = pa.Field(nullable=True, description="Places of birth, `; `-packed.")
    source_information_url: str = pa.Field(
        nullable=True, description="Link to the agency's page on the sub-list."
    )
    ids: str = pa.Field(
        nullable=True,
        description="Identifiers, `; `-packed; each `country, expiration_date, issue_date, number, type` (empty parts left out).",
    )

    class Config:
        strict = True
        coerce = False


class JsonRecord(pa.DataFrameModel):
    """consolidated.json `results[]`: the same fields; arrays are kept as JSON text."""

    record: int = pa.Field(gt=0, unique=True, description="1-based position in `results`.")
    id_: str = pa.Field(
        alias="_id", description="Record ID (`id` in trade.gov's JSON, `_id` in the CSV)."
    )
    source: str = pa.Field(description="Sub-list and agency.")
    entity_number: str = pa.Field(nullable=True, description="OFAC ent_num (Treasury lists only).")
    type: str = pa.Field(
        nullable=True, isin=TYPES, description="Individual, Entity, Vessel, Aircraft or null."
    )
    programs: str = pa.Field(nullable=True, description="JSON array of program codes.")
    name: str = pa.Field(description="Primary name as published.")
    title: str = pa.Field(nullable=True, description="Title or position.")
    addresses: str = pa.Field(
        nullable=True, description="JSON array of {address, city, state, postal_code, country}."
    )
    federal_register_notice: str = pa.Field(
        nullable=True, description="Federal Register citation(s)."
    )
    start_date: str = pa.Field(nullable=True, description="Listing date, YYYY-MM-DD.")
    end_date: str = pa.Field(nullable=True, description="End of the listing, YYYY-MM-DD.")
    standard_order: str = pa.Field(
        nullable=True, description="Denied Persons List: standard order (Y/N)."
    )
    license_requirement: str = pa.Field(nullable=True, description="BIS licence requirement.")
    license_policy: str = pa.Field(nullable=True, description="BIS licence policy.")
    call_sign: str = pa.Field(nullable=True, description="Vessel call sign.")
    vessel_type: str = pa.Field(nullable=True, description="Vessel type.")
    gross_tonnage: str = pa.Field(nullable=True, description="Vessel gross tonnage.")
    gross_registered_tonnage: str = pa.Field(
        nullable=True, description="Vessel gross registered tonnage."
    )
    vessel_flag: str = pa.Field(nullable=True, description="Vessel flag country.")
    vessel_owner: str = pa.Field(nullable=True, description="Vessel owner.")
    remarks: str = pa.Field(nullable=True, description="Free-text remarks.")
    source_list_url: str = pa.Field(nullable=True, description="Link to the sub-list.")
    alt_names: str = pa.Field(nullable=True, description="JSON array of aliases.")
    citizenships: str = pa.Field(nullable=True, description="JSON array of citizenships.")
    dates_of_birth: str = pa.Field(nullable=True, description="JSON array of dates of birth.")
    nationalities: str = pa.Field(nullable=True, description="JSON array of nationalities.")
    places_of_birth: str = pa.Field(nullable=True, description="JSON array of places of birth.")
    source_information_url: str = pa.Field(nullable=True, description="Link to the agency's page.")
    ids: str = pa.Field(
        nullable=True,
        description="JSON array of {type, number, country, issue_date, expiration_date}.",
    )

    class Config:
        strict = True
        coerce = False


CSV_MODELS: dict[str, type[pa.DataFrameModel]] = {"records": CsvRecord}
JSON_MODELS: dict[str, type[pa.DataFrameModel]] = {"json_records": JsonRecord}
