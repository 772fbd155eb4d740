"""How each trade source's fetched files become its table: one function per source, called
by its asset in `assets/trade.py` with the fetched files (their archived paths) and a scratch
folder on disk.

The large files are read from their path, never whole: Comtrade bulk CSVs and BACI's yearly
files stream through polars to parquet, a BACI release zip is read member by member from the
archive (one member extracted to scratch at a time), and the CN8 workbooks are opened by
calamine from their path. The small files (a Comext SDMX-CSV answer or download of a few MB,
IMF's export, the HS and CHPL code lists, a Comtrade API JSON answer) are read whole by parsers
that check them line by line in memory; each is bounded by the fetch limit of
`resources/publishers.py`.
"""

import shutil
import zipfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from assets.trade_sources import Fetched
from core.canonical import Unknown
from core.errors import FetchError
from core.zipsafe import check_zip
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


def _read(fetched: Fetched) -> dict[str, bytes]:
    """The small files of a source, whole (see the module docstring)."""
    return {name: path.read_bytes() for name, path in fetched.files.items()}


def parse_eurostat(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    result = eurostat_comext.parse(_read(fetched))
    return result, accounting(result, eurostat_comext.group_of(result.frame, result.rejects))


def parse_cn8(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    """Workbooks → `eurostat_cn8`; accounting per workbook counts reporter × partner rows."""
    return eurostat_databrowser.parse(fetched.files)


def parse_imf(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    ((name, path),) = fetched.files.items()
    result = imf_imts.parse(name, path.read_bytes())
    return result, accounting(result)


def parse_hs(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    result = hs_codes.parse(_read(fetched))
    return result, accounting(result)


def parse_chpl(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    ((name, path),) = fetched.files.items()
    result = chpl_codes.parse(name, path.read_bytes())
    return result, accounting(result)


def parse_comtrade(fetched: Fetched, scratch: Path) -> tuple[TradeParse, pl.DataFrame]:
    """JSON answers parse in memory; bulk CSVs stream from their archived file through
    parquet (any size)."""
    parts: list[pl.LazyFrame] = []
    unknowns: list[Unknown] = []
    input_rows: dict[str, int] = {}
    for i, (name, path) in enumerate(sorted(fetched.files.items())):
        if name.endswith(".json"):
            parsed = un_comtrade.parse_json(name, path.read_bytes())
            parts.append(parsed.frame.lazy())
            unknowns += parsed.unknowns
            input_rows[name] = parsed.frame.height
        else:
            out = scratch / f"part{i}.parquet"
            rows, extra = un_comtrade.ingest_csv(name, path, out)
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
    """A release zip (or loose CSVs), read from the archived file: the yearly files of `years`
    (default: all) streamed.

    Every member of a zip is proven within `cepii_baci.RELEASE_LIMITS` first (`core.zipsafe`);
    then the country file and each yearly file in range are extracted, one at a time, into
    `scratch` (polars scans a path), streamed to parquet and removed, so the disk holds one
    yearly file besides the release and memory never holds one. Loose CSVs are read where they
    are archived.
    """
    files: dict[str, tuple[Path, zipfile.ZipInfo | None]] = {}
    for name, path in fetched.files.items():
        if name.endswith(".zip"):
            for info in check_zip(name, path, cepii_baci.RELEASE_LIMITS):
                files[info.filename] = (path, info)
        else:
            files[name] = (path, None)
    country = [n for n in files if cepii_baci.COUNTRIES_FILE.match(Path(n).name)]
    if len(country) != 1:
        raise FetchError(
            f"{fetched.mode}://cepii_baci", f"expected one country_codes file, got {country}"
        )
    with _member(files[country[0]], scratch) as path:
        countries = cepii_baci.parse_countries(country[0], path.read_bytes())
    parts, input_rows = [], {}
    for i, (name, where) in enumerate(sorted(files.items())):
        match = cepii_baci.FLOWS_FILE.match(Path(name).name)
        if match and (years is None or match["year"] in years):
            out = scratch / f"flows{i}.parquet"
            with _member(where, scratch) as path:
                input_rows[name] = cepii_baci.ingest_csv(name, path, countries, out)
            parts.append(pl.scan_parquet(out))
    frame = pl.concat(parts) if parts else empty("cepii_baci").lazy()
    result = TradeParse(
        "cepii_baci", "cepii_baci", frame, input_rows=input_rows, extra={"countries": countries}
    )
    return result, accounting(result)


@contextmanager
def _member(where: tuple[Path, zipfile.ZipInfo | None], scratch: Path) -> Iterator[Path]:
    """A path to read one file of a release: a loose file as archived, or a zip member copied
    out in blocks (zipfile inflates it as a stream and checks its CRC) and removed afterwards."""
    path, info = where
    if info is None:
        yield path
        return
    target = scratch / "member" / Path(info.filename).name  # the base name: no path escapes
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            zipfile.ZipFile(path) as archive,
            archive.open(info) as member,
            open(target, "wb") as out,
        ):
            shutil.copyfileobj(member, out, 1 << 20)
        yield target
    finally:
        target.unlink(missing_ok=True)
