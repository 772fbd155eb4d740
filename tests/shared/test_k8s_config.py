"""deploy/k8s: the Kubernetes run launcher and executor configs are valid for dagster-k8s.

Only the configuration is checked, against dagster-k8s's own config schemas: nothing here runs
Kubernetes (deploy/k8s.md says what was and was not tried).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dagster import Shape
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster_k8s import K8sRunLauncher, k8s_job_executor

import definitions

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_PG_URL", "postgresql+psycopg2://etl@db:5432/dagster")
    monkeypatch.setenv("SANCTIONS_IMAGE", "registry.example.org/sanctions-etl:test")


def test_instance_config_is_valid_with_the_k8s_run_launcher() -> None:
    config, _ = dagster_instance_config(
        str(DEPLOY / "k8s")
    )  # the instance schema, as Dagster reads it
    launcher = config["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    result = process_config(Shape(K8sRunLauncher.config_type()), launcher["config"])
    assert result.success, result.errors
    assert result.value["job_image"] == "registry.example.org/sanctions-etl:test"
    assert result.value["env_secrets"] == ["sanctions-s3", "sanctions-postgres"]
    assert config["storage"]["postgres"]["postgres_url"] == {"env": "DAGSTER_PG_URL"}


def test_executor_run_config_is_valid_for_k8s_job_executor() -> None:
    run_config = yaml.safe_load((DEPLOY / "k8s" / "run_config.yaml").read_text())
    result = process_config(
        k8s_job_executor.config_schema.config_type, run_config["execution"]["config"]
    )
    assert result.success, result.errors
    assert result.value["max_concurrent"] == 4


def test_executor_selected_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, expected in [
        ("in_process", "in_process"),
        ("multiprocess", "multiprocess"),
        ("k8s", "k8s"),
    ]:
        monkeypatch.setenv("SANCTIONS_EXECUTOR", name)
        assert definitions.executor_from_env().name == expected
    monkeypatch.setenv("SANCTIONS_EXECUTOR", "threads")
    with pytest.raises(ValueError, match="SANCTIONS_EXECUTOR must be"):
        definitions.executor_from_env()
