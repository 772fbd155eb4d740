"""A real HTTP server on 127.0.0.1 for fetcher tests, scripted per path.

Files under `root` are served by mode, the first segment of the path:

- `/ok/<file>`: the file with ETag and Last-Modified; 304 to a matching `If-None-Match`.
- `/flaky/<file>`: 500 the first time, then 200. `/gone/<file>`: 404.
- `/slow/<file>`: sleeps `slow_seconds` before answering.
- `/html/<file>`, `/htmlcsv/<file>`: an HTML error page with 200.
- `/api/download/<file>`: 302 to `/published/<file>?X-Amz-…`, as OFAC's documented download
  endpoint answers (a short-lived signed URL on its bucket); `/published/<file>` serves it.
- `/cut/<file>`: the full `Content-Length`, but the connection closes after `cut_at` bytes.
- With `ranges` on, files served as by `/ok/` answer `Accept-Ranges: bytes` and a `Range:
  bytes=N-` request (with a matching `If-Range`, if any) with 206 and the rest; a path in `cut`
  is then cut `cut_at` bytes into each answer.
- `/gzip/<file>`: the file with `Content-Encoding: gzip`.
- `/huge/<anything>`: a generated body of `huge_bytes` (3 GiB by default), written 1 MiB at a
  time and never held in memory; `sent` counts what went out before the client hung up.
- `/bomb/<anything>`: `bomb` (gzip of `BOMB_EXPANDED` zero bytes) with `Content-Encoding: gzip`.
- `/badgzip/<anything>`: `Content-Encoding: gzip` over bytes that are not gzip.
- `/trickle/<file>`: the file `trickle_chunk` bytes (one by default) every `trickle_seconds`
  (slow-loris; larger chunks: a slow but steady link).

Besides the modes, tests script exact paths: `files` (path → file served as by `/ok/`),
`redirects` (path → Location), `pages` (path → HTML), `cut` (paths served cut short after
`cut_at` bytes). With `waf` on, every request whose User-Agent does not begin with `Mozilla/`
and a digit, or is shorter than 40 characters, gets 403, as OFAC's firewall answers since
2026-07-30.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resources.live import LiveFetcher

LAST_MODIFIED = "Thu, 28 Dec 2023 18:43:24 GMT"
WAF_RULE = re.compile(r"^Mozilla/\d")
RANGE = re.compile(r"bytes=(\d+)-")  # the one form of `Range` the fetcher sends
WAF_MIN_LENGTH = 40
MIB = 1 << 20
BOMB_EXPANDED = 1 << 30  # 1 GiB of zeros, about 1 MB compressed
CONTENT_TYPES = {
    ".xml": "application/xml",
    ".csv": "text/csv",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@cache
def gzip_bomb(expanded: int = BOMB_EXPANDED) -> bytes:
    """A valid gzip member of `expanded` zero bytes, built from one repeated deflate block.

    After a full flush the compressor starts afresh, so every 1 MiB of zeros compresses to the
    same bytes: the block is computed once and repeated (seconds faster than compressing 1 GiB).
    """
    assert expanded % MIB == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush(zlib.Z_FINISH)
    crc = 0
    zeros = bytes(MIB)
    for _ in range(expanded // MIB):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = crc.to_bytes(4, "little") + (expanded % (1 << 32)).to_bytes(4, "little")
    return header + block * (expanded // MIB) + final + trailer


def huge_chunks(size: int) -> Iterator[bytes]:
    """The `/huge/` body of `size` bytes, 1 MiB at a time (CSV-like rows, never held whole):
    a test hashes the same chunks to know the sha256 of what was served."""
    row = b'"1","NAME","-0-","PROGRAM","-0-","-0-","-0-","-0-","-0-","-0-","-0-","-0-"\r\n'
    chunk = row * (MIB // len(row))
    left = size
    while left > 0:
        piece = chunk[:left]
        yield piece
        left -= len(piece)


class Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.requests: list[dict[str, str]] = []
        self.sent: Counter[str] = Counter()
        self.slow_seconds = 3.0
        self.trickle_seconds = 0.05
        self.trickle_chunk = 1  # bytes written between two pauses of `trickle_seconds`
        self.cut_at = 2_000_000
        self.huge_bytes = 3 << 30
        self.waf = False
        self.files: dict[str, Path] = {}
        self.redirects: dict[str, str] = {}
        self.pages: dict[str, bytes] = {}
        self.cut: set[str] = set()
        self.ranges = False  # serve byte ranges of `_file` bodies (`Range`, `If-Range`)
        self.on_request: Callable[[], None] | None = None  # called as each request arrives
        self.httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            headers: dict[str, str] | None = None,
            cut_at: int | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if cut_at is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if body:
                self._write(body if cut_at is None else body[:cut_at])

        def _write(self, data: bytes) -> bool:
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
                return False
            server.sent[self.path] += len(data)
            return True

        def _file(self, path: Path, url_path: str, gzipped: bool = False) -> None:
            if not path.is_file():
                self._send(404, b"not found", "text/plain")
                return
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", "text/plain", {"ETag": etag})
                return
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
            if path.suffix == ".gz":  # a gzip copy of a download: served as the publisher would
                headers["Content-Encoding"] = "gzip"
                content_type = CONTENT_TYPES.get(Path(path.stem).suffix, content_type)
            elif gzipped:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            cut_at = server.cut_at if url_path in server.cut else None
            if server.ranges and not gzipped and "Content-Encoding" not in headers:
                headers["Accept-Ranges"] = "bytes"
                wanted = RANGE.fullmatch(self.headers.get("Range", ""))
                if wanted and self.headers.get("If-Range", etag) == etag:
                    start = int(wanted[1])
                    headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
                    self._send(206, body[start:], content_type, headers, cut_at)
                    return
            self._send(200, body, content_type, headers, cut_at)

        def do_GET(self) -> None:
            server.hits[self.path] += 1
            server.requests.append(
                {"path": self.path, **{k.lower(): v for k, v in self.headers.items()}}
            )
            if server.on_request is not None:
                server.on_request()
            agent = self.headers.get("User-Agent", "")
            if server.waf and (not WAF_RULE.match(agent) or len(agent) < WAF_MIN_LENGTH):
                self._send(403, b"<html><body>Request Rejected</body></html>", "text/html")
                return
            url_path = self.path.split("?", 1)[0]
            if url_path in server.redirects:
                self._send(302, b"", "text/plain", {"Location": server.redirects[url_path]})
                return
            if url_path in server.pages:
                self._send(200, server.pages[url_path], "text/html; charset=utf-8")
                return
            if url_path in server.files:
                self._file(server.files[url_path], url_path)
                return
            mode, _, name = url_path.lstrip("/").partition("/")
            if mode == "api" and name.startswith("download/"):
                file = name.removeprefix("download/")
                signed = "X-Amz-Expires=3600&X-Amz-Signature=" + "0" * 64
                self._send(302, b"", "text/plain", {"Location": f"/published/{file}?{signed}"})
                return
            if mode == "huge":
                self._huge()
                return
            if mode == "bomb":
                self._send(200, gzip_bomb(), "text/csv", {"Content-Encoding": "gzip"})
                return
            if mode == "badgzip":
                self._send(200, b"this is not gzip " * 64, "text/csv", {"Content-Encoding": "gzip"})
                return
            path = server.root / name
            if mode in ("ok", "published"):
                self._file(path, url_path)
            elif mode == "gzip":
                self._file(path, url_path, gzipped=True)
            elif not path.is_file():
                self._send(404, b"not found", "text/plain")
            elif mode == "cut":
                self._send(200, path.read_bytes(), "text/csv", cut_at=server.cut_at)
            elif mode == "trickle":
                self._trickle(path.read_bytes())
            elif mode == "html":
                self._send(
                    200,
                    b"<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>",
                    "text/html; charset=utf-8",
                )
            elif mode == "htmlcsv":
                self._send(200, b"<html><body>Error</body></html>", "text/csv")
            elif mode == "flaky" and server.hits[self.path] == 1:
                self._send(500, b"internal error", "text/plain")
            elif mode == "flaky":
                self._file(path, url_path)
            elif mode == "slow":
                time.sleep(server.slow_seconds)
                self._send(200, path.read_bytes(), "text/csv")
            else:  # `gone`, and any path not scripted
                self._send(404, b"not found", "text/plain")

        def _huge(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(server.huge_bytes))
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            for chunk in huge_chunks(server.huge_bytes):
                if not self._write(chunk):
                    return

        def _trickle(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            step = server.trickle_chunk
            for offset in range(0, len(body), step):
                if not self._write(body[offset : offset + step]):
                    return
                time.sleep(server.trickle_seconds)

    return Handler


class _Httpd(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up (the fetcher refusing a body) is expected, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serving(httpd: HTTPServer) -> Iterator[HTTPServer]:
    """Run `httpd.serve_forever` in a daemon thread until the block ends, then shut it down
    and close its socket."""
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@contextmanager
def serve(root: Path) -> Iterator[Server]:
    """Serve `root` on an ephemeral port of 127.0.0.1 until the block ends."""
    server = Server(root)
    server.httpd = _Httpd(("127.0.0.1", 0), _handler(server))
    server.httpd.daemon_threads = True
    with serving(server.httpd):
        yield server


def fast_fetcher(**overrides: object) -> LiveFetcher:
    """A live fetcher for the local server: http on 127.0.0.1, short timeouts and backoff."""
    from resources.live import LiveFetcher

    settings: dict[str, object] = {
        "timeout_seconds": 0.5,
        "connect_timeout_seconds": 0.5,
        "max_attempts": 3,
        "backoff_seconds": 0.01,
        "allow_loopback_http": True,  # the test server is http on 127.0.0.1
    }
    return LiveFetcher(**{**settings, **overrides})
