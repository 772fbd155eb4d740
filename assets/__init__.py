"""Dagster assets: one module per list, the shared format parsers, and consolidation."""
