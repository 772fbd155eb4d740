"""Measured matching quality on the shipped snapshots, with the ground truth hidden.

UK↔UN: OFSI (ConList.xlsx, 2025-04-14) and UN (consolidated.xml, 2026-02-27) records carrying
the same UN reference are one party; the matcher runs with every UN reference dropped.
OFAC↔UK: SDN (2023-12-28) plus non-SDN consolidated against OFSI, truth = the same passport
number with no contradicting issuing country; the matcher runs with every passport (and UN
reference) dropped. `bench/reconcile_quality.py` says how pairs are judged, and
`bench/bench_reconcile.py` prints the figures and the confusion cases; these floors sit below the measured values (UK↔UN precision 0.999,
recall 0.998; OFAC↔UK precision 1.000, recall 0.979) so a regression fails CI.
"""

import polars as pl
import pytest

from bench.reconcile_quality import (
    Quality,
    ofac_uk_quality,
    reviewed,
    reviewed_unseen,
    uk_un_quality,
    unseen_runs,
)


@pytest.fixture(scope="module")
def uk_un() -> tuple[Quality, dict[str, pl.DataFrame]]:
    return uk_un_quality()


@pytest.fixture(scope="module")
def ofac_uk() -> tuple[Quality, dict[str, pl.DataFrame]]:
    return ofac_uk_quality()


