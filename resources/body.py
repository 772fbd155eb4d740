"""One response body, streamed: decoded by hand (bounded), timed, counted, hashed, and kept
in a temporary file (or in memory for a publication page, or nowhere for a probe).

Used by `resources.live.LiveFetcher`; nothing here holds a body whole unless asked to
(`Sink(memory=True)`), so a body of gigabytes costs the same memory as one of kilobytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from core.errors import FetchError
from resources.parts import new_part

if TYPE_CHECKING:  # httpx is imported where a fetch runs, not with the definitions
    import httpx


class Retry(Exception):
    """A failure of one attempt that another attempt may not meet (timeout, cut body)."""

    def __init__(self, message: str, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


@dataclass
class Partial:
    """A body cut short that its server can continue: the sink holding what came (its file
    open, its hash running) and the strong ETag naming the version being read. The next
    attempt asks for the rest (`Range`), only if that version is still the one served
    (`If-Range`); any other answer starts the body over."""

    sink: Sink
    etag: str

    def headers(self) -> dict[str, str]:
        return {"Range": f"bytes={self.sink.size}-", "If-Range": self.etag}

    def continued_by(self, response: httpx.Response) -> bool:
        """Whether a 206 answer holds this body's rest: from the byte where it was cut, of
        the same version, not re-encoded."""
        match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
        return (
            match is not None
            and int(match[1]) == self.sink.size
            and response.headers.get("etag") == self.etag
            and _encoding(response) in ("identity", "")
        )


_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _encoding(response: httpx.Response) -> str:
    return response.headers.get("content-encoding", "identity").strip().lower()


def resumable(response: httpx.Response, sink: Sink, etag: str | None = None) -> Partial | None:
    """The cut body as a `Partial` when its server can continue it: some bytes were kept in a
    file, the server serves byte ranges (`Accept-Ranges: bytes`, or it just answered one: pass
    that version's `etag`), sent the body unencoded (a range counts the bytes on the wire),
    and names the version by a strong ETag (a weak one may not ask for a range)."""
    ranges = etag is not None or response.headers.get("accept-ranges", "").lower() == "bytes"
    etag = etag or response.headers.get("etag")
    if (
        sink.path is None
        or sink.size == 0
        or not ranges
        or _encoding(response) not in ("identity", "")
        or not etag
        or etag.startswith("W/")
    ):
        return None
    return Partial(sink, etag)


@dataclass(frozen=True)
class Body:
    """A body read whole: its sha256 and size, its first bytes, and where it was kept."""

    sha256: str
    size: int
    head: bytes  # the first `_HEAD` bytes, for the empty / HTML checks
    content: bool  # holds a byte besides blanks (what `core.sniff.require_content` looks for)
    path: Path | None  # the temporary file holding it, if kept on disk
    data: bytes | None  # the bytes, if kept in memory (publication pages only)


_HEAD = 64 * 1024
_BLANK = b" \t\r\n\x1a\x00\xef\xbb\xbf"  # as `core.sniff.require_content` strips


class Sink:
    """Where one attempt's body goes while it streams: counted and hashed, and kept in a
    temporary file under `folder`, in memory (`memory`: publication pages, bounded by
    `PAGE_MAX_BYTES`), or nowhere (a probe only needs the sha256)."""

    def __init__(self, folder: Path | None, memory: bool = False) -> None:
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = bytearray()
        self.content = False
        self.memory = bytearray() if memory else None
        self.path: Path | None = None
        self.file: BinaryIO | None = None
        self.closed = False  # finished or discarded: written no more
        if folder is not None:
            fd, self.path = new_part(folder)  # named after this process (`resources/parts.py`)
            self.file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.digest.update(data)
        if len(self.head) < _HEAD:
            self.head += data[: _HEAD - len(self.head)]
        if not self.content and data.strip(_BLANK):
            self.content = True
        if self.memory is not None:
            self.memory += data
        if self.file is not None:
            self.file.write(data)

    def finish(self) -> Body:
        """The body, its file flushed to disk (fsync: it is renamed into the archive as is)."""
        self.closed = True
        if self.file is not None:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
        data = bytes(self.memory) if self.memory is not None else None
        return Body(
            self.digest.hexdigest(), self.size, bytes(self.head), self.content, self.path, data
        )

    def discard(self) -> None:
        """A failed attempt leaves no file behind."""
        self.closed = True
        if self.file is not None:
            self.file.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def read_body(
    url: str,
    response: httpx.Response,
    limit: int,
    deadline: float,
    deadline_seconds: float,
    sink: Sink,
    min_rate: float = 0.0,
) -> None:
    """Stream the body into `sink`: decompressed by hand (bounded), timed, checked against
    its length. Past `deadline` the body is refused unless it still arrives at `min_rate`
    bytes a second or more on average since `deadline - deadline_seconds` (the attempt's
    start)."""
    import httpx

    encoding = _encoding(response)
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise FetchError(url, f"unsupported Content-Encoding {encoding!r}", "encoding")
    inflater = Inflater(url, encoding, limit) if encoding not in ("identity", "") else None
    declared = response.headers.get("content-length")
    expected = int(declared) if declared and declared.isdigit() else None
    received = 0

    def write(data: bytes) -> None:
        try:
            sink.write(data)
        except OSError as exc:  # a full disk: not worth retrying at once
            raise FetchError(url, f"cannot store the body in {sink.path}: {exc}", "disk") from exc

    try:
        for chunk in response.iter_raw():
            received += len(chunk)
            now = time.monotonic()
            if now > deadline and received < min_rate * (now - deadline + deadline_seconds):
                floor = f" (under {min_rate:,.0f} bytes/s)" if min_rate else ""
                raise Retry(
                    f"deadline of {deadline_seconds:g} s passed after {received} bytes"
                    f" of {expected if expected is not None else 'an unknown number'}{floor}",
                    "deadline",
                )
            if inflater is not None:
                inflater.feed(chunk, write)
            else:
                write(chunk)
            if sink.size > limit:
                raise FetchError(
                    url,
                    f"too large: more than {limit:,} bytes after decompression (the limit of this file)",
                    "too_large",
                )
    except httpx.RemoteProtocolError as exc:
        raise Retry(cut_message(expected, received, str(exc)), "cut") from exc
    if expected is not None and received != expected:
        raise Retry(cut_message(expected, received, "connection ended"), "cut")
    if inflater is not None:
        inflater.finish()


def cut_message(expected: int | None, received: int, detail: str) -> str:
    declared = f"Content-Length {expected:,} bytes" if expected is not None else "a chunked body"
    return f"body cut short: {declared}, received {received:,} ({detail})"


_PIECE = 1 << 20


class Inflater:
    """gzip/deflate decoding whose output is bounded by `limit` however small the input."""

    def __init__(self, url: str, encoding: str, limit: int) -> None:
        self.url = url
        self.encoding = "deflate" if encoding == "deflate" else "gzip"
        self.wbits = 15 if self.encoding == "deflate" else 31
        self.limit = limit
        self.made = 0  # bytes of output so far
        self.decoder = zlib.decompressobj(self.wbits)

    def feed(self, data: bytes, write: Callable[[bytes], None]) -> None:
        while data:
            if self.decoder.eof:  # a further gzip member follows
                self.decoder = zlib.decompressobj(self.wbits)
            try:
                # never more than one byte past the limit, nor over 1 MiB, per call: a bomb
                # stops here
                piece = self.decoder.decompress(data, min(self.limit - self.made + 1, _PIECE))
            except zlib.error as exc:
                raise FetchError(
                    self.url,
                    f"bad {self.encoding} body at output byte {self.made:,}: {exc}",
                    "encoding",
                ) from exc
            self.made += len(piece)
            write(piece)
            if self.made > self.limit:
                return
            data = self.decoder.unused_data if self.decoder.eof else self.decoder.unconsumed_tail

    def finish(self) -> None:
        if not self.decoder.eof:
            raise FetchError(
                self.url,
                f"bad {self.encoding} body: the compressed stream is incomplete",
                "encoding",
            )
