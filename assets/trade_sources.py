"""Trade sources: their live files and shipped snapshots, fetching, and the trade warehouse.

Each source's files come from its live URLs (`LIVE_FILES`) or from the shipped snapshot folder
`snapshots/trade/`, described by its `catalog.json` (`snapshot_payloads`); `fetch_files`
archives every payload with `data_dir.archive` and hands the parsers the archived files' paths
(a BACI release is gigabytes: nothing here holds a file in memory). The tables are parquet files under
`<data dir>/warehouse/trade/`, written atomically (`write_table`) and read by `read_table`
(a partitioned source table is a folder of one file per period: `assets/trade_periods.py`); each
source's `<source>.meta.json` records where its files came from and how its rows add up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assets.trade_periods import PARTITIONED, period_dir, scan_periods, write_atomic
from core.errors import FetchError
from resources.fetcher import DEFAULT_SNAPSHOT_DIR, Fetcher, FileSpec, Payload, file_digest
from resources.storage import DataDir
from trade.vocabulary import CHPL_TABLES, EU27

if TYPE_CHECKING:  # polars loads when a table is read or written, not with the definitions
    import polars as pl

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
    *CHPL_TABLES,
)
PUBLISHED = ("trade_flows", *INDICATOR_TABLES, "hs_codes", "chpl_codes")


# --- storage -----------------------------------------------------------------------------


def warehouse(data_dir: DataDir) -> Path:
    return data_dir.path / "warehouse" / "trade"


def table_path(data_dir: DataDir, table: str) -> Path:
    return warehouse(data_dir) / f"{table}.parquet"


def write_table(data_dir: DataDir, table: str, frame: pl.DataFrame | pl.LazyFrame) -> Path:
    """Write a table atomically (scratch file, then rename), streaming a LazyFrame."""

    path = table_path(data_dir, table)
    write_atomic(path, frame)
    return path


def scan_table(data_dir: DataDir, table: str) -> pl.LazyFrame:
    """A stored table, lazily: a partitioned source table is all its stored periods."""
    import polars as pl

    if table in PARTITIONED:
        if not period_dir(data_dir, table).is_dir():
            raise FileNotFoundError(f"{table} has not been materialized yet")
        return scan_periods(data_dir, table)
    path = table_path(data_dir, table)
    if not path.exists():
        raise FileNotFoundError(f"{table} has not been materialized yet ({path})")
    return pl.scan_parquet(path)


def read_table(data_dir: DataDir, table: str) -> pl.DataFrame:
    return scan_table(data_dir, table).collect()


def meta_path(data_dir: DataDir, source: str) -> Path:
    return warehouse(data_dir) / f"{source}.meta.json"


def read_meta(data_dir: DataDir, source: str) -> dict[str, Any]:
    return json.loads(meta_path(data_dir, source).read_text())


# --- fetching ----------------------------------------------------------------------------


@dataclass
class Fetched:
    """Files of one source for its parser (name → archived file, read-only), with where and
    when they came from."""

    source: str
    mode: str
    files: dict[str, Path] = field(default_factory=dict)
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
    digests = {name: file_digest(root / relative) for name, relative in chosen["files"].items()}
    pairs = [
        (
            name,
            Payload(
                source=source,
                name=name.replace("/", "__"),  # the raw archive keeps one flat folder per source
                path=root / relative,
                sha256=digests[name][0],
                size=digests[name][1],
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


def fetch_files(
    source: str, fetcher: Fetcher, data_dir: DataDir, specs: tuple[FileSpec, ...] | None = None
) -> Fetched:
    """Fetch (or read from the snapshot) every file of `source` and archive each payload;
    `specs` narrows the live files (a month run's query: `assets/trade_months.py`)."""
    specs = LIVE_FILES[source] if specs is None else specs
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
        try:
            for spec in specs:
                previous = data_dir.previous_fetch(source, spec.name)
                payload = fetcher.fetch(source, spec, previous, data_dir.incoming(source))
                if payload is None and spec.required:
                    raise FetchError(f"{fetcher.mode}://{source}", f"{spec.name} is not available")
                if payload is not None:
                    pairs.append((spec.name, payload))
        except BaseException:
            for _, fetched_payload in pairs:  # streamed files that will not be archived
                fetched_payload.discard()
            raise
        dates = [p.published_at for _, p in pairs if p.published_at]
        fetched.published_at = max(dates).isoformat() if dates else None
        fetched.published_basis = pairs[0][1].published_basis if pairs else "unknown"
    for name, payload in pairs:
        path, _ = data_dir.archive(payload)
        fetched.files[name] = path
        fetched.described.append(
            {
                "name": name,
                "url": payload.url,
                "sha256": payload.sha256,
                "size": payload.size,
                "raw_path": str(path),
            }
        )
    return fetched


# --- display ----------------------------------------------------------------------------------


def frame_markdown(df: pl.DataFrame, limit: int = 8) -> str:
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
