"""IMF International Trade in Goods by partner (IMTS), portal CSV export — `imf_imts`.

One row per series (reporter × indicator × counterpart), one column per year, values in
millions of US dollars; UTF-8 with a BOM, every field quoted. Indicators: `MG_CIF_USD`
(imports, CIF) and `XG_FOB_USD` (exports, FOB). Counterparts are ISO alpha-3 codes, IMF
aggregate codes (`G001` World, `G998` EU, `GX901` CIS…), "not specified" codes (`TX…`) and a
few former economies. The wide table becomes one row per series and year; an empty cell is a
null value (no observation), never a zero.
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl

from core.errors import SourceFormatError
from core.sniff import read_text
from trade.tables import TradeParse, conform, refuse_first

SOURCE = "imf_imts"
FIXED_COLUMNS = (
    "DATASET", "SERIES_CODE", "OBS_MEASURE", "COUNTRY.ID", "COUNTRY", "INDICATOR.ID",
    "INDICATOR", "COUNTERPART_COUNTRY.ID", "COUNTERPART_COUNTRY", "FREQUENCY.ID", "FREQUENCY",
    "SCALE.ID", "SCALE", "TRADE_FLOW.ID", "TRADE_FLOW",
)  # fmt: skip
YEAR_COLUMN = re.compile(r"^\d{4}$")
DATASET = "IMF.STA:IMTS(1.0.0)"
# indicator -> (trade flow id, flow, valuation)
INDICATORS: dict[str, tuple[str, str, str]] = {
    "MG_CIF_USD": ("MG", "import", "CIF"),
    "XG_FOB_USD": ("XG", "export", "FOB"),
}
EXPECTED = {"OBS_MEASURE": "OBS_VALUE", "FREQUENCY.ID": "A", "SCALE.ID": "6", "SCALE": "Millions"}
# IMF codes that are not ISO alpha-3: (code used here, kind). Aggregates are sums of economies;
# "not specified" codes are unallocated trade (special); former economies get ISO 3166-3 codes.
IMF_CODES: dict[str, tuple[str, str]] = {
    "G001": ("G001", "aggregate"),  # World
    "G080": ("G080", "aggregate"),  # EMDEs by source of export earnings: fuel
    "G092": ("G092", "aggregate"),  # EMDEs by source of export earnings: nonfuel
    "G110": ("G110", "aggregate"),  # Advanced economies
    "G163": ("G163", "aggregate"),  # Euro area
    "G200": ("G200", "aggregate"),  # Emerging market and developing economies
    "G205": ("G205", "aggregate"),  # Latin America and the Caribbean
    "G400": ("G400", "aggregate"),  # Middle East and Central Asia
    "G505": ("G505", "aggregate"),  # Emerging and developing Asia
    "G603": ("G603", "aggregate"),  # Sub-Saharan Africa
    "G903": ("G903", "aggregate"),  # Emerging and developing Europe
    "G998": ("G998", "aggregate"),  # European Union
    "GX170": ("GX170", "aggregate"),  # Europe
    "GX405": ("GX405", "aggregate"),  # Middle East
    "GX440": ("GX440", "aggregate"),  # Middle East, North Africa, Afghanistan and Pakistan
    "GX605": ("GX605", "aggregate"),  # Africa
    "GX901": ("GX901", "aggregate"),  # CIS
    "TX126": ("TX126", "special"),  # Belgium-Luxembourg (not split)
    "TX399": ("TX399", "special"),  # Western Hemisphere not specified
    "TX598": ("TX598", "special"),  # Asia not specified
    "TX799": ("TX799", "special"),  # Africa not specified
    "TX884": ("TX884", "special"),  # Europe not specified
    "TX898": ("TX898", "special"),  # Countries & areas not specified
    "TX899": ("TX899", "special"),  # Special categories
    "TX910": ("TX910", "special"),  # Other countries n.i.e.
    "ANT": ("ANHH", "historical"),  # Netherlands Antilles
    "CSK": ("CSHH", "historical"),  # Czechoslovakia
    "SCG": ("CSXX", "historical"),  # Serbia and Montenegro
    "YUG": ("YUCS", "historical"),  # Yugoslavia, SFR
    "WBG": ("PS", "country"),  # West Bank and Gaza
}


@lru_cache(maxsize=1024)
def resolve_code(code: str) -> tuple[str, str] | None:
    """(code, kind) for an IMF counterpart code: ISO alpha-2 for economies; None if unknown."""
    if code in IMF_CODES:
        return IMF_CODES[code]
    import pycountry  # here, not with the module: the definitions import it

    hit = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return (hit.alpha_2, "country") if hit else None


def parse(name: str, data: bytes) -> TradeParse:
    """IMF IMTS portal CSV (one series per row, years in columns) → long `imf_imts` rows."""
    text = read_text(name, data)
    body = text.encode()
    try:
        raw = pl.read_csv(body, infer_schema=False, has_header=True)
    except pl.exceptions.PolarsError as exc:
        raise SourceFormatError(name, "unknown line", f"unreadable CSV: {exc}") from exc
    columns = tuple(raw.columns)
    years = [c for c in columns[len(FIXED_COLUMNS) :] if YEAR_COLUMN.match(c)]
    if (
        columns[: len(FIXED_COLUMNS)] != FIXED_COLUMNS
        or len(years) != len(columns) - len(FIXED_COLUMNS)
        or not years
    ):
        raise SourceFormatError(name, "line 1", f"unexpected header {','.join(columns)!r}")
    if text.count("\n") != raw.height + 1:
        raise SourceFormatError(
            name, "whole file", "a quoted field spans lines: not an IMTS export"
        )
    df = raw.lazy().with_columns(source_line=pl.int_range(2, raw.height + 2, dtype=pl.Int32))
    codes = (
        pl.concat([raw["COUNTRY.ID"], raw["COUNTERPART_COUNTRY.ID"]])
        .drop_nulls()
        .unique()
        .to_list()
    )
    resolved = {c: resolve_code(c) for c in codes}
    unknown = [c for c, v in resolved.items() if v is None]
    flow_ids = {k: v[0] for k, v in INDICATORS.items()}
    checks: dict[str, tuple[pl.Expr, str]] = {
        "missing field": (pl.any_horizontal(pl.col(FIXED_COLUMNS).is_null()), "SERIES_CODE"),
        "unexpected dataset": (pl.col("DATASET") != DATASET, "DATASET"),
        **{f"{c} is not {v}": (pl.col(c) != v, c) for c, v in EXPECTED.items()},
        "unknown indicator": (~pl.col("INDICATOR.ID").is_in(list(INDICATORS)), "INDICATOR.ID"),
        "TRADE_FLOW.ID does not match INDICATOR.ID": (
            pl.col("TRADE_FLOW.ID")
            != pl.col("INDICATOR.ID").replace_strict(flow_ids, default=None),
            "TRADE_FLOW.ID",
        ),
        "series listed twice": (pl.col("SERIES_CODE").is_duplicated(), "SERIES_CODE"),
        "unknown reporter code": (pl.col("COUNTRY.ID").is_in(unknown), "COUNTRY.ID"),
        "unknown counterpart code": (
            pl.col("COUNTERPART_COUNTRY.ID").is_in(unknown),
            "COUNTERPART_COUNTRY.ID",
        ),
    }
    refuse_first(name, df, checks)
    code_map = {c: v[0] for c, v in resolved.items() if v}
    kind_map = {c: v[1] for c, v in resolved.items() if v}
    raw_value = pl.col("raw").str.strip_chars().replace("", None)
    out = (
        df.unpivot(
            index=[*FIXED_COLUMNS, "source_line"], on=years, variable_name="year", value_name="raw"
        )
        .with_columns(
            reporter_code=pl.col("COUNTRY.ID").replace_strict(code_map),
            reporter_iso3=pl.col("COUNTRY.ID"),
            partner_code=pl.col("COUNTERPART_COUNTRY.ID").replace_strict(code_map),
            partner_imf_code=pl.col("COUNTERPART_COUNTRY.ID"),
            partner_label=pl.col("COUNTERPART_COUNTRY"),
            partner_kind=pl.col("COUNTERPART_COUNTRY.ID").replace_strict(kind_map),
            partner_is_aggregate=pl.col("COUNTERPART_COUNTRY.ID").replace_strict(kind_map)
            == "aggregate",
            indicator=pl.col("INDICATOR.ID"),
            flow=pl.col("INDICATOR.ID").replace_strict({k: v[1] for k, v in INDICATORS.items()}),
            valuation=pl.col("INDICATOR.ID").replace_strict(
                {k: v[2] for k, v in INDICATORS.items()}
            ),
            year=pl.col("year").cast(pl.Int16),
            value_usd_millions=raw_value.cast(pl.Float64, strict=False),
            series_code=pl.col("SERIES_CODE"),
            source_file=pl.lit(name),
            _bad=raw_value.is_not_null() & raw_value.cast(pl.Float64, strict=False).is_null(),
        )
        .sort("source_line", "year")
        .collect(engine="in-memory")
    )
    bad = out.filter(pl.col("_bad"))
    if bad.height:
        row = bad.row(0, named=True)
        raise SourceFormatError(
            name,
            f"line {row['source_line']}",
            f"non-numeric value in column {row['year']}: {row['raw']!r}",
        )
    frame = conform(SOURCE, out.drop([*FIXED_COLUMNS, "raw", "_bad"]))
    return TradeParse(
        source=SOURCE, table=SOURCE, frame=frame, input_rows={name: raw.height * len(years)}
    )
