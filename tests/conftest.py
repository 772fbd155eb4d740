"""Shared fixtures: paths to the shipped snapshots and test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "snapshots"
FIXTURES = ROOT / "tests" / "fixtures"


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
