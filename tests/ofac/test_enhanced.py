"""OFAC Enhanced XML: the real CONS_ENHANCED.ZIP (2025-01-10) shipped in the snapshots, a cut of
it in the fixtures, and a written SDN fixture (vessels and an aircraft transcribed from the real
SDN.CSV). Counts are taken from the file itself with lxml and compared with the parse."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from lxml import etree

from assets import us_ofac_cons, us_ofac_sdn
from assets.factory import account, compare_formats, ingest
from core.canonical import ParseResult
from core.errors import SourceFormatError
from ofac.enhanced import parse_enhanced, read_member
from ofac.lists import CONS, SDN
from resources.fetcher import SnapshotFetcher
from resources.live import LiveFetcher
from resources.staging import read_meta
from resources.storage import DataDir
from schemas.canonical import MODELS
from schemas.ofac import ENHANCED_MODELS
from schemas.validate import validate
from tests.conftest import snapshot_root
from tests.httpserver import serve

NS = {
    "e": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ENHANCED_XML"
}
ZIP = "CONS_ENHANCED.ZIP"
CONS_FILES = ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV")
# the non-key columns each table is compared on, entry by entry, across formats
COMPARED = {
    "entities": ("entity_type", "primary_name"),
    "names": ("name",),
    "identifiers": ("id_type", "normalized", "country_code"),
    "addresses": ("country_code",),
    "birth_dates": ("date_from", "date_to"),
    "birth_places": ("place", "country_code"),
    "countries": ("relation", "country_code"),
    "sanctions": ("program",),
    "attributes": ("attribute", "value"),
    "relationships": ("to_name",),
}


@pytest.fixture(scope="module")
def real_zip(snapshots: Path) -> bytes:
    return (snapshots / "us_ofac_cons" / "2025-01-10" / ZIP).read_bytes()


@pytest.fixture(scope="module")
def real_xml(real_zip: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(real_zip)) as archive:
        return etree.fromstring(archive.read("CONS_ENHANCED.XML"))


@pytest.fixture(scope="module")
def enhanced(real_zip: bytes) -> ParseResult:
    return CONS.parse_enhanced_xml({ZIP: real_zip}).stamp("e")


@pytest.fixture(scope="module")
def small(fixtures: Path) -> bytes:
    return (fixtures / "us_ofac_cons" / "CONS_ENHANCED.XML").read_bytes()


def parse_small(data: bytes) -> ParseResult:
    return parse_enhanced({"CONS_ENHANCED.XML": data}, "us_ofac_cons", "CONS_ENHANCED.XML")


def rows(result: ParseResult, table: str, entity: str) -> pl.DataFrame:
    key = "from_entity_id" if table == "relationships" else "entity_id"
    return result.tables[table].filter(pl.col(key) == entity)


def differences(left: ParseResult, right: ParseResult, names: tuple[str, str]) -> pl.DataFrame:
    """Every canonical row one format has and the other lacks, by entry and table."""
    out = []
    for table, columns in COMPARED.items():
        key = "from_entity_id" if table == "relationships" else "entity_id"

        def keyed(
            result: ParseResult, table: str = table, key: str = key, columns: tuple = columns
        ) -> pl.DataFrame:
            values = [
                pl.col(c).cast(pl.String).fill_null("∅").str.to_uppercase().str.strip_chars(" .")
                for c in columns
            ]
            return (
                result.tables[table]
                .select(
                    pl.col(key).alias("entity_id"),
                    pl.concat_str(values, separator=" | ").alias("value"),
                )
                .unique()
            )

        a, b = keyed(left), keyed(right)
        for side, x, y in ((names[0], a, b), (names[1], b, a)):
            only = x.join(y, on=["entity_id", "value"], how="anti")
            out.append(only.with_columns(table=pl.lit(table), side=pl.lit(f"only in {side}")))
    return pl.concat(out).select("entity_id", "table", "side", "value").sort("table", "entity_id")


def summary(diffs: pl.DataFrame) -> dict[tuple[str, str], int]:
    return {
        (r["table"], r["side"]): r["len"] for r in diffs.group_by("table", "side").len().to_dicts()
    }


# --- the real file: counts straight from the XML ----------------------------------------------


def test_counts_by_type_equal_the_file(enhanced: ParseResult, real_xml: etree._Element) -> None:
    entities = real_xml.findall("e:entities/e:entity", NS)
    by_type = Counter(e.findtext("e:generalInfo/e:entityType", namespaces=NS) for e in entities)
    assert by_type == {"Entity": 363, "Individual": 80}
    parsed = Counter(enhanced.tables["entities"]["entity_type"].to_list())
    assert parsed == {"organization": by_type["Entity"], "person": by_type["Individual"]}
    assert enhanced.entry_count == len(entities) == 443
    assert enhanced.tables["rejects"].filter(pl.col("kind") == "entry").height == 0
    assert str(enhanced.published_at) == "2025-01-10"
    assert enhanced.unknowns == []
    ids = {e.get("id") for e in entities}
    assert set(enhanced.tables["entities"]["source_id"]) == ids

    def count(path: str) -> int:
        return len(real_xml.findall(path, NS))

    base = "e:entities/e:entity/"
    assert enhanced.staged["enhanced_features"].height == count(base + "e:features/e:feature")
    # every name translation is a name; every address translation an address or a reject
    names = count(base + "e:names/e:name/e:translations/e:translation")
    assert rows_from_file(enhanced, "names") == names == 1624
    addresses = count(base + "e:addresses/e:address/e:translations/e:translation")
    address_rejects = enhanced.tables["rejects"].filter(pl.col("kind") == "address").height
    assert enhanced.tables["addresses"].height + address_rejects == addresses == 583
    relationships = count(base + "e:relationships/e:relationship")
    assert rows_from_file(enhanced, "relationships") == relationships == 283
    programs = count(base + "e:sanctionsPrograms/e:sanctionsProgram")
    assert enhanced.tables["sanctions"].height == programs == 525
    # identifiers: every identity document, and the features that are identifiers
    documents = count(base + "e:identityDocuments/e:identityDocument")
    id_features = sum(
        1
        for f in real_xml.findall(base + "e:features/e:feature", NS)
        if f.findtext("e:type", namespaces=NS)
        in {"Website", "ISIN", "Email Address", "Equity Ticker", "SWIFT/BIC", "BIK (RU)"}
    )
    assert rows_from_file(enhanced, "identifiers") == documents + id_features == 692 + 574
    births = [
        f for f in real_xml.findall(base + "e:features/e:feature", NS)
        if f.findtext("e:type", namespaces=NS) == "Birthdate"
    ]  # fmt: skip
    assert enhanced.tables["birth_dates"].height == len(births) == 75


def rows_from_file(result: ParseResult, table: str) -> int:
    return result.tables[table].filter(pl.col("origin") == "CONS_ENHANCED.XML").height


def test_real_file_validates(enhanced: ParseResult) -> None:
    assert validate(MODELS, enhanced.tables) == []
    assert validate(ENHANCED_MODELS, enhanced.staged) == []


# --- real entries, field by field -----------------------------------------------------------


def test_person_with_passport_and_birth_date(enhanced: ParseResult) -> None:
    eid = "us_ofac_cons-26182"
    entity = rows(enhanced, "entities", eid).row(0, named=True)
    assert (entity["entity_type"], entity["primary_name"]) == ("person", "KAYAKIRAN, Evren")
    assert str(entity["listed_on"]) == "2019-02-07"  # FSE List and Consolidated List
    name = rows(enhanced, "names", eid).row(0, named=True)
    assert (name["given_name"], name["family_name"], name["script"]) == (
        "Evren",
        "KAYAKIRAN",
        "Latin",
    )
    doc = rows(enhanced, "identifiers", eid).row(0, named=True)
    assert (doc["id_type"], doc["label"], doc["value"], doc["country_code"], doc["country_raw"]) == (
        "passport", "Passport", "U00242309", "TR", "Turkey",
    )  # fmt: skip
    dob = rows(enhanced, "birth_dates", eid).row(0, named=True)
    assert (dob["raw"], str(dob["date_from"]), str(dob["date_to"]), dob["precision"], dob["circa"]) == (
        "08 Feb 1980", "1980-02-08", "1980-02-08", "day", False,
    )  # fmt: skip
    assert rows(enhanced, "countries", eid).select("relation", "country_code", "raw").rows() == [
        ("citizenship", "TR", "Turkey")
    ]
    attributes = dict(rows(enhanced, "attributes", eid).select("attribute", "value").rows())
    assert attributes["gender"] == "Male"
    assert attributes["sanctions_type"] == "Reject"
    sanction = rows(enhanced, "sanctions", eid).row(0, named=True)
    assert (sanction["program"], sanction["legal_basis"]) == (
        "FSE-IR", "Executive Order 13608 (Iran/Syria)",
    )  # fmt: skip
    assert rows(enhanced, "addresses", eid).select("full_address", "country_code").rows() == [
        ("Turkey", "TR")
    ]


def test_entity_with_relationship_tickers_and_directive_dates(enhanced: ParseResult) -> None:
    eid = "us_ofac_cons-30923"
    rel = rows(enhanced, "relationships", eid).row(0, named=True)
    assert rel["relation"] == "owned_or_controlled_by"
    assert (rel["to_entity_id"], rel["to_name"]) == (
        "us_ofac_cons-30944", "CHINA MOBILE COMMUNICATIONS GROUP CO., LTD.",
    )  # fmt: skip
    ids = rows(enhanced, "identifiers", eid)
    nyse = ids.filter(pl.col("value") == "CHL US").row(0, named=True)
    assert (nyse["id_type"], nyse["label"], nyse["note"]) == ("other", "Equity Ticker", "(NYSE)")
    assert ids.filter(pl.col("label") == "ISIN").height == 4
    attributes = set(rows(enhanced, "attributes", eid).select("attribute", "value").rows())
    assert ("effective_date", "CMIC: 02 Aug 2021") in attributes
    assert ("sanctions_list", "Non-SDN CMIC List") in attributes
    # a related party that is on the other OFAC list keeps its ID in the staged table
    outside = enhanced.tables["relationships"].filter(
        pl.col("to_entity_id").is_null() & (pl.col("origin") == "CONS_ENHANCED.XML")
    )
    assert outside.height == 1
    staged = enhanced.staged["enhanced_relationships"]
    missing = staged.filter(
        ~pl.col("related_entity_id").is_in(enhanced.tables["entities"]["source_id"].implode())
    )
    assert missing.height == 1 and missing["related_entity_id"][0] is not None


def test_vessel_with_imo_and_aircraft_agree_with_the_legacy_csv(fixtures: Path) -> None:
    """Written SDN fixture (transcribed from the real SDN.CSV rows 30823, 34940, 35280)."""
    folder = fixtures / "us_ofac_sdn"
    enh = SDN.parse_enhanced_xml({"SDN_ENHANCED.XML": (folder / "SDN_ENHANCED.XML").read_bytes()})
    assert enh.unknowns == []
    eid = "us_ofac_sdn-34940"
    imo = rows(enh, "identifiers", eid).row(0, named=True)
    assert (imo["id_type"], imo["value"], imo["normalized"]) == ("imo", "9220639", "9220639")
    assert rows(enh, "countries", eid).select("relation", "country_code").rows() == [("flag", "RU")]
    attributes = dict(rows(enh, "attributes", eid).select("attribute", "value").rows())
    assert (attributes["vessel_type"], attributes["vessel_grt"]) == ("Roll-on Roll-off", "8831")
    assert rows(enh, "relationships", eid).select("relation", "to_name").rows() == [
        ("owned_or_controlled_by", "PSB LIZING OOO")
    ]
    names = ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")
    csv = SDN.parse_csv({n: (folder / n).read_bytes() for n in names})
    picked = ("us_ofac_sdn-30823", "us_ofac_sdn-34940", "us_ofac_sdn-35280")
    diffs = differences(enh, csv, ("enhanced", "csv")).filter(pl.col("entity_id").is_in(picked))
    print(diffs)
    # the only differences: the Enhanced XML's list memberships and sanctions types, which
    # the CSV does not carry
    assert set(diffs["table"]) == {"attributes"}
    assert set(diffs["side"]) == {"only in enhanced"}
    assert all(v.startswith(("SANCTIONS_LIST", "SANCTIONS_TYPE")) for v in diffs["value"])


# --- unknowns are reported, never dropped -------------------------------------------------------


def _entity_block(data: str, uid: str) -> str:
    return re.search(rf'    <entity id="{uid}">.*?</entity>', data, re.S).group(0)


def test_unknown_feature_type_is_reported_and_kept(small: bytes) -> None:
    data = small.decode()
    block = _entity_block(data, "26182")
    gender = re.search(r"        <feature id=\"30604\">.*?</feature>", block, re.S).group(0)
    injected = gender.replace('featureTypeId="224">Gender', 'featureTypeId="9999">Hair Colour')
    injected = injected.replace("<value>Male</value>", "<value>Black</value>").replace(
        "<valueRefId>91526</valueRefId>", ""
    )
    copy = data.replace(block, block.replace(gender, gender + "\n" + injected))
    # and an element that is not a feature among the features
    copy = copy.replace(injected, injected + "<featureGroup>hair</featureGroup>")
    result = parse_small(copy.encode())
    assert ("element features/featureGroup", "hair") in [(u.what, u.value) for u in result.unknowns]
    unknown = [u for u in result.unknowns if u.what == "feature type"]
    assert [(u.value, u.locator) for u in unknown] == [
        ("Hair Colour", "entity 5 (id 26182) feature 30604")
    ]
    kept = rows(result, "attributes", "us_ofac_cons-26182").filter(
        pl.col("attribute") == "unknown_feature"
    )
    assert kept["value"].to_list() == ["Hair Colour: Black"]
    # the real features of the entry are untouched
    assert rows(result, "attributes", "us_ofac_cons-26182").filter(pl.col("attribute") == "gender")[
        "value"
    ].to_list() == ["Male"]


def test_unknown_reference_values_are_reported(small: bytes) -> None:
    data = small.decode()
    block = _entity_block(data, "26182")
    changed = block.replace(
        '<type refId="1571">Passport</type>', '<type refId="777">Passport</type>'
    )
    # and a value given twice where OFAC's schema has one
    changed = changed.replace(
        "<isLowQuality>false</isLowQuality>",
        "<isLowQuality>false</isLowQuality><isLowQuality>true</isLowQuality>",
    )
    result = parse_small(data.replace(block, changed).encode())
    assert [(u.what, u.value) for u in result.unknowns] == [
        ("repeated element name/isLowQuality", "2"),
        ("reference value (refId)", "777"),
    ]
    # the document is still taken, by its published label
    doc = rows(result, "identifiers", "us_ofac_cons-26182").row(0, named=True)
    assert (doc["id_type"], doc["value"]) == ("passport", "U00242309")
    # a new document type OFAC may add is kept as `other` and reported
    table = data.replace("<value>Passport</value>", "<value>Space Passport</value>")
    table = table.replace(">Passport</type>", ">Space Passport</type>")
    result = parse_small(table.encode())
    assert ("ID DOCUMENT TYPE not read", "Space Passport") in [
        (u.what, u.value) for u in result.unknowns
    ]
    doc = rows(result, "identifiers", "us_ofac_cons-26182").row(0, named=True)
    assert (doc["id_type"], doc["label"], doc["value"], doc["country_code"]) == (
        "other", "Space Passport", "U00242309", "TR",
    )  # fmt: skip


def test_unknown_entity_type_and_element_reject_or_report(small: bytes) -> None:
    data = small.decode()
    block = _entity_block(data, "26182")
    changed = block.replace('<entityType refId="600">Individual</entityType>',
                            '<entityType refId="999">Submarine</entityType>')  # fmt: skip
    changed = changed.replace("</generalInfo>", "<watchlistScore>7</watchlistScore></generalInfo>")

    result = parse_small(data.replace(block, changed).encode())
    reject = result.tables["rejects"].filter(pl.col("kind") == "entry").row(0, named=True)
    assert reject["locator"] == "entity 5 (id 26182)"
    assert reject["reason"] == "unknown entityType 'Submarine'"
    found = {(u.what, u.value) for u in result.unknowns}
    assert found == {
        ("element generalInfo/watchlistScore", "7"),
        ("reference value (refId)", "999"),
        ("SDN TYPE", "Submarine"),
    }
    assert result.entry_count == 8
    assert result.tables["entities"].height + 1 == result.entry_count
    assert rows(result, "names", "us_ofac_cons-26182").height == 0


# --- bad bytes ----------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_zip_is_read_safely(small: bytes, real_zip: bytes) -> None:
    ok = _zip({"CONS_ENHANCED.XML": small})
    assert CONS.parse_enhanced_xml({ZIP: ok}).entry_count == 8
    cases = {
        "2 members, more than the 1 allowed": _zip({"CONS_ENHANCED.XML": small, "evil.txt": b"x"}),
        "found ['other.xml']": _zip({"other.xml": small}),
        "not a zip archive": real_zip[: len(real_zip) // 2],
    }
    for message, payload in cases.items():
        with pytest.raises(SourceFormatError, match=re.escape(message)):
            CONS.parse_enhanced_xml({ZIP: payload})
    with pytest.raises(SourceFormatError, match="allowed per member: refused as a zip bomb"):
        read_member(ZIP, ok, "CONS_ENHANCED.XML", limit=1000)


def test_cut_at_an_entity_boundary_is_refused(small: bytes) -> None:
    data = small.decode()
    end = data.index("</entity>") + len("</entity>\n")
    with pytest.raises(SourceFormatError, match=r"CONS_ENHANCED\.XML"):
        parse_small(data[:end].encode())
    with pytest.raises(SourceFormatError, match="DOCTYPE"):
        parse_small(
            small.replace(b"<sanctionsData", b'<!DOCTYPE x [<!ENTITY a "b">]><sanctionsData', 1)
        )


# --- agreement with the legacy formats, by entry ---------------------------------------------------


def test_agreement_with_cons_csv_and_classic_xml(enhanced: ParseResult, snapshots: Path) -> None:
    folder = snapshots / "us_ofac_cons" / "2025-12-19"
    csv = CONS.parse_csv({n: (folder / n).read_bytes() for n in CONS_FILES})
    xml = CONS.parse_xml({"CONSOLIDATED.XML": (folder / "CONSOLIDATED.XML").read_bytes()})
    vs_xml = differences(enhanced, xml, ("enhanced", "xml"))
    vs_csv = differences(enhanced, csv, ("enhanced", "csv"))
    with pl.Config(tbl_rows=200, fmt_str_lengths=90, tbl_width_chars=200):
        print("enhanced 2025-01-10 vs classic XML 2025-03-28:", summary(vs_xml))
        print(vs_xml.filter(~pl.col("table").is_in(["attributes", "relationships", "names"])))
        print("enhanced 2025-01-10 vs CSV set ≤ 2025-12-19:", summary(vs_csv))
        print(vs_csv.filter(pl.col("table") != "attributes"))
    # vs the classic XML (same 443 entries): entries, programs, birth dates and places and
    # nationalities agree exactly
    for table in ("entities", "sanctions", "birth_dates", "birth_places", "countries"):
        assert vs_xml.filter(pl.col("table") == table).height == 0, table
    only_enh = vs_xml.filter(pl.col("side") == "only in enhanced")
    # names: the Enhanced XML also gives the names in Cyrillic/Chinese script (45)
    extra_names = set(only_enh.filter(pl.col("table") == "names")["entity_id"])
    scripts = enhanced.tables["names"].filter(pl.col("name_type") == "original_script")
    assert (
        vs_xml.filter((pl.col("table") == "names") & (pl.col("side") == "only in xml")).height == 0
    )
    assert only_enh.filter(pl.col("table") == "names").height == scripts.height == 45
    assert extra_names == set(scripts["entity_id"])
    # documents: the publications differ on 4 issuing countries (18784's three Russian numbers
    # carry `Russia` in March only; 17013's LEI carries it in January only)
    docs = vs_xml.filter(pl.col("table") == "identifiers")
    assert set(docs["entity_id"]) == {"us_ofac_cons-17013", "us_ofac_cons-18784"}
    assert docs.height == 8
    # addresses: 9647 and 9659 "Region: Gaza" is a country in the classic XML, a REGION part
    # without country in the Enhanced XML
    assert set(vs_xml.filter(pl.col("table") == "addresses")["entity_id"]) == {
        "us_ofac_cons-9647", "us_ofac_cons-9659",
    }  # fmt: skip
    # relationships: the classic XML writes `(Linked To: …)` inside remarks, read as the CSV
    # reads it, so all 283 links agree
    assert vs_xml.filter(pl.col("table") == "relationships").height == 0
    assert enhanced.tables["relationships"].height == 283 + 49
    # vs the later CSV set: 26182 delisted since January, 18284 renamed, Russia designations
    # and aliases added
    ids = set(enhanced.tables["entities"]["entity_id"]) - set(csv.tables["entities"]["entity_id"])
    assert ids == {"us_ofac_cons-26182"}
    entries = vs_csv.filter(pl.col("table") == "entities")
    assert sorted(entries.select("entity_id", "side", "value").rows()) == [
        ("us_ofac_cons-18284", "only in csv", "ORGANIZATION | RN KOMSOMOLSKIY REFINERY LLC"),
        ("us_ofac_cons-18284", "only in enhanced", "ORGANIZATION | RN-KOMSOMOLSKY REFINERY LLC"),
        ("us_ofac_cons-26182", "only in enhanced", "PERSON | KAYAKIRAN, EVREN"),
    ]
    programs = vs_csv.filter((pl.col("table") == "sanctions") & (pl.col("side") == "only in csv"))
    assert programs.filter(pl.col("value") == "RUSSIA-EO14024").height == 11
    for table in ("birth_places", "relationships"):
        assert vs_csv.filter(pl.col("table") == table).height == 0, table


# --- the pipeline: canonical per mode, accounted ---------------------------------------------------


def test_enhanced_is_canonical_live_and_pinned_csv_in_snapshots(tmp_path: Path) -> None:
    assert us_ofac_cons.SPEC.preference("live")[0] == "enhanced"
    assert us_ofac_sdn.SPEC.preference("live") == ("enhanced", "csv", "xml")
    assert us_ofac_cons.SPEC.preference("snapshot")[0] == "csv"
    data_dir = DataDir(root=str(tmp_path / "data"))
    default = ingest(us_ofac_cons.SPEC, SnapshotFetcher(), data_dir)
    meta = read_meta(default.folder)
    assert meta["primary_format"] == "csv"
    assert set(meta["formats"]) == {"csv", "xml", "enhanced"}
    assert meta["formats"]["enhanced"]["published_at"] == "2025-01-10"
    assert meta["formats"]["enhanced"]["published_basis"] == "in file"
    assert all(r["ok"] for r in account(us_ofac_cons.SPEC, default.folder, meta))
    pinned = SnapshotFetcher(pins={"us_ofac_cons": "2025-01-10"})
    older = ingest(us_ofac_cons.SPEC, pinned, DataDir(root=str(tmp_path / "pinned")))
    meta = read_meta(older.folder)
    assert (meta["primary_format"], list(meta["formats"])) == ("enhanced", ["enhanced"])
    assert meta["formats"]["enhanced"]["entry_count"] == 443
    assert all(r["ok"] for r in account(us_ofac_cons.SPEC, older.folder, meta))


def test_live_mode_reads_the_enhanced_xml_as_canonical(
    fixtures: Path, small: bytes, tmp_path: Path
) -> None:
    """All three formats served by a local HTTP server (the cons fixtures, the Enhanced XML cut
    zipped as OFAC serves it): the Enhanced XML is canonical, the others are compared with it."""
    served = tmp_path / "served"
    served.mkdir()
    for name in (*CONS_FILES, "CONSOLIDATED.XML"):
        (served / name).write_bytes((fixtures / "us_ofac_cons" / name).read_bytes())
    (served / ZIP).write_bytes(_zip({"CONS_ENHANCED.XML": small}))
    files = (*us_ofac_cons.CSV_FILES, *us_ofac_cons.XML_FILES, *us_ofac_cons.ENHANCED_FILES)
    with serve(served) as server:
        fetcher = LiveFetcher(
            timeout_seconds=5,
            max_attempts=1,
            url_overrides={f"us_ofac_cons/{f.name}": f"{server.url}/ok/{f.name}" for f in files},
            allow_loopback_http=True,
        )
        outcome = ingest(us_ofac_cons.SPEC, fetcher, DataDir(root=str(tmp_path / "data")))
    meta = read_meta(outcome.folder)
    assert (meta["mode"], meta["primary_format"]) == ("live", "enhanced")
    assert set(meta["formats"]) == {"enhanced", "csv", "xml"}
    assert meta["formats"]["enhanced"]["published_at"] == "2025-01-10"
    assert meta["formats"]["enhanced"]["entry_count"] == 8
    failing = [r["what"] for r in account(us_ofac_cons.SPEC, outcome.folder, meta) if not r["ok"]]
    assert failing == ["sanity floor (44 entities)"] * 3  # an 8-entity cut, one per format
    diffs = compare_formats(outcome.folder, meta, "csv")
    print(diffs)
    # 26182 and 30923 are in the Enhanced cut only; the names the CSV lacks are Cyrillic ones
    entries = diffs.filter(pl.col("what") == "entry")
    assert sorted(entries["entity_id"]) == ["us_ofac_cons-26182", "us_ofac_cons-30923"]
    assert set(entries["side"]) == {"only in enhanced"}


def test_snapshot_of_one_publication_reads_the_enhanced_xml(tmp_path: Path) -> None:
    """In snapshot mode the Enhanced XML is canonical when it is of the entry's publication:
    the shipped catalog dates it 2025-01-10 (`file_dates`), so the CSV set stays canonical;
    without that date the catalog says all files are one publication."""
    root = snapshot_root(tmp_path, editable=("us_ofac_cons",))
    catalog_path = root / "us_ofac_cons" / "catalog.json"
    catalog = json.loads(catalog_path.read_text())
    entry = next(p for p in catalog["publications"] if p["published_at"] == "2025-12-19")
    assert entry["file_dates"]["CONS_ENHANCED.ZIP"] == "2025-01-10"
    del entry["file_dates"]
    catalog_path.write_text(json.dumps(catalog))
    outcome = ingest(
        us_ofac_cons.SPEC, SnapshotFetcher(root=str(root)), DataDir(root=str(tmp_path / "d"))
    )
    assert read_meta(outcome.folder)["primary_format"] == "enhanced"
