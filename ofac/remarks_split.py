"""OFAC's remarks texts cut into fragments on whole columns, for `ofac.remarks_frame`.

`split` gives, for a column of remarks texts, the fragments `ofac.remarks.split_fragments`
gives for each (same texts, same order); `distinct_fragments` numbers them by distinct text, so
that each distinct fragment is read once.
"""

from __future__ import annotations

import polars as pl

from ofac.remark_labels import ABBREVIATIONS
from ofac.remarks import split_fragments

# Characters Python's `str.isspace` counts as white space and Rust's does not: a text holding
# one is split by Python (`str.strip` and `\s` would differ).
_PY_ONLY_SPACE = r"[\x1c-\x1f]"


def _last_word(text: pl.Expr) -> pl.Expr:
    """The last word of a text that ends with ".", without that period (else null)."""
    # the whole match, without a capture group: the regex engine then takes its fast automaton
    return text.str.extract(r"[^ ]*\.$", 0).str.strip_suffix(".")


def _period_cut(word: pl.Expr) -> pl.Expr:
    """Whether `ofac.remarks._strip_period` drops the closing period of a text whose
    `_last_word` is `word`: there is one, and it is no abbreviation."""
    lower = word.str.to_lowercase()
    abbreviation = lower.is_in(sorted(ABBREVIATIONS)) | (
        word.str.contains(r"^(?:[A-Za-z]{1,3}\.)+[A-Za-z]{1,3}$") & ~lower.str.starts_with("www.")
    )
    return word.is_not_null() & ~abbreviation


def strip_period(text: pl.Expr) -> pl.Expr:
    """`ofac.remarks._strip_period`: drop a closing period unless it ends an abbreviation."""
    return (
        pl.when(_period_cut(_last_word(text)))
        .then(text.str.strip_suffix(".").str.strip_chars_end())
        .otherwise(text)
    )


def split(texts: pl.DataFrame) -> pl.DataFrame:
    """(row, text) → (row, seq, fragment): `split_fragments` of each text, in order."""
    text = pl.col("text")
    # lazy queries throughout: polars then computes an expression used twice only once
    texts = (
        texts.lazy()
        .filter(text.is_not_null())
        .with_columns(body=text.str.strip_chars())
        .filter(~pl.col("body").is_in(["", "-0-"]))
        .with_columns(
            # parentheses that hold no `;`, removed three levels deep: a `;` left is at depth 0
            flat=text.str.replace_all(r"\([^();]*\)", "")
            .str.replace_all(r"\([^();]*\)", "")
            .str.replace_all(r"\([^();]*\)", "")
        )
        .collect()
    )
    # Python's `$` also matches before a final line break: a last word ending in one (`…\n.`)
    # is left to Python as well
    simple = (
        ~pl.col("flat").str.contains(r"[()]")
        & ~text.str.contains(_PY_ONLY_SPACE)
        & ~pl.col("body").str.ends_with("\n.")
    )
    fragment = pl.col("fragment")
    # closing period dropped, split, exploded, stripped, the empty pieces dropped, numbered in
    # their text (a plain explode costs less than `list.eval`). The pieces are stripped, so
    # the `str.strip_chars_end` that follows the period's removal in `split_fragments` is done
    # with them
    at = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.when(pl.col("row") != pl.col("row").shift(1, fill_value=-1)).then(at)
    fast = (
        texts.lazy()
        .filter(simple)
        .with_columns(word=_last_word(pl.col("body")))
        .select(
            "row",
            fragment=pl.when(_period_cut(pl.col("word")))
            .then(pl.col("body").str.head(-1))
            .otherwise(pl.col("body"))
            .str.split(";"),
        )
        .explode("fragment")
        .with_columns(fragment.str.strip_chars())
        .filter(fragment != "")
        .select("row", seq=at - first.forward_fill(), fragment=fragment)
        .collect()
    )
    rest = texts.filter(~simple)
    if rest.height == 0:
        return fast
    slow = pl.DataFrame(
        {"row": rest["row"], "fragment": [split_fragments(t) for t in rest["text"].to_list()]},
        schema={"row": pl.Int64, "fragment": pl.List(pl.String)},
    )
    slow = (
        slow.with_columns(seq=pl.int_ranges(0, fragment.list.len(), dtype=pl.Int64))
        .explode("fragment", "seq")
        .filter(fragment.is_not_null())
        .select("row", "seq", "fragment")
    )
    # each text is in one of the two, its pieces in order: a stable sort on the text is enough
    return pl.concat([fast, slow]).sort("row", maintain_order=True)


def distinct_fragments(frags: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each fragment numbered by its distinct text (`fid` 0, 1, 2… in order of first
    appearance), and the distinct texts (`fid`, `fragment`).

    Texts are told apart by a 64-bit hash (one pass over the strings, then integer work);
    every fragment is then compared with the text its number stands for, and on a collision
    the texts themselves are hashed instead.
    """
    fragment = pl.col("fragment")
    hashed = frags.with_columns(_h=fragment.hash())
    firsts = hashed.filter(pl.col("_h").is_first_distinct())
    distinct = firsts.select("fragment").with_row_index("fid")
    numbered = hashed.join(
        firsts.select("_h").with_row_index("fid"), on="_h", maintain_order="left"
    ).drop("_h")
    if distinct["fragment"].gather(numbered["fid"]).equals(numbered["fragment"]):
        return numbered, distinct
    distinct = frags.select("fragment").unique(maintain_order=True).with_row_index("fid")
    return frags.join(distinct, on="fragment", maintain_order="left"), distinct
