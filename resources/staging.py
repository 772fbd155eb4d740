"""Staging store: one immutable folder per source publication, holding its parsed tables.

Layout: `warehouse/staging/<source>/<publication_id>/<format>/<table>.parquet`, plus
`staged_<name>.parquet` (source-shaped rows), `unknowns.parquet` and `meta.json`. A folder is
complete once it exists (it is written under a temporary name and renamed), so an unchanged
payload is recognised by its publication ID and not parsed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from core.canonical import TABLE_NAMES, ParseResult, table_schema
from resources.fetcher import Payload
from resources.storage import dumps


def publication_id(source: str, payloads: Iterable[Payload]) -> str:
    """Content address of a publication: same bytes, same ID, whatever the fetch time."""
    digest = hashlib.sha256()
    for payload in sorted(payloads, key=lambda p: p.name):
        digest.update(f"{payload.name}:{payload.sha256}\n".encode())
    return f"{source}-{digest.hexdigest()[:16]}"


def write_publication(folder: Path, results: dict[str, ParseResult], meta: dict[str, Any]) -> None:
    """Write every format's parse result under `folder` atomically (temp folder + rename)."""
    if folder.exists():
        return
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    for fmt, result in results.items():
        target = tmp / fmt
        target.mkdir(parents=True)
        for name, df in result.tables.items():
            df.write_parquet(target / f"{name}.parquet")
        for name, df in result.staged.items():
            df.write_parquet(target / f"staged_{name}.parquet")
        result.unknowns_frame().write_parquet(target / "unknowns.parquet")
    (tmp / "meta.json").write_text(dumps(meta))
    try:
        tmp.rename(folder)
    except OSError:
        # another run staged the same publication first: same bytes, same tables
        shutil.rmtree(tmp)
        if not folder.exists():
            raise


def read_meta(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "meta.json").read_text())


def read_table(folder: Path, fmt: str, table: str) -> pl.DataFrame:
    path = folder / fmt / f"{table}.parquet"
    if not path.exists():
        return pl.DataFrame(schema=table_schema(table))
    return pl.read_parquet(path)


def read_tables(folder: Path, fmt: str) -> dict[str, pl.DataFrame]:
    return {name: read_table(folder, fmt, name) for name in TABLE_NAMES}


def read_staged(folder: Path, fmt: str) -> dict[str, pl.DataFrame]:
    return {
        path.stem.removeprefix("staged_"): pl.read_parquet(path)
        for path in sorted((folder / fmt).glob("staged_*.parquet"))
    }


def read_unknowns(folder: Path, fmt: str) -> pl.DataFrame:
    return pl.read_parquet(folder / fmt / "unknowns.parquet")
