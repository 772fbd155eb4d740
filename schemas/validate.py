"""Run Pandera models over frames and collect failure cases for check metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandera (it imports pandas) and polars load when a validation runs
    import pandera.polars as pa
    import polars as pl


@dataclass
class Failure:
    table: str
    failure_cases: pl.DataFrame

    @property
    def count(self) -> int:
        return self.failure_cases.height


def validate(
    models: Mapping[str, type[pa.DataFrameModel]], frames: Mapping[str, pl.DataFrame]
) -> list[Failure]:
    """Validate each frame with its model (lazily: all failures, not the first one)."""
    import pandera.polars as pa
    import polars as pl

    failures: list[Failure] = []
    for table, model in models.items():
        if table not in frames:
            failures.append(
                Failure(
                    table, pl.DataFrame({"failure_case": ["table missing"], "check": ["present"]})
                )
            )
            continue
        try:
            model.validate(frames[table], lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases.with_columns(pl.col("failure_case").cast(pl.String))
            failures.append(Failure(table, cases))
    return failures


def failures_markdown(failures: list[Failure], limit: int = 30) -> str:
    """A compact table of failure cases for the Dagster UI."""
    lines = ["| table | column | check | failure case | row |", "|---|---|---|---|---|"]
    for failure in failures:
        for row in failure.failure_cases.head(limit).iter_rows(named=True):
            case = str(row.get("failure_case"))[:120].replace("|", "\\|")
            lines.append(
                f"| {failure.table} | {row.get('column')} | {row.get('check')} | {case} | {row.get('index')} |"
            )
    return "\n".join(lines)


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """Rows of dicts as a markdown table for Dagster metadata (empty string for no rows)."""
    if not rows:
        return ""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines)
