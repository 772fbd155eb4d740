"""What the live fetcher knows of each publisher: where its files may come from, how big they are,
and how a file is found on a publication page.

Two tables, one line per source, read by `resources.live.LiveFetcher`:

- `HOSTS`: the publisher hosts a redirect may lead to, besides the host of the file's own URL
  (always allowed). A redirect anywhere else is refused.
- `MAX_BYTES`: the largest file of the source the fetcher accepts, counted after HTTP
  decompression. Each limit is the size of the largest real file of that source we know
  (the shipped snapshots and their READMEs, or the publisher's documented size, as each comment below says) times `MARGIN`; a body past it is refused
  while it streams, so a 3 GiB response or a gzip bomb never reaches memory.

A `FileSpec` may set its own `max_bytes` and `hosts`; these tables are the defaults.

`link_on_page` reads a publication page (the gov.uk page of the UK Sanctions List) for the link
to a file whose direct URL failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from core.errors import FetchError

if TYPE_CHECKING:
    from resources.fetcher import FileSpec

# Lists grow: ten times the largest real file leaves room for years of growth (the SDN list grew
# from under 10,000 to about 19,000 entries in a decade) while still refusing a runaway body.
MARGIN = 10

# OFAC's documented `api/download/{file}` answers 302 to a signed URL (X-Amz-Expires=3600) on the
# Sanctions List Service's GovCloud bucket.
OFAC_HOSTS = (
    "sanctionslistservice.ofac.treas.gov",
    "wc2h-sls-prod-public-published.s3.us-gov-west-1.amazonaws.com",
)

HOSTS: dict[str, tuple[str, ...]] = {
    "us_ofac_sdn": OFAC_HOSTS,
    "us_ofac_cons": OFAC_HOSTS,
    "us_csl": ("data.trade.gov", "api.trade.gov"),
    "un_sc": ("scsanctions.un.org",),
    # the gov.uk publication page, gov.uk's attachment host, and the FCDO's own download host
    "gb_fcdo": ("www.gov.uk", "assets.publishing.service.gov.uk", "sanctionslist.fcdo.gov.uk"),
    "gb_ofsi": ("ofsistorage.blob.core.windows.net",),
    "eu_fsf": ("webgate.ec.europa.eu",),
}

# Keyed by source, or by `source/FILE` for a file far larger than the rest of its source.
MAX_BYTES: dict[str, int] = {
    # SDN.XML ≈ 29 MB (FORMATS.md: "XML ≈ 29 MB, CSV ≈ 5.6 MB"), the largest legacy file
    "us_ofac_sdn": 29_000_000 * MARGIN,
    # no real SDN_ENHANCED.XML: the consolidated list's real pair puts the Enhanced XML at
    # 3,420,879 / 941,059 = 3.6 times the classic XML, so ≈ 105 MB for the SDN list
    "us_ofac_sdn/SDN_ENHANCED.XML": 29_000_000 * 3_420_879 // 941_059 * MARGIN,
    # CONS_ENHANCED.XML 3,420,879 bytes unzipped (SOURCES.md), larger than CONSOLIDATED.XML
    # (941,059) and the CSV set
    "us_ofac_cons": 3_420_879 * MARGIN,
    # the complete 2022 consolidated.csv, 5,829,294 bytes uncompressed (SOURCES.md); no real JSON
    # copy exists: the same margin covers a JSON several times the CSV's size
    "us_csl": 5_829_294 * MARGIN,
    # UN.xml 2,215,552 bytes (2025-04-19, SOURCES.md)
    "un_sc": 2_215_552 * MARGIN,
    # no real full copy: the real excerpt holds 4 designations in 14,851 bytes, the live list
    # about 6,000 designations (gb_fcdo/constants.py, SANITY_FLOOR note): 14,851 / 4 × 6,000 ≈ 22.3 MB
    "gb_fcdo": 14_851 * 6_000 // 4 * MARGIN,
    # sanctionsconlist.csv 3,649,692 bytes for 2,106 groups (2018), scaled to the 4,688 groups
    # of ConList.xlsx 2025-04-14 (SOURCES.md) ≈ 8.1 MB
    "gb_ofsi": 3_649_692 * 4_688 // 2_106 * MARGIN,
    # FORMATS.md: "About 25 MB XML, ~5,000 entities"
    "eu_fsf": 25_000_000 * MARGIN,
    # A BACI release zip is streamed to disk, so its limit guards the disk, not memory. No real
    # release is stored here; its parser accepts a zip whose members expand to at most
    # `trade.cepii_baci.RELEASE_LIMITS.total` (64 GiB, five times the estimated 12 GB of a full
    # release), and a zip is never larger than its members stored uncompressed: the same bound
    # (kept equal to it by tests/resources/test_fetch_stream.py; not imported: that module loads
    # polars)
    "cepii_baci/BACI_HS22_V202401.zip": 64 * 2**30,
}
# A source not in the table (the trade sources) gets the widest whole-source limit.
DEFAULT_MAX_BYTES = max(limit for key, limit in MAX_BYTES.items() if "/" not in key)

# A publication page (gov.uk) is HTML of some tens of KB; no real copy is stored here, so the
# limit is ten times a generous 200 KB.
PAGE_MAX_BYTES = 200_000 * MARGIN


def max_bytes(source: str, name: str | None = None) -> int:
    """The size limit of file `name` of `source`, after decompression."""
    if name is not None and f"{source}/{name}" in MAX_BYTES:
        return MAX_BYTES[f"{source}/{name}"]
    return MAX_BYTES.get(source, DEFAULT_MAX_BYTES)


def link_on_page(page: str, html: bytes, spec: FileSpec) -> str:
    """The link to `spec`'s file on a publication page: by file name, else the one of its type.

    The page is parsed by lxml's HTML parser with no network access; only `<a href>` links
    whose path ends in `.<kind>` count. Several of that type and none named `spec.name` is
    ambiguous and refused (never guessed).
    """
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        document = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise FetchError(page, f"publication page is not HTML: {exc}", "not_found_on_page") from exc
    candidates: list[str] = []
    for anchor in document.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        link = urljoin(page, href)
        path = urlsplit(link).path
        if path.lower().endswith(f".{spec.kind}") and link not in candidates:
            candidates.append(link)
    named = [
        c for c in candidates if urlsplit(c).path.rsplit("/", 1)[-1].lower() == spec.name.lower()
    ]
    if len(named) == 1:
        return named[0]
    if len(named) > 1 or len(candidates) > 1:
        raise FetchError(
            page,
            f"{len(candidates)} .{spec.kind} links and none named {spec.name} alone: "
            + ", ".join(candidates),
            "not_found_on_page",
        )
    if not candidates:
        raise FetchError(page, f"no .{spec.kind} link on the page", "not_found_on_page")
    return candidates[0]
