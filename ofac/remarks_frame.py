"""OFAC's remarks read a whole column at a time: the grammar of `ofac.remarks`, as polars work.

`ofac.remarks.parse_remarks` reads one remarks text in Python; the legacy CSV set holds some
14,000 of them (56,000 fragments), and reading them one by one cost 40–80 times a bare read of
the files. `read_remarks` gives, for a column of remarks texts, exactly the rows
`parse_remarks` gives for each (same values, same order), working on whole columns:

- splitting (`ofac.remarks_split`): a text whose parentheses hold no ``;`` (and nest at most
  three deep) is split on ``;`` by polars, the closing period dropped as
  `ofac.remarks.split_fragments` drops it; any other text is split by `split_fragments` itself;
- reading: a fragment in printable ASCII, not wholly wrapped in parentheses, that starts with a
  literal label of the tables and has a value after it, is read by polars expressions that
  follow `ofac.remarks` family by family: documents and numbers (at most one trailing
  parenthesis, issue and expiry dates), e-mails, websites, IMO numbers, wallets, dates of birth
  of the three common shapes, places, countries, names, links, undated attributes; country
  names go through the Python look-ups of `ofac.remarks` once per distinct value;
- every other fragment (unlabelled shapes, numbered labels, dated attributes, phone numbers,
  several parentheses, non-ASCII text, wrapped notes, values not plausible) is read by
  `ofac.remarks.read_fragment`, once per distinct fragment (about 1,300 of the SDN list's
  31,000 distinct fragments).

The ASCII rule (printable characters only) keeps the two regex engines in step: on such text
Python's `re` and polars' (Rust) `regex` agree on `\\s`, `\\b`, `$`, case-insensitive matching
and case mapping. The tests check `read_remarks` against `parse_remarks` on every shipped
snapshot and on odd shapes.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from core.dates import MONTHS
from ofac.remark_labels import ATTRIBUTE_PATTERNS, SHAPES, VESSEL_IMO_LABELS
from ofac.remarks import (
    _DATED_ATTRIBUTES,
    _IMO_WEIGHTS,
    _LABELS,
    _NUMBERED_TYPES,
    _SELF_DESCRIBING,
    _VERBATIM_LABELS,
    _country,
    _place_country,
    read_fragment,
)
from ofac.remarks_split import distinct_fragments, split, strip_period

# The rows of each family, as `ofac.remarks.Remarks` holds them.
SCHEMAS: dict[str, dict[str, Any]] = {
    "identifiers": {
        "id_type": pl.String, "label": pl.String, "value": pl.String, "normalized": pl.String,
        "country_code": pl.String, "country_raw": pl.String, "note": pl.String,
    },
    "birth_dates": {
        "raw": pl.String, "date_from": pl.Date, "date_to": pl.Date, "precision": pl.String,
        "circa": pl.Boolean,
    },
    "birth_places": {"place": pl.String, "country_code": pl.String},
    "countries": {"country_code": pl.String, "raw": pl.String, "relation": pl.String},
    "names": {"name": pl.String, "name_type": pl.String, "quality": pl.String},
    "relationships": {"to_name": pl.String, "relation": pl.String},
    "attributes": {"attribute": pl.String, "value": pl.String},
}  # fmt: skip

if any(label[-1] in " :,-" for label in _LABELS):
    raise ValueError("a remarks label ends in a space, `:`, `,` or `-` (see `_labelled`)")
_LABEL_ALTERNATION = "|".join(pl.escape_regex(k) for k in sorted(_LABELS, key=len, reverse=True))
# A label and its separator, as `ofac.remarks._LABEL_RE` (ASCII case-insensitive: only
# printable ASCII fragments are read here). Matched without capture groups, which let the
# regex engine use its fast automaton; the label is what precedes the separator.
_LABEL_AND_SEPARATOR = r"^(?i-u:" + _LABEL_ALTERNATION + r")(?:\s*[:,]\s*|\s+-\s+|\s+|$)"
_LABEL_FRAME = pl.DataFrame(
    [(label, family, target) for label, (family, target) in _LABELS.items()],
    schema={"key": pl.String, "family": pl.String, "target": pl.String},
    orient="row",
)
# Identifier types read by the common rule (value, an optional trailing country in
# parentheses); the others have rules of their own and go to Python.
_PLAIN_ID_EXCLUDED = ("crypto_wallet", "imo", "phone", *sorted(_SELF_DESCRIBING))


def _clean(text: pl.Expr) -> pl.Expr:
    """`ofac.remarks._clean`: runs of white space to one space, trimmed, closing period off."""
    return strip_period(text.str.replace_all(r"\s+", " ").str.strip_chars())


def _lookup(values: pl.Series, fn: Any) -> dict[str, Any]:
    return {v: fn(v) for v in values.drop_nulls().unique().to_list()}


def _labelled(frags: pl.DataFrame) -> pl.DataFrame:
    """The fragments polars reads, with their label, family, target and value (`rest`)."""
    fragment = pl.col("fragment")
    body = pl.col("body")
    candidates = (
        frags.lazy()
        .filter(
            fragment.str.contains(r"^[\x20-\x7e]*$")
            & ~(fragment.str.starts_with("(") & fragment.str.ends_with(")"))
        )
        .with_columns(body=fragment.str.replace(r"(?i)^alt\.\s+", ""))
        # the label and its separator (labels are not empty: a match is never empty)
        .with_columns(prefix=body.str.extract(_LABEL_AND_SEPARATOR, 0))
        .filter(pl.col("prefix").is_not_null())
    )
    # no label ends in a space, `:`, `,` or `-` (and the text is printable ASCII, so its only
    # white space is the space and a byte offset is a character offset): the separator is
    # what those characters end the prefix with
    prefix = pl.col("prefix")
    return (
        candidates.select(
            "fid",
            label=prefix.str.strip_chars_end(" :,-"),
            rest=body.str.slice(prefix.str.len_bytes()).str.strip_chars(),
        )
        .filter(pl.col("rest") != "")
        .with_columns(key=pl.col("label").str.to_lowercase())
        .join(_LABEL_FRAME.lazy(), on="key")
        .drop("key")
        .collect()
    )


# The last of `SHAPES`, a fragment naming a position without a label ("Minister of Defense"),
# is the commonest unlabelled shape (822 of the SDN list's 1,300 fragments left to Python).
# It is read here where no earlier rule could apply: none of the earlier shapes matches and no
# numbered label (`ATTRIBUTE_PATTERNS`, all of them `Executive Order N …`) starts the text.
if SHAPES[-1][1:] != ("attribute", "title"):
    raise ValueError("the last of SHAPES is no longer the position rule (see `_titles`)")
# `\b` made ASCII (`(?-u:\b)`): the same on the printable ASCII fragments read here, and a
# Unicode word boundary sends the regex engine to a slow path
_EARLIER_SHAPES = "|".join(f"(?:{pattern})" for pattern, _, _ in SHAPES[:-1]).replace(
    r"\b", r"(?-u:\b)"
)
_POSITION = SHAPES[-1][0].replace(r"\b", r"(?-u:\b)")
if any(not pattern.startswith("Executive Order ") for pattern, _ in ATTRIBUTE_PATTERNS):
    raise ValueError("a numbered label no longer starts `Executive Order` (see `_titles`)")


def _titles(frags: pl.DataFrame, labelled: pl.DataFrame) -> pl.DataFrame:
    """Positions written without a label, as `ofac.remarks` reads them (`fid`, `value`).

    Only printable ASCII fragments, not wholly in parentheses and without a label `_labelled`
    read: on those Python tries the numbered labels, then `SHAPES` in turn.
    """
    fragment = pl.col("fragment")
    body = pl.col("body")
    return (
        frags.lazy()
        .join(labelled.lazy().select("fid"), on="fid", how="anti")
        .filter(
            fragment.str.contains(r"^[\x20-\x7e]*$")
            & ~(fragment.str.starts_with("(") & fragment.str.ends_with(")"))
        )
        .with_columns(body=fragment.str.replace(r"(?i)^alt\.\s+", ""))
        .filter(
            ~body.str.starts_with("Executive Order ")
            & ~body.str.contains("(?i)" + _EARLIER_SHAPES)
            & body.str.contains("(?i)" + _POSITION)
        )
        .select("fid", value=_clean(body))
        .collect()
    )


# `\b` is ASCII (`(?-u:\b)`): the same on printable ASCII, and the regex engine's fast automaton
# handles it (a Unicode word boundary sends it to a slow one).
_B = r"(?-u:\b)"
_PROSE = _B + r"(?:and|at|of|under|were|was|is|by|in)" + _B
_DATED = r"(?:^|\s)(?:issued|expires)" + _B
_ID_COLUMNS = ("fid", *SCHEMAS["identifiers"])


def _identifiers(df: pl.DataFrame) -> pl.DataFrame:
    """`ofac.remarks._identifier`, by kind of identifier (see each reader)."""
    id_type = pl.col("target")
    return pl.concat(
        [
            _documents(df.filter(~id_type.is_in(_PLAIN_ID_EXCLUDED))),
            _web(df.filter(id_type.is_in(sorted(_SELF_DESCRIBING)))),
            _imo(df.filter(id_type == "imo")),
            _crypto(df.filter(id_type == "crypto_wallet")),
        ]
    )


def _documents(df: pl.DataFrame) -> pl.DataFrame:
    """Documents and numbers: `VALUE [(Country)] [issued DATE] [expires DATE]`, at most one
    parenthesis, which is not a check character (`D489833(9)`)."""
    id_type = pl.col("target")
    df = df.filter(~pl.col("label").str.to_lowercase().is_in(sorted(_VERBATIM_LABELS)))
    dated = df.filter(pl.col("rest").str.contains(_DATED))
    # `ofac.remarks._ISSUED_EXPIRES_RE` then `_TAIL_RE`, without look-ahead
    dated = (
        dated.with_columns(
            pl.col("rest")
            .str.extract_groups(r"^(?P<head>.*?)(?:^|\s+)(?P<tail>(?:issued|expires)" + _B + ".*)$")
            .struct.unnest()
        )
        .with_columns(
            pl.col("tail")
            .str.extract_groups(r"^(?:issued\s+(?P<issued>.+?))?\s*(?:expires\s+(?P<expires>.+))?$")
            .struct.unnest()
        )
        .filter(pl.col("issued").is_not_null() | pl.col("expires").is_not_null())
        .with_columns(
            value=pl.col("head"),
            note=pl.concat_str(
                [
                    pl.format("issued {}", pl.col("issued").str.strip_chars()),
                    pl.format("expires {}", pl.col("expires").str.strip_chars()),
                ],
                separator="; ",
                ignore_nulls=True,
            ),
        )
        .select(*df.columns, "value", "note")
    )
    plain = df.filter(~pl.col("rest").str.contains(_DATED)).with_columns(
        value=pl.col("rest"), note=pl.lit(None, pl.String)
    )
    df = pl.concat([plain, dated])
    no_paren = ~(
        pl.col("value").str.contains("(", literal=True)
        | pl.col("value").str.contains(")", literal=True)
    )
    # one trailing parenthesis (the country), with a value before it, not a check character
    # `^(?P<before>[^()]*?)\s*\((?P<inner>[^()]*)\)$` without the regex engine's slow capture
    # path: one `(` and one `)`, which ends the value (the text is printable ASCII, so its only
    # white space is the space and a byte offset is a character offset)
    value = pl.col("value")
    opening = value.str.find("(", literal=True)
    one = (
        (value.str.count_matches("(", literal=True) == 1)
        & (value.str.count_matches(")", literal=True) == 1)
        & value.str.ends_with(")")
    )
    # (`one` and the opening's place computed once: an eager query evaluates a repeated
    # expression anew)
    opened, single = pl.col("_opening"), pl.col("_one")
    paren = (
        df.filter(~no_paren)
        .with_columns(_opening=opening, _one=one)
        .with_columns(
            before=pl.when(single).then(value.str.slice(0, opened).str.strip_chars_end(" ")),
            inner=pl.when(single).then(
                value.str.slice(opened + 1, value.str.len_bytes() - opened - 2)
            ),
        )
        .filter(
            pl.col("before").str.strip_chars().ne("").fill_null(False)
            & ~pl.col("inner").str.contains(r"^[0-9A-Z]$").fill_null(True)
        )
        .select(
            *(c for c in df.columns if c != "value"),
            value="before",
            country_raw=pl.col("inner").str.strip_chars(),
        )
    )
    plain = df.filter(no_paren).with_columns(country_raw=pl.lit(None, pl.String))
    df = pl.concat([plain, paren], how="diagonal")
    # the value cleaned once, then judged (an eager query evaluates a repeated expression anew)
    df = df.with_columns(value=pl.col("value").str.replace_all(r"\s+", " ").str.strip_chars())
    value = pl.col("value")
    plausible = (
        (value != "")
        & ~(id_type.is_in(sorted(_NUMBERED_TYPES)) & ~value.str.contains(r"\d"))
        & ~value.str.contains(_PROSE)
    )
    df = df.filter(plausible)
    codes = _lookup(df["country_raw"].filter(df["country_raw"] != ""), _country)
    # MMSI numbers compared by their digits, documents without spaces, dots, dashes and
    # parentheses, in upper case: each rule on its own rows (a `when` computes both on all)
    mmsi = id_type == "mmsi"
    digits = pl.col("value").str.replace_all(r"\D", "")
    plain = pl.col("value").str.replace_all(r"[\s.\-()]", "").str.to_uppercase()
    df = pl.concat(
        [
            df.filter(~mmsi).with_columns(normalized=plain),
            df.filter(mmsi).with_columns(normalized=digits),
        ]
    )
    return df.select(
        "fid", "value", "country_raw", "note", "normalized",
        id_type="target",
        label="label",
        country_code=pl.col("country_raw").replace_strict(codes, default=None, return_dtype=pl.String),
    ).select(_ID_COLUMNS)  # fmt: skip


def _web(df: pl.DataFrame) -> pl.DataFrame:
    """E-mail addresses and websites without parentheses or dates: closing periods dropped,
    no space inside, compared in lower case."""
    value = pl.col("rest").str.strip_chars_end(".").str.replace_all(r"\s+", " ").str.strip_chars()
    return (
        df.filter(~pl.col("rest").str.contains(r"[()]|" + _DATED))
        .with_columns(value=value)
        .filter((pl.col("value") != "") & ~pl.col("value").str.contains(" ", literal=True))
        .select(
            "fid",
            "value",
            id_type="target",
            label="label",
            normalized=pl.col("value").str.to_lowercase(),
            country_code=pl.lit(None, pl.String),
            country_raw=pl.lit(None, pl.String),
            note=pl.lit(None, pl.String),
        )
        .select(_ID_COLUMNS)
    )


def _imo(df: pl.DataFrame) -> pl.DataFrame:
    """IMO numbers: parentheses around the number dropped, digits compared; a ship's number
    (`VESSEL_IMO_LABELS`) is checked by its check digit, others are company numbers."""
    value = pl.col("rest").str.strip_chars("()").str.replace_all(r"\s+", " ").str.strip_chars()
    digits = pl.col("normalized")
    weighted = pl.sum_horizontal(
        digits.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_IMO_WEIGHTS)
    )
    valid = (
        (digits.str.len_bytes() == 7)
        & ((weighted % 10) == digits.str.slice(6, 1).cast(pl.Int32, strict=False))
    ).fill_null(False)
    ship = pl.col("label").str.to_lowercase().is_in(sorted(VESSEL_IMO_LABELS))
    return (
        df.with_columns(value=value)
        .filter(
            (pl.col("value") != "")
            & pl.col("value").str.contains(r"\d")
            & ~pl.col("value").str.contains(_PROSE)
        )
        .with_columns(normalized=pl.col("value").str.replace_all(r"\D", ""))
        .select(
            "fid",
            "value",
            "normalized",
            id_type="target",
            label="label",
            country_code=pl.lit(None, pl.String),
            country_raw=pl.lit(None, pl.String),
            note=pl.when(~ship)
            .then(pl.lit("IMO company number"))
            .when(~valid)
            .then(pl.lit("invalid check digit")),
        )
        .select(_ID_COLUMNS)
    )


def _crypto(df: pl.DataFrame) -> pl.DataFrame:
    """`Digital Currency Address - XBT 1Abc...`: the currency goes into the label and note."""
    return (
        df.with_columns(
            pl.col("rest")
            .str.extract_groups(r"^(?P<currency>[A-Z0-9]{2,6})\s+(?P<address>\S+)$")
            .struct.unnest()
        )
        .filter(pl.col("address").is_not_null())
        .select(
            "fid",
            id_type="target",
            label=pl.format("{} - {}", "label", "currency"),
            value="address",
            normalized=pl.when(pl.col("address").str.contains(r"^0x[0-9a-fA-F]{40}$"))
            .then(pl.col("address").str.to_lowercase())
            .otherwise(pl.col("address")),
            country_code=pl.lit(None, pl.String),
            country_raw=pl.lit(None, pl.String),
            note="currency",
        )
        .select(_ID_COLUMNS)
    )


def _birth_dates(df: pl.DataFrame) -> pl.DataFrame:
    """`ofac.remarks._birth_date` for a day (`01 Jan 1960`), a month (`Jan 1960`) or a year,
    each possibly approximate (`circa 1960`, `core.dates._CIRCA`).

    `core.dates.parse_fuzzy` reads these three shapes as one day, a calendar month and a
    calendar year; a value of another shape, a month name it does not know, a date that does
    not exist or the year 0 is left to Python (which reports what it cannot read).
    """
    parts = pl.col("rest").str.extract_groups(
        r"^(?P<circa>(?i:circa|c\.|approximately|about) +)?"
        r"(?:(?P<day>\d{1,2}) )?(?:(?P<month>[A-Za-z]{3,9}) )?(?P<year>\d{4})$"
    )
    month = (
        pl.col("month")
        .str.to_lowercase()
        .replace_strict(MONTHS, default=None, return_dtype=pl.Int32)
    )
    start = pl.concat_str(
        [
            pl.col("year"),
            pl.when(pl.col("month").is_null())
            .then(pl.lit(1))
            .otherwise(month)
            .cast(pl.String)
            .str.zfill(2),
            pl.col("day").fill_null("1").str.zfill(2),
        ],
        separator="-",
    ).str.to_date("%Y-%m-%d", strict=False)
    precision = (
        pl.when(pl.col("day").is_not_null()).then(pl.lit("day"))
        .when(pl.col("month").is_not_null()).then(pl.lit("month"))
        .otherwise(pl.lit("year"))
    )  # fmt: skip
    read = (
        df.with_columns(parts.struct.unnest())
        .filter(
            pl.col("year").is_not_null() & (pl.col("day").is_null() | pl.col("month").is_not_null())
        )
        .with_columns(date_from=start, precision=precision)
        .filter(pl.col("date_from").is_not_null() & (pl.col("year") != "0000"))
    )
    end = (
        pl.when(pl.col("precision") == "day").then(pl.col("date_from"))
        .when(pl.col("precision") == "month").then(pl.col("date_from").dt.month_end())
        .otherwise(pl.col("date_from").dt.offset_by("1y").dt.offset_by("-1d"))
    )  # fmt: skip
    return read.select(
        "fid", raw="rest", date_from="date_from", date_to=end, precision="precision",
        circa=pl.col("circa").is_not_null(),
    )  # fmt: skip


def _read_fast(labelled: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Rows of each family for the labelled fragments polars can read."""
    target, rest = pl.col("target"), pl.col("rest")
    parts = labelled.partition_by("family", as_dict=True, include_key=False)
    by = {
        f: parts.get((f,), labelled.clear().drop("family"))
        for f in ("identifier", "birth", "country", "name", "relation", "attribute")
    }
    out: dict[str, pl.DataFrame] = {"identifiers": _identifiers(by["identifier"])}
    out["birth_dates"] = _birth_dates(by["birth"].filter(target == "dob"))
    # `_clean` reads its text several times: in a lazy query polars computes it once
    places = by["birth"].lazy().filter(target == "pob").with_columns(place=_clean(rest)).collect()
    codes = _lookup(places["place"], _place_country)
    out["birth_places"] = places.select(
        "fid", "place",
        country_code=pl.col("place").replace_strict(codes, default=None, return_dtype=pl.String),
    )  # fmt: skip
    countries = by["country"].lazy().with_columns(raw=_clean(rest)).collect()
    codes = _lookup(countries["raw"], _country)
    out["countries"] = countries.select(
        "fid",
        country_code=pl.col("raw").replace_strict(codes, default=None, return_dtype=pl.String),
        raw="raw", relation="target",
    )  # fmt: skip
    quoted = rest.str.extract(r"(?s)^'(.*)'$", 1)
    out["names"] = by["name"].select(
        "fid",
        name=pl.when(quoted.is_not_null()).then(quoted.str.strip_chars()).otherwise(rest),
        name_type="target",
        quality=pl.when(quoted.is_not_null()).then(pl.lit("weak")),
    ).filter(pl.col("name") != "")  # fmt: skip
    out["relationships"] = by["relation"].select("fid", to_name="rest", relation="target")
    out["attributes"] = (
        by["attribute"]
        .lazy()
        .filter(~target.is_in(sorted(_DATED_ATTRIBUTES)))
        .select("fid", attribute="target", value=_clean(rest))
        .collect()
    )
    return out


