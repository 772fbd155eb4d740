"""The live fetcher: the publishers' official URLs over HTTP, streamed, bounded and retried.

`LiveFetcher` implements `resources.fetcher.Fetcher`; what it returns (`Payload`, `Probe`) and
the file descriptions it reads (`FileSpec`) are defined there, beside the snapshot fetcher.
A body is never held whole in memory: it streams into a temporary file (`Sink`), hashed and
counted as it is written, and the payload names that file.
"""

from __future__ import annotations

import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from dagster import get_dagster_logger

from core.errors import FetchError, SourceFormatError
from core.sniff import refuse_html, require_content
from resources import publishers
from resources.addresses import allowed_hosts, check_target
from resources.body import Body, Partial, Retry, Sink, read_body, resumable
from resources.fetcher import (
    DEFAULT_USER_AGENT,
    Fetcher,
    FileSpec,
    Payload,
    PreviousFetch,
    Probe,
    file_digest,
)

if TYPE_CHECKING:  # httpx and lxml are imported where a fetch runs, not with the definitions
    import httpx


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: Body | None  # a 200's body
    final_url: str
    conditional: bool

    def discard(self) -> None:
        if self.body is not None and self.body.path is not None:
            self.body.path.unlink(missing_ok=True)


class LiveFetcher(Fetcher):
    """Fetches the official URLs: streamed, bounded, on publisher hosts only, with retries.

    - Every body is streamed to a temporary file in `fetch`'s `folder` (the source's raw
      archive folder: archiving it is a rename), hashed and counted after HTTP decompression
      (gzip, deflate) as it is written; only its first 64 KiB stay in memory (for the checks
      below). Past the file's limit (`FileSpec.max_bytes`, else
      `resources.publishers.MAX_BYTES` of the source) it is refused, so neither a huge body nor
      a gzip bomb fills the disk, and memory holds the same whatever the file's size.
    - A body whose length disagrees with its `Content-Length` (cut short by the server or a
      proxy) is refused; it never becomes a payload.
    - Each attempt has an overall deadline (`deadline_seconds`), besides the per-read
      `timeout_seconds`, so a body trickled slowly is refused too. Past it, an attempt whose
      average rate is still at least `min_bytes_per_second` goes on (a multi-GB release on an
      ordinary link); for the lists' files this changes nothing (see the field).
    - Redirects are followed by hand, at most `max_redirects`, only to https URLs on the
      source's publisher hosts (`resources.publishers.HOSTS`); the URL finally read is
      recorded in the payload. Private, loopback, link-local (169.254.169.254) and other
      special addresses are never contacted, nor any scheme but https. `allow_loopback_http`
      lifts this for loopback (and plain http to it) only: it is for tests on 127.0.0.1.
    - A 5xx answer, 429, a timeout, a dropped connection or a cut body is retried up to
      `max_attempts` times with exponential backoff; a failed attempt's temporary file is
      removed. A body cut short by a server that serves byte ranges, unencoded and named by a
      strong ETag, is resumed where it was cut (`Range`, with `If-Range` so that a file
      replaced meanwhile is sent whole again, never spliced); its hash runs on. A 304 reuses
      the archived copy once its sha256 is verified, hashed in blocks (a damaged archive is
      fetched again unconditionally); an HTML page served with status 200 is refused rather
      than parsed as data.
    - A file with a `page` (the UK list's gov.uk publication page) whose direct URL fails is
      looked up on that page by file type, and the URL found there is fetched and recorded.

    The User-Agent is `user_agent` (environment `SANCTIONS_USER_AGENT` through
    `definitions.fetcher_from_env`). OFAC's firewall refuses any that does not begin with
    `Mozilla/` and a digit or is shorter than 40 characters; the default passes.
    Every failure is a `FetchError` naming the URL and the cause.
    """

    timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 15.0
    # The largest file (OFAC's SDN.XML, ≈ 29 MB) takes about 4 minutes at 1 Mbit/s, and the EU
    # generates its files on request in over a minute: 600 s is twice the slowest plausible
    # honest download. Per attempt, from the request to the body's last byte.
    deadline_seconds: float = 600.0
    # Past the deadline, an attempt still flowing at this average rate or faster goes on, so a
    # multi-GB trade release (a BACI zip, ~2 GB) is not cut on an ordinary link, while a trickle
    # is. 0 means the rate at which the largest whole-source limit
    # (`publishers.DEFAULT_MAX_BYTES`, 290 MB) arrives within the deadline (≈ 0.48 MB/s): a file
    # under such a limit, past the deadline at that rate, is over its limit anyway, so for it
    # the deadline is what it was; only the files allowed more (SDN_ENHANCED.XML, ~1 GB, and the
    # BACI release) get the extension.
    min_bytes_per_second: float = 0.0
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 60.0
    # OFAC's download answers one redirect (to its bucket); five leaves room and stops loops.
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    url_overrides: dict[str, str] = {}
    # publication page per source, replacing `FileSpec.page` (tests point it at a local server)
    page_overrides: dict[str, str] = {}
    # tests only: contact loopback addresses (over plain http too); link-local, private and
    # other hosts stay refused
    allow_loopback_http: bool = False

    @property
    def mode(self) -> str:
        return "live"

    def fetch(
        self,
        source: str,
        spec: FileSpec,
        previous: PreviousFetch | None,
        folder: Path | None = None,
    ) -> Payload | None:
        url = self.url_overrides.get(f"{source}/{spec.name}", spec.url)
        page = self.page_overrides.get(source, spec.page)
        allowed = allowed_hosts(source, spec, url, page)
        into = folder if folder is not None else Path(tempfile.gettempdir())
        try:
            return self._fetch_file(source, spec, url, allowed, previous, into)
        except FetchError as direct_error:
            if page is None:
                raise
            get_dagster_logger().warning(
                f"{direct_error}; looking for {spec.name} on the publication page {page}"
            )
            link = self._link_instead(page, spec, allowed, url, direct_error)
            try:
                payload = self._fetch_file(
                    source, spec, link, allowed, previous, into, found_on=page
                )
            except FetchError as exc:
                raise FetchError(
                    link,
                    f"{exc.message} (link found on {page} after the direct URL failed: "
                    f"{direct_error})",
                    exc.cause,
                ) from exc
            if payload is not None:
                get_dagster_logger().info(f"{spec.name}: fetched from {link}, found on {page}")
            return payload

    def probe(self, source: str, spec: FileSpec, previous: PreviousFetch | None) -> Probe:
        """One conditional GET (If-None-Match / If-Modified-Since from `previous`), no retries.

        A 304 costs no body. A publisher ignoring the condition still answers its ETag or
        Last-Modified, compared with `previous`'s; only a file served with neither is read
        whole (streamed and hashed, nothing kept) and its sha256 compared. Redirects, hosts,
        size limits and addresses are checked as for `fetch`. A failure raises `FetchError`
        (the sensor reports it and tries again at its next tick; the fetch itself retries, this
        check does not).

        The file is asked where `fetch` would read it: when the direct URL fails (or answers
        404 for a required file) and the source has a publication page, the link the page
        gives is asked instead, as `fetch` falls back to it (the FCDO's moved files).
        """
        url = self.url_overrides.get(f"{source}/{spec.name}", spec.url)
        page = self.page_overrides.get(source, spec.page)
        allowed = allowed_hosts(source, spec, url, page)
        try:
            found = self._probe_url(source, spec, url, allowed, previous)
            if page is None or found.token != "absent" or not spec.required:
                return found
            direct_error = FetchError(url, "HTTP 404", "http")
        except FetchError as exc:
            if page is None:
                raise
            direct_error = exc
        link = self._link_instead(page, spec, allowed, url, direct_error)
        return self._probe_url(source, spec, link, allowed, previous)

    def _link_instead(
        self, page: str, spec: FileSpec, allowed: frozenset[str], url: str, direct_error: FetchError
    ) -> str:
        """The link to `spec` on the publication `page`, read when its direct `url` failed
        with `direct_error` (fetch and probe alike); a page linking to that same URL raises."""
        link = self._find_on_page(page, spec, allowed, direct_error)
        if link == url:
            raise FetchError(
                url,
                f"{direct_error.message}; the publication page {page} links to this same URL",
                direct_error.cause,
            ) from direct_error
        return link

    def _probe_url(
        self,
        source: str,
        spec: FileSpec,
        url: str,
        allowed: frozenset[str],
        previous: PreviousFetch | None,
    ) -> Probe:
        import httpx

        limit = spec.max_bytes or publishers.max_bytes(source, spec.name)
        conditional = _conditional(previous)
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip", **conditional}
        read = min(self.timeout_seconds, self.deadline_seconds)
        timeout = httpx.Timeout(read, connect=min(self.connect_timeout_seconds, read))
        try:
            with httpx.Client(
                timeout=timeout, follow_redirects=False, headers=headers, verify=_tls()
            ) as client:
                answer = self._attempt(
                    client, url, allowed, limit, bool(conditional), lambda: Sink(None)
                )
        except Retry as exc:
            raise FetchError(url, str(exc), exc.cause) from exc
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}", "fetch") from exc
        if answer.status in (404, 410):
            return Probe(spec.name, previous is not None, "absent")
        if answer.status == 304 and previous is not None and answer.conditional:
            return Probe(spec.name, False, previous.etag or previous.last_modified or "304")
        if answer.status != 200:
            raise FetchError(url, f"HTTP {answer.status}", "http")
        etag, modified = answer.headers.get("etag"), answer.headers.get("last-modified")
        assert answer.body is not None
        if previous is None:
            return Probe(spec.name, True, etag or modified or answer.body.sha256)
        if etag and previous.etag:
            return Probe(spec.name, etag != previous.etag, etag)
        if modified and previous.last_modified:
            return Probe(spec.name, modified != previous.last_modified, modified)
        sha = answer.body.sha256
        return Probe(spec.name, sha != previous.sha256, sha)

    # --- one file ------------------------------------------------------------------------
    def _fetch_file(
        self,
        source: str,
        spec: FileSpec,
        url: str,
        allowed: frozenset[str],
        previous: PreviousFetch | None,
        folder: Path,
        found_on: str | None = None,
    ) -> Payload | None:
        limit = spec.max_bytes or publishers.max_bytes(source, spec.name)

        def keep() -> Sink:
            return Sink(folder)

        answer = self._download(url, allowed, limit, _conditional(previous), keep)
        if answer.status == 304:
            reused = _verified(previous) if answer.conditional else None
            if reused is not None and previous is not None:
                return self._not_modified(source, spec, url, previous, answer, reused, found_on)
            if not answer.conditional:
                raise FetchError(url, "HTTP 304 to an unconditional request", "http")
            get_dagster_logger().warning(
                f"{url}: HTTP 304, but the archived copy {previous.path if previous else '?'} "
                "does not match its recorded sha256: fetching it again unconditionally"
            )
            answer = self._download(url, allowed, limit, {}, keep)
            if answer.status == 304:
                raise FetchError(url, "HTTP 304 to an unconditional request", "http")
        if answer.status in (404, 410):
            if not spec.required:
                get_dagster_logger().info(
                    f"{url}: HTTP {answer.status}; optional file not published"
                )
                return None
            raise FetchError(url, f"HTTP {answer.status}", "http")
        return self._payload(source, spec, url, answer, found_on)

    def _download(
        self,
        url: str,
        allowed: frozenset[str],
        limit: int,
        conditional: dict[str, str],
        keep: Callable[[], Sink],
    ) -> _Answer:
        """GET `url` with retries; returns a 200, a 304 or a 404/410, else raises FetchError.

        Each attempt streams a 200's body into a new `keep()`, removed if the attempt fails."""
        import httpx

        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip", **conditional}
        # the per-read timeout never exceeds the deadline, so a stalled read ends by it too
        read = min(self.timeout_seconds, self.deadline_seconds)
        timeout = httpx.Timeout(read, connect=min(self.connect_timeout_seconds, read))
        log = get_dagster_logger()
        last_error = "no attempt made"
        last_cause = "fetch"
        partial: Partial | None = None  # a body cut short, resumed by the next attempt
        try:
            with httpx.Client(timeout=timeout, follow_redirects=False, headers=headers) as client:
                for attempt in range(1, self.max_attempts + 1):
                    try:
                        answer = self._attempt(
                            client, url, allowed, limit, bool(conditional), keep, partial
                        )
                    except (Retry, httpx.TimeoutException, httpx.TransportError) as exc:
                        partial = _carried(exc, partial)
                        last_error, last_cause = (
                            (str(exc), exc.cause) if isinstance(exc, Retry)
                            else (f"timed out ({type(exc).__name__})", "timeout")
                            if isinstance(exc, httpx.TimeoutException)
                            else (f"transport error: {exc}", "transport")
                        )  # fmt: skip
                    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # anything else httpx raises
                        partial = _carried(exc, partial)
                        raise FetchError(url, f"{type(exc).__name__}: {exc}", "fetch") from exc
                    except BaseException as exc:
                        partial = _carried(exc, partial)
                        raise
                    else:
                        if answer.status == 200:
                            partial = None  # taken up by the answer's body
                            return answer
                        if answer.status in (304, 404, 410):
                            return answer
                        last_error, last_cause = f"HTTP {answer.status}", "http"
                        if answer.status < 500 and answer.status != 429:
                            raise FetchError(url, last_error, "http")
                    if attempt < self.max_attempts:
                        delay = min(
                            self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds
                        )
                        resume = f", resuming at byte {partial.sink.size:,}" if partial else ""
                        log.warning(
                            f"{url}: {last_error}; retry {attempt}/{self.max_attempts - 1} in "
                            f"{delay:.1f}s{resume}"
                        )
                        time.sleep(delay)
        finally:
            if partial is not None:
                partial.sink.discard()
        raise FetchError(
            url, f"gave up after {self.max_attempts} attempts: {last_error}", last_cause
        )

    def _attempt(
        self,
        client: httpx.Client,
        url: str,
        allowed: frozenset[str],
        limit: int,
        conditional: bool,
        keep: Callable[[], Sink],
        partial: Partial | None = None,
    ) -> _Answer:
        """One GET of `url`, following allowed redirects by hand, body bounded and timed.

        With `partial` (a body the last attempt was cut off from), only its rest is asked for.
        An attempt cut off in turn, from a server that can continue it, raises with the body
        to resume in `exc.partial`; a body neither carried on nor answered is removed
        (`_carried` reads what the next attempt resumes)."""
        import httpx

        deadline = time.monotonic() + self.deadline_seconds
        rate = self.min_bytes_per_second or publishers.DEFAULT_MAX_BYTES / self.deadline_seconds
        chain = [url]
        current = url
        ranged = partial.headers() if partial is not None else None
        for _ in range(self.max_redirects + 1):
            check_target(url, current, allowed, current != url, self.allow_loopback_http)
            with client.stream("GET", current, headers=ranged) as response:
                if response.status_code in REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(
                            url, f"HTTP {response.status_code} without a Location", "redirect"
                        )
                    target = urljoin(str(response.url), location)
                    if target in chain:
                        raise FetchError(
                            url, "redirect loop: " + " -> ".join([*chain, target]), "redirect"
                        )
                    chain.append(target)
                    current = target
                    continue
                etag = None
                if partial is not None and response.status_code == 206:
                    if not partial.continued_by(response):
                        partial.sink.discard()
                        raise Retry(
                            f"HTTP 206 does not continue the body cut at byte "
                            f"{partial.sink.size:,} (Content-Range "
                            f"{response.headers.get('content-range')!r}): starting over",
                            "range",
                        )
                    sink, etag = partial.sink, partial.etag
                elif response.status_code != 200:
                    return _Answer(
                        response.status_code, response.headers, None, current, conditional
                    )
                else:  # the whole body (again: the version changed, or ranges are ignored)
                    if partial is not None:
                        partial.sink.discard()
                    partial = None
                    sink = keep()
                try:
                    read_body(url, response, limit, deadline, self.deadline_seconds, sink, rate)
                    body = sink.finish()
                except (Retry, httpx.TimeoutException, httpx.TransportError) as exc:
                    exc.partial = resumable(response, sink, etag)  # type: ignore[attr-defined]
                    if exc.partial is None:  # type: ignore[attr-defined]
                        sink.discard()
                    raise
                except BaseException as exc:
                    sink.discard()
                    exc.partial = None  # type: ignore[attr-defined]
                    raise
                return _Answer(200, response.headers, body, current, conditional)
        raise FetchError(
            url, f"more than {self.max_redirects} redirects: " + " -> ".join(chain), "redirect"
        )

    # --- payloads ------------------------------------------------------------------------
    def _payload(
        self, source: str, spec: FileSpec, url: str, answer: _Answer, found_on: str | None
    ) -> Payload:
        body = answer.body
        assert body is not None and body.path is not None
        content_type = answer.headers.get("content-type", "")
        try:
            if "text/html" in content_type and spec.kind != "html":
                raise FetchError(
                    url, f"served {content_type!r} instead of {spec.kind}: refused", "html"
                )
            try:
                if spec.kind in ("csv", "xml", "json"):
                    require_content(spec.name, body.head if body.content else b"")
                    refuse_html(spec.name, body.head)
            except SourceFormatError as exc:
                raise FetchError(url, str(exc), "html") from exc
        except FetchError:
            answer.discard()
            raise
        last_modified = answer.headers.get("last-modified")
        published = _http_date(last_modified)
        return Payload(
            source=source,
            name=spec.name,
            path=body.path,
            sha256=body.sha256,
            size=body.size,
            url=url,
            mode="live",
            fetched_at=datetime.now(UTC),
            published_at=published,
            published_basis="HTTP Last-Modified" if published else "unknown",
            etag=answer.headers.get("etag"),
            last_modified=last_modified,
            final_url=answer.final_url,
            found_on=found_on,
            temporary=True,
        )

    def _not_modified(
        self,
        source: str,
        spec: FileSpec,
        url: str,
        previous: PreviousFetch,
        answer: _Answer,
        reused: tuple[str, int],
        found_on: str | None,
    ) -> Payload:
        sha256, size = reused
        return Payload(
            source=source,
            name=spec.name,
            path=previous.path,
            sha256=sha256,
            size=size,
            url=url,
            mode="live",
            fetched_at=datetime.now(UTC),
            published_at=previous.published_at,
            published_basis="HTTP 304 (unchanged since archived copy)",
            etag=answer.headers.get("etag", previous.etag),
            last_modified=answer.headers.get("last-modified", previous.last_modified),
            not_modified=True,
            final_url=answer.final_url,
            found_on=found_on,
        )

    # --- publication page ----------------------------------------------------------------
    def _find_on_page(
        self, page: str, spec: FileSpec, allowed: frozenset[str], direct_error: FetchError
    ) -> str:
        try:
            answer = self._download(
                page, allowed, publishers.PAGE_MAX_BYTES, {}, lambda: Sink(None, memory=True)
            )
            if answer.status != 200 or answer.body is None or answer.body.data is None:
                raise FetchError(page, f"HTTP {answer.status}", "http")
            return publishers.link_on_page(page, answer.body.data, spec)
        except FetchError as exc:
            raise FetchError(
                direct_error.url,
                f"{direct_error.message}; the publication page gave no link either: {exc}",
                exc.cause,
            ) from exc


REDIRECTS = (301, 302, 303, 307, 308)


def _carried(exc: BaseException, sent: Partial | None) -> Partial | None:
    """The body an attempt that raised `exc` leaves to resume: the one it names
    (`exc.partial`, set where a body was read), else the one it was sent, if still open."""
    carry = getattr(exc, "partial", sent)
    return None if carry is None or carry.sink.closed else carry


def _conditional(previous: PreviousFetch | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if previous is not None:
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
    return headers


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS context, built once: loading the CA bundle costs about 0.05-0.25 s,
    more than a whole conditional request, and a sensor probes every few minutes."""
    import httpx

    return httpx.create_ssl_context()


def _verified(previous: PreviousFetch | None) -> tuple[str, int] | None:
    """(sha256, size) of `previous`'s archived copy if it still matches its recorded sha256
    (streamed: an archived release may be gigabytes)."""
    if previous is None:
        return None
    try:
        sha256, size = file_digest(previous.path)
    except OSError:
        return None
    if previous.sha256 is not None and sha256 != previous.sha256:
        return None
    return sha256, size


def _http_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None
