"""One shape for every list: a `SourceSpec` becomes an ingest asset and its checks.

A list module declares its files, formats, parsers and thresholds as data (a `SourceSpec`)
and calls `source_assets(spec)`. The ingest asset fetches every file, archives the raw bytes,
parses each available format (unless this exact publication was parsed before), and writes an
immutable staging folder. Blocking checks validate the staged and canonical frames and prove
that every source record is accounted for; warning checks report unknown fields and format
disagreements.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetsDefinition,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from assets.automation import Cadence, default_cadence
from core.canonical import ParseResult
from core.errors import FetchError
from resources.fetcher import Fetcher, FileSpec, Payload
from resources.staging import (
    publication_id,
    read_meta,
    read_staged,
    read_table,
    read_tables,
    read_unknowns,
    write_publication,
)
from resources.storage import DataDir
from schemas.validate import Failure, failures_markdown, markdown_table, validate

if TYPE_CHECKING:  # pandera loads when a validation runs, not with the definitions
    import pandera.polars as pa

Parser = Callable[[Mapping[str, bytes]], ParseResult]


@dataclass(frozen=True)
class Format:
    """One way a list is published (CSV set, XML…): its files and its pure parser."""

    name: str
    files: tuple[FileSpec, ...]
    parse: Parser
    staged_models: Mapping[str, type["pa.DataFrameModel"]] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceSpec:
    """Everything the pipeline needs to know about a list, as data."""

    source: str
    publisher: str
    description: str
    formats: tuple[Format, ...]  # in order of preference: the first available is canonical
    # Sanity floor: fewer parsed entities than this means an empty or near-empty payload. It is
    # derived from the list's real history (each list module says how) and holds for every
    # real publication, old or new; a shrink against the list's own previous publication is
    # judged by the `no_sudden_shrink` check, not by this floor.
    sanity_floor: int
    # Files known to be excerpts or constructed samples, not publications (sha256 -> what it
    # is): the shipped snapshots of lists we hold no full copy of. The floor does not apply to
    # a format whose every file is one of them; any other payload is held to the floor.
    excerpts: Mapping[str, str] = field(default_factory=dict)
    kinds: frozenset[str] = frozenset({"python", "polars"})
    authority: str = ""
    # live mode's order of preference, by format name, where it differs from `formats`'
    # (OFAC: the Enhanced XML is canonical live; snapshots hold the legacy CSV set)
    live_formats: tuple[str, ...] = ()
    # how often the publisher is checked and the cron fallback runs (assets/automation.py);
    # None: the list's default there, `automation.DEFAULT_CADENCES`
    cadence: Cadence | None = None

    def __post_init__(self) -> None:
        if self.cadence is None:
            object.__setattr__(self, "cadence", default_cadence(self.source))

    def format(self, name: str) -> Format:
        return next(f for f in self.formats if f.name == name)

    def preference(self, mode: str) -> tuple[str, ...]:
        """Format names in order of preference in `mode`: the first available is canonical."""
        names = tuple(f.name for f in self.formats)
        if mode != "live" or not self.live_formats:
            return names
        return self.live_formats + tuple(n for n in names if n not in self.live_formats)


# --- ingest ----------------------------------------------------------------------------------


def _fetch_format(
    spec: SourceSpec, fmt: Format, fetcher: Fetcher, data_dir: DataDir
) -> list[Payload] | None:
    payloads: list[Payload] = []
    missing: list[str] = []
    for file in fmt.files:
        payload = fetcher.fetch(spec.source, file, data_dir.previous_fetch(spec.source, file.name))
        if payload is None:
            if file.required and not (file.history_optional and fetcher.mode == "snapshot"):
                missing.append(file.name)
            continue
        payloads.append(payload)
    if missing and payloads:
        have = ", ".join(p.name for p in payloads)
        raise FetchError(
            f"{fetcher.mode}://{spec.source}",
            f"incomplete {fmt.name} set: have {have} but not {', '.join(missing)}",
        )
    return None if missing or not payloads else payloads


def _describe(payloads: list[Payload], paths: dict[str, Path]) -> list[dict[str, Any]]:
    return [
        {
            "name": p.name,
            "url": p.url,
            "sha256": p.sha256,
            "size": len(p.data),
            "raw_path": str(paths[p.name]),
            "fetched_at": p.fetched_at.isoformat(),
            "published_at": p.published_at.isoformat() if p.published_at else None,
            "published_basis": p.published_basis,
            "last_modified": p.last_modified,
            "not_modified": p.not_modified,
        }
        for p in payloads
    ]


@dataclass
class IngestOutcome:
    source: str
    publication_id: str
    folder: Path
    meta: dict[str, Any]
    unchanged: bool
    fetched_at: str | None = None  # this run's fetch (the staged meta keeps the first one)


def ingest(spec: SourceSpec, fetcher: Fetcher, data_dir: DataDir) -> IngestOutcome:
    """Fetch, archive and (if new) parse every available format of a source."""
    fetched: dict[str, list[Payload]] = {}
    for fmt in spec.formats:
        payloads = _fetch_format(spec, fmt, fetcher, data_dir)
        if payloads is not None:
            fetched[fmt.name] = payloads
    if not fetched:
        raise FetchError(f"{fetcher.mode}://{spec.source}", "no format of this source is available")
    paths: dict[str, Path] = {}
    for payloads in fetched.values():
        for payload in payloads:
            paths[payload.name], _ = data_dir.archive(payload)
    primary = next(name for name in spec.preference(fetcher.mode) if name in fetched)
    # a snapshot holding the live-preferred format of the same publication reads it canonically
    dates = {name: {p.published_at for p in payloads} for name, payloads in fetched.items()}
    primary = next(
        (n for n in spec.live_formats if n in fetched and dates[n] == dates[primary]), primary
    )
    pub_id = publication_id(spec.source, fetched[primary])
    # the same bytes parsed by the same code: reuse; new parser code re-parses once
    staged_as = f"{pub_id}.{parser_fingerprint()}"
    folder = data_dir.staging_dir(spec.source, staged_as)
    unchanged = folder.exists()
    if not unchanged:
        results: dict[str, ParseResult] = {}
        formats_meta: dict[str, Any] = {}
        for fmt_name, payloads in fetched.items():
            fmt = spec.format(fmt_name)
            fmt_pub = pub_id if fmt_name == primary else publication_id(spec.source, payloads)
            result = fmt.parse({p.name: p.data for p in payloads}).stamp(fmt_pub)
            results[fmt_name] = result
            first = payloads[0]
            published = result.published_at or first.published_at
            basis = "in file" if result.published_at else first.published_basis
            formats_meta[fmt_name] = {
                "publication_id": fmt_pub,
                "published_at": published.isoformat() if published else None,
                "published_basis": basis,
                "entry_count": result.entry_count,
                "declared_count": result.declared_count,
                "file_rows": result.file_rows,
                "merged_rows": result.merged_rows,
                "counts": result.counts(),
                "unknowns": len(result.unknowns),
                "files": _describe(payloads, paths),
            }
        meta = {
            "source": spec.source,
            "publication_id": pub_id,
            "primary_format": primary,
            "mode": fetcher.mode,
            "fetched_at": fetched[primary][0].fetched_at.isoformat(),
            "formats": formats_meta,
        }
        write_publication(folder, results, meta)
    data_dir.set_current_publication(spec.source, staged_as)
    return IngestOutcome(
        spec.source,
        pub_id,
        folder,
        read_meta(folder),
        unchanged,
        fetched_at=fetched[primary][0].fetched_at.isoformat(),
    )


def meta_fetched_at(outcome: IngestOutcome) -> str:
    """When this run fetched the primary format (the staged meta keeps the first fetch)."""
    return outcome.fetched_at or outcome.meta["fetched_at"]


def publisher_changed_at(fmeta: dict[str, Any]) -> str:
    """Latest HTTP Last-Modified of the primary format's files, else the publication date."""
    stamps = [f.get("last_modified") for f in fmeta["files"] if f.get("last_modified")]
    if stamps:
        return max(stamps, key=_http_datetime)
    return fmeta["published_at"] or "unknown"


