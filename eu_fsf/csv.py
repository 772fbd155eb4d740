"""EU FSF CSV 1.1 (`csvFullSanctionsList_1_1`, `;`-delimited): reader into the staged frames."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import polars as pl

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.records import first_bad_record
from core.sniff import check_payload, decode
from core.truncation import require_complete_csv
from eu_fsf.constants import CSV_FILE
from eu_fsf.facts import _dmy_or_iso
from eu_fsf.mapping import _result
from eu_fsf.staged import Staged, _stage_flat

# --- CSV 1.1 -----------------------------------------------------------------------------------

_REG = {
    "Type": "reg_type",
    "OrganisationType": "reg_organisation_type",
    "PublicationDate": "reg_publication_date",
    "EntryIntoForceDate": "reg_entry_into_force_date",
    "NumberTitle": "reg_number_title",
    "Programme": "reg_programme",
    "PublicationUrl": "reg_publication_url",
}
_CSV_GROUPS: dict[str, tuple[str, dict[str, str]]] = {
    "Entity": ("entities", {
        "LogicalId": "logical_id", "EU_ReferenceNumber": "eu_reference_number",
        "UnitedNationId": "united_nation_id", "DesignationDate": "designation_date",
        "DesignationDetails": "designation_details", "Remark": "remark",
        "SubjectType": "subject_type", "SubjectType_ClassificationCode": "classification_code",
    }),
    "Entity_Regulation": ("regulations", {
        "Type": "regulation_type", "OrganisationType": "organisation_type",
        "PublicationDate": "publication_date", "EntryIntoForceDate": "entry_into_force_date",
        "NumberTitle": "number_title", "Programme": "programme",
        "PublicationUrl": "publication_url",
    }),
    "NameAlias": ("names", {
        "LastName": "last_name", "FirstName": "first_name", "MiddleName": "middle_name",
        "WholeName": "whole_name", "NameLanguage": "name_language", "Gender": "gender",
        "Title": "title", "Function": "function", "Strong": "strong", "LogicalId": "logical_id",
        "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
    "Address": ("addresses", {
        "City": "city", "Street": "street", "PoBox": "po_box", "ZipCode": "zip_code",
        "Region": "region", "Place": "place", "AsAtListingTime": "as_at_listing_time",
        "ContactInfo": "contact_info", "CountryIso2Code": "country_code",
        "CountryDescription": "country_description", "LogicalId": "logical_id",
        "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
    "BirthDate": ("birthdates", {
        "BirthDate": "birthdate", "Day": "day", "DayOfMonth": "day", "Month": "month",
        "MonthOfYear": "month", "Year": "year", "YearRangeFrom": "year_range_from",
        "YearRangeTo": "year_range_to", "Circa": "circa", "CalendarType": "calendar_type",
        "ZipCode": "zip_code", "Region": "region", "Place": "place", "City": "city",
        "CountryIso2Code": "country_code", "CountryDescription": "country_description",
        "LogicalId": "logical_id", "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
    "Identification": ("identifications", {
        "Number": "number", "Diplomatic": "diplomatic", "KnownExpired": "known_expired",
        "KnownFalse": "known_false", "ReportedLost": "reported_lost",
        "RevokedByIssuer": "revoked_by_issuer", "IssuedBy": "issued_by",
        "IssuedDate": "issued_date", "IssueDate": "issued_date", "ValidFrom": "valid_from",
        "ValidTo": "valid_to", "LatinNumber": "latin_number", "NameOnDocument": "name_on_document",
        "TypeCode": "type_code", "IdentificationTypeCode": "type_code",
        "TypeDescription": "type_description",
        "IdentificationTypeDescription": "type_description", "Region": "region",
        "CountryIso2Code": "country_code", "CountryDescription": "country_description",
        "LogicalId": "logical_id", "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
    "Citizenship": ("citizenships", {
        "Region": "region", "CountryIso2Code": "country_code",
        "CountryDescription": "country_description", "LogicalId": "logical_id",
        "RegulationLanguage": "regulation_language", "Remark": "remark",
    }),
}  # fmt: skip
# Short prefixes of the 1.0 layout, also used in some descriptions of 1.1 (`Birt_BirthDate`).
CSV_PREFIX_ALIASES = {
    "Birt": "BirthDate",
    "Iden": "Identification",
    "Addr": "Address",
    "Citi": "Citizenship",
}


def _csv11_columns() -> dict[str, str]:
    """Lower-cased CSV 1.1 column name → `table.column` of the staged frames."""
    columns = {"filegenerationdate": "file.generation_date"}
    for prefix, (table, fields) in _CSV_GROUPS.items():
        prefixes = [prefix] + [
            short for short, long in CSV_PREFIX_ALIASES.items() if long == prefix
        ]
        for pre in prefixes:
            for name, column in fields.items():
                columns[f"{pre}_{name}".lower()] = f"{table}.{column}"
                if prefix in ("NameAlias", "Address", "BirthDate", "Identification", "Citizenship"):
                    for reg_name, reg_column in _REG.items():
                        columns[f"{pre}_Regulation_{reg_name}".lower()] = f"{table}.{reg_column}"
    return columns


CSV11_COLUMNS = _csv11_columns()
# Columns without which the file cannot be read as FSF 1.1: a header lacking one has changed.
CSV11_REQUIRED = {
    "file.generation_date": "fileGenerationDate",
    "entities.logical_id": "Entity_LogicalId",
    "entities.eu_reference_number": "Entity_EU_ReferenceNumber",
    "entities.subject_type": "Entity_SubjectType",
    "regulations.programme": "Entity_Regulation_Programme",
    "names.whole_name": "NameAlias_WholeName",
    "names.logical_id": "NameAlias_LogicalId",
}


def _locate_ragged(name: str, text_: str, width: int, delimiter: str) -> str:
    bad = first_bad_record(text_, width, delimiter=delimiter)
    if bad is None:
        return "unparseable CSV"
    return f"record {bad.index + 1} has {bad.fields} fields, expected {width}"


def _check_last_record(name: str, body: bytes, width: int) -> None:
    """A cut download ends mid-record: the last record must carry every field."""
    end = len(body.rstrip(b"\r\n"))
    start = body.rfind(b"\n", 0, end)
    # A newline inside quotes belongs to a field: walk back until the quotes before it balance.
    # (Counting only the tail keeps this cheap on a 25 MB file.)
    odd_before = (body.count(b'"') - body.count(b'"', start + 1)) % 2
    while start > 0 and odd_before:
        previous = body.rfind(b"\n", 0, start)
        odd_before ^= body.count(b'"', previous + 1, start) % 2
        start = previous
    last = body[start + 1 : end].decode("utf-8", errors="replace")
    records = list(csv.reader(io.StringIO(last), delimiter=";"))
    if body[start + 1 : end].count(b'"') % 2 or not records or len(records[0]) != width:
        got = len(records[0]) if records else 0
        line = body.count(b"\n", 0, start + 1) + 1
        raise SourceFormatError(
            name, f"line {line}", f"last record has {got} fields, expected {width}: file truncated?"
        )


def _csv11_header(name: str, body: bytes) -> tuple[list[str], list[str]]:
    """Internal `table.column` names for the header, and the columns not known."""
    first = decode(name, body[: body.find(b"\n")], "utf-8").rstrip("\r")
    header = next(csv.reader([first], delimiter=";"))
    if len(header) < 2:
        raise SourceFormatError(name, "line 1", "not a `;`-delimited FSF CSV header")
    internal: list[str] = []
    unknown_columns: list[str] = []
    for number, column in enumerate(header, start=1):
        target = CSV11_COLUMNS.get(column.strip().lower())
        if target is None:
            unknown_columns.append(column)
            target = f"unknown.{column}"
        if target in internal:
            raise SourceFormatError(
                name, f"line 1, column {number}", f"column {column!r} repeats an earlier column"
            )
        internal.append(target)
    missing = [shown for column, shown in CSV11_REQUIRED.items() if column not in internal]
    if missing:
        raise SourceFormatError(
            name, "line 1 (header)", f"changed header: missing {', '.join(missing)}"
        )
    return internal, unknown_columns


def read_csv11(name: str, data: bytes) -> Staged:
    """CSV 1.1 → staged frames (columns matched by name, case-insensitively).

    Values are kept as published (polars reads an empty field as null). Polars checks the
    UTF-8 itself; only on failure is the text decoded again to name the bad byte.
    """
    check_payload(name, data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    require_complete_csv(name, body, delimiter=";", key="Entity_LogicalId")
    internal, unknown_columns = _csv11_header(name, body)
    _check_last_record(name, body, len(internal))
    try:
        df = pl.read_csv(
            body, separator=";", has_header=True, new_columns=internal, infer_schema=False
        )
    except pl.exceptions.PolarsError as exc:
        text_ = decode(name, body, "utf-8")
        where = _locate_ragged(name, text_, len(internal), ";")
        raise SourceFormatError(name, where, str(exc).splitlines()[0]) from exc
    df = df.with_row_index("record", offset=2)
    staged = _stage_flat(name, df, layout="csv_1_1", encoding="utf-8")
    for column in unknown_columns:
        staged.unknowns.append(Unknown(name, "line 1 (header)", "column", column))
        values = (
            df.select(pl.col("entities.logical_id"), pl.col(f"unknown.{column}"))
            .drop_nulls()
            .unique(maintain_order=True)
        )
        staged.extras.extend((eid, f"csv.{column}", value) for eid, value in values.iter_rows())
    return staged


def parse_csv_file(name: str, data: bytes) -> ParseResult:
    """Parse an FSF CSV 1.1 file into canonical tables."""
    staged = read_csv11(name, data)
    published = _dmy_or_iso(staged.tables["file"]["generation_date"][0])
    return _result(staged, staged.tables["entities"].height, published, "csv")


def parse_csv(files: Mapping[str, bytes]) -> ParseResult:
    """csvFullSanctionsList_1_1.csv → canonical tables."""
    return parse_csv_file(CSV_FILE, files[CSV_FILE])
