"""UN XML to canonical tables: value helpers, the builder, entries and their value lists.

The XML reader (`un_sc.xml`) turns the tree into columns (`Flat`); everything here is polars work
on those columns. Child records (aliases, addresses, dates, documents) are in `un_sc.records`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl
from lxml import etree

from core.canonical import Unknown
from core.countries import resolve
from core.errors import SourceFormatError
from core.un_references import OLD_REFERENCE, un_reference_key
from un_sc.constants import (
    AUTHORITY,
    DOC_NOISE,
    ENTITY_TYPES,
    FILE_NAME,
    LEGAL_BASIS,
    NAME_PARTS,
    PLAIN_NUMBER,
    SCALAR_ATTRIBUTES,
    SCALARS,
    SOURCE,
    TRAILING_NUMBER,
    TRAILING_REMARK,
    VALUE_LISTS,
    XS_DATE,
    XS_DATE_RE,
    XSI,
    YEAR_PATTERN,
)

# --- value helpers (plain Python, used on unique values only) -------------------------------


def parse_xs_date(value: str | None) -> date | None:
    """`YYYY-MM-DD`, optionally with a time-zone suffix (the calendar date is kept as written)."""
    if not value or not XS_DATE_RE.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def generated(value: str | None) -> date | None:
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
    core = TRAILING_REMARK.sub("", value).strip() or value.strip()
    if PLAIN_NUMBER.match(core):
        return DOC_NOISE.sub("", core).upper()
    if m := TRAILING_NUMBER.search(core):
        return DOC_NOISE.sub("", m.group(1)).upper()
    return None


# --- polars expressions -----------------------------------------------------------------------


def xs_date(column: str) -> pl.Expr:
    col = pl.col(column)
    return pl.when(col.str.contains(XS_DATE)).then(
        col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    )


def year_date(column: str, month: int, day: int) -> pl.Expr:
    col = pl.col(column)
    return pl.when(col.str.contains(YEAR_PATTERN)).then(
        pl.date(col.cast(pl.Int32, strict=False), month, day)
    )


def mapped_values(column: str, fn: Callable[[str], str | None]) -> pl.Expr:
    """`fn` applied once to each distinct value of `column`, mapped back.

    Mapped back in Python, over the column's list: on these few thousand rows that costs half
    of a `replace_strict` with the distinct values (issue #17).
    """

    def apply(values: pl.Series) -> pl.Series:
        seen: dict[str, str | None] = {}
        mapped: list[str | None] = []
        for value in values.to_list():
            if value is None:
                mapped.append(None)
            elif value in seen:
                mapped.append(seen[value])
            else:
                mapped.append(seen.setdefault(value, fn(value)))
        return pl.Series(mapped, dtype=pl.String)

    return pl.col(column).map_batches(apply, return_dtype=pl.String)


def joined(*columns: str, separator: str = ", ") -> pl.Expr:
    text = pl.concat_str([pl.col(c) for c in columns], separator=separator, ignore_nulls=True)
    return pl.when(text != "").then(text)


def key(*parts: str) -> str:
    return "/".join((FILE_NAME, *parts))


@dataclass
class Flat:
    """The tree as columns, read in one pass; the elements are kept only to quote rejects."""

    entries: pl.DataFrame  # entry, kind, line and one column per scalar element
    structs: dict[str, pl.DataFrame]  # staged table → gid, entry, group and one column per field
    values: pl.DataFrame  # entry, group, text: one row per VALUE of a value list
    others: pl.DataFrame  # entry, group, tag, text: elements this parser does not know
    repeats: pl.DataFrame  # entry, tag, text: elements written twice where once is expected
    elements: list[etree._Element]  # by entry number
    groups: list[etree._Element]  # by group number (gid)
    nested: list[tuple[int, etree._Element]]  # (entry, element) deeper than the format goes


def value_text(el: etree._Element) -> str | None:
    """Text of a scalar element written with children (a list of VALUEs), its own text first."""
    parts = [el.text, *(c.text for c in el)]
    return "; ".join(p.strip() for p in parts if p and p.strip()) or None


def _raw(el: etree._Element) -> str:
    """The element as written (lxml repeats the root's namespace declaration on a subtree)."""
    return etree.tostring(el, encoding="unicode").replace(f' xmlns:xsi="{XSI}"', "", 1)


def all_text(el: etree._Element) -> str:
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
class Build:
    """Canonical rows per table, staged frames, unknowns and per-element record counts.

    The table builders below are eager polars operations on frames already in memory: an
    eager step costs about a third of a small lazy query's fixed cost (plan, optimise, collect),
    and these frames are small (issue #17).
    """

    rows: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    staged: dict[str, pl.DataFrame] = field(default_factory=dict)
    unknowns: list[Unknown] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, frame: pl.DataFrame | pl.LazyFrame) -> None:
        df = collect_frame(frame)
        if df.height:
            self.rows.setdefault(table, []).append(df)

    def stage(self, table: str, frame: pl.DataFrame | pl.LazyFrame) -> None:
        self.staged[table] = collect_frame(frame)

    def report(self, frame: pl.DataFrame | pl.LazyFrame, what: str, value: str = "text") -> None:
        """Each row (columns line, dataid…) becomes an unknown; `what` may name columns."""
        for row in collect_frame(frame).iter_rows(named=True):
            locator = f"line {row['line']}, DATAID {row['dataid']}"
            self.unknowns.append(Unknown(FILE_NAME, locator, what.format(**row), row[value] or ""))

    def count(self, frame: pl.DataFrame | pl.LazyFrame) -> None:
        """Records per element (`group` column) for `file_rows`."""
        # on the column: a group-by of the frame costs some fifteen times more (a lazy query)
        for group, n in collect_frame(frame).get_column("group").value_counts().iter_rows():
            self.counts[key(group)] = n

    def tables(self) -> dict[str, pl.DataFrame]:
        return {t: pl.concat(dfs, how="diagonal_relaxed") for t, dfs in self.rows.items()}


def collect_frame(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    # In-memory engine: the streaming engine of polars 2.1 panics on some of these small queries.
    return frame.collect(engine="in-memory") if isinstance(frame, pl.LazyFrame) else frame


def take_entries(out: Build, flat: Flat) -> pl.DataFrame:
    """Entries taken (with entity_id); duplicate DATAIDs refused, unusable entries rejected."""
    table = flat.entries.with_columns(
        dataid=pl.col("DATAID"),
        primary_name=joined(*NAME_PARTS, separator=" "),
        listed_on=xs_date("LISTED_ON"),
        reason=pl.when(~pl.col("DATAID").fill_null("").str.contains(r"^\d+$"))
        .then(pl.format("missing or non-numeric DATAID {}", pl.col("DATAID").fill_null("(none)")))
        .when(pl.concat_str(*NAME_PARTS, ignore_nulls=True) == "")
        .then(pl.lit("no name (FIRST_NAME…FOURTH_NAME all empty)")),
    )
    _refuse_duplicates(table)
    out.stage(
        "entries",
        table.select(
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
    ids = taken.select("entry", "entity_id", "dataid", "line")
    out.report(flat.repeats.join(ids, on="entry"), "repeated element {tag}")
    others = flat.others.join(ids, on="entry").with_columns(
        path=pl.concat_str("group", "tag", separator="/", ignore_nulls=True)
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
            value = all_text(el)
            where = f"line {el.sourceline}, DATAID {match['dataid'][0]}"
            out.unknowns.append(Unknown(FILE_NAME, where, f"nested element {path}", value))
            if value:
                row = {
                    "entity_id": match["entity_id"][0],
                    "attribute": path.replace("/", "_").lower(),
                    "value": value,
                    "origin": key(path),
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


def entity_rows(out: Build, taken: pl.DataFrame, last_updated: pl.DataFrame) -> None:
    """entities, primary and original-script names, UN reference, sanctions, scalar attributes."""
    lf = taken
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
            origin=pl.lit(key("FIRST_NAME")),
        ),
    )
    out.add(
        "names",
        lf.filter(pl.col("NAME_ORIGINAL_SCRIPT").is_not_null()).select(
            "entity_id",
            name="NAME_ORIGINAL_SCRIPT",
            name_type=pl.lit("original_script"),
            script=mapped_values("NAME_ORIGINAL_SCRIPT", script_of),
            origin=pl.lit(key("NAME_ORIGINAL_SCRIPT")),
        ),
    )
    out.add(
        "identifiers",
        lf.filter(pl.col("REFERENCE_NUMBER").is_not_null()).select(
            "entity_id",
            id_type=pl.lit("un_reference"),
            label=pl.lit("UN reference number"),
            value="REFERENCE_NUMBER",
            normalized=mapped_values("REFERENCE_NUMBER", un_reference_key),
            origin=pl.lit(key("REFERENCE_NUMBER")),
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
            normalized=mapped_values("old", un_reference_key),
            origin=pl.lit(key("COMMENTS1")),
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
            origin=pl.lit(key("UN_LIST_TYPE")),
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
            origin=pl.lit(key("LISTED_ON")),
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


def value_lists(out: Build, flat: Flat, ids: pl.DataFrame) -> pl.DataFrame:
    """TITLE, DESIGNATION, NATIONALITY, LIST_TYPE and LAST_DAY_UPDATED values.

    Returns the latest LAST_DAY_UPDATED date of each entry.
    """
    values = (  # materialised once, read by every query below
        flat.values.filter(pl.col("text").is_not_null()).join(ids, on="entry")
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
            country_code=mapped_values("text", country),
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
    updates = values.filter(pl.col("group") == "LAST_DAY_UPDATED").with_columns(day=xs_date("text"))
    out.report(updates.filter(pl.col("day").is_null()), "LAST_DAY_UPDATED date format")
    return updates.group_by("entry").agg(last_updated=pl.col("day").max())


def struct_records(out: Build, flat: Flat, ids: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Aliases, addresses, dates and places of birth, documents: records of the entries taken.

    A record is a structured element with at least one known field written; the count per
    element is what `records_accounted` checks the emitted rows against.
    """
    records: dict[str, pl.DataFrame] = {}
    for table, frame in flat.structs.items():
        fields = [c for c in frame.columns if c not in ("gid", "entry", "group")]
        written = pl.any_horizontal(pl.col(f).is_not_null() for f in fields)
        # materialised once: every builder below reads these records several times
        records[table] = frame.filter(written).join(ids, on="entry")
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


def struct_rejects(out: Build, flat: Flat, frame: pl.DataFrame, kind: str, reason: str) -> None:
    """Records not taken, quoted as written (the element is looked up by its group number)."""
    df = collect_frame(frame.select("gid", "group", "dataid"))
    if not df.height:  # the usual case: no frame built for nothing
        return
    locators = [
        f"line {flat.groups[g].sourceline}, {group} of DATAID {d}" for g, group, d in df.iter_rows()
    ]
    rows = {
        "kind": kind,
        "file": [key(g) for g in df["group"]],
        "locator": locators,
        "reason": reason,
        "raw": [_raw(flat.groups[g]) for g in df["gid"]],
    }
    out.add("rejects", pl.DataFrame(rows, schema=REJECT_SCHEMA))
