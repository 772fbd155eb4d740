"""Trade data for circumvention analysis: pure parsers, indicators and charts.

Sources: Eurostat Comext (`eurostat_comext`), UN Comtrade (`un_comtrade`), CEPII BACI
(`cepii_baci`), IMF goods trade by partner (`imf_imts`); reference tables `hs_codes` and
`chpl_codes`. Every module here is pure (bytes or frames in, frames out); the Dagster assets in
`assets/trade.py` fetch, archive and store.
"""
