"""Pandera polars models: the data dictionary and the validation of every table."""
