"""Name keys and normalisation (`reconcile.names`): tokens, skeletons, bracket variants,
commonness."""

import polars as pl

from reconcile.names import (
    bracket_variants,
    commonness,
    name_tokens,
    prepare_names,
    skeleton,
    without_acronym,
)
from reconcile.probabilistic import entity_index, listing_units, probabilistic_links
from tests.reconcile.helpers import (
    _snapshot,
    real_rows,
)


def test_name_tokens_ignore_order_honorifics_legal_forms() -> None:
    assert name_tokens("GHAILANI, Ahmed Khalfan") == name_tokens("Sheikh Ahmed Khalfan GHAILANI")
    assert name_tokens("OOO Romashka", "organization") == ["romashka"]
    assert name_tokens("Romashka LLC", "organization") == ["romashka"]
    assert name_tokens("JOINT STOCK COMPANY LOMO", "organization") == ["lomo"]
    # transliterated: Cyrillic matches its Latin spelling
    assert name_tokens("ООО Ромашка", "organization") == ["romashka"]
    # a repeated name part is kept: Ibrahim Sab'awi Ibrahim is not Sab'awi Ibrahim
    assert name_tokens("IBRAHIM SABAWI IBRAHIM HASAN") == [
        "hasan",
        "ibrahim",
        "ibrahim",
        "sabawi",
    ]
    # a name made only of legal-form words keeps them
    assert name_tokens("THE COMPANY", "organization") == ["company", "the"]


def test_skeleton_unifies_spellings() -> None:
    assert skeleton("muhammad") == skeleton("mohammed") == "mhmd"
    assert skeleton("khalid") == skeleton("halid")
    assert skeleton("ai") == "ai"  # all vowels: the token itself


def test_bracketed_acronym_dropped_country_kept() -> None:
    assert without_acronym("BUTEMBO AIRLINES (BAL)") == "BUTEMBO AIRLINES"
    assert without_acronym("AL-HARAMAIN FOUNDATION (PAKISTAN)") is None
    assert without_acronym("PLAIN NAME") is None


def test_bracketed_parts_are_name_variants() -> None:
    assert bracket_variants("ELECTRO SANAM COMPANY (E.S. CO ./ E.X. CO.)") == (
        "ELECTRO SANAM COMPANY",
        ["E.S. CO .", "E.X. CO."],
    )
    assert bracket_variants("AL-HARAMAIN FOUNDATION (PAKISTAN)") == (None, [])
    # the 2018 UK file's ELECTRO SANAM (10443) is the UN's (110390), by name alone
    tables = real_rows(
        ("gb_ofsi", "2018-04-13", ("gb_ofsi-10443",)),
        ("un_sc", "2026-02-27", ("un_sc-110390",)),
    )
    tables["identifiers"] = tables["identifiers"].filter(pl.col("id_type") != "un_reference")
    scored, found, _ = probabilistic_links(tables, keep_scores=True)
    assert scored["sim"].item() == 100.0
    assert found.select("left_entity_id", "right_entity_id").rows() == [
        ("gb_ofsi-10443", "un_sc-110390")
    ]


def test_name_commonness_counts_across_lists() -> None:
    assert pl.DataFrame({"n": [2, 1]}).select(commonness(pl.col("n"))).item() == 1
    assert pl.DataFrame({"n": [5, 4, 3]}).select(commonness(pl.col("n"))).item() == 4
    assert pl.DataFrame({"n": [1]}).select(commonness(pl.col("n"))).item() == 1
    # the UK lists MOHAMMAD REZA NAQDI twice (the Iran nuclear and the Iran human-rights
    # regimes), the UN once: a name two entries of one list share and one of another carries
    # is not common in the world (it was `2`, the most of one list, before)
    uk = _snapshot("gb_ofsi", "2025-04-14")["names"]
    naqdi = uk.filter(pl.col("name").str.to_uppercase() == "MOHAMMAD REZA NAQDI")["entity_id"]
    assert naqdi.n_unique() == 2
    tables = real_rows(
        ("gb_ofsi", "2025-04-14", tuple(naqdi.unique())), ("un_sc", "2026-02-27", ("un_sc-110421",))
    )
    index = entity_index(tables["entities"].join(listing_units(tables), on="entity_id"), None)
    names = prepare_names(tables, index)
    assert names.filter(pl.col("key") == "mohammad naqdi reza")["name_mult"].unique().to_list() == [
        1
    ]
