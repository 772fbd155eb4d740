"""Entity floors come from each list's real history: older real publications pass, pinned.

Every shipped real publication (the newest and the older ones) is ingested with a pin and must
pass the accounting, sanity floor included. Where no older real file ships, an older-size list
is cut from a real one by the test (an SDN of 2018's size, 5,974 entries, cut from the
2023-12-28 set; a UN list at its floor cut from 2025-04-19); a cut one entry under the floor is
refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from assets import eu_fsf, gb_fcdo, gb_ofsi, un_sc, us_csl, us_ofac_cons, us_ofac_sdn
from assets.factory import SourceSpec, account, floor_row, ingest
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"

SPECS = {
    spec.source: spec
    for spec in (
        us_ofac_sdn.SPEC,
        us_ofac_cons.SPEC,
        eu_fsf.SPEC,
        gb_fcdo.SPEC,
        gb_ofsi.SPEC,
        un_sc.SPEC,
        us_csl.SPEC,
    )
}


def ingest_rows(
    spec: SourceSpec, tmp_path: Path, pin: str | None = None, root: Path | None = None
) -> list[dict[str, Any]]:
    fetcher = SnapshotFetcher(pins={spec.source: pin} if pin else {}, root=str(root or SNAPSHOTS))
    outcome = ingest(spec, fetcher, DataDir(root=str(tmp_path / "data")))
    return account(spec, outcome.folder, outcome.meta)


def floor_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["what"].startswith("sanity floor")]


@pytest.mark.parametrize(
    ("source", "pin", "entities"),
    [
        ("us_ofac_sdn", "2023-12-28", 13_821),
        ("us_ofac_sdn", "2024-05-03", 14_965),
        ("us_ofac_cons", "2025-12-19", 442),
        ("gb_ofsi", "2018-04-13", 2_106),
        ("gb_ofsi", "2023-06-05", 3_993),
        ("gb_ofsi", "2025-04-14", 4_688),
        ("un_sc", "2025-04-19", 877),
        ("un_sc", "2026-02-27", 1_003),
        ("us_csl", "2022-05-16", 14_048),
    ],
)
def test_every_real_publication_passes_pinned(
    source: str, pin: str, entities: int, tmp_path: Path
) -> None:
    rows = ingest_rows(SPECS[source], tmp_path, pin)
    assert all(r["ok"] for r in rows), [r for r in rows if not r["ok"]]
    floor = floor_rows(rows)[0]
    assert floor["taken"] == entities
    assert floor["source_records"] == SPECS[source].sanity_floor < entities


@pytest.mark.parametrize(("source", "entities"), [("eu_fsf", 93), ("gb_fcdo", 4)])
def test_shipped_excerpts_are_named_not_held_to_the_floor(
    source: str, entities: int, tmp_path: Path
) -> None:
    rows = ingest_rows(SPECS[source], tmp_path)
    assert all(r["ok"] for r in rows)
    floors = [r for r in rows if "known excerpt" in r["what"]]
    assert floors and all(r["taken"] == entities for r in floors)
    assert entities < SPECS[source].sanity_floor


def test_a_payload_that_is_not_a_known_excerpt_is_held_to_the_floor() -> None:
    spec = SPECS["eu_fsf"]
    fmeta = {"files": [{"sha256": "0" * 64}]}
    assert not floor_row(spec, "csv_legacy", fmeta, 93)["ok"]
    assert floor_row(spec, "csv_legacy", fmeta, spec.sanity_floor)["ok"]


def test_floors_sit_under_every_known_real_size() -> None:
    # the smallest sizes documented beside each floor (a tenth of it, rounded down)
    smallest = {
        "us_ofac_sdn": 5_974,
        "us_ofac_cons": 442,
        "eu_fsf": 2_039,
        "gb_fcdo": 2_037,
        "gb_ofsi": 2_037,
        "un_sc": 877,
        "us_csl": 14_048,
    }
    assert {s: spec.sanity_floor for s, spec in SPECS.items()} == {
        s: n // 10 for s, n in smallest.items()
    }


# --- older-size lists cut from the real ones -------------------------------------------------


def write_snapshot(root: Path, source: str, date: str, files: dict[str, bytes]) -> Path:
    folder = root / source / date
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    catalog = {
        "source": source,
        "publications": [
            {
                "published_at": date,
                "published_basis": "test: cut from a real publication",
                "files": {name: f"{date}/{name}" for name in files},
            }
        ],
    }
    (root / source / "catalog.json").write_text(json.dumps(catalog))
    return root


def cut_sdn(count: int) -> dict[str, bytes]:
    """The first `count` entries of the real 2023-12-28 SDN set, with their child rows.

    Lines end CRLF (SDN_COMMENTS.CSV: LF) and each file ends with OFAC's 0x1A byte, which is
    kept; child rows are kept where their entry is, a child file left empty is left out.
    """
    real = SNAPSHOTS / "us_ofac_sdn" / "2023-12-28"
    out: dict[str, bytes] = {}
    sdn = real.joinpath("SDN.CSV").read_bytes()
    body, eof = sdn[:-1], sdn[-1:]
    assert eof == b"\x1a"
    lines = body.split(b"\r\n")[:-1]
    kept = lines[:count]
    out["SDN.CSV"] = b"".join(line + b"\r\n" for line in kept) + eof
    ids = {line.split(b",", 1)[0] for line in kept}
    for name, sep in (("ADD.CSV", b"\r\n"), ("ALT.CSV", b"\r\n"), ("SDN_COMMENTS.CSV", b"\n")):
        data = real.joinpath(name).read_bytes()
        assert data.endswith(sep + b"\x1a")
        rows = data[:-1].split(sep)[:-1]
        kept_rows = [r + sep for r in rows if r.split(b",", 1)[0] in ids]
        if kept_rows:  # an empty child file is left out, as the publisher's old sets did
            out[name] = b"".join(kept_rows) + b"\x1a"
    return out


def test_sdn_of_2018_size_passes(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "snap", "us_ofac_sdn", "2018-01-01", cut_sdn(5_974))
    rows = ingest_rows(SPECS["us_ofac_sdn"], tmp_path, root=root)
    assert all(r["ok"] for r in rows), [r for r in rows if not r["ok"]]
    assert floor_rows(rows)[0]["taken"] == 5_974


def test_sdn_under_the_floor_is_refused(tmp_path: Path) -> None:
    floor = us_ofac_sdn.SANITY_FLOOR
    root = write_snapshot(tmp_path / "snap", "us_ofac_sdn", "2018-01-01", cut_sdn(floor - 1))
    rows = ingest_rows(SPECS["us_ofac_sdn"], tmp_path, root=root)
    [row] = floor_rows(rows)
    assert (row["ok"], row["taken"]) == (False, floor - 1)
    assert all(r["ok"] for r in rows if r is not row)


def cut_un(count: int) -> bytes:
    """The real 2025-04-19 UN list keeping its first `count` entries (individuals first)."""
    real = SNAPSHOTS / "un_sc" / "2025-04-19" / "consolidated.xml"
    tree = etree.parse(str(real))
    entries = tree.xpath(
        "/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL | /CONSOLIDATED_LIST/ENTITIES/ENTITY"
    )
    for entry in entries[count:]:
        entry.getparent().remove(entry)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("count", [un_sc.SANITY_FLOOR, un_sc.SANITY_FLOOR - 1])
def test_un_at_and_under_the_floor(count: int, tmp_path: Path) -> None:
    root = write_snapshot(
        tmp_path / "snap", "un_sc", "2025-04-19", {"consolidated.xml": cut_un(count)}
    )
    rows = ingest_rows(SPECS["un_sc"], tmp_path, root=root)
    [row] = floor_rows(rows)
    assert (row["taken"], row["ok"]) == (count, count >= un_sc.SANITY_FLOOR)
    assert all(r["ok"] for r in rows if r is not row)


def test_run_pinned_to_older_publications_publishes(tmp_path: Path) -> None:
    """`cli.py run --pin` on a fresh store: a 2018-size SDN and OFSI's 2018 list publish."""
    import definitions
    from resources.warehouse import PublishPolicy

    root = tmp_path / "snap"
    root.mkdir()
    for source in sorted(p for p in SNAPSHOTS.iterdir() if p.is_dir()):
        if source.name != "us_ofac_sdn":
            (root / source.name).symlink_to(source, target_is_directory=True)
    write_snapshot(root, "us_ofac_sdn", "2018-01-01", cut_sdn(5_974))
    fetcher = SnapshotFetcher(root=str(root), pins={"gb_ofsi": "2018-04-13", "un_sc": "2025-04-19"})
    data = tmp_path / "data"
    defs = definitions.build_definitions(fetcher, DataDir(root=str(data)), PublishPolicy())
    result = defs.resolve_job_def("refresh_all").execute_in_process(raise_on_error=False)
    failed = [
        e.event_specific_data.check_name
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
        and e.event_specific_data.severity.value == "ERROR"
    ]  # fmt: skip
    assert result.success and not failed, failed
    manifest = json.loads((data / "published" / "latest" / "manifest.json").read_text())
    counts = {s["source"]: s["canonical_entities"] for s in manifest["sources"] if s["primary"]}
    assert (counts["us_ofac_sdn"], counts["gb_ofsi"], counts["un_sc"]) == (5_974, 2_106, 877)
