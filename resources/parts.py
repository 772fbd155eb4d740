"""Temporary files of fetches in progress (`.fetch-*.part`), and removing those of dead ones.

A fetch streams each body into a temporary file in the source's archive folder
(`DataDir.incoming`); the archive then links it into place, or a failed attempt removes it. A
process killed meanwhile (SIGKILL, the machine's out-of-memory killer, a pod evicted) removes
nothing, and a multi-GB trade release would stay behind as a `.part` file for good.

So each temporary file is named after the process writing it: its host, its PID and the
PID's start time (`/proc/<pid>/stat`, so a PID reused by a later process is not taken for the
writer). Before a fetch writes into a folder, the files of writers that are gone are removed:
same host, and no process with that PID and start time. A file another host wrote (a folder on
shared storage) is never judged from here, nor a file named otherwise: both are left as they
are.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

PREFIX = ".fetch-"
SUFFIX = ".part"
_SEP = "~"  # not in host names (RFC 1123 allows letters, digits, '-' and '.')

log = logging.getLogger(__name__)


def _start_time(pid: int) -> str | None:
    """The process's start time since boot, in clock ticks (field 22 of `/proc/<pid>/stat`);
    None when there is no such process, "" where the system has no `/proc`."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None if Path("/proc/self/stat").exists() else ""
    except OSError:
        return ""
    # the command name (field 2) is in parentheses and may hold spaces: split after it
    return stat.rsplit(")", 1)[1].split()[19]


@dataclass(frozen=True)
class Writer:
    host: str
    pid: int
    started: str  # "" when unknown (no /proc)

    @classmethod
    def this(cls) -> Writer:
        return cls(socket.gethostname(), os.getpid(), _start_time(os.getpid()) or "")

    def tag(self) -> str:
        return _SEP.join((self.host, str(self.pid), self.started)) + _SEP

    def alive(self) -> bool:
        """Whether the writer may still be running (asked on its own host only)."""
        started = _start_time(self.pid)
        if started is None:
            return False
        return not (self.started and started and started != self.started)


def new_part(folder: Path) -> tuple[int, Path]:
    """Create this process's temporary file in `folder`: (open descriptor, path)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=PREFIX + Writer.this().tag(), suffix=SUFFIX)
    return fd, Path(name)


def writer_of(path: Path) -> Writer | None:
    """Who wrote the temporary file `path`, from its name (None: not named by `new_part`)."""
    name = path.name
    if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
        return None
    fields = name[len(PREFIX) :].split(_SEP)
    if len(fields) != 4 or not fields[1].isdigit() or not fields[0]:
        return None
    return Writer(fields[0], int(fields[1]), fields[2])


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary files in `folder` whose writer, on this host, is gone; returns them.

    Files written on another host, or not named by `new_part`, are left."""
    if not folder.is_dir():
        return []
    host = socket.gethostname()
    removed = []
    for path in sorted(folder.glob(f"{PREFIX}*{SUFFIX}")):
        writer = writer_of(path)
        if writer is None or writer.host != host or writer.alive():
            continue
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:  # removed meanwhile by another sweeper
            continue
        log.warning(
            "removed %s (%d bytes): the temporary file of a fetch whose process (PID %d) is gone",
            path,
            size,
            writer.pid,
        )
        removed.append(path)
    return removed
