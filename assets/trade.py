"""Trade data assets (group `trade`): sources, reference tables and circumvention indicators.

Thin wrappers around the pure modules of `trade/`: each source asset fetches its files (live
URLs, or the shipped snapshot folder `snapshots/trade/` described by its `catalog.json`),
archives every payload with `data_dir.archive`, parses, and writes its table as parquet under
`<data dir>/warehouse/trade/`. `trade_indicators` joins them into `trade_flows` and the
indicator tables and renders the charts. Blocking checks keep bad data from flowing on.

The lead registers `TRADE_ASSETS` and `TRADE_CHECKS` in `definitions.py`; `publish_tables` and
`chart_pngs` hand the tables and charts to the publishing step.
"""

import base64
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetsDefinition,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from assets.factory import fingerprint
from core.canonical import Unknown
from core.errors import FetchError
from core.zipsafe import extract_members
from resources.fetcher import DEFAULT_SNAPSHOT_DIR, Fetcher, FileSpec, Payload
from resources.storage import DataDir, dumps
from schemas.validate import failures_markdown, validate
from trade import (
    cepii_baci,
    charts,
    chpl_codes,
    chpl_indicators,
    eurostat_comext,
    eurostat_databrowser,
    hs_codes,
    imf_imts,
    indicators,
    un_comtrade,
)
from trade.tables import CODE_KINDS, CURRENCIES, EU27, TradeParse, empty

GROUP = "trade"
SNAPSHOT_SUBDIR = "trade"
EUROSTAT_API = "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data/DS-045409/"
_REPORTERS = "+".join(["EU27_2020", *("EL" if c == "GR" else c for c in EU27)])
COMTRADE_API = "https://comtradeapi.un.org/data/v1/get/C/A/HS"
_CHPL_QUERY = (
    "854231,854232,854233,854239,851762,852691,853221,853224,854800,847150,850440,851769,852589,"
    "852910,852990,853669,853690,854110,854121,854129,854130,854149,854151,854159,854160,848210,"
    "848220,848230,848250,880730,901310,901380,901420,901480,847180,848610,848620,848640,853400,"
    "854320,902750,903020,903032,903039,903082,845710,845811,845891,845961,846693"
)
HS_RAW = "https://raw.githubusercontent.com/datasets/harmonized-system/main/data/"

# Live files per source. Eurostat's API serves SDMX-CSV, read by `eurostat_comext.parse_sdmx`
# (the snapshots hold Easy Comext downloads). The IMF's API serves SDMX, not the portal export
# the snapshot holds: its parser refuses that payload with a header error until a reader for it
# is added. Comtrade needs a subscription key (configure the LiveFetcher's `url_overrides` with
# a `subscription-key=` query parameter).
LIVE_FILES: dict[str, tuple[FileSpec, ...]] = {
    "eurostat_comext": tuple(
        FileSpec(
            f"comext_exports_{partner}.csv",
            f"{EUROSTAT_API}M.{_REPORTERS}.{partner}.TOTAL.2.VALUE_IN_EUROS?format=SDMX-CSV&startPeriod=2019-01",
            "csv",
        )
        for partner in ("RU", "KZ", "KG", "AM", "GE", "AE", "TR")
    ),
    "un_comtrade": (
        FileSpec(
            "comtrade_chpl_annual.json",
            f"{COMTRADE_API}?reporterCode=276,251,398,417,51&partnerCode=643,398,417,51,276,251"
            f"&cmdCode={_CHPL_QUERY}&flowCode=X,M&period=2019,2020,2021,2022,2023&includeDesc=true",
            "json",
        ),
    ),
    "cepii_baci": (
        FileSpec(
            "BACI_HS22_V202401.zip",
            "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_HS22_V202401.zip",
            "zip",
        ),
    ),
    "imf_imts": (
        FileSpec(
            "RU_trade.csv",
            "https://api.imf.org/external/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+/RUS.*.*.A?format=csv",
            "csv",
        ),
    ),
    "hs_codes": (
        FileSpec("harmonized-system.csv", HS_RAW + "harmonized-system.csv", "csv"),
        FileSpec("sections.csv", HS_RAW + "sections.csv", "csv"),
    ),
    # the CHPL is published as a web page and PDF: its transcription in the snapshot is the data
    "chpl_codes": (),
    # Data Browser spreadsheets are built by hand in the browser (a custom extraction): the
    # shipped workbooks are the data; the API equivalent is SDMX, read by `eurostat_comext`
    "eurostat_cn8": (),
}
DESCRIPTIONS = {
    "eurostat_comext": "Eurostat Comext: exports by EU reporter and partner, monthly and annual, EUR (Easy Comext Relational_View downloads; SDMX-CSV from the API in live mode).",
    "eurostat_cn8": "Eurostat Data Browser (DS-045409) spreadsheets: EU member states' exports of 330 CN8 lines to RU, BY, AM, GE, KZ, KG, UZ, monthly 2020-2022, EUR.",
    "un_comtrade": "UN Comtrade: HS6 trade records (data/v1 API JSON or bulk CSV), USD, both reporting sides.",
    "cepii_baci": "CEPII BACI: reconciled bilateral HS6 flows, annual, thousand USD.",
    "imf_imts": "IMF IMTS: Russia's goods trade by partner, annual, millions USD.",
    "hs_codes": "HS 2022 nomenclature (chapters, headings, subheadings) with section names.",
    "chpl_codes": "Common High Priority List (BIS/EU/UK/Japan, 2024-02-23): 50 HS6 codes in tiers.",
}
INDICATOR_TABLES = (
    "trade_indicators_monthly",
    "trade_indicators_annual",
    "trade_diversion",
    "trade_mirror_gaps",
    *chpl_indicators.TABLES,
)
PUBLISHED = ("trade_flows", *INDICATOR_TABLES, "hs_codes", "chpl_codes")


