"""The canonical tables of CONTRACT.md: names, column types, and the result every parser returns.

Parsers are pure: they take bytes and return a `ParseResult` whose frames follow `TABLES`
exactly. Provenance columns (`publication_id`) are stamped afterwards by `ParseResult.stamp`,
so the same parser output can be traced to whichever raw payload it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from core.countries import LEGACY_NOTES, country_in_text
from core.vocabulary import COUNTRY_RELATIONS as COUNTRY_RELATIONS
from core.vocabulary import DATE_PRECISIONS as DATE_PRECISIONS
from core.vocabulary import ENTITY_TYPES as ENTITY_TYPES
from core.vocabulary import ID_TYPES as ID_TYPES
from core.vocabulary import JURISDICTION_CODES as JURISDICTION_CODES
from core.vocabulary import JURISDICTIONS as JURISDICTIONS
from core.vocabulary import NAME_QUALITIES as NAME_QUALITIES
from core.vocabulary import NAME_TYPES as NAME_TYPES
from core.vocabulary import REJECT_KINDS as REJECT_KINDS
from core.vocabulary import TABLE_NAMES

# Every table carries these first, so any row traces back to its raw payload.
PROVENANCE = {"source": pl.String, "publication_id": pl.String}

TABLES: dict[str, dict[str, pl.DataType]] = {
    "entities": {
        "entity_id": pl.String,
        "source_id": pl.String,
        "entity_type": pl.String,
        "primary_name": pl.String,
        "listed_on": pl.Date,
        "last_updated": pl.Date,
        "remarks": pl.String,
        "unparsed_remarks": pl.String,
    },
    "names": {
        "entity_id": pl.String,
        "name": pl.String,
        "name_type": pl.String,
        "quality": pl.String,
        "script": pl.String,
        "language": pl.String,
        "given_name": pl.String,
        "family_name": pl.String,
        "origin": pl.String,
    },
    "identifiers": {
        "entity_id": pl.String,
        "id_type": pl.String,
        "label": pl.String,
        "value": pl.String,
        "normalized": pl.String,
        "country_code": pl.String,
        "country_raw": pl.String,
        "note": pl.String,
        "origin": pl.String,
    },
    "addresses": {
        "entity_id": pl.String,
        "full_address": pl.String,
        "street": pl.String,
        "city": pl.String,
        "region": pl.String,
        "postal_code": pl.String,
        "country_code": pl.String,
        "country_raw": pl.String,
        "note": pl.String,
        "origin": pl.String,
    },
    "birth_dates": {
        "entity_id": pl.String,
        "raw": pl.String,
        "date_from": pl.Date,
        "date_to": pl.Date,
        "precision": pl.String,
        "circa": pl.Boolean,
        "origin": pl.String,
    },
    "birth_places": {
        "entity_id": pl.String,
        "place": pl.String,
        "country_code": pl.String,
        "note": pl.String,
        "origin": pl.String,
    },
    "countries": {
        "entity_id": pl.String,
        "country_code": pl.String,
        "raw": pl.String,
        "relation": pl.String,
        "note": pl.String,
        "origin": pl.String,
    },
    "sanctions": {
        "entity_id": pl.String,
        "jurisdiction": pl.String,
        "authority": pl.String,
        "program": pl.String,
        "legal_basis": pl.String,
        "listed_on": pl.Date,
        "origin": pl.String,
    },
    "attributes": {
        "entity_id": pl.String,
        "attribute": pl.String,
        "value": pl.String,
        "origin": pl.String,
    },
    "relationships": {
        "from_entity_id": pl.String,
        "to_entity_id": pl.String,
        "to_name": pl.String,
        "relation": pl.String,
        "origin": pl.String,
    },
    "rejects": {
        "kind": pl.String,
        "file": pl.String,
        "locator": pl.String,
        "reason": pl.String,
        "raw": pl.String,
    },
}
# Whitespace: every text field is stored with runs of whitespace (line breaks and indentation
# of an XML layout, tabs, no-break spaces) collapsed to one space and trimmed. Where that
# changed a value, `published` holds the text as published: a JSON object {column: text}.
# Columns that are the published text by definition are kept verbatim and not normalised.
for _table, _columns in TABLES.items():
    if _table != "rejects":  # a reject's `raw` is the source record, verbatim
        _columns["published"] = pl.String
if tuple(TABLES) != TABLE_NAMES:  # one list of tables: core/vocabulary.py names them
    raise RuntimeError(f"core.canonical.TABLES {tuple(TABLES)} != TABLE_NAMES {TABLE_NAMES}")
VERBATIM_COLUMNS = frozenset({"raw", "country_raw", "published"})
_WHITESPACE = r"\s+"
# A text `_WHITESPACE` normalisation changes: two white-space characters in a row, one that is
# not a plain space, or a space at either end. The rewrite (and the `published` record) is
# done for those rows only; `core.untidy` finds them without matching it on every cell.
_UNTIDY = r"\s\s|[^\S ]|^ | $"


def table_schema(table: str) -> dict[str, pl.DataType]:
    """Full column schema of a canonical table, provenance first."""
    return {**PROVENANCE, **TABLES[table]}


def frame(table: str, rows: Iterable[Mapping[str, Any]] | None = None) -> pl.DataFrame:
    """Build a canonical frame from dict rows; missing columns become null, unknown keys fail."""
    schema = table_schema(table)
    rows = list(rows or [])
    allowed = set(schema)
    for keys in {frozenset(row) for row in rows}:
        if not keys <= allowed:
            raise KeyError(f"{table}: unknown columns {sorted(keys - allowed)}")
    return pl.DataFrame(rows, schema=schema, strict=False, infer_schema_length=None)


def conform(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Select and cast `df` to the canonical layout of `table` (missing columns become null)."""
    schema = table_schema(table)
    extra = set(df.columns) - set(schema)
    if extra:
        raise KeyError(f"{table}: unknown columns {sorted(extra)}")
    return df.select(
        [
            pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in schema.items()
        ]
    )


