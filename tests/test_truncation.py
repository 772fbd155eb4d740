"""A list file cut short is refused, naming the file and the last record read: every list, every
format, on real bytes cut at record boundaries (the shipped snapshots, or fixtures cut from the
real files; the written fixtures only where no real copy exists, as marked).

Signals used, per format (core.truncation, core.xmlsafe):
- OFAC legacy CSV: the final Ctrl-Z (0x1A) after the last line break, in every real file; the
  ADD/ALT/COMMENTS files never name a party beyond the main file's last;
- XML: the root's closing tag (a cut document is malformed); OFAC classic XML's Record_Count;
- JSON (CSL): the closing brackets, and `total` when the publisher declares it;
- XLSX: the zip's central directory at the end of the file;
- CSV generally: the final line break every publisher writes, and no quoted field left open.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import eu_fsf
import gb_fcdo
import gb_ofsi
from assets import us_csl
from core.canonical import ParseResult
from core.errors import SourceFormatError
from ofac.lists import CONS, SDN
from un_sc.xml import parse_consolidated as parse_un_sc

SDN_SET = ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")
CONS_SET = ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV")


def record_ends(data: bytes) -> list[int]:
    """Offsets just after each record's line break (line breaks inside quotes are not ends)."""
    ends, quoted = [], False
    for match in re.finditer(rb'["\n]', data):
        if match.group() == b'"':
            quoted = not quoted
        elif not quoted:
            ends.append(match.end())
    return ends


def after_nth(data: bytes, closing: bytes, n: int) -> bytes:
    """`data` cut just after the line holding the n-th `closing` tag (1-based)."""
    pos = -1
    for _ in range(n):
        pos = data.index(closing, pos + 1)
    return data[: data.index(b"\n", pos) + 1]


def refusal(parse: Callable[[], ParseResult]) -> SourceFormatError:
    with pytest.raises(SourceFormatError) as error:
        parse()
    return error.value


# --- OFAC legacy CSV ------------------------------------------------------------------------


def test_every_real_ofac_csv_ends_with_ctrl_z(snapshots: Path) -> None:
    """The signal is real: all nine shipped OFAC CSV files end with a line break, then 0x1A
    (CRLF in all but SDN_COMMENTS.CSV of 2023-12-28, which ends LF)."""
    files = sorted(snapshots.glob("us_ofac_*/*/*.CSV"))
    assert len(files) == 9
    tails = {f"{f.parent.name}/{f.name}": f.read_bytes()[-3:] for f in files}
    assert all(tail.endswith(b"\n\x1a") for tail in tails.values())
    assert tails["2023-12-28/SDN_COMMENTS.CSV"] == b'"\n\x1a'
    assert tails["2024-05-03/SDN.CSV"] == b"\r\n\x1a"


@pytest.mark.parametrize("name", SDN_SET)
def test_sdn_csv_cut_between_records_is_refused(fixtures: Path, name: str) -> None:
    files = {n: (fixtures / "us_ofac_sdn" / n).read_bytes() for n in SDN_SET}
    ends = record_ends(files[name])
    keep = len(ends) // 2
    cut = files[name][: ends[keep - 1]]
    error = refusal(lambda: SDN.parse_csv({**files, name: cut}))
    first_field = cut.splitlines()[keep - 1].split(b",", 1)[0].decode()
    assert error.file == name
    assert error.location == f"line {keep + 1} (end of file)"
    assert "does not end with OFAC's end-of-file mark" in error.message
    assert error.message.endswith(
        f"the last complete record read is record {keep} (line {keep}), ent_num {first_field!r}"
    )


@pytest.mark.parametrize("name", CONS_SET)
def test_cons_csv_cut_between_records_is_refused(fixtures: Path, name: str) -> None:
    files = {n: (fixtures / "us_ofac_cons" / n).read_bytes() for n in CONS_SET}
    ends = record_ends(files[name])
    keep = max(len(ends) - 1, 1)  # the last record (unless it is the only one) and Ctrl-Z gone
    cut = files[name][: ends[keep - 1]]
    error = refusal(lambda: CONS.parse_csv({**files, name: cut}))
    assert error.file == name
    assert error.message.endswith(
        f"record {keep} (line {keep}), ent_num {cut.splitlines()[-1].split(b',')[0].decode()!r}"
    )


