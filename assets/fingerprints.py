"""Fingerprints of the project's own code: a stored result holds only for the code that made it.

A staged parse is reused only by the same parser code (`parser_fingerprint`), a validation
pass only for the same Pandera models (`schema_fingerprint`); trade tables and reconciliation
tables record the `fingerprint` of the folders whose code built them.
"""

import hashlib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fingerprint(*folders: str) -> str:
    """Short hash of the Python sources in `folders` (relative to the project root)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted((ROOT / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def schema_fingerprint() -> str:
    """Hash of the Pandera models' source: a validation result holds only for the same models."""
    return fingerprint("schemas")


@cache
def parser_fingerprint() -> str:
    """Hash of the parsers' source: a staged parse is reused only by the same parser code."""
    return fingerprint("assets", "core", "ofac", "eu_fsf", "gb_fcdo", "gb_ofsi", "un_sc", "us_csl")
