"""EU FSF: the staged frames' columns and types, read from their Pandera models (`schemas.eu_fsf`).

Apart from `constants` so that the list's declaration (`assets/eu_fsf.py`), which reads the
constants, does not load pandera with the Dagster definitions; the readers load it here.
"""

from __future__ import annotations

import polars as pl

from schemas.eu_fsf import MODELS as STAGED_MODELS

STAGED_COLUMNS = frozenset(c for model in STAGED_MODELS.values() for c in model.to_schema().columns)
STAGED_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    table: {col: pl.Int64 if col == "position" else pl.String for col in model.to_schema().columns}
    for table, model in STAGED_MODELS.items()
}
