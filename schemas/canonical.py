"""Pandera models of the consolidated tables (CONTRACT.md). They are the data dictionary too.

Strict: a column that is not declared fails validation. Checks encode what a compliance
analyst relies on: IDs unique per source, vocabularies closed, dates plausible, country codes
valid ISO 3166-1, IMO numbers passing their check digit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import pandera.polars as pa
import polars as pl

from core.canonical import (
    COUNTRY_RELATIONS,
    DATE_PRECISIONS,
    ENTITY_TYPES,
    ID_TYPES,
    JURISDICTION_CODES,
    NAME_QUALITIES,
    NAME_TYPES,
    REJECT_KINDS,
)
from core.countries import VALID_CODES

EARLIEST_LISTING = date(1940, 1, 1)  # OFAC's oldest programs date from WWII-era authorities
EARLIEST_BIRTH = date(1850, 1, 1)
COUNTRY_CODES = sorted(VALID_CODES)


def _source() -> object:
    return pa.Field(description="Source name of CONTRACT.md (e.g. `us_ofac_sdn`).")


def _publication() -> object:
    return pa.Field(description="Source publication the row came from (see `publications`).")


def _entity() -> object:
    return pa.Field(description="`<source>-<publisher's own id>`, stable across publications.")


def _origin() -> object:
    return pa.Field(
        nullable=True,
        description="File (and part of it) the row was read from, e.g. `ALT.CSV` or `remarks`.",
    )


def _published() -> object:
    return pa.Field(
        nullable=True,
        description=(
            "The row's text as published where whitespace normalisation changed it: a JSON "
            "object {column: text as published} (line breaks, indentation, tabs, no-break "
            "spaces of the source layout); null where every text field is as published."
        ),
    )


def _country_code() -> object:
    return pa.Field(
        nullable=True,
        isin=COUNTRY_CODES,
        description="ISO 3166-1 alpha-2 where resolvable, else null (raw text kept beside it).",
    )


class Entities(pa.DataFrameModel):
    """One row per listed party in a source publication."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    source_id: str = pa.Field(description="The publisher's own ID of the record (OFAC ent_num).")
    entity_type: str = pa.Field(
        isin=ENTITY_TYPES, description="person, organization, vessel or aircraft."
    )
    primary_name: str = pa.Field(str_length={"min_value": 1}, description="Main name as published.")
    listed_on: date = pa.Field(
        nullable=True, ge=EARLIEST_LISTING, description="Date first listed, where the source says."
    )
    last_updated: date = pa.Field(
        nullable=True,
        ge=EARLIEST_LISTING,
        description="Date the record was last changed, where known.",
    )
    remarks: str = pa.Field(
        nullable=True, description="Free-text remarks as published (joined across files)."
    )
    unparsed_remarks: str = pa.Field(
        nullable=True, description="Remark fragments the parser could not read, kept verbatim."
    )
    published: str = _published()

    class Config:
        strict = True
        coerce = False
        unique = ["source", "entity_id"]

    @pa.dataframe_check(description="listed_on is not in the future")
    @classmethod
    def listed_not_future(cls, data: pa.PolarsData) -> pl.LazyFrame:
        today = datetime.now().date()
        return data.lazyframe.select(pl.col("listed_on").is_null() | (pl.col("listed_on") <= today))


class Names(pa.DataFrameModel):
    """One row per name or alias of a party."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    name: str = pa.Field(str_length={"min_value": 1}, description="The name as published.")
    name_type: str = pa.Field(
        isin=NAME_TYPES, description="primary, alias, fka, nka, weak_alias, …"
    )
    quality: str = pa.Field(
        nullable=True, isin=NAME_QUALITIES, description="strong, weak or low, where given."
    )
    script: str = pa.Field(nullable=True, description="Writing system where given (e.g. Cyrillic).")
    language: str = pa.Field(nullable=True, description="Language of the name where given.")
    given_name: str = pa.Field(
        nullable=True, description="Given name part where published separately."
    )
    family_name: str = pa.Field(
        nullable=True, description="Family name part where published separately."
    )
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False


def imo_valid(value: str) -> bool:
    """IMO ship number check digit: 7th digit = Σ(d_i × (7−i)) mod 10 over the first six."""
    if len(value) != 7 or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:6], (7, 6, 5, 4, 3, 2), strict=True))
    return total % 10 == int(value[6])


class Identifiers(pa.DataFrameModel):
    """One row per identifier (document, registration, contact, wallet…)."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    id_type: str = pa.Field(isin=ID_TYPES, description="Controlled type of the identifier.")
    label: str = pa.Field(nullable=True, description="The publisher's label, as written.")
    value: str = pa.Field(str_length={"min_value": 1}, description="Value as published.")
    normalized: str = pa.Field(nullable=True, description="Value normalised for matching.")
    country_code: str = _country_code()
    country_raw: str = pa.Field(nullable=True, description="Issuing country as published.")
    note: str = pa.Field(nullable=True, description="Extras: issue/expiry dates, currency, …")
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(description="IMO numbers are 7 digits passing the check digit")
    @classmethod
    def imo_check_digit(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("id_type") != "imo")
            | pl.col("normalized").map_elements(imo_valid, return_dtype=pl.Boolean).fill_null(False)
        )