# --- storage -----------------------------------------------------------------------------


def warehouse(data_dir: DataDir) -> Path:
    return data_dir.path / "warehouse" / "trade"


def table_path(data_dir: DataDir, table: str) -> Path:
    return warehouse(data_dir) / f"{table}.parquet"


def _write(data_dir: DataDir, table: str, frame: pl.DataFrame | pl.LazyFrame) -> Path:
    """Write a table atomically (scratch file, then rename), streaming a LazyFrame."""
    path = table_path(data_dir, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(
        f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    )  # runs may overlap
    if isinstance(frame, pl.LazyFrame):
        frame.sink_parquet(scratch)
    else:
        frame.write_parquet(scratch)
    os.replace(scratch, path)
    return path


def read_table(data_dir: DataDir, table: str) -> pl.DataFrame:
    path = table_path(data_dir, table)
    if not path.exists():
        raise FileNotFoundError(f"{table} has not been materialized yet ({path})")
    return pl.read_parquet(path)


def read_meta(data_dir: DataDir, source: str) -> dict[str, Any]:
    return json.loads((warehouse(data_dir) / f"{source}.meta.json").read_text())


# --- fetching ----------------------------------------------------------------------------


@dataclass
class Fetched:
    """Files of one source for its parser (name → bytes), with where and when they came from."""

    source: str
    mode: str
    files: dict[str, bytes] = field(default_factory=dict)
    described: list[dict[str, Any]] = field(default_factory=list)
    published_at: str | None = None
    published_basis: str = "unknown"
    note: str = ""


def snapshot_root(fetcher: Fetcher) -> Path:
    """The trade snapshot folder under the fetcher's snapshot root (the shipped one if live)."""
    return Path(getattr(fetcher, "root", DEFAULT_SNAPSHOT_DIR)) / SNAPSHOT_SUBDIR


def snapshot_payloads(
    source: str, root: Path, pin: str | None = None
) -> tuple[dict[str, Any], list[tuple[str, Payload]]]:
    """The newest (or pinned) snapshot publication of `source`: (catalog entry, [(name, payload)])."""
    catalog_path = root / "catalog.json"
    catalog = json.loads(catalog_path.read_text()) if catalog_path.exists() else {"sources": {}}
    publications = catalog["sources"].get(source, {}).get("publications", [])
    if pin:
        publications = [p for p in publications if p["published_at"] == pin]
    if not publications:
        return {}, []
    chosen = max(publications, key=lambda p: p["published_at"])
    now = datetime.now(UTC)
    pairs = [
        (
            name,
            Payload(
                source=source,
                name=name.replace("/", "__"),  # the raw archive keeps one flat folder per source
                data=(root / relative).read_bytes(),
                url=f"snapshot://{SNAPSHOT_SUBDIR}/{relative}",
                mode="snapshot",
                fetched_at=now,
                published_at=date.fromisoformat(chosen["published_at"]),
                published_basis=chosen["published_basis"],
            ),
        )
        for name, relative in sorted(chosen["files"].items())
    ]
    return chosen, pairs


def fetch_files(source: str, fetcher: Fetcher, data_dir: DataDir) -> Fetched:
    """Fetch (or read from the snapshot) every file of `source` and archive each payload."""
    specs = LIVE_FILES[source]
    fetched = Fetched(source=source, mode=fetcher.mode)
    if fetcher.mode == "snapshot" or not specs:
        pin = getattr(fetcher, "pins", {}).get(source)
        entry, pairs = snapshot_payloads(source, snapshot_root(fetcher), pin)
        if not pairs:
            fetched.note = "no snapshot of this source is shipped (no real extract available)"
            return fetched
        fetched.published_at, fetched.published_basis = (
            entry["published_at"],
            entry["published_basis"],
        )
    else:
        pairs = []
        for spec in specs:
            payload = fetcher.fetch(source, spec, data_dir.previous_fetch(source, spec.name))
            if payload is None and spec.required:
                raise FetchError(f"{fetcher.mode}://{source}", f"{spec.name} is not available")
            if payload is not None:
                pairs.append((spec.name, payload))
        dates = [p.published_at for _, p in pairs if p.published_at]
        fetched.published_at = max(dates).isoformat() if dates else None
        fetched.published_basis = pairs[0][1].published_basis if pairs else "unknown"
    for name, payload in pairs:
        path, _ = data_dir.archive(payload)
        fetched.files[name] = payload.data
        fetched.described.append(
            {
                "name": name,
                "url": payload.url,
                "sha256": payload.sha256,
                "size": len(payload.data),
                "raw_path": str(path),
            }
        )
    return fetched


# --- materialization ---------------------------------------------------------------------


def _md(df: pl.DataFrame, limit: int = 8) -> str:
    """A small markdown table (no pandas needed)."""
    head = df.head(limit)
    if head.width == 0:
        return "(empty)"
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * head.width]
    for row in head.iter_rows():
        lines.append(
            "| "
            + " | ".join("" if v is None else str(v).replace("|", "\\|")[:60] for v in row)
            + " |"
        )
    return "\n".join(lines)