def test_full_sdn_2024_cut_between_records_is_refused(snapshots: Path) -> None:
    data = (snapshots / "us_ofac_sdn" / "2024-05-03" / "SDN.CSV").read_bytes()
    ends = record_ends(data)
    cut = data[: ends[9999]]  # 10,000 of its records, cleanly
    error = refusal(lambda: SDN.parse_csv({"SDN.CSV": cut}))
    last = cut[: ends[9999]].splitlines()[-1].split(b",", 1)[0].decode()
    assert (error.file, error.location) == ("SDN.CSV", "line 10001 (end of file)")
    assert error.message.endswith(f"record 10000 (line 10000), ent_num {last!r}")


def test_main_file_cut_with_its_ctrl_z_kept_is_refused_by_the_orphans(snapshots: Path) -> None:
    """Even a cut that keeps the end mark is caught: ADD.CSV names parties past SDN.CSV's end.
    The full real set has no orphan at all."""
    folder = snapshots / "us_ofac_sdn" / "2023-12-28"
    files = {n: (folder / n).read_bytes() for n in SDN_SET}
    ends = record_ends(files["SDN.CSV"])
    files["SDN.CSV"] = files["SDN.CSV"][: ends[6999]] + b"\x1a"
    last = files["SDN.CSV"].splitlines()[6999].split(b",", 1)[0].decode()
    error = refusal(lambda: SDN.parse_csv(files))
    assert (error.file, error.location) == ("SDN.CSV", "record 7000 (end of file)")
    assert re.match(r"ADD\.CSV names \d+ ent_num\(s\) beyond this file's last", error.message)
    assert error.message.endswith(f"SDN.CSV is truncated; the last record read is ent_num {last}")


def test_real_sets_have_no_orphans(snapshots: Path) -> None:
    sdn = SDN.parse_csv(
        {n: (snapshots / "us_ofac_sdn" / "2023-12-28" / n).read_bytes() for n in SDN_SET}
    )
    cons = CONS.parse_csv(
        {n: (snapshots / "us_ofac_cons" / "2025-12-19" / n).read_bytes() for n in CONS_SET}
    )
    for result in (sdn, cons):
        rejects = result.tables.get("rejects")
        assert rejects is None or not rejects["reason"].str.contains("not in").any()


# --- XML ------------------------------------------------------------------------------------

XML_CASES = {
    # reader, fixture, file name, closing tag of a record, records kept, the last record named
    "ofac_cons": (
        lambda d: CONS.parse_xml({"CONSOLIDATED.XML": d}),
        "us_ofac_cons/CONSOLIDATED.XML",
        "CONSOLIDATED.XML",
        b"</sdnEntry>",
        3,
        "sdnEntry 3 (uid 17015)",
    ),
    "ofac_sdn": (
        lambda d: SDN.parse_xml({"SDN.XML": d}),
        "us_ofac_cons/CONSOLIDATED.XML",
        "SDN.XML",
        b"</sdnEntry>",
        1,
        "sdnEntry 1 (uid 9639)",
    ),
    "un_sc": (
        parse_un_sc,
        "un_sc/consolidated.xml",
        "consolidated.xml",
        b"</INDIVIDUAL>",
        4,
        "INDIVIDUAL 4 (DATAID ",
    ),
    "eu_fsf": (
        lambda d: eu_fsf.parse_xml({eu_fsf.XML_FILE: d}),
        "eu_fsf/xmlFullSanctionsList_1_1-excerpt-184961.xml",
        eu_fsf.XML_FILE,
        b"</sanctionEntity>",
        2,
        "sanctionEntity 2 (logicalId 191)",
    ),
    "gb_fcdo": (
        lambda d: gb_fcdo.parse_xml({gb_fcdo.XML_NAME: d}),
        "gb_fcdo/UK-Sanctions-List-excerpt-2026-08-14.xml",
        gb_fcdo.XML_NAME,
        b"</Designation>",
        3,
        "Designation 3 (UniqueID AQD0377)",
    ),
    "gb_ofsi (written)": (
        lambda d: gb_ofsi.parse_xml({gb_ofsi.XML_NAME: d}),
        "gb_ofsi/ConList_excerpt.xml",
        gb_ofsi.XML_NAME,
        b"</FinancialSanctionsTarget>",
        5,
        "FinancialSanctionsTarget 5 (GroupID ",
    ),
}


