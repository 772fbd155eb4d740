"""Formats of one list agree on every canonical table; what remains is a real difference.

On real files: OFAC's classic XML writes remarks fragments in parentheses that the legacy CSV
writes bare (`(Linked To: HAMAS)`), and both must be read the same way; `compare_formats`
covers every canonical table and, on the shipped consolidated CSV set (published after
2025-03-28) against the classic XML of 2025-03-28, reports only what OFAC changed in between.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from assets import eu_fsf, gb_fcdo, gb_ofsi, us_csl, us_ofac_cons
from assets.factory import COMPARED, SourceSpec, compare_formats, ingest, layout_only_attributes
from core.canonical import TABLE_NAMES
from ofac.remarks import parse_remarks, split_fragments
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir

ROOT = Path(__file__).resolve().parent.parent
CONS = ROOT / "snapshots" / "us_ofac_cons" / "2025-12-19"
FIXTURES = ROOT / "tests" / "fixtures"


def diffs(spec: SourceSpec, tmp_path: Path, files: dict[str, Path] | None = None) -> dict:
    """Ingest the shipped snapshot (or `files` as a one-publication snapshot) and compare."""
    root = ROOT / "snapshots"
    if files:
        root = tmp_path / "snap"
        folder = root / spec.source / "2000-01-01"
        folder.mkdir(parents=True)
        for name, path in files.items():
            shutil.copy(path, folder / name)
        catalog = {
            "source": spec.source,
            "publications": [
                {
                    "published_at": "2000-01-01",
                    "published_basis": "test",
                    "files": {name: f"2000-01-01/{name}" for name in files},
                }
            ],
        }
        (root / spec.source / "catalog.json").write_text(json.dumps(catalog))
    out = ingest(spec, SnapshotFetcher(root=str(root)), DataDir(root=str(tmp_path / "data")))
    return {
        other: compare_formats(out.folder, out.meta, other)
        for other in out.meta["formats"]
        if other != out.meta["primary_format"]
    }


def test_every_canonical_table_is_compared() -> None:
    assert {table for _, table, _ in COMPARED} == set(TABLE_NAMES) - {"rejects"}


def test_xml_linked_to_in_parentheses_is_a_relationship() -> None:
    # real remarks of CONSOLIDATED.XML (uid 9647, ZAHHAR) and of a VTB subsidiary
    assert parse_remarks("(Linked To: HAMAS)").relationships == [
        {"to_name": "HAMAS", "relation": "linked_to"}
    ]
    remarks = parse_remarks(
        "For more information on directives, please visit the following link: "
        "http://www.treasury.gov/resource-center/sanctions/Programs/Pages/ukraine.aspx#directives.; "
        "(Linked To: VTB BANK PUBLIC JOINT STOCK COMPANY)"
    )
    assert remarks.relationships == [
        {"to_name": "VTB BANK PUBLIC JOINT STOCK COMPANY", "relation": "linked_to"}
    ]
    assert remarks.unparsed == []  # the directives link is read as before, as an attribute


def test_every_csv_fragment_reads_the_same_in_parentheses() -> None:
    """The class: whatever the CSV path reads bare, the XML path reads wrapped."""
    text = CONS.joinpath("CONS_PRIM.CSV").read_bytes().decode("latin-1")
    fragments = {
        fragment
        for row in csv.reader(io.StringIO(text))
        if len(row) == 12
        for fragment in split_fragments(row[11])
        if row[11].strip() != "-0-"
    }
    read = 0
    for fragment in fragments:
        bare = parse_remarks(fragment)
        if bare.unparsed:
            continue
        read += 1
        assert parse_remarks(f"({fragment})") == bare, fragment
    assert read > 500  # kinds: ids, dates, names, attributes, relationships…


def test_cons_csv_and_xml_differ_only_where_ofac_changed_the_list(tmp_path: Path) -> None:
    found = diffs(us_ofac_cons.SPEC, tmp_path)["xml"]
    summary = {
        (r["what"], r["side"]): r["len"] for r in found.group_by("what", "side").len().to_dicts()
    }
    # no relationship differs any more (283 were CSV-only before the XML read `(Linked To: …)`),
    # and no address differs by layout alone ("Moscow 101000" against "Moscow, 101000")
    assert ("relationship", "only in csv") not in summary
    assert summary[("address", "only in csv")] == 5
    assert found.height == 76
    rows = {tuple(r) for r in found.iter_rows()}
    # Lukoil and Rosneft subsidiaries were designated under EO 14024 after 2025-03-28
    assert ("us_ofac_cons-17248", "program", "only in csv", "RUSSIA-EO14024") in rows
    # KAYAKIRAN, Evren (FSE-IR) left the list after the XML was published
    assert ("us_ofac_cons-26182", "entry", "only in xml", "PERSON | KAYAKIRAN EVREN") in rows
    # the CSV writes a double quote as a single one: not a difference
    assert not found.filter(pl.col("entity_id") == "us_ofac_cons-22391").height


@pytest.mark.parametrize(
    ("spec", "files"),
    [
        (
            gb_ofsi.SPEC,
            {
                "ConList.xlsx": FIXTURES / "gb_ofsi" / "ConList_excerpt.xlsx",
                "ConList.csv": FIXTURES / "gb_ofsi" / "ConList_excerpt.csv",
                "ConList.xml": FIXTURES / "gb_ofsi" / "ConList_excerpt.xml",
            },
        ),
        (
            eu_fsf.SPEC,
            {
                "xmlFullSanctionsList_1_1.xml": FIXTURES
                / "eu_fsf"
                / "xmlFullSanctionsList_1_1.xml",
                "csvFullSanctionsList_1_1.csv": FIXTURES
                / "eu_fsf"
                / "csvFullSanctionsList_1_1.csv",
            },
        ),
    ],
)
def test_formats_of_one_publication_agree(
    spec: SourceSpec, files: dict[str, Path], tmp_path: Path
) -> None:
    found = diffs(spec, tmp_path, files)
    assert found and all(df.height == 0 for df in found.values()), found


def test_csl_json_differs_only_by_the_records_it_lacks(tmp_path: Path) -> None:
    # the JSON fixture holds 8 of the 13 CSV records (tests/fixtures/us_csl/README.md)
    found = diffs(
        us_csl.SPEC,
        tmp_path,
        {
            "consolidated.csv": FIXTURES / "us_csl" / "sample.csv",
            "consolidated.json": FIXTURES / "us_csl" / "consolidated.json",
        },
    )["json"]
    missing = set(found.filter(pl.col("what") == "entry")["entity_id"])
    assert len(missing) == 4
    assert set(found["entity_id"]) == missing
    assert set(found["side"]) == {"only in csv"}


def test_fcdo_indicators_are_a_layout_difference(tmp_path: Path) -> None:
    # the FCDO CSV has no SanctionsImposedIndicators; its `Sanctions Imposed` agrees
    # the shipped snapshot is XML only: compare the constructed sample written in both layouts
    sample = {
        n: FIXTURES / "gb_fcdo" / n for n in ("UK-Sanctions-List.xml", "UK-Sanctions-List.csv")
    }
    assert diffs(gb_fcdo.SPEC, tmp_path, sample)["csv"].height == 0
    folder = next((tmp_path / "data").rglob("meta.json")).parent
    assert layout_only_attributes(folder, "xml", "csv") == ["SANCTIONS_INDICATOR"]
