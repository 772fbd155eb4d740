"""Zip bombs are refused before any reader expands them (core.zipsafe), for every zip the project
opens: OFSI's XLSX workbook and CEPII BACI release zips.

The bombs are built here, by streaming: one deflate block of 1 MiB of zeros (about 1 KiB once
compressed, ending on a full flush so it stands alone) is written again and again, so a member
that expands to 4 GiB costs the test a 4 MB file and no memory.
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from assets import us_csl
from assets.trade_parse import Fetched, parse_baci
from core.errors import SourceFormatError
from core.zipsafe import ZipLimits, check_zip, extract_members, gunzip
from gb_ofsi.constants import XLSX_LIMITS
from gb_ofsi.xlsx import read_xlsx
from trade import cepii_baci
from us_csl.constants import GUNZIP_LIMIT

MIB = 2**20
ZERO_BLOCK = (lambda c: c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH))(
    zlib.compressobj(9, zlib.DEFLATED, -15)
)
FINAL_BLOCK = zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def deflated(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def write_zip(path: Path, members: list[tuple[str, bytes | int, int | None]]) -> None:
    """A zip written by hand, member by member: (name, bytes or MiB of zeros, declared size).

    A member given as an int is that many MiB of zeros, streamed block by block; `declared`
    (None: the true size) is what the headers claim, so a header can lie.
    """
    central = b""
    with path.open("wb") as out:
        for name, content, declared in members:
            offset = out.tell()
            if isinstance(content, bytes):
                body, size, crc = deflated(content), len(content), zlib.crc32(content)
                csize = len(body)
            else:
                size, crc, csize = content * MIB, 0, content * len(ZERO_BLOCK) + len(FINAL_BLOCK)
            usize = size if declared is None else declared
            encoded = name.encode()
            head = (20, 0, 8, 0, 0x21, crc, csize, usize, len(encoded))
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *head, 0) + encoded)
            if isinstance(content, bytes):
                out.write(body)
            else:
                for _ in range(content):
                    out.write(ZERO_BLOCK)
                out.write(FINAL_BLOCK)
            central += (
                struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, *head, 0, 0, 0, 0, 0, offset)
                + encoded
            )
        start = out.tell()
        out.write(central)
        n = len(members)
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, len(central), start, 0))


@pytest.fixture(scope="module")
def workbook_members(fixtures: Path) -> list[tuple[str, bytes]]:
    """The members of the real OFSI XLSX excerpt, to wrap a bomb in a real workbook."""
    with zipfile.ZipFile(fixtures / "gb_ofsi" / "ConList_excerpt.xlsx") as book:
        return [(m.filename, book.read(m)) for m in book.infolist()]


def bomb_workbook(
    path: Path, members: list[tuple[str, bytes]], target: str, mib: int, declared: int | None
) -> bytes:
    write_zip(
        path,
        [(n, mib, declared) if n == target else (n, data, None) for n, data in members],
    )
    return path.read_bytes()


def refused(name: str, data: bytes, limits: ZipLimits) -> tuple[SourceFormatError, int]:
    """Run the check under tracemalloc: the refusal and the peak Python memory it took."""
    tracemalloc.start()
    try:
        with pytest.raises(SourceFormatError) as error:
            check_zip(name, data, limits)
        return error.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_real_workbooks_pass(snapshots: Path) -> None:
    sizes = {}
    for day in ("2023-06-05", "2025-04-14"):
        infos = check_zip("ConList.xlsx", snapshots / "gb_ofsi" / day / "ConList.xlsx", XLSX_LIMITS)
        sizes[day] = {i.filename: i.file_size for i in infos}
    assert sizes["2025-04-14"]["xl/worksheets/sheet1.xml"] == 12_850_714
    assert sizes["2023-06-05"]["xl/sharedStrings.xml"] == 3_457_379
    assert len(sizes["2023-06-05"]) == 10


def test_sheet_bomb_with_a_lying_header_is_refused(
    tmp_path: Path, workbook_members: list[tuple[str, bytes]]
) -> None:
    """4 GiB of sheet in a 4 MB workbook whose headers claim the excerpt's 35 KB."""
    data = bomb_workbook(
        tmp_path / "b.xlsx", workbook_members, "xl/worksheets/sheet1.xml", 4095, 35_184
    )
    assert len(data) < 6 * MIB
    error, peak = refused("ConList.xlsx", data, XLSX_LIMITS)
    assert error.file == "ConList.xlsx"
    assert error.location == "member 'xl/worksheets/sheet1.xml'"
    assert "expands past 134,217,728 bytes" in error.message
    assert "declared 35,184 bytes" in error.message
    assert peak < 16 * MIB
    # The same bomb reaches the OFSI parser's entry point, which refuses it before calamine.
    with pytest.raises(SourceFormatError, match=r"sheet1\.xml'.*zip bomb"):
        read_xlsx("ConList.xlsx", data)


def test_shared_string_bomb_declared_honestly_is_refused(
    tmp_path: Path, workbook_members: list[tuple[str, bytes]]
) -> None:
    """A 3 GiB shared-strings member that says so: refused on its header, nothing inflated."""
    data = bomb_workbook(tmp_path / "s.xlsx", workbook_members, "xl/sharedStrings.xml", 3072, None)
    error, peak = refused("ConList.xlsx", data, XLSX_LIMITS)
    assert error.location == "member 'xl/sharedStrings.xml'"
    assert error.message.startswith("declares 3,221,225,472 bytes (3,072.0 MiB)")
    assert peak < 16 * MIB