class Addresses(pa.DataFrameModel):
    """One row per address."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    full_address: str = pa.Field(nullable=True, description="Whole address as one line.")
    street: str = pa.Field(nullable=True, description="Street lines.")
    city: str = pa.Field(
        nullable=True, description="City (OFAC: with state/postal code as published)."
    )
    region: str = pa.Field(nullable=True, description="Region, state or province.")
    postal_code: str = pa.Field(nullable=True, description="Postal code.")
    country_code: str = _country_code()
    country_raw: str = pa.Field(nullable=True, description="Country as published.")
    note: str = pa.Field(nullable=True, description="Remarks on the address.")
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False


class BirthDates(pa.DataFrameModel):
    """One row per birth date or range; partial dates keep their precision as a range."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    raw: str = pa.Field(description="Date text as published.")
    date_from: date = pa.Field(ge=EARLIEST_BIRTH, description="First day the date can be.")
    date_to: date = pa.Field(ge=EARLIEST_BIRTH, description="Last day the date can be.")
    precision: str = pa.Field(isin=DATE_PRECISIONS, description="day, month, year or range.")
    circa: bool = pa.Field(nullable=True, description="Published as approximate ('circa').")
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(description="date_from <= date_to, and not in the future")
    @classmethod
    def ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        today = datetime.now().date()
        return data.lazyframe.select(
            (pl.col("date_from") <= pl.col("date_to")) & (pl.col("date_from") <= today)
        )


class BirthPlaces(pa.DataFrameModel):
    """One row per place of birth."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    place: str = pa.Field(description="Place of birth as published.")
    country_code: str = _country_code()
    note: str = pa.Field(
        nullable=True,
        description="What a kept withdrawn or non-ISO country code (CS, SU, YU, AN, XK) stands for.",
    )
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False


class Countries(pa.DataFrameModel):
    """One row per link between a party and a country."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    country_code: str = _country_code()
    raw: str = pa.Field(description="Country as published.")
    relation: str = pa.Field(
        isin=COUNTRY_RELATIONS, description="nationality, citizenship, flag, …"
    )
    note: str = pa.Field(
        nullable=True,
        description="What a kept withdrawn or non-ISO country code (CS, SU, YU, AN, XK) stands for.",
    )
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False


class Sanctions(pa.DataFrameModel):
    """One row per designation (authority × program)."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    jurisdiction: str = pa.Field(
        isin=list(JURISDICTION_CODES),
        description="Jurisdiction designating: US, EU, UK or UN (the coding of the divergence tables).",
    )
    authority: str = pa.Field(
        description="Issuing body, as the list names it (e.g. `US OFAC`, `UK OFSI`, `US BIS Entity List`)."
    )
    program: str = pa.Field(
        nullable=True, description="Sanctions program or regime code (e.g. RUSSIA-EO14024)."
    )
    legal_basis: str = pa.Field(nullable=True, description="Legal act where published.")
    listed_on: date = pa.Field(
        nullable=True, ge=EARLIEST_LISTING, description="Designation date where published."
    )
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False


class Attributes(pa.DataFrameModel):
    """Typed facts that are not identifiers (gender, secondary sanctions risk, vessel tonnage…)."""

    source: str = _source()
    publication_id: str = _publication()
    entity_id: str = _entity()
    attribute: str = pa.Field(description="Attribute name (snake_case).")
    value: str = pa.Field(description="Value as published.")
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False


class Relationships(pa.DataFrameModel):
    """One row per link between parties (`Linked To:`, owner of, member of)."""

    source: str = _source()
    publication_id: str = _publication()
    from_entity_id: str = _entity()
    to_entity_id: str = pa.Field(
        nullable=True, description="Linked party when it resolves in the same source."
    )
    to_name: str = pa.Field(nullable=True, description="Linked party's name as published.")
    relation: str = pa.Field(description="Kind of link (linked_to, member_of, owned_by…).")
    origin: str = _origin()
    published: str = _published()

    class Config:
        strict = True
        coerce = False


class Rejects(pa.DataFrameModel):
    """Source records not taken, with the reason: nothing is dropped silently."""

    source: str = _source()
    publication_id: str = _publication()
    kind: str = pa.Field(
        isin=REJECT_KINDS, description="What was rejected (entry, address, name, …)."
    )
    file: str = pa.Field(description="File the record came from.")
    locator: str = pa.Field(description="Where in the file (line, element).")
    reason: str = pa.Field(description="Why it was not taken.")
    raw: str = pa.Field(nullable=True, description="The record as published.")

    class Config:
        strict = True
        coerce = False


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "entities": Entities,
    "names": Names,
    "identifiers": Identifiers,
    "addresses": Addresses,
    "birth_dates": BirthDates,
    "birth_places": BirthPlaces,
    "countries": Countries,
    "sanctions": Sanctions,
    "attributes": Attributes,
    "relationships": Relationships,
    "rejects": Rejects,
}


class Publications(pa.DataFrameModel):
    """One row per ingested source publication."""

    source: str = _source()
    publication_id: str = pa.Field(
        unique=True, description="`<source>-<sha256 prefix of its files>`."
    )
    format: str = pa.Field(description="Format the canonical rows were parsed from (csv, xml, …).")
    published_at: date = pa.Field(nullable=True, description="Publisher's date of the publication.")
    published_basis: str = pa.Field(
        description="How the date is known (in file, HTTP Last-Modified, …)."
    )
    fetched_at: Annotated[pl.Datetime, "us", "UTC"] = pa.Field(
        description="When the payload was fetched (UTC)."
    )
    mode: str = pa.Field(isin=["live", "snapshot"], description="live (official URL) or snapshot.")
    url: str = pa.Field(description="URL of the primary file.")
    sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64}, description="sha256 of the primary file."
    )
    files: str = pa.Field(description="JSON list of every file: name, url, sha256, size, raw path.")
    entry_count: int = pa.Field(ge=0, description="Entries seen in the source payload.")
    declared_count: int = pa.Field(
        nullable=True, description="Entry count the file declares, if any."
    )

    class Config:
        strict = True
        coerce = False
