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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl
from lxml import etree

from assets.factory import Format, SourceSpec, source_assets
from core.canonical import ParseResult, Unknown
from core.countries import resolve
from core.dates import parse_fuzzy
from core.errors import SourceFormatError
from core.un_references import OLD_REFERENCE, un_reference_key
from core.xmlsafe import parse_xml
from resources.fetcher import FileSpec
from schemas.un_sc import MODELS as STAGED_MODELS
from schemas.un_sc import STAGED_SCHEMAS

SOURCE = "un_sc"
FILE_NAME = "consolidated.xml"
URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
AUTHORITY = "UN Security Council"
# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 877 entries on 2025-04-19 (the shipped snapshot); 1,093 on 2018-12-05 and
# 1,024 at the end of 2019 (sanctions-intelligence.com, Dec 2018 and Annual Review 2019/20);
# 1,003 on 2026-02-27.
SANITY_FLOOR = 87

ENTITY_TYPES = {"INDIVIDUAL": "person", "ENTITY": "organization"}
CONTAINERS = {"INDIVIDUALS": "INDIVIDUAL", "ENTITIES": "ENTITY"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ROOT_ATTRIBUTES = {"dateGenerated", f"{{{XSI}}}noNamespaceSchemaLocation"}

# The resolution that established each regime's sanctions committee (kept simple: the founding
# resolutions, not every later amendment).
LEGAL_BASIS = {
    "Al-Qaida": "UNSCR 1267 (1999), 1989 (2011), 2253 (2015)",
    "Taliban": "UNSCR 1988 (2011)",
    "DPRK": "UNSCR 1718 (2006)",
    "Iran": "UNSCR 1737 (2006)",
    "Iraq": "UNSCR 1518 (2003)",
    "DRC": "UNSCR 1533 (2004)",
    "Libya": "UNSCR 1970 (2011)",
    "Somalia": "UNSCR 751 (1992)",
    "CAR": "UNSCR 2127 (2013)",
    "Haiti": "UNSCR 2653 (2022)",
    "Yemen": "UNSCR 2140 (2014)",
    "GB": "UNSCR 2048 (2012)",
    "Sudan": "UNSCR 1591 (2005)",
    "SouthSudan": "UNSCR 2206 (2015)",
}

# Alias QUALITY → (name_type, quality): individuals are graded Good/Low, entities a.k.a./f.k.a.
QUALITIES = {
    "Good": ("alias", "strong"),
    "a.k.a.": ("alias", "strong"),
    "Low": ("alias", "low"),
    "f.k.a.": ("fka", "strong"),
}
DATE_TYPES = ("EXACT", "APPROXIMATELY", "BETWEEN")
# TYPE_OF_DOCUMENT (lower case, spaces collapsed) → id_type; anything else is `other`.
DOCUMENT_TYPES = {
    "passport": "passport",
    "numéro de passeport": "passport",
    "número de pasaporte": "passport",
    "national identification number": "national_id",
    "national identification no.": "national_id",
}

# UN (M49) country names that core.countries does not know yet.

# Entry-level elements, by how they are read.
SCALARS = (
    "DATAID", "VERSIONNUM", "FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME",
    "UN_LIST_TYPE", "REFERENCE_NUMBER", "LISTED_ON", "NAME_ORIGINAL_SCRIPT", "COMMENTS1",
    "GENDER", "SUBMITTED_BY", "SORT_KEY", "SORT_KEY_LAST_MOD",
)  # fmt: skip
NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
# how one ALIAS_NAME lists several spellings: semicolons, or an enumeration mark " b) "
ALIAS_LIST_SEPARATOR = r";|\s[a-z]\)\s"
# Lists written as <TAG><VALUE>…</VALUE>…</TAG>; the attribute each VALUE becomes.
VALUE_LISTS = {
    "TITLE": "title",
    "DESIGNATION": "designation",
    "NATIONALITY": None,  # a `countries` row
    "LIST_TYPE": "list_type",
    "LAST_DAY_UPDATED": "updated_on",
}
# Scalars kept as attribute rows (the others feed entities, names, identifiers, sanctions).
SCALAR_ATTRIBUTES = {
    "VERSIONNUM": "version",
    "GENDER": "gender",
    "SUBMITTED_BY": "submitted_by",
    "SORT_KEY": "sort_key",
    "SORT_KEY_LAST_MOD": "sort_key_last_mod",
}
ALIAS_FIELDS = (
    "QUALITY",
    "ALIAS_NAME",
    "DATE_OF_BIRTH",
    "CITY_OF_BIRTH",
    "COUNTRY_OF_BIRTH",
    "NOTE",
)
ADDRESS_FIELDS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", "NOTE")
DOB_FIELDS = ("TYPE_OF_DATE", "DATE", "YEAR", "FROM_YEAR", "TO_YEAR", "NOTE")
DOCUMENT_FIELDS = (
    "TYPE_OF_DOCUMENT", "TYPE_OF_DOCUMENT2", "NUMBER", "ISSUING_COUNTRY", "DATE_OF_ISSUE",
    "CITY_OF_ISSUE", "COUNTRY_OF_ISSUE", "NOTE",
)  # fmt: skip
# Structured child records: element → (staged table, its fields).
STRUCTS = {
    "INDIVIDUAL_ALIAS": ("aliases", ALIAS_FIELDS),
    "ENTITY_ALIAS": ("aliases", ALIAS_FIELDS),
    "INDIVIDUAL_ADDRESS": ("addresses", ADDRESS_FIELDS),
    "ENTITY_ADDRESS": ("addresses", ADDRESS_FIELDS),
    "INDIVIDUAL_DATE_OF_BIRTH": ("dates_of_birth", DOB_FIELDS),
    "INDIVIDUAL_PLACE_OF_BIRTH": ("places_of_birth", ADDRESS_FIELDS),
    "INDIVIDUAL_DOCUMENT": ("documents", DOCUMENT_FIELDS),
}
GROUPS = frozenset(VALUE_LISTS) | frozenset(STRUCTS)

# xs:date as the UN writes it, with an optional time-zone suffix (`2015-03-27-04:00`).
XS_DATE = r"^\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{2}:\d{2})?$"
_XS_DATE = re.compile(XS_DATE)
_YEAR = r"^\d{4}$"
_DOC_NOISE = re.compile(r"[\s.\-]")
# A document number: tokens that each hold a digit, after an optional short upper-case series
# prefix ("OB 0243318"). A value that is only that is plain; otherwise the number ending the
# description is taken ("Afghan passport number SE 012820").
_NUMBER_TOKEN = r"[A-Za-z0-9./\-]*\d[A-Za-z0-9./\-]*"
_SERIES = r"(?:[A-Z]{1,3}(?:-[A-Z]{1,3})?\s)?"
_PLAIN_NUMBER = re.compile(rf"^{_SERIES}{_NUMBER_TOKEN}(?:\s+{_NUMBER_TOKEN})*$")
_TRAILING_NUMBER = re.compile(rf"(?:^|\s)({_SERIES}{_NUMBER_TOKEN})$")
# A remark after the number: "(Expired 25 Jan. 2016)", ", South Sudan".
_TRAILING_REMARK = re.compile(r"\s*(?:\([^()]*\)|,[^,\d]*)\s*$")
# Elements below a leaf (root/container/entry/child/leaf/…): the format has none.
_NESTED = etree.XPath("*/*/*/*/*")


# --- value helpers (plain Python, used on unique values only) -------------------------------


def parse_xs_date(value: str | None) -> date | None:
    """`YYYY-MM-DD`, optionally with a time-zone suffix (the calendar date is kept as written)."""
    if not value or not _XS_DATE.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _generated(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return parse_xs_date(value)


def country(raw: str | None) -> str | None:
    """ISO alpha-2 for a country as the UN writes it (UN M49 names first), else None."""
    if not raw:
        return None
    return resolve(raw)


def script_of(name: str) -> str | None:
    """Writing system of a name, from its first letter (Arabic, Cyrillic, Latin, Han…)."""
    for ch in name:
        if ch.isalpha():
            word = unicodedata.name(ch, "").split(" ", 1)[0]
            return {"CJK": "Han"}.get(word, word.title()) or None
    return None


def normalize_document(value: str) -> str | None:
    """Comparable document number: upper case without spaces, dots and dashes.

    The UN often writes a description around the number ("CAR diplomatic passport no.
    D00000898", "381110042 (Expired 25 Jan. 2016)"); then the trailing number is used, and when
    none can be told apart the normalised form is left empty rather than guessed.
    """
    core = _TRAILING_REMARK.sub("", value).strip() or value.strip()
    if _PLAIN_NUMBER.match(core):
        return _DOC_NOISE.sub("", core).upper()
    if m := _TRAILING_NUMBER.search(core):
        return _DOC_NOISE.sub("", m.group(1)).upper()
    return None


# --- polars expressions -----------------------------------------------------------------------


def _xs_date(column: str) -> pl.Expr:
    col = pl.col(column)
    return pl.when(col.str.contains(XS_DATE)).then(
        col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    )


def _year(column: str, month: int, day: int) -> pl.Expr:
    col = pl.col(column)
    return pl.when(col.str.contains(_YEAR)).then(
        pl.date(col.cast(pl.Int32, strict=False), month, day)
    )


def _mapped(column: str, fn: Callable[[str], str | None]) -> pl.Expr:
    """`fn` applied to each distinct value of `column` (a few hundred at most), mapped back."""

    def apply(values: pl.Series) -> pl.Series:
        mapping = {v: fn(v) for v in values.drop_nulls().unique().to_list()}
        return values.replace_strict(mapping, default=None, return_dtype=pl.String)

    return pl.col(column).map_batches(apply, return_dtype=pl.String)


def _joined(*columns: str, separator: str = ", ") -> pl.Expr:
    text = pl.concat_str([pl.col(c) for c in columns], separator=separator, ignore_nulls=True)
    return pl.when(text != "").then(text)


def _key(*parts: str) -> str:
    return "/".join((FILE_NAME, *parts))


# --- flattening -----------------------------------------------------------------------------


@dataclass
class _Flat:
    """The tree as columns, read in one pass; the elements are kept only to quote rejects."""

    entries: pl.DataFrame  # entry, kind, line and one column per scalar element
    structs: dict[str, pl.DataFrame]  # staged table → gid, entry, group and one column per field
    values: pl.DataFrame  # entry, group, text: one row per VALUE of a value list
    others: pl.DataFrame  # entry, group, tag, text: elements this parser does not know
    repeats: pl.DataFrame  # entry, tag, text: elements written twice where once is expected
    elements: list[etree._Element]  # by entry number
    groups: list[etree._Element]  # by group number (gid)
    nested: list[tuple[int, etree._Element]]  # (entry, element) deeper than the format goes


@dataclass
class _Family:
    """Records of one staged table while flattening: each field kept as (row, text) pairs."""

    entries: list[int] = field(default_factory=list)
    gids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    fields: dict[str, tuple[list[int], list[str]]] = field(default_factory=dict)

    def frame(self) -> pl.DataFrame:
        n = len(self.entries)
        columns: dict[str, list[str | None]] = {}
        for name, (rows, texts) in self.fields.items():
            column: list[str | None] = [None] * n
            for row, text in zip(rows, texts, strict=True):
                column[row] = text
            columns[name] = column
        return pl.DataFrame(
            {"gid": self.gids, "entry": self.entries, "group": self.tags, **columns},
            schema={"gid": pl.Int64, "entry": pl.Int64, "group": pl.String}
            | dict.fromkeys(columns, pl.String),
        )


def _flatten(root: etree._Element, unknowns: list[Unknown]) -> _Flat:
    """One pass over the tree into columns: appends and dict look-ups only."""
    containers = {child.tag: child for child in root if child.tag in CONTAINERS}
    for missing in sorted(set(CONTAINERS) - set(containers)):
        raise SourceFormatError(FILE_NAME, "CONSOLIDATED_LIST", f"no {missing} element")
    for child in root:
        if child.tag not in CONTAINERS:
            where, what = f"line {child.sourceline}", f"element CONSOLIDATED_LIST/{child.tag}"
            unknowns.append(Unknown(FILE_NAME, where, what, _all_text(child)))
    kinds: list[str] = []
    lines: list[int] = []
    elements: list[etree._Element] = []
    groups: list[etree._Element] = []
    size = sum(len(c) for c in containers.values())
    scalars: dict[str, list[str | None]] = {tag: [None] * size for tag in SCALARS}
    value_entries: list[int] = []
    value_groups: list[str] = []
    value_texts: list[str | None] = []
    others: list[tuple[int, str | None, str, str | None]] = []
    repeats: list[tuple[int, str, str]] = []
    families: dict[str, _Family] = {}
    for table, fields in STRUCTS.values():
        families.setdefault(table, _Family(fields={f: ([], []) for f in fields}))
    family_of = {group: families[table] for group, (table, _) in STRUCTS.items()}
    for container, record in CONTAINERS.items():
        for el in containers[container]:
            if el.tag != record:
                where, what = f"line {el.sourceline}", f"element {container}/{el.tag}"
                unknowns.append(Unknown(FILE_NAME, where, what, _all_text(el)))
                continue
            entry = len(kinds)
            kinds.append(record)
            lines.append(el.sourceline)
            elements.append(el)
            # The hot loop (about 40,000 elements): no per-record logic, that is done on columns.
            for child in el:
                tag = child.tag
                column = scalars.get(tag)
                if column is not None:
                    text = child.text
                    if text:
                        text = text.strip()
                    if len(child):  # SUBMITTED_BY may be written as a list of VALUEs
                        text = _value_text(child)
                    if text:
                        if column[entry] is not None:
                            repeats.append((entry, tag, text))
                            text = f"{column[entry]}; {text}"
                        column[entry] = text
                    continue
                family = family_of.get(tag)
                if family is not None:
                    if not len(child):
                        # `<INDIVIDUAL_DOCUMENT/>` is the UN's way of writing "none"
                        if child.text and child.text.strip():
                            others.append((entry, None, tag, child.text.strip()))
                        continue
                    row = len(family.entries)
                    family.entries.append(entry)
                    family.gids.append(len(groups))
                    family.tags.append(tag)
                    groups.append(child)
                    fields = family.fields
                    for leaf in child:
                        pair = fields.get(leaf.tag)
                        text = leaf.text
                        if text:
                            text = text.strip()
                        if pair is None:
                            others.append((entry, tag, leaf.tag, text or None))
                        elif text:
                            rows, texts = pair
                            if rows and rows[-1] == row:
                                repeats.append((entry, f"{tag}/{leaf.tag}", text))
                                texts[-1] = f"{texts[-1]}; {text}"
                            else:
                                rows.append(row)
                                texts.append(text)
                elif tag in VALUE_LISTS:
                    if not len(child) and child.text and child.text.strip():
                        others.append((entry, None, tag, child.text.strip()))
                    for leaf in child:
                        text = leaf.text
                        if text:
                            text = text.strip() or None
                        if leaf.tag == "VALUE":
                            value_entries.append(entry)
                            value_groups.append(tag)
                            value_texts.append(text)
                        else:
                            others.append((entry, tag, leaf.tag, text))
                else:
                    others.append((entry, None, tag, _all_text(child) or None))
    count = len(kinds)
    index = {el: i for i, el in enumerate(elements)} if (deep := _NESTED(root)) else {}
    nested = [
        (index[el.getparent().getparent().getparent()], el)
        for el in deep
        if el.getparent().getparent().tag in GROUPS | set(SCALARS)
        and el.getparent().getparent().getparent() in index
    ]
    entries = pl.DataFrame(
        {
            "entry": range(count),
            "kind": kinds,
            "line": lines,
            **{t: c[:count] for t, c in scalars.items()},
        },
        schema={
            "entry": pl.Int64,
            "kind": pl.String,
            "line": pl.Int64,
            **dict.fromkeys(SCALARS, pl.String),
        },
    )
    structs = {table: family.frame() for table, family in families.items()}
    return _Flat(
        entries=entries,
        structs=structs,
        values=pl.DataFrame(
            {"entry": value_entries, "group": value_groups, "text": value_texts},
            schema={"entry": pl.Int64, "group": pl.String, "text": pl.String},
        ),
        others=pl.DataFrame(
            others,
            schema={"entry": pl.Int64, "group": pl.String, "tag": pl.String, "text": pl.String},
            orient="row",
        ),
        repeats=pl.DataFrame(
            repeats,
            schema={"entry": pl.Int64, "tag": pl.String, "text": pl.String},
            orient="row",
        ),
        elements=elements,
        groups=groups,
        nested=nested,
    )


def _value_text(el: etree._Element) -> str | None:
    """Text of a scalar element written with children (a list of VALUEs), its own text first."""
    parts = [el.text, *(c.text for c in el)]
    return "; ".join(p.strip() for p in parts if p and p.strip()) or None


def _raw(el: etree._Element) -> str:
    """The element as written (lxml repeats the root's namespace declaration on a subtree)."""
    return etree.tostring(el, encoding="unicode").replace(f' xmlns:xsi="{XSI}"', "", 1)


def _all_text(el: etree._Element) -> str:
    return " ".join(t.strip() for t in el.itertext() if t.strip())


# --- building the tables --------------------------------------------------------------------

REJECT_SCHEMA = {
    "kind": pl.String,
    "file": pl.String,
    "locator": pl.String,
    "reason": pl.String,
    "raw": pl.String,
}


@dataclass
class _Build:
    """Canonical rows per table, staged frames, unknowns and per-element record counts.

    The table builders below are written as lazy queries over shared, already materialised
    frames; each is run as soon as it is added (the in-memory engine, one query at a time).
    """

    rows: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    staged: dict[str, pl.DataFrame] = field(default_factory=dict)
    unknowns: list[Unknown] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, frame: pl.DataFrame | pl.LazyFrame) -> None:
        df = _collect(frame)
        if df.height:
            self.rows.setdefault(table, []).append(df)

    def stage(self, table: str, frame: pl.DataFrame | pl.LazyFrame) -> None:
        self.staged[table] = _collect(frame)

    def report(self, frame: pl.DataFrame | pl.LazyFrame, what: str, value: str = "text") -> None:
        """Each row (columns line, dataid…) becomes an unknown; `what` may name columns."""
        for row in _collect(frame).iter_rows(named=True):
            locator = f"line {row['line']}, DATAID {row['dataid']}"
            self.unknowns.append(Unknown(FILE_NAME, locator, what.format(**row), row[value] or ""))

    def count(self, frame: pl.DataFrame | pl.LazyFrame) -> None:
        """Records per element (`group` column) for `file_rows`."""
        for group, n in _collect(frame.lazy().group_by("group").len()).iter_rows():
            self.counts[_key(group)] = n

    def tables(self) -> dict[str, pl.DataFrame]:
        return {t: pl.concat(dfs, how="diagonal_relaxed") for t, dfs in self.rows.items()}


def _collect(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    # In-memory engine: the streaming engine of polars 2.1 panics on some of these small queries.
    return frame.collect(engine="in-memory") if isinstance(frame, pl.LazyFrame) else frame


def _entries(out: _Build, flat: _Flat) -> pl.DataFrame:
    """Entries taken (with entity_id); duplicate DATAIDs refused, unusable entries rejected."""
    table = flat.entries.with_columns(
        dataid=pl.col("DATAID"),
        primary_name=_joined(*NAME_PARTS, separator=" "),
        listed_on=_xs_date("LISTED_ON"),
        reason=pl.when(~pl.col("DATAID").fill_null("").str.contains(r"^\d+$"))
        .then(pl.format("missing or non-numeric DATAID {}", pl.col("DATAID").fill_null("(none)")))
        .when(pl.concat_str(*NAME_PARTS, ignore_nulls=True) == "")
        .then(pl.lit("no name (FIRST_NAME…FOURTH_NAME all empty)")),
    )
    _refuse_duplicates(table)
    out.stage(
        "entries",
        table.lazy().select(
            pl.col("DATAID").cast(pl.Int64, strict=False).alias("dataid"),
            pl.col("kind").alias("record_type"),
            *(pl.col(tag).alias(tag.lower()) for tag in SCALARS if tag != "DATAID"),
        ),
    )
    taken = table.filter(pl.col("reason").is_null())
    if taken.height < table.height:
        rejected = table.filter(pl.col("reason").is_not_null())
        locators = [
            f"line {r['line']}, {r['kind']} (DATAID {r['dataid']})"
            for r in rejected.iter_rows(named=True)
        ]
        raws = [_raw(flat.elements[i]) for i in rejected["entry"]]
        out.add(
            "rejects",
            pl.DataFrame(
                {
                    "kind": "entry",
                    "file": FILE_NAME,
                    "locator": locators,
                    "reason": rejected["reason"],
                    "raw": raws,
                },
                schema=REJECT_SCHEMA,
            ),
        )
    taken = taken.with_columns(entity_id=pl.format(f"{SOURCE}-{{}}", "DATAID"))
    ids = taken.lazy().select("entry", "entity_id", "dataid", "line")
    out.report(flat.repeats.lazy().join(ids, on="entry"), "repeated element {tag}")
    others = (
        flat.others.lazy()
        .join(ids, on="entry")
        .with_columns(path=pl.concat_str("group", "tag", separator="/", ignore_nulls=True))
    )
    out.report(others, "element {path}")
    out.add(
        "attributes",
        others.filter(pl.col("text").is_not_null()).select(
            "entity_id",
            attribute=pl.col("path").str.replace_all("/", "_").str.to_lowercase(),
            value="text",
            origin=pl.format(f"{FILE_NAME}/{{}}", "path"),
        ),
    )
    for entry, el in flat.nested:
        match = taken.filter(pl.col("entry") == entry)
        if match.height:
            parent = el.getparent()
            path = f"{parent.getparent().tag}/{parent.tag}/{el.tag}"
            value = _all_text(el)
            where = f"line {el.sourceline}, DATAID {match['dataid'][0]}"
            out.unknowns.append(Unknown(FILE_NAME, where, f"nested element {path}", value))
            if value:
                row = {
                    "entity_id": match["entity_id"][0],
                    "attribute": path.replace("/", "_").lower(),
                    "value": value,
                    "origin": _key(path),
                }
                out.add("attributes", pl.DataFrame([row]))
    return taken


def _refuse_duplicates(table: pl.DataFrame) -> None:
    dupes = table.filter(pl.col("DATAID").is_not_null() & pl.col("DATAID").is_duplicated())
    if dupes.height:
        first = dupes.filter(pl.col("DATAID") == dupes["DATAID"][0])
        places = " and ".join(
            f"line {line} ({kind})" for line, kind in first.select("line", "kind").iter_rows()
        )
        raise SourceFormatError(FILE_NAME, places, f"duplicate DATAID {dupes['DATAID'][0]}")


def _entity_rows(out: _Build, taken: pl.DataFrame, last_updated: pl.LazyFrame) -> None:
    """entities, primary and original-script names, UN reference, sanctions, scalar attributes."""
    lf = taken.lazy()
    out.add(
        "entities",
        lf.join(last_updated, on="entry", how="left").select(
            "entity_id",
            source_id="DATAID",
            entity_type=pl.col("kind").replace_strict(ENTITY_TYPES, return_dtype=pl.String),
            primary_name="primary_name",
            listed_on="listed_on",
            last_updated="last_updated",
            remarks="COMMENTS1",
        ),
    )
    out.add(
        "names",
        lf.select(
            "entity_id",
            name="primary_name",
            name_type=pl.lit("primary"),
            origin=pl.lit(_key("FIRST_NAME")),
        ),
    )
    out.add(
        "names",
        lf.filter(pl.col("NAME_ORIGINAL_SCRIPT").is_not_null()).select(
            "entity_id",
            name="NAME_ORIGINAL_SCRIPT",
            name_type=pl.lit("original_script"),
            script=_mapped("NAME_ORIGINAL_SCRIPT", script_of),
            origin=pl.lit(_key("NAME_ORIGINAL_SCRIPT")),
        ),
    )
    out.add(
        "identifiers",
        lf.filter(pl.col("REFERENCE_NUMBER").is_not_null()).select(
            "entity_id",
            id_type=pl.lit("un_reference"),
            label=pl.lit("UN reference number"),
            value="REFERENCE_NUMBER",
            normalized=pl.col("REFERENCE_NUMBER").map_elements(
                un_reference_key, return_dtype=pl.String
            ),
            origin=pl.lit(_key("REFERENCE_NUMBER")),
        ),
    )
    # the party's older numbers, kept in the comments (`[Old Reference # I.47.D.2]`): older
    # UK and EU files quote them (`core.un_references`)
    old = (
        lf.select(
            "entity_id",
            old=pl.col("COMMENTS1").str.extract_all(OLD_REFERENCE.pattern),
        )
        .explode("old")
        .filter(pl.col("old").is_not_null())
        .with_columns(
            pl.col("old").str.replace(r"^Old Reference\s*#\s*", "").str.replace(r"\s*\]$", "")
        )
    )
    out.add(
        "identifiers",
        old.select(
            "entity_id",
            id_type=pl.lit("un_reference"),
            label=pl.lit("Old reference number (comments)"),
            value="old",
            normalized=pl.col("old").map_elements(un_reference_key, return_dtype=pl.String),
            origin=pl.lit(_key("COMMENTS1")),
        ),
    )
    out.add(
        "sanctions",
        lf.select(
            "entity_id",
            authority=pl.lit(AUTHORITY),
            program="UN_LIST_TYPE",
            legal_basis=pl.col("UN_LIST_TYPE").replace_strict(
                LEGAL_BASIS, default=None, return_dtype=pl.String
            ),
            listed_on="listed_on",
            origin=pl.lit(_key("UN_LIST_TYPE")),
        ),
    )
    regime = pl.col("UN_LIST_TYPE")
    out.report(
        lf.filter(regime.is_not_null() & ~regime.is_in(list(LEGAL_BASIS))),
        "UN_LIST_TYPE (no legal basis known)",
        "UN_LIST_TYPE",
    )
    bad_listing = lf.filter(pl.col("LISTED_ON").is_not_null() & pl.col("listed_on").is_null())
    out.report(bad_listing, "LISTED_ON date format", "LISTED_ON")
    out.add(
        "attributes",
        bad_listing.select(
            "entity_id",
            attribute=pl.lit("listed_on_text"),
            value="LISTED_ON",
            origin=pl.lit(_key("LISTED_ON")),
        ),
    )
    out.add(
        "attributes",
        lf.unpivot(
            index="entity_id", on=list(SCALAR_ATTRIBUTES), variable_name="tag", value_name="value"
        )
        .filter(pl.col("value").is_not_null())
        .select(
            "entity_id",
            attribute=pl.col("tag").replace_strict(SCALAR_ATTRIBUTES, return_dtype=pl.String),
            value="value",
            origin=pl.format(f"{FILE_NAME}/{{}}", "tag"),
        ),
    )


def _value_lists(out: _Build, flat: _Flat, ids: pl.LazyFrame) -> pl.LazyFrame:
    """TITLE, DESIGNATION, NATIONALITY, LIST_TYPE and LAST_DAY_UPDATED values.

    Returns the latest LAST_DAY_UPDATED date of each entry.
    """
    values = (  # materialised once, read by every query below
        flat.values.lazy()
        .filter(pl.col("text").is_not_null())
        .join(ids, on="entry")
        .pipe(_collect)
        .lazy()
    )
    out.count(values)
    out.stage(
        "values", values.select(pl.col("dataid").cast(pl.Int64), element="group", value="text")
    )
    values = values.with_columns(origin=pl.format(f"{FILE_NAME}/{{}}", "group"))
    out.add(
        "countries",
        values.filter(pl.col("group") == "NATIONALITY").select(
            "entity_id",
            country_code=_mapped("text", country),
            raw="text",
            relation=pl.lit("nationality"),
            origin="origin",
        ),
    )
    attributes = {k: v for k, v in VALUE_LISTS.items() if v}
    out.add(
        "attributes",
        values.filter(pl.col("group").is_in(list(attributes))).select(
            "entity_id",
            attribute=pl.col("group").replace_strict(attributes, return_dtype=pl.String),
            value="text",
            origin="origin",
        ),
    )
    updates = values.filter(pl.col("group") == "LAST_DAY_UPDATED").with_columns(
        day=_xs_date("text")
    )
    out.report(updates.filter(pl.col("day").is_null()), "LAST_DAY_UPDATED date format")
    return updates.group_by("entry").agg(last_updated=pl.col("day").max())


def _structs(out: _Build, flat: _Flat, ids: pl.LazyFrame) -> dict[str, pl.LazyFrame]:
    """Aliases, addresses, dates and places of birth, documents: records of the entries taken.

    A record is a structured element with at least one known field written; the count per
    element is what `records_accounted` checks the emitted rows against.
    """
    records: dict[str, pl.LazyFrame] = {}
    for table, frame in flat.structs.items():
        fields = [c for c in frame.columns if c not in ("gid", "entry", "group")]
        written = pl.any_horizontal(pl.col(f).is_not_null() for f in fields)
        # materialised once: every builder below reads these records several times
        records[table] = frame.lazy().filter(written).join(ids, on="entry").pipe(_collect).lazy()
        out.count(records[table])
        out.stage(
            table,
            records[table].select(
                pl.col("dataid").cast(pl.Int64),
                pl.col("group").alias("element"),
                *(pl.col(f).alias(f.lower()) for f in fields),
            ),
        )
    return records


def _struct_rejects(out: _Build, flat: _Flat, frame: pl.LazyFrame, kind: str, reason: str) -> None:
    """Records not taken, quoted as written (the element is looked up by its group number)."""
    df = _collect(frame.select("gid", "group", "dataid"))
    locators = [
        f"line {flat.groups[g].sourceline}, {group} of DATAID {d}" for g, group, d in df.iter_rows()
    ]
    rows = {
        "kind": kind,
        "file": [_key(g) for g in df["group"]],
        "locator": locators,
        "reason": reason,
        "raw": [_raw(flat.groups[g]) for g in df["gid"]],
    }
    out.add("rejects", pl.DataFrame(rows, schema=REJECT_SCHEMA))


def _aliases(out: _Build, flat: _Flat, lf: pl.LazyFrame) -> None:
    _struct_rejects(
        out, flat, lf.filter(pl.col("ALIAS_NAME").is_null()), "name", "alias without ALIAS_NAME"
    )
    lf = lf.filter(pl.col("ALIAS_NAME").is_not_null())
    out.report(
        lf.filter(~pl.col("QUALITY").fill_null("").is_in(list(QUALITIES))),
        "alias QUALITY",
        "QUALITY",
    )
    name_types = {k: v[0] for k, v in QUALITIES.items()}
    grades = {k: v[1] for k, v in QUALITIES.items()}
    # One ALIAS_NAME may list several spellings ("Qasim Soleimani; Qasem Sulaimani; …", "… b)
    # M. Javad Kareemi Sabet"): the name as published stays, and each spelling is also a name
    # of its own (derived rows, origin …/ALIAS_NAME). A list whose split would cut a bracket
    # ("البغدادي (Abu Bakr al-Baghdadi …; Abu Bakr al-Baghdadi)") is left whole.
    spellings = (
        lf.filter(pl.col("ALIAS_NAME").str.contains(ALIAS_LIST_SEPARATOR))
        .with_columns(
            spelling=pl.col("ALIAS_NAME")
            .str.replace_all(ALIAS_LIST_SEPARATOR, ";")
            .str.split(";")
            .list.eval(pl.element().str.strip_chars())
            .list.filter(pl.element() != "")
        )
        .filter(
            pl.col("spelling")
            .list.eval(
                pl.element().str.count_matches(r"\(", literal=False)
                == pl.element().str.count_matches(r"\)", literal=False)
            )
            .list.all()
        )
        .explode("spelling")
    )
    published = lf.with_columns(
        name=pl.col("ALIAS_NAME"), origin=pl.format(f"{FILE_NAME}/{{}}", "group")
    )
    split = spellings.with_columns(
        name=pl.col("spelling"), origin=pl.format(f"{FILE_NAME}/{{}}/ALIAS_NAME", "group")
    )
    out.add(
        "names",
        pl.concat(
            [f.select("entity_id", "name", "QUALITY", "origin") for f in (published, split)]
        ).select(
            "entity_id",
            "name",
            name_type=pl.col("QUALITY").replace_strict(
                name_types, default="alias", return_dtype=pl.String
            ),
            quality=pl.col("QUALITY").replace_strict(grades, default=None, return_dtype=pl.String),
            origin="origin",
        ),
    )
    births = lf.filter(pl.col("DATE_OF_BIRTH").is_not_null()).with_columns(
        day=_xs_date("DATE_OF_BIRTH"),
        year_from=_year("DATE_OF_BIRTH", 1, 1),
        year_to=_year("DATE_OF_BIRTH", 12, 31),
        origin=pl.format(f"{FILE_NAME}/{{}}/DATE_OF_BIRTH", "group"),
    )
    readable = pl.col("day").is_not_null() | pl.col("year_from").is_not_null()
    out.add(
        "birth_dates",
        births.filter(readable).select(
            "entity_id",
            raw="DATE_OF_BIRTH",
            date_from=pl.coalesce("day", "year_from"),
            date_to=pl.coalesce("day", "year_to"),
            precision=pl.when(pl.col("day").is_not_null())
            .then(pl.lit("day"))
            .otherwise(pl.lit("year")),
            circa=pl.lit(False),
            origin="origin",
        ),
    )
    unreadable = births.filter(~readable)
    out.report(unreadable, "alias DATE_OF_BIRTH format", "DATE_OF_BIRTH")
    out.add(
        "attributes",
        unreadable.select(
            "entity_id",
            attribute=pl.lit("birth_date_text"),
            value=pl.format("{}: {}", "ALIAS_NAME", "DATE_OF_BIRTH"),
            origin="origin",
        ),
    )
    out.add(
        "birth_places",
        lf.filter(
            pl.col("CITY_OF_BIRTH").is_not_null() | pl.col("COUNTRY_OF_BIRTH").is_not_null()
        ).select(
            "entity_id",
            place=_joined("CITY_OF_BIRTH", "COUNTRY_OF_BIRTH"),
            country_code=_mapped("COUNTRY_OF_BIRTH", country),
            origin=pl.format(f"{FILE_NAME}/{{}}/PLACE_OF_BIRTH", "group"),
        ),
    )
    out.add(
        "attributes",
        lf.filter(pl.col("NOTE").is_not_null()).select(
            "entity_id",
            attribute=pl.lit("alias_note"),
            value=pl.format("{}: {}", "ALIAS_NAME", "NOTE"),
            origin=pl.format(f"{FILE_NAME}/{{}}/NOTE", "group"),
        ),
    )


def _addresses(out: _Build, lf: pl.LazyFrame) -> None:
    out.add(
        "addresses",
        lf.select(
            "entity_id",
            full_address=_joined("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"),
            street="STREET",
            city="CITY",
            region="STATE_PROVINCE",
            postal_code="ZIP_CODE",
            country_code=_mapped("COUNTRY", country),
            country_raw="COUNTRY",
            note="NOTE",
            origin=pl.format(f"{FILE_NAME}/{{}}", "group"),
        ),
    )


BIRTH_COLUMNS = ("entity_id", "raw", "date_from", "date_to", "precision", "circa", "origin")


def _dates_of_birth(out: _Build, lf: pl.LazyFrame) -> None:
    """EXACT/APPROXIMATELY with DATE or YEAR, BETWEEN with FROM_YEAR/TO_YEAR, or a NOTE alone."""
    kind = pl.col("TYPE_OF_DATE")
    out.report(
        lf.filter(kind.is_not_null() & ~kind.is_in(DATE_TYPES)), "TYPE_OF_DATE", "TYPE_OF_DATE"
    )
    has_range = pl.col("FROM_YEAR").is_not_null() | pl.col("TO_YEAR").is_not_null()
    ordered = pl.col("FROM_YEAR").cast(pl.Int32, strict=False) <= pl.col("TO_YEAR").cast(
        pl.Int32, strict=False
    )
    written = pl.coalesce("DATE", "YEAR", _joined("FROM_YEAR", "TO_YEAR", separator="-"))
    lf = (
        lf.with_columns(
            text=written,
            raw=pl.when(kind == "APPROXIMATELY")
            .then(pl.format("approximately {}", written))
            .otherwise(written),
            date_from=pl.when(pl.col("DATE").is_not_null())
            .then(_xs_date("DATE"))
            .when(pl.col("YEAR").is_not_null())
            .then(_year("YEAR", 1, 1))
            .when(has_range & ordered)
            .then(_year("FROM_YEAR", 1, 1)),
            date_to=pl.when(pl.col("DATE").is_not_null())
            .then(_xs_date("DATE"))
            .when(pl.col("YEAR").is_not_null())
            .then(_year("YEAR", 12, 31))
            .when(has_range & ordered)
            .then(_year("TO_YEAR", 12, 31)),
            precision=pl.when(pl.col("DATE").is_not_null())
            .then(pl.lit("day"))
            .when(pl.col("YEAR").is_not_null())
            .then(pl.lit("year"))
            .otherwise(pl.lit("range")),
            circa=(kind == "APPROXIMATELY").fill_null(False)
            | pl.col("NOTE").str.to_lowercase().str.starts_with("approximately").fill_null(False),
            origin=pl.lit(_key("INDIVIDUAL_DATE_OF_BIRTH")),
        )
        .pipe(_collect)
        .lazy()
    )
    readable = pl.col("date_from").is_not_null() & pl.col("date_to").is_not_null()
    out.add("birth_dates", lf.filter(pl.col("text").is_not_null() & readable).select(BIRTH_COLUMNS))
    unreadable = lf.filter(pl.col("text").is_not_null() & ~readable)
    out.report(unreadable, "date of birth format")
    out.add(
        "attributes",
        unreadable.select(
            "entity_id",
            attribute=pl.lit("birth_date_text"),
            value=_joined("TYPE_OF_DATE", "text", separator=" "),
            origin="origin",
        ),
    )
    out.add(
        "attributes",
        lf.filter(pl.col("text").is_not_null() & pl.col("NOTE").is_not_null()).select(
            "entity_id",
            attribute=pl.lit("birth_date_note"),
            value="NOTE",
            origin=pl.lit(_key("INDIVIDUAL_DATE_OF_BIRTH", "NOTE")),
        ),
    )

    _dates_from_notes(out, _collect(lf.filter(pl.col("text").is_null())))


def _dates_from_notes(out: _Build, df: pl.DataFrame) -> None:
    """A NOTE alone (`Nov. 1973`) is read as free text; what still fails is kept as text."""
    dates, kept = [], []
    for row in df.iter_rows(named=True):
        parsed = parse_fuzzy(row["NOTE"])
        if parsed is not None:
            circa = row["circa"] or parsed.circa
            dates.append({**{c: row[c] for c in BIRTH_COLUMNS}, **parsed.as_row(), "circa": circa})
            continue
        where = f"line {row['line']}, DATAID {row['dataid']}"
        out.unknowns.append(Unknown(FILE_NAME, where, "date of birth format", row["NOTE"]))
        text = f"{row['TYPE_OF_DATE'] or ''} {row['NOTE']}".strip()
        kept.append(
            {
                "entity_id": row["entity_id"],
                "attribute": "birth_date_text",
                "value": text,
                "origin": row["origin"],
            }
        )
    out.add("birth_dates", pl.DataFrame(dates, schema=df.select(BIRTH_COLUMNS).schema))
    out.add(
        "attributes",
        pl.DataFrame(
            kept, schema=dict.fromkeys(("entity_id", "attribute", "value", "origin"), pl.String)
        ),
    )


def _places_of_birth(out: _Build, lf: pl.LazyFrame) -> None:
    lf = lf.with_columns(place=_joined("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"))
    out.add(
        "birth_places",
        lf.select(
            "entity_id",
            place=pl.coalesce("place", "NOTE"),
            country_code=_mapped("COUNTRY", country),
            origin=pl.lit(_key("INDIVIDUAL_PLACE_OF_BIRTH")),
        ),
    )
    out.add(
        "attributes",
        lf.filter(pl.col("place").is_not_null() & pl.col("NOTE").is_not_null()).select(
            "entity_id",
            attribute=pl.lit("birth_place_note"),
            value="NOTE",
            origin=pl.lit(_key("INDIVIDUAL_PLACE_OF_BIRTH", "NOTE")),
        ),
    )


def _documents(out: _Build, flat: _Flat, lf: pl.LazyFrame) -> None:
    _struct_rejects(
        out,
        flat,
        lf.filter(pl.col("NUMBER").is_null()),
        "identifier",
        "document without NUMBER (details only in its text)",
    )
    lf = lf.filter(pl.col("NUMBER").is_not_null()).with_columns(
        label=pl.col("TYPE_OF_DOCUMENT").str.replace_all(r"\s+", " "),
        issuing=pl.coalesce("ISSUING_COUNTRY", "COUNTRY_OF_ISSUE"),
    )
    lf = lf.with_columns(
        id_type=pl.col("label")
        .str.to_lowercase()
        .replace_strict(DOCUMENT_TYPES, default=None, return_dtype=pl.String)
    )
    out.report(lf.filter(pl.col("id_type").is_null()), "TYPE_OF_DOCUMENT", "TYPE_OF_DOCUMENT")
    other_country = (
        pl.col("COUNTRY_OF_ISSUE").is_not_null()
        & pl.col("ISSUING_COUNTRY").is_not_null()
        & (pl.col("COUNTRY_OF_ISSUE") != pl.col("ISSUING_COUNTRY"))
    )
    note = pl.concat_str(
        [
            pl.format("issued {}", "DATE_OF_ISSUE"),
            pl.format("issued in {}", "CITY_OF_ISSUE"),
            pl.when(other_country).then(pl.format("country of issue {}", "COUNTRY_OF_ISSUE")),
            pl.col("NOTE"),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    out.add(
        "identifiers",
        lf.select(
            "entity_id",
            id_type=pl.col("id_type").fill_null("other"),
            label=pl.coalesce(
                pl.format("{} ({})", "label", "TYPE_OF_DOCUMENT2"), "label", "TYPE_OF_DOCUMENT2"
            ),
            value="NUMBER",
            normalized=_mapped("NUMBER", normalize_document),
            country_code=_mapped("issuing", country),
            country_raw="issuing",
            note=pl.when(note != "").then(note),
            origin=pl.lit(_key("INDIVIDUAL_DOCUMENT")),
        ),
    )


def parse_consolidated(data: bytes) -> ParseResult:
    """Parse the UN Security Council Consolidated List XML into canonical tables.

    Raises `SourceFormatError` for a payload that is not this list (empty, HTML, malformed or
    truncated XML, DOCTYPE/entities, wrong root, missing `dateGenerated` or containers) and for
    a `DATAID` that occurs twice (the UN promises it is unique).
    """
    root = parse_xml(FILE_NAME, data, dict.fromkeys(ENTITY_TYPES, "DATAID"))
    if root.tag != "CONSOLIDATED_LIST":
        raise SourceFormatError(
            FILE_NAME, "root element", f"expected CONSOLIDATED_LIST, found {root.tag}"
        )
    published = _generated(root.get("dateGenerated"))
    if published is None:
        raise SourceFormatError(
            FILE_NAME,
            "CONSOLIDATED_LIST/@dateGenerated",
            f"missing or bad date {root.get('dateGenerated')!r}",
        )
    out = _Build()
    for attr, value in root.attrib.items():
        if attr not in ROOT_ATTRIBUTES:
            out.unknowns.append(Unknown(FILE_NAME, "CONSOLIDATED_LIST", f"attribute {attr}", value))
    flat = _flatten(root, out.unknowns)
    taken = _entries(out, flat)
    ids = taken.select("entry", "entity_id", "dataid", "line").lazy()
    _entity_rows(out, taken, _value_lists(out, flat, ids))
    records = _structs(out, flat, ids)
    _aliases(out, flat, records["aliases"])
    _addresses(out, records["addresses"])
    _dates_of_birth(out, records["dates_of_birth"])
    _places_of_birth(out, records["places_of_birth"])
    _documents(out, flat, records["documents"])
    return ParseResult(
        source=SOURCE,
        tables=out.tables(),
        staged={
            t: out.staged[t].select(pl.col(c).cast(d) for c, d in s.items())
            for t, s in STAGED_SCHEMAS.items()
        },
        unknowns=out.unknowns,
        entry_count=flat.entries.height,
        file_rows=dict(sorted(out.counts.items())),
        published_at=published,
        format="xml",
    )


def parse(files: Mapping[str, bytes]) -> ParseResult:
    """The `xml` format of `un_sc`: one file, `consolidated.xml`."""
    return parse_consolidated(files[FILE_NAME])


SPEC = SourceSpec(
    source=SOURCE,
    publisher="United Nations Security Council",
    description="Consolidated United Nations Security Council Sanctions List (XML).",
    formats=(Format("xml", (FileSpec(FILE_NAME, URL, "xml"),), parse, STAGED_MODELS),),
    sanity_floor=SANITY_FLOOR,
    kinds=frozenset({"python", "polars", "xml"}),
    authority=AUTHORITY,
)

asset, checks = source_assets(SPEC)
