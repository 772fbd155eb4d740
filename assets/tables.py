"""Every published table as an asset of its own, in the `published` group of the catalog.

The `published_version` step publishes them all at once (one version, one step); each table
is one asset spec of that multi-asset, with lineage from the asset that builds it
(`consolidated`, `reconciliation`, `trade_indicators`), an owner and tags, and on each
materialization its row count and its column schema (Dagster's `dagster/row_count` and
`dagster/column_schema`), the columns' descriptions read from the data dictionary
(schemas/catalog.py, the Pandera models). The column schema is attached to the materialization,
not the definition, so that loading the definitions does not import Pandera.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from dagster import AssetKey, AssetSpec, MaterializeResult, MetadataValue

GROUP = "published"
OWNERS = ["team:sanctions-data"]
PREFIX = "published"


def table_key(name: str) -> AssetKey:
    return AssetKey([PREFIX, name])


def table_specs(origins: Mapping[str, Sequence[str]]) -> list[AssetSpec]:
    """One spec per published table (name → the assets it is built from)."""
    return [
        AssetSpec(
            table_key(name),
            deps=[AssetKey(dep) for dep in deps],
            group_name=GROUP,
            description=(
                f"Published table `{name}`: `{name}.parquet` in every version folder and the "
                f"table `{name}` in its sanctions.duckdb. Columns (with their meaning) and row "
                "count: see the latest materialization."
            ),
            owners=OWNERS,
            tags={"layer": "published", "built_by": "_".join(deps)},
            kinds={"parquet", "duckdb"},
            skippable=True,  # an unchanged publish materializes no table
        )
        for name, deps in sorted(origins.items())
    ]


def column_schema(name: str, schema: Mapping[str, object]) -> MetadataValue:
    """Dagster's column schema of a published table: each column's type and meaning."""
    from dagster import TableColumn, TableSchema

    from schemas.catalog import dictionary

    doc = dictionary([name]).get(name)
    described = doc.columns if doc else {}
    columns = [
        TableColumn(name=column, type=str(dtype), description=described.get(column))
        for column, dtype in schema.items()
    ]
    return MetadataValue.table_schema(TableSchema(columns=columns))


def table_results(folder: Path, names: set[str]) -> Iterator[MaterializeResult]:
    """One materialization per published table of the version in `folder` (its manifest's
    row count, its parquet file's columns with their meaning from the data dictionary)."""
    import polars as pl

    from schemas.catalog import dictionary

    manifest = json.loads((folder / "manifest.json").read_text())
    tables = {n: t for n, t in manifest["tables"].items() if n in names}
    docs = dictionary(tables)
    for name, table in sorted(tables.items()):
        path = folder / table["file"]
        yield MaterializeResult(
            asset_key=table_key(name),
            metadata={
                "dagster/row_count": table["rows"],
                "dagster/column_schema": column_schema(name, pl.read_parquet_schema(path)),
                "description": docs[name].description if name in docs else "",
                "version": manifest["version"],
                "parquet": MetadataValue.path(str(path)),
            },
        )
