"""UN Security Council Consolidated List — `un_sc`.

One XML file, `consolidated.xml`: root `CONSOLIDATED_LIST` (attribute `dateGenerated`) holding
`INDIVIDUALS/INDIVIDUAL` and `ENTITIES/ENTITY`. Each record carries the UN's own `DATAID`, the
regime (`UN_LIST_TYPE`) and the `REFERENCE_NUMBER` (e.g. `QDi.001`) that the EU and UK lists
echo, so it is kept as an `un_reference` identifier: the key linking the same party across lists.

Interpretation is strict: every element the UN publishes is named below and taken explicitly;
anything else is reported in `ParseResult.unknowns` and kept as an attribute row. The UN writes
an empty element (`<INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>`) where a
record has nothing of that kind; such placeholders are not records and are skipped.

How it reads: one tight pass over the tree turns it into columns (one per scalar element of an
entry, one per field of each kind of child record, one row per VALUE); everything after that
(dates, countries, names, accounting, rejects) is polars work on those columns.

Accounting: every non-empty repeated child record (an alias, an address, a date of birth, a
document, one `VALUE` of a nationality list…) becomes exactly one canonical row whose `origin`
is `consolidated.xml/<ELEMENT>`, or a reject whose `file` is that same key; `file_rows` holds
the count per key so the `records_accounted` check proves it. Rows derived from a part of a
record (the date of birth written on an alias, a note) carry a longer origin such as
`consolidated.xml/INDIVIDUAL_ALIAS/DATE_OF_BIRTH`.

Where things are: `constants` (names, URL, floor, the format's vocabulary), `xml` (the reader:
the tree flattened to columns, and the `parse` entry point), `mapping` (columns to canonical
entries, value lists and rejects), `records` (aliases, addresses, births, documents).
"""

from core.lazy import lazy_exports

# Imported when first asked for (`core.lazy`): `assets/un_sc.py` reads `un_sc.constants`
# with the Dagster definitions, which must not load the parsers.
__getattr__ = lazy_exports(__name__, {"parse": "un_sc.xml", "parse_consolidated": "un_sc.xml"})

__all__ = ["parse", "parse_consolidated"]