def test_header_smaller_than_the_data_is_refused(
    tmp_path: Path, workbook_members: list[tuple[str, bytes]]
) -> None:
    """Within the limit but not what the header says: a crafted or damaged member."""
    data = bomb_workbook(tmp_path / "l.xlsx", workbook_members, "xl/styles.xml", 2, 1_023)
    error, _ = refused("ConList.xlsx", data, XLSX_LIMITS)
    assert error.location == "member 'xl/styles.xml'"
    assert error.message == ("declares 1,023 bytes but expands to 2,097,152 bytes (2.0 MiB)")


def test_total_and_member_count_limits(tmp_path: Path) -> None:
    limits = ZipLimits(member=3 * MIB, total=5 * MIB, members=3)
    write_zip(tmp_path / "t.zip", [(f"m{i}", 2, None) for i in range(3)])
    error, _ = refused("t.zip", (tmp_path / "t.zip").read_bytes(), limits)
    assert (error.location, error.message[:40]) == (
        "member 'm2'",
        "members declare 6,291,456 bytes (6.0 MiB",
    )
    write_zip(tmp_path / "n.zip", [(f"m{i}", b"x", None) for i in range(4)])
    error, _ = refused("n.zip", (tmp_path / "n.zip").read_bytes(), limits)
    assert error.message == "4 members, more than the 3 allowed"


def test_baci_release_bomb_is_refused(tmp_path: Path) -> None:
    """The BACI release zip goes through the same check (limit 4 GiB per year file)."""
    limits = ZipLimits(member=64 * MIB, total=128 * MIB, members=400)
    write_zip(tmp_path / "r.zip", [("BACI_HS22_Y2022_V202401.csv", 200, 1_000)])
    data = (tmp_path / "r.zip").read_bytes()
    error, peak = refused("BACI_HS22_V202401.zip", data, limits)
    assert error.location == "member 'BACI_HS22_Y2022_V202401.csv'"
    assert "expands past 67,108,864 bytes" in error.message
    assert peak < 16 * MIB
    assert cepii_baci.RELEASE_LIMITS.member == 4 * 2**30
    # cepii_baci.unzip applies RELEASE_LIMITS: the lying header is caught once the data passes
    # the declared 1,000 bytes, long before 4 GiB.
    with pytest.raises(SourceFormatError, match=r"declares 1,000 bytes but expands to 209,715,200"):
        cepii_baci.unzip("BACI_HS22_V202401.zip", data)


def test_csl_gzip_bomb_is_refused() -> None:
    """The CSL's .csv.gz: 1 GiB of zeros in a 1 MB gzip, refused at the 128 MiB limit."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    bomb = header + ZERO_BLOCK * 1024 + FINAL_BLOCK + struct.pack("<II", 0, 0)
    assert len(bomb) < 2 * MIB
    tracemalloc.start()
    try:
        with pytest.raises(SourceFormatError) as error:
            us_csl.parse_csv({us_csl.CSV_NAME: bomb})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.value.file == us_csl.CSV_NAME
    assert error.value.location.startswith("gzip stream, byte ")
    assert error.value.message == (
        "expands past 134,217,728 bytes (128.0 MiB): refused as a gzip bomb"
    )
    # the pieces kept until the limit is passed, and no more
    assert peak < 160 * MIB


def test_real_csl_gzip_still_reads(snapshots: Path) -> None:
    data = (snapshots / "us_csl" / "2022-05-16" / "consolidated.csv.gz").read_bytes()
    assert len(gunzip("consolidated.csv.gz", data, GUNZIP_LIMIT)) == 5_829_294


def test_baci_release_on_disk_is_checked_before_extraction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trade asset reads the archived release member by member: the same check comes first
    (with the source's limits, lowered here so the test stays light), and nothing is extracted
    from a refused archive."""
    monkeypatch.setattr(cepii_baci, "RELEASE_LIMITS", ZipLimits(64 * MIB, 128 * MIB, 400))
    members = [("country_codes_V202401.csv", b"x\n", None), ("BACI.csv", 200, None)]
    write_zip(tmp_path / "r.zip", members)
    fetched = Fetched("cepii_baci", "snapshot", {"BACI_HS22_V202401.zip": tmp_path / "r.zip"})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(SourceFormatError) as error:
        parse_baci(fetched, scratch)
    assert error.value.file == "BACI_HS22_V202401.zip"
    assert error.value.location == "member 'BACI.csv'"
    assert error.value.message.startswith("declares 209,715,200 bytes (200.0 MiB), more than")
    assert not any(scratch.iterdir())
    # a small release is extracted as before
    write_zip(tmp_path / "ok.zip", [("a/b.csv", b"t,i\n", None)])
    out = extract_members("ok.zip", tmp_path / "ok.zip", tmp_path / "ok", ZipLimits(MIB, MIB, 1))
    assert {k: v.read_bytes() for k, v in out.items()} == {"a/b.csv": b"t,i\n"}