def _http_datetime(value: str) -> datetime:
    return parsedate_to_datetime(value)


def _preview(folder: Path, fmt: str) -> str:
    entities = read_table(folder, fmt, "entities")
    cols = ["entity_id", "entity_type", "primary_name", "listed_on"]
    return (
        entities.select(cols).head(8).to_pandas().to_markdown(index=False)
        if entities.height
        else ""
    )


def materialize_metadata(outcome: IngestOutcome, mode: str) -> dict[str, Any]:
    meta = outcome.meta
    primary = meta["primary_format"]
    fmeta = meta["formats"][primary]
    metadata: dict[str, Any] = {
        "mode": mode,
        "publication_id": outcome.publication_id,
        "published_at": fmeta["published_at"] or "unknown",
        "published_basis": fmeta["published_basis"],
        "primary_format": primary,
        "formats": ", ".join(meta["formats"]),
        "unchanged_payload": outcome.unchanged,
        # "last checked" is when this run asked the publisher; "last changed at the publisher"
        # is what the publisher says of its file (HTTP Last-Modified, or the date in the file)
        "last_checked": meta_fetched_at(outcome),
        "last_changed_at_publisher": publisher_changed_at(fmeta),
        "entry_count": fmeta["entry_count"],
        "unknown_fields": fmeta["unknowns"],
        "raw_sha256": MetadataValue.json({f["name"]: f["sha256"] for f in fmeta["files"]}),
        "row_counts": MetadataValue.json(fmeta["counts"]),
        "files": MetadataValue.json(fmeta["files"]),
    }
    for table, count in fmeta["counts"].items():
        metadata[f"rows_{table}"] = count
    preview = _preview(outcome.folder, primary)
    if preview:
        metadata["preview"] = MetadataValue.md(preview)
    return metadata


