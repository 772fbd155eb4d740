"""The label tables of OFAC's remarks: every label `ofac.remarks` understands, by family.

Identifiers (`KNOWN_LABELS`), attributes (literal and numbered), countries, names, relations,
and the unlabelled shapes; US CSL's `ids` types are read through the same tables.
"""

from __future__ import annotations

from core.canonical import ID_TYPES as CANONICAL_ID_TYPES

ID_TYPES = frozenset(CANONICAL_ID_TYPES)

# Identifier labels exactly as OFAC writes them → id_type. Matching is case-insensitive and
# longest-label-first ("Passport Booklet" before "Passport"); the label is kept as written.
KNOWN_LABELS: dict[str, str] = {
    "RSIN": "tax_id",  # Dutch legal-entity tax number (seen in the US CSL `ids`)
    # travel documents
    "Passport": "passport",
    "Passport No.": "passport",
    "Passport Booklet": "passport",
    "Diplomatic Passport": "passport",
    "British National Overseas Passport": "passport",
    "Stateless Person Passport": "passport",
    "Travel Document Number": "passport",
    # personal identity documents
    "National ID No.": "national_id",
    "Personal ID Card": "national_id",
    "Citizen's Card Number": "national_id",
    "Cedula No.": "national_id",
    "D.N.I.": "national_id",
    "C.U.R.P.": "national_id",
    "C.U.R.P. #": "national_id",
    "CNP (Personal Numerical Code)": "national_id",
    "Kenyan ID No.": "national_id",
    "Turkish Identification Number": "national_id",
    "Numero de Identidad": "national_id",
    "Bosnian Personal ID No.": "national_id",
    "Moroccan Personal ID No.": "national_id",
    "Tazkira National ID Card": "national_id",
    "National Foreign ID Number": "national_id",
    "UAE Identification": "national_id",
    "N.I.E.": "national_id",
    "SSN": "national_id",
    "Credencial electoral": "national_id",
    "I.F.E.": "national_id",
    "Electoral Registry No.": "national_id",
    "Refugee ID Card": "national_id",
    "Stateless Person ID Card": "national_id",
    "Romanian Permanent Resident": "national_id",
    "Residency Number": "national_id",
    "Identification Number": "other",
    "Birth Certificate Number": "other",
    "Driver's License No.": "other",
    "Cartilla de Servicio Militar Nacional": "other",
    "Military Registration Number": "other",
    "C.U.I.P.": "other",
    "Pilot License Number": "other",
    "Seafarer's Identification Document": "other",
    "VisaNumberID": "other",
    "Immigration No.": "other",
    "Public Security and Immigration No.": "other",
    # tax numbers
    "Tax ID No.": "tax_id",
    "NIT #": "tax_id",
    "RUC #": "tax_id",
    "R.F.C.": "tax_id",
    "RFC": "tax_id",
    "RIF #": "tax_id",
    "RIF": "tax_id",
    "RTN": "tax_id",
    "V.A.T. Number": "tax_id",
    "US FEIN": "tax_id",
    "C.U.I.T.": "tax_id",
    "C.U.I.": "tax_id",
    "C.I.F.": "tax_id",
    "N.I.F.": "tax_id",
    "Italian Fiscal Code": "tax_id",
    "Fiscal Code": "tax_id",
    "Romanian Tax Registration": "tax_id",
    "Paraguayan tax identification number": "tax_id",
    "Numero Unico de Identificacao Tributaria (NUIT)": "tax_id",
    # company / business registers
    "Registration Number": "registration",
    "Registration ID": "registration",
    "Business Registration Number": "registration",
    "Business Registration Document #": "registration",
    "Business Number": "registration",
    "Commercial Registry Number": "registration",
    "Company Number": "registration",
    "UK Company Number": "registration",
    "Company ID": "registration",
    "C.R. No.": "registration",
    "Romanian C.R.": "registration",
    "Folio Mercantil No.": "registration",
    "Matricula Mercantil No": "registration",
    "Economic Register Number (CBLS)": "registration",
    "Public Registration Number": "registration",
    "Central Registration System Number": "registration",
    "Chamber of Commerce Number": "registration",
    "Istanbul Chamber of Comm. No.": "registration",
    "Dubai Chamber of Commerce Membership No.": "registration",
    "Trade License No.": "registration",
    "License": "registration",
    "Tourism License No.": "registration",
    "Afghan Money Service Provider License Number": "registration",
    "MSB Registration Number": "registration",
    "Permit Number": "registration",
    "SRE Permit No.": "registration",
    "Certificate of Incorporation Number": "registration",
    "Unified Social Credit Code (USCC)": "registration",
    "United Social Credit Code Certificate (USCCC)": "registration",
    "Organization Code": "registration",
    "Government Gazette Number": "registration",
    "Enterprise Number": "registration",
    "Branch Unit Number": "registration",
    "Registered Charity No.": "registration",
    "LE Number": "registration",
    "D-U-N-S Number": "registration",
    "File Number": "registration",
    "Trademark number": "registration",
    "Serial No.": "registration",
    "Vessel Registration Identification": "registration",
    "Legal Entity Number": "lei",
    # finance
    "SWIFT/BIC": "swift_bic",
    "BIK (RU)": "other",
    "ISIN": "other",
    "Equity Ticker": "other",
    "MICEX Code": "other",
    "Chinese Commercial Code": "other",
    "UN/LOCODE": "other",
    "Digital Currency Address": "crypto_wallet",
    # vessels
    "Vessel Registration Identification IMO": "imo",
    "International Maritime Organization No.": "imo",
    "Company Number IMO": "imo",
    "Identification Number IMO": "imo",
    "MMSI": "mmsi",
    "Vessel Call Sign": "call_sign",
    "Other Vessel Call Sign": "call_sign",
    # aircraft
    "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_serial",
    "Aircraft Serial Identification": "aircraft_serial",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "aircraft_serial",
    "Aircraft Tail Number": "aircraft_tail",
    "Previous Aircraft Tail Number": "aircraft_tail",
    "Aircraft Mode S Transponder Code": "other",
    # contact
    "Email Address": "email",
    "Email": "email",
    "Website": "website",
    "Phone": "phone",
    "Phone Number": "phone",
    "Phone No.": "phone",
    "Telephone": "phone",
    "Telephone No.": "phone",
    "Telephone Number": "phone",
    "Fax": "phone",
    "Fax No.": "phone",
    "TELEX": "other",
}

