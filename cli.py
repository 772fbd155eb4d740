"""Command line: run the whole pipeline once and say where the results are.

    python cli.py run [--data-dir DIR] [--mode snapshot|live] [--pin SOURCE=DATE]
                      [--allow-shrink] [--keep-versions N] [--force]
                      [--period YEAR[..YEAR] | YYYY-MM[..YYYY-MM]]

Runs in-process against a persistent Dagster instance (the runs then show up in `dagster dev` on
the same DAGSTER_HOME). First every source is checked cheaply (`assets/unchanged.py`: shipped
files hashed, or the publisher probed conditionally): one whose payload and ingest code are
those of its last materialization is left out, with one runless materialization recording the
check (`--force` leaves nothing out; with nothing left, no Dagster run is launched). Then
`ingest_all` (the other lists and trade sources), then, only for the
derived assets Dagster reports stale, `refresh_all` on them (an unchanged re-run executes no
consolidation, reconciliation or publish step). The trade sources are partitioned by year:
`ingest_all` is one range run over every period, or over `--period 2023` / `--period
2021..2023` only (the other periods' stored files are not touched); `--period 2023-05` refreshes
only that month of the monthly trade sources (Comext, CN8, Comtrade) inside its year's files,
the yearly ones (BACI, IMF) are not run (`assets/trade_months.py`). It then prints the mode, each source publication
and its date, and the paths of the published version. A failed run prints each failed step's
own error and each check that did not pass, with its reason; a full disk ends in one clear
message, and the failed run's temporary files are removed. Exit codes: 0 published (or
nothing new to publish), 1 the run failed, 2 usage error (bad option or pin).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from dagster import AssetKey, ExecuteInProcessResult
    from dagster._utils.error import SerializableErrorInfo

DISK_FULL_TEXT = ("no space left on device", "database or disk is full", "disk is full")


def parse_pin(text: str) -> tuple[str, str]:
    """`SOURCE=DATE` (argparse type): a malformed pin is a usage error, not a traceback."""
    source, sep, day = text.partition("=")
    source, day = source.strip(), day.strip()
    if not sep or not source or not day:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not SOURCE=DATE (for example us_ofac_sdn=2024-05-03)"
        )
    try:
        date.fromisoformat(day)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {day!r} is not a date (YYYY-MM-DD)") from None
    return source, day


def parse_period(text: str) -> dict[str, str]:
    """`YEAR`, `FIRST..LAST`, `YYYY-MM` or `YYYY-MM..YYYY-MM` (argparse type): the run tags of
    those years, or of those months within their years (`assets/trade_months.py`). A period
    that is not a trade partition, or not a month, is a usage error naming it."""
    from assets.trade_months import is_month, month_tags, parse_months
    from assets.trade_periods import UnknownPeriodError, range_tags

    first, _, last = text.partition("..")
    try:
        if is_month(text):
            return month_tags(parse_months(text))
        return range_tags(first.strip(), last.strip() or first.strip())
    except UnknownPeriodError as exc:
        raise argparse.ArgumentTypeError(f"--period {text}: {exc}") from None


def ingest_selection(
    keys: Iterable[AssetKey], period: dict[str, str] | None
) -> list[AssetKey] | None:
    """The assets of `ingest_all` a run covers: all (None), or for a month run all but the
    yearly trade sources, which refuse a month (`assets/trade_months.py`); it says so."""
    from assets.trade_months import MONTH_COLUMNS, MONTHS_TAG
    from assets.trade_periods import PARTITIONED

    if not period or MONTHS_TAG not in period:
        return None
    yearly = sorted(set(PARTITIONED) - set(MONTH_COLUMNS))
    print(f"--period {period[MONTHS_TAG]}: {', '.join(yearly)} are yearly: not run")
    return sorted(key for key in keys if key.to_user_string() not in yearly)


def check_pins(pins: list[tuple[str, str]]) -> str | None:
    """Why these pins cannot be served from the shipped snapshots (None: they can).

    An unknown source is refused with the known ones; a date no catalog entry has is refused
    with the dates the catalog does have.
    """
    from assets.trade import LIVE_FILES, snapshot_payloads, snapshot_root
    from core.errors import FetchError
    from definitions import SPECS
    from resources.fetcher import SnapshotFetcher

    lists = [spec.source for spec in SPECS]
    trade = sorted(LIVE_FILES)
    seen: dict[str, str] = {}
    for source, day in pins:
        if source not in lists and source not in trade:
            return (
                f"--pin {source}={day}: unknown source {source!r}; known sources: "
                f"{', '.join(lists)}, and trade sources: {', '.join(trade)}"
            )
        if seen.get(source, day) != day:
            return f"--pin {source}: pinned twice, to {seen[source]} and {day}"
        seen[source] = day
        fetcher = SnapshotFetcher(pins={source: day})
        if source in lists:
            try:
                fetcher.publication(source)
            except FetchError as exc:
                return f"--pin {source}={day}: {exc}"
        elif not snapshot_payloads(source, snapshot_root(fetcher), day)[1]:
            return f"--pin {source}={day}: no {source} snapshot publication dated {day}"
    return None


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


def run(
    data_dir: Path,
    mode: str,
    pins: list[tuple[str, str]],
    allow_shrink: bool,
    keep_versions: int | None = None,
    period: dict[str, str] | None = None,
    force: bool = False,
) -> int:
    os.environ["SANCTIONS_DATA_DIR"] = str(data_dir)
    os.environ["SANCTIONS_MODE"] = mode
    if pins:
        os.environ["SANCTIONS_PINS"] = ",".join(f"{s}={d}" for s, d in pins)
    dagster_home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir / "dagster_home")))

    from dagster import AssetKey, DagsterInstance

    from assets.staleness import stale_derived
    from assets.trade_periods import range_tags
    from assets.unchanged import Verdict, check_sources, record_checked, source_lines
    from definitions import SPECS, build_definitions
    from resources.storage import DataDir
    from resources.warehouse import exclusive, latest_folder

    # built now, from the environment just set (importing `definitions` earlier, to check the
    # pins, built its module-level `defs` without them)
    defs = build_definitions()
    # one command-line run at a time per data directory: a second one waits, and says so
    run_lock = data_dir / "warehouse" / ".run.lock"

    def say_waiting() -> None:
        print(
            f"another run holds {run_lock}; waiting for it to finish", file=sys.stderr, flush=True
        )

    policy: dict[str, Any] = {"allow_shrink": allow_shrink}
    if keep_versions is not None:
        policy["keep_versions"] = keep_versions
    elif "SANCTIONS_KEEP_VERSIONS" in os.environ:
        policy["keep_versions"] = int(os.environ["SANCTIONS_KEEP_VERSIONS"])
    run_config = {
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
        "resources": {"publish_policy": {"config": policy}},
    }
    before = latest_folder(data_dir / "published")
    results: list[ExecuteInProcessResult] = []
    rebuilt: list[str] = []
    verdicts: list[Verdict] = []
    sources: list[str] = []
    # the trade sources' periods: all, or `--period`'s years or months (one run)
    tags = period or range_tags()
    timings: dict[str, float] = {}
    left_out: set[str] = set()
    selected: list[str] = []
    ingest_ok = True
    try:
        dagster_home.mkdir(parents=True, exist_ok=True)
        with (
            exclusive(run_lock, wait_seconds=3600, on_wait=say_waiting),
            DagsterInstance.get() as instance,
        ):
            # the definitions are loaded inside the instance's context: loading them reads
            # the instance's defs state (dagster 1.13 keeps it in a context variable that
            # the instance sets on enter)
            ingest = defs.resolve_job_def("ingest_all")
            # a month run leaves the yearly trade sources out (they refuse a month), says so
            covered = ingest_selection(ingest.asset_layer.executable_asset_keys, period)
            keys = ingest.asset_layer.executable_asset_keys if covered is None else covered
            sources = sorted(k.to_user_string() for k in keys)
            # phase 0 (unless --force): which sources would only find again what their last
            # ingest recorded (assets/unchanged.py); those are checked, not run
            started = time.perf_counter()
            if not force:
                fetcher = defs.resources["fetcher"].process_config_and_initialize()
                periods = range_periods(tags)
                verdicts = check_sources(
                    instance,
                    defs.resolve_asset_graph(),
                    sources,
                    {spec.source: spec for spec in SPECS},
                    fetcher,
                    DataDir(root=str(data_dir)),
                    periods,
                )
                record_checked(instance, verdicts)
            timings["check"] = time.perf_counter() - started
            timings["probe"] = sum(v.probe_seconds for v in verdicts)
            left_out = {v.source for v in verdicts if v.skip}
            # phase 1: fetch, parse and check every list and trade source not left out
            if selected := [s for s in sources if s not in left_out]:
                results.append(
                    ingest.execute_in_process(
                        instance=instance,
                        raise_on_error=False,
                        run_config=run_config,
                        tags=tags,
                        asset_selection=(
                            [AssetKey(s) for s in selected]
                            if left_out or covered is not None
                            else None
                        ),
                    )
                )
                ingest_ok = results[0].success
            # phase 2, only for what Dagster reports stale (a new data version upstream, new
            # code, or never built): an unchanged re-run executes no downstream step
            started = time.perf_counter()
            stale = stale_derived(instance, defs) if ingest_ok else []
            timings["stale"] = time.perf_counter() - started
            if stale:
                rebuilt = [key.to_user_string() for key in stale]
                results.append(
                    defs.resolve_job_def("refresh_all").execute_in_process(
                        instance=instance,
                        raise_on_error=False,
                        run_config=run_config,
                        asset_selection=stale,
                    )
                )
    except Exception as exc:
        if not is_disk_full(exc, (data_dir, dagster_home)):
            raise
        # Dagster's own event log (SQLite under DAGSTER_HOME) could not be written either
        print(f"mode: {mode}   data directory: {data_dir}")
        report_disk_full(data_dir, "(the run and Dagster's event log stopped)", before, exc)
        return 1
    runs = ", ".join(result.run_id for result in results) or "none (no source to ingest)"
    print(f"mode: {mode}   data directory: {data_dir}   dagster runs: {runs}")
    for line in source_lines(sources, verdicts, results[0] if results and selected else None):
        print(line)
    if verdicts:
        print(
            f"unchanged check: {len(left_out)} of {len(sources)} source(s) left out of the "
            f"ingest run, in {timings['check']:.2f} s (of which reading or probing the "
            f"files {timings['probe']:.2f} s); staleness {timings['stale']:.2f} s"
        )
    if ingest_ok:
        print(
            f"derived assets rebuilt: {', '.join(rebuilt)}"
            if rebuilt
            else "derived assets rebuilt: none (no list, trade source or code changed)"
        )
    published: bool | None = False if ingest_ok and not rebuilt else None
    for result in results:
        if step := report_failures(result):
            report_disk_full(data_dir, f"(step {step} could not write)", before)
        outcome, _ = publish_outcome(result)
        if outcome is not None:
            published = outcome
    folder = latest_folder(data_dir / "published")
    if folder is not None and (folder / "manifest.json").exists():
        print_summary(data_dir, folder, published)
    elif not published:
        print("NOTHING PUBLISHED: there is no published version yet")
    return 0 if all(result.success for result in results) else 1


def range_periods(tags: dict[str, str]) -> list[str]:
    """The trade periods a run with these range tags covers, oldest first."""
    from assets.trade_periods import RANGE_END_TAG, RANGE_START_TAG, periods

    known = periods()
    return known[known.index(tags[RANGE_START_TAG]) : known.index(tags[RANGE_END_TAG]) + 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="materialize every asset and publish a version")
    run_parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("SANCTIONS_DATA_DIR", "data"))
    )
    run_parser.add_argument(
        "--mode", choices=("snapshot", "live"), default=os.environ.get("SANCTIONS_MODE", "snapshot")
    )
    run_parser.add_argument(
        "--pin",
        action="append",
        type=parse_pin,
        default=[],
        metavar="SOURCE=DATE",
        help="snapshot mode: serve this publication of a source instead of its newest (repeatable)",
    )
    run_parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even if a list lost more than the allowed fraction of its parties",
    )
    run_parser.add_argument(
        "--keep-versions",
        type=int,
        default=None,
        metavar="N",
        help="keep the newest N published versions (and latest); default 30, or "
        "SANCTIONS_KEEP_VERSIONS",
    )
    run_parser.add_argument(
        "--period",
        type=parse_period,
        default=None,
        metavar="YEAR[..YEAR] | YYYY-MM[..YYYY-MM]",
        help="trade sources: refresh only this year or range of years, or only these months "
        "of the monthly sources within their years (default: every period)",
    )
    run_parser.add_argument(
        "--force",
        action="store_true",
        help="ingest every source (and its periods) even if its files and code are unchanged "
        "since its last ingest (default: those are checked and left out of the run)",
    )
    args = parser.parse_args(argv)
    if args.keep_versions is not None and args.keep_versions < 1:
        run_parser.error(f"--keep-versions must be at least 1, not {args.keep_versions}")
    if args.pin and args.mode != "snapshot":
        run_parser.error("--pin serves an older snapshot publication: it needs --mode snapshot")
    if args.pin and (problem := check_pins(args.pin)):
        run_parser.error(problem)
    return run(
        args.data_dir.resolve(),
        args.mode,
        args.pin,
        args.allow_shrink,
        args.keep_versions,
        args.period,
        args.force,
    )


if __name__ == "__main__":
    sys.exit(main())
