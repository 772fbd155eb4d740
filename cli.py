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
import os
import sys
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli_report import (
    is_disk_full,
    print_summary,
    publish_outcome,
    report_disk_full,
    report_failures,
)

if TYPE_CHECKING:
    from dagster import AssetKey, ExecuteInProcessResult


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
