"""Inline charts: a valid SVG under Dagster's 1,000-character inline limit, bars in proportion,
each labelled with its value; a chart that would not fit is refused, not hidden."""

from __future__ import annotations

import base64
import re

import pytest
from lxml import etree

from trade.inline_charts import INLINE_LIMIT, bar_chart_markdown

# EU exports 2023 / 2021 of all goods, from the shipped Comext snapshot (the trade_indicators
# asset's `eu_exports_2023_vs_2021` metadata on a run of the shipped snapshots)
RATIOS = {
    "RU": 0.4281929246264921, "KZ": 2.20701839832387, "KG": 10.38509650802849,
    "AM": 2.8539679663095847, "GE": 1.7714156412643818, "AE": 1.3023758556048668,
    "TR": 1.408201001668984,
}  # fmt: skip


def svg_of(markdown: str) -> etree._Element:
    match = re.fullmatch(r"!\[[^\]]*\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert match, markdown[:80]
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(base64.b64decode(match.group(1)), parser)


def test_chart_fits_inline_and_says_every_value() -> None:
    markdown = bar_chart_markdown("EU exports 2023 / 2021", RATIOS, reference=1.0)
    assert len(markdown) < INLINE_LIMIT
    svg = svg_of(markdown)
    ns = {"s": "http://www.w3.org/2000/svg"}
    texts = [t.text for t in svg.findall("s:text", ns)]
    assert texts == [
        "EU exports 2023 / 2021", "RU 0.43", "KZ 2.21", "KG 10.4", "AM 2.85", "GE 1.77",
        "AE 1.3", "TR 1.41",
    ]  # fmt: skip
    bars, rule = (p.get("d") for p in svg.findall("s:path", ns))
    widths = [int(w) for w in re.findall(r"h(\d+)v", bars)]
    assert len(widths) == 7
    # in proportion: Kyrgyzstan's bar is the longest, 10.385 / 2.207 times Kazakhstan's
    assert widths.index(max(widths)) == 2
    assert widths[2] / widths[1] == pytest.approx(10.385 / 2.207, rel=0.03)
    # the 2021 level (1.0) is drawn where a bar of 1.0 would end
    assert int(re.match(r"M(\d+) ", rule).group(1)) - 44 == pytest.approx(widths[2] / 10.385, abs=1)


def test_chart_too_long_for_inline_is_refused() -> None:
    many = {f"C{i:02d}": float(i + 1) for i in range(30)}
    with pytest.raises(ValueError, match=r"characters: Dagster shows markdown of 1000 or more"):
        bar_chart_markdown("thirty countries", many, reference=1.0)
    with pytest.raises(ValueError, match="no values"):
        bar_chart_markdown("empty", {}, reference=None)
