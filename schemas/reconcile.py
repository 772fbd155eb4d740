"""Pandera models of the reconciliation tables: clusters, their links and conflicts, and the
divergence between authorities (CONTRACT.md). They are the data dictionary too.

Strict: an undeclared column fails. Checks encode what an analyst relies on: one cluster per
entity, party IDs of the `party-` form, rule and attribute vocabularies closed, scores in
[0, 1], links oriented (left < right) and evidenced, authorities named consistently.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pandera.polars as pa
import polars as pl

from core.canonical import ENTITY_TYPES
from reconcile.clusters import CONFLICT_ATTRIBUTES
from reconcile.deterministic import PROBABILISTIC, RULES
from reconcile.divergence import AUTHORITY_ORDER
from reconcile.probabilistic import ONE_ENTRY_PER_REGIME

PARTY_ID = r"^party-[0-9a-f]{16}$"


def _cluster() -> object:
    return pa.Field(
        str_matches=PARTY_ID,
        description="Consolidated party ID: `party-` + 16 hex digits, stable across versions "
        "as long as any member of the party persists.",
    )


def _entity(side: str = "") -> object:
    prefix = f"{side} " if side else ""
    return pa.Field(description=f"{prefix}member entity_id (`<source>-<publisher's own id>`).")


def _source(side: str = "") -> object:
    prefix = f"{side} member's " if side else ""
    return pa.Field(description=f"Source name of CONTRACT.md of the {prefix}entry.")


def _publication(side: str = "") -> object:
    prefix = f"{side} member's " if side else ""
    return pa.Field(description=f"Source publication the {prefix}entry was read from.")


def _ids(what: str) -> object:
    return pa.Field(description=what)


class Clusters(pa.DataFrameModel):
    """One row per canonical entity: the consolidated party it belongs to (singletons too)."""

    cluster_id: str = _cluster()
    entity_id: str = pa.Field(unique=True, description="Member entity_id; in exactly one cluster.")
    source: str = _source()
    publication_id: str = _publication()
    entity_type: str = pa.Field(
        isin=ENTITY_TYPES, description="person, organization, vessel or aircraft (one per cluster)."
    )
    primary_name: str = pa.Field(description="The member's main name as its list publishes it.")
    cluster_size: int = pa.Field(ge=1, description="Members in the cluster (1: singleton).")

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(description="a cluster holds one entity type")
    @classmethod
    def one_type(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("entity_type").n_unique().over("cluster_id") == 1)


class ClusterLinks(pa.DataFrameModel):
    """One row per link that joins two members of a cluster, with its rule and evidence."""

    cluster_id: str = _cluster()
    left_entity_id: str = _entity("Left")
    right_entity_id: str = _entity("Right")
    rule: str = pa.Field(
        isin=list(RULES),
        description="Deterministic rule (`un_reference`, `imo`, `passport`, `national_id`, "
        "`tax_id`, `registration`, `swift_bic`, `lei`, `crypto_wallet`, `ofac_entity_number`, "
        "`ofsi_group_id`, `uk_list_reference`) or `probabilistic`.",
    )
    score: float = pa.Field(
        ge=0.0, le=1.0, description="1.0 for a deterministic link; else the match probability."
    )
    evidence: str = pa.Field(
        str_length={"min_value": 1},
        description="Deterministic: `<rule>: <shared key>` (with both published values where "
        "they differ). Probabilistic: the compared names, how common the name is, birth dates, "
        "countries, documents and the logit.",
    )
    left_source: str = _source("left")
    left_publication_id: str = _publication("left")
    right_source: str = _source("right")
    right_publication_id: str = _publication("right")

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(description="links are oriented: left_entity_id < right_entity_id")
    @classmethod
    def oriented(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("left_entity_id") < pl.col("right_entity_id"))

    @pa.dataframe_check(
        description="a link joins two different sources (or, scored, two UN entries: the UN "
        "holds a party once per committee)"
    )
    @classmethod
    def across_sources(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("left_source") != pl.col("right_source"))
            | (
                pl.col("left_source").is_in(ONE_ENTRY_PER_REGIME)
                & (pl.col("rule") == PROBABILISTIC)
            )
        )

    @pa.dataframe_check(description="deterministic evidence names its rule; score 1.0")
    @classmethod
    def deterministic_evidence(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("rule") == PROBABILISTIC)
            | (pl.col("evidence").str.starts_with(pl.col("rule") + ": ") & (pl.col("score") == 1.0))
        )


def _values(side: str) -> object:
    return pa.Field(description=f"What the {side} member states (values joined by `; `).")


class ClusterConflicts(pa.DataFrameModel):
    """One row per pair of cluster members that state an attribute incompatibly."""

    cluster_id: str = _cluster()
    attribute: str = pa.Field(
        isin=list(CONFLICT_ATTRIBUTES),
        description="`birth_date` (no date of one overlaps a date of the other), `nationality` "
        "(no country in common), `gender`, a single-valued identifier (`imo`, `lei`, `mmsi`, "
        "`un_reference`) with no value in common, or `same_source_members` (two entries of one "
        "list in one cluster: two UN entries of different regimes, joined on the same primary "
        "name and birth date).",
    )
    left_entity_id: str = _entity("Left")
    left_source: str = _source("left")
    left_publication_id: str = _publication("left")
    left_values: str = _values("left")
    right_entity_id: str = _entity("Right")
    right_source: str = _source("right")
    right_publication_id: str = _publication("right")
    right_values: str = _values("right")

    class Config:
        strict = True
        coerce = False


class DivergenceCoverage(pa.DataFrameModel):
    """One row per (party, listing authority, program) that another authority does not list."""

    cluster_id: str = _cluster()
    authority: str = pa.Field(isin=list(AUTHORITY_ORDER), description="US, EU, UK or UN.")
    program: str = pa.Field(
        nullable=True, description="The listing authority's own program or regime, as published."
    )
    entity_type: str = pa.Field(isin=ENTITY_TYPES, description="Entity type of the party.")
    primary_name: str = pa.Field(description="Main name on the listing authority's list.")
    listed_by: Annotated[pl.List, pl.String] = _ids("Authorities listing the party (sorted).")
    missing_from: Annotated[pl.List, pl.String] = _ids(
        "Authorities with a list in this run that do not list the party."
    )
    on_us: bool = pa.Field(description="Listed by the US (OFAC SDN or non-SDN consolidated).")
    on_eu: bool = pa.Field(description="Listed by the EU (FSF).")
    on_uk: bool = pa.Field(description="Listed by the UK (FCDO list or OFSI consolidated list).")
    on_un: bool = pa.Field(description="Listed by the UN Security Council.")
    entity_ids: Annotated[pl.List, pl.String] = _ids(
        "The listing authority's member entity_ids under this program."
    )
    publication_ids: Annotated[pl.List, pl.String] = _ids("Their publication_ids.")
    other_entity_ids: Annotated[pl.List, pl.String] = _ids(
        "The party's other members (other lists, the US CSL's re-publications included)."
    )
    searched_publication_ids: Annotated[pl.List, pl.String] = _ids(
        "Publications of the missing authorities that were searched."
    )

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(description="something is missing, and not the listing authority")
    @classmethod
    def gap(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("missing_from").list.len() > 0)
            & ~pl.col("missing_from").list.contains(pl.col("authority"))
            & pl.col("listed_by").list.contains(pl.col("authority"))
        )


class DivergenceLag(pa.DataFrameModel):
    """One row per (party on several authorities, authority): when it listed the party."""

    cluster_id: str = _cluster()
    authority: str = pa.Field(isin=list(AUTHORITY_ORDER), description="US, EU, UK or UN.")
    listed_on: date = pa.Field(
        nullable=True,
        description="Earliest listing date of the authority's members (entry date, else its "
        "earliest designation); null where the list gives none (OFAC CSV files).",
    )
    first_authority: str = pa.Field(
        nullable=True, description="Authority with the earliest known listing date."
    )
    first_listed_on: date = pa.Field(nullable=True, description="That earliest date.")
    lag_days: int = pa.Field(
        nullable=True, ge=0, description="Days from `first_listed_on` to `listed_on`."
    )
    authorities: Annotated[pl.List, pl.String] = _ids("Authorities listing the party (sorted).")
    entity_type: str = pa.Field(isin=ENTITY_TYPES, description="Entity type of the party.")
    primary_name: str = pa.Field(description="Main name on this authority's list.")
    entity_ids: Annotated[pl.List, pl.String] = _ids("This authority's member entity_ids.")
    publication_ids: Annotated[pl.List, pl.String] = _ids("Their publication_ids.")

    class Config:
        strict = True
        coerce = False


class DivergenceConflicts(pa.DataFrameModel):
    """Attribute conflicts (as in `cluster_conflicts`) between two different authorities."""

    cluster_id: str = _cluster()
    attribute: str = pa.Field(
        isin=[a for a in CONFLICT_ATTRIBUTES if a != "same_source_members"],
        description="birth_date, nationality, gender or a single-valued identifier.",
    )
    left_entity_id: str = _entity("Left")
    left_source: str = _source("left")
    left_publication_id: str = _publication("left")
    left_values: str = _values("left")
    right_entity_id: str = _entity("Right")
    right_source: str = _source("right")
    right_publication_id: str = _publication("right")
    right_values: str = _values("right")
    left_authority: str = pa.Field(isin=list(AUTHORITY_ORDER), description="Left authority.")
    right_authority: str = pa.Field(isin=list(AUTHORITY_ORDER), description="Right authority.")

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(description="two different authorities")
    @classmethod
    def between(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("left_authority") != pl.col("right_authority"))


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "clusters": Clusters,
    "cluster_links": ClusterLinks,
    "cluster_conflicts": ClusterConflicts,
    "divergence_coverage": DivergenceCoverage,
    "divergence_lag": DivergenceLag,
    "divergence_conflicts": DivergenceConflicts,
}
