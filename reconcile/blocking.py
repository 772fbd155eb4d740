"""Blocking: the candidate name pairs worth scoring, near-linear in the number of names.

Each name yields keys made of pairs of its rarest tokens' consonant skeletons; a block is
compared as a sorted neighbourhood (each party with its next `window` neighbours by name), and
a key shared by more than `max_block` parties is also refined by birth year or a third token.
Parties carrying the same whole name always meet (`_exact_pairs`).
"""

from __future__ import annotations

import polars as pl

from core.canonical import ENTITY_TYPES as ENTITY_TYPE_CODES
from reconcile.names import PAIR_HIGH, commonness
from reconcile.weights import DEFAULT, Settings


def birth_years(birth_dates: pl.DataFrame) -> pl.DataFrame:
    """entity_id, year: each year a party may be born in (ranges of at most 3 years)."""
    dated = birth_dates.filter(pl.col("date_from").is_not_null()).select(
        "entity_id",
        start=pl.col("date_from").dt.year(),
        end=pl.coalesce("date_to", "date_from").dt.year(),
    )
    dated = dated.filter(pl.col("end") - pl.col("start") <= 2)
    years = dated.select("entity_id", year=pl.int_ranges("start", pl.col("end") + 1)).explode(
        "year"
    )
    return years.unique()


def _key_sizes(keys: pl.DataFrame) -> pl.DataFrame:
    """Per block: parties sharing it (size) and how common it is across the lists."""
    per_source = keys.group_by("block", "src").len("n")
    return per_source.group_by("block").agg(
        size=pl.col("n").sum().cast(pl.UInt32), multiplicity=commonness(pl.col("n"))
    )


def _block_id(*parts: pl.Expr) -> pl.Expr:
    """One integer per blocking key (entity type, tokens, year…): equality is all blocks need,
    and a collision would only add candidates, never lose one."""
    return pl.struct(*(part.alias(f"k{i}") for i, part in enumerate(parts))).hash(seed=7)


