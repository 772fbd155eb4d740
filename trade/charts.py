"""Charts of the circumvention indicators, rendered with matplotlib's Agg backend to PNG bytes.

Figures are built with `matplotlib.figure.Figure` (no pyplot global state), so rendering is
safe inside Dagster runs and tests, and nothing is written to disk here. matplotlib is imported
inside the functions that draw: loading the definitions does not pay for it.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import polars as pl

from trade import chpl_indicators
from trade.indicators import ALL_GOODS, EU_AGGREGATE, RUSSIA, THIRD_COUNTRIES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

NAMES = {
    "RU": "Russia", "KZ": "Kazakhstan", "KG": "Kyrgyzstan", "AM": "Armenia", "GE": "Georgia",
    "AE": "UAE", "TR": "Turkey", "UZ": "Uzbekistan", "TJ": "Tajikistan", "CN": "China",
    "HK": "Hong Kong", "BY": "Belarus",
}  # fmt: skip
COLORS = {
    "RU": "#c0392b", "KZ": "#2471a3", "KG": "#17a589", "AM": "#d68910", "BY": "#7b241c",
    "GE": "#7d3c98", "UZ": "#566573",
}  # fmt: skip
INVASION = 2022 + (31 + 24 - 1) / 365  # 24 February 2022, as a fractional year


def _figure(width: float = 9, height: float = 5) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _finish(fig: Figure, source: str) -> bytes:
    """The chart's source line at its foot, the layout tightened around it, as PNG bytes."""
    fig.text(0.01, 0.01, source, fontsize=7, color="grey")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return _png(fig)