# --- checks ------------------------------------------------------------------------------------


def current_folder(data_dir: DataDir, source: str) -> tuple[Path, dict[str, Any]]:
    pub_id = data_dir.current_publication(source)
    if pub_id is None:
        raise FileNotFoundError(f"{source} has not been ingested yet")
    folder = data_dir.staging_dir(source, pub_id)
    return folder, read_meta(folder)


def fingerprint(*folders: str) -> str:
    """Short hash of the Python sources in `folders` (relative to the project root)."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for folder in folders:
        for path in sorted((root / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def schema_fingerprint() -> str:
    """Hash of the Pandera models' source: a validation result holds only for the same models."""
    return fingerprint("schemas")


@cache
def parser_fingerprint() -> str:
    """Hash of the parsers' source: a staged parse is reused only by the same parser code."""
    return fingerprint("assets", "core", "ofac", "eu_fsf", "gb_fcdo", "gb_ofsi", "un_sc", "us_csl")


def validate_publication(spec: SourceSpec, folder: Path, meta: dict[str, Any]) -> list[Failure]:
    """Staged and canonical Pandera validation of every format of a staged publication.

    A staged publication never changes, so a pass is remembered (a marker named after the
    models' fingerprint) and not recomputed; a failure is always recomputed and reported.
    """
    marker = folder / f".valid-{schema_fingerprint()}"
    if marker.exists():
        return []
    failures = _validate_formats(spec, folder, meta)
    if not failures:
        marker.touch()
    return failures


def _validate_formats(spec: SourceSpec, folder: Path, meta: dict[str, Any]) -> list[Failure]:
    from schemas.canonical import MODELS  # pandera: loaded when validating

    failures: list[Failure] = []
    for fmt_name in meta["formats"]:
        fmt = spec.format(fmt_name)
        for failure in validate(fmt.staged_models, read_staged(folder, fmt_name)):
            failure.table = f"{fmt_name}:staged_{failure.table}"
            failures.append(failure)
        for failure in validate(MODELS, read_tables(folder, fmt_name)):
            failure.table = f"{fmt_name}:{failure.table}"
            failures.append(failure)
    return failures


