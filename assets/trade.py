"""Trade data assets (group `trade`): sources, reference tables and circumvention indicators.

Thin wrappers around the pure modules of `trade/`: each source asset fetches its files (live
URLs, or the shipped snapshot folder `snapshots/trade/` described by its `catalog.json`:
`assets/trade_sources.py`), archives every payload with `data_dir.archive`, parses, and writes
its table as parquet under `<data dir>/warehouse/trade/`. `trade_indicators` joins them into
`trade_flows` and the indicator tables and renders the charts. Blocking checks
(`assets/trade_checks.py`) run in the step of the asset they check, on the tables it has in
hand, and keep bad data from flowing on.

The lead registers `TRADE_ASSETS` in `definitions.py`; `publish_tables` and `chart_pngs` hand
the tables and charts to the publishing step.
"""

import base64
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.carryover import carried_over, code_metadata
from assets.fingerprints import fingerprint
from assets.trade_checks import TRADE_CHECKS as TRADE_CHECKS
from assets.trade_checks import TradeFrames, check_results, check_specs
from assets.trade_months import materialize_months, run_months
from assets.trade_periods import (
    BACKFILL,
    PARTITIONED,
    PERIODS,
    check_periods,
    period_dir,
    period_path,
    write_periods,
)
from assets.trade_periods import full_range_tags as full_range_tags
from assets.trade_sources import (
    DESCRIPTIONS,
    GROUP,
    INDICATOR_TABLES,
    PUBLISHED,
    Fetched,
    fetch_files,
    frame_markdown,
    meta_path,
    read_meta,
    scan_table,
    table_path,
    warehouse,
)
from assets.trade_sources import LIVE_FILES as LIVE_FILES
from assets.trade_sources import read_table as read_table
from assets.trade_sources import snapshot_payloads as snapshot_payloads
from assets.trade_sources import snapshot_root as snapshot_root
from assets.trade_sources import write_table as write_table
from assets.unchanged import PAYLOAD_KEY, payload_digest
from core.lazy import lazy_function
from resources.fetcher import Fetcher
from resources.storage import DataDir, dumps

# Polars and the modules built on it load when a step runs, not with the definitions. The
# annotations naming them are quoted: Dagster reads an asset's `context` annotation when
# the asset is defined, which `from __future__ import annotations` would turn into a string.
if TYPE_CHECKING:
    import polars as pl

    from trade.tables import TradeParse

# --- materialization ---------------------------------------------------------------------


def input_key(parts: Iterable[str]) -> str:
    """What a stored trade table was built from: its inputs and the code that built it."""
    digest = hashlib.sha256(fingerprint("trade", "assets", "core").encode())
    for part in sorted(parts):
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


def _store(
    data_dir: DataDir,
    fetched: Fetched,
    result: "TradeParse",
    accounting: "pl.DataFrame",
    key: str,
    periods: list[str] | None,
) -> dict[str, Any]:
    """Write the table (each of `periods` its own file when partitioned), its rejects and
    meta; return the materialization metadata."""
    stored: dict[str, dict[str, Any]] = {}  # period → what its file was built from
    if periods is None:
        write_table(data_dir, result.table, result.frame)
        rows = result.rows
    else:
        if meta_path(data_dir, fetched.source).exists():
            stored = read_meta(data_dir, fetched.source).get("periods", {})
        written = write_periods(data_dir, result.table, result.frame, periods)
        stored |= {p: {"input_key": key, "rows": n} for p, n in written.items()}
        stored = dict(sorted(stored.items()))
        rows = sum(written.values())
    write_table(data_dir, f"{result.table}_rejects", result.rejects)
    for name, frame in result.extra.items():
        write_table(data_dir, f"{result.table}_{name}", frame)
    meta = {
        "source": fetched.source,
        "mode": fetched.mode,
        "published_at": fetched.published_at,
        "published_basis": fetched.published_basis,
        "note": fetched.note,
        "files": fetched.described,
        "rows": rows,
        "rejects": result.rejects.height,
        "accounting": accounting.to_dicts(),
        "unknowns": [u.as_dict() for u in result.unknowns],
        # a partitioned table is what its stored periods were built from
        "input_key": key if periods is None else input_key([dumps(stored)]),
        **({"periods": stored} if periods is not None else {}),
    }
    meta_path(data_dir, fetched.source).write_text(dumps(meta))
    path = (
        table_path(data_dir, result.table)
        if periods is None
        else period_dir(data_dir, result.table)
    )
    return {
        "mode": fetched.mode,
        "published_at": fetched.published_at or "unknown",
        "published_basis": fetched.published_basis,
        "note": fetched.note or "",
        "rows": rows,
        "rejects": result.rejects.height,
        "source_files": len(fetched.files),
        "unknowns": len(result.unknowns),
        "accounting": MetadataValue.md(frame_markdown(accounting, 20)),
        "preview": MetadataValue.md(frame_markdown(result.frame.lazy().head(8).collect())),
        "raw_sha256": MetadataValue.json({f["name"]: f["sha256"] for f in fetched.described[:40]}),
        "path": str(path),
        **({"rows_by_period": MetadataValue.json(written)} if periods is not None else {}),
    }


