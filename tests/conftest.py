"""Shared fixtures: paths to the shipped snapshots and test fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "snapshots"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(autouse=True)
def _no_disposed_instance_in_context() -> Iterator[None]:
    """dagster 1.13.27: `with DagsterInstance… as instance` points a context variable at the
    instance's defs-state storage on enter and never resets it (`dispose` does not close the
    exit stack `__enter__` opened). A later definitions load in the same process then asks a
    disposed instance ("Attempted to resolve undefined DagsterInstance weakref"). Tests share
    processes (pytest-xdist), so the variable is cleared before and after each test (a
    module- or session-scoped fixture may have set it in between)."""
    from dagster._core.storage.defs_state.base import _current_storage

    _current_storage.set(None)
    yield
    _current_storage.set(None)


@pytest.fixture(scope="session")
def snapshots() -> Path:
    return SNAPSHOTS


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


def snapshot_root(tmp_path: Path, editable: tuple[str, ...] = ("us_ofac_sdn",)) -> Path:
    """A snapshot folder for one test: `editable` sources copied, the others linked."""
    import shutil

    root = tmp_path / "snapshots"
    root.mkdir()
    for source in sorted(p for p in SNAPSHOTS.iterdir() if p.is_dir()):
        if source.name in editable:
            shutil.copytree(source, root / source.name)
        else:
            (root / source.name).symlink_to(source, target_is_directory=True)
    return root
