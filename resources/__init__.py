"""Dagster resources: fetcher (live or snapshot), data directory, staging and warehouse."""
