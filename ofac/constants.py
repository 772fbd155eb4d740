"""OFAC: authority, download endpoint, and the vocabulary of the legacy CSV and classic XML."""

from __future__ import annotations

AUTHORITY = "US OFAC"
# OFAC's documented download endpoint (`api/download/{file}`; it redirects to a signed URL on
# the service's bucket), not the `PublicationPreview/exports` preview path.
BASE_URL = "https://sanctionslistservice.ofac.treas.gov/api/download/"
NULL = "-0-"
CTRL_Z = b"\x1a"

PRIMARY_COLUMNS = (
    "ent_num", "sdn_name", "sdn_type", "program", "title", "call_sign",
    "vess_type", "tonnage", "grt", "vess_flag", "vess_owner", "remarks",
)  # fmt: skip
ADDRESS_COLUMNS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")
ALIAS_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
COMMENT_COLUMNS = ("ent_num", "remarks")

ENTITY_TYPES = {
    "individual": "person",
    None: "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
XML_ENTITY_TYPES = {
    "Individual": "person",
    "Entity": "organization",
    "Vessel": "vessel",
    "Aircraft": "aircraft",
}
ALIAS_TYPES = {
    "aka": "alias",
    "fka": "fka",
    "nka": "nka",
    "a.k.a.": "alias",
    "f.k.a.": "fka",
    "n.k.a.": "nka",
}