def _dates_overlap(pairs: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    dates = tables["birth_dates"].select("entity_id", "date_from", "date_to")
    both = pairs.join(dates, left_on="l", right_on="entity_id").join(
        dates, left_on="r", right_on="entity_id", suffix="_r"
    )
    return both.filter(
        (pl.col("date_from") <= pl.col("date_to_r")) & (pl.col("date_from_r") <= pl.col("date_to"))
    )


def test_uk_un_precision_and_recall(uk_un: tuple[Quality, dict[str, pl.DataFrame]]) -> None:
    quality, _ = uk_un
    assert quality.truth == 861  # UN references on both lists
    assert quality.precision >= 0.98
    assert quality.recall >= 0.97
    assert quality.seconds < 30
    # the one pair counted wrong is right: the UN lists Hassan Dahir AWEYS twice (QDi.042,
    # which the UK quotes, and SOi.002), and a reference names one entry, not one person
    assert quality.false_positives.rows() == [("gb_ofsi-6995", "un_sc-6908034")]


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
    quality, _ = ofac_uk
    # 241 pairs share a passport: 96 with the country on both sides, the rest with it on one
    assert quality.truth == 241
    assert quality.precision >= 0.98
    assert quality.recall >= 0.95
    pairs = {tuple(p) for p in quality.pairs.rows()}
    # the O/0 slip (UK 06010274747 = OFAC O6O1O274747) and a DPRK passport whose country only
    # its note names ("Issued by the Democratic People's Republic of Korea") are in the truth
    assert ("gb_ofsi-13817", "us_ofac_sdn-26889") in pairs  # Amer FOZ
    assert ("gb_ofsi-13573", "us_ofac_sdn-22326") in pairs  # RI SONG HYOK


def test_ofac_uk_misses_are_lists_disagreeing(
    ofac_uk: tuple[Quality, dict[str, pl.DataFrame]],
) -> None:
    quality, tables = ofac_uk
    # every missed pair has birth dates the two lists give differently
    assert quality.false_negatives.height <= 12
    assert _dates_overlap(quality.false_negatives, tables).height <= 1


def test_ofac_uk_different_passports_are_renewals(
    ofac_uk: tuple[Quality, dict[str, pl.DataFrame]],
) -> None:
    quality, tables = ofac_uk
    bound = quality.lower_bound
    assert bound is not None
    # counting "both hold passports, none shared" as wrong gives a lower bound; every such
    # pair is the same name with birth dates within days (a passport renewed between listings)
    assert bound.precision >= 0.9
    dates = tables["birth_dates"].select("entity_id", "date_from", "date_to")
    near = (
        bound.false_positives.join(dates, left_on="l", right_on="entity_id")
        .join(dates, left_on="r", right_on="entity_id", suffix="_r")
        .filter(
            ((pl.col("date_from") - pl.col("date_from_r")).dt.total_days().abs() <= 31)
            | (
                (pl.col("date_from") <= pl.col("date_to_r"))
                & (pl.col("date_from_r") <= pl.col("date_to"))
            )
        )
    )
    assert set(near["l"]) == set(bound.false_positives["l"])


def test_ofac_uk_reviewed_sample(ofac_uk: tuple[Quality, dict[str, pl.DataFrame]]) -> None:
    quality, _ = ofac_uk
    # 100 links the passports cannot judge, reviewed by hand: the matcher keeps the ones
    # judged the same party and drops the one judged two companies (OAO and OOO VO TPE)
    review = {
        r["verdict"]: (r["pairs"], r["linked"]) for r in reviewed(quality).iter_rows(named=True)
    }
    assert review["same"][0] == 98 and review["same"][1] >= 96
    assert review["different"] == (1, 0)


# --- truth the matcher was not tuned on (issue 15) ---------------------------------------------
# The 2018 OFSI CSV and 2023 OFSI XLSX against both UN files (truth: UN references in every
# form), OFAC SDN 2023 against both UK files (truth: passport number and issuing country, both
# known, ambiguous holders excluded). Weights were set before these were measured. Floors:
# precision ≥ 0.99 and recall ≥ 0.97 wherever the truth holds ≥ 40 pairs.
PRECISION_FLOOR = 0.99
RECALL_FLOOR = 0.97
MIN_TRUTH = 40


@pytest.fixture(scope="module")
def unseen() -> dict[str, tuple[Quality, dict[str, pl.DataFrame]]]:
    return {key: run() for key, run in unseen_runs()}


def test_unseen_truth_sizes(unseen: dict[str, tuple[Quality, dict[str, pl.DataFrame]]]) -> None:
    sizes = {key: q.truth for key, (q, _) in unseen.items()}
    assert sizes == {
        "uk2018_un2025": 556,
        "uk2018_un2026": 628,
        "uk2023_un2025": 847,
        "uk2023_un2026": 927,
        "ofac2023_uk2018": 70,  # read from the 2018 CSV's free-text passport cells
        "ofac2023_uk2023": 92,
    }


@pytest.mark.parametrize(
    "key", ["uk2023_un2025", "uk2023_un2026", "ofac2023_uk2018", "ofac2023_uk2023"]
)
def test_unseen_floors(
    unseen: dict[str, tuple[Quality, dict[str, pl.DataFrame]]], key: str
) -> None:
    quality, _ = unseen[key]
    assert quality.truth >= MIN_TRUTH
    assert quality.precision >= PRECISION_FLOOR
    assert quality.recall >= RECALL_FLOOR


@pytest.mark.parametrize("key", ["uk2018_un2025", "uk2018_un2026"])
def test_unseen_2018_floors_on_the_references_ofsi_corrected(
    unseen: dict[str, tuple[Quality, dict[str, pl.DataFrame]]], key: str
) -> None:
    quality, _ = unseen[key]
    fixed = quality.corrected
    assert fixed is not None and fixed.truth >= MIN_TRUTH
    assert fixed.precision >= PRECISION_FLOOR
    assert fixed.recall >= RECALL_FLOOR
    # Against the 2018 file's own references the precision is lower (0.973 and 0.964): the
    # 2018 CSV misquotes references OFSI corrects by 2023 under the same Group ID (Ryong KANG
    # KPi.056 → KPi.020; KOREA DAESONG BANK; Iran committee numbers the UN's comments do not
    # keep, E.03.III.*). Every pair the raw truth counts wrong is right by the corrected one,
    # but for the UN's second AWEYS entry (one person, two regimes).
    assert quality.recall >= RECALL_FLOOR
    right_now = fixed.pairs.join(
        pl.concat([fixed.false_positives, fixed.unlabelled]), on=["l", "r"], how="anti"
    )
    assert set(quality.false_positives.rows()) <= set(right_now.rows()) | {
        ("gb_ofsi-6995", "un_sc-6908034")
    }
    assert fixed.false_positives.rows() == [("gb_ofsi-6995", "un_sc-6908034")]


def test_unseen_misses_are_lists_disagreeing(
    unseen: dict[str, tuple[Quality, dict[str, pl.DataFrame]]],
) -> None:
    # OFAC↔UK 2018: the one miss has the birth dates the lists give differently (29 Sep and
    # 29 Jun 1983)
    quality, _ = unseen["ofac2023_uk2018"]
    assert quality.false_negatives.rows() == [("gb_ofsi-13299", "us_ofac_sdn-18652")]
    # UK 2023 ↔ UN 2026: two birth-date disagreements (PAK YONG SIK 1950/1949, YU CHOL U
    # 8 Sep/8 Aug 1959) and two names another UK entry also carries, so the link is
    # ambiguous and not made (KHORASAN METALLURGY INDUSTRIES is also an alias of 12266; the
    # SECOND ACADEMY OF NATURAL SCIENCES shares NATIONAL DEFENSE ACADEMY)
    quality, _ = unseen["uk2023_un2026"]
    assert sorted(quality.false_negatives["l"].to_list()) == [
        "gb_ofsi-10448",
        "gb_ofsi-13338",
        "gb_ofsi-13339",
        "gb_ofsi-13540",
    ]


def test_unseen_reviewed_sample(
    unseen: dict[str, tuple[Quality, dict[str, pl.DataFrame]]],
) -> None:
    # 100 links no identifier can judge, drawn at random (seed 15) and reviewed by hand
    # (`reviewed_unlabelled_2018_2023.csv`, a reason per pair): 99 the same party, one likely
    review = {
        r["verdict"]: (r["pairs"], r["linked"])
        for r in reviewed_unseen({k: q for k, (q, _) in unseen.items()}).iter_rows(named=True)
    }
    assert review == {"same": (99, 99), "unsure": (1, 1)}
