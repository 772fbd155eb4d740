"""Shared building blocks: canonical tables, errors, safe XML, countries, dates."""
