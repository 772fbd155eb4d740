"""UK Sanctions List (FCDO) — `gb_fcdo`.

Since 28 January 2026 the FCDO's UK Sanctions List is the single official UK list (OFSI's
Consolidated List was frozen then; see `gb_ofsi`). It is published as XML, CSV, ODS and JSON;
XML is canonical here and the CSV is parsed too and reconciled by the `formats_agree` check.

The parser was written from FORMATS.md and the element/column names public parsers of the real
files use, then checked against four real designations of the 2026-08-14 XML (the shipped
snapshot, tests/fixtures/gb_fcdo/): every element of those records is known. It is strict: every
element and column is taken explicitly, and anything else is reported as an `Unknown` with its
value kept (as an `unknown:<path>` attribute of its party), never dropped. No real CSV was at
hand: the CSV reader follows the documented layout (a constructed test fixture).

- XML: root `Designations` holding `DateGenerated` and one `Designation` per party, with
  `UniqueID`, `Names/Name` (`Name1`…`Name6`, `NameType`, `AliasStrength`), `NonLatinNames`,
  `RegimeName`, `SanctionsImposedIndicators`, `Addresses/Address`, `IndividualDetails`,
  `EntityDetails`, `ShipDetails`. Where public parsers disagree on a wrapper's name
  (`PassportDetail` or `Passport`, `TypeOfShips` or `TypeOfShipDetails`, `YearBuilts` or
  `YearsBuilt`…) both spellings are known.
- CSV: a `Report Date: dd/mm/yyyy` line, a 58-column header, then one row per name variant;
  the rows of a party share its `Unique ID` and sit together. A party's other multi-valued
  fields (addresses, dates of birth, passports, subsidiaries…) are the distinct values found
  across its rows, so the parser does not depend on how the rows spread them.

Both formats are first brought into the same long form (designations, names, non-Latin names,
addresses, and `(field, value, extra)` facts); one shared builder maps that to the canonical
tables, so the XML and the CSV of one publication give the same parties by construction.

Where each part is: `constants` (names, URLs, sanity floor, vocabularies), `xml` and `csv`
(one reader per publisher format), `longform` (the shape both are read into), `mapping` (long
form → canonical tables). The Dagster declaration is `assets/gb_fcdo.py`.
"""

from core.lazy import lazy_exports
from gb_fcdo.constants import CSV_NAME, XML_NAME

# Imported when first asked for (`core.lazy`): `assets/gb_fcdo.py` reads `gb_fcdo.constants`
# with the Dagster definitions, which must not load the parsers.
__getattr__ = lazy_exports(
    __name__,
    {
        "parse_csv": "gb_fcdo.csv",
        "parse_csv_file": "gb_fcdo.csv",
        "parse_xml": "gb_fcdo.xml",
        "parse_xml_file": "gb_fcdo.xml",
    },
)

__all__ = ["CSV_NAME", "XML_NAME", "parse_csv", "parse_csv_file", "parse_xml", "parse_xml_file"]