def block(
    names: pl.DataFrame, years: pl.DataFrame, settings: Settings = DEFAULT
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Candidate name pairs sharing a blocking key: nid_l, nid_r, shared (keys in common) and
    multiplicity (of the rarest key shared).

    `names` is `prepare_names` output, `years` (eidx, year) the birth years of persons. Keys
    are pairs of a name's rarest token skeletons (single-token names: the token). Each party
    enters a block once, with its preferred name carrying the key. A block is compared as a
    sorted neighbourhood: members sorted by name, each compared with the next `window` members
    — every pair for a block of up to `window + 1` parties, a bounded number for a larger one.
    A key shared by more than `max_block` parties is also refined, persons by birth year and
    everyone by a third token, into smaller blocks. Pairs of one source, or of one
    deterministic group, are not candidates.
    """
    members = names.select(
        "nid",
        "eidx",
        "src",
        "comp",
        et=pl.col("entity_type").replace_strict(
            {t: i for i, t in enumerate(ENTITY_TYPE_CODES)}, return_dtype=pl.UInt8
        ),
        order=pl.col("key").rank("dense").cast(pl.UInt32),
    )
    toks = (
        names.select("nid", tok="skel_ids")
        .explode("tok")
        .join(members.select("nid", "et"), on="nid")
    )
    frequency = toks.group_by("et", "tok").len("freq")
    toks = toks.join(frequency, on=["et", "tok"]).sort("nid", "freq", "tok")
    toks = toks.with_columns(rank=pl.int_range(pl.len()).over("nid"))
    rare = toks.filter(pl.col("rank") < settings.max_tokens).select("nid", "et", "tok", "rank")
    counts = rare.group_by("nid").len("n_tok")
    none = pl.lit(None, dtype=pl.UInt32)
    pair_keys = (
        rare.join(rare.select("nid", tok2="tok", rank2="rank"), on="nid")
        .filter(pl.col("rank") < pl.col("rank2"))
        .select(
            "nid",
            t1=pl.min_horizontal("tok", "tok2"),
            t2=pl.max_horizontal("tok", "tok2"),
        )
    )
    # single-token names, and the rarest token of longer names (so `MAKIN` meets
    # `MAKIN INSTITUTE`)
    single_keys = rare.join(counts, on="nid").filter((pl.col("n_tok") == 1) | (pl.col("rank") == 0))
    single_keys = single_keys.select("nid", t1="tok", t2=none)
    keys = pl.concat([pair_keys, single_keys]).join(members, on="nid")
    keys = keys.with_columns(block=_block_id(pl.col("et"), pl.col("t1"), pl.col("t2")))
    keys = _one_per_party(keys)
    sizes = _key_sizes(keys)
    keys = keys.join(sizes, on="block")
    big = keys.filter(pl.col("size") > settings.max_block)

    # refine: + birth year (persons), + a third token (any name with three or more tokens)
    person = ENTITY_TYPE_CODES.index("person")
    carried = ("nid", "eidx", "src", "comp", "order")  # what a refined key keeps of its parent
    # a birth year narrows the block, not the name: it keeps its parent key's multiplicity
    by_year = (
        big.filter(pl.col("et") == person)
        .join(years, on="eidx")
        .select(
            *carried,
            parent_multiplicity="multiplicity",
            block=_block_id(pl.col("block"), pl.col("year")),
        )
    )
    third = (
        big.filter(pl.col("t2").is_not_null())
        .join(rare.select("nid", t3="tok"), on="nid")
        .filter((pl.col("t3") != pl.col("t1")) & (pl.col("t3") != pl.col("t2")))
        .select(
            *carried,
            parent_multiplicity=pl.lit(0, dtype=pl.UInt32),
            block=_block_id(
                pl.col("et"),
                pl.min_horizontal("t1", "t3"),
                pl.when(pl.col("t3") < pl.col("t1"))
                .then(pl.col("t1"))
                .otherwise(pl.min_horizontal("t2", "t3")),
                pl.max_horizontal("t2", "t3"),
            ),
        )
    )
    refined = pl.concat([by_year, third.cast(by_year.schema)])
    refined = _one_per_party(refined, extra=[pl.col("parent_multiplicity").max()])
    refined = refined.join(_key_sizes(refined), on="block").with_columns(
        multiplicity=pl.max_horizontal("multiplicity", "parent_multiplicity")
    )
    columns = ["nid", "src", "comp", "order", "block", "size", "multiplicity"]
    usable = pl.concat([keys.select(columns), refined.select(columns)])
    usable = usable.filter(pl.col("size") > 1)
    pairs = _window_pairs(usable, settings.window)
    exact = _exact_pairs(names, settings.window + 1)
    pairs = (
        pl.concat([pairs, exact])
        .group_by("nid_l", "nid_r")
        .agg(pl.col("shared").sum(), pl.col("multiplicity").min())
        .sort("nid_l", "nid_r")
    )
    stats = {
        "blocking_keys": int(sizes.height),
        "blocking_keys_over_max_block": int(
            sizes.filter(pl.col("size") > settings.max_block).height
        ),
        "blocking_keys_windowed": int(
            usable.filter(pl.col("size") > settings.window + 1).select("block").n_unique()
        ),
        "candidate_name_pairs": int(pairs.height),
    }
    return pairs, stats


def _exact_pairs(names: pl.DataFrame, most: int) -> pl.DataFrame:
    """Name pairs of two parties (of two listing units, not already one group) carrying the
    same whole name: they always meet, whatever the blocks they share, their sizes and their
    order. A name more than `most` parties carry (`window + 1`: a group a sorted neighbourhood
    no longer compares in full) is left to the blocks, where identical names sort side by
    side: every pair of such a name would grow with the square of its carriers."""
    rows = names.filter(~pl.col("weak")).select(
        "nid", "src", "comp", "name_mult", h=pl.col("key").hash(seed=5)
    )
    rows = rows.filter(pl.len().over("h") <= most)
    joined = rows.join(rows, on="h", suffix="_r").filter(
        (pl.col("nid") < pl.col("nid_r"))
        & (pl.col("src") != pl.col("src_r"))
        & (pl.col("comp") != pl.col("comp_r"))
    )
    return joined.select(
        nid_l=pl.col("nid").cast(pl.UInt32),
        nid_r=pl.col("nid_r").cast(pl.UInt32),
        shared=pl.lit(1, dtype=pl.UInt32),
        multiplicity=pl.col("name_mult").cast(pl.UInt32),
    )


def _one_per_party(keys: pl.DataFrame, extra: list[pl.Expr] | None = None) -> pl.DataFrame:
    """One row per (party, block): the party's preferred name carrying the key (lowest nid:
    `prepare_names` orders a party's names Latin script first, then shortest — the core of the
    name, `BUTEMBO AIRLINES` rather than `BUTEMBO AIRLINES BAL`)."""
    first = pl.col("nid").arg_min()
    taken = [
        pl.col(c).get(first)
        for c in keys.columns
        if c not in ("eidx", "block", "nid", "parent_multiplicity")
    ]
    return keys.group_by("eidx", "block").agg(pl.col("nid").min(), *taken, *(extra or []))


_PAIR_SCHEMA = {"pair": pl.UInt64, "shared": pl.UInt32, "multiplicity": pl.UInt32}


def _merge_pairs(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Sightings of one pair (in several blocks) → one row: keys shared, rarest key."""
    if not frames:
        return pl.DataFrame(schema=_PAIR_SCHEMA)
    return (
        pl.concat(frames)
        .group_by("pair")
        .agg(pl.col("shared").sum(), pl.col("multiplicity").min())
        .cast(_PAIR_SCHEMA)
    )


