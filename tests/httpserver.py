"""A real HTTP server on 127.0.0.1 for fetcher tests, scripted per path.

Paths: `/ok/<file>` serves the file with ETag and Last-Modified and answers 304 to a matching
conditional request; `/flaky/<file>` answers 500 the first time, then 200; `/slow/<file>`
sleeps longer than the client's timeout; `/html/<file>` serves an HTML error page with 200.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LAST_MODIFIED = "Thu, 28 Dec 2023 18:43:24 GMT"


class Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.requests: list[dict[str, str]] = []
        self.slow_seconds = 3.0
        self.httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _send(
            self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            server.hits[self.path] += 1
            server.requests.append(
                {"path": self.path, **{k.lower(): v for k, v in self.headers.items()}}
            )
            mode, _, name = self.path.lstrip("/").partition("/")
            path = server.root / name
            if not path.is_file():
                self._send(404, b"not found", "text/plain")
                return
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if mode == "html":
                self._send(
                    200,
                    b"<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>",
                    "text/html; charset=utf-8",
                )
            elif mode == "htmlcsv":
                self._send(200, b"<html><body>Error</body></html>", "text/csv")
            elif mode == "flaky" and server.hits[self.path] == 1:
                self._send(500, b"internal error", "text/plain")
            elif mode == "slow":
                time.sleep(server.slow_seconds)
                self._send(200, body, "text/csv")
            elif mode == "gone":
                self._send(404, b"not found", "text/plain")
            elif self.headers.get("If-None-Match") == etag:
                self._send(304, b"", "text/csv", {"ETag": etag})
            else:
                self._send(200, body, "text/csv", {"ETag": etag, "Last-Modified": LAST_MODIFIED})

    return Handler


@contextmanager
def serve(root: Path) -> Iterator[Server]:
    """Serve `root` on an ephemeral port of 127.0.0.1 until the block ends."""
    server = Server(root)
    server.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.httpd.daemon_threads = True
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