def _empty(source: str, table: str) -> "TradeParse":
    from trade.tables import TradeParse, empty

    return TradeParse(source=source, table=table, frame=empty(table))


Parse = Callable[[Fetched, Path], "tuple[TradeParse, pl.DataFrame]"]


def _parser(name: str) -> Callable[..., Any]:
    """A parse step of `assets/trade_parse.py`, imported (with polars) when it first runs."""
    return lazy_function("assets.trade_parse", name)


def unchanged_rows(
    data_dir: DataDir, source: str, key: str, periods: list[str] | None
) -> int | None:
    """Rows stored from these same payloads by this same code (None: build again)."""
    previous = meta_path(data_dir, source)
    if not previous.exists():
        return None
    meta = json.loads(previous.read_text())
    if periods is None:
        same = meta.get("input_key") == key and table_path(data_dir, source).exists()
        return meta["rows"] if same else None
    stored = meta.get("periods", {})
    if all(
        stored.get(p, {}).get("input_key") == key
        and (stored[p]["rows"] == 0 or period_path(data_dir, source, p).exists())
        for p in periods
    ):
        return sum(stored[p]["rows"] for p in periods)
    return None


def _materialize(
    context: AssetExecutionContext, source: str, fetcher: Fetcher, data_dir: DataDir, parse: Parse
) -> "tuple[MaterializeResult, dict[str, pl.DataFrame]]":
    """Fetch, parse and store one source (the run's periods of a partitioned one); streaming
    parsers use a scratch folder in the warehouse.

    Also returns the tables written that are in memory (none when the source is unchanged, or
    streamed to disk) for the checks to use.
    """
    import polars as pl

    periods = None
    if source in PARTITIONED:  # a bad range is named before Dagster resolves its keys
        check_periods([context.partition_key_range.start, context.partition_key_range.end])
        periods = context.partition_keys
        # a run tagged `trade/months` refreshes those months inside their year files
        if months := run_months(context.run.tags, periods):
            return materialize_months(context, source, fetcher, data_dir, parse, months)
    fetched = fetch_files(source, fetcher, data_dir)
    warehouse(data_dir).mkdir(parents=True, exist_ok=True)
    key = input_key([f["sha256"] for f in fetched.described])
    # what `cli.py run` compares before its ingest run (assets/unchanged.py)
    payload = {PAYLOAD_KEY: payload_digest((f["name"], f["sha256"]) for f in fetched.described)}
    rows = unchanged_rows(data_dir, source, key, periods)
    if rows is not None:
        context.log.info(f"{source}: unchanged payloads, same parser: not parsed again")
        return MaterializeResult(
            metadata={
                "mode": fetched.mode,
                "published_at": fetched.published_at or "unknown",
                "rows": rows,
                "unchanged": True,
                **payload,
            },
            data_version=DataVersion(key),
        ), {}
    with tempfile.TemporaryDirectory(dir=warehouse(data_dir), prefix=".scratch-") as tmp:
        if fetched.files:
            result, accounting = parse(fetched, Path(tmp))
        else:
            result = _empty(source, source)
            accounting = result.accounting(None)
        metadata = _store(data_dir, fetched, result, accounting, key, periods)
    context.log.info(
        f"{source}: mode={fetched.mode} rows={metadata['rows']} files={len(fetched.files)} {fetched.note}"
    )
    written = {
        result.table: result.frame,
        **{f"{result.table}_{name}": frame for name, frame in result.extra.items()},
    }
    in_memory = {n: f for n, f in written.items() if isinstance(f, pl.DataFrame)}
    # the payloads read by this parser code (`input_key`) are the data version of every period
    # of the run (assets/staleness.py)
    return MaterializeResult(
        metadata={**metadata, **payload}, data_version=DataVersion(key)
    ), in_memory


