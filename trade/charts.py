"""Charts of the circumvention indicators, rendered with matplotlib's Agg backend to PNG bytes.

Figures are built with `matplotlib.figure.Figure` (no pyplot global state), so rendering is
safe inside Dagster runs and tests, and nothing is written to disk here.
"""

from __future__ import annotations

import io

import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from trade.indicators import ALL_GOODS, EU_AGGREGATE, RUSSIA, THIRD_COUNTRIES

NAMES = {
    "RU": "Russia", "KZ": "Kazakhstan", "KG": "Kyrgyzstan", "AM": "Armenia", "GE": "Georgia",
    "AE": "UAE", "TR": "Turkey", "UZ": "Uzbekistan", "TJ": "Tajikistan", "CN": "China",
    "HK": "Hong Kong",
}  # fmt: skip
COLORS = {"RU": "#c0392b", "KZ": "#2471a3", "KG": "#17a589", "AM": "#d68910"}
INVASION = 2022 + (31 + 24 - 1) / 365  # 24 February 2022, as a fractional year


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def monthly_index_chart(
    monthly: pl.DataFrame,
    partners: tuple[str, ...] = ("RU", "KZ", "KG", "AM"),
    years: tuple[int, int] = (2019, 2024),
    source: str = "eurostat_comext",
) -> bytes:
    """EU27_2020 exports to Russia and to third countries, monthly, 2021 average = 100 (log scale)."""
    data = monthly.filter(
        (pl.col("source") == source)
        & (pl.col("reporter_code") == EU_AGGREGATE)
        & (pl.col("flow") == "export")
        & (pl.col("product_scope") == ALL_GOODS)
        & pl.col("partner_code").is_in(list(partners))
        & pl.col("year").is_between(*years)
        & pl.col("index_2021").is_not_null()
    ).sort("year", "month")
    fig = Figure(figsize=(9, 5))
    ax = fig.subplots()
    for partner in partners:
        rows = data.filter(pl.col("partner_code") == partner)
        if rows.height == 0:
            continue
        x = (rows["year"].cast(pl.Float64) + (rows["month"].cast(pl.Float64) - 0.5) / 12).to_list()
        ax.plot(
            x,
            rows["index_2021"].to_list(),
            label=NAMES.get(partner, partner),
            color=COLORS.get(partner),
            lw=1.8,
        )
    ax.set_yscale("log")
    ticks = [12.5, 25, 50, 100, 200, 400, 800, 1600]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.axhline(100, color="grey", lw=0.8, ls=":")
    ax.axvline(INVASION, color="black", lw=0.8, ls="--")
    ax.annotate(
        "24 Feb 2022",
        (INVASION, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -12),
        textcoords="offset points",
        fontsize=8,
    )
    ax.set_xlim(years[0], years[1] + 1)
    ax.set_xticks(range(years[0], years[1] + 2))
    ax.set_ylabel("index, 2021 monthly average = 100 (log scale)")
    ax.set_title("EU-27 exports of all goods: Russia vs Central Asia and the Caucasus", fontsize=11)
    ax.grid(True, which="major", axis="y", alpha=0.3)
    ax.legend(loc="upper left", frameon=False)
    fig.text(
        0.01,
        0.01,
        f"Source: Eurostat Comext ({source}), EU27_2020 aggregate, values in EUR.",
        fontsize=7,
        color="grey",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return _png(fig)


def diversion_chart(
    diversion: pl.DataFrame,
    year: int = 2023,
    partners: tuple[str, ...] = THIRD_COUNTRIES,
    source: str = "eurostat_comext",
    basis: str = "annual",
) -> bytes:
    """Bars: EU exports in `year` above (below) each partner's 2019–2021 linear trend, with Russia."""
    rows = diversion.filter(
        (pl.col("source") == source)
        & (pl.col("basis") == basis)
        & (pl.col("product_scope") == ALL_GOODS)
        & (pl.col("year") == year)
        & pl.col("partner_code").is_in(list(partners))
        & pl.col("excess_pct").is_not_null()
    )
    bars = [
        (NAMES.get(p, p), v * 100) for p, v in rows.select("partner_code", "excess_pct").iter_rows()
    ]
    if rows.height:
        bars.append((NAMES[RUSSIA] + " (direct)", rows["ru_excess_pct"][0] * 100))
    bars.sort(key=lambda b: b[1])
    fig = Figure(figsize=(9, 5))
    ax = fig.subplots()
    labels = [b[0] for b in bars]
    values = [b[1] for b in bars]
    colors = [COLORS["RU"] if label.startswith(NAMES[RUSSIA]) else "#2471a3" for label in labels]
    ax.barh(labels, values, color=colors)
    for i, v in enumerate(values):
        ax.annotate(
            f"{v:+.0f}%",
            (v, i),
            xytext=(4 if v >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if v >= 0 else "right",
            va="center",
            fontsize=8,
        )
    ax.axvline(0, color="black", lw=0.8)
    low, high = min([0.0, *values]), max([0.0, *values])
    span = high - low or 1.0
    ax.set_xlim(low - 0.1 * span, high + 0.12 * span)
    ax.set_xlabel(f"EU-27 exports in {year} vs linear trend fitted on 2019–2021 (%)")
    ax.set_title(
        f"Exports above their pre-war trend in {year}: third countries vs Russia", fontsize=11
    )
    ax.grid(True, axis="x", alpha=0.3)
    fig.text(
        0.01,
        0.01,
        f"Source: Eurostat Comext ({source}, {basis} totals), EU27_2020 aggregate, all goods.",
        fontsize=7,
        color="grey",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return _png(fig)


def render_all(monthly: pl.DataFrame, diversion: pl.DataFrame) -> dict[str, bytes]:
    """Both charts, by file name."""
    return {
        "trade_eu_exports_index.png": monthly_index_chart(monthly),
        "trade_diversion.png": diversion_chart(diversion),
    }
