"""OFAC's formats, shared by the SDN list and the consolidated (non-SDN) list.

One module per publisher format, each pure (bytes in, `ParseResult` out, no Dagster):
`legacy_csv` reads the legacy CSV set (SDN.CSV… / CONS_PRIM.CSV…) and `legacy_tables` builds
its canonical tables from whole columns, `classic_xml` reads the classic XML (SDN.XML /
CONSOLIDATED.XML) and `enhanced` the Enhanced XML (SDN_ENHANCED.XML, CONS_ENHANCED.ZIP), with
its features in `features` and its reference values in `reference`. The free-text remarks of
the legacy formats are read by `remarks`, through the label tables in `remark_labels`;
`remarks_frame` reads a whole column of them the same way with polars (the legacy CSV set).
`rows` holds the canonical rows the readers share, `constants` the authority, endpoint and the
legacy formats' vocabulary, and `lists` each list's file names with its parse entry points
(`SDN`, `CONS`). The Dagster side is `assets/us_ofac_sdn.py` and `assets/us_ofac_cons.py`, both
built by `assets/ofac.py`.
"""