def _log_index_axis(
    ax: Axes, ticks: tuple[float, ...] = (12.5, 25, 50, 100, 200, 400, 800, 1600)
) -> None:
    """Log-scale index axis with plain tick labels, the 100 line and the invasion date."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator(list(ticks)))
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
    fig = _figure()
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
    _log_index_axis(ax)
    ax.set_xlim(years[0], years[1] + 1)
    ax.set_xticks(range(years[0], years[1] + 2))
    ax.set_ylabel("index, 2021 monthly average = 100 (log scale)")
    ax.set_title("EU-27 exports of all goods: Russia vs Central Asia and the Caucasus", fontsize=11)
    ax.grid(True, which="major", axis="y", alpha=0.3)
    ax.legend(loc="upper left", frameon=False)
    return _finish(fig, f"Source: Eurostat Comext ({source}), EU27_2020 aggregate, values in EUR.")


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
    fig = _figure()
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
    return _finish(
        fig, f"Source: Eurostat Comext ({source}, {basis} totals), EU27_2020 aggregate, all goods."
    )


def render_all(monthly: pl.DataFrame, diversion: pl.DataFrame) -> dict[str, bytes]:
    """Both charts, by file name."""
    return {
        "trade_eu_exports_index.png": monthly_index_chart(monthly),
        "trade_diversion.png": diversion_chart(diversion),
    }


def chpl_index_chart(
    chpl_monthly: pl.DataFrame,
    partners: tuple[str, ...] = chpl_indicators.DIRECT + chpl_indicators.NEIGHBOURS,
    scope: str = chpl_indicators.CHPL_ALL,
) -> bytes:
    """EU exports of CHPL items to Russia and Belarus against the neighbours, monthly, 2021
    average = 100 (log scale), from the CN8 extract."""
    data = chpl_monthly.filter(
        (pl.col("product_scope") == scope)
        & pl.col("partner_code").is_in(list(partners))
        & pl.col("index_2021").is_not_null()
        & (pl.col("index_2021") > 0)
    ).sort("year", "month")
    fig = _figure()
    ax = fig.subplots()
    for partner in partners:
        rows = data.filter(pl.col("partner_code") == partner)
        if rows.height == 0:
            continue
        x = (rows["year"].cast(pl.Float64) + (rows["month"].cast(pl.Float64) - 0.5) / 12).to_list()
        direct = partner in chpl_indicators.DIRECT
        ax.plot(
            x,
            rows["index_2021"].to_list(),
            label=NAMES.get(partner, partner),
            color=COLORS.get(partner),
            lw=2.4 if direct else 1.4,
            ls="-" if direct else "--",
        )
    if data.height:
        low, high = data["index_2021"].min(), data["index_2021"].max()
        ticks = (1.5625, 3.125, 6.25, 12.5, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0)
        _log_index_axis(ax, ticks)
        ax.set_ylim(max(low * 0.8, 1.0), high * 1.25)  # type: ignore[operator]
        years = (int(data["year"].min()), int(data["year"].max()))  # type: ignore[arg-type]
        ax.set_xlim(years[0], years[1] + 1)
        ax.set_xticks(range(years[0], years[1] + 2))
    ax.set_ylabel("index, 2021 monthly average = 100 (log scale)")
    ax.set_title(
        f"EU-27 exports of CHPL items ({scope}): Russia, Belarus and neighbours", fontsize=11
    )
    ax.grid(True, which="major", axis="y", alpha=0.3)
    ax.legend(loc="upper left", frameon=False, ncol=2, fontsize=8)
    return _finish(
        fig,
        "Source: Eurostat Data Browser DS-045409 (CN8 lines of CHPL HS6 codes), sum of the 27 "
        "member states, EUR; cells not available are not counted.",
    )


def substitution_chart(substitution: pl.DataFrame, top: int = 12) -> bytes:
    """Bars: for the top substituted CHPL HS6 lines, the fall of EU exports to Russia + Belarus
    against the rise to the neighbours (EUR million, March–December 2022 vs 2021)."""
    rows = (
        substitution.filter(pl.col("substitution_rank").is_not_null())
        .sort("substitution_rank")
        .head(top)
        .reverse()
    )
    labels = [
        f"{h} (tier {t}) → {n}"
        for h, t, n in rows.select("hs6", "chpl_tier", "top_neighbour").iter_rows()
    ]
    fall = [-(v or 0.0) / 1e6 for v in rows["direct_fall_eur"].to_list()]
    rise = [(v or 0.0) / 1e6 for v in rows["neighbour_rise_eur"].to_list()]
    fig = _figure(9, 6)
    ax = fig.subplots()
    y = list(range(len(labels)))
    ax.barh(y, fall, color=COLORS["RU"], label="fall of exports to Russia + Belarus")
    ax.barh(y, rise, color=COLORS["KZ"], label="rise of exports to AM, GE, KZ, KG, UZ")
    for i, (f, r, share) in enumerate(
        zip(fall, rise, rows["rise_share_of_fall"].to_list(), strict=True)
    ):
        ax.annotate(
            f"{r:,.1f} ({share:.0%} of the fall)" if share is not None else f"{r:,.1f}",
            (r, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
        ax.annotate(
            f"{-f:,.0f}", (f, i), xytext=(-4, 0), textcoords="offset points", ha="right",
            va="center", fontsize=7,
        )  # fmt: skip
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    if fall:
        ax.set_xlim(min(fall) * 1.25, max([*rise, 1.0]) * 4)
    windows = f"{rows['post_window'][0]} vs {rows['pre_window'][0]}" if rows.height else "no data"
    ax.set_xlabel(f"EUR million, {windows}")
    ax.set_title("Top substituted CHPL HS6 lines: direct fall vs neighbours' rise", fontsize=11)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower left", frameon=False, fontsize=8)
    return _finish(
        fig,
        "Source: Eurostat Data Browser DS-045409, CN8 lines summed to HS6, 27 member states, EUR.",
    )


def render_chpl(chpl_monthly: pl.DataFrame, substitution: pl.DataFrame) -> dict[str, bytes]:
    """The two product-level charts, by file name."""
    return {
        "trade_chpl_exports_index.png": chpl_index_chart(chpl_monthly),
        "trade_chpl_substitution.png": substitution_chart(substitution),
    }
