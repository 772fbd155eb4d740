"""An ingest step re-emits its previous check results when its data version and the code are
unchanged (issue #17: "unchanged is nearly free"), and computes them again otherwise. A failed
blocking check is carried over failed: the step still fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)

from assets import carryover, source_checks, staleness, trade, trade_checks, un_sc
from resources.fetcher import SnapshotFetcher
from resources.storage import DataDir
from schemas.validate import Failure

UN_CHECKS = {"schema_valid", "records_accounted", "no_unknown_fields"}


def run_un(instance: DagsterInstance, data: Path, date: str) -> ExecuteInProcessResult:
    return materialize(
        [un_sc.asset],
        instance=instance,
        resources={
            "fetcher": SnapshotFetcher(pins={"un_sc": date}),
            "data_dir": DataDir(root=str(data)),
        },
        raise_on_error=False,
    )


def evaluations(result: ExecuteInProcessResult) -> dict[str, AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def counted(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Count the Pandera validations of a list's publication (the check's costly part)."""
    calls: list[Any] = []
    validate = source_checks.validate_publication

    def counting(*args: Any, **kwargs: Any) -> list[Failure]:
        calls.append(args)
        return validate(*args, **kwargs)

    monkeypatch.setattr(source_checks, "validate_publication", counting)
    return calls


def test_unchanged_publication_carries_its_checks_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counted(monkeypatch)
    with DagsterInstance.ephemeral() as instance:
        first = run_un(instance, tmp_path, "2025-04-19")
        assert first.success and len(calls) == 1
        computed = evaluations(first)
        assert set(computed) == UN_CHECKS
        assert all(carryover.CARRIED_RUN_KEY not in e.metadata for e in computed.values())

        second = run_un(instance, tmp_path, "2025-04-19")
        assert second.success
        assert len(calls) == 1  # not validated again
        carried = evaluations(second)
        assert set(carried) == UN_CHECKS
        version = second.get_asset_materialization_events()[0].materialization.tags[
            carryover.DATA_VERSION_TAG
        ]
        for name, evaluation in carried.items():
            before = computed[name]
            assert (evaluation.passed, evaluation.severity) == (before.passed, before.severity)
            assert evaluation.metadata[carryover.CARRIED_RUN_KEY].value == first.run_id
            assert evaluation.metadata[carryover.CARRIED_VERSION_KEY].value == version
            # the same figures: the UN 2025-04-19 list's accounting, carried over as computed
            for key, value in before.metadata.items():
                assert evaluation.metadata[key] == value

        # a third run carries over again, still naming the run that computed them
        third = run_un(instance, tmp_path, "2025-04-19")
        assert len(calls) == 1
        assert {
            e.metadata[carryover.CARRIED_RUN_KEY].value for e in evaluations(third).values()
        } == {first.run_id}

        # new code: the checks are computed again
        monkeypatch.setattr(staleness, "project_code_version", lambda: "0123456789abcdef")
        fourth = run_un(instance, tmp_path, "2025-04-19")
        assert fourth.success and len(calls) == 2
        assert all(
            carryover.CARRIED_RUN_KEY not in e.metadata for e in evaluations(fourth).values()
        )

        # another publication: its data version differs, the checks are computed
        newer = run_un(instance, tmp_path, "2026-02-27")
        assert newer.success and len(calls) == 3
        assert all(carryover.CARRIED_RUN_KEY not in e.metadata for e in evaluations(newer).values())


def test_a_failed_blocking_check_is_carried_over_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def invalid(*args: Any, **kwargs: Any) -> list[Failure]:
        cases = pl.DataFrame({"column": ["name"], "check": ["made to fail"]})
        return [Failure(table="xml:entities", failure_cases=cases)]

    with DagsterInstance.ephemeral() as instance:
        monkeypatch.setattr(source_checks, "validate_publication", invalid)
        first = run_un(instance, tmp_path, "2025-04-19")
        assert not first.success
        assert evaluations(first)["schema_valid"].passed is False
        monkeypatch.undo()

        calls = counted(monkeypatch)
        second = run_un(instance, tmp_path, "2025-04-19")
        assert calls == []
        assert not second.success  # the blocking check still fails the step
        failed = evaluations(second)["schema_valid"]
        assert failed.passed is False
        assert failed.severity == AssetCheckSeverity.ERROR
        assert failed.metadata[carryover.CARRIED_RUN_KEY].value == first.run_id


def test_an_unchanged_trade_source_carries_its_checks_over(
    tmp_path: Path, snapshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    results = trade_checks.check_results

    def counting(asset: str, frames: trade_checks.TradeFrames) -> Any:
        calls.append(asset)
        return results(asset, frames)

    monkeypatch.setattr(trade, "check_results", counting)
    assets = [a for a in trade.TRADE_ASSETS if a.key.to_user_string() in ("hs_codes", "chpl_codes")]
    resources = {
        "fetcher": SnapshotFetcher(root=str(snapshots)),
        "data_dir": DataDir(root=str(tmp_path)),
    }
    with DagsterInstance.ephemeral() as instance:
        first = materialize(assets, instance=instance, resources=resources)
        assert sorted(calls) == ["chpl_codes", "hs_codes"]
        second = materialize(assets, instance=instance, resources=resources)
        assert sorted(calls) == ["chpl_codes", "hs_codes"]  # not evaluated again
        before = {(e.asset_key, e.check_name): e for e in first.get_asset_check_evaluations()}
        after = {(e.asset_key, e.check_name): e for e in second.get_asset_check_evaluations()}
        assert set(after) == set(before) and len(after) == 3
        for key, evaluation in after.items():
            assert evaluation.passed is before[key].passed is True
            assert evaluation.metadata[carryover.CARRIED_RUN_KEY].value == first.run_id