def _source_step(
    context: AssetExecutionContext, source: str, fetcher: Fetcher, data_dir: DataDir, parse: Parse
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """The materialization of a trade source, then its checks (a failed one fails the step)."""
    materialization, in_memory = _materialize(context, source, fetcher, data_dir, parse)
    # the same payloads checked by the same code: the previous results hold (assets/carryover.py)
    carried = carried_over(context, context.asset_key, materialization.data_version)
    yield materialization._replace(metadata={**materialization.metadata, **code_metadata()})
    yield from (
        carried if carried is not None else check_results(source, TradeFrames(data_dir, in_memory))
    )


_KINDS = {"python", "polars"}


@asset(
    name="hs_codes",
    group_name=GROUP,
    kinds=_KINDS | {"csv"},
    description=DESCRIPTIONS["hs_codes"],
    check_specs=check_specs("hs_codes"),
)
def hs_codes_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """HS 2022 nomenclature → `hs_codes`."""
    yield from _source_step(context, "hs_codes", fetcher, data_dir, _parser("parse_hs"))


@asset(
    name="chpl_codes",
    group_name=GROUP,
    kinds=_KINDS | {"csv"},
    deps=["hs_codes"],
    description=DESCRIPTIONS["chpl_codes"],
    check_specs=check_specs("chpl_codes"),
)
def chpl_codes_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """The transcribed CHPL → `chpl_codes`."""
    yield from _source_step(context, "chpl_codes", fetcher, data_dir, _parser("parse_chpl"))


@asset(
    name="eurostat_comext",
    group_name=GROUP,
    partitions_def=PERIODS,
    backfill_policy=BACKFILL,
    kinds=_KINDS | {"csv"},
    description=DESCRIPTIONS["eurostat_comext"],
    check_specs=check_specs("eurostat_comext"),
)
def eurostat_comext_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Comext downloads → `eurostat_comext` (+ `eurostat_comext_rejects`)."""
    yield from _source_step(
        context, "eurostat_comext", fetcher, data_dir, _parser("parse_eurostat")
    )


@asset(
    name="eurostat_cn8",
    group_name=GROUP,
    partitions_def=PERIODS,
    backfill_policy=BACKFILL,
    kinds=_KINDS | {"excel"},
    deps=["hs_codes", "chpl_codes"],
    description=DESCRIPTIONS["eurostat_cn8"],
    check_specs=check_specs("eurostat_cn8"),
)
def eurostat_cn8_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Data Browser workbooks → `eurostat_cn8` (one row per sheet cell) + rejects."""
    yield from _source_step(context, "eurostat_cn8", fetcher, data_dir, _parser("parse_cn8"))


@asset(
    name="imf_imts",
    group_name=GROUP,
    partitions_def=PERIODS,
    backfill_policy=BACKFILL,
    kinds=_KINDS | {"csv"},
    description=DESCRIPTIONS["imf_imts"],
    check_specs=check_specs("imf_imts"),
)
def imf_imts_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """IMF IMTS export for Russia → `imf_imts` (long form)."""
    yield from _source_step(context, "imf_imts", fetcher, data_dir, _parser("parse_imf"))


@asset(
    name="un_comtrade",
    group_name=GROUP,
    partitions_def=PERIODS,
    backfill_policy=BACKFILL,
    kinds=_KINDS | {"json", "csv"},
    deps=["hs_codes"],
    description=DESCRIPTIONS["un_comtrade"],
    check_specs=check_specs("un_comtrade"),
)
def un_comtrade_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Comtrade API answers / bulk CSVs → `un_comtrade`."""
    yield from _source_step(context, "un_comtrade", fetcher, data_dir, _parser("parse_comtrade"))


@asset(
    name="cepii_baci",
    group_name=GROUP,
    partitions_def=PERIODS,
    backfill_policy=BACKFILL,
    kinds=_KINDS | {"csv"},
    deps=["hs_codes"],
    description=DESCRIPTIONS["cepii_baci"],
    check_specs=check_specs("cepii_baci"),
)
def cepii_baci_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """BACI release → `cepii_baci` (+ `cepii_baci_countries`)."""
    years = set(context.partition_keys)
    parse: Parse = lambda fetched, scratch: _parser("parse_baci")(fetched, scratch, years)  # noqa: E731
    yield from _source_step(context, "cepii_baci", fetcher, data_dir, parse)


# --- indicators ----------------------------------------------------------------------------

SOURCE_ASSETS = (
    "eurostat_comext",
    "eurostat_cn8",
    "un_comtrade",
    "cepii_baci",
    "imf_imts",
    "hs_codes",
    "chpl_codes",
)
FLOW_BUILDERS: "dict[str, Callable[[pl.LazyFrame], pl.LazyFrame]]" = {
    "eurostat_comext": lazy_function("trade.indicators", "flows_from_eurostat"),
    "eurostat_cn8": lazy_function("trade.indicators", "flows_from_cn8"),
    "un_comtrade": lazy_function("trade.indicators", "flows_from_comtrade"),
    "cepii_baci": lazy_function("trade.indicators", "flows_from_baci"),
    "imf_imts": lazy_function("trade.indicators", "flows_from_imf"),
}


def build_indicator_tables(data_dir: DataDir) -> "dict[str, pl.DataFrame]":
    """Write `trade_flows`, the indicator tables and the charts from the stored source tables.

    `trade_flows` streams (a bulk Comtrade table can be large); indicators only need the
    all-goods rows and the CHPL lines, which are small.
    """
    import polars as pl

    from trade import charts, chpl_indicators, eurostat_databrowser, indicators

    chpl = read_table(data_dir, "chpl_codes")
    flows = pl.concat(
        [builder(scan_table(data_dir, source)) for source, builder in FLOW_BUILDERS.items()]
    )
    write_table(data_dir, "trade_flows", flows)
    relevant = (
        pl.scan_parquet(table_path(data_dir, "trade_flows"))
        .filter(
            (pl.col("product_code") == "TOTAL")
            | pl.col("product_code").is_in(chpl["hs_code"].to_list())
        )
        .collect()
    )
    tables = indicators.build(relevant, chpl)
    cn8 = (
        pl.scan_parquet(table_path(data_dir, "trade_flows"))
        .filter(pl.col("source") == chpl_indicators.SOURCE)
        .select(chpl_indicators.FLOW_COLUMNS)
        .collect()
    )
    products = read_table(data_dir, eurostat_databrowser.PRODUCTS)
    tables |= chpl_indicators.build(cn8, products, chpl)
    for name, frame in tables.items():
        write_table(data_dir, name, frame)
    folder = warehouse(data_dir) / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    for name, png in charts.render_all(
        tables["trade_indicators_monthly"], tables["trade_diversion"]
    ).items():
        (folder / name).write_bytes(png)
    for name, png in charts.render_chpl(
        tables["trade_chpl_monthly"], tables["trade_chpl_substitution"]
    ).items():
        (folder / name).write_bytes(png)
    return tables


def _ratios(annual: "pl.DataFrame", year: int = 2023) -> dict[str, float | None]:
    from trade import indicators

    partners = ("RU", "KZ", "KG", "AM", "GE", "AE", "TR")
    return {p: indicators.ratio(annual, "eurostat_comext", p, year) for p in partners}


@asset(
    name="trade_indicators",
    group_name=GROUP,
    kinds=_KINDS,
    deps=list(SOURCE_ASSETS),
    description="Circumvention indicators: exports to Russia vs third countries indexed to 2021, diversion against pre-2022 trends, CHPL mirror gaps, CHPL exports by tier, substitution by HS6, CN8 rises; charts.",
    check_specs=check_specs("trade_indicators"),
)
def trade_indicators_asset(
    context: AssetExecutionContext, data_dir: DataDir
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Source tables → `trade_flows`, indicator tables and two PNG charts."""
    import polars as pl

    metas = {s: read_meta(data_dir, s) for s in SOURCE_ASSETS}
    key = input_key(str(m.get("input_key")) for m in metas.values())
    marker = warehouse(data_dir) / "trade_indicators.key"
    unchanged = marker.exists() and marker.read_text() == key
    if unchanged:
        context.log.info("trade_indicators: inputs unchanged, indicators not rebuilt")
        tables = {name: read_table(data_dir, name) for name in INDICATOR_TABLES}
    else:
        tables = build_indicator_tables(data_dir)
        marker.write_text(key)
    ratios = _ratios(tables["trade_indicators_annual"])
    metadata: dict[str, Any] = {
        "unchanged": unchanged,
        "modes": MetadataValue.json({s: m["mode"] for s, m in metas.items()}),
        "source_files": sum(len(m["files"]) for m in metas.values()),
        "rows_trade_flows": pl.scan_parquet(table_path(data_dir, "trade_flows"))
        .select(pl.len())
        .collect()
        .item(),
        **{f"rows_{name}": frame.height for name, frame in tables.items()},
        "eu_exports_2023_vs_2021": MetadataValue.json(ratios),
        "preview_chpl_substitution": MetadataValue.md(
            frame_markdown(
                tables["trade_chpl_substitution"]
                .filter(pl.col("substitution_rank").is_not_null())
                .select(
                    "substitution_rank",
                    "hs6",
                    "chpl_tier",
                    "direct_fall_eur",
                    "neighbour_rise_eur",
                    "rise_share_of_fall",
                    "top_neighbour",
                ),
                10,
            )
        ),
        "preview_diversion": MetadataValue.md(
            frame_markdown(
                tables["trade_diversion"].drop("source_files").filter(pl.col("year") == 2023)
            )
        ),
    }
    metadata = {**inline_charts(ratios, tables["trade_chpl_annual"]), **metadata}
    for name, png in chart_pngs(data_dir).items():
        metadata[f"chart_{name.removesuffix('.png')}"] = MetadataValue.md(
            f"![chart](data:image/png;base64,{base64.b64encode(png).decode()})"
        )
    context.log.info(f"trade_indicators: EU exports 2023 / 2021 = {ratios}")
    yield MaterializeResult(metadata=metadata)
    yield from check_results("trade_indicators", TradeFrames(data_dir, tables))


def inline_charts(
    ratios: dict[str, float | None], chpl_annual: "pl.DataFrame", year: int = 2022
) -> dict[str, MetadataValue]:
    """The two headline figures as charts shown inline on the asset's page (the full PNG charts
    follow behind "[Show Markdown]" and are in every version's charts/ folder)."""
    import polars as pl

    from trade.inline_charts import bar_chart_markdown

    chpl = chpl_annual.filter(
        (pl.col("year") == year) & (pl.col("product_scope") == "CHPL all tiers")
    ).sort("index_2021", descending=True, nulls_last=True)
    return {
        "inline_eu_exports_2023_vs_2021": MetadataValue.md(
            bar_chart_markdown(
                "EU exports 2023 / 2021, all goods",
                {p: r for p, r in ratios.items() if r is not None},
                reference=1.0,
            )
        ),
        "inline_chpl_exports_index": MetadataValue.md(
            bar_chart_markdown(
                f"EU exports of CHPL goods {year}, 2021 = 100",
                {
                    r["partner_code"]: r["index_2021"]
                    for r in chpl.iter_rows(named=True)
                    if r["index_2021"] is not None
                },
                reference=100.0,
            )
        ),
    }


TRADE_ASSETS: list[AssetsDefinition] = [
    hs_codes_asset,
    chpl_codes_asset,
    eurostat_comext_asset,
    eurostat_cn8_asset,
    imf_imts_asset,
    un_comtrade_asset,
    cepii_baci_asset,
    trade_indicators_asset,
]


# --- publishing ----------------------------------------------------------------------------


def publish_tables(data_dir: DataDir) -> "dict[str, pl.DataFrame]":
    """Tables to publish beside the sanctions tables: trade_flows, the indicator tables (with
    the CHPL product-level ones), hs_codes and chpl_codes (read from the trade warehouse)."""
    return {name: read_table(data_dir, name) for name in PUBLISHED}


def chart_pngs(data_dir: DataDir) -> dict[str, bytes]:
    """The chart PNGs (file name → bytes) rendered by `trade_indicators`."""
    folder = warehouse(data_dir) / "charts"
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.png"))}