@pytest.mark.parametrize("case", sorted(XML_CASES))
def test_xml_cut_between_records_is_refused(fixtures: Path, case: str) -> None:
    parse, fixture, name, closing, keep, last = XML_CASES[case]
    data = (fixtures / fixture).read_bytes()
    whole = parse(data)  # the uncut file is read
    assert whole.entry_count > keep
    if closing == b"</FinancialSanctionsTarget>":  # one line: cut right after the n-th target
        pos = -1
        for _ in range(keep):
            pos = data.index(closing, pos + 1)
        cut = data[: pos + len(closing)]
    else:
        cut = after_nth(data, closing, keep)
    error = refusal(lambda: parse(cut))
    assert error.file == name
    assert "the document ends before its root is closed: truncated?" in error.message
    assert f"the last complete record read is {last}" in error.message


def test_full_un_snapshot_cut_is_refused(snapshots: Path) -> None:
    data = (snapshots / "un_sc" / "2026-02-27" / "consolidated.xml").read_bytes()
    cut = after_nth(data, b"</ENTITY>", 10)
    error = refusal(lambda: parse_un_sc(cut))
    assert error.file == "consolidated.xml"
    assert re.search(r"the last complete record read is ENTITY \d+ \(DATAID \d+\)$", error.message)


def test_ofac_xml_record_count_must_match(fixtures: Path) -> None:
    """Entries removed but the root closed again: Record_Count (5) still tells."""
    data = (fixtures / "us_ofac_cons" / "CONSOLIDATED.XML").read_bytes()
    cut = after_nth(data, b"</sdnEntry>", 4) + b"</sdnList>\n"
    error = refusal(lambda: CONS.parse_xml({"CONSOLIDATED.XML": cut}))
    assert (error.file, error.location) == ("CONSOLIDATED.XML", "publshInformation/Record_Count")
    assert error.message == (
        "declares 5 records but holds 4: truncated; the last record read is sdnEntry 4 (uid 30882)"
    )


def test_real_ofac_xml_declares_its_count(snapshots: Path) -> None:
    data = (snapshots / "us_ofac_cons" / "2025-12-19" / "CONSOLIDATED.XML").read_bytes()
    result = CONS.parse_xml({"CONSOLIDATED.XML": data})
    assert result.declared_count == result.entry_count == 443


# --- XLSX -----------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_xlsx_cut_is_refused(snapshots: Path, keep: float) -> None:
    data = (snapshots / "gb_ofsi" / "2025-04-14" / "ConList.xlsx").read_bytes()
    error = refusal(lambda: gb_ofsi.parse_xlsx({gb_ofsi.XLSX_NAME: data[: int(len(data) * keep)]}))
    assert (error.file, error.location) == ("ConList.xlsx", "zip central directory")
    assert error.message.startswith("not a zip archive (truncated or damaged?)")


# --- CSV without an end mark: the final line break and closed quotes ------------------------

CSV_CASES = {
    # reader, fixture (real unless marked), header lines, the key column as named
    "eu_fsf csv 1.0": (
        lambda d: eu_fsf.parse_legacy({eu_fsf.LEGACY_FILE: d}),
        "eu_fsf/csvFullSanctionsList_excerpt.csv",
        None,
    ),
    "eu_fsf csv 1.1 (written)": (
        lambda d: eu_fsf.parse_csv({eu_fsf.CSV_FILE: d}),
        "eu_fsf/csvFullSanctionsList_1_1.csv",
        "Entity_LogicalId",
    ),
    "gb_fcdo csv (written)": (
        lambda d: gb_fcdo.parse_csv({gb_fcdo.CSV_NAME: d}),
        "gb_fcdo/UK-Sanctions-List.csv",
        "Unique ID",
    ),
    "gb_ofsi csv (written)": (
        lambda d: gb_ofsi.parse_csv({gb_ofsi.CSV_NAME: d}),
        "gb_ofsi/ConList_excerpt.csv",
        "Group ID",
    ),
    "gb_ofsi legacy csv": (
        lambda d: gb_ofsi.parse_csv_legacy({gb_ofsi.LEGACY_NAME: d}),
        "gb_ofsi/sanctionsconlist_excerpt.csv",
        "Group ID",
    ),
    "us_csl csv": (
        lambda d: us_csl.parse_csv({us_csl.CSV_NAME: d}),
        "us_csl/sample.csv",
        "_id",
    ),
}


