"""Where a live fetch may go: the publisher hosts of a source, and the addresses never contacted.

Used by `resources.live.LiveFetcher` for each request and each redirect it follows by hand.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from core.errors import FetchError
from resources import publishers
from resources.body import Retry
from resources.fetcher import FileSpec


def allowed_hosts(source: str, spec: FileSpec, url: str, page: str | None) -> frozenset[str]:
    """The hosts a fetch of `url` may read from: its own, the spec's URL and publication page
    hosts, the spec's `hosts`, and the source's publisher hosts (`publishers.HOSTS`)."""
    hosts = {urlsplit(u).hostname or "" for u in (url, spec.url, page) if u}
    hosts.update(spec.hosts)
    hosts.update(publishers.HOSTS.get(source, ()))
    return frozenset(h.lower() for h in hosts if h)


def check_target(
    url: str, target: str, allowed: frozenset[str], redirected: bool, allow_loopback_http: bool
) -> None:
    """Refuse schemes, hosts and addresses a fetch of `url` must never contact at `target`
    (the URL itself, or where it redirected): a scheme other than https, a host not in
    `allowed`, a host resolving to a private, loopback, link-local or otherwise special address
    (169.254.169.254). `allow_loopback_http` lifts this for loopback only (tests on 127.0.0.1),
    and plain http with it."""
    import httpx

    what = f"redirect to {target}" if redirected else target
    try:
        parsed = httpx.URL(target)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"refused {what}: not a valid URL ({exc})", "redirect") from exc
    host = (parsed.host or "").lower()
    if parsed.scheme not in ("https", "http") or not host:
        raise FetchError(url, f"refused {what}: only https URLs are fetched", "redirect")
    if host not in allowed:
        hosts = ", ".join(sorted(allowed))
        raise FetchError(
            url,
            f"refused {what}: {host} is not a publisher host of this source ({hosts})",
            "redirect",
        )
    try:
        infos = socket.getaddrinfo(host, parsed.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise Retry(f"cannot resolve {host}: {exc}", "transport") from exc
    loopback = True
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address.is_loopback and allow_loopback_http:
            continue
        loopback = False
        if not address.is_global or address.is_multicast:
            kind = (
                "link-local" if address.is_link_local
                else "loopback" if address.is_loopback
                else "private or reserved"
            )  # fmt: skip
            raise FetchError(
                url, f"refused {what}: {host} resolves to {kind} address {address}", "refused"
            )
    # plain http only to loopback, and only when tests allow it
    if parsed.scheme != "https" and not (allow_loopback_http and loopback):
        raise FetchError(url, f"refused {what}: only https URLs are fetched", "redirect")
