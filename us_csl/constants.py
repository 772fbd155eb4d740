"""US Consolidated Screening List: names, URLs, floor, columns, sub-lists and vocabularies."""

from __future__ import annotations

import re
from datetime import date

SOURCE = "us_csl"
AUTHORITY = "US CSL (trade.gov)"
BASE_URL = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/"
CSV_NAME = "consolidated.csv"
JSON_NAME = "consolidated.json"
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known complete copy: 14,048 parties (2022-05-16, the shipped snapshot). A copy cut
# short (the 2023 one: 4,219) is refused by the reader and by the shrink guard, not the floor.
SANITY_FLOOR = 1_404

COLUMNS = (
    "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order",
    "license_requirement", "license_policy", "call_sign", "vessel_type", "gross_tonnage",
    "gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks", "source_list_url",
    "alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth",
    "source_information_url", "ids",
)  # fmt: skip
MULTI = (
    "programs",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
)
PACKED = ("addresses", "ids")
SCALARS = tuple(c for c in COLUMNS if c not in MULTI and c not in PACKED)
PACK = "; "

# Sub-list (`source` as published) → authority: the agency and the list, in short.
SUB_LISTS: dict[str, str] = {
    "Specially Designated Nationals (SDN) - Treasury Department": "US OFAC SDN",
    "Sectoral Sanctions Identifications List (SSI) - Treasury Department": "US OFAC SSI",
    "Foreign Sanctions Evaders (FSE) - Treasury Department": "US OFAC FSE",
    "Palestinian Legislative Council List (PLC) - Treasury Department": "US OFAC NS-PLC",
    "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department": "US OFAC NS-MBS",
    "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department": (
        "US OFAC NS-CMIC"
    ),
    "Capta List (CAP) - Treasury Department": "US OFAC CAPTA",
    "Entity List (EL) - Bureau of Industry and Security": "US BIS Entity List",
    "Denied Persons List (DPL) - Bureau of Industry and Security": "US BIS Denied Persons List",
    "Unverified List (UVL) - Bureau of Industry and Security": "US BIS Unverified List",
    "Military End User (MEU) List - Bureau of Industry and Security": (
        "US BIS Military End User List"
    ),
    "ITAR Debarred (DTC) - State Department": "US State DDTC ITAR Debarred",
    "Nonproliferation Sanctions (ISN) - State Department": (
        "US State ISN Nonproliferation Sanctions"
    ),
}
ENTITY_TYPES = {
    "Individual": "person",
    "Entity": "organization",
    "Vessel": "vessel",
    "Aircraft": "aircraft",
}
PERSON_MARKERS = ("dates_of_birth", "places_of_birth", "citizenships", "nationalities")
EARLIEST_START = date(1940, 1, 1)  # the floor of schemas.canonical: an older date is a typo
EARLIEST_BIRTH = date(1850, 1, 1)
# Single-valued columns kept as attributes under their own name.
ATTRIBUTE_COLUMNS = (
    "title", "end_date", "standard_order", "license_requirement", "license_policy",
    "vessel_type", "gross_tonnage", "gross_registered_tonnage", "vessel_owner",
    "source_list_url", "source_information_url",
)  # fmt: skip

# Words the CSL writes where a country would be, meaning "no country".
NO_COUNTRY = frozenset({"none identified"})

# JSON: the same fields, arrays for the multi-valued ones; the record id is `id` (trade.gov's
# JSON) or `_id` (as in the CSV).
JSON_ADDRESS_KEYS = ("address", "city", "state", "postal_code", "country")
JSON_ID_KEYS = ("type", "number", "country", "issue_date", "expiration_date")
JSON_TOP_KEYS = frozenset({"results", "total", "offset", "sources_used", "search_performed_at"})

GZIP_MAGIC = b"\x1f\x8b"
# The real 2022 list (14,160 records) is 5,829,294 bytes once decompressed: about 412 bytes a
# record. 128 MiB is 23x that file, room for 300,000 records, twenty times the list's size.
GUNZIP_LIMIT = 128 * 2**20
BOM = b"\xef\xbb\xbf"
IDS_SAMPLE = 2_000  # `ids` items enough to tell the layout: known labels dominate either way
DAY = r"(?:\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]{2} \d{4})"  # 2022 ISO, 2023 `18 Jan 1984`
POSTAL = r"^[A-Z0-9][A-Z0-9 -]{1,9}$"
LABEL_TAIL = re.compile(r"[\s:-]+$")
LABEL_SCOPE = re.compile(r"^(?P<base>.*?)\s*\((?P<scope>[^()]*)\)$")
CRYPTO = re.compile(r"^digital currency address\s*-\s*(?P<currency>\S+)$", re.IGNORECASE)
IMO_PATTERN = r"^IMO\s*(\d{7})$"
