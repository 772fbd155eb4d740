"""XML safety does not depend on where the DOCTYPE stands, for every XML reader of the project.

Each reader gets its real fixture with a DOCTYPE placed after 1 MB of comment (a prefix scan of
64 KiB let that through, keeping `&e;` as literal text), with an internal entity, an external
file entity, and an external DTD on a local HTTP server that must never be asked for anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import eu_fsf
import gb_fcdo
import gb_ofsi
from core.canonical import ParseResult
from core.errors import SourceFormatError
from core.xmlsafe import parse_xml
from ofac.lists import CONS, SDN
from un_sc.xml import parse_consolidated as parse_un_sc

FIXTURES = Path(__file__).parent / "fixtures"

# reader, file name, fixture, a value of the first record to replace with an entity reference
READERS: dict[str, tuple[Callable[[str, bytes], ParseResult], str, Path, bytes]] = {
    "ofac_cons": (
        lambda n, d: CONS.parse_xml({n: d}),
        "CONSOLIDATED.XML",
        FIXTURES / "us_ofac_cons" / "CONSOLIDATED.XML",
        b"HANIYA",
    ),
    "ofac_sdn": (
        lambda n, d: SDN.parse_xml({n: d}),
        "SDN.XML",
        FIXTURES / "us_ofac_cons" / "CONSOLIDATED.XML",
        b"HANIYA",
    ),
    "un_sc": (
        lambda n, d: parse_un_sc(d),
        "consolidated.xml",
        FIXTURES / "un_sc" / "consolidated.xml",
        b"ERIC",
    ),
    "eu_fsf": (
        eu_fsf.parse_xml_file,
        "xmlFullSanctionsList_1_1.xml",
        FIXTURES / "eu_fsf" / "xmlFullSanctionsList_1_1.xml",
        b"SOKOLOV",
    ),
    "gb_fcdo": (
        gb_fcdo.parse_xml_file,
        "UK-Sanctions-List.xml",
        FIXTURES / "gb_fcdo" / "UK-Sanctions-List.xml",
        b"HAQQANI",
    ),
    "gb_ofsi": (
        gb_ofsi.parse_conlist_xml,
        "ConList.xml",
        FIXTURES / "gb_ofsi" / "ConList_excerpt.xml",
        b"MITHOO",
    ),
}


def with_doctype(data: bytes, value: bytes, doctype: bytes) -> tuple[bytes, int]:
    """`data` with 1 MB of comment, then `doctype`, before its root; `value` once as `&e;`.

    Returns the document and the line the DOCTYPE stands on.
    """
    body = data.removeprefix(b"\xef\xbb\xbf")
    start = body.index(b"?>") + 2 if body.startswith(b"<?xml") else 0
    assert value in body
    comment = b"\n<!--" + b" filler" * (1_048_576 // 7) + b" -->\n"
    head = body[:start] + comment
    out = head + doctype + b"\n" + body[start:].replace(value, b"&e;", 1)
    return out, head.count(b"\n") + 1


@pytest.fixture(scope="module")
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request (none may come)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b'<!ENTITY e "FROM THE NETWORK">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("kind", ["internal", "external_file", "external_dtd", "parameter"])
def test_doctype_after_a_megabyte_of_comment_is_refused(
    reader: str, kind: str, tmp_path: Path, dtd_server: tuple[str, list[str]]
) -> None:
    parse, name, fixture, value = READERS[reader]
    url, hits = dtd_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    root = {"un_sc": b"CONSOLIDATED_LIST", "eu_fsf": b"export", "gb_fcdo": b"Designations"}.get(
        reader, b"ArrayOfFinancialSanctionsTarget" if reader == "gb_ofsi" else b"sdnList"
    )
    doctype = {
        "internal": b'<!DOCTYPE %s [<!ENTITY e "INJECTED">]>' % root,
        "external_file": b'<!DOCTYPE %s [<!ENTITY e SYSTEM "file://%s">]>'
        % (root, str(secret).encode()),
        "external_dtd": b'<!DOCTYPE %s SYSTEM "%s/list.dtd">' % (root, url.encode()),
        "parameter": b'<!DOCTYPE %s [<!ENTITY %% p SYSTEM "%s/p.dtd"> %%p;]>'
        % (root, url.encode()),
    }[kind]
    data, line = with_doctype(fixture.read_bytes(), value, doctype)
    assert len(data) > 1_048_576
    with pytest.raises(SourceFormatError) as error:
        parse(name, data)
    assert error.value.file == name
    assert error.value.location == f"line {line}"
    assert error.value.message.startswith("a DOCTYPE declaration is not allowed")
    assert hits == []


def test_the_parser_itself_resolves_nothing(
    tmp_path: Path, dtd_server: tuple[str, list[str]]
) -> None:
    """Even past the DOCTYPE rule, lxml is set to load no DTD, expand no entity, use no network:
    the refusal comes after a parse that substituted nothing and fetched nothing."""
    from lxml import etree

    from core.xmlsafe import _parser

    url, hits = dtd_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (
        f'<!DOCTYPE a SYSTEM "{url}/a.dtd" [<!ENTITY i "INJECTED">'
        f'<!ENTITY x SYSTEM "file://{secret}">]><a><b>&i;</b><c>&x;</c></a>'
    ).encode()
    root = etree.fromstring(data, parser=_parser())
    assert b"INJECTED" not in etree.tostring(root) and b"TOP SECRET" not in etree.tostring(root)
    assert hits == []
    with pytest.raises(SourceFormatError, match="at line 1: a DOCTYPE declaration"):
        parse_xml("a.xml", data)


def test_entity_without_doctype_is_malformed() -> None:
    with pytest.raises(SourceFormatError, match=r"a\.xml at line 1, column \d+: malformed XML"):
        parse_xml("a.xml", b"<a>&e;</a>")