# IMO labels that name a ship (seven digits with a check digit); the IMO company numbers
# ("Company Number IMO", "Identification Number IMO") have no check digit.
VESSEL_IMO_LABELS = frozenset(
    {"vessel registration identification imo", "international maritime organization no."}
)

# Labels of typed facts that are not identifiers → attribute name.
ATTRIBUTE_LABELS: dict[str, str] = {
    "Gender": "gender",
    "Secondary sanctions risk": "secondary_sanctions_risk",
    "Organization Established Date": "organization_established_date",
    "Organization Type": "organization_type",
    "Target Type": "target_type",
    "Additional Sanctions Information": "additional_sanctions_information",
    "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions": (
        "transactions_prohibited"
    ),
    "CAATSA Section 235 Information": "caatsa_section_235_information",
    "IFCA Determination": "ifca_determination",
    "PEESA Information": "peesa_information",
    "Effective Date": "effective_date",
    "Listing Date": "listing_date",
    "Purchase/Sales For Divestment Date": "purchase_sales_for_divestment_date",
    "Issuer Name": "issuer_name",
    "For more information on directives, please visit the following link": "directives_link",
    "For more information, please reference the following link": "information_link",
    "Aircraft Model": "aircraft_model",
    "Aircraft Operator": "aircraft_operator",
    "Aircraft Manufacture Date": "aircraft_manufacture_date",
    "Vessel Flag": "vessel_flag",
    "Former Vessel Flag": "former_vessel_flag",
    "Other Vessel Flag": "other_vessel_flag",
    "Vessel Type": "vessel_type",
    "Other Vessel Type": "other_vessel_type",
    "Vessel Year of Build": "vessel_year_of_build",
    "Vessel Tonnage": "vessel_tonnage",
    "Vessel Owner": "vessel_owner",
    "Title": "title",
    "Alternate Title": "title",
    "Position": "title",
    "Rank": "title",
    "Occupation": "occupation",
    "ethnicity": "ethnicity",
    "Tribe": "tribe",
    "Subtribe": "subtribe",
    "Interpol": "interpol",
    "passport place of issue": "passport_place_of_issue",
    "From": "place_of_origin",
}

# Labels that carry a number → attribute name template ("Executive Order 14024 Directive
# Information" → "eo14024_directive_information"). Tried after the literal labels.
ATTRIBUTE_PATTERNS: list[tuple[str, str]] = [
    (r"Executive Order (?P<n>\d+) Directive Determination", "eo{n}_directive_determination"),
    (r"Executive Order (?P<n>\d+) Directive Information", "eo{n}_directive_information"),
    (r"Executive Order (?P<n>\d+) information", "eo{n}_information"),
]

