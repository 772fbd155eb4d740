"""What the command line prints after a run: each failed step's own error and each check that
did not pass, whether a version was published and what it holds, and one clear message for a
full disk (after removing the failed run's temporary files). Used by `cli.py`."""

from __future__ import annotations

import errno
import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from dagster import ExecuteInProcessResult
    from dagster._utils.error import SerializableErrorInfo

DISK_FULL_TEXT = ("no space left on device", "database or disk is full", "disk is full")


def _chain(error: SerializableErrorInfo | None) -> Iterator[SerializableErrorInfo]:
    while error is not None:
        yield error
        error = error.cause or error.context


def _says_disk_full(text: str) -> bool:
    return any(words in text.lower() for words in DISK_FULL_TEXT)


def step_error(error: SerializableErrorInfo) -> str:
    """The step's own error (the first that is not Dagster's wrapper around it), as raised: its
    message names the file, the place and the reason."""
    chain = list(_chain(error))
    own = next((e for e in chain if not (e.cls_name or "").startswith("Dagster")), chain[-1])
    message = own.message.strip()
    # a full disk is said first, whichever error on the way up carried it (DuckDB's checkpoint
    # failure comes wrapped in the error of whatever touched the database next)
    full = next(
        (
            line.strip()
            for e in chain
            for line in (e.message or "").splitlines()
            if _says_disk_full(line)
        ),
        None,
    )
    first = message.splitlines()[0] if message else ""
    if full is not None and not _says_disk_full(first):
        return f"{full}\n{message}"
    return message


# DuckDB writes its files in blocks of 256 KiB: a device with less free space than one block
# cannot take another write of the warehouse or of a version, whatever else an error says
FULL_BELOW_BYTES = 256 * 1024


