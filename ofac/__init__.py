"""OFAC formats shared by the SDN list and the consolidated (non-SDN) list.

One module per publisher format, each pure (bytes in, `ParseResult` out, no Dagster):
`enhanced` reads the Enhanced XML (SDN_ENHANCED.XML, CONS_ENHANCED.ZIP) with its reference
values and feature types in `reference`. The legacy CSV and classic XML parsers still live in
`assets/ofac.py` and `assets/ofac_remarks.py`.
"""
