"""Divergence between authorities (`reconcile.divergence`) and the reconciliation tables'
models."""

from datetime import date

import polars as pl

from reconcile import divergence
from schemas.reconcile import MODELS
from schemas.validate import validate


def test_coverage_answers_who_did_not_list(built: dict[str, pl.DataFrame]) -> None:
    coverage = built["divergence_coverage"]
    russia = coverage.filter(
        (pl.col("authority") == "US")
        & (pl.col("program") == "RUSSIA-EO14024")
        & ~pl.col("on_eu")
        & ~pl.col("on_uk")
    )
    assert russia["entity_ids"].to_list() == [["us_ofac_sdn-34676"]]
    row = russia.row(0, named=True)
    assert row["missing_from"] == ["EU", "UK", "UN"]
    assert row["publication_ids"] == ["us_ofac_sdn-5ec6ac52d802c894"]
    assert "un_sc-afeb96b9ef40d458" in row["searched_publication_ids"]
    gazprom = coverage.filter(pl.col("entity_ids").list.contains("gb_ofsi-15015")).row(
        0, named=True
    )
    assert (gazprom["authority"], gazprom["program"]) == ("UK", "Russia")
    assert gazprom["listed_by"] == ["UK", "US"]
    assert gazprom["missing_from"] == ["EU", "UN"]
    assert gazprom["other_entity_ids"] == ["us_csl-17016", "us_ofac_cons-17016"]
    un_not_uk = coverage.filter((pl.col("authority") == "UN") & ~pl.col("on_uk"))
    assert un_not_uk.is_empty()  # every UN party of the fixture is also on a UK list


def test_coverage_only_counts_authorities_in_the_run(
    tables: dict[str, pl.DataFrame], built: dict[str, pl.DataFrame]
) -> None:
    clusters = built["clusters"].filter(pl.col("source") != "un_sc")
    coverage = divergence.coverage(clusters, tables)
    assert not coverage.is_empty()
    assert "UN" not in set(coverage["missing_from"].explode())


def test_lag_in_days_behind_the_first_authority(built: dict[str, pl.DataFrame]) -> None:
    lag = built["divergence_lag"]
    ghailani = lag.filter(pl.col("entity_ids").list.contains("gb_ofsi-6925")).row(0, named=True)
    un = lag.filter(pl.col("entity_ids").list.contains("un_sc-112044")).row(0, named=True)
    us = lag.filter(pl.col("entity_ids").list.contains("us_ofac_sdn-6925")).row(0, named=True)
    assert (ghailani["listed_on"], ghailani["first_authority"], ghailani["lag_days"]) == (
        date(2001, 10, 12),
        "UK",
        0,
    )
    assert (un["listed_on"], un["lag_days"]) == (date(2001, 10, 17), 5)
    assert us["listed_on"] is None and us["lag_days"] is None  # OFAC CSV files give no date
    snapback = lag.filter(pl.col("entity_ids").list.contains("gb_ofsi-16131")).row(0, named=True)
    assert (snapback["first_authority"], snapback["lag_days"]) == ("UN", 4879)


def test_all_tables_valid(built: dict[str, pl.DataFrame]) -> None:
    assert set(built) == set(MODELS)
    assert validate(MODELS, built) == []


def test_models_refuse_bad_rows(built: dict[str, pl.DataFrame]) -> None:
    clusters = built["clusters"]
    bad_id = clusters.with_columns(cluster_id=pl.lit("p-1"))
    mixed = clusters.with_columns(cluster_id=pl.lit(clusters["cluster_id"][0]))
    links = built["cluster_links"].with_columns(evidence=pl.lit("no rule"))
    failures = validate(
        {"clusters": MODELS["clusters"], "cluster_links": MODELS["cluster_links"]},
        {"clusters": bad_id, "cluster_links": links},
    )
    assert {f.table for f in failures} == {"clusters", "cluster_links"}
    assert validate({"clusters": MODELS["clusters"]}, {"clusters": mixed})
    # a link inside one list is refused, but for two UN entries joined by score
    scored = built["cluster_links"].filter(pl.col("rule") == "probabilistic").head(1)
    model = {"cluster_links": MODELS["cluster_links"]}
    for source, refused in (("gb_ofsi", True), ("un_sc", False)):
        inside = scored.with_columns(left_source=pl.lit(source), right_source=pl.lit(source))
        found = validate(model, {"cluster_links": inside})
        checks = [c for f in found for c in f.failure_cases["check"].to_list()]
        assert checks == (["across_sources"] if refused else [])


def test_tables_named_once_for_the_asset(built: dict[str, pl.DataFrame]) -> None:
    # the asset reads and writes `divergence.TABLES` without loading the models (pandera) first
    assert tuple(built) == divergence.TABLES == tuple(MODELS)
