"""Scoring: the log-odds weight of each candidate party pair, feature by feature.

The best name pair (ratio, consonant skeleton, one name inside the other), how many name pairs
agree, how common the name is, birth dates with their precision (a one-day gap between lists
is a time-zone slip, the same year with another day a typo, no overlap a conflict), countries,
a shared document number of any country, gender, and for organisations their register numbers.
The weights themselves are in `reconcile.weights`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from reconcile.deterministic import COUNTRY_BOUND, MIN_DOCUMENT_LENGTH, document_number
from reconcile.weights import AGREEING_SIMILARITY, DEFAULT, Settings


def birth_ranges(birth_dates: pl.DataFrame) -> pl.DataFrame:
    """entity_id, lo, hi, day: each birth date as a closed range (circa widened by a year)."""
    dated = birth_dates.filter(pl.col("date_from").is_not_null())
    circa = pl.col("circa").fill_null(False)
    lo = pl.col("date_from")
    hi = pl.coalesce("date_to", "date_from")
    return dated.select(
        "entity_id",
        lo=pl.when(circa).then(lo.dt.offset_by("-1y")).otherwise(lo),
        hi=pl.when(circa).then(hi.dt.offset_by("1y")).otherwise(hi),
        day=(pl.col("precision") == "day") & ~circa,
    )


def party_countries(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, country_code: nationality/citizenship for persons, flag for vessels and
    aircraft, jurisdiction for organisations."""
    countries = tables["countries"].filter(pl.col("country_code").is_not_null())
    entities = tables["entities"].select("entity_id", "entity_type")
    joined = countries.join(entities, on="entity_id")
    relation = (
        pl.when(pl.col("entity_type") == "person")
        .then(pl.col("relation").is_in(["nationality", "citizenship"]))
        .when(pl.col("entity_type") == "organization")
        .then(pl.col("relation") == "jurisdiction")
        .otherwise(pl.col("relation") == "flag")
    )
    return joined.filter(relation).select("entity_id", "country_code").unique()


