"""US Consolidated Screening List (trade.gov) — `us_csl`.

The International Trade Administration merges thirteen export-control and sanctions lists of
Commerce (BIS Entity List, Denied Persons, Unverified, Military End User), State (ITAR
Debarred, Nonproliferation) and the Treasury (SDN, SSI, FSE, PLC, NS-MBS, CMIC, CAPTA) into one
file, published as CSV (canonical here: every real copy is CSV) and JSON.

CSV layout: a header of 29 columns, one record per party and sub-list, multi-valued fields
packed with ``; ``. Two packings need care:

- ``addresses``: each address is the non-empty parts of ``address, city, state, postal_code,
  country`` joined with ``, ``. The street holds commas too, so only the trailing ISO country
  code and a postal code just before it (digits, at most ten characters, no run of three
  letters) are separated; street, city and region are not guessed and the whole text stays in
  ``full_address``. (The JSON names the parts, and fills them.)
- ``ids``: each item is the non-empty values of an object ``{type, number, country,
  issue_date, expiration_date}`` joined with ``, `` — in an order that changed. The 2022 list
  writes them in alphabetical key order, ``[country, ][expiration, ][issue, ]number, type``
  (checked: in all 246 items with two dates the first is the later), ISO dates. The 2023 copy
  writes them in the JSON key order, ``type, number[, country][, issue][, expiration]``, dates
  as ``18 Jan 1984``. `ids_layout` tells them apart by where the known labels stand. With a
  single date neither layout says whether it is the issue or the expiry; the note says so.
  The type decides what an item is, through OFAC's label tables in `ofac.remarks` (the
  Treasury rows carry OFAC's data): an identifier (`Passport`, `SWIFT/BIC`, an IMO number in
  `Vessel Registration Identification` when its check digit holds), a typed fact kept as an
  attribute (`Gender`, `Secondary sanctions risk:`…) or a country link (`Nationality of
  Registration`). An unknown type stays an identifier `other` with its label, and is reported.

Party identity (`entity_id`). `_id` is OFAC's ent_num on Treasury records and a 40-hex hash on
the others, and it repeats: in the 2022 list 71 `_id`s cover 183 records (112 repeats). Every
repeat is one OFAC entry on several Treasury sub-lists (SDN+SSI+CAPTA 40, CAPTA+SDN 11,
SDN+SSI 8, NS-MBS+SSI 5, NS-MBS+SDN 2, FSE+SDN 2, NS-MBS+SDN+SSI 1, PLC+SDN 1), or once on the
same sub-list twice (15268, CAPTA, differing only in `source_list_url`). Name, type, dates of
birth and ent_num agree; the records differ only in `source`, `programs` (9), the source URLs,
`ids` (46: the SDN record adds "Secondary sanctions risk") and `addresses` (8: "d. 19" vs
"d.19"). So the records of one `_id` are one party, `us_csl-<_id>`, with one sanctions row per
sub-list and program and the union of the other values: 14,160 records, 14,048 entities. The
2023 copy also spells one party's name differently per sub-list ("HAMMAD, Fathi Ahmad
Mohammad" on SDN, "Fathi Ahmad Mohammad HAMMAD" on PLC; upper case on SSI): names are compared
as sorted upper-case words, the first spelling is primary and the others are aliases. Only
records of one `_id` whose type or name words differ are different parties: each variant then
becomes `us_csl-<_id>-<n>` (n by first appearance) and the conflict is reported.

Entity type: `Individual` → person, `Entity` → organization, `Vessel`, `Aircraft`. The BIS and
State lists give no type; such a party is a person when it has a date or place of birth, a
citizenship or a nationality (facts of natural persons), else an organization. No untyped
record of the 2022 or 2023 copy has any of them: all 3,625 (2022) are organizations.

Mapping: `source` → sanctions.authority through `SUB_LISTS` (e.g. "US BIS Entity List"; an
unknown sub-list keeps its text and is reported); each of `programs` → sanctions.program;
`federal_register_notice` → legal_basis; `start_date` → listed_on (a date before 1940, like
`0097-06-30`, is malformed: null, its text kept as attribute `start_date_unparsed`, reported).
`entity_number` → identifier `list_reference` labelled "OFAC ent_num": only an identifier (a
later issue links CSL records to OFAC entries by it). Names, addresses, birth dates and places,
citizenships, nationalities and `vessel_flag` go to their tables, `call_sign` is an identifier,
`remarks` the entity's remarks, every other column an attribute under its own name.

Accounting: `entry_count` counts parties (entities plus refused records that were the only
record of their party). `file_rows[<file>]` counts records: each taken record leaves exactly
one attribute `source_list` whose origin is the bare file name (every other row names its
column, e.g. `consolidated.csv:alt_names`), each refused one a reject of that file.

Broken payloads: gzip bytes (detected by their magic number) are decompressed first, so the
shipped snapshot is the real `.csv.gz`. A verbatim repeat of the header among the records is
rejected (kind `row`). A cut-off last record (an unterminated quote, or too few fields and no
final newline) makes `parse_csv` raise `SourceFormatError` naming record and line: refusing a
partial list is the safe default for screening. `parse_csv_bytes(..., strict=False)` instead
rejects the tail (kind `entry`) and keeps the complete records.

Where things are: `constants` (names, URLs, floor, columns, sub-lists), `csv` and `json` (the
two readers, each with its `parse_*` entry point), `records` (the shape both readers produce),
`labels` (labels, countries, birth dates, party identity) and `mapping` (to canonical tables).
"""

from core.lazy import lazy_exports

# Imported when first asked for (`core.lazy`): `assets/us_csl.py` reads `us_csl.constants`
# with the Dagster definitions, which must not load the parsers.
__getattr__ = lazy_exports(
    __name__,
    {
        "parse_csv": "us_csl.csv",
        "parse_csv_bytes": "us_csl.csv",
        "parse_json": "us_csl.json",
        "parse_json_bytes": "us_csl.json",
    },
)

__all__ = ["parse_csv", "parse_csv_bytes", "parse_json", "parse_json_bytes"]