def free_bytes(path: Path) -> int:
    """Free space (for unprivileged writers) on the device holding `path`."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def is_disk_full(exc: BaseException, paths: tuple[Path, ...] = ()) -> bool:
    """True when `exc` (or what caused it) is a full disk: ENOSPC, SQLite's or DuckDB's
    "disk is full", or an I/O error on a device of `paths` that has no room left (SQLite
    reports a full disk while opening Dagster's event log as "disk I/O error")."""
    seen: set[int] = set()
    current: BaseException | None = exc
    io_error = False
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(current).lower()
        if any(t in text for t in DISK_FULL_TEXT):
            return True
        io_error = io_error or isinstance(current, OSError) or "i/o error" in text
        current = current.__cause__ or current.__context__
    return io_error and any(free_bytes(p) < FULL_BELOW_BYTES for p in paths)


def _error_is_disk_full(error: SerializableErrorInfo) -> bool:
    return any(
        "[errno 28]" in e.message.lower() or any(t in e.message.lower() for t in DISK_FULL_TEXT)
        for e in _chain(error)
    )


def check_reason(data: Any) -> str:
    """What a failed check says: its description, else its text metadata."""
    if data.description:
        return data.description
    parts = []
    for key, value in (data.metadata or {}).items():
        text = str(getattr(value, "value", value)).strip()
        if text and text != "none":
            parts.append(f"{key}: {text}")
    return "; ".join(parts) or "no reason given"


def report_failures(
    result: ExecuteInProcessResult, out: TextIO | None = None, notes: TextIO | None = None
) -> str | None:
    """Print each failed step's own error and each blocking check that did not pass, with its
    reason, on `out`; the names of non-blocking checks that did not pass on `notes`.

    Returns the key of a step that failed because the disk is full, if any.
    """
    # the streams of the moment (not of import time: a test's capture replaces them)
    out, notes = out or sys.stderr, notes or sys.stdout
    disk_full = None
    warnings = []
    if not result.success:
        print("RUN FAILED — the previously published version (if any) is unchanged.", file=out)
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            if disk_full is None and _error_is_disk_full(error):
                disk_full = event.step_key
            print(f"  step {event.step_key} failed: {step_error(error)[:4000]}", file=out)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            name = f"{data.asset_key.to_user_string()}:{data.check_name}"
            if data.passed:
                continue
            if data.blocking:
                print(
                    f"  check {name} did not pass (blocking: nothing downstream ran): "
                    f"{check_reason(data)[:4000]}",
                    file=out,
                )
            else:
                warnings.append((name, check_reason(data)))
    if warnings:
        print(f"warnings: {len(warnings)} non-blocking check(s) did not pass:", file=notes)
        for name, reason in sorted(warnings):
            # asset:check, then the check's reason on its own line, never cut
            print(f"  WARNING {name} (warning check, not blocking)", file=notes)
            print(textwrap.indent(textwrap.fill(reason, width=96), "      "), file=notes)
    return disk_full


def publish_outcome(result: ExecuteInProcessResult) -> tuple[bool | None, str | None]:
    """(True: a new version was published / False: nothing new to publish / None: the publish
    step did not materialize) and the version named by `published_version`."""
    for event in result.all_events:
        if not event.is_step_materialization:
            continue
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.to_user_string() != "published_version":
            continue
        metadata = materialization.metadata
        version = metadata.get("version")
        unchanged = metadata.get("unchanged")
        return (
            not bool(getattr(unchanged, "value", unchanged)),
            str(getattr(version, "value", version)) if version is not None else None,
        )
    return None, None


def source_line(s: dict[str, Any], primary: dict[str, str]) -> list[str]:
    """A manifest source as printed: the publication, then how its date is known (whole
    words, never cut), and for a format that is not canonical why it holds no entities."""
    date_text = s["published_at"] or "unknown"
    if s.get("primary", True):
        entities = f"entities {s['canonical_entities']:>6}"
    else:
        entities = f"entities {'-':>6}"
    lines = [
        f"  {s['source']:<14} {s['format']:<11} published {date_text:<10} ({s['mode']})  "
        f"entries {s['entry_count']:>6}  {entities}"
    ]
    basis = textwrap.fill(
        f"date known from: {s['published_basis']}",
        width=96,
        initial_indent=" " * 6,
        subsequent_indent=" " * 8,
        break_long_words=False,
        break_on_hyphens=False,
    )
    lines.append(basis)
    if not s.get("primary", True):
        lines.append(
            f"      not canonical: the tables hold {s['source']}'s {primary.get(s['source'], '?')} "
            f"rows; this format is parsed and checked for agreement only (no entities of its own)"
        )
    return lines


def print_summary(
    data_dir: Path, folder: Path, published: bool | None, out: TextIO | None = None
) -> None:
    """What the run left: whether a version was published (plainly), the current version, its
    source publications and tables, and how to query it."""
    out = out or sys.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    version = manifest["version"]
    if published:
        print(f"PUBLISHED: new version {version}  ->  {folder}", file=out)
    elif published is False:
        print(
            "NOTHING PUBLISHED: no input (source publication, trade or reconciliation table) changed since the last version; "
            f"the current version is still {version}  ->  {folder}",
            file=out,
        )
    else:
        print(
            f"NOTHING PUBLISHED by this run; the current version is {version}  ->  {folder}",
            file=out,
        )
    primary = {s["source"]: s["format"] for s in manifest["sources"] if s.get("primary", True)}
    print("source publications:", file=out)
    for s in manifest["sources"]:
        for line in source_line(s, primary):
            print(line, file=out)
    print("tables:", file=out)
    for name, t in manifest["tables"].items():
        print(f"  {name:<16} {t['rows']:>8} rows  {folder / t['file']}", file=out)
    print(
        f"analysts: python3 dev.py duckdb -readonly "
        f"{data_dir / 'published' / 'latest' / 'sanctions.duckdb'}",
        file=out,
    )
    print(f"readers of several files: resolve one version first ({folder})", file=out)


def remove_temporary(data_dir: Path) -> list[Path]:
    """Remove what a failed run left half-written under `data_dir` (temp files and folders,
    frozen history catalogs not yet published). Callers hold the run and pipeline locks."""
    from resources.warehouse import remove_tree

    removed = []
    for pattern in (".*.tmp", ".*.tmp.wal", ".scratch-*", ".history.*.ducklake"):
        for path in sorted(data_dir.rglob(pattern), key=lambda p: len(p.parts)):
            if path.is_symlink() or path.exists():
                remove_tree(path)
                removed.append(path)
    return removed


def report_disk_full(
    data_dir: Path, where: str, before: Path | None, exc: BaseException | None = None
) -> None:
    """One clear message for a full disk, after removing the run's temporary files.

    `before` is the latest version's folder when the run started: the message says whether a
    version was published before the disk filled."""
    from resources.warehouse import exclusive, latest_folder

    with exclusive(data_dir / "warehouse" / ".pipeline.lock", wait_seconds=120):
        removed = remove_temporary(data_dir)
    usage = shutil.disk_usage(data_dir)
    after = latest_folder(data_dir / "published")
    outcome = (
        "Nothing was published; the previously published version (if any) is unchanged."
        if after == before
        else f"Version {after.name if after else '?'} was published before the disk filled."
    )
    culprit = getattr(exc, "filename", None) if isinstance(exc, OSError) else None
    print(
        f"DISK FULL: no space left on the device holding {data_dir}"
        f"{f' (writing {culprit})' if culprit else ''} {where}. "
        f"{usage.free / 2**20:.1f} MiB free of {usage.total / 2**20:.1f} MiB. "
        f"{outcome} "
        f"Removed {len(removed)} temporary file(s) of this run. Free some space and run again.",
        file=sys.stderr,
    )
