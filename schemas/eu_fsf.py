"""Staged (source-shaped) models of the EU Financial Sanctions Files.

All three formats (XML 1.1, CSV 1.1 and the 2018 CSV 1.0) are staged into the same frames, one
per kind of record the publisher keeps (entity, regulation, name alias, address, birth date,
identification, citizenship, contact), with the publisher's own logical IDs. Values are kept
as published text; columns a format does not carry are null. Every fact record carries the
summary of the regulation that introduced it (`reg_*` columns).
"""

from __future__ import annotations

import pandera.polars as pa


def _text(description: str) -> object:
    return pa.Field(nullable=True, description=description)


def _entity_ref() -> object:
    return pa.Field(description="logicalId of the sanctionEntity the record belongs to.")


def _logical_id() -> object:
    return pa.Field(nullable=True, description="The publisher's logicalId of this record.")


class _RegulationSummary(pa.DataFrameModel):
    """The `regulationSummary` of a fact: the legal act that introduced or amended it."""

    reg_type: str = _text("regulationType (regulation, amendment, repealing, …).")
    reg_organisation_type: str = _text("organisationType of the act (council, commission).")
    reg_publication_date: str = _text("Publication date of the act in the Official Journal.")
    reg_entry_into_force_date: str = _text("Date the act entered into force.")
    reg_number_title: str = _text("Number and OJ reference of the act, e.g. `269/2014 (OJ L78)`.")
    reg_programme: str = _text("Programme (regime) code of the act, e.g. `RUS`, `TAQA`.")
    reg_publication_url: str = _text("EUR-Lex URL of the act.")


class FileInfo(pa.DataFrameModel):
    """One row describing the file itself."""

    layout: str = pa.Field(
        isin=["xml_1_1", "csv_1_1", "csv_1_0", "csv_1_0_resaved"],
        description="Which publisher layout was read (csv_1_0_resaved: re-saved by a spreadsheet).",
    )
    encoding: str = pa.Field(description="Text encoding the file was decoded with.")
    generation_date: str = _text("generationDate / fileGenerationDate / Date_file as published.")
    global_file_id: str = _text("globalFileId of the XML export.")

    class Config:
        strict = True
        coerce = False


class EntityRecord(pa.DataFrameModel):
    """`sanctionEntity`: one listed party."""

    logical_id: str = pa.Field(unique=True, description="The publisher's logicalId (stable ID).")
    eu_reference_number: str = _text("euReferenceNumber, e.g. `EU.27.28`.")
    united_nation_id: str = _text("unitedNationId: the UN reference number, e.g. `QDi.001`.")
    designation_date: str = _text("designationDate (ISO date).")
    designation_details: str = _text("designationDetails.")
    remark: str = _text("Remarks on the entity (several joined with a line break).")
    subject_type: str = _text("subjectType code: `person` or `enterprise` (1.1).")
    classification_code: str = _text("subjectType classificationCode: `P` or `E`.")
    position: int = pa.Field(ge=1, description="Order of the entity in the file (1-based).")

    class Config:
        strict = True
        coerce = False


class RegulationRecord(pa.DataFrameModel):
    """`regulation`: a legal act under which the entity is listed."""

    entity_logical_id: str = _entity_ref()
    logical_id: str = _logical_id()
    regulation_type: str = _text("regulationType (regulation, amendment, …).")
    organisation_type: str = _text("organisationType (council, commission).")
    publication_date: str = _text("Publication date in the Official Journal (ISO date).")
    entry_into_force_date: str = _text("Entry-into-force date (ISO date).")
    number_title: str = _text("Number and OJ reference, e.g. `1210/2003 (OJ L169)`.")
    programme: str = _text("Programme (regime) code, e.g. `IRQ`, `RUS`, `TERR`.")
    publication_url: str = _text("EUR-Lex URL of the act.")

    class Config:
        strict = True
        coerce = False


class NameAliasRecord(_RegulationSummary):
    """`nameAlias`: one name of the entity, in one language."""

    entity_logical_id: str = _entity_ref()
    logical_id: str = _logical_id()
    whole_name: str = _text("wholeName.")
    first_name: str = _text("firstName.")
    middle_name: str = _text("middleName.")
    last_name: str = _text("lastName.")
    function: str = _text("function (position held).")
    gender: str = _text("gender: M or F.")
    title: str = _text("title.")
    name_language: str = _text("nameLanguage: ISO 639-1 code in upper case (e.g. RU, FR).")
    strong: str = _text("strong: `true` for a strong alias, `false` for a weak one.")
    regulation_language: str = _text("regulationLanguage of the record.")
    remark: str = _text("Remark on the name.")
    position: int = pa.Field(ge=1, description="Order of the name in the file (1-based).")

    class Config:
        strict = True
        coerce = False