# Country labels → relation.
COUNTRY_LABELS: dict[str, str] = {
    "nationality": "nationality",
    "citizen": "citizenship",
    "Nationality of Registration": "jurisdiction",
    "Registration Country": "jurisdiction",
    "Nationality Country": "nationality",  # US CSL 2023 wording
}

# Name labels → name_type. Remarks a.k.a.s are OFAC's "weak" aliases, printed in quotes.
NAME_LABELS: dict[str, str] = {
    "a.k.a.": "alias",
    "d.b.a.": "alias",
    "f.k.a.": "fka",
    "n.k.a.": "nka",
}

# Relationship labels → relation; the value is the other party's name.
RELATION_LABELS: dict[str, str] = {
    "Linked To": "linked_to",
    "Organization": "member_of",
    "Member of": "member_of",
    "Member": "member_of",
    "Associated with": "associated_with",
    "Assocated with": "associated_with",
    "founded by": "founded_by",
    "son of": "son_of",
    "daughter of": "daughter_of",
    "wife of": "spouse_of",
    "Spouse of": "spouse_of",
    "Child of": "child_of",
    "brother of": "sibling_of",
    "half-brother of": "sibling_of",
    "sister-in-law of": "relative_of",
    "daughter-in-law of": "relative_of",
    "Nephew of": "relative_of",
}

BIRTH_LABELS = {"DOB": "dob", "POB": "pob"}

# Unlabelled fragments recognised by their shape, tried in order: (regex, family, target).
SHAPES: list[tuple[str, str, str]] = [
    # an editorial note wholly in parentheses
    (r"^\(.*\)$", "attribute", "note"),
    # bare contact details
    (r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?: \(email\))?\.?$", "identifier", "email"),
    (r"^(?:https?://|www\.)\S+(?: \(website\))?$", "identifier", "website"),
    # membership written as an organisation tag: "HAMAS - Hebron", "PFLP"
    (r"^(?:HAMAS|PFLP|DFLP|FDLR)(?: - .+)?$", "relation", "member_of"),
    # custody, whereabouts, legal status
    (
        r"^(?:ICTY indictee|arrested|currently incarcerated|currently in jail|in custody|"
        r"wanted by|possibly located|believed to be|temporary suspension of deportation|"
        r"named in UNSCR)\b",
        "attribute",
        "status",
    ),
    # which offices of an organisation are meant
    (
        r"^(?:(?:and )?all (?:other )?(?:offices|branches|locations)|and other locations|"
        r"only locations|also operations in|operations in|\S+ \S+ branch only|"
        r"this designation refers to)\b",
        "attribute",
        "scope",
    ),
    (
        r"^United States financial institutions are prohibited\b",
        "attribute",
        "transactions_prohibited",
    ),
    # honorifics OFAC writes without a label
    (
        r"^(?:Haji|Hajji|Maulana|Maulawi|Mulawi|Moulana|Mufti or Maulana|Mullah|Shaykh|Sheikh|"
        r"Ayatollah|Hojjatoleslam|Ustad|Ustadz|Qari|Dr|Doctor|Engineer|Professor|Businessman)$",
        "attribute",
        "title",
    ),
    # a position: a fragment naming a role (minister, director, general, representative...)
    (
        r"\b(?:minister|minster|ministry|director|directorate|chairman|chairperson|chair|"
        r"president|vice|deputy|governor|secretary|commander|commander-in-chief|commissioner|"
        r"chief|head|general|brigadier|colonel|lieutenant|lt|major|admiral|officer|official|"
        r"employee|representative|manager|ceo|founder|co-founder|owner|treasurer|judge|"
        r"magistrate|prosecutor|prosecutor-general|attorney|ambassador|consul|counselor|"
        r"counsellor|advisor|adviser|aide|spokesperson|speaker|rector|warden|mayor|leader|"
        r"coordinator|inspector|superintendent|supervisor|registrar|diplomat|congressman|"
        r"member|constituent|ombudsman|envoy|politburo|accountant|professor|figure|mp)\b",
        "attribute",
        "title",
    ),
]

# Words that end with a period of their own; the period closing the remarks is not removed
# after them ("Linked To: KAIKAI TECHNOLOGY CO., LTD.").
ABBREVIATIONS = frozenset({"ltd", "ltda", "co", "corp", "inc", "jr", "sr", "bhd", "pte", "pvt"})