def input_key(parts: Iterable[str]) -> str:
    """What a stored trade table was built from: its inputs and the code that built it."""
    digest = hashlib.sha256(fingerprint("trade", "assets", "core").encode())
    for part in sorted(parts):
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


def meta_path(data_dir: DataDir, source: str) -> Path:
    return warehouse(data_dir) / f"{source}.meta.json"


def _store(
    data_dir: DataDir, fetched: Fetched, result: TradeParse, accounting: pl.DataFrame, key: str
) -> dict[str, Any]:
    """Write the table, its rejects and meta; return the materialization metadata."""
    _write(data_dir, result.table, result.frame)
    rows = result.rows
    _write(data_dir, f"{result.table}_rejects", result.rejects)
    for name, frame in result.extra.items():
        _write(data_dir, f"{result.table}_{name}", frame)
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
        "input_key": key,
    }
    meta_path(data_dir, fetched.source).write_text(dumps(meta))
    return {
        "mode": fetched.mode,
        "published_at": fetched.published_at or "unknown",
        "published_basis": fetched.published_basis,
        "note": fetched.note or "",
        "rows": rows,
        "rejects": result.rejects.height,
        "source_files": len(fetched.files),
        "unknowns": len(result.unknowns),
        "accounting": MetadataValue.md(_md(accounting, 20)),
        "preview": MetadataValue.md(_md(result.frame.lazy().head(8).collect())),
        "raw_sha256": MetadataValue.json({f["name"]: f["sha256"] for f in fetched.described[:40]}),
        "path": str(table_path(data_dir, result.table)),
    }


def _accounting(result: TradeParse, group_of: dict[str, str] | None = None) -> pl.DataFrame:
    return result.accounting(group_of)


def _empty(source: str, table: str) -> TradeParse:
    return TradeParse(source=source, table=table, frame=empty(table))


Parse = Callable[[Fetched, Path], tuple[TradeParse, pl.DataFrame]]


def _materialize(
    context: AssetExecutionContext, source: str, fetcher: Fetcher, data_dir: DataDir, parse: Parse
) -> MaterializeResult:
    """Fetch, parse and store one source; streaming parsers use a scratch folder in the warehouse."""
    fetched = fetch_files(source, fetcher, data_dir)
    warehouse(data_dir).mkdir(parents=True, exist_ok=True)
    key = input_key([f["sha256"] for f in fetched.described])
    previous = meta_path(data_dir, source)
    if previous.exists() and table_path(data_dir, source).exists():
        meta = json.loads(previous.read_text())
        if meta.get("input_key") == key:
            context.log.info(f"{source}: unchanged payloads, same parser: not parsed again")
            return MaterializeResult(
                metadata={"mode": fetched.mode, "rows": meta["rows"], "unchanged": True},
                data_version=DataVersion(key),
            )
    with tempfile.TemporaryDirectory(dir=warehouse(data_dir), prefix=".scratch-") as tmp:
        if fetched.files:
            result, accounting = parse(fetched, Path(tmp))
        else:
            result = _empty(source, source)
            accounting = _accounting(result)
        metadata = _store(data_dir, fetched, result, accounting, key)
    context.log.info(
        f"{source}: mode={fetched.mode} rows={metadata['rows']} files={len(fetched.files)} {fetched.note}"
    )
    # the payloads read by this parser code (`input_key`) are the data version (assets/staleness.py)
    return MaterializeResult(metadata=metadata, data_version=DataVersion(key))


