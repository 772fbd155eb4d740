"""Small data slips, fixed by class, on real rows of the shipped snapshots.

- a fact OFAC writes both in a column and in the remarks (the SDN title) is stored once;
- a document label that names its issuer by adjective (`Bosnian Personal ID No.`) gives the
  issuing country;
- a withdrawn or non-ISO country code (CS, SU, XK…) is kept and says what it stands for.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from assets import gb_ofsi
from core.canonical import ParseResult, frame, issuer_from_label, note_legacy_codes
from core.countries import LEGACY_NOTES, code_note, resolve
from ofac.lists import SDN

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
SDN_FILES = ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")


@pytest.fixture(scope="module")
def sdn() -> ParseResult:
    folder = SNAPSHOTS / "us_ofac_sdn" / "2023-12-28"
    return SDN.parse_csv({n: (folder / n).read_bytes() for n in SDN_FILES})


def rows(result: ParseResult, table: str, eid: str) -> pl.DataFrame:
    return result.tables[table].filter(pl.col("entity_id") == eid)


def test_title_in_column_and_remarks_is_stored_once(sdn: ParseResult) -> None:
    # 12738 MAHMOUD, Ali Habib: Title column and remarks both "Lieutenant General, Minister of
    # Defense"
    titles = rows(sdn, "attributes", "us_ofac_sdn-12738").filter(pl.col("attribute") == "title")
    assert titles.select("value", "origin").rows() == [
        ("Lieutenant General, Minister of Defense", "SDN.CSV")
    ]
    every = sdn.tables["attributes"].filter(pl.col("attribute") == "title")
    key = [pl.col("entity_id"), pl.col("value").str.to_lowercase().str.strip_chars(" .")]
    assert every.select(key).is_duplicated().sum() == 0
    # a remarks title the column does not hold is kept: 891 repeats folded, 2,028 titles left
    assert every.height == 2_028
    assert every.filter(pl.col("origin") == "remarks").height > 0


def test_document_label_naming_its_issuer(sdn: ParseResult) -> None:
    # 8105: "Bosnian Personal ID No. 1005967953038" (no parenthesised country)
    doc = rows(sdn, "identifiers", "us_ofac_sdn-8105").filter(pl.col("value") == "1005967953038")
    assert doc.select("label", "country_code", "country_raw").rows() == [
        ("Bosnian Personal ID No.", "BA", "Bosnian Personal ID No.")
    ]
    kenyan = sdn.tables["identifiers"].filter(pl.col("label") == "Kenyan ID No.")
    assert set(kenyan["country_code"]) == {"KE"}
    # a label naming no country gets none: 194 "Passport" rows without a country stay so
    bare = sdn.tables["identifiers"].filter(
        (pl.col("label") == "Passport") & pl.col("country_raw").is_null()
    )
    assert bare.height == 194 and bare["country_code"].null_count() == 194


def test_label_country_never_overrides_a_published_one() -> None:
    df = frame(
        "identifiers",
        [
            {"entity_id": "t-1", "id_type": "national_id", "label": "Kenyan ID No.",
             "value": "1", "country_raw": "Kenya", "country_code": "KE"},
            {"entity_id": "t-2", "id_type": "passport", "label": "Turkish passport",
             "value": "2", "country_raw": "Dubai"},
            {"entity_id": "t-3", "id_type": "other", "label": "Chinese Commercial Code",
             "value": "3"},
            {"entity_id": "t-4", "id_type": "tax_id", "label": "US FEIN", "value": "4"},
        ],
    )  # fmt: skip
    out = issuer_from_label(df)
    assert out.select("country_code", "country_raw").rows() == [
        ("KE", "Kenya"),
        (None, "Dubai"),  # a published place that is no country is not replaced
        (None, None),  # not an issued document
        ("US", "US FEIN"),
    ]


def test_withdrawn_codes_are_kept_with_their_meaning(sdn: ParseResult) -> None:
    # 7673: POB "Ilince, Serbia and Montenegro"
    [place] = rows(sdn, "birth_places", "us_ofac_sdn-7673").to_dicts()
    assert (place["place"], place["country_code"]) == ("Ilince, Serbia and Montenegro", "CS")
    assert place["note"] == LEGACY_NOTES["CS"]
    kosovo = sdn.tables["countries"].filter(pl.col("country_code") == "XK")
    assert kosovo.height == 7 and set(kosovo["note"]) == {LEGACY_NOTES["XK"]}
    # every row of every table that carries a kept code says what it means
    for table, df in sdn.tables.items():
        if "country_code" in df.columns and "note" in df.columns:
            legacy = df.filter(pl.col("country_code").is_in(list(LEGACY_NOTES)))
            assert legacy.filter(pl.col("note").is_null()).height == 0, table


def test_ofsi_soviet_birth_place() -> None:
    data = (SNAPSHOTS / "gb_ofsi" / "2025-04-14" / "ConList.xlsx").read_bytes()
    result = gb_ofsi.SPEC.formats[0].parse({"ConList.xlsx": data})
    [place] = rows(result, "birth_places", "gb_ofsi-13721").to_dicts()
    assert place["country_code"] == "SU"
    assert place["note"] == LEGACY_NOTES["SU"]


def test_eu_cs_code_as_published() -> None:
    # the EU writes CS (for Serbia) in its code columns: kept, the raw code beside it, noted
    assert resolve("CS") == "CS"
    assert "the EU writes CS for Serbia" in (code_note("CS") or "")
    df = note_legacy_codes(
        frame("countries", [{"entity_id": "e-1", "country_code": "CS", "raw": "CS",
                             "relation": "citizenship"}])
    )  # fmt: skip
    assert df.select("country_code", "raw", "note").rows() == [("CS", "CS", LEGACY_NOTES["CS"])]
    assert note_legacy_codes(df).equals(df)  # noted once
    assert code_note("RS") is None
