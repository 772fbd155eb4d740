"""A real `dagster-webserver` on 127.0.0.1 for the UI tests, started on the project's workspace,
and the GraphQL queries the tests send it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

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
# the test instance: runs launched from the UI start at once (the default coordinator, not a
# daemon's queue); no telemetry; no "join the community" dialog over the first page a browser opens
TEST_INSTANCE = (
    "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
    "telemetry:\n  enabled: false\n"
    "nux:\n  enabled: false\n"
)


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60
    )
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def launch_and_wait(url: str, job: str, timeout: float) -> str:
    """Launch `job` through GraphQL (as the UI's Launchpad does) and return its final status."""
    params = {
        "selector": {
            "repositoryLocationName": "sanctions",
            "repositoryName": "__repository__",
            "jobName": job,
        },
        "runConfigData": {},
    }
    launched = graphql(url, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    status = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = graphql(url, STATUS, {"runId": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    return status or "NOT_STARTED"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_webserver(
    home: Path,
    env: Mapping[str, str],
    start_seconds: float,
    workspace: Path = ROOT / "workspace.yaml",
) -> Iterator[str]:
    """Start the webserver on `workspace` (the project's by default) with `env`, yield its URL
    once `/server_info` answers (within `start_seconds`), stop it afterwards; its log goes to
    `home`."""
    port = free_port()
    with open(home / "webserver.log", "wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "dagster_webserver", "-w", str(workspace)),
                *("-h", "127.0.0.1", "-p", str(port)),
            ],
            cwd=ROOT,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_seconds
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError((home / "webserver.log").read_text()[-3000:])
                time.sleep(0.5)
            else:
                raise TimeoutError(f"webserver did not start in {start_seconds:.0f} s")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
