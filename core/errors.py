"""Errors that name the file and the place, so a bad payload is easy to find and report."""

from __future__ import annotations


class SourceFormatError(ValueError):
    """A payload that cannot be taken as data: names the file and where in it the problem is."""

    def __init__(self, file: str, location: str, message: str) -> None:
        self.file = file
        self.location = location
        self.message = message
        super().__init__(f"{file} at {location}: {message}")


class FetchError(RuntimeError):
    """A fetch that did not yield a usable payload (HTTP error, timeout, HTML instead of data)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        super().__init__(f"{url}: {message}")
