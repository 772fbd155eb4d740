"""The canonical tables' names and the vocabularies of their coded columns (CONTRACT.md).

Plain values, no polars: the Dagster definitions read them when they are loaded (the published
tables are assets of their own), while the column layouts (`core.canonical.TABLES`, polars
types) load with the parsers. `core.canonical` re-exports every name here.
"""

from __future__ import annotations

ENTITY_TYPES = ("person", "organization", "vessel", "aircraft")
NAME_TYPES = (
    "primary",
    "primary_variation",
    "alias",
    "fka",
    "nka",
    "weak_alias",
    "original_script",
    "translation",
)
NAME_QUALITIES = ("strong", "weak", "low")
ID_TYPES = (
    "passport",
    "national_id",
    "tax_id",
    "registration",
    "imo",
    "mmsi",
    "swift_bic",
    "lei",
    "email",
    "website",
    "phone",
    "crypto_wallet",
    "un_reference",
    "list_reference",
    "ofsi_group_id",  # OFSI's Group ID, which the FCDO list cites for each party
    "call_sign",
    "aircraft_serial",
    "aircraft_tail",
    "other",
)
DATE_PRECISIONS = ("day", "month", "year", "range")
COUNTRY_RELATIONS = (
    "nationality",
    "citizenship",
    "birth",
    "flag",
    "jurisdiction",
    "address",
    "other",
)
REJECT_KINDS = ("entry", "name", "address", "identifier", "remark", "row")

# The canonical tables, in the order they are written; `core.canonical.TABLES` declares their
# columns (and refuses to load if the two lists differ).
TABLE_NAMES = (
    "entities",
    "names",
    "identifiers",
    "addresses",
    "birth_dates",
    "birth_places",
    "countries",
    "sanctions",
    "attributes",
    "relationships",
    "rejects",
)

# The jurisdiction a list designates for (`sanctions.jurisdiction`): one coding, US/EU/UK/UN,
# shared with the divergence tables. `sanctions.authority` stays the issuing body ("US OFAC",
# "UK OFSI", "US BIS Entity List"…). The US CSL gathers US agencies' lists only.
JURISDICTION_CODES = ("US", "EU", "UK", "UN")
JURISDICTIONS: dict[str, str] = {
    "us_ofac_sdn": "US",
    "us_ofac_cons": "US",
    "us_csl": "US",
    "eu_fsf": "EU",
    "gb_fcdo": "UK",
    "gb_ofsi": "UK",
    "un_sc": "UN",
}
