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
    """A fetch that did not yield a usable payload: names the URL and the cause.

    `cause` classifies it for callers and tests: `http` (an HTTP status), `timeout`,
    `deadline`, `transport`, `cut` (body shorter than its Content-Length), `too_large`,
    `encoding` (bad gzip/deflate), `redirect` (refused or looping), `refused` (a target
    the fetcher will not contact), `html`, `not_found_on_page`, or `fetch` (anything else).
    """

    def __init__(self, url: str, message: str, cause: str = "fetch") -> None:
        self.url = url
        self.message = message
        self.cause = cause
        super().__init__(f"{url}: {message}")
