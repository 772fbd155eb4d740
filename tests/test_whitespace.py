"""Whitespace inside values is normalised in every text field of every list; the published
text is kept in `published` where it differs.

Real entries: the UN XML breaks long values over lines with the indentation of its layout
(DATAID 6908841's Arabic name, 6908545's city, 2959427's document type, 110447's designation).
Every list's newest shipped publication is parsed and every text column checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from assets import eu_fsf, gb_fcdo, gb_ofsi, un_sc, us_csl, us_ofac_cons, us_ofac_sdn
from assets.factory import SourceSpec, ingest
from core.canonical import _UNTIDY, TABLES, VERBATIM_COLUMNS, ParseResult, frame
from core.untidy import candidate_rows
from resources.fetcher import SnapshotFetcher
from resources.staging import read_tables
from resources.storage import DataDir

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
UN_2025 = SNAPSHOTS / "un_sc" / "2025-04-19" / "consolidated.xml"


@pytest.fixture(scope="module")
def un() -> ParseResult:
    return un_sc.SPEC.formats[0].parse({"consolidated.xml": UN_2025.read_bytes()})


def row(result: ParseResult, table: str, entity: str, **where: str) -> dict:
    df = result.tables[table].filter(pl.col("entity_id") == f"un_sc-{entity}")
    for column, value in where.items():
        df = df.filter(pl.col(column) == value)
    [found] = df.to_dicts()
    return found


def test_un_arabic_name_broken_over_two_lines(un: ParseResult) -> None:
    name = row(un, "names", "6908841", name_type="original_script")
    assert name["name"] == "أمیر محمد سعید عبد الرحمن السلبي"
    assert json.loads(name["published"]) == {
        "name": "أمیر محمد سعید عبد\n" + " " * 50 + "الرحمن السلبي"
    }


def test_un_city_and_document_type_keep_their_published_text(un: ParseResult) -> None:
    address = row(un, "addresses", "6908545", region="Jawa Tengah")
    assert address["city"] == (
        "Desa Cemani, Waringinrejo RT 001/021, Kecamatan Grogol, Kabupaten Sukoharjo"
    )
    assert json.loads(address["published"])["city"].endswith("Kabupaten\n" + " " * 20 + "Sukoharjo")
    document = row(un, "identifiers", "2959427", value="281020505755")
    assert document["label"] == "National Identification Number (Civil Identification number)"
    assert json.loads(document["published"]) == {
        "label": "National Identification Number (Civil\nIdentification\nnumber)"
    }
    designation = row(
        un,
        "attributes",
        "110447",
        value="a) Director of Administrative Affairs under the Taliban regime",
    )
    assert json.loads(designation["published"]) == {
        "value": "a) Director of Administrative Affairs under the Taliban\nregime"
    }


def test_un_counts_of_normalised_rows(un: ParseResult) -> None:
    touched = {
        t: df.filter(pl.col("published").is_not_null()).height
        for t, df in un.tables.items()
        if t != "rejects"
    }
    # 541 COMMENTS1 with line breaks, one more with a double space; 36 NOTE + 2 other ids…
    assert touched == {
        "entities": 542,
        "names": 2,
        "identifiers": 19,
        "addresses": 6,
        "birth_dates": 0,
        "birth_places": 0,
        "countries": 0,
        "sanctions": 0,
        "attributes": 122,
        "relationships": 0,
    }


def test_normalising_twice_changes_nothing() -> None:
    result = ParseResult(
        "t",
        {"names": frame("names", [{"entity_id": "t-1", "name": " A\n\tB ", "name_type": "alias"}])},
    )
    again = result.stamp("t-0")
    assert again.tables["names"]["name"].to_list() == ["A B"]
    assert json.loads(again.tables["names"]["published"][0]) == {"name": " A\n\tB "}


SPECS = (
    us_ofac_sdn.SPEC,
    us_ofac_cons.SPEC,
    eu_fsf.SPEC,
    gb_fcdo.SPEC,
    gb_ofsi.SPEC,
    un_sc.SPEC,
    us_csl.SPEC,
)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.source)
def test_every_text_field_of_every_list_is_normalised(spec: SourceSpec, tmp_path: Path) -> None:
    out = ingest(spec, SnapshotFetcher(root=str(SNAPSHOTS)), DataDir(root=str(tmp_path)))
    for fmt in out.meta["formats"]:
        for table, df in read_tables(out.folder, fmt).items():
            if table == "rejects":
                continue
            text = [
                c for c, t in TABLES[table].items() if t == pl.String and c not in VERBATIM_COLUMNS
            ]
            bad = df.filter(
                pl.any_horizontal(
                    [pl.col(c).str.contains(r"\s\s|[^\S ]|^\s|\s$").fill_null(False) for c in text]
                )
            )
            assert bad.height == 0, (fmt, table, bad.head(3).to_dicts())
            # the published text, normalised, is the stored value
            for r in df.filter(pl.col("published").is_not_null()).iter_rows(named=True):
                for column, published in json.loads(r["published"]).items():
                    assert " ".join(published.split()) == r[column], (table, column)


# Every character Python or Unicode calls white space, others near them, at each place in a text.
_ODD = (" ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2000",
        "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\x00", "é", "  ")  # fmt: skip


def test_the_byte_scan_finds_every_cell_the_pattern_matches() -> None:
    values = [None, "", "a", "ab", "abc def", "a b c"]
    values += [p + w + q for w in _ODD for p in ("", "x", " ", "xy") for q in ("", "y", " ", "yz")]
    values += [w * 3 for w in _ODD] + ["x" * 20 + "  " + "y" * 20, "x" * 40 + " "]
    column = pl.Series("name", values, dtype=pl.String)
    whole = pl.concat([column[:30], column[30:]], rechunk=False)  # two chunks
    longer = pl.concat([column] * 500)  # several slices of the scan
    for series in (
        column,
        column[7:],
        column[::3],
        whole,
        column.filter(column.is_not_null()),
        longer,
    ):
        matches = series.str.contains(_UNTIDY).fill_null(False).arg_true().to_list()
        found = candidate_rows(series).to_list()
        assert set(matches) <= set(found), series.gather([i for i in matches if i not in found])
    # nothing where nothing can match (the scan is what spares the pattern)
    assert candidate_rows(pl.Series(["a", "b c", None, ""], dtype=pl.String)).len() == 0
