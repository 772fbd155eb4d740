"""How each trade source's fetched files become its table: one function per source, called
by its asset in `assets/trade.py` with the fetched files and a scratch folder on disk (for the
parsers that stream: Comtrade bulk CSVs, BACI's yearly files)."""

from collections.abc import Collection
from pathlib import Path

import polars as pl

from assets.trade_sources import Fetched
from core.canonical import Unknown
from core.errors import FetchError
from core.zipsafe import extract_members
from trade import (
    cepii_baci,
    chpl_codes,
    eurostat_comext,
    eurostat_databrowser,
    hs_codes,
    imf_imts,
    un_comtrade,
)
from trade.tables import TradeParse, empty


def accounting(result: TradeParse, group_of: dict[str, str] | None = None) -> pl.DataFrame:
    return result.accounting(group_of)


def parse_eurostat(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    result = eurostat_comext.parse(fetched.files)
    return result, accounting(result, eurostat_comext.group_of(result.frame, result.rejects))


def parse_cn8(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    """Workbooks → `eurostat_cn8`; accounting per workbook counts reporter × partner rows."""
    return eurostat_databrowser.parse(fetched.files)


def parse_imf(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    ((name, data),) = fetched.files.items()
    result = imf_imts.parse(name, data)
    return result, accounting(result)


def parse_hs(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    result = hs_codes.parse(fetched.files)
    return result, accounting(result)


def parse_chpl(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    ((name, data),) = fetched.files.items()
    result = chpl_codes.parse(name, data)
    return result, accounting(result)


def parse_comtrade(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
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
    return result, accounting(result)


def parse_baci(
    fetched: Fetched, scratch: Path, years: Collection[str] | None = None
) -> tuple[TradeParse, pl.DataFrame]:
    """A release zip (or loose CSVs): members extracted to disk, the yearly files of `years`
    (default: all) streamed."""
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
        match = cepii_baci.FLOWS_FILE.match(Path(name).name)
        if match and (years is None or match["year"] in years):
            out = scratch / f"flows{i}.parquet"
            input_rows[name] = cepii_baci.ingest_csv(name, path, countries, out)
            parts.append(pl.scan_parquet(out))
    frame = pl.concat(parts) if parts else empty("cepii_baci").lazy()
    result = TradeParse(
        "cepii_baci", "cepii_baci", frame, input_rows=input_rows, extra={"countries": countries}
    )
    return result, accounting(result)
