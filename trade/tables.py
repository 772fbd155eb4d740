"""Column schemas of the trade tables and the result every parser returns.

Trade data has its own tables (not the canonical sanctions ones): one source-shaped table per
source, a unified `trade_flows` table, reference tables (`hs_codes`, `chpl_codes`) and indicator
tables. Every data row keeps `source_file` (path relative to the trade snapshot root, or the
payload name in live mode) and `source_line` (1-based physical line, header = line 1), so any
figure traces back to the line it came from. `schemas/trade.py` validates the same columns.
The vocabularies of their coded columns are in `trade/vocabulary.py` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import polars as pl

from core.canonical import Unknown
from core.errors import SourceFormatError
from trade.vocabulary import CODE_KINDS as CODE_KINDS
from trade.vocabulary import CURRENCIES as CURRENCIES
from trade.vocabulary import EU27 as EU27
from trade.vocabulary import FLOWS as FLOWS
from trade.vocabulary import PRODUCT_LEVELS as PRODUCT_LEVELS
from trade.vocabulary import REFERENCE_TABLES as REFERENCE_TABLES
from trade.vocabulary import TRADE_SOURCES as TRADE_SOURCES
from trade.vocabulary import VALUATIONS as VALUATIONS

_PROVENANCE = {"source_file": pl.String, "source_line": pl.Int32}

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "eurostat_comext": {
        "reporter_code": pl.String,
        "reporter_label": pl.String,
        "reporter_kind": pl.String,
        "reporter_is_aggregate": pl.Boolean,
        "partner_code": pl.String,
        "partner_label": pl.String,
        "partner_kind": pl.String,
        "partner_is_aggregate": pl.Boolean,
        "product_code": pl.String,
        "product_label": pl.String,
        "flow": pl.String,
        "flow_label": pl.String,
        "stat_procedure": pl.String,
        "stat_procedure_label": pl.String,
        "period_label": pl.String,
        "year": pl.Int16,
        "month": pl.Int8,
        "value_eur": pl.Float64,
        "obs_flag": pl.String,
        "label_language": pl.String,
        **_PROVENANCE,
    },
    "eurostat_cn8": {
        "reporter_code": pl.String,
        "reporter_label": pl.String,
        "reporter_kind": pl.String,
        "partner_code": pl.String,
        "partner_label": pl.String,
        "partner_kind": pl.String,
        "product_code": pl.String,
        "product_level": pl.String,
        "hs6": pl.String,
        "flow": pl.String,
        "period_label": pl.String,
        "year": pl.Int16,
        "month": pl.Int8,
        "value_eur": pl.Float64,
        "obs_flag": pl.String,
        "obs_flag_label": pl.String,
        "source_file": pl.String,
        "source_sheet": pl.String,
        "source_line": pl.Int32,
        "source_cell": pl.String,
    },
    "eurostat_cn8_products": {
        "product_code": pl.String,
        "product_level": pl.String,
        "hs6": pl.String,
        "product_label": pl.String,
        "flow": pl.String,
        "flow_label": pl.String,
        "indicator": pl.String,
        "dataset": pl.String,
        "data_updated": pl.String,
        "extracted": pl.String,
        "months": pl.Int16,
        "first_month": pl.String,
        "last_month": pl.String,
        "rows": pl.Int32,
        "source_file": pl.String,
        "source_sheet": pl.String,
    },
    "un_comtrade": {
        "type_code": pl.String,
        "freq_code": pl.String,
        "ref_period_id": pl.Int64,
        "ref_year": pl.Int16,
        "ref_month": pl.Int8,
        "period": pl.String,
        "reporter_code": pl.Int32,
        "reporter_iso": pl.String,
        "reporter_desc": pl.String,
        "flow_code": pl.String,
        "flow_desc": pl.String,
        "partner_code": pl.Int32,
        "partner_iso": pl.String,
        "partner_desc": pl.String,
        "partner2_code": pl.Int32,
        "partner2_iso": pl.String,
        "classification_code": pl.String,
        "classification_search_code": pl.String,
        "is_original_classification": pl.Boolean,
        "cmd_code": pl.String,
        "cmd_desc": pl.String,
        "aggr_level": pl.Int8,
        "is_leaf": pl.Boolean,
        "customs_code": pl.String,
        "mos_code": pl.String,
        "mot_code": pl.Int32,
        "qty_unit_code": pl.Int32,
        "qty_unit_abbr": pl.String,
        "qty": pl.Float64,
        "is_qty_estimated": pl.Boolean,
        "alt_qty_unit_code": pl.Int32,
        "alt_qty": pl.Float64,
        "net_wgt": pl.Float64,
        "is_net_wgt_estimated": pl.Boolean,
        "gross_wgt": pl.Float64,
        "cif_value": pl.Float64,
        "fob_value": pl.Float64,
        "primary_value": pl.Float64,
        "legacy_estimation_flag": pl.Int32,
        "is_reported": pl.Boolean,
        "is_aggregate": pl.Boolean,
        # derived
        "reporter_iso2": pl.String,
        "reporter_kind": pl.String,
        "partner_iso2": pl.String,
        "partner_kind": pl.String,
        "partner2_iso2": pl.String,
        "partner2_kind": pl.String,
        "flow": pl.String,
        "month": pl.Int8,
        "extra_fields": pl.String,
        **_PROVENANCE,
    },
    "cepii_baci": {
        "year": pl.Int16,
        "exporter_code": pl.Int32,
        "importer_code": pl.Int32,
        "exporter_iso2": pl.String,
        "exporter_iso3": pl.String,
        "importer_iso2": pl.String,
        "importer_iso3": pl.String,
        "product_code": pl.String,
        "value_usd_thousands": pl.Float64,
        "quantity_tonnes": pl.Float64,
        **_PROVENANCE,
    },
    "cepii_baci_countries": {
        "country_code": pl.Int32,
        "country_name": pl.String,
        "country_iso2": pl.String,
        "country_iso3": pl.String,
        **_PROVENANCE,
    },
    "imf_imts": {
        "reporter_code": pl.String,
        "reporter_iso3": pl.String,
        "partner_code": pl.String,
        "partner_imf_code": pl.String,
        "partner_label": pl.String,
        "partner_kind": pl.String,
        "partner_is_aggregate": pl.Boolean,
        "indicator": pl.String,
        "flow": pl.String,
        "valuation": pl.String,
        "year": pl.Int16,
        "value_usd_millions": pl.Float64,
        "series_code": pl.String,
        **_PROVENANCE,
    },
    "hs_codes": {
        "hs_code": pl.String,
        "description": pl.String,
        "level": pl.Int8,
        "parent": pl.String,
        "section": pl.String,
        "section_name": pl.String,
        **_PROVENANCE,
    },
    "chpl_codes": {
        "hs_code": pl.String,
        "tier": pl.String,
        "tier_group": pl.Int8,
        "published_at": pl.Date,
        "source_url": pl.String,
        **_PROVENANCE,
    },
    "trade_flows": {
        "source": pl.String,
        "reporter_code": pl.String,
        "reporter_is_aggregate": pl.Boolean,
        "partner_code": pl.String,
        "partner_is_aggregate": pl.Boolean,
        "flow": pl.String,
        "year": pl.Int16,
        "month": pl.Int8,
        "product_code": pl.String,
        "product_level": pl.String,
        "hs6": pl.String,
        "value": pl.Float64,
        "obs_flag": pl.String,
        "currency": pl.String,
        "valuation": pl.String,
        "quantity": pl.Float64,
        "quantity_unit": pl.String,
        **_PROVENANCE,
    },
    "trade_rejects": {
        "source": pl.String,
        "source_file": pl.String,
        "source_line": pl.Int32,
        "reason": pl.String,
        "raw": pl.String,
    },
    "trade_indicators_monthly": {
        "source": pl.String,
        "reporter_code": pl.String,
        "reporter_is_aggregate": pl.Boolean,
        "partner_code": pl.String,
        "flow": pl.String,
        "product_scope": pl.String,
        "year": pl.Int16,
        "month": pl.Int8,
        "value": pl.Float64,
        "currency": pl.String,
        "base_2021": pl.Float64,
        "index_2021": pl.Float64,
        "source_files": pl.List(pl.String),
    },
    "trade_indicators_annual": {
        "source": pl.String,
        "basis": pl.String,
        "reporter_code": pl.String,
        "reporter_is_aggregate": pl.Boolean,
        "partner_code": pl.String,
        "flow": pl.String,
        "product_scope": pl.String,
        "year": pl.Int16,
        "months": pl.Int8,
        "complete": pl.Boolean,
        "value": pl.Float64,
        "currency": pl.String,
        "base_2021": pl.Float64,
        "index_2021": pl.Float64,
        "source_files": pl.List(pl.String),
    },
    "trade_diversion": {
        "source": pl.String,
        "basis": pl.String,
        "reporter_code": pl.String,
        "partner_code": pl.String,
        "product_scope": pl.String,
        "year": pl.Int16,
        "value": pl.Float64,
        "currency": pl.String,
        "value_2021": pl.Float64,
        "growth_vs_2021": pl.Float64,
        "trend_value": pl.Float64,
        "excess_over_trend": pl.Float64,
        "excess_pct": pl.Float64,
        "ru_value": pl.Float64,
        "ru_value_2021": pl.Float64,
        "ru_change_vs_2021": pl.Float64,
        "ru_trend_value": pl.Float64,
        "ru_excess_pct": pl.Float64,
        "source_files": pl.List(pl.String),
    },
    "trade_mirror_gaps": {
        "source": pl.String,
        "exporter_code": pl.String,
        "importer_code": pl.String,
        "product_code": pl.String,
        "chpl_tier": pl.String,
        "year": pl.Int16,
        "month": pl.Int8,
        "export_value_usd": pl.Float64,
        "import_value_usd": pl.Float64,
        "gap_usd": pl.Float64,
        "gap_ratio": pl.Float64,
        "source_files": pl.List(pl.String),
    },
    "trade_product_chpl": {
        "source": pl.String,
        "product_code": pl.String,
        "product_level": pl.String,
        "hs6": pl.String,
        "product_label": pl.String,
        "chpl_tier": pl.String,
        "chpl_tier_group": pl.Int8,
        "chpl_match": pl.String,
        "source_files": pl.List(pl.String),
    },
    "trade_chpl_monthly": {
        "source": pl.String,
        "reporter_code": pl.String,
        "reporter_basis": pl.String,
        "partner_code": pl.String,
        "partner_group": pl.String,
        "product_scope": pl.String,
        "year": pl.Int16,
        "month": pl.Int8,
        "value_eur": pl.Float64,
        "cells_reported": pl.Int32,
        "cells_not_available": pl.Int32,
        "product_lines": pl.Int32,
        "base_2021": pl.Float64,
        "index_2021": pl.Float64,
        "source_files": pl.List(pl.String),
    },
    "trade_chpl_annual": {
        "source": pl.String,
        "reporter_code": pl.String,
        "reporter_basis": pl.String,
        "partner_code": pl.String,
        "partner_group": pl.String,
        "product_scope": pl.String,
        "year": pl.Int16,
        "months_reported": pl.Int8,
        "value_eur": pl.Float64,
        "cells_reported": pl.Int32,
        "cells_not_available": pl.Int32,
        "product_lines": pl.Int32,
        "base_2021": pl.Float64,
        "index_2021": pl.Float64,
        "source_files": pl.List(pl.String),
    },
    "trade_chpl_substitution": {
        "source": pl.String,
        "reporter_code": pl.String,
        "hs6": pl.String,
        "chpl_tier": pl.String,
        "product_lines": pl.Int32,
        "pre_window": pl.String,
        "post_window": pl.String,
        "direct_pre_eur": pl.Float64,
        "direct_post_eur": pl.Float64,
        "direct_fall_eur": pl.Float64,
        "neighbour_pre_eur": pl.Float64,
        "neighbour_post_eur": pl.Float64,
        "neighbour_rise_eur": pl.Float64,
        "rise_share_of_fall": pl.Float64,
        "top_neighbour": pl.String,
        "top_neighbour_rise_eur": pl.Float64,
        "substitution_rank": pl.Int32,
        "source_files": pl.List(pl.String),
    },
    "trade_cn8_rises": {
        "source": pl.String,
        "reporter_code": pl.String,
        "partner_code": pl.String,
        "partner_group": pl.String,
        "product_code": pl.String,
        "product_level": pl.String,
        "hs6": pl.String,
        "product_label": pl.String,
        "chpl_tier": pl.String,
        "value_2021": pl.Float64,
        "value_2022": pl.Float64,
        "change_eur": pl.Float64,
        "ratio_2022_2021": pl.Float64,
        "cells_not_available": pl.Int32,
        "rise_rank": pl.Int32,
        "source_files": pl.List(pl.String),
    },
}

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def conform(table: str, df: Frame) -> Frame:
    """Select and cast `df` to the columns of `table`, in order; extra or missing columns fail."""
    schema = SCHEMAS[table]
    columns = df.collect_schema().names() if isinstance(df, pl.LazyFrame) else df.columns
    extra, missing = set(columns) - set(schema), set(schema) - set(columns)
    if extra or missing:
        raise KeyError(f"{table}: extra columns {sorted(extra)}, missing {sorted(missing)}")
    return df.select([pl.col(c).cast(t) for c, t in schema.items()])


def empty(table: str) -> pl.DataFrame:
    """A zero-row frame with the columns of `table`."""
    return pl.DataFrame(schema=SCHEMAS[table])


def rejects_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMAS["trade_rejects"]) if rows else empty("trade_rejects")


@dataclass
class TradeParse:
    """What a trade parser returns: its table, rejected rows, input counts and leftovers.

    `input_rows` maps a group (a file, or a Eurostat download folder) to the number of data rows
    read; accounting holds when, for every group, input rows = output rows + rejects. Parsers
    return a DataFrame; the streaming paths of large bulk files hand over a LazyFrame over the
    parquet they wrote.
    """

    source: str
    table: str
    frame: pl.DataFrame | pl.LazyFrame
    rejects: pl.DataFrame = field(default_factory=lambda: empty("trade_rejects"))
    input_rows: dict[str, int] = field(default_factory=dict)
    unknowns: list[Unknown] = field(default_factory=list)
    extra: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        if isinstance(self.frame, pl.LazyFrame):
            return self.frame.select(pl.len()).collect().item()
        return self.frame.height

    def accounting(self, group_of: Mapping[str, str] | None = None) -> pl.DataFrame:
        """Per group: input rows, output rows, rejects and whether they add up."""
        mapper = dict(group_of or {})

        def grouped(df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
            key = pl.col("source_file")
            if mapper:
                key = key.replace_strict(mapper, default=key)
            return df.lazy().group_by(key.alias("group")).agg(pl.len().alias("n")).collect()

        out = grouped(self.frame).rename({"n": "output_rows"})
        rej = grouped(self.rejects).rename({"n": "rejected"})
        inputs = pl.DataFrame(
            {"group": list(self.input_rows), "input_rows": list(self.input_rows.values())},
            schema={"group": pl.String, "input_rows": pl.Int64},
        )
        return (
            inputs.join(out, on="group", how="full", coalesce=True)
            .join(rej, on="group", how="full", coalesce=True)
            .with_columns(
                pl.col("input_rows", "output_rows", "rejected").fill_null(0).cast(pl.Int64)
            )
            .with_columns(ok=pl.col("input_rows") == pl.col("output_rows") + pl.col("rejected"))
            .sort("group")
        )


def refuse_first(
    name: str,
    df: pl.DataFrame | pl.LazyFrame,
    checks: Mapping[str, tuple[pl.Expr, str]],
    engine: str = "in-memory",
) -> None:
    """Raise `SourceFormatError` for the earliest line failing any check, in one pass.

    `checks` maps a message to (condition that marks a bad row, column whose value to quote).
    The frame carries `source_line`; `name` is the file named in the error. Small frames run
    in memory (the streaming engine's start-up costs more than the work); pass
    `engine="streaming"` for a scan of a large parquet file.
    """
    if not checks:
        return
    items = list(checks.items())
    line = pl.col("source_line")
    firsts = (
        df.lazy()
        .select(
            [
                line.filter(cond.fill_null(False)).min().alias(f"c{i}")
                for i, (_, (cond, _)) in enumerate(items)
            ]
        )
        .collect(engine=engine)
        .row(0)
    )
    hits = sorted((first, i) for i, first in enumerate(firsts) if first is not None)
    if hits:
        first, i = hits[0]
        message, (cond, column) = items[i]
        value = (
            df.lazy()
            .filter((line == first) & cond.fill_null(False))
            .select(column)
            .collect(engine=engine)[column][0]
        )
        raise SourceFormatError(name, f"line {first}", f"{message}: {value!r}")
