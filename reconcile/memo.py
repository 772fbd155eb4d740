"""The scored links of one entity type, kept for the next run with the same inputs.

Scoring one entity type reads only that type's parties: their names, birth years, countries,
documents, register numbers and gender, and the listing units and deterministic groups of the
parties (`probabilistic._one_type` is handed exactly those rows, nothing else). When a list
changes a company, the persons' inputs are the same rows as in the run before and so are their
links: `TypeMemo` keeps each type's result under the sha256 of its inputs (every frame's bytes,
its rows in the order of their contents), the settings and the matcher's code version, and hands it back instead of scoring
again. A key that differs in any byte is a miss, never a wrong hit. Entries not used by the
latest run are removed (`prune`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

import polars as pl

from reconcile.deterministic import LINK_SCHEMA


@dataclass
class TypeResult:
    """What one entity type's scoring yields for the resolution: its links (LINK_SCHEMA plus
    `strong`), its candidate pairs, the blocking's counts and its number of names."""

    links: pl.DataFrame
    candidates: int
    stats: dict[str, int]
    names: int


@dataclass
class TypeMemo:
    """Type results in `folder`, valid for the matcher code `version`."""

    folder: Path
    version: str
    hits: list[str] = field(default_factory=list)  # the keys handed back this run
    _used: set[str] = field(default_factory=set)
    _lock: Lock = field(default_factory=Lock)

    def key(self, frames: list[pl.DataFrame], settings: object) -> str:
        digest = hashlib.sha256(f"{self.version}\n{settings!r}\n".encode())
        for frame in frames:
            buffer = io.BytesIO()
            _canonical(frame).write_ipc(buffer, compression="uncompressed")
            digest.update(buffer.getvalue())
        return digest.hexdigest()

    def get(self, key: str) -> TypeResult | None:
        links, meta = self.folder / f"{key}.parquet", self.folder / f"{key}.json"
        with self._lock:
            self._used.add(key)
        if not (links.exists() and meta.exists()):
            return None
        record = json.loads(meta.read_text())
        with self._lock:
            self.hits.append(key)
        return TypeResult(
            links=pl.read_parquet(links).cast({**LINK_SCHEMA, "strong": pl.Boolean}),
            candidates=record["candidates"],
            stats=record["stats"],
            names=record["names"],
        )

    def put(self, key: str, result: TypeResult) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        result.links.write_parquet(buffer)
        record = {"candidates": result.candidates, "stats": result.stats, "names": result.names}
        # the links first: an entry counts only once its record is there
        _replace(self.folder / f"{key}.parquet", buffer.getvalue())
        _replace(self.folder / f"{key}.json", json.dumps(record).encode())

    def prune(self) -> None:
        """Remove every entry this run did not look up."""
        if not self.folder.exists():
            return
        for path in self.folder.iterdir():
            if path.name.split(".")[0] not in self._used:
                path.unlink(missing_ok=True)


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` in an order of its own contents: the facts come out of `unique` and joins in an
    order that varies from run to run, and scoring does not depend on it; a list (a party's
    countries) as its sorted items."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    frame = frame.with_columns(
        pl.col(name).list.eval(pl.element().cast(pl.String)).list.sort().list.join("\x1f")
        for name in lists
    )
    return frame.sort(frame.columns, nulls_last=True, maintain_order=True).rechunk()


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
