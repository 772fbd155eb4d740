"""Scored links: block, score and accept party pairs, one entity type at a time.

A pair is accepted at `Settings.threshold`, unless the evidence cannot tell which of two
entries of one listing unit it points to (`Settings.ambiguity_margin`). A listing unit is the
list that holds a party once — for the UN, each committee's regime (`ONE_ENTRY_PER_REGIME`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

import polars as pl

from core.canonical import ENTITY_TYPES as ENTITY_TYPE_CODES
from reconcile.blocking import birth_years, block
from reconcile.deterministic import LINK_SCHEMA, PROBABILISTIC
from reconcile.inputs import complete
from reconcile.memo import TypeMemo, TypeResult
from reconcile.names import prepare_names
from reconcile.scoring import PartyFacts, by_index, score_pairs
from reconcile.weights import DEFAULT, Settings

# Lists that hold a party once per regime rather than once: each UN committee keeps its own
# entry (Hassan Dahir AWEYS is QDi.042 on the Al-Qaida list and SOi.002 on the Somalia list),
# so two UN entries of different regimes may be one party.
ONE_ENTRY_PER_REGIME = ("un_sc",)


def listing_units(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, unit: the list (or, for `ONE_ENTRY_PER_REGIME`, the list's regime) that holds
    a party once. Two entries of one unit are two parties: a scored link never joins them."""
    entities = tables["entities"].select("entity_id", "source")
    regimes = (
        tables["sanctions"]
        .join(entities.filter(pl.col("source").is_in(ONE_ENTRY_PER_REGIME)), on="entity_id")
        .group_by("entity_id")
        .agg(pl.col("program").drop_nulls().unique())
        .filter(pl.col("program").list.len() == 1)
        .select("entity_id", regime=pl.col("program").list.first())
    )
    return entities.join(regimes, on="entity_id", how="left").select(
        "entity_id",
        unit=pl.when(pl.col("regime").is_null())
        .then(pl.col("source"))
        .otherwise(pl.col("source") + ":" + pl.col("regime")),
    )


def entity_index(entities: pl.DataFrame, components: pl.DataFrame | None) -> pl.DataFrame:
    """entity_id → eidx, src (listing unit), comp (integers) and entity_type, for vectorised
    pair work; `entities` carries `unit` (`listing_units`)."""
    index = entities.select("entity_id", "unit", "entity_type").sort("entity_id")
    index = index.with_row_index("eidx")
    if components is None:
        index = index.with_columns(component=pl.col("entity_id"))
    else:
        index = index.join(components, on="entity_id", how="left").with_columns(
            component=pl.coalesce("component", "entity_id")
        )
    return index.with_columns(
        src=pl.col("unit").rank("dense").cast(pl.UInt32),
        comp=pl.col("component").rank("dense").cast(pl.UInt32),
    ).sort("eidx")


def _unambiguous(accepted: pl.DataFrame, index: pl.DataFrame, margin: float) -> pl.DataFrame:
    """Scored links without the ambiguous ones: a party whose links into one listing unit reach
    two of its groups with logits within `margin` of the best is linked to neither of them —
    the evidence cannot tell which (two entries of one list share the name, nothing else
    decides). A link far below the best stays (the clustering refuses it)."""
    units, comps = index["src"], index["comp"]
    out = accepted.with_columns(
        u_l=units.gather(accepted["el"]),
        u_r=units.gather(accepted["er"]),
        c_l=comps.gather(accepted["el"]),
        c_r=comps.gather(accepted["er"]),
    )
    for party, unit, group in (("el", "u_r", "c_r"), ("er", "u_l", "c_l")):
        near = pl.col("logit") >= pl.col("logit").max().over(party, unit) - margin
        out = out.with_columns(_near=near).with_columns(
            _groups=pl.col(group).filter(pl.col("_near")).n_unique().over(party, unit)
        )
        out = out.filter(~(pl.col("_near") & (pl.col("_groups") > 1)))
    return out.drop("u_l", "u_r", "c_l", "c_r", "_near", "_groups")


