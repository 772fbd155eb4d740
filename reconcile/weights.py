"""The matcher's weight table: every threshold and log-odds weight, with its reason.

The weights are set by hand (Fellegi–Sunter style: a sum of log-odds, natural log) and measured
against hidden ground truth by `bench/bench_reconcile.py`; `tests/reconcile/test_quality.py`
pins the precision and recall they reach. Change one here and the benchmark tells what it did.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Settings:
    """Thresholds and weights of the matcher (log-odds, natural log)."""

    # --- cost bounds (blocking, `reconcile.blocking`): they trade running time against
    # candidates; `bench/bench_reconcile.py` measures both
    max_block: int = 40  # parties per blocking key before the key is refined
    window: int = 8  # neighbours each party is compared with inside one block
    max_candidates: int = 12  # best-named candidates a party keeps for full scoring
    # a party's best `rescore_candidates` candidates with a name weight of `rescore_from` or
    # more are rescored on every pair of their names (up to `max_names` each)
    rescore_candidates: int = 3
    rescore_from: float = 0.0
    max_names: int = 10
    max_tokens: int = 4  # rarest name tokens a name contributes to blocking keys
    max_identifier_group: int = 8  # parties sharing one identifier before it means nothing
    # --- the scored link (`reconcile.scoring`, `reconcile.probabilistic`)
    threshold: float = 0.9  # probability a probabilistic link must reach (a logit of ln 9 ≈ 2.2)
    # log-odds that two parties of one type on two lists are one before any evidence: the sum
    # of the weights below must overcome it
    prior: dict[str, float] = field(
        default_factory=lambda: {
            "person": -9.0,
            "organization": -7.0,
            "vessel": -7.0,
            "aircraft": -7.0,
        }
    )
    # name similarity (0-100, sorted tokens) -> weight; first bound reached applies
    name_weights: tuple[tuple[float, float], ...] = (
        (100.0, 11.0),
        (95.0, 9.0),
        (90.0, 7.0),
        (85.0, 4.0),
        (80.0, 1.0),
        (0.0, -6.0),
    )
    subset_weight: float = 6.0  # one name's tokens all inside the other's (≥2 tokens)…
    subset_min_coverage: float = 0.6  # …covering this share of the longer name's tokens…
    subset_weight_loose: float = 3.0  # …else (`Abdul Hashim` inside `Abdul Hakim Hashim Murad`)
    # each further name pair of the two parties that also agrees (aliases lists share)
    agreeing_name_weight: float = 1.0
    agreeing_names_max: int = 3
    skeleton_weight: float = 8.5  # same consonant skeleton (Mohammed Said / Muhammad Saeed)…
    skeleton_min_similarity: float = 75.0  # …when the spellings are also close
    skeleton_min_length: int = 5  # …and the skeleton is long enough to mean something
    short_name: int = 7  # letters below which a name says little…
    short_name_weight: float = -2.0  # …and costs this
    # a name pair using a weak alias (OFAC "weak", UN "low") or a bracketed part of a name
    # (`E.S. CO`) is evidence of a lower weight: an exact match weighs 11 − 4 = 7, which with
    # an equal birth date still links, and alone does not
    weak_name_discount: float = 4.0
    # a name no two entries of any one list share is evidence; a common one is not:
    # rarity_bonus − rarity_per_log × ln(commonness), commonness = most entries of one list
    # sharing the blocking key, or the whole name where fewer do
    rarity_bonus: float = 1.5
    rarity_per_log: float = 3.0
    dob_exact: float = 6.0
    dob_overlap: float = 2.5  # ranges overlap, or day dates one day apart (time-zone slips)
    dob_close: float = -4.0  # day dates in the same year that differ (a month or day typo)
    dob_conflict: float = -12.0
    country_overlap: float = 2.0
    country_conflict: float = -3.0
    document_shared: float = 10.0
    # two organisations whose company registers disagree: both carry a registration or tax
    # number of one length (a Russian OGRN has 13 digits, an INN 10) and share none
    registry_conflict: float = -12.0
    gender_conflict: float = -10.0
    # a party linked to two entries of one listing unit whose logits are this close is linked
    # to neither: the evidence does not tell which one (a name two entries share, no dates)
    ambiguity_margin: float = 1.0


DEFAULT = Settings()
AGREEING_SIMILARITY = 95.0  # a name pair this close counts as two lists agreeing on a name
