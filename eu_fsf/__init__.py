"""EU Financial Sanctions Files (FSF) — `eu_fsf`.

The European Commission's consolidated list of persons, groups and entities subject to EU
financial sanctions, served by the FSF portal in three layouts:

- **XML 1.1** (`xmlFullSanctionsList_1_1`): root `export` (namespace
  `http://eu.europa.ec/fpi/fsd/export`, `generationDate`), one `sanctionEntity` per party with
  its data in attributes of child elements (`regulation`, `subjectType`, `nameAlias`,
  `address`, `birthdate`, `identification`, `citizenship`); every fact may carry a nested
  `regulationSummary` and `remark`. Canonical format.
- **CSV 1.1** (`csvFullSanctionsList_1_1`): `;`-delimited, the same records flattened, one row
  per fact, grouped by `Entity_LogicalId`.
- **CSV 1.0** (`csvFullSanctionsList`, legacy, 2018): `;`-delimited with repeated column names
  (`Entity_logical_id` six times); one row per fact. The only real copy we hold was re-saved by
  a spreadsheet: Windows-1252, each line wrapped in one pair of quotes and padded with tabs, and
  the commas inside values turned into tabs (see `read_legacy_csv`).

All three are staged into the same source-shaped frames (`schemas.eu_fsf`) and mapped to the
canonical tables by one function, so the formats cannot drift apart. Decisions:

- `entity_id` is `eu_fsf-<logicalId>`; subjectType `person` → person, `enterprise` →
  organization. The publisher marks no primary name: the first strong name in English or
  without a language is taken, else the first strong name, else the first name.
- Names in every language are kept with their `language` and `strong` flag (`true` → quality
  `strong`, `false` → `weak`).
- Each `regulation` is a sanctions row (authority `EU`, program = programme, legal_basis =
  numberTitle, listed_on = the entity's designationDate, else the publicationDate of an act that
  is not an amendment or a repeal). The act's type, organisation, entry into force and URL, and
  each fact's `regulationSummary`, are kept in the staged frames (no canonical column).
- A PO box written into `zipCode` (`PO Box 1406 - 60455`) is moved to the PO box.
- `unitedNationId` → identifier `un_reference` (normalised upper-case: it links EU records to
  UN and UK ones); `euReferenceNumber` → identifier `list_reference`.
- Birth dates keep their precision (day, month, year or year range); nothing is rounded.
- Country code `CS` is used by this publisher for Serbia (not the withdrawn Serbia and
  Montenegro): it is mapped to `RS`. Code `00` means unknown and gives null.

Where each part is:

- `constants`: names, URLs, files, sanity floor, vocabularies;
- `columns`: the staged frames' columns and types, read from their models (`schemas.eu_fsf`);
- `xml`: XML 1.1 reader; `csv`: CSV 1.1 reader; `legacy_csv`: CSV 1.0 reader (and its re-save);
- `staged`: the staged frames all three are read into;
- `mapping` and `facts`: the canonical mapping shared by every format.

The Dagster declaration is `assets/eu_fsf.py`.
"""

from core.lazy import lazy_exports
from eu_fsf.constants import CSV_FILE, LEGACY_FILE, XML_FILE

# Imported when first asked for (`core.lazy`): `assets/eu_fsf.py` reads `eu_fsf.constants`
# with the Dagster definitions, which must not load the parsers.
__getattr__ = lazy_exports(
    __name__,
    {
        "parse_csv": "eu_fsf.csv",
        "parse_csv_file": "eu_fsf.csv",
        "parse_legacy": "eu_fsf.legacy_csv",
        "parse_legacy_file": "eu_fsf.legacy_csv",
        "parse_xml": "eu_fsf.xml",
        "parse_xml_file": "eu_fsf.xml",
    },
)

__all__ = [
    "CSV_FILE",
    "LEGACY_FILE",
    "XML_FILE",
    "parse_csv",
    "parse_csv_file",
    "parse_legacy",
    "parse_legacy_file",
    "parse_xml",
    "parse_xml_file",
]
