"""`ofac.remarks_frame.read_remarks` (a column of remarks, read with polars) against
`ofac.remarks.parse_remarks` (one text at a time): the same rows, in the same order, for every
remarks text of every shipped legacy CSV snapshot, and for the odd shapes the fast path must
leave to Python."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ofac.constants import COMMENT_COLUMNS, PRIMARY_COLUMNS
from ofac.legacy_csv import read_ofac_csv
from ofac.remarks import parse_remarks
from ofac.remarks_frame import SCHEMAS, read_remarks

SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"
SETS = {
    "us_ofac_sdn/2023-12-28": ("SDN.CSV", "SDN_COMMENTS.CSV"),
    "us_ofac_sdn/2024-05-03": ("SDN.CSV", None),
    "us_ofac_cons/2025-12-19": ("CONS_PRIM.CSV", "CONS_COMMENTS.CSV"),
}
# Shapes polars must not read itself: wrapped notes, `;` inside parentheses, non-ASCII and
# control characters, several parentheses, check characters, empty or implausible values.
ODD = [
    "(Linked To: HAMAS)",
    "DOB 1960; alt. DOB circa 1962-1965; DOB 31 Feb 1970; DOB 0000; DOB 12 1970.",
    "a.k.a. ''; a.k.a. 'ABU X'; Passport D489833(9) (Hong Kong); Passport 123 (Iran) (Tehran)",
    "Gender Male; note (a; b) c; Passport 12 issued 2010; Passport",
    "Website www.x.com.; Email Address A@B.ORG (email); nationality Türkiye",
    "Tax ID No. 12 (Rus\nsia); RUC # 1 2  (X); CO., LTD.",
    "Passport and National ID were issued by Iran; Registration Number none",
    "Vessel Registration Identification IMO 9513323; Company Number IMO 1234567",
    "Digital Currency Address - XBT 1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE; Fax (357)(22668608)",
    "Minister of Defense; Listing Date (EO 14024 Directive 3): 24 Feb 2022; \x1cGender Female",
    "Gender Male; a.k.a. 'X' A.B\n.",
    # approximate dates, and positions written without a label (read by polars), beside
    # shapes an earlier rule or a label claims
    "DOB circa 1951; alt. DOB CIRCA Jan 1960; DOB c. 12 Mar 1970; DOB about  31 Feb 1970",
    "DOB approximately 1966; DOB circa 0000; DOB circa; DOB circa 1979-1982; DOB circa Foo 1960",
    "Director of X.; alt. Chairman, Y; Executive Order 13846 information: Director; HAMAS - Head",
    "ICTY indictee, former General; Head of Office (Kabul); Deputy Minister; Directorate",
    "Title Minister; Minister (acting); all offices, Director; Mullah; Chief Ministér",
    "  ",
    "-0-",
    None,
]


def texts() -> list[str | None]:
    out: list[str | None] = []
    for folder, (primary, comments) in SETS.items():
        path = SNAPSHOTS / folder
        main = read_ofac_csv(primary, (path / primary).read_bytes(), PRIMARY_COLUMNS)
        more: dict[int, str] = {}
        if comments:
            com = read_ofac_csv(comments, (path / comments).read_bytes(), COMMENT_COLUMNS)
            more = dict(zip(com["ent_num"], com["remarks"], strict=True))
        for ent, text in zip(main["ent_num"], main["remarks"], strict=True):
            out.append((text or "") + more[ent] if more.get(ent) else text)
    return out + ODD


@pytest.fixture(scope="module")
def both() -> tuple[list, dict[str, pl.DataFrame], pl.DataFrame]:
    column = texts()
    frame = pl.DataFrame({"row": range(len(column)), "text": column}, schema={"row": pl.Int64, "text": pl.String})  # fmt: skip
    tables, unparsed = read_remarks(frame)
    return [parse_remarks(text) for text in column], tables, unparsed


@pytest.mark.parametrize("family", sorted(SCHEMAS))
def test_same_rows_as_parse_remarks(both, family: str) -> None:
    expected, tables, _ = both
    want = [
        {"row": i, **row} for i, parsed in enumerate(expected) for row in getattr(parsed, family)
    ]
    assert tables[family].drop("seq").to_dicts() == want


def test_same_fragments_left_unread(both) -> None:
    expected, _, unparsed = both
    want = [(i, fragment) for i, parsed in enumerate(expected) for fragment in parsed.unparsed]
    assert list(unparsed.select("row", "fragment").iter_rows()) == want


def test_real_values(both) -> None:
    """Counts of the 2023-12-28 SDN set and values of real entries, as OFAC wrote them."""
    _, tables, _ = both
    assert tables["birth_dates"].filter(pl.col("row") < 13821).height == 7312
    assert tables["relationships"].filter(pl.col("row") < 13821).height == 6676
    ids = tables["identifiers"]
    ship = ids.filter((pl.col("row") < 13821) & (pl.col("value") == "9513323"))
    assert ship.select("id_type", "label", "note").rows() == [
        ("imo", "Vessel Registration Identification IMO", None)
    ]
    company = ids.filter(pl.col("value") == "1234567")
    assert company["note"].to_list() == ["IMO company number"]
    wallet = ids.filter(pl.col("value") == "1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE")
    assert wallet.select("label", "note").row(0) == ("Digital Currency Address - XBT", "XBT")
    assert tables["names"].filter(pl.col("name") == "ABU X")["quality"].to_list() == ["weak"]