def account(spec: SourceSpec, folder: Path, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Per format: source entries = entities + rejected entries; per child file likewise."""
    rows: list[dict[str, Any]] = []
    for fmt_name, fmeta in meta["formats"].items():
        tables = read_tables(folder, fmt_name)
        rejects = tables["rejects"]
        entities = tables["entities"].height
        rejected_entries = rejects.filter(pl.col("kind") == "entry").height
        rows.append(
            {
                "format": fmt_name,
                "what": "entries",
                "source_records": fmeta["entry_count"],
                "taken": entities,
                "rejected": rejected_entries,
                "ok": fmeta["entry_count"] == entities + rejected_entries,
            }
        )
        if fmeta["declared_count"] is not None:
            rows.append(
                {
                    "format": fmt_name,
                    "what": "declared count",
                    "source_records": fmeta["declared_count"],
                    "taken": fmeta["entry_count"],
                    "rejected": 0,
                    "ok": fmeta["declared_count"] == fmeta["entry_count"],
                }
            )
        for file, count in fmeta["file_rows"].items():
            taken = sum(
                df.filter(pl.col("origin") == file).height
                for name, df in tables.items()
                if name not in ("entities", "rejects")
            )
            rejected = rejects.filter(pl.col("file") == file).height
            merged = fmeta.get("merged_rows", {}).get(file, 0)
            rows.append(
                {
                    "format": fmt_name,
                    "what": f"rows of {file}"
                    + (f" ({merged} folded into identical rows)" if merged else ""),
                    "source_records": count,
                    "taken": taken + merged,
                    "rejected": rejected,
                    "ok": count == taken + merged + rejected,
                }
            )
        rows.append(floor_row(spec, fmt_name, fmeta, entities))
    return rows


def floor_row(
    spec: SourceSpec, fmt_name: str, fmeta: dict[str, Any], entities: int
) -> dict[str, Any]:
    """The sanity-floor row of the accounting: a known excerpt is named, not held to it."""
    excerpt = [spec.excerpts.get(f["sha256"]) for f in fmeta["files"]]
    if excerpt and all(excerpt):
        return {
            "format": fmt_name,
            "what": f"sanity floor ({spec.sanity_floor}) not applied: known excerpt ({excerpt[0]})",
            "source_records": entities,
            "taken": entities,
            "rejected": 0,
            "ok": True,
        }
    return {
        "format": fmt_name,
        "what": f"sanity floor ({spec.sanity_floor} entities)",
        "source_records": spec.sanity_floor,
        "taken": entities,
        "rejected": 0,
        "ok": entities >= spec.sanity_floor,
    }


def source_checks(spec: SourceSpec) -> list[AssetChecksDefinition]:
    """Blocking schema and accounting checks, and warning checks for unknowns and agreement."""

    @asset_check(
        asset=spec.source,
        name="schema_valid",
        blocking=True,
        description="Pandera: staged and canonical tables are valid.",
    )
    def schema_valid(context: AssetCheckExecutionContext, data_dir: DataDir) -> AssetCheckResult:
        folder, meta = current_folder(data_dir, spec.source)
        failures = validate_publication(spec, folder, meta)
        return AssetCheckResult(
            passed=not failures,
            metadata={
                "publication_id": meta["publication_id"],
                "failing_tables": ", ".join(f.table for f in failures) or "none",
                "failure_count": sum(f.count for f in failures),
                "failure_cases": MetadataValue.md(
                    failures_markdown(failures) if failures else "none"
                ),
            },
        )

    @asset_check(
        asset=spec.source,
        name="records_accounted",
        blocking=True,
        description="Every source record is an entity or a reject; declared counts and the sanity floor hold.",
    )
    def records_accounted(
        context: AssetCheckExecutionContext, data_dir: DataDir
    ) -> AssetCheckResult:
        folder, meta = current_folder(data_dir, spec.source)
        rows = account(spec, folder, meta)
        return AssetCheckResult(
            passed=all(r["ok"] for r in rows),
            metadata={
                "publication_id": meta["publication_id"],
                "accounting": MetadataValue.md(markdown_table(rows)),
            },
        )

    @asset_check(
        asset=spec.source,
        name="no_unknown_fields",
        blocking=False,
        description="Fields, elements and codes the parser does not know (reported, not lost).",
    )
    def no_unknown_fields(
        context: AssetCheckExecutionContext, data_dir: DataDir
    ) -> AssetCheckResult:
        folder, meta = current_folder(data_dir, spec.source)
        unknown = pl.concat([read_unknowns(folder, f) for f in meta["formats"]])
        summary = unknown.group_by("what").agg(
            pl.len().alias("count"), pl.col("value").first().alias("example")
        )
        return AssetCheckResult(
            passed=unknown.height == 0,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "unknown_count": unknown.height,
                "by_kind": MetadataValue.md(
                    markdown_table(summary.sort("count", descending=True).head(40).to_dicts())
                ),
            },
        )

    checks = [schema_valid, records_accounted, no_unknown_fields]
    if len(spec.formats) > 1:
        checks.append(_formats_agree(spec))
    return checks


def _norm(column: str) -> pl.Expr:
    """Comparable text: upper case, commas and whitespace collapsed, no sentence-ending period.

    Commas count as spaces: one publication joins the parts of an address with commas where
    another writes them in one field ("Moscow 101000" against "Moscow, 101000"). A double quote
    counts as a single one: OFAC's legacy CSV writes `"` inside a value as `'`.
    """
    return (
        pl.col(column)
        .cast(pl.String)
        .str.to_uppercase()
        .str.replace_all(r"[\s,]+", " ")
        .str.replace_all('"', "'")
        .str.strip_chars(" .")
        .fill_null("")
    )


# One normalised value per canonical table: what two formats of one publication must agree on.
# Columns a format may not carry at all (origin, labels as written, notes) are left out.
COMPARED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("entry", "entities", ("entity_type", "primary_name")),
    ("name", "names", ("name",)),
    ("address", "addresses", ("full_address", "country_code")),
    ("identifier", "identifiers", ("id_type", "normalized", "country_code")),
    ("birth_date", "birth_dates", ("date_from", "date_to", "precision")),
    ("birth_place", "birth_places", ("place", "country_code")),
    ("country", "countries", ("relation", "country_code", "raw")),
    ("program", "sanctions", ("program",)),
    ("attribute", "attributes", ("attribute", "value")),
    ("relationship", "relationships", ("relation", "to_name")),
)


def layout_only_attributes(folder: Path, primary: str, other: str) -> list[str]:
    """Attribute kinds (normalised) that only one of two formats carries at all.

    Such a kind is a field one layout lacks (the FCDO CSV has no `SanctionsImposedIndicators`),
    not a difference of any entry: `compare_formats` leaves it out and `formats_agree` names it.
    """
    kinds = [
        set(read_table(folder, fmt, "attributes").select(_norm("attribute")).to_series())
        for fmt in (primary, other)
    ]
    return sorted(kinds[0] ^ kinds[1])


def compare_formats(folder: Path, meta: dict[str, Any], other: str) -> pl.DataFrame:
    """Differences by entry between the canonical format and `other`, over every canonical table.

    Each table is reduced to one normalised value per row (`COMPARED`); a value one format has
    for an entry and the other has not is a difference (`side` names the format holding it).
    Attribute kinds only one layout carries at all are left out (`layout_only_attributes`).
    """
    primary = meta["primary_format"]
    diffs: list[pl.DataFrame] = []

    def keyed(fmt: str, table: str, columns: tuple[str, ...]) -> pl.DataFrame:
        df = read_table(folder, fmt, table)
        key = "entity_id" if "entity_id" in df.columns else "from_entity_id"
        value = pl.concat_str([_norm(c) for c in columns], separator=" | ")
        return df.select(pl.col(key).alias("entity_id"), value.alias("value")).unique()

    layout_only = layout_only_attributes(folder, primary, other)
    for what, table, columns in COMPARED:
        left, right = keyed(primary, table, columns), keyed(other, table, columns)
        if table == "attributes" and layout_only:
            # a kind of fact one layout has no field for is not an entry's difference
            kind = pl.col("value").str.split(" | ").list.first()
            left, right = (df.filter(~kind.is_in(layout_only)) for df in (left, right))
        only_left = left.join(right, on=["entity_id", "value"], how="anti").with_columns(
            side=pl.lit(f"only in {primary}")
        )
        only_right = right.join(left, on=["entity_id", "value"], how="anti").with_columns(
            side=pl.lit(f"only in {other}")
        )
        diffs.append(pl.concat([only_left, only_right]).with_columns(what=pl.lit(what)))
    return (
        pl.concat(diffs)
        .select("entity_id", "what", "side", "value")
        .sort("entity_id", "what", "side", "value")
    )


def _formats_agree(spec: SourceSpec) -> AssetChecksDefinition:
    @asset_check(
        asset=spec.source,
        name="formats_agree",
        blocking=False,
        description=f"When several formats ({', '.join(f.name for f in spec.formats)}) are present, they agree on every canonical table, by entry.",
    )
    def formats_agree(context: AssetCheckExecutionContext, data_dir: DataDir) -> AssetCheckResult:
        folder, meta = current_folder(data_dir, spec.source)
        present = [f for f in meta["formats"] if f != meta["primary_format"]]
        if not present:
            return AssetCheckResult(
                passed=True, metadata={"compared": f"only {meta['primary_format']} present"}
            )
        metadata: dict[str, Any] = {}
        total = 0
        for other in present:
            diffs = compare_formats(folder, meta, other)
            total += diffs.height
            dates = {f: meta["formats"][f]["published_at"] for f in (meta["primary_format"], other)}
            metadata[f"{other}_published"] = json.dumps(dates)
            metadata[f"{other}_differences"] = diffs.height
            metadata[f"{other}_layout_only_attributes"] = (
                ", ".join(layout_only_attributes(folder, meta["primary_format"], other)) or "none"
            )
            metadata[f"{other}_by_entry"] = MetadataValue.md(
                markdown_table(diffs.head(50).to_dicts()) or "none"
            )
            metadata[f"{other}_summary"] = MetadataValue.json(
                {
                    f"{r['what']} {r['side']}": r["len"]
                    for r in diffs.group_by("what", "side").len().to_dicts()
                }
            )
        return AssetCheckResult(
            passed=total == 0, severity=AssetCheckSeverity.WARN, metadata=metadata
        )

    return formats_agree


def source_assets(spec: SourceSpec) -> tuple[AssetsDefinition, list[AssetChecksDefinition]]:
    """The ingest asset of a list and its checks."""

    @asset(
        name=spec.source,
        group_name=spec.source,
        kinds=set(spec.kinds),
        description=f"{spec.publisher}: {spec.description}",
        metadata={"publisher": spec.publisher, "formats": ", ".join(f.name for f in spec.formats)},
    )
    def ingest_asset(
        context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
    ) -> MaterializeResult:
        outcome = ingest(spec, fetcher, data_dir)
        metadata = materialize_metadata(outcome, fetcher.mode)
        context.log.info(
            f"{spec.source}: mode={fetcher.mode} publication={outcome.publication_id} "
            f"published_at={metadata['published_at']} ({metadata['published_basis']}) "
            f"unchanged={outcome.unchanged}"
        )
        # the publication read by this parser code is the data version: an unchanged payload
        # keeps it, so nothing downstream runs for an unchanged list (assets/staleness.py)
        return MaterializeResult(
            metadata=metadata,
            data_version=DataVersion(f"{outcome.publication_id}.{parser_fingerprint()}"),
        )

    return ingest_asset, source_checks(spec)
