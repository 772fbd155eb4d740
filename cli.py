"""Command line: run the whole pipeline once and say where the results are.

    python cli.py run [--data-dir DIR] [--mode snapshot|live] [--pin SOURCE=DATE] [--allow-shrink]

Runs the `refresh_all` job in-process against a persistent Dagster instance (the run then shows
up in `dagster dev` on the same DAGSTER_HOME), then prints the mode, each source publication
and its date, and the paths of the published version.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def run(data_dir: Path, mode: str, pins: list[str], allow_shrink: bool) -> int:
    os.environ["SANCTIONS_DATA_DIR"] = str(data_dir)
    os.environ["SANCTIONS_MODE"] = mode
    if pins:
        os.environ["SANCTIONS_PINS"] = ",".join(pins)
    dagster_home = Path(os.environ.setdefault("DAGSTER_HOME", str(data_dir / "dagster_home")))
    dagster_home.mkdir(parents=True, exist_ok=True)

    from dagster import DagsterInstance

    from definitions import defs
    from resources.warehouse import exclusive

    job = defs.resolve_job_def("refresh_all")
    # one command-line run at a time per data directory: a second one waits, and says so
    run_lock = data_dir / "warehouse" / ".run.lock"

    def say_waiting() -> None:
        print(
            f"another run holds {run_lock}; waiting for it to finish", file=sys.stderr, flush=True
        )

    with (
        exclusive(run_lock, wait_seconds=3600, on_wait=say_waiting),
        DagsterInstance.get() as instance,
    ):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": "INFO"}}},
                "resources": {"publish_policy": {"config": {"allow_shrink": allow_shrink}}},
            },
        )
    failed_checks = [
        e.event_specific_data.check_name
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    print(f"mode: {mode}   data directory: {data_dir}   dagster run: {result.run_id}")
    latest = data_dir / "published" / "latest"
    if not result.success:
        print(
            "RUN FAILED — the previously published version (if any) is unchanged.", file=sys.stderr
        )
        for event in result.all_events:
            if event.is_step_failure:
                print(
                    f"  step {event.step_key}: {event.event_specific_data.error.message.strip()[:500]}",
                    file=sys.stderr,
                )
    if failed_checks:
        print(f"checks that did not pass: {', '.join(sorted(set(failed_checks)))}")
    if latest.exists():
        manifest = json.loads((latest / "manifest.json").read_text())
        print(f"published version: {manifest['version']}  ->  {latest.resolve()}")
        print("source publications:")
        for s in manifest["sources"]:
            print(
                f"  {s['source']:<14} {s['format']:<11} published {s['published_at'] or 'unknown':<10} "
                f"({s['mode']}; {s['published_basis'][:60]})  entries {s['entry_count']:>6}  "
                f"entities {s['canonical_entities']:>6}"
            )
        print("tables:")
        for name, t in manifest["tables"].items():
            print(f"  {name:<16} {t['rows']:>8} rows  {latest / t['file']}")
        print(f"analysts: duckdb -readonly {latest / 'sanctions.duckdb'}")
    return 0 if result.success else 1


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
        default=[],
        metavar="SOURCE=DATE",
        help="snapshot mode: serve this publication of a source instead of its newest (repeatable)",
    )
    run_parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even if a list lost more than the allowed fraction of its parties",
    )
    args = parser.parse_args(argv)
    return run(args.data_dir.resolve(), args.mode, args.pin, args.allow_shrink)


if __name__ == "__main__":
    sys.exit(main())
