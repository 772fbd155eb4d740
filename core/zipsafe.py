"""Zip archives (XLSX workbooks, release zips) opened only after every member is proven small.

A zip member's header states its expanded size, but a zip bomb can lie there, and readers such as
calamine decompress what the stream holds, not what the header says. So each member is checked
twice before anyone reads it: its declared size against the source's limit, then its *actual*
size, by inflating the raw deflate stream in bounded chunks (nothing is kept) and counting until
the stream ends or the limit is passed. A member whose actual size or CRC differs from its header
is refused too: the archive is damaged or crafted. Errors name the file, the member and the size.

Limits are data of each source (`ZipLimits` beside the source's constants), set from the sizes of
its real files with a wide margin; the comment beside each says how.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.errors import SourceFormatError

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_CHUNK = 1 << 20  # most expanded bytes made at a time
_READ = 1 << 16  # compressed bytes read at a time (a bomb's 64 KiB can make 64 MiB)


@dataclass(frozen=True)
class ZipLimits:
    """Most a source's archive may hold: bytes per member and in all, once expanded, and members."""

    member: int
    total: int
    members: int


def _mib(size: int) -> str:
    return f"{size:,} bytes ({size / 2**20:,.1f} MiB)" if size >= 2**20 else f"{size:,} bytes"


def _actual_size(name: str, fp: BinaryIO, info: zipfile.ZipInfo, limit: int) -> None:
    """Inflate one member's raw stream in bounded chunks; refuse past `limit` or on a lying header."""
    member = info.filename
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise SourceFormatError(name, f"member {member!r}", "no local file header: damaged zip")
    fields = _LOCAL_HEADER.unpack(header)
    name_len, extra_len = fields[9], fields[10]
    fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    if info.flag_bits & 0x1:
        raise SourceFormatError(name, f"member {member!r}", "encrypted member")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise SourceFormatError(
            name, f"member {member!r}", f"unexpected compression method {info.compress_type}"
        )
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, actual, crc = info.compress_size, 0, 0
    while left > 0:
        chunk = fp.read(min(_READ, left))
        if not chunk:
            raise SourceFormatError(
                name, f"member {member!r}", "compressed data ends early: truncated zip"
            )
        left -= len(chunk)
        while chunk:
            if inflate is None:
                out, chunk = chunk, b""
            else:
                try:
                    out = inflate.decompress(chunk, _CHUNK)
                except zlib.error as exc:
                    raise SourceFormatError(
                        name, f"member {member!r}", f"bad deflate data: {exc}"
                    ) from exc
                chunk = inflate.unconsumed_tail
            actual += len(out)
            crc = zlib.crc32(out, crc)
            if actual > limit:
                raise SourceFormatError(
                    name,
                    f"member {member!r}",
                    f"expands past {_mib(limit)} (declared {_mib(info.file_size)}): "
                    "refused as a zip bomb",
                )
            if inflate is not None and inflate.eof:
                break
    if inflate is not None and not inflate.eof:
        raise SourceFormatError(name, f"member {member!r}", "deflate stream does not end")
    if actual != info.file_size or crc != info.CRC:
        raise SourceFormatError(
            name,
            f"member {member!r}",
            f"declares {_mib(info.file_size)} but expands to {_mib(actual)}"
            + ("" if actual != info.file_size else " with another CRC"),
        )


def check_zip(name: str, data: bytes | Path, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    """Prove every member of the archive `data` (bytes or a file) within `limits`; return them.

    Refuses (`SourceFormatError` naming the file, the member and the size) a member whose declared
    or actual expanded size passes `limits.member`, an archive whose members pass `limits.total`
    in all or `limits.members` in number, and a member whose header disagrees with its data.
    """
    with open(data, "rb") if isinstance(data, Path) else io.BytesIO(data) as fp:
        try:
            archive = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
            raise SourceFormatError(
                name, "zip central directory", f"not a zip archive (truncated or damaged?): {exc}"
            ) from exc
        with archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if len(infos) > limits.members:
                raise SourceFormatError(
                    name,
                    "zip central directory",
                    f"{len(infos):,} members, more than the {limits.members:,} allowed",
                )
            declared = 0
            for info in infos:
                declared += info.file_size
                if info.file_size > limits.member:
                    raise SourceFormatError(
                        name,
                        f"member {info.filename!r}",
                        f"declares {_mib(info.file_size)}, more than the {_mib(limits.member)} "
                        "allowed per member: refused as a zip bomb",
                    )
                if declared > limits.total:
                    raise SourceFormatError(
                        name,
                        f"member {info.filename!r}",
                        f"members declare {_mib(declared)} in all, more than the "
                        f"{_mib(limits.total)} allowed: refused as a zip bomb",
                    )
            for info in infos:
                _actual_size(name, fp, info, limits.member)
    return infos


def read_members(name: str, data: bytes, limits: ZipLimits) -> dict[str, bytes]:
    """Every file member of the archive (member name → bytes), after `check_zip` proved it small."""
    check_zip(name, data, limits)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {m.filename: archive.read(m) for m in archive.infolist() if not m.is_dir()}


def extract_members(
    name: str, archive_path: Path, dest: Path, limits: ZipLimits
) -> dict[str, Path]:
    """Extract every file member under `dest` (member name → path), after `check_zip`."""
    check_zip(name, archive_path, limits)
    with zipfile.ZipFile(archive_path) as archive:
        return {
            m.filename: Path(archive.extract(m, dest)) for m in archive.infolist() if not m.is_dir()
        }


def gunzip(name: str, data: bytes, limit: int) -> bytes:
    """Decompress a gzip payload (every member) in bounded chunks, refusing past `limit` bytes.

    A gzip header states no trustworthy size either, so the output is counted as it is made.
    """
    out, total, rest = [], 0, data
    while rest:
        inflate = zlib.decompressobj(wbits=31)
        chunk = rest
        try:
            while chunk and not inflate.eof:
                piece = inflate.decompress(chunk, _CHUNK)
                total += len(piece)
                if total > limit:
                    raise SourceFormatError(
                        name,
                        f"gzip stream, byte {len(data) - len(inflate.unconsumed_tail)}",
                        f"expands past {_mib(limit)}: refused as a gzip bomb",
                    )
                out.append(piece)
                chunk = inflate.unconsumed_tail
        except zlib.error as exc:
            raise SourceFormatError(name, "gzip stream", f"corrupt gzip data: {exc}") from exc
        if not inflate.eof:
            raise SourceFormatError(
                name, f"gzip stream, byte {len(data)}", "gzip data is truncated"
            )
        rest = inflate.unused_data
    return b"".join(out)