def _window_pairs(rows: pl.DataFrame, window: int) -> pl.DataFrame:
    """Sorted-neighbourhood pairs: rows sorted by (block, name), each with the next `window`.

    Shifts are vectorised; a pair is one 64-bit integer (its two name numbers), and sightings
    are merged every few shifts so memory follows the distinct pairs, not every sighting.
    """
    ordered = rows.sort("block", "order", "nid").select(
        "nid", "src", "comp", "block", "multiplicity"
    )
    merged = pl.DataFrame(schema=_PAIR_SCHEMA)
    batch: list[pl.DataFrame] = []
    low, high = pl.min_horizontal("nid", "nid_s"), pl.max_horizontal("nid", "nid_s")
    lazy = ordered.lazy()
    for step in range(1, window + 1):
        found = (
            lazy.with_columns(
                nid_s=pl.col("nid").shift(-step),
                block_s=pl.col("block").shift(-step),
                src_s=pl.col("src").shift(-step),
                comp_s=pl.col("comp").shift(-step),
            )
            .filter(pl.col("block") == pl.col("block_s"))
            .select(
                pair=low.cast(pl.UInt64) * PAIR_HIGH + high.cast(pl.UInt64),
                shared=pl.lit(1, dtype=pl.UInt32),
                multiplicity="multiplicity",
                other=(pl.col("src") != pl.col("src_s")) & (pl.col("comp") != pl.col("comp_s")),
            )
            .collect()
        )
        if found.is_empty():
            break
        batch.append(found.filter(pl.col("other")).drop("other"))
        if len(batch) == 3:
            merged = _merge_pairs([merged, *batch])
            batch = []
    pairs = _merge_pairs([merged, *batch])
    return pairs.select(
        nid_l=(pl.col("pair") // PAIR_HIGH).cast(pl.UInt32),
        nid_r=(pl.col("pair") % PAIR_HIGH).cast(pl.UInt32),
        shared="shared",
        multiplicity="multiplicity",
    )