def read_remarks(texts: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """`parse_remarks` of every text of `texts` (columns `row`, `text`).

    Returns the rows of each family (columns `row`, `seq` — the fragment's place in its text —
    then the family's columns), sorted by row and fragment, and the fragments not read
    (`row`, `seq`, `fragment`) in the same order.
    """
    frags = split(texts.select(pl.col("row").cast(pl.Int64), "text"))
    frags, distinct = distinct_fragments(frags)
    labelled = _labelled(distinct)
    fast = _read_fast(labelled)
    done = pl.concat([df["fid"] for df in fast.values()])
    rest = distinct.filter(~_marked(distinct.height, done))
    # of the fragments left, the positions written without a label are read on columns too
    titles = _titles(rest, labelled)
    fast["attributes"] = pl.concat(
        [fast["attributes"], titles.select("fid", attribute=pl.lit("title"), value="value")]
    )
    rest = rest.filter(~pl.col("fid").is_in(titles["fid"].implode()))
    slow: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}
    unread = []
    for fid, fragment in rest.iter_rows():
        got = read_fragment(fragment)
        if got is None:
            unread.append(fid)
        else:
            slow[got[0]].append({"fid": fid, **got[1]})
    tables = {}
    # the rows joined back to every fragment that reads them, in the fragments' order: `fid`
    # numbers the distinct fragments 0, 1, 2…, so a join is a look-up in a dense array
    keys = frags.select("row", "seq")
    fid = frags["fid"]
    for name, schema in SCHEMAS.items():
        rows = pl.concat(
            [
                fast[name].select("fid", *schema).cast({"fid": pl.UInt32, **schema}),
                pl.DataFrame(slow[name], schema={"fid": pl.UInt32, **schema}),
            ]
        )
        at = _positions(distinct.height, rows["fid"]).gather(fid)
        hit = at.is_not_null()
        tables[name] = pl.concat(
            [keys.filter(hit), rows.drop("fid")[at.filter(hit)]], how="horizontal"
        )
    left = frags.filter(_marked(distinct.height, pl.Series(unread, dtype=pl.UInt32)).gather(fid))
    return tables, left.drop("fid")


def _positions(size: int, fids: pl.Series) -> pl.Series:
    """A dense array over `fid` 0…size-1: the place of each `fid` in `fids`, else null."""
    free = pl.repeat(None, size, dtype=pl.UInt32, eager=True)
    return free.scatter(fids, pl.int_range(fids.len(), dtype=pl.UInt32, eager=True))


def _marked(size: int, fids: pl.Series) -> pl.Series:
    """A dense boolean array over `fid` 0…size-1: true where `fid` is in `fids`."""
    return pl.repeat(False, size, dtype=pl.Boolean, eager=True).scatter(fids, True)
