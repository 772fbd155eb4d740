"""Staged (source-shaped) models of the UN Security Council Consolidated List XML.

One frame per kind of record, with the UN's element names in lower case and values as
published (stripped). Every entry is staged; child records are staged for the entries taken.
Empty placeholder elements (`<INDIVIDUAL_DOCUMENT/>`) are not records and are not staged. The
vocabularies the parser relies on (alias QUALITY, TYPE_OF_DATE) are closed here, so a new code
from the UN stops the pipeline for a human look instead of being read wrongly.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

RECORD_TYPES = ["INDIVIDUAL", "ENTITY"]
QUALITIES = ["Good", "Low", "a.k.a.", "f.k.a."]
DATE_TYPES = ["EXACT", "APPROXIMATELY", "BETWEEN"]
VALUE_LISTS = ["TITLE", "DESIGNATION", "NATIONALITY", "LIST_TYPE", "LAST_DAY_UPDATED"]


def _text(description: str) -> object:
    return pa.Field(nullable=True, description=description)


def _dataid() -> object:
    return pa.Field(gt=0, description="DATAID of the INDIVIDUAL or ENTITY the record belongs to.")


class Entry(pa.DataFrameModel):
    """INDIVIDUALS/INDIVIDUAL and ENTITIES/ENTITY: the scalar elements of each listed party."""

    dataid: int = pa.Field(
        nullable=True, unique=True, gt=0, description="DATAID: the UN's own ID of the record."
    )
    record_type: str = pa.Field(isin=RECORD_TYPES, description="INDIVIDUAL or ENTITY.")
    versionnum: str = _text("VERSIONNUM: version of the record.")
    first_name: str = _text("FIRST_NAME (whole name for entities).")
    second_name: str = _text("SECOND_NAME.")
    third_name: str = _text("THIRD_NAME.")
    fourth_name: str = _text("FOURTH_NAME.")
    un_list_type: str = _text("UN_LIST_TYPE: the regime (Al-Qaida, DPRK, Libya…).")
    reference_number: str = _text("REFERENCE_NUMBER (e.g. QDi.001), echoed by EU and UK records.")
    listed_on: str = _text("LISTED_ON as written (xs:date, may carry a time-zone suffix).")
    name_original_script: str = _text("NAME_ORIGINAL_SCRIPT: name in its original script.")
    comments1: str = _text("COMMENTS1: free-text remarks.")
    gender: str = _text("GENDER of an individual.")
    submitted_by: str = _text("SUBMITTED_BY: member state(s) that proposed the listing.")
    sort_key: str = _text("SORT_KEY (empty in every file seen).")
    sort_key_last_mod: str = _text("SORT_KEY_LAST_MOD (empty in every file seen).")

    class Config:
        strict = True
        coerce = False


class Value(pa.DataFrameModel):
    """One VALUE of TITLE, DESIGNATION, NATIONALITY, LIST_TYPE or LAST_DAY_UPDATED."""

    dataid: int = _dataid()
    element: str = pa.Field(isin=VALUE_LISTS, description="List element the VALUE belongs to.")
    value: str = pa.Field(
        description="The VALUE as published (functions held, a country, `UN List`, a date…)."
    )

    class Config:
        strict = True
        coerce = False


class Alias(pa.DataFrameModel):
    """INDIVIDUAL_ALIAS and ENTITY_ALIAS records."""

    dataid: int = _dataid()
    element: str = pa.Field(
        isin=["INDIVIDUAL_ALIAS", "ENTITY_ALIAS"], description="Element the alias was read from."
    )
    quality: str = pa.Field(
        nullable=True,
        isin=QUALITIES,
        description="QUALITY: Good/Low (individuals), a.k.a./f.k.a. (entities).",
    )
    alias_name: str = _text("ALIAS_NAME.")
    date_of_birth: str = _text("DATE_OF_BIRTH used under this alias.")
    city_of_birth: str = _text("CITY_OF_BIRTH used under this alias.")
    country_of_birth: str = _text("COUNTRY_OF_BIRTH used under this alias.")
    note: str = _text("NOTE on the alias.")

    class Config:
        strict = True
        coerce = False


class Address(pa.DataFrameModel):
    """INDIVIDUAL_ADDRESS and ENTITY_ADDRESS records."""

    dataid: int = _dataid()
    element: str = pa.Field(
        isin=["INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS"],
        description="Element the address was read from.",
    )
    street: str = _text("STREET.")
    city: str = _text("CITY.")
    state_province: str = _text("STATE_PROVINCE.")
    zip_code: str = _text("ZIP_CODE.")
    country: str = _text("COUNTRY (UN country name).")
    note: str = _text("NOTE on the address.")

    class Config:
        strict = True
        coerce = False


class DateOfBirth(pa.DataFrameModel):
    """INDIVIDUAL_DATE_OF_BIRTH records: an exact date, a year, or a range of years."""

    dataid: int = _dataid()
    element: str = pa.Field(isin=["INDIVIDUAL_DATE_OF_BIRTH"], description="Element name.")
    type_of_date: str = pa.Field(
        nullable=True, isin=DATE_TYPES, description="TYPE_OF_DATE: EXACT, APPROXIMATELY or BETWEEN."
    )
    date: str = _text("DATE (xs:date, may carry a time-zone suffix).")
    year: str = _text("YEAR.")
    from_year: str = _text("FROM_YEAR of a BETWEEN range.")
    to_year: str = _text("TO_YEAR of a BETWEEN range.")
    note: str = _text("NOTE (sometimes the only form of the date, e.g. `Nov. 1973`).")

    class Config:
        strict = True
        coerce = False


class PlaceOfBirth(pa.DataFrameModel):
    """INDIVIDUAL_PLACE_OF_BIRTH records."""

    dataid: int = _dataid()
    element: str = pa.Field(isin=["INDIVIDUAL_PLACE_OF_BIRTH"], description="Element name.")
    street: str = _text("STREET (often a district or village).")
    city: str = _text("CITY.")
    state_province: str = _text("STATE_PROVINCE.")
    zip_code: str = _text("ZIP_CODE (never seen so far).")
    country: str = _text("COUNTRY (UN country name).")
    note: str = _text("NOTE on the place.")

    class Config:
        strict = True
        coerce = False


class Document(pa.DataFrameModel):
    """INDIVIDUAL_DOCUMENT records (passports, national identity numbers…)."""

    dataid: int = _dataid()
    element: str = pa.Field(isin=["INDIVIDUAL_DOCUMENT"], description="Element name.")
    type_of_document: str = _text("TYPE_OF_DOCUMENT (Passport, National Identification Number…).")
    type_of_document2: str = _text("TYPE_OF_DOCUMENT2: free-text refinement of the type.")
    number: str = _text("NUMBER, often with descriptive text around it.")
    issuing_country: str = _text("ISSUING_COUNTRY.")
    date_of_issue: str = _text("DATE_OF_ISSUE (xs:date).")
    city_of_issue: str = _text("CITY_OF_ISSUE.")
    country_of_issue: str = _text("COUNTRY_OF_ISSUE.")
    note: str = _text("NOTE on the document.")

    class Config:
        strict = True
        coerce = False


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "entries": Entry,
    "values": Value,
    "aliases": Alias,
    "addresses": Address,
    "dates_of_birth": DateOfBirth,
    "places_of_birth": PlaceOfBirth,
    "documents": Document,
}

# Polars schemas the parser builds the staged frames with (column order = model order).
STAGED_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    table: {
        name: (pl.Int64 if name == "dataid" else pl.String) for name in model.to_schema().columns
    }
    for table, model in MODELS.items()
}
