"""Dagster's data and code versions decide what a run rebuilds: after an unchanged ingest no
derived asset is stale (the command line then runs no downstream step), a new publication of
one list makes consolidation, reconciliation and publishing stale but not the trade
indicators, and new code makes every derived asset stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, Definitions

from assets import staleness
from definitions import build_definitions
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir


def names(keys: list) -> list[str]:
    """The derived assets among `keys`; the published tables (materialized by the publish
    step with `published_version`) must come with it, all of them."""
    shown = [key.to_user_string() for key in keys]
    tables = [name for name in shown if name.startswith("published/")]
    assert ("published_version" in shown) == bool(tables)
    assert not tables or {"published/entities", "published/trade_flows"} <= set(tables)
    return [name for name in shown if not name.startswith("published/")]


def steps(instance: DagsterInstance, run_id: str) -> set[str]:
    return {
        e.step_key
        for e in instance.all_logs(run_id, of_type=DagsterEventType.STEP_START)
        if e.step_key
    }


def test_only_what_changed_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = DataDir(root=str(tmp_path / "data"))
    with DagsterInstance.ephemeral() as instance:

        def definitions(sdn: str) -> Definitions:
            fetcher = SnapshotFetcher(pins={"us_ofac_sdn": sdn})
            return build_definitions(fetcher=fetcher, data_dir=data_dir, automation_enabled=False)

        defs = definitions("2023-12-28")
        first = defs.resolve_job_def("ingest_all").execute_in_process(instance=instance)
        assert "consolidated" not in steps(instance, first.run_id)
        assert {"us_ofac_sdn", "un_sc", "eurostat_comext", "cepii_baci"} <= steps(
            instance, first.run_id
        )
        # never built: every derived asset is missing
        stale = staleness.stale_derived(instance, defs)
        assert names(stale) == [
            "consolidated",
            "reconciliation",
            "trade_indicators",
            "published_version",
        ]
        built = defs.resolve_job_def("refresh_all").execute_in_process(
            instance=instance, asset_selection=stale
        )
        assert built.success
        assert staleness.stale_derived(instance, defs) == []

        # the same publications again: the ingest keeps its data versions, nothing is stale
        again = defs.resolve_job_def("ingest_all").execute_in_process(instance=instance)
        assert again.success
        assert staleness.stale_derived(instance, defs) == []

        # new code: the derived assets' code version changes, all of them are stale
        monkeypatch.setattr(staleness, "project_code_version", lambda: "0123456789abcdef")
        assert len(names(staleness.stale_derived(instance, definitions("2023-12-28")))) == 4
        monkeypatch.undo()

        # a new SDN publication: the lists' side is stale, the trade indicators are not
        newer = definitions("2024-05-03")
        assert newer.resolve_job_def("ingest_all").execute_in_process(instance=instance).success
        assert names(staleness.stale_derived(instance, newer)) == [
            "consolidated",
            "reconciliation",
            "published_version",
        ]


def test_code_version_covers_the_project_sources() -> None:
    version = staleness.project_code_version()
    assert len(version) == 16
    sources = {p.relative_to(staleness.ROOT).parts[0] for p in staleness.ROOT.glob("*/*.py")}
    assert {"assets", "ofac", "reconcile", "ftm", "resources", "schemas"} <= sources
