"""Measured matching quality on the shipped snapshots, with the ground truth hidden.

UK↔UN: OFSI (ConList.xlsx, 2025-04-14) and UN (consolidated.xml, 2026-02-27) records carrying
the same UN reference are one party; the matcher runs with every UN reference dropped.
OFAC↔UK: SDN (2023-12-28) plus non-SDN consolidated against OFSI, truth = same passport number
from the same country; the matcher runs with every passport (and UN reference) dropped.
`bench/bench_reconcile.py` prints the figures and the confusion cases; these floors sit below
the measured values (UK↔UN precision 1.000, recall 0.998; OFAC↔UK recall 0.989) so a
regression fails CI.
"""

import polars as pl
import pytest

from bench.bench_reconcile import Quality, ofac_uk_quality, uk_un_quality


@pytest.fixture(scope="module")
def uk_un() -> tuple[Quality, dict[str, pl.DataFrame]]:
    return uk_un_quality()


@pytest.fixture(scope="module")
def ofac_uk() -> tuple[Quality, dict[str, pl.DataFrame]]:
    return ofac_uk_quality()


def test_uk_un_precision_and_recall(uk_un: tuple[Quality, dict[str, pl.DataFrame]]) -> None:
    quality, _ = uk_un
    assert quality.truth == 861  # UN references on both lists
    assert quality.precision >= 0.98
    assert quality.recall >= 0.97
    assert quality.seconds < 30


def test_uk_un_misses_are_lists_disagreeing(uk_un: tuple[Quality, dict[str, pl.DataFrame]]) -> None:
    quality, tables = uk_un
    # what the matcher misses, the lists themselves contradict: birth dates that differ
    dates = tables["birth_dates"].group_by("entity_id").agg(pl.col("date_from").min())
    missed = quality.false_negatives.join(dates, left_on="l", right_on="entity_id", how="left")
    missed = missed.join(dates, left_on="r", right_on="entity_id", how="left", suffix="_r")
    assert missed.height <= 4
    assert missed.filter(pl.col("date_from") == pl.col("date_from_r")).is_empty()


def test_uk_un_unlabelled_links_are_the_iran_relisting(
    uk_un: tuple[Quality, dict[str, pl.DataFrame]],
) -> None:
    quality, tables = uk_un
    # pairs the truth cannot label (the UK record has no UN reference) are nearly all the
    # UK's autonomous 2023 Iran listings of parties the UN re-listed in 2025
    programs = tables["sanctions"].select("entity_id", "program")
    tagged = quality.unlabelled.join(programs, left_on="l", right_on="entity_id")
    iran = tagged.filter(pl.col("program") == "Iran (Nuclear)")["l"].n_unique()
    assert iran >= 0.9 * quality.unlabelled["l"].n_unique()


def test_ofac_uk_passport_truth(ofac_uk: tuple[Quality, dict[str, pl.DataFrame]]) -> None:
    quality, tables = ofac_uk
    assert quality.truth == 92
    assert quality.recall >= 0.93
    # a pair whose passports differ is not proof of two people (passports are renewed): the
    # labelled precision is a lower bound, and every such pair must share a birth date
    assert quality.precision >= 0.85
    dates = tables["birth_dates"].select("entity_id", "date_from", "date_to")
    pairs = quality.false_positives.join(dates, left_on="l", right_on="entity_id").join(
        dates, left_on="r", right_on="entity_id", suffix="_r"
    )
    overlapping = pairs.filter(
        (pl.col("date_from") <= pl.col("date_to_r")) & (pl.col("date_from_r") <= pl.col("date_to"))
    )
    assert set(overlapping["l"]) == set(quality.false_positives["l"])