CSV_NAMES = {
    "eu_fsf csv 1.0": eu_fsf.LEGACY_FILE,
    "eu_fsf csv 1.1 (written)": eu_fsf.CSV_FILE,
    "gb_fcdo csv (written)": gb_fcdo.CSV_NAME,
    "gb_ofsi csv (written)": gb_ofsi.CSV_NAME,
    "gb_ofsi legacy csv": gb_ofsi.LEGACY_NAME,
    "us_csl csv": us_csl.CSV_NAME,
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
@pytest.mark.parametrize("how", ["before the line break", "inside a quoted field"])
def test_csv_cut_is_refused(fixtures: Path, case: str, how: str) -> None:
    parse, fixture, key = CSV_CASES[case]
    data = (fixtures / fixture).read_bytes()
    ends = record_ends(data)
    keep = len(ends) * 2 // 3
    if how == "before the line break":
        cut = data[: ends[keep]].rstrip(b"\r\n")  # the next record whole, but no line break
    else:
        quote = data.index(b'"', ends[keep]) + 1  # inside the next record's first quoted field
        cut = data[: max(quote + 1, data.index(b'"', quote) - 1)]
    error = refusal(lambda: parse(cut))
    assert error.file == CSV_NAMES[case]
    if case == "us_csl csv" and how == "inside a quoted field":
        # the CSL parser's own check names the record cut off (it can keep the rest, non-strict)
        assert re.match(r"record \d+, line \d+$", error.location)
        assert "the last record is cut off" in error.message
        return
    assert error.location.endswith("(end of file)")
    assert "the file is truncated; the last complete record read is record" in error.message
    if key is not None:
        assert f", {key} '" in error.message


def test_csl_real_snapshot_cut_is_refused(snapshots: Path) -> None:
    raw = gzip.decompress(
        (snapshots / "us_csl" / "2022-05-16" / "consolidated.csv.gz").read_bytes()
    )
    ends = record_ends(raw)
    cut = raw[: ends[5000] - 1]  # 5,000 records, the last one without its line break
    error = refusal(lambda: us_csl.parse_csv({us_csl.CSV_NAME: cut}))
    assert error.file == us_csl.CSV_NAME
    assert re.search(r"record 4999 \(line \d+\), _id '[0-9a-f]+'$", error.message)
    gz = (snapshots / "us_csl" / "2022-05-16" / "consolidated.csv.gz").read_bytes()
    error = refusal(lambda: us_csl.parse_csv({us_csl.CSV_NAME: gz[: len(gz) // 2]}))
    assert error.message == "gzip data is truncated"


# --- JSON -----------------------------------------------------------------------------------


def test_csl_json_cut_between_records_is_refused(fixtures: Path) -> None:
    """Written fixture (no real CSL JSON could be had), cut after its third record."""
    data = (fixtures / "us_csl" / "consolidated.json").read_bytes()
    ends = [m.end() for m in re.finditer(rb"\n    }", data)]
    error = refusal(lambda: us_csl.parse_json({us_csl.JSON_NAME: data[: ends[2]]}))
    assert error.file == us_csl.JSON_NAME
    assert error.message.startswith("not valid JSON")
    assert re.search(
        r"the last complete record read is results\[3\] \(id [0-9a-f]+\)$", error.message
    )


def test_csl_json_declared_total_must_match(fixtures: Path) -> None:
    data = (fixtures / "us_csl" / "consolidated.json").read_bytes()
    declared = data.replace(b"{\n", b'{\n  "total": 9,\n', 1)
    error = refusal(lambda: us_csl.parse_json({us_csl.JSON_NAME: declared}))
    assert (error.file, error.location) == (us_csl.JSON_NAME, "total")
    assert re.match(
        r"declares 9 records but holds 8: truncated; the last record read is results\[8\]",
        error.message,
    )
    exact = data.replace(b"{\n", b'{\n  "total": 8,\n', 1)
    assert us_csl.parse_json({us_csl.JSON_NAME: exact}).file_rows == {us_csl.JSON_NAME: 8}
