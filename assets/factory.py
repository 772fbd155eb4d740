"""One shape for every list: a `SourceSpec` becomes an ingest asset and its checks.

A list module declares its files, formats, parsers and thresholds as data (a `SourceSpec`)
and calls `source_asset(spec)`. The ingest asset fetches every file, archives the raw bytes,
parses each available format (unless this exact publication was parsed before), and writes an
immutable staging folder. Its checks (`assets/source_checks.py`) run in the same step, on the
frames just parsed: blocking checks validate the staged and canonical frames and prove that
every source record is accounted for (a failure fails the step, so nothing downstream runs);
warning checks report unknown fields and format disagreements.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.automation import Cadence, default_cadence
from assets.carryover import carried_over, code_metadata

# fingerprints and the check functions keep their historical home here too (re-exported)
from assets.fingerprints import fingerprint as fingerprint
from assets.fingerprints import parser_fingerprint as parser_fingerprint
from assets.fingerprints import schema_fingerprint as schema_fingerprint
from assets.source_checks import COMPARED as COMPARED
from assets.source_checks import account as account
from assets.source_checks import check_results, check_specs
from assets.source_checks import compare_formats as compare_formats
from assets.source_checks import floor_row as floor_row
from assets.source_checks import layout_only_attributes as layout_only_attributes
from assets.source_checks import validate_publication as validate_publication
from assets.unchanged import PAYLOAD_KEY, payload_digest
from core.errors import FetchError
from resources.fetcher import Fetcher, FileSpec, Payload
from resources.staging import Staged, publication_id, read_meta, write_publication
from resources.storage import DataDir

if TYPE_CHECKING:  # pandera and polars load when a parse or validation runs
    import pandera.polars as pa

    from core.canonical import ParseResult

# a list's pure parser: its files' bytes by name in, canonical frames out
Parser = Callable[[Mapping[str, bytes]], "ParseResult"]


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
    try:
        for file in fmt.files:
            previous = data_dir.previous_fetch(spec.source, file.name)
            payload = fetcher.fetch(spec.source, file, previous, data_dir.incoming(spec.source))
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
    except BaseException:
        _discard(payloads)
        raise
    return None if missing or not payloads else payloads


def _discard(payloads: list[Payload]) -> None:
    """Remove the temporary files of payloads that will not be archived."""
    for payload in payloads:
        payload.discard()


def _describe(payloads: list[Payload], paths: dict[str, Path]) -> list[dict[str, Any]]:
    return [
        {
            "name": p.name,
            "url": p.url,
            "sha256": p.sha256,
            "size": p.size,
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
    # (file name, sha256) of every file read, all formats (assets/unchanged.py compares them)
    files: tuple[tuple[str, str], ...] = ()
    # the staged frames: those this run parsed (in memory), else read from `folder` when asked
    staged: Staged | None = None

    def frames(self) -> Staged:
        if self.staged is None:
            self.staged = Staged(self.folder, self.meta)
        return self.staged


def ingest(spec: SourceSpec, fetcher: Fetcher, data_dir: DataDir) -> IngestOutcome:
    """Fetch, archive and (if new) parse every available format of a source."""
    fetched: dict[str, list[Payload]] = {}
    try:
        for fmt in spec.formats:
            payloads = _fetch_format(spec, fmt, fetcher, data_dir)
            if payloads is not None:
                fetched[fmt.name] = payloads
    except BaseException:
        _discard([p for payloads in fetched.values() for p in payloads])
        raise
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
    results: dict[str, ParseResult] = {}
    if not unchanged:
        formats_meta: dict[str, Any] = {}
        for fmt_name, payloads in fetched.items():
            fmt = spec.format(fmt_name)
            fmt_pub = pub_id if fmt_name == primary else publication_id(spec.source, payloads)
            # the lists' files are small (bounded by resources/publishers.py): their parsers
            # take the archived bytes whole
            files = {p.name: paths[p.name].read_bytes() for p in payloads}
            result = fmt.parse(files).stamp(fmt_pub)
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
    meta = read_meta(folder)
    return IngestOutcome(
        spec.source,
        pub_id,
        folder,
        meta,
        unchanged,
        fetched_at=fetched[primary][0].fetched_at.isoformat(),
        files=tuple((p.name, p.sha256) for ps in fetched.values() for p in ps),
        staged=Staged(folder, meta, results),
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


def _preview(staged: Staged, fmt: str) -> str:
    entities = staged.table(fmt, "entities")
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
        # what `cli.py run` compares before its ingest run (assets/unchanged.py)
        PAYLOAD_KEY: payload_digest(outcome.files),
    }
    for table, count in fmeta["counts"].items():
        metadata[f"rows_{table}"] = count
    preview = _preview(outcome.frames(), primary)
    if preview:
        metadata["preview"] = MetadataValue.md(preview)
    return metadata


# --- staging ------------------------------------------------------------------------------------


def current_folder(data_dir: DataDir, source: str) -> tuple[Path, dict[str, Any]]:
    pub_id = data_dir.current_publication(source)
    if pub_id is None:
        raise FileNotFoundError(f"{source} has not been ingested yet")
    folder = data_dir.staging_dir(source, pub_id)
    return folder, read_meta(folder)


def source_asset(spec: SourceSpec) -> AssetsDefinition:
    """The ingest asset of a list, its checks declared on it and run in its step."""

    @asset(
        name=spec.source,
        group_name=spec.source,
        kinds=set(spec.kinds),
        description=f"{spec.publisher}: {spec.description}",
        metadata={"publisher": spec.publisher, "formats": ", ".join(f.name for f in spec.formats)},
        check_specs=check_specs(spec),
    )
    def ingest_asset(
        context: AssetExecutionContext, fetcher: Fetcher, data_dir: DataDir
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        outcome = ingest(spec, fetcher, data_dir)
        metadata = materialize_metadata(outcome, fetcher.mode)
        context.log.info(
            f"{spec.source}: mode={fetcher.mode} publication={outcome.publication_id} "
            f"published_at={metadata['published_at']} ({metadata['published_basis']}) "
            f"unchanged={outcome.unchanged}"
        )
        # the publication read by this parser code is the data version: an unchanged payload
        # keeps it, so nothing downstream runs for an unchanged list (assets/staleness.py)
        version = DataVersion(f"{outcome.publication_id}.{parser_fingerprint()}")
        # the same staged data checked by the same code: the previous results hold
        carried = carried_over(context, context.asset_key, version)
        yield MaterializeResult(metadata={**metadata, **code_metadata()}, data_version=version)
        # then its checks, on the frames in hand: a failed blocking one fails this step
        yield from carried if carried is not None else check_results(spec, outcome.frames())

    return ingest_asset
