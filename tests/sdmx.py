"""Real Easy Comext rows written in the SDMX-CSV layout of Eurostat's dissemination API.

No API response could be fetched here (no network), so the live-mode reader is tested on the
real values of the shipped downloads, re-written as the API would serve them: codes instead of
labels, Greece as EL, months as `2019-01`, flows 1/2.
"""

from __future__ import annotations

import polars as pl

SDMX_HEADER = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE,OBS_FLAG"


def as_sdmx(df: pl.DataFrame, conf_status: bool = False) -> bytes:
    lines = [SDMX_HEADER + (",CONF_STATUS" if conf_status else "")]
    for r in df.sort("source_file", "source_line").iter_rows(named=True):
        freq, period = (
            ("A", str(r["year"])) if r["month"] is None else ("M", f"{r['year']}-{r['month']:02d}")
        )
        reporter = "EL" if r["reporter_code"] == "GR" else r["reporter_code"]
        flow = "2" if r["flow"] == "export" else "1"
        value = f"{r['value_eur']:.0f}"
        lines.append(
            f"ESTAT:DS-045409(1.0),25/11/24 23:00:00,{freq},{reporter},{r['partner_code']},"
            f"TOTAL,{flow},VALUE_IN_EUROS,{period},{value}," + ("," if conf_status else "")
        )
    return ("\r\n".join(lines) + "\r\n").encode()
