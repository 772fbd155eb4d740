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
from typing import TYPE_CHECKING, Any

from core.vocabulary import TABLE_NAMES
from resources.fetcher import Payload
from resources.storage import dumps

if TYPE_CHECKING:  # polars loads when a table is read, not with the definitions
    import polars as pl

    from core.canonical import ParseResult


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
    import polars as pl

    from core.canonical import table_schema

    path = folder / fmt / f"{table}.parquet"
    if not path.exists():
        return pl.DataFrame(schema=table_schema(table))
    return pl.read_parquet(path)


def read_tables(folder: Path, fmt: str) -> dict[str, pl.DataFrame]:
    return {name: read_table(folder, fmt, name) for name in TABLE_NAMES}


def read_staged(folder: Path, fmt: str) -> dict[str, pl.DataFrame]:
    import polars as pl

    return {
        path.stem.removeprefix("staged_"): pl.read_parquet(path)
        for path in sorted((folder / fmt).glob("staged_*.parquet"))
    }


def read_unknowns(folder: Path, fmt: str) -> pl.DataFrame:
    import polars as pl

    return pl.read_parquet(folder / fmt / "unknowns.parquet")


class Staged:
    """A staged publication's frames, each read from its folder at most once.

    The run that parses a publication hands its frames over (`from_results`: the very frames
    `write_publication` wrote), so the checks of that run read nothing back; an unchanged
    publication's frames are read from the folder the first time a check asks for them.
    """

    def __init__(
        self, folder: Path, meta: dict[str, Any], results: dict[str, ParseResult] | None = None
    ) -> None:
        self.folder = folder
        self.meta = meta
        self._tables: dict[str, dict[str, pl.DataFrame]] = {}
        self._staged: dict[str, dict[str, pl.DataFrame]] = {}
        self._unknowns: dict[str, pl.DataFrame] = {}
        for fmt, result in (results or {}).items():
            self._tables[fmt] = dict(result.tables)
            self._staged[fmt] = dict(result.staged)
            self._unknowns[fmt] = result.unknowns_frame()

    def table(self, fmt: str, table: str) -> pl.DataFrame:
        cached = self._tables.setdefault(fmt, {})
        if table not in cached:
            cached[table] = read_table(self.folder, fmt, table)
        return cached[table]

    def tables(self, fmt: str) -> dict[str, pl.DataFrame]:
        """The canonical tables of format `fmt` (as `read_tables`)."""
        return {name: self.table(fmt, name) for name in TABLE_NAMES}

    def staged(self, fmt: str) -> dict[str, pl.DataFrame]:
        """The source-shaped tables of format `fmt` (as `read_staged`)."""
        if fmt not in self._staged:
            self._staged[fmt] = read_staged(self.folder, fmt)
        return self._staged[fmt]

    def unknowns(self, fmt: str) -> pl.DataFrame:
        if fmt not in self._unknowns:
            self._unknowns[fmt] = read_unknowns(self.folder, fmt)
        return self._unknowns[fmt]
