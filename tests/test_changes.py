"""The change feed on small states built from real OFAC records (cut from the 2023-12-28 SDN set)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.canonical import ParseResult
from core.changes import State, change_feed
from ofac.lists import SDN

FILES = ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")


@pytest.fixture(scope="module")
def base(fixtures: Path) -> ParseResult:
    return SDN.parse_csv({n: (fixtures / "us_ofac_sdn" / n).read_bytes() for n in FILES})


def state(result: ParseResult, publication: str, files: tuple[str, ...] = FILES) -> State:
    return State(
        tables={name: df for name, df in result.tables.items()},
        publications={"us_ofac_sdn": publication},
        files={"us_ofac_sdn": frozenset(files)},
    )


def edit(result: ParseResult, **tables: pl.DataFrame) -> ParseResult:
    return ParseResult(source=result.source, tables={**result.tables, **tables})


def test_same_publication_has_no_changes(base: ParseResult) -> None:
    feed, walk = change_feed(state(base, "p1"), state(base, "p1"))
    assert feed.height == 0 and walk.height == 0


def test_added_removed_and_field_changes(base: ParseResult) -> None:
    t = base.tables
    after = edit(
        base,
        entities=t["entities"]
        .filter(pl.col("entity_id") != "us_ofac_sdn-36")
        .with_columns(
            primary_name=pl.when(pl.col("entity_id") == "us_ofac_sdn-306")
            .then(pl.lit("BANCO NACIONAL DE CUBA S.A."))
            .otherwise("primary_name")
        ),
        sanctions=t["sanctions"].with_columns(
            program=pl.when(pl.col("entity_id") == "us_ofac_sdn-34940")
            .then(pl.lit("GLOMAG"))
            .otherwise("program")
        ),
        names=pl.concat(
            [
                t["names"],
                t["names"]
                .filter(pl.col("entity_id") == "us_ofac_sdn-306")
                .head(1)
                .with_columns(name=pl.lit("BNC HAVANA"), name_type=pl.lit("alias")),
            ]
        ),
    )
    feed, _ = change_feed(state(base, "p1"), state(after, "p2"))
    rows = {
        (r["entity_id"], r["change"], r["field"], r["old_value"], r["new_value"])
        for r in feed.iter_rows(named=True)
    }
    assert ("us_ofac_sdn-36", "party_removed", None, None, None) in rows
    assert (
        "us_ofac_sdn-306",
        "attribute_changed",
        "primary_name",
        "BANCO NACIONAL DE CUBA",
        "BANCO NACIONAL DE CUBA S.A.",
    ) in rows
    assert ("us_ofac_sdn-306", "name_added", "names", None, "BNC HAVANA | alias") in rows
    assert (
        "us_ofac_sdn-34940",
        "program_removed",
        "sanctions",
        "US OFAC | RUSSIA-EO14024",
        None,
    ) in rows
    assert ("us_ofac_sdn-34940", "program_added", "sanctions", None, "US OFAC | GLOMAG") in rows
    assert set(feed["publication_before"]) == {"p1"} and set(feed["publication_after"]) == {"p2"}


def test_rekeyed_party_gets_a_crosswalk_not_remove_and_add(base: ParseResult) -> None:
    def rekey(df: pl.DataFrame, column: str = "entity_id") -> pl.DataFrame:
        return df.with_columns(pl.col(column).replace("us_ofac_sdn-18310", "us_ofac_sdn-99018310"))

    after = edit(
        base,
        **{
            name: rekey(df, "from_entity_id" if name == "relationships" else "entity_id")
            for name, df in base.tables.items()
            if name != "rejects"
        },
    )
    feed, walk = change_feed(state(base, "p1"), state(after, "p2"))
    assert walk.select("old_entity_id", "new_entity_id").rows() == [
        ("us_ofac_sdn-18310", "us_ofac_sdn-99018310")
    ]
    assert walk["evidence"][0].startswith("person|ROTENBERG, ROMAN BORISOVICH|passport:")
    assert feed.filter(pl.col("change").is_in(["party_added", "party_removed"])).height == 0
    assert feed.filter(pl.col("change") == "party_rekeyed").select(
        "old_value", "new_value"
    ).rows() == [("us_ofac_sdn-18310", "us_ofac_sdn-99018310")]


def test_rows_from_a_file_one_side_lacks_are_not_removals(base: ParseResult) -> None:
    without_alt = edit(base, names=base.tables["names"].filter(pl.col("origin") != "ALT.CSV"))
    feed, _ = change_feed(state(base, "p1"), state(without_alt, "p2", ("SDN.CSV",)))
    assert feed.filter(pl.col("change") == "name_removed").height == 0
    # with the file on both sides, the same difference is a removal
    feed, _ = change_feed(state(base, "p1"), state(without_alt, "p2"))
    assert (
        feed.filter(pl.col("change") == "name_removed").height
        == base.tables["names"].filter(pl.col("origin") == "ALT.CSV").height
    )
