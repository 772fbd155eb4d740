"""Cheap checks on raw bytes before a parser sees them: emptiness, HTML pages, encodings."""

from __future__ import annotations

import re

from core.errors import SourceFormatError

_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)


def refuse_html(name: str, data: bytes) -> None:
    """Refuse an HTML page served in place of data (portals answer errors with 200 + HTML)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf")
    if _HTML.match(head):
        raise SourceFormatError(name, "byte 0", "an HTML page was served instead of data")


def require_content(name: str, data: bytes) -> None:
    """Refuse an empty (or whitespace-only) payload."""
    blank = b" \t\r\n\x1a\x00\xef\xbb\xbf"
    # a first byte that is not blank settles it without copying a large payload
    if not (data and data[0] not in blank) and not data.strip(blank):
        raise SourceFormatError(name, "byte 0", "the file is empty")


def decode(name: str, data: bytes, encoding: str) -> str:
    """Decode strictly, naming the line and column of the first undecodable byte."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceFormatError(
            name,
            f"line {line}, column {column} (byte {exc.start})",
            f"not valid {encoding}: byte {data[exc.start : exc.start + 1]!r} — wrong encoding?",
        ) from exc


def check_payload(name: str, data: bytes) -> None:
    """The checks every text payload gets before parsing."""
    require_content(name, data)
    refuse_html(name, data)


def read_text(name: str, data: bytes, encoding: str = "utf-8") -> str:
    """A whole text payload: checked (`check_payload`), byte-order mark dropped, decoded
    strictly, and ending with a line break (else it was cut off: the last line is named)."""
    check_payload(name, data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    text = decode(name, body, encoding)
    if not text.endswith("\n"):
        raise SourceFormatError(
            name,
            f"line {text.count(chr(10)) + 1}",
            "file does not end with a line break: truncated?",
        )
    return text
