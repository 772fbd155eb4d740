"""A real Dagster webserver on 127.0.0.1: the UI's GraphQL API lists the assets and launches the
refresh job, which runs to success and publishes a version."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.webserver import running_webserver

ROOT = Path(__file__).resolve().parent.parent

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
STATUS = """
query Status($runId: ID!) {
  runOrError(runId: $runId) { __typename ... on Run { status } }
}
"""
ASSETS = "query { assetNodes { assetKey { path } groupName } }"


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("dagster_home")
    data = tmp_path_factory.mktemp("data")
    (home / "dagster.yaml").write_text(
        "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
        "telemetry:\n  enabled: false\n"
    )
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SANCTIONS_DATA_DIR": str(data),
        "SANCTIONS_MODE": "snapshot",
    }
    with running_webserver(home, env, start_seconds=120) as url:
        yield url, data


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60
    )
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_ui_lists_assets_by_group(webserver: tuple[str, Path]) -> None:
    url, _ = webserver
    deadline = time.monotonic() + 60
    nodes: list[dict] = []
    while time.monotonic() < deadline and not nodes:
        nodes = graphql(url, ASSETS)["assetNodes"]
        time.sleep(0.5)
    groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    assert groups["us_ofac_sdn"] == "us_ofac_sdn"
    assert groups["published_version"] == "consolidated"


def test_launch_refresh_job_through_graphql(webserver: tuple[str, Path]) -> None:
    url, data = webserver
    params = {
        "selector": {
            "repositoryLocationName": "sanctions",
            "repositoryName": "__repository__",
            "jobName": "refresh_all",
        },
        "runConfigData": {},
    }
    launched = graphql(url, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    status = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = graphql(url, STATUS, {"runId": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    assert status == "SUCCESS"
    manifest = json.loads((data / "published" / "latest" / "manifest.json").read_text())
    assert {s["source"] for s in manifest["sources"]} >= {"us_ofac_sdn", "us_ofac_cons"}