def _parse_eurostat(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    result = eurostat_comext.parse(fetched.files)
    return result, _accounting(result, eurostat_comext.group_of(result.frame, result.rejects))


def _parse_cn8(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    """Workbooks → `eurostat_cn8`; accounting per workbook counts reporter × partner rows."""
    return eurostat_databrowser.parse(fetched.files)


def _parse_imf(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    ((name, data),) = fetched.files.items()
    result = imf_imts.parse(name, data)
    return result, _accounting(result)


def _parse_hs(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    result = hs_codes.parse(fetched.files)
    return result, _accounting(result)


def _parse_chpl(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    ((name, data),) = fetched.files.items()
    result = chpl_codes.parse(name, data)
    return result, _accounting(result)


def _parse_comtrade(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    """JSON answers parse in memory; bulk CSVs stream through parquet (any size)."""
    parts: list[pl.LazyFrame] = []
    unknowns: list[Unknown] = []
    input_rows: dict[str, int] = {}
    for i, (name, data) in enumerate(sorted(fetched.files.items())):
        if name.endswith(".json"):
            parsed = un_comtrade.parse_json(name, data)
            parts.append(parsed.frame.lazy())
            unknowns += parsed.unknowns
            input_rows[name] = parsed.frame.height
        else:
            raw, out = scratch / f"part{i}.csv", scratch / f"part{i}.parquet"
            raw.write_bytes(data)
            rows, extra = un_comtrade.ingest_csv(name, raw, out)
            parts.append(pl.scan_parquet(out))
            input_rows[name] = rows
            unknowns += [Unknown(name, "line 1", "unknown column", column) for column in extra]
    frame = pl.concat(parts) if parts else empty("un_comtrade").lazy()
    result = TradeParse(
        "un_comtrade", "un_comtrade", frame, input_rows=input_rows, unknowns=unknowns
    )
    return result, _accounting(result)


def _parse_baci(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    """A release zip (or loose CSVs): members extracted to disk, yearly files streamed."""
    files: dict[str, Path] = {}
    for name, data in fetched.files.items():
        if name.endswith(".zip"):
            (scratch / "release.zip").write_bytes(data)
            files.update(
                extract_members(
                    name, scratch / "release.zip", scratch / "release", cepii_baci.RELEASE_LIMITS
                )
            )
        else:
            files[name] = scratch / Path(name).name
            files[name].write_bytes(data)
    country = [n for n in files if cepii_baci.COUNTRIES_FILE.match(Path(n).name)]
    if len(country) != 1:
        raise FetchError(
            f"{fetched.mode}://cepii_baci", f"expected one country_codes file, got {country}"
        )
    countries = cepii_baci.parse_countries(country[0], files[country[0]].read_bytes())
    parts, input_rows = [], {}
    for i, (name, path) in enumerate(sorted(files.items())):
        if cepii_baci.FLOWS_FILE.match(Path(name).name):
            out = scratch / f"flows{i}.parquet"
            input_rows[name] = cepii_baci.ingest_csv(name, path, countries, out)
            parts.append(pl.scan_parquet(out))
    frame = pl.concat(parts) if parts else empty("cepii_baci").lazy()
    result = TradeParse(
        "cepii_baci", "cepii_baci", frame, input_rows=input_rows, extra={"countries": countries}
    )
    return result, _accounting(result)


_KINDS = {"python", "polars"}


@asset(
    name="hs_codes", group_name=GROUP, kinds=_KINDS | {"csv"}, description=DESCRIPTIONS["hs_codes"]
)
def hs_codes_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> MaterializeResult:
    """HS 2022 nomenclature → `hs_codes`."""
    return _materialize(context, "hs_codes", fetcher, data_dir, _parse_hs)


@asset(
    name="chpl_codes",
    group_name=GROUP,
    kinds=_KINDS | {"csv"},
    deps=["hs_codes"],
    description=DESCRIPTIONS["chpl_codes"],
)
def chpl_codes_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> MaterializeResult:
    """The transcribed CHPL → `chpl_codes`."""
    return _materialize(context, "chpl_codes", fetcher, data_dir, _parse_chpl)


@asset(
    name="eurostat_comext",
    group_name=GROUP,
    kinds=_KINDS | {"csv"},
    description=DESCRIPTIONS["eurostat_comext"],
)
def eurostat_comext_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> MaterializeResult:
    """Comext downloads → `eurostat_comext` (+ `eurostat_comext_rejects`)."""
    return _materialize(context, "eurostat_comext", fetcher, data_dir, _parse_eurostat)


@asset(
    name="eurostat_cn8",
    group_name=GROUP,
    kinds=_KINDS | {"excel"},
    deps=["hs_codes", "chpl_codes"],
    description=DESCRIPTIONS["eurostat_cn8"],
)
def eurostat_cn8_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> MaterializeResult:
    """Data Browser workbooks → `eurostat_cn8` (one row per sheet cell) + rejects."""
    return _materialize(context, "eurostat_cn8", fetcher, data_dir, _parse_cn8)


@asset(
    name="imf_imts", group_name=GROUP, kinds=_KINDS | {"csv"}, description=DESCRIPTIONS["imf_imts"]
)
def imf_imts_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> MaterializeResult:
    """IMF IMTS export for Russia → `imf_imts` (long form)."""
    return _materialize(context, "imf_imts", fetcher, data_dir, _parse_imf)


@asset(
    name="un_comtrade",
    group_name=GROUP,
    kinds=_KINDS | {"json", "csv"},
    deps=["hs_codes"],
    description=DESCRIPTIONS["un_comtrade"],
)
def un_comtrade_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> MaterializeResult:
    """Comtrade API answers / bulk CSVs → `un_comtrade`."""
    return _materialize(context, "un_comtrade", fetcher, data_dir, _parse_comtrade)


@asset(
    name="cepii_baci",
    group_name=GROUP,
    kinds=_KINDS | {"csv"},
    deps=["hs_codes"],
    description=DESCRIPTIONS["cepii_baci"],
)
def cepii_baci_asset(
    context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
) -> MaterializeResult:
    """BACI release → `cepii_baci` (+ `cepii_baci_countries`)."""
    return _materialize(context, "cepii_baci", fetcher, data_dir, _parse_baci)


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
FLOW_BUILDERS: dict[str, Callable[[pl.LazyFrame], pl.LazyFrame]] = {
    "eurostat_comext": indicators.flows_from_eurostat,
    "eurostat_cn8": indicators.flows_from_cn8,
    "un_comtrade": indicators.flows_from_comtrade,
    "cepii_baci": indicators.flows_from_baci,
    "imf_imts": indicators.flows_from_imf,
}


def build_indicator_tables(data_dir: DataDir) -> dict[str, pl.DataFrame]:
    """Write `trade_flows`, the indicator tables and the charts from the stored source tables.

    `trade_flows` streams (a bulk Comtrade table can be large); indicators only need the
    all-goods rows and the CHPL lines, which are small.
    """
    chpl = read_table(data_dir, "chpl_codes")
    flows = pl.concat(
        [
            builder(pl.scan_parquet(table_path(data_dir, source)))
            for source, builder in FLOW_BUILDERS.items()
        ]
    )
    _write(data_dir, "trade_flows", flows)
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
        _write(data_dir, name, frame)
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


def _ratios(annual: pl.DataFrame, year: int = 2023) -> dict[str, float | None]:
    partners = ("RU", "KZ", "KG", "AM", "GE", "AE", "TR")
    return {p: indicators.ratio(annual, "eurostat_comext", p, year) for p in partners}


@asset(
    name="trade_indicators",
    group_name=GROUP,
    kinds=_KINDS,
    deps=list(SOURCE_ASSETS),
    description="Circumvention indicators: exports to Russia vs third countries indexed to 2021, diversion against pre-2022 trends, CHPL mirror gaps, CHPL exports by tier, substitution by HS6, CN8 rises; charts.",
)
def trade_indicators_asset(context: AssetExecutionContext, data_dir: DataDir) -> MaterializeResult:
    """Source tables → `trade_flows`, indicator tables and two PNG charts."""
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
            _md(
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
            _md(tables["trade_diversion"].drop("source_files").filter(pl.col("year") == 2023))
        ),
    }
    for name, png in chart_pngs(data_dir).items():
        metadata[f"chart_{name.removesuffix('.png')}"] = MetadataValue.md(
            f"![chart](data:image/png;base64,{base64.b64encode(png).decode()})"
        )
    context.log.info(f"trade_indicators: EU exports 2023 / 2021 = {ratios}")
    return MaterializeResult(metadata=metadata)


# --- checks --------------------------------------------------------------------------------

CheckFn = Callable[[DataDir], tuple[bool, dict[str, Any]]]


def _check(
    asset_name: str, name: str, description: str, fn: CheckFn, blocking: bool = True
) -> AssetChecksDefinition:
    @asset_check(asset=asset_name, name=name, blocking=blocking, description=description)
    def check(context: AssetCheckExecutionContext, data_dir: DataDir) -> AssetCheckResult:
        passed, metadata = fn(data_dir)
        return AssetCheckResult(passed=passed, metadata=metadata)

    return check


def _failures(bad: pl.DataFrame, what: str) -> tuple[bool, dict[str, Any]]:
    return bad.height == 0, {
        what: bad.height,
        "failure_cases": MetadataValue.md(_md(bad, 20) if bad.height else "none"),
    }


def schema_valid(table: str) -> CheckFn:
    def fn(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
        from schemas.trade import MODELS  # pandera: loaded when checking

        failures = validate({table: MODELS[table]}, {table: read_table(data_dir, table)})
        return not failures, {
            "failure_cases": MetadataValue.md(failures_markdown(failures) if failures else "none")
        }

    return fn


def values_valid(table: str, values: Iterable[str], currency: str | None = None) -> CheckFn:
    """Values non-negative; currency (when the table carries one) among the declared ones."""

    def fn(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
        df = read_table(data_dir, table)
        bad = pl.any_horizontal([pl.col(v) < 0 for v in values])
        if currency:
            bad = bad | ~pl.col(currency).is_in(list(CURRENCIES))
        return _failures(df.filter(bad.fill_null(False)), "bad_values")

    return fn


def periods_valid(table: str, year: str = "year", month: str | None = "month") -> CheckFn:
    def fn(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
        df = read_table(data_dir, table)
        bad = pl.col(year).is_null() | ~pl.col(year).is_between(1948, date.today().year + 1)
        if month:
            bad = bad | (pl.col(month).is_not_null() & ~pl.col(month).is_between(1, 12))
        return _failures(df.filter(bad), "bad_periods")

    return fn


def codes_resolve(table: str, pairs: Iterable[tuple[str, str | None]]) -> CheckFn:
    """Every code present, of a known kind, and a valid ISO alpha-2 code where it is a country."""

    def fn(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
        from core.countries import VALID_CODES  # pycountry: loaded when checking

        df = read_table(data_dir, table)
        bad = pl.lit(False)
        for code, kind in pairs:
            bad = bad | pl.col(code).is_null()
            if kind:
                is_country = pl.col(kind) == "country"
                bad = (
                    bad
                    | ~pl.col(kind).is_in(list(CODE_KINDS))
                    | (is_country & ~pl.col(code).is_in(list(VALID_CODES)))
                )
        return _failures(df.filter(bad.fill_null(True)), "unresolved_codes")

    return fn


def rows_accounted(source: str) -> CheckFn:
    def fn(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
        rows = read_meta(data_dir, source)["accounting"]
        table = pl.DataFrame(rows) if rows else pl.DataFrame({"group": [], "ok": []})
        return all(r["ok"] for r in rows), {"accounting": MetadataValue.md(_md(table, 40))}

    return fn


def aggregates_not_double_counted(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
    """EU member states sum to at most the EU27_2020 aggregate (tolerance in indicators)."""
    flows = indicators.flows_from_eurostat(read_table(data_dir, "eurostat_comext"))
    compared = indicators.members_vs_aggregate(flows)
    bad = compared.filter(~pl.col("ok"))
    passed, metadata = _failures(bad, "periods_over_aggregate")
    metadata["periods_compared"] = compared.height
    metadata["max_excess_ratio"] = (
        float(compared["excess_ratio"].max() or 0.0) if compared.height else 0.0
    )
    return passed, metadata


def hs_codes_exist(table: str, code: str, edition: tuple[str, str] | None = None) -> CheckFn:
    """HS6 codes of the table are subheadings of HS 2022 (rows of other HS editions are counted, not checked)."""

    def fn(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
        df = read_table(data_dir, table)
        hs = read_table(data_dir, "hs_codes").select(pl.col("hs_code").alias(code))
        other = 0
        if edition:
            column, value = edition
            other = df.filter(pl.col(column) != value).height
            df = df.filter(pl.col(column) == value)
        bad = df.join(hs, on=code, how="anti")
        passed, metadata = _failures(bad.select(code).unique(), "unknown_codes")
        metadata["rows_in_other_hs_editions"] = other
        return passed, metadata

    return fn


def not_available_is_null(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
    """`obs_flag` set exactly where `value_eur` is null (so a `:` never became 0)."""
    df = read_table(data_dir, "eurostat_cn8")
    bad = df.filter(pl.col("value_eur").is_null() != pl.col("obs_flag").is_not_null())
    passed, metadata = _failures(bad, "cells_flag_mismatch")
    metadata["cells_not_available"] = int(df["obs_flag"].is_not_null().sum())
    return passed, metadata


def cn8_subheadings_exist(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
    """The HS6 of every CN8/HS6 product line is an HS 2022 subheading (HS4 lines have none)."""
    products = read_table(data_dir, eurostat_databrowser.PRODUCTS).filter(
        pl.col("hs6").is_not_null()
    )
    hs = read_table(data_dir, "hs_codes").filter(pl.col("level") == 6)
    bad = products.join(hs.select(pl.col("hs_code").alias("hs6")), on="hs6", how="anti")
    passed, metadata = _failures(bad.select("product_code", "hs6", "source_sheet"), "unknown_hs6")
    metadata["product_lines_checked"] = products.height
    return passed, metadata


def chpl_in_nomenclature(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
    missing = chpl_codes.missing_from_nomenclature(
        read_table(data_dir, "chpl_codes"), read_table(data_dir, "hs_codes")
    )
    return _failures(missing, "codes_not_in_hs2022")


def source_files_present(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
    empty_rows = {
        t: read_table(data_dir, t).filter(pl.col("source_files").list.len() == 0).height
        for t in INDICATOR_TABLES
    }
    return sum(empty_rows.values()) == 0, {
        "rows_without_source_files": MetadataValue.json(empty_rows)
    }


def indicators_valid(data_dir: DataDir) -> tuple[bool, dict[str, Any]]:
    from schemas.trade import MODELS  # pandera: loaded when checking

    frames = {t: read_table(data_dir, t) for t in ("trade_flows", *INDICATOR_TABLES)}
    failures = validate({t: MODELS[t] for t in frames}, frames)
    return not failures, {
        "failure_cases": MetadataValue.md(failures_markdown(failures) if failures else "none")
    }


_V, _P, _C, _A = "values_valid", "periods_parse", "codes_resolve", "rows_accounted"
TRADE_CHECKS: list[AssetChecksDefinition] = [
    _check(
        "eurostat_comext",
        "schema_valid",
        "Pandera: eurostat_comext is valid.",
        schema_valid("eurostat_comext"),
    ),
    _check(
        "eurostat_comext",
        _V,
        "Values are non-negative euros.",
        values_valid("eurostat_comext", ["value_eur"]),
    ),
    _check(
        "eurostat_comext",
        _P,
        "Every period is a year (month 1-12 or null).",
        periods_valid("eurostat_comext"),
    ),
    _check(
        "eurostat_comext",
        _C,
        "Reporters and partners resolve to ISO alpha-2 or known codes.",
        codes_resolve(
            "eurostat_comext",
            [("reporter_code", "reporter_kind"), ("partner_code", "partner_kind")],
        ),
    ),
    _check(
        "eurostat_comext",
        _A,
        "Input rows = output rows + rejects, per download folder.",
        rows_accounted("eurostat_comext"),
    ),
    _check(
        "eurostat_comext",
        "no_aggregate_double_count",
        "EU member states sum to at most the EU27_2020 aggregate.",
        aggregates_not_double_counted,
    ),
    _check(
        "eurostat_cn8",
        "schema_valid",
        "Pandera: eurostat_cn8 is valid.",
        schema_valid("eurostat_cn8"),
    ),
    _check(
        "eurostat_cn8",
        _V,
        "Values are non-negative euros; `:` cells stay null.",
        values_valid("eurostat_cn8", ["value_eur"]),
    ),
    _check(
        "eurostat_cn8",
        "products_schema_valid",
        "Pandera: eurostat_cn8_products (one row per product sheet) is valid.",
        schema_valid("eurostat_cn8_products"),
    ),
    _check("eurostat_cn8", _P, "Every period is a month.", periods_valid("eurostat_cn8")),
    _check(
        "eurostat_cn8",
        "hs_codes_exist",
        "The HS6 of every CN8 line is an HS 2022 subheading (the key of the CHPL join).",
        cn8_subheadings_exist,
    ),
    _check(
        "eurostat_cn8",
        _C,
        "Reporters and partners resolve to ISO alpha-2 codes.",
        codes_resolve(
            "eurostat_cn8", [("reporter_code", "reporter_kind"), ("partner_code", "partner_kind")]
        ),
    ),
    _check(
        "eurostat_cn8",
        _A,
        "Data rows read = rows kept + rows rejected, per workbook; one cell per month per row.",
        rows_accounted("eurostat_cn8"),
    ),
    _check(
        "eurostat_cn8",
        "not_available_is_null",
        "A special value (`:`) is a null value with its flag, a number never has a flag.",
        not_available_is_null,
    ),
    _check(
        "un_comtrade", "schema_valid", "Pandera: un_comtrade is valid.", schema_valid("un_comtrade")
    ),
    _check(
        "un_comtrade",
        _V,
        "Values, quantities and weights are non-negative (USD, declared units).",
        values_valid("un_comtrade", un_comtrade.VALUE_COLUMNS),
    ),
    _check(
        "un_comtrade",
        _P,
        "refYear plausible, month 1-12 for monthly records.",
        periods_valid("un_comtrade", "ref_year"),
    ),
    _check(
        "un_comtrade",
        _C,
        "Reporters and partners resolve.",
        codes_resolve(
            "un_comtrade", [("reporter_iso2", "reporter_kind"), ("partner_iso2", "partner_kind")]
        ),
    ),
    _check(
        "un_comtrade",
        "hs_codes_exist",
        "HS 2022 (H6) commodity codes exist in the nomenclature.",
        hs_codes_exist("un_comtrade", "cmd_code", ("classification_code", "H6")),
    ),
    _check("un_comtrade", _A, "Every record read is stored.", rows_accounted("un_comtrade")),
    _check(
        "cepii_baci", "schema_valid", "Pandera: cepii_baci is valid.", schema_valid("cepii_baci")
    ),
    _check(
        "cepii_baci",
        _V,
        "Values (thousand USD) and tonnes are non-negative.",
        values_valid("cepii_baci", ["value_usd_thousands", "quantity_tonnes"]),
    ),
    _check("cepii_baci", _P, "Years plausible.", periods_valid("cepii_baci", month=None)),
    _check(
        "cepii_baci",
        _C,
        "Exporters and importers resolve through the country file.",
        codes_resolve("cepii_baci", [("exporter_iso3", None), ("importer_iso3", None)]),
    ),
    _check(
        "cepii_baci",
        "hs_codes_exist",
        "HS6 products exist in HS 2022.",
        hs_codes_exist("cepii_baci", "product_code"),
    ),
    _check("cepii_baci", _A, "Every row read is stored.", rows_accounted("cepii_baci")),
    _check("imf_imts", "schema_valid", "Pandera: imf_imts is valid.", schema_valid("imf_imts")),
    _check(
        "imf_imts",
        _V,
        "Values (millions USD) are non-negative; empty cells stay null.",
        values_valid("imf_imts", ["value_usd_millions"]),
    ),
    _check("imf_imts", _P, "Year columns plausible.", periods_valid("imf_imts", month=None)),
    _check(
        "imf_imts",
        _C,
        "Counterparts resolve (ISO, IMF aggregate or historical).",
        codes_resolve("imf_imts", [("reporter_code", None), ("partner_code", "partner_kind")]),
    ),
    _check("imf_imts", _A, "Every series × year cell is a row.", rows_accounted("imf_imts")),
    _check("hs_codes", "schema_valid", "Pandera: hs_codes is valid.", schema_valid("hs_codes")),
    _check(
        "chpl_codes", "schema_valid", "Pandera: chpl_codes is valid.", schema_valid("chpl_codes")
    ),
    _check(
        "chpl_codes",
        "hs_codes_exist",
        "Every CHPL code is an HS 2022 subheading.",
        chpl_in_nomenclature,
    ),
    _check(
        "trade_indicators",
        "schema_valid",
        "Pandera: trade_flows and indicator tables are valid.",
        indicators_valid,
    ),
    _check(
        "trade_indicators",
        "source_files_present",
        "Every indicator row names its source files.",
        source_files_present,
    ),
    _check(
        "trade_indicators",
        "values_valid",
        "trade_flows values non-negative in EUR or USD.",
        values_valid("trade_flows", ["value"], "currency"),
    ),
]
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


def publish_tables(data_dir: DataDir) -> dict[str, pl.DataFrame]:
    """Tables to publish beside the sanctions tables: trade_flows, the indicator tables (with
    the CHPL product-level ones), hs_codes and chpl_codes (read from the trade warehouse)."""
    return {name: read_table(data_dir, name) for name in PUBLISHED}


def chart_pngs(data_dir: DataDir) -> dict[str, bytes]:
    """The chart PNGs (file name → bytes) rendered by `trade_indicators`."""
    folder = warehouse(data_dir) / "charts"
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.png"))}
