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

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import AssetKey, AssetSpec, MaterializeResult, MetadataValue

if TYPE_CHECKING:
    import polars as pl

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


def column_schema(name: str, frame: pl.DataFrame) -> MetadataValue:
    """Dagster's column schema of a published table: each column's type and meaning."""
    from dagster import TableColumn, TableSchema

    from schemas.catalog import dictionary

    doc = dictionary([name]).get(name)
    described = doc.columns if doc else {}
    columns = [
        TableColumn(name=column, type=str(dtype), description=described.get(column))
        for column, dtype in frame.schema.items()
    ]
    return MetadataValue.table_schema(TableSchema(columns=columns))


def table_results(
    tables: Mapping[str, pl.DataFrame], folder: Path, version: str
) -> Iterator[MaterializeResult]:
    """One materialization per published table of `version` (written in `folder`)."""
    from schemas.catalog import dictionary

    docs = dictionary(tables)
    for name, frame in sorted(tables.items()):
        yield MaterializeResult(
            asset_key=table_key(name),
            metadata={
                "dagster/row_count": frame.height,
                "dagster/column_schema": column_schema(name, frame),
                "description": docs[name].description if name in docs else "",
                "version": version,
                "parquet": MetadataValue.path(str(folder / f"{name}.parquet")),
            },
        )
