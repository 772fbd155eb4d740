"""A real `dagster-webserver` on 127.0.0.1 for the UI tests, started on the project's workspace."""

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
