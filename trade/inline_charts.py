"""Charts small enough to show inline on an asset's page in the Dagster UI.

Dagster 1.13 renders a markdown metadata value inline only when it is shorter than 1,000
characters (longer ones hide behind "[Show Markdown]"), and its sanitizer allows `data:` image
sources. A horizontal bar chart of a handful of countries, written as a minimal SVG (one path
for all bars, one text per bar: its label and value) and base64-encoded, fits: `bar_chart_markdown` refuses to return
one that does not, rather than let the UI hide it. The full matplotlib charts (trade/charts.py)
stay as PNG files in every published version.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

INLINE_LIMIT = 1000  # characters: Dagster's MetadataEntry renders shorter markdown inline
WIDTH, BAR, GAP, LEFT, TOP = 240, 11, 4, 44, 16


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value < 10 else f"{value:.1f}"


def bar_chart_svg(title: str, values: Mapping[str, float], reference: float | None) -> str:
    """Horizontal bars (label → value, in the given order), a vertical line at `reference`."""
    if not values:
        raise ValueError(f"{title}: no values to chart")
    top = max([*values.values(), reference or 0.0])
    scale = (WIDTH - LEFT - 4) / top if top > 0 else 0.0
    bars, labels = [], []
    for i, (label, value) in enumerate(values.items()):
        y = TOP + i * (BAR + GAP)
        bars.append(f"M{LEFT} {y}h{max(round(value * scale), 1)}v{BAR}H{LEFT}z")
        labels.append(f'<text y="{y + 9}">{label} {_number(value)}</text>')
    height = TOP + len(values) * (BAR + GAP) + 2
    rule = ""
    if reference is not None:
        x = LEFT + round(reference * scale)
        rule = f'<path d="M{x} {TOP - 3}V{height}" stroke="#000"/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="9"><text y="9">{title}</text>'
        f'<path d="{"".join(bars)}" fill="#2471a3"/>{rule}{"".join(labels)}</svg>'
    )


def bar_chart_markdown(title: str, values: Mapping[str, float], reference: float | None) -> str:
    """The chart as a markdown image with a `data:` URI, under Dagster's inline limit."""
    svg = bar_chart_svg(title, values, reference)
    encoded = base64.b64encode(svg.encode()).decode()
    markdown = f"![{title}](data:image/svg+xml;base64,{encoded})"
    if len(markdown) >= INLINE_LIMIT:
        raise ValueError(
            f"inline chart {title!r} is {len(markdown)} characters: Dagster shows markdown of "
            f"{INLINE_LIMIT} or more only behind [Show Markdown]; chart fewer bars"
        )
    return markdown
