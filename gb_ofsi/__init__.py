"""OFSI Consolidated List of Financial Sanctions Targets — `gb_ofsi` (frozen 2026-01-28).

HM Treasury's Office of Financial Sanctions Implementation published the list until the FCDO's
UK Sanctions List became the single official source on 28 January 2026; it is kept for history.

Layouts parsed here (all pure: bytes in, `ParseResult` out):

- **2022 format** as XLSX (`ConList.xlsx`, canonical: it is what the snapshots hold) and CSV
  (`ConList.csv`): row 1 `Last Updated,<dd/mm/yyyy>`, a 36-column header on row 2, then one row
  per *name variant*. Party-level facts (UK and UN references, gender, phones, ship details…)
  are packed into `Other Information` as `(Label):value` pairs.
- **2022 format** as XML (`ConList.xml`): root `ArrayOfFinancialSanctionsTarget`, one flat
  `FinancialSanctionsTarget` per name variant; the facts packed into `Other Information` in
  the CSV are separate elements here (`UKSanctionsListRef`, `UNRef`, `Individual_Gender`,
  `Ship_IMONumber`…). No official copy was available: the element names follow a third-party
  excerpt described as verbatim (see tests/fixtures/gb_ofsi/README.md), corroborated by
  several independent public parsers; the parser is strict, so anything else is reported.
- **pre-2022 CSV** (`sanctionsconlist.csv`, Windows-1252): 29 columns, `Prime Alias`, no
  `Alias Quality`, free-text `Other Information` with `UN Ref …` inside.

Rows are grouped by `Group ID` into one party (`gb_ofsi-<Group ID>`). The publisher writes the
cross product of a party's names, dates of birth, addresses and regimes, so party-level values
repeat across rows: every distinct value is kept once, and a field that must be constant per
party but is not (nationality, passport, Other Information, Last Updated…) is reported as an
`Unknown` with all its values kept.

Accounting: `entry_count` is the number of distinct Group IDs. Every row of the file becomes
exactly one `names` row whose `origin` is the file name, or a reject with `file` = the file
name (`file_rows`). Party-level rows carry `origin` = `<file>:<column>`, so they never count
twice. A rejected party yields one `entry` reject (standing for its first row) and one `row`
reject for each further row.

Where each part is: `constants` (names, URLs, limits, sanity floor, layouts), one reader per
publisher format (`xlsx`, `csv`, `xml`, `legacy_csv`), `read` (checks they share), `fields`
(packed values and Other Information), and the canonical mapping shared by every layout
(`mapping`, with `context` and `party`). The Dagster declaration is `assets/gb_ofsi.py`.
"""

from core.lazy import lazy_exports
from gb_ofsi.constants import CSV_NAME, LEGACY_NAME, XLSX_NAME, XML_NAME

# Imported when first asked for (`core.lazy`): `assets/gb_ofsi.py` reads `gb_ofsi.constants`
# with the Dagster definitions, which must not load the parsers.
__getattr__ = lazy_exports(
    __name__,
    {
        "parse_conlist_csv": "gb_ofsi.csv",
        "parse_csv": "gb_ofsi.csv",
        "parse_csv_legacy": "gb_ofsi.legacy_csv",
        "parse_legacy_csv": "gb_ofsi.legacy_csv",
        "parse_conlist_xlsx": "gb_ofsi.xlsx",
        "parse_xlsx": "gb_ofsi.xlsx",
        "parse_conlist_xml": "gb_ofsi.xml",
        "parse_xml": "gb_ofsi.xml",
    },
)

__all__ = [
    "CSV_NAME",
    "LEGACY_NAME",
    "XLSX_NAME",
    "XML_NAME",
    "parse_conlist_csv",
    "parse_conlist_xlsx",
    "parse_conlist_xml",
    "parse_csv",
    "parse_csv_legacy",
    "parse_legacy_csv",
    "parse_xlsx",
    "parse_xml",
]