def party_gender(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, gender (`m`/`f`) where a list states exactly one."""
    gender = (
        tables["attributes"]
        .filter(pl.col("attribute") == "gender")
        .select("entity_id", gender=pl.col("value").str.to_lowercase().str.slice(0, 1))
    )
    gender = gender.filter(pl.col("gender").is_in(["m", "f"])).unique()
    return gender.filter(pl.len().over("entity_id") == 1)


def _documents(identifiers: pl.DataFrame) -> pl.DataFrame:
    """entity_id, num: document numbers of any country, long enough to mean something."""
    docs = identifiers.filter(pl.col("id_type").is_in(COUNTRY_BOUND)).select(
        "entity_id", num=document_number(pl.coalesce("normalized", "value"))
    )
    return docs.filter(pl.col("num").str.len_chars() > MIN_DOCUMENT_LENGTH).unique()


# Runs of this many digits in a registration or tax identifier are register numbers (a cell
# may hold two: `1067746244026 dated 27/07/1992. Tax ID: 7705713236`).
_REGISTER_NUMBER = r"\d{8,}"


def _register_numbers(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, reg, size: the register numbers (company registration, tax) an organisation
    carries. A company keeps its number for life, so unlike a person's passport two that
    differ mean two companies (OAO `VO TPE` and its OOO of the same name)."""
    orgs = tables["entities"].filter(pl.col("entity_type") == "organization")
    ids = tables["identifiers"].filter(pl.col("id_type").is_in(["registration", "tax_id"]))
    ids = ids.join(orgs.select("entity_id"), on="entity_id", how="semi")
    regs = ids.select("entity_id", reg=pl.col("value").str.extract_all(_REGISTER_NUMBER))
    regs = regs.explode("reg").drop_nulls("reg").unique()
    return regs.with_columns(size=pl.col("reg").str.len_chars())


def by_index(frame_: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    return frame_.join(index.select("entity_id", "eidx"), on="entity_id").drop("entity_id")


@dataclass
class PartyFacts:
    """What parties state besides names, keyed by party index (eidx), for pair comparisons."""

    ranges: pl.DataFrame  # eidx, lo, hi, day
    countries: pl.DataFrame  # eidx, cc (list)
    documents: pl.DataFrame  # eidx, num
    registry: pl.DataFrame  # eidx, reg, size: organisations' register numbers
    gender: pl.DataFrame  # eidx, gender

    @classmethod
    def of(cls, tables: Mapping[str, pl.DataFrame], index: pl.DataFrame) -> PartyFacts:
        return cls(
            ranges=by_index(birth_ranges(tables["birth_dates"]), index),
            countries=by_index(party_countries(tables), index)
            .group_by("eidx")
            .agg(cc="country_code"),
            documents=by_index(_documents(tables["identifiers"]), index),
            registry=by_index(_register_numbers(tables), index),
            gender=by_index(party_gender(tables), index),
        )


def _pair_features(pairs: pl.DataFrame, facts: PartyFacts) -> pl.DataFrame:
    """el, er → birth-date, country, document and gender comparisons (null: not comparable)."""
    keys = pairs.select("el", "er")
    both = keys.join(facts.ranges, left_on="el", right_on="eidx").join(
        facts.ranges, left_on="er", right_on="eidx", suffix="_r"
    )
    days = pl.col("day") & pl.col("day_r")
    apart = (pl.col("lo") - pl.col("lo_r")).dt.total_days().abs()
    dates = both.group_by("el", "er").agg(
        dob_exact=(days & (apart == 0)).any(),
        # overlapping ranges, or day dates one day apart (a time-zone slip between lists)
        dob_overlap=(
            ((pl.col("lo") <= pl.col("hi_r")) & (pl.col("lo_r") <= pl.col("hi")))
            | (days & (apart <= 1))
        ).any(),
        dob_close=(days & (pl.col("lo").dt.year() == pl.col("lo_r").dt.year())).any(),
        # the same birth date as stated (day, month or year), not a range that overlaps
        dob_same=((pl.col("lo") == pl.col("lo_r")) & (pl.col("hi") == pl.col("hi_r"))).any(),
    )
    countries = (
        keys.join(facts.countries, left_on="el", right_on="eidx")
        .join(facts.countries, left_on="er", right_on="eidx", suffix="_r")
        .select(
            "el", "er", country_overlap=pl.col("cc").list.set_intersection("cc_r").list.len() > 0
        )
    )
    documents = (
        keys.join(facts.documents, left_on="el", right_on="eidx")
        .join(facts.documents, left_on=["er", "num"], right_on=["eidx", "num"])
        .group_by("el", "er")
        .agg(document=pl.col("num").min())
    )
    registers = (
        keys.join(facts.registry, left_on="el", right_on="eidx")
        .join(facts.registry, left_on="er", right_on="eidx", suffix="_r")
        .group_by("el", "er")
        .agg(
            registry_conflict=(pl.col("size") == pl.col("size_r")).any()
            & ~(pl.col("reg") == pl.col("reg_r")).any()
        )
    )
    gender = facts.gender
    return (
        keys.join(dates, on=["el", "er"], how="left")
        .join(countries, on=["el", "er"], how="left")
        .join(documents, on=["el", "er"], how="left")
        .join(registers, on=["el", "er"], how="left")
        .join(gender.rename({"gender": "g_l"}), left_on="el", right_on="eidx", how="left")
        .join(gender.rename({"gender": "g_r"}), left_on="er", right_on="eidx", how="left")
    )


def _name_weight(similarity: pl.Expr, settings: Settings) -> pl.Expr:
    expr: pl.Expr | None = None
    for bound, weight in settings.name_weights:
        cond = similarity >= bound
        expr = pl.when(cond).then(weight) if expr is None else expr.when(cond).then(weight)
    assert expr is not None
    return expr.otherwise(settings.name_weights[-1][1])


_SIMILARITY_CHUNK = 200_000  # name pairs per cpdist call: bounds the Python strings alive


def _similarities(pairs: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """nid_l, nid_r, n_l, n_r → + sim (sorted-token ratio, 0-100) and subset (one name's tokens
    all inside the other's; only asked where it could outweigh `sim`: two names of two or more
    tokens, not already near-equal).

    Names are gathered a chunk at a time, so only one chunk's strings are alive at once.
    """
    from rapidfuzz import fuzz  # here, not with the module: the definitions import it
    from rapidfuzz.process import cpdist

    keys = names["key"]

    def compare(frame_: pl.DataFrame, scorer: Any) -> pl.Series:
        out: list[pl.Series] = []
        for chunk in _chunks(frame_, _SIMILARITY_CHUNK):
            left = keys.gather(chunk["nid_l"]).to_list()
            right = keys.gather(chunk["nid_r"]).to_list()
            out.append(pl.Series(cpdist(left, right, scorer=scorer, workers=-1), dtype=pl.Float64))
        return pl.concat(out)

    pairs = pairs.with_columns(sim=compare(pairs, fuzz.ratio))
    asked = (pl.min_horizontal("n_l", "n_r") >= 2) & (pl.col("sim") < AGREEING_SIMILARITY)
    pairs = pairs.with_row_index("_row")
    subset = pairs.filter(asked).select("_row", "nid_l", "nid_r")
    subset = subset.with_columns(subset=compare(subset, fuzz.token_set_ratio) >= 100.0)
    return (
        pairs.join(subset.select("_row", "subset"), on="_row", how="left")
        .sort("_row")
        .drop("_row")
        .with_columns(pl.col("subset").fill_null(False))
    )


def _agreement_bonus(settings: Settings) -> pl.Expr:
    """Each further name pair two parties agree on (lists share alias lists) adds weight."""
    extra = (pl.col("agreeing").cast(pl.Int64) - 1).clip(0, settings.agreeing_names_max)
    return settings.agreeing_name_weight * extra


def _name_weights(pairs: pl.DataFrame, names: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Name pairs (nid_*, skel_hash_*, n_*, letters_*) → + sim, subset, w_name."""
    pairs = _similarities(pairs, names)
    skeleton_match = (
        (pl.col("skel_hash_l") == pl.col("skel_hash_r"))
        & (pl.col("sim") >= settings.skeleton_min_similarity)
        & (pl.col("skel_letters_l") >= settings.skeleton_min_length)
    )
    coverage = pl.min_horizontal("n_l", "n_r") / pl.max_horizontal("n_l", "n_r")
    w_name = pl.max_horizontal(
        _name_weight(pl.col("sim"), settings),
        pl.when(skeleton_match).then(settings.skeleton_weight).otherwise(-100.0),
        pl.when(pl.col("subset") & (pl.min_horizontal("n_l", "n_r") >= 2))
        .then(
            pl.when(coverage >= settings.subset_min_coverage)
            .then(settings.subset_weight)
            .otherwise(settings.subset_weight_loose)
        )
        .otherwise(-100.0),
    )
    letters = pl.min_horizontal("letters_l", "letters_r")
    w_short = pl.when(letters < settings.short_name).then(settings.short_name_weight).otherwise(0.0)
    w_weak = (
        pl.when(pl.col("weak_l") | pl.col("weak_r"))
        .then(-settings.weak_name_discount)
        .otherwise(0.0)
    )
    return pairs.with_columns(w_name=w_name + w_short + w_weak)


_PAIR_CHUNK = 400_000  # name pairs weighed at once: bounds the memory of the name stage


def _weighed(pairs: pl.DataFrame, names: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """nid_l, nid_r, commonness (of the blocking key, or null), shared → the name weight of each
    pair, reduced to what choosing a party pair's best names needs."""
    columns = _name_columns(names, pairs["nid_l"], pairs["nid_r"])
    weighed = _name_weights(pairs.with_columns(**columns), names, settings)
    # the evidence is as rare as the rarest of the shared key and the whole names
    whole = pl.max_horizontal("mult_l", "mult_r")
    return weighed.select(
        "el",
        "er",
        "w_name",
        "sim",
        "nid_l",
        "nid_r",
        commonness=pl.min_horizontal(pl.col("commonness"), whole).cast(pl.UInt32),
        shared=pl.col("shared").cast(pl.UInt32),
        agreeing=(pl.col("sim") >= AGREEING_SIMILARITY).cast(pl.UInt32),
    )


def _best(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Weighed name pairs (or earlier bests) → per party pair: the best name pair, keys shared,
    name pairs that agree. Composable: bests of chunks combine into the best of the whole."""
    return (
        pl.concat(frames)
        .sort(["w_name", "sim", "nid_l", "nid_r"], descending=[True, True, False, False])
        .group_by("el", "er", maintain_order=True)
        .agg(
            pl.first("w_name"),
            pl.first("sim"),
            pl.first("nid_l"),
            pl.first("nid_r"),
            pl.first("commonness"),
            pl.col("shared").sum(),
            pl.col("agreeing").sum(),
        )
    )


def _chunks(frame_: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    return [frame_.slice(start, size) for start in range(0, max(frame_.height, 1), size)]


def _name_columns(names: pl.DataFrame, left: pl.Series, right: pl.Series) -> dict[str, pl.Series]:
    """The columns a name pair is scored on, gathered by name number (nid is the row number)."""
    out: dict[str, pl.Series] = {}
    for side, nids in (("l", left), ("r", right)):
        out[f"e{side}"] = names["eidx"].gather(nids)
        out[f"skel_hash_{side}"] = names["skel_hash"].gather(nids)
        out[f"n_{side}"] = names["n_tok"].gather(nids)
        out[f"letters_{side}"] = names["letters"].gather(nids)
        out[f"skel_letters_{side}"] = names["skel_letters"].gather(nids)
        out[f"mult_{side}"] = names["name_mult"].gather(nids)
        out[f"weak_{side}"] = names["weak"].gather(nids)
    return out


def _all_names(candidates: pl.DataFrame, names: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Rescore party pairs on every pair of their names (each party's first `max_names`):
    blocking compared one name per shared key; the best and the agreeing names may be others."""
    per_party = names.select("nid", "eidx").filter(
        pl.int_range(pl.len()).over("eidx") < settings.max_names
    )
    bests: list[pl.DataFrame] = []
    # a candidate pair expands into (names × names) rows: chunks of candidates bound that
    for chunk in _chunks(candidates.select("el", "er", "commonness", "shared"), _PAIR_CHUNK // 16):
        grid = chunk.join(per_party.rename({"nid": "nid_l"}), left_on="el", right_on="eidx").join(
            per_party.rename({"nid": "nid_r"}), left_on="er", right_on="eidx"
        )
        if not grid.is_empty():
            bests.append(_best([_weighed(grid.drop("el", "er"), names, settings)]))
    if not bests:
        return candidates.head(0).select(
            "el", "er", "w_name", "sim", "nid_l", "nid_r", "commonness", "shared", "agreeing"
        )
    return pl.concat(bests)


def score_pairs(
    names: pl.DataFrame,
    name_pairs: pl.DataFrame,
    facts: PartyFacts,
    settings: Settings = DEFAULT,
) -> pl.DataFrame:
    """One row per candidate party pair (el, er): the best name pair, each feature's weight,
    the logit and the score (probability).

    Names are first compared one pair per shared blocking key; each party keeps its
    `max_candidates` best-named candidates; its best few with some name evidence are rescored
    on all their names; then birth dates, countries, documents and gender are compared.
    """
    stage = [
        _best([_weighed(chunk.rename({"multiplicity": "commonness"}), names, settings)])
        for chunk in _chunks(name_pairs, _PAIR_CHUNK)
    ]
    best = _best(stage) if stage else pl.DataFrame()
    best = best.with_columns(w_name=pl.col("w_name") + _agreement_bonus(settings))
    best = _prune(best, settings.max_candidates)
    counts = names.group_by("eidx").len("n_names")
    named = (
        best.filter(
            (pl.col("rank") < settings.rescore_candidates)
            & (pl.col("w_name") >= settings.rescore_from)
        )
        .join(counts.rename({"eidx": "el", "n_names": "names_l"}), on="el")
        .join(counts.rename({"eidx": "er", "n_names": "names_r"}), on="er")
        .filter(pl.col("names_l") * pl.col("names_r") > 1)
    )
    rescored = _all_names(named, names, settings).with_columns(
        w_name=pl.col("w_name") + _agreement_bonus(settings)
    )
    best = pl.concat(
        [best.join(named, on=["el", "er"], how="anti").drop("rank"), rescored],
        how="vertical_relaxed",
    )
    best = best.with_columns(entity_type=names["entity_type"].gather(best["nid_l"]))
    scored = best.join(_pair_features(best, facts), on=["el", "er"], how="left")
    prior = pl.col("entity_type").replace_strict(settings.prior, return_dtype=pl.Float64)
    w_rarity = (
        settings.rarity_bonus
        - settings.rarity_per_log * pl.col("commonness").cast(pl.Float64).log()
    )
    w_dob = (
        pl.when(pl.col("dob_exact"))
        .then(settings.dob_exact)
        .when(pl.col("dob_overlap"))
        .then(settings.dob_overlap)
        .when(pl.col("dob_close"))
        .then(settings.dob_close)
        .when(pl.col("dob_overlap").is_not_null())
        .then(settings.dob_conflict)
        .otherwise(0.0)
    )
    w_country = (
        pl.when(pl.col("country_overlap"))
        .then(settings.country_overlap)
        .when(pl.col("country_overlap").is_not_null())
        .then(settings.country_conflict)
        .otherwise(0.0)
    )
    w_doc = pl.when(pl.col("document").is_not_null()).then(settings.document_shared).otherwise(0.0)
    gender_differs = (
        pl.col("g_l").is_not_null() & pl.col("g_r").is_not_null() & (pl.col("g_l") != pl.col("g_r"))
    )
    w_gender = pl.when(gender_differs).then(settings.gender_conflict).otherwise(0.0)
    w_registry = (
        pl.when(pl.col("registry_conflict")).then(settings.registry_conflict).otherwise(0.0)
    )
    scored = scored.with_columns(
        w_prior=prior,
        w_rarity=w_rarity,
        w_dob=w_dob,
        w_country=w_country,
        w_doc=w_doc,
        w_gender=w_gender,
        w_registry=w_registry,
    )
    logit = pl.sum_horizontal(
        "w_prior", "w_name", "w_rarity", "w_dob", "w_country", "w_doc", "w_gender", "w_registry"
    )
    scored = scored.with_columns(logit=logit).with_columns(
        score=(1.0 / (1.0 + (-pl.col("logit")).exp())).round(6)
    )
    # strong evidence, what a link joining two entries of one list needs (`cluster`): the
    # same primary name (not an alias) and the same birth date
    primaries = (
        names.filter(pl.col("primary")).select("eidx", h=pl.col("key").hash(seed=5)).unique()
    )
    same_primary = (
        scored.select("el", "er")
        .join(primaries, left_on="el", right_on="eidx")
        .join(primaries, left_on=["er", "h"], right_on=["eidx", "h"], how="semi")
        .select("el", "er")
        .unique()
        .with_columns(primary_same=pl.lit(True))
    )
    scored = scored.join(same_primary, on=["el", "er"], how="left")
    return scored.with_columns(
        strong=pl.col("primary_same").fill_null(False) & pl.col("dob_same").fill_null(False)
    )


def _prune(pairs: pl.DataFrame, keep: int) -> pl.DataFrame:
    """Keep party pairs among either party's `keep` best candidates (best name match, then
    most blocking keys shared): each party is scored a bounded number of times however many
    look-alikes its blocks hold."""
    order = ["w_name", "sim", "shared", "el", "er"]
    descending = [True, True, True, False, False]
    ranked = pairs.sort(order, descending=descending).with_columns(
        rank_l=pl.int_range(pl.len()).over("el"), rank_r=pl.int_range(pl.len()).over("er")
    )
    kept = ranked.filter((pl.col("rank_l") < keep) | (pl.col("rank_r") < keep))
    return kept.with_columns(rank=pl.min_horizontal("rank_l", "rank_r")).drop("rank_l", "rank_r")