def normalise_whitespace(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Collapse whitespace in every text column; keep the published text in `published`.

    Idempotent: a frame normalised before passes unchanged (its `published` is kept). Only the
    rows a cheap scan finds something to change in (`_UNTIDY`) are rewritten.
    """
    if "published" not in df.columns:
        return df
    # numpy and pyarrow load with the first frame normalised, not with this module
    from core.untidy import candidate_rows

    columns = [
        c
        for c, t in TABLES[table].items()
        if t == pl.String and c not in VERBATIM_COLUMNS and c in df.columns
    ]
    # the cells a byte scan finds may be untidy (a superset: `core.untidy`), then matched with
    # `_UNTIDY` on those cells alone; only the columns some row changes are rewritten (often one)
    marked = {}
    for c in columns:
        rows = candidate_rows(df[c])
        if rows.len():
            rows = rows.filter(df[c].gather(rows).str.contains(_UNTIDY).fill_null(False))
            if rows.len():
                marked[c] = rows
    if not marked:
        return df
    columns = list(marked)
    at = pl.concat(marked.values()).unique().sort()
    touched = df[at]
    clean = {c: pl.col(c).str.replace_all(_WHITESPACE, " ").str.strip_chars(" ") for c in columns}
    # in one query over the touched rows: `published` as `json.dumps(..., ensure_ascii=False,
    # sort_keys=True)` writes it, built by polars; whether Python must write it instead (the
    # row already has one, merged, or holds a rare control code); the normalised texts
    done = touched.select(
        _published_json(columns).alias("_written"),
        (
            pl.col("published").is_not_null()
            | pl.any_horizontal(
                pl.col(c).str.contains(_RARE_CONTROL).fill_null(False) for c in columns
            )
        ).alias("_hard"),
        **clean,
    )
    written, hard, cleaned = done["_written"], done["_hard"], done.drop("_written", "_hard")
    if hard.any():
        rows = hard.arg_true()
        slow = touched[rows]
        published: list[str] = []
        for row, normal in zip(
            slow.iter_rows(named=True), cleaned[rows].iter_rows(named=True), strict=True
        ):
            kept = json.loads(row["published"]) if row["published"] else {}
            kept.update({c: row[c] for c in columns if row[c] is not None and row[c] != normal[c]})
            published.append(json.dumps(kept, ensure_ascii=False, sort_keys=True))
        written = written.scatter(rows, pl.Series(published, dtype=pl.String))
    # the rewritten rows put back in place, column by column (only the columns they change)
    updates = {c: df[c].scatter(at, cleaned[c]) for c in columns}
    return df.with_columns(published=df["published"].scatter(at, written), **updates)


# JSON's short escapes (`json.dumps` writes every other character below 0x20 as \u00XX).
_JSON_ESCAPES = (
    ("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
    ("\b", "\\b"), ("\f", "\\f"),
)  # fmt: skip
_RARE_CONTROL = r"[\x00-\x07\x0b\x0e-\x1f]"


def _published_json(columns: list[str]) -> pl.Expr:
    """{column: text as published} of the untidy columns, keys sorted, as `json.dumps` with
    `ensure_ascii=False` writes it (for texts without the rare control codes)."""
    pieces = []
    for c in sorted(columns):
        text = pl.col(c)
        for char, escape in _JSON_ESCAPES:
            text = text.str.replace_all(char, escape, literal=True)
        pieces.append(
            pl.when(pl.col(c).str.contains(_UNTIDY).fill_null(False)).then(
                pl.concat_str(pl.lit(f'{json.dumps(c)}: "'), text, pl.lit('"'))
            )
        )
    return pl.concat_str(
        pl.lit("{"), pl.concat_str(pieces, separator=", ", ignore_nulls=True), pl.lit("}")
    )


def note_legacy_codes(df: pl.DataFrame) -> pl.DataFrame:
    """A row whose country code is withdrawn or not ISO (CS, SU, YU, AN, XK) says what it means.

    The code is kept as published; the note of `core.countries.LEGACY_NOTES` is added to the
    row's `note` (once), and the published text stays in `raw`/`country_raw`/`place`.
    """
    if "country_code" not in df.columns or "note" not in df.columns:
        return df
    # only the rows with such a code are looked at (a few, often none), then put back in place
    at = df.get_column("country_code").is_in(list(LEGACY_NOTES)).arg_true()
    if at.len() == 0:
        return df
    meaning = pl.col("country_code").replace_strict(LEGACY_NOTES, default=None)
    present = pl.col("note").fill_null("").str.contains(meaning, literal=True)
    noted = df[at].select(
        pl.when(meaning.is_null() | present.fill_null(False))
        .then(pl.col("note"))
        .otherwise(pl.concat_str([pl.col("note"), meaning], separator="; ", ignore_nulls=True))
    )
    return df.with_columns(note=df.get_column("note").scatter(at, noted.to_series()))


# Issued documents: their label may name the issuer ("Bosnian Personal ID No.").
ISSUED_TYPES = ("passport", "national_id", "tax_id", "registration")


def issuer_from_label(df: pl.DataFrame) -> pl.DataFrame:
    """Issuing country of a document read from its label where the row has none.

    A label without a parenthesised country often names the issuer by its adjective or name
    (`Bosnian Personal ID No.`, `Kenyan ID No.`, `Italian Fiscal Code`, `US FEIN`): the country
    is read with `core.countries.country_in_text` and `country_raw` holds the label it was read
    from, as for a country read from a note. Only rows with neither code nor raw country.
    """
    open_rows = (
        pl.col("country_code").is_null()
        & pl.col("country_raw").is_null()
        & pl.col("label").is_not_null()
        & pl.col("id_type").is_in(ISSUED_TYPES)
    )
    labels = df.filter(open_rows).get_column("label").unique().to_list()
    found = {label: code for label in labels if (code := country_in_text(label))}
    if not found:
        return df
    code = pl.col("label").replace_strict(found, default=None, return_dtype=pl.String)
    hit = open_rows & code.is_not_null()
    return df.with_columns(
        country_code=pl.when(hit).then(code).otherwise(pl.col("country_code")),
        country_raw=pl.when(hit).then(pl.col("label")).otherwise(pl.col("country_raw")),
    )


@dataclass
class Unknown:
    """A field, element or code the parser did not recognise: reported, never silently dropped."""

    file: str
    locator: str
    what: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "locator": self.locator, "what": self.what, "value": self.value}


@dataclass
class ParseResult:
    """What a parser returns: canonical frames, staged (source-shaped) frames, and leftovers.

    `entry_count` is the number of source entries (top-level records) seen; the count check
    proves `entry_count == entities + rejects(kind='entry')`. `file_rows` counts the records of
    each file, so child-file accounting (every row of add.csv is an address or a reject) can be
    checked too; `merged_rows` counts records folded into an identical row (they are accounted
    as merged, not lost).
    """

    source: str
    tables: dict[str, pl.DataFrame]
    staged: dict[str, pl.DataFrame] = field(default_factory=dict)
    unknowns: list[Unknown] = field(default_factory=list)
    entry_count: int = 0
    declared_count: int | None = None
    file_rows: dict[str, int] = field(default_factory=dict)
    # rows of a child file folded into an identical canonical row (e.g. OFSI's repeated names)
    merged_rows: dict[str, int] = field(default_factory=dict)
    published_at: date | None = None
    format: str = ""

    def __post_init__(self) -> None:
        for name in TABLE_NAMES:
            df = self.tables.get(name)
            if df is None:
                df = frame(name)
            else:
                df = note_legacy_codes(normalise_whitespace(name, conform(name, df)))
                if name == "identifiers":
                    df = issuer_from_label(df)
                if name == "sanctions":
                    # from the source, never from the parser: a source not in JURISDICTIONS
                    # leaves it null, which the Sanctions model rejects
                    df = df.with_columns(
                        jurisdiction=pl.lit(JURISDICTIONS.get(self.source), dtype=pl.String)
                    )
            self.tables[name] = df.with_columns(source=pl.lit(self.source))

    def stamp(self, publication_id: str) -> ParseResult:
        """Return a copy whose every canonical row names `publication_id`."""
        tables = {
            name: df.with_columns(publication_id=pl.lit(publication_id))
            for name, df in self.tables.items()
        }
        return ParseResult(
            source=self.source,
            tables=tables,
            staged=self.staged,
            unknowns=self.unknowns,
            entry_count=self.entry_count,
            declared_count=self.declared_count,
            file_rows=self.file_rows,
            merged_rows=self.merged_rows,
            published_at=self.published_at,
            format=self.format,
        )

    def unknowns_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            [u.as_dict() for u in self.unknowns],
            schema={"file": pl.String, "locator": pl.String, "what": pl.String, "value": pl.String},
        )

    def counts(self) -> dict[str, int]:
        return {name: df.height for name, df in self.tables.items()}


def entity_id(source: str, source_id: str | int) -> str:
    """Stable ID across publications: `<source>-<publisher's own id>`."""
    return f"{source}-{source_id}"
