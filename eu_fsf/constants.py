"""EU FSF: names, URLs, files, the sanity floor and the publisher's vocabularies."""

from __future__ import annotations

SOURCE = "eu_fsf"
AUTHORITY = "EU"
TOKEN = "dG9rZW4tMjAxNw"  # public token printed on the FSF portal, not a secret
BASE_URL = "https://webgate.ec.europa.eu/fsd/fsf/public/files/"
XML_FILE = "xmlFullSanctionsList_1_1.xml"
CSV_FILE = "csvFullSanctionsList_1_1.csv"
LEGACY_FILE = "csvFullSanctionsList.csv"
XML_URL = f"{BASE_URL}xmlFullSanctionsList_1_1/content?token={TOKEN}"
CSV_URL = f"{BASE_URL}csvFullSanctionsList_1_1/content?token={TOKEN}"
LEGACY_URL = f"{BASE_URL}csvFullSanctionsList/content?token={TOKEN}"

# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 2,039 entries on 2018-01-01 (2,124 on 2018-12-05 less the 85 added that
# year: sanctions-intelligence.com, Dec 2018); 2,097 at the end of 2019. The shipped snapshot is a
# 93-entity EXCERPT of the 2018 list (snapshots/eu_fsf/README.md): named in EXCERPTS, not a list.
SANITY_FLOOR = 203
EXCERPTS = {
    "a9de58cc04bddfd5f4ab9310a1a4c4e846e32740236e850ccf3a0c2fa1006246": "93-entity excerpt of the "
    "2018-07-04 FSF CSV 1.0, github.com/photoangell/SanctionsApi SampleFiles/EUSanctionsShort.csv",
}

NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
ENTITY_TYPES = {
    "person": "person",
    "enterprise": "organization",
    "P": "person",
    "E": "organization",
}
# The publisher writes `CS` for Serbia; `00` for an unknown country.
COUNTRY_OVERRIDES = {"CS": "RS"}
UNKNOWN_COUNTRY = {"00", "UNKNOWN"}
ID_TYPES = {
    "passport": "passport",
    "id": "national_id",
    "regnumber": "registration",
    "fiscalcode": "tax_id",
    "swiftbic": "swift_bic",
    "imo": "imo",
}
# Codes seen in the publisher's data that have no canonical type of their own: kept as `other`.
OTHER_ID_CODES = {
    "other", "tradelic", "ssn", "birthcert", "nationcert", "travelcardid", "electionid",
    "residentperm", "drivinglicence", "nrn",
}  # fmt: skip
CONTACT_TYPES = {"PHONE": "phone", "FAX": "phone", "EMAIL": "email", "WEB": "website"}
SCRIPTS = (
    "Cyrillic", "Greek", "Arabic", "Hebrew", "Georgian", "Armenian", "Han", "Hangul", "Thai",
    "Latin",
)  # fmt: skip
FACT_TABLES = ("regulations", "names", "addresses", "birthdates", "identifications", "citizenships")
