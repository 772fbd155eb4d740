"""Shared by the reconciliation tests: the fixture of 43 real entries (`tests/fixtures/reconcile/`,
cut from a warehouse built on the shipped snapshots, see its README), small synthetic frames
that pin single rules, and real rows read from the shipped snapshots."""

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from core.canonical import frame, table_schema
from reconcile.resolve import Resolution

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reconcile"
TABLES = ("entities", "names", "identifiers", "birth_dates", "countries", "attributes", "sanctions")


def load_fixture() -> dict[str, pl.DataFrame]:
    out = {}
    for table in TABLES:
        schema = table_schema(table)
        rows = [json.loads(line) for line in (FIXTURES / f"{table}.jsonl").open(encoding="utf-8")]
        for row in rows:
            for column, dtype in schema.items():
                if dtype == pl.Date and row.get(column):
                    row[column] = date.fromisoformat(row[column])
        out[table] = pl.DataFrame(rows, schema=schema)
    return out


def cluster_of(clusters: pl.DataFrame, entity_id: str) -> set[str]:
    cluster_id = clusters.filter(pl.col("entity_id") == entity_id)["cluster_id"].item()
    return set(clusters.filter(pl.col("cluster_id") == cluster_id)["entity_id"])


def synthetic(
    parties: list[dict], identifiers: list[dict] | None = None, dates: list[dict] | None = None
) -> dict[str, pl.DataFrame]:
    """Canonical frames for a few parties: {entity_id, source, entity_type, name}."""
    entities = frame(
        "entities",
        [
            {
                "source": p["source"],
                "publication_id": f"{p['source']}-test",
                "entity_id": p["entity_id"],
                "source_id": p["entity_id"].split("-", 1)[1],
                "entity_type": p["entity_type"],
                "primary_name": p["name"],
            }
            for p in parties
        ],
    )
    names = frame(
        "names",
        [
            {
                "source": p["source"],
                "publication_id": f"{p['source']}-test",
                "entity_id": p["entity_id"],
                "name": p["name"],
                "name_type": "primary",
            }
            for p in parties
        ],
    )
    source_of = {p["entity_id"]: p["source"] for p in parties}
    ids = frame(
        "identifiers",
        [
            {"source": source_of[i["entity_id"]], "publication_id": "x-test", **i}
            for i in identifiers or []
        ],
    )
    births = frame(
        "birth_dates",
        [
            {"source": source_of[d["entity_id"]], "publication_id": "x-test", **d}
            for d in dates or []
        ],
    )
    return {
        "entities": entities,
        "names": names,
        "identifiers": ids,
        "birth_dates": births,
        "countries": frame("countries"),
        "attributes": frame("attributes"),
        "sanctions": frame("sanctions"),
    }


def party(entity_id: str, name: str, entity_type: str = "person") -> dict:
    return {
        "entity_id": entity_id,
        "source": entity_id.split("-")[0],
        "entity_type": entity_type,
        "name": name,
    }


def passport(entity_id: str, number: str, country: str | None) -> dict:
    return {
        "entity_id": entity_id,
        "id_type": "passport",
        "value": number,
        "normalized": number,
        "country_code": country,
    }


def registration(entity_id: str, value: str) -> dict:
    return {"entity_id": entity_id, "id_type": "registration", "value": value}


def born(entity_id: str, day: date) -> dict:
    return {
        "entity_id": entity_id,
        "raw": day.isoformat(),
        "date_from": day,
        "date_to": day,
        "precision": "day",
    }


def groups(*members: tuple[str, ...]) -> pl.DataFrame:
    rows = [{"entity_id": e, "group": min(m)} for m in members for e in m]
    return pl.DataFrame(rows, schema={"entity_id": pl.String, "group": pl.String})


def ids_of(assigned: pl.DataFrame) -> dict[str, str]:
    return dict(assigned.select("entity_id", "cluster_id").iter_rows())


@lru_cache(maxsize=8)
def _snapshot(source: str, published_at: str) -> dict[str, pl.DataFrame]:
    from bench.reconcile_quality import load_source

    return load_source(source, published_at)


def real_rows(*wanted: tuple[str, str, tuple[str, ...]]) -> dict[str, pl.DataFrame]:
    """The canonical rows of a few real entries: (source, snapshot, entity IDs) each."""
    parts = []
    for source, published_at, ids in wanted:
        tables = _snapshot(source, published_at)
        parts.append({n: df.filter(pl.col("entity_id").is_in(ids)) for n, df in tables.items()})
    return {n: pl.concat([p[n] for p in parts], how="vertical_relaxed") for n in parts[0]}


def _linked(res: Resolution, left: str, right: str) -> bool:
    return right in cluster_of(res.clusters, left)