class AddressRecord(_RegulationSummary):
    """`address`: one address of the entity."""

    entity_logical_id: str = _entity_ref()
    logical_id: str = _logical_id()
    number: str = _text("House number (CSV 1.0 only).")
    street: str = _text("street.")
    city: str = _text("city.")
    zip_code: str = _text("zipCode.")
    po_box: str = _text("poBox.")
    region: str = _text("region.")
    place: str = _text("place.")
    as_at_listing_time: str = _text("asAtListingTime: the address held when listed.")
    country_code: str = _text("Country code as published (alpha-2 in 1.1, alpha-3 in 1.0).")
    country_description: str = _text("countryDescription.")
    contact_info: str = _text("Contact details packed as `KEY[value]` lines (CSV only).")
    regulation_language: str = _text("regulationLanguage of the record.")
    remark: str = _text("Remark on the address.")

    class Config:
        strict = True
        coerce = False


class BirthdateRecord(_RegulationSummary):
    """`birthdate`: one birth date and/or place of birth."""

    entity_logical_id: str = _entity_ref()
    logical_id: str = _logical_id()
    birthdate: str = _text("Full birth date (ISO) or `N/A` (1.0).")
    day: str = _text("Day of month when only parts are known.")
    month: str = _text("Month when only parts are known.")
    year: str = _text("Year when only parts are known.")
    year_range_from: str = _text("First year of a range.")
    year_range_to: str = _text("Last year of a range.")
    circa: str = _text("circa: `true` when approximate.")
    calendar_type: str = _text("calendarType (GREGORIAN, …).")
    city: str = _text("City of birth.")
    zip_code: str = _text("zipCode of the place of birth.")
    region: str = _text("Region of birth.")
    place: str = _text("Place of birth.")
    country_code: str = _text("Country code as published (alpha-2 in 1.1, alpha-3 in 1.0).")
    country_description: str = _text("countryDescription.")
    regulation_language: str = _text("regulationLanguage of the record.")
    remark: str = _text("Remark on the birth date.")

    class Config:
        strict = True
        coerce = False


class IdentificationRecord(_RegulationSummary):
    """`identification`: a passport, ID card, registration number, …"""

    entity_logical_id: str = _entity_ref()
    logical_id: str = _logical_id()
    type_code: str = _text("identificationTypeCode (passport, id, regnumber, fiscalcode, …).")
    type_description: str = _text("identificationTypeDescription.")
    number: str = _text("number as published.")
    latin_number: str = _text("latinNumber: the number in Latin script.")
    issued_by: str = _text("issuedBy.")
    issued_date: str = _text("issueDate / issuedDate.")
    valid_from: str = _text("validFrom.")
    valid_to: str = _text("validTo.")
    name_on_document: str = _text("nameOnDocument.")
    diplomatic: str = _text("diplomatic flag.")
    known_expired: str = _text("knownExpired flag.")
    known_false: str = _text("knownFalse flag.")
    reported_lost: str = _text("reportedLost flag.")
    revoked_by_issuer: str = _text("revokedByIssuer flag.")
    region: str = _text("region.")
    country_code: str = _text("Issuing country code as published.")
    country_description: str = _text("Issuing country as published.")
    published_number: str = _text("CSV 1.0: the packed `number (code-description) (extra)`.")
    regulation_language: str = _text("regulationLanguage of the record.")
    remark: str = _text("Remark on the document.")

    class Config:
        strict = True
        coerce = False


class CitizenshipRecord(_RegulationSummary):
    """`citizenship`: one citizenship of the entity."""

    entity_logical_id: str = _entity_ref()
    logical_id: str = _logical_id()
    region: str = _text("region.")
    country_code: str = _text("Country code as published (alpha-2 in 1.1, alpha-3 in 1.0).")
    country_description: str = _text("countryDescription.")
    regulation_language: str = _text("regulationLanguage of the record.")
    remark: str = _text("Remark on the citizenship.")

    class Config:
        strict = True
        coerce = False


class ContactRecord(pa.DataFrameModel):
    """`contactInfo` of an address (XML children, or unpacked from the CSV contact field)."""

    entity_logical_id: str = _entity_ref()
    address_logical_id: str = _text("logicalId of the address carrying the contact.")
    key: str = pa.Field(description="PHONE, FAX, EMAIL, WEB, … as published.")
    value: str = pa.Field(description="The contact value as published.")

    class Config:
        strict = True
        coerce = False


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "file": FileInfo,
    "entities": EntityRecord,
    "regulations": RegulationRecord,
    "names": NameAliasRecord,
    "addresses": AddressRecord,
    "birthdates": BirthdateRecord,
    "identifications": IdentificationRecord,
    "citizenships": CitizenshipRecord,
    "contacts": ContactRecord,
}