def probabilistic_links(
    tables: Mapping[str, pl.DataFrame],
    components: pl.DataFrame | None = None,
    settings: Settings = DEFAULT,
    keep_scores: bool = False,
    memo: TypeMemo | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """Scored candidate party pairs (with `keep_scores`: every one, by party index, with each
    feature's weight) and the links reaching the threshold (LINK_SCHEMA).

    `components` (entity_id, component) names the groups deterministic links already formed:
    parties of one group are not compared again. `memo` keeps each type's links for the next
    run (not with `keep_scores`).
    """
    tables = complete(tables)
    units = tables["entities"].join(listing_units(tables), on="entity_id")
    index = entity_index(units, components)
    facts = PartyFacts.of(tables, index)
    years = by_index(birth_years(tables["birth_dates"]), index)
    # parties of different types are never compared: resolve one type at a time, which also
    # bounds the memory of each step (two types at once in two threads was measured: no
    # faster on 2 cores, more CPU)
    parts = [
        index.filter(pl.col("entity_type") == entity_type) for entity_type in ENTITY_TYPE_CODES
    ]
    done = [
        _one_type(
            part,
            index=index,
            tables=tables,
            facts=facts,
            years=years,
            settings=settings,
            memo=None if keep_scores else memo,
            keep_scores=keep_scores,
        )
        for part in parts
        if not part.is_empty()
    ]
    links: list[pl.DataFrame] = []
    scores: list[pl.DataFrame] = []
    stats: dict[str, int] = {}
    total_names = 0
    candidates = 0
    for result, scored in done:
        total_names += result.names
        for key, value in result.stats.items():
            stats[key] = stats.get(key, 0) + value
        links.append(result.links)
        candidates += result.candidates
        if scored is not None:
            scores.append(scored.drop("nid_l", "nid_r"))
    del done
    found = pl.concat(links) if links else pl.DataFrame(schema=LINK_SCHEMA)
    scored = pl.concat(scores, how="diagonal_relaxed") if scores else pl.DataFrame()
    stats.update(
        names=total_names,
        candidate_pairs=candidates,
        probabilistic_links=int(found.height),
    )
    return scored, found, stats


def type_inputs(
    part: pl.DataFrame,
    tables: Mapping[str, pl.DataFrame],
    facts: PartyFacts,
    years: pl.DataFrame,
) -> tuple[dict[str, pl.DataFrame], PartyFacts, pl.DataFrame]:
    """The rows scoring the parties of `part` (one type's rows of `entity_index`) reads:
    their names, primary names, facts and birth years — nothing of another type's parties."""
    entities = pl.col("entity_id").is_in(part["entity_id"].implode())
    parties = pl.col("eidx").is_in(part["eidx"].implode())
    own = {
        "names": tables["names"]
        .select("entity_id", "name", "name_type", "quality")
        .filter(entities),
        "entities": tables["entities"].select("entity_id", "primary_name").filter(entities),
    }
    own_facts = PartyFacts(
        **{f.name: getattr(facts, f.name).filter(parties) for f in fields(PartyFacts)}
    )
    return own, own_facts, years.filter(parties)


def _one_type(
    part: pl.DataFrame,
    index: pl.DataFrame,
    tables: Mapping[str, pl.DataFrame],
    facts: PartyFacts,
    years: pl.DataFrame,
    settings: Settings,
    memo: TypeMemo | None,
    keep_scores: bool = False,
) -> tuple[TypeResult, pl.DataFrame | None]:
    """The parties of one type (`part` of `entity_index`): their links, candidate count, the
    blocking's counts and the number of names (from `memo` when its inputs are unchanged), and
    with `keep_scores` every scored pair. `index` is read at the positions (eidx) of
    `part`'s parties alone, where its rows are `part`'s."""
    tables, facts, years = type_inputs(part, tables, facts, years)
    key = None
    if memo is not None:
        frames = [part, *tables.values(), *(getattr(facts, f.name) for f in fields(facts)), years]
        key = memo.key(frames, settings)
        if (kept := memo.get(key)) is not None:
            return kept, None
    ids = index["entity_id"]
    names = prepare_names(tables, part)
    name_pairs, part_stats = block(names, years, settings)
    scored = score_pairs(names, name_pairs, facts, settings)
    accepted = _unambiguous(
        scored.filter(pl.col("score") >= settings.threshold), index, settings.ambiguity_margin
    )
    accepted = accepted.with_columns(
        key_l=names["key"].gather(accepted["nid_l"]),
        key_r=names["key"].gather(accepted["nid_r"]),
    )
    links = accepted.select(
        left_entity_id=ids.gather(accepted["el"]),
        right_entity_id=ids.gather(accepted["er"]),
        rule=pl.lit(PROBABILISTIC),
        score=pl.col("score"),
        evidence=_evidence(),
        strong=pl.col("strong"),
    ).cast(LINK_SCHEMA)
    result = TypeResult(links, scored.height, part_stats, names.height)
    if memo is not None and key is not None:
        memo.put(key, result)
    return result, scored if keep_scores else None


def _evidence() -> pl.Expr:
    """What a probabilistic link rests on, in words."""
    return pl.concat_str(
        [
            pl.format("name '{}' ~ '{}' ({})", "key_l", "key_r", pl.col("sim").round(1)),
            pl.format("{} name pairs agree", "agreeing"),
            pl.format("name shared by up to {} per list", "commonness"),
            pl.when(pl.col("dob_exact"))
            .then(pl.lit("birth date equal"))
            .when(pl.col("dob_overlap"))
            .then(pl.lit("birth dates overlap"))
            .when(pl.col("dob_close"))
            .then(pl.lit("birth dates close"))
            .when(pl.col("dob_overlap").is_not_null())
            .then(pl.lit("birth dates differ")),
            pl.when(pl.col("country_overlap"))
            .then(pl.lit("country shared"))
            .when(pl.col("country_overlap").is_not_null())
            .then(pl.lit("countries differ")),
            pl.when(pl.col("document").is_not_null()).then("document " + pl.col("document")),
            pl.when(pl.col("w_gender") < 0).then(pl.lit("gender differs")),
            pl.when(pl.col("registry_conflict")).then(pl.lit("register numbers differ")),
            pl.format("logit {}", pl.col("logit").round(2)),
        ],
        separator="; ",
        ignore_nulls=True,
    )
