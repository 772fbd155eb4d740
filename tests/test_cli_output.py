"""What `cli.py run` prints: plainly whether a version was published and which is current,
warning checks named with their asset and marked as warnings, the "how the date is known" text
whole, and why a format that is not canonical shows no entities."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

from dagster import AssetKey, MetadataValue

import cli_report

BASIS = (
    "in file: the Publish_Date of the publication header (publshInformation/Publish_Date), "
    "confirmed by HTTP Last-Modified of the archived copy"
)


def manifest_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "published" / "20261204T120000Z-0123abcd"
    folder.mkdir(parents=True)
    sources = [
        {"source": "us_ofac_sdn", "format": "csv", "published_at": "2023-12-28",
         "published_basis": BASIS, "mode": "snapshot", "entry_count": 13_821,
         "canonical_entities": 13_821, "primary": True},
        {"source": "us_ofac_sdn", "format": "xml", "published_at": "2023-12-28",
         "published_basis": "in file (Publish_Date)", "mode": "snapshot", "entry_count": 13_821,
         "canonical_entities": 0, "primary": False},
    ]  # fmt: skip
    manifest = {
        "version": folder.name,
        "sources": sources,
        "tables": {"entities": {"file": "entities.parquet", "rows": 13_821}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def summary(tmp_path: Path, published: bool | None) -> str:
    out = io.StringIO()
    cli_report.print_summary(tmp_path, manifest_folder(tmp_path), published, out)
    return out.getvalue()


def test_unchanged_run_says_nothing_was_published(tmp_path: Path) -> None:
    text = summary(tmp_path, published=False)
    first = text.splitlines()[0]
    assert first.startswith("NOTHING PUBLISHED: no input (source publication")
    assert "the current version is still 20261204T120000Z-0123abcd" in first
    assert "PUBLISHED: new version" not in text


def test_new_version_is_said_so(tmp_path: Path) -> None:
    assert summary(tmp_path, published=True).startswith(
        "PUBLISHED: new version 20261204T120000Z-0123abcd"
    )


def test_date_basis_is_whole(tmp_path: Path) -> None:
    text = summary(tmp_path, published=True)
    basis_lines = []
    for line in text.splitlines():
        if "date known from:" in line or (basis_lines and line.startswith(" " * 8)):
            basis_lines.append(line.strip())
        elif basis_lines and not line.startswith(" " * 8):
            break
    # the lines joined again give the text exactly: nothing cut, no word split
    assert " ".join(basis_lines) == f"date known from: {BASIS}"
    assert all(len(line) <= 96 for line in text.splitlines() if "date known" in line)


def test_non_canonical_format_explains_its_entities(tmp_path: Path) -> None:
    lines = summary(tmp_path, published=True).splitlines()
    xml = next(i for i, line in enumerate(lines) if "us_ofac_sdn    xml" in line)
    assert "entities      -" in lines[xml] and "entities      0" not in lines[xml]
    note = lines[xml + 2]
    assert note.strip().startswith("not canonical: the tables hold us_ofac_sdn's csv rows")
    csv = next(line for line in lines if "us_ofac_sdn    csv" in line)
    assert "entities  13821" in csv


def check_event(name: str, asset: str, blocking: bool, reason: str) -> SimpleNamespace:
    return SimpleNamespace(
        is_step_failure=False,
        event_type_value="ASSET_CHECK_EVALUATION",
        event_specific_data=SimpleNamespace(
            asset_key=AssetKey(asset),
            check_name=name,
            passed=False,
            blocking=blocking,
            description=reason,
            metadata={},
        ),
    )


def test_warning_checks_named_with_asset_and_marked(tmp_path: Path) -> None:
    reason = "xml and csv disagree on 3 parties: " + ", ".join(
        f"us_ofac_sdn-{n}" for n in range(40)
    )
    result = SimpleNamespace(
        success=True,
        all_events=[check_event("formats_agree", "us_ofac_sdn", False, reason)],
    )
    out, notes = io.StringIO(), io.StringIO()
    assert cli_report.report_failures(result, out, notes) is None  # type: ignore[arg-type]
    assert out.getvalue() == ""
    lines = notes.getvalue().splitlines()
    assert lines[0] == "warnings: 1 non-blocking check(s) did not pass:"
    assert lines[1] == "  WARNING us_ofac_sdn:formats_agree (warning check, not blocking)"
    assert " ".join(line.strip() for line in lines[2:]) == reason


def test_publish_outcome_reads_the_materialization() -> None:
    def materialized(unchanged: bool) -> SimpleNamespace:
        return SimpleNamespace(
            all_events=[
                SimpleNamespace(
                    is_step_materialization=True,
                    event_specific_data=SimpleNamespace(
                        materialization=SimpleNamespace(
                            asset_key=AssetKey("published_version"),
                            metadata={
                                "version": MetadataValue.text("v1"),
                                "unchanged": MetadataValue.bool(unchanged),
                            },
                        )
                    ),
                )
            ]
        )

    assert cli_report.publish_outcome(materialized(True)) == (False, "v1")  # type: ignore[arg-type]
    assert cli_report.publish_outcome(materialized(False)) == (True, "v1")  # type: ignore[arg-type]
    assert cli_report.publish_outcome(SimpleNamespace(all_events=[])) == (None, None)  # type: ignore[arg-type]
