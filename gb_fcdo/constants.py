"""UK Sanctions List (FCDO): names, URLs, the sanity floor and the publisher's vocabularies."""

from __future__ import annotations

SOURCE = "gb_fcdo"
AUTHORITY = "UK FCDO"
PUBLICATION_PAGE = "https://www.gov.uk/government/publications/the-uk-sanctions-list"
BASE_URL = "https://sanctionslist.fcdo.gov.uk/docs/"
XML_NAME = "UK-Sanctions-List.xml"
CSV_NAME = "UK-Sanctions-List.csv"
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known UK consolidated size: 2,037 parties on 2018-01-01 (OFSI's list of the same UK
# designations: 2,137 on 2018-12-05 less the 100 added that year, sanctions-intelligence.com,
# Dec 2018); the FCDO list holds some 6,000 designations in 2026. The shipped snapshot is a
# 4-designation excerpt of the real 2026-08-14 XML (snapshots/gb_fcdo/README.md): named in
# EXCERPTS, not a whole list.
SANITY_FLOOR = 203
EXCERPTS = {
    "43e9a9dd4dddee513076c2e8c6306110f9bf5c12f04c465e5347be6b3d688a29": "4 real designations "
    "of the 2026-08-14 UK Sanctions List XML (snapshots/gb_fcdo/README.md)",
    "a49304f6cb6aa2d7fe06979c849f07ff071d72b9526da3fa20fd6ffe3883f26a": "constructed 9-party "
    "sample in the FCDO XML layout (tests/fixtures/gb_fcdo/build_fixtures.py)",
    "fe38b2914ab7af9c430209c246d520d0975096e3126e2656950e0ae70c9a4b0e": "constructed 9-party "
    "sample in the FCDO CSV layout (tests/fixtures/gb_fcdo/build_fixtures.py)",
}

ENTITY_TYPES = {"individual": "person", "entity": "organization", "ship": "vessel"}
NAME_TYPES = {
    "primary name": "primary",
    "primary name variation": "primary_variation",
    "alias": "alias",
}


ATTRIBUTE_NAMES = {
    "title": "title",
    "position": "position",
    "gender": "gender",
    "type_of_entity": "type_of_entity",
    "type_of_ship": "vessel_type",
    "tonnage": "vessel_tonnage",
    "length": "vessel_length",
    "year_built": "vessel_year_built",
    "hin": "hull_identification_number",
    "previous_flag": "previous_flag",
    "current_owner": "current_owner_operator",
    "previous_owner": "previous_owner_operator",
    "sanctions_indicator": "sanctions_indicator",
}
RELATIONS = {
    "current_owner": "owner_operator",
    "previous_owner": "previous_owner_operator",
    "subsidiary": "subsidiary",
    "parent_company": "parent_company",
}
