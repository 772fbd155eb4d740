"""The checks of every list's ingest asset, run inside the ingest step on the staged frames.

Blocking: `schema_valid` (Pandera on the staged and canonical tables of every format) and
`records_accounted` (every source record is an entity or a reject; declared counts and the
sanity floor hold). Warnings: `no_unknown_fields` and, for a list published in several formats,
`formats_agree`. `check_specs` declares them on the asset; `check_results` evaluates them on a
`Staged` publication (the frames the parse just wrote, or those of an unchanged publication,
each read once). The work is done by plain functions of the staged frames, testable without
Dagster.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, MetadataValue

from assets.fingerprints import schema_fingerprint
from resources.staging import Staged
from schemas.validate import Failure, failures_markdown, markdown_table, validate

if TYPE_CHECKING:
    import polars as pl

    from assets.factory import SourceSpec


def validate_publication(
    spec: SourceSpec, folder: Path, meta: dict[str, Any], staged: Staged | None = None
) -> list[Failure]:
    """Staged and canonical Pandera validation of every format of a staged publication.

    A staged publication never changes, so a pass is remembered (a marker named after the
    models' fingerprint) and not recomputed; a failure is always recomputed and reported.
    """
    marker = folder / f".valid-{schema_fingerprint()}"
    if marker.exists():
        return []
    failures = _validate_formats(spec, staged or Staged(folder, meta))
    if not failures:
        marker.touch()
    return failures


def _validate_formats(spec: SourceSpec, staged: Staged) -> list[Failure]:
    from schemas.canonical import MODELS  # pandera: loaded when checking

    failures: list[Failure] = []
    for fmt_name in staged.meta["formats"]:
        fmt = spec.format(fmt_name)
        for failure in validate(fmt.staged_models, staged.staged(fmt_name)):
            failure.table = f"{fmt_name}:staged_{failure.table}"
            failures.append(failure)
        for failure in validate(MODELS, staged.tables(fmt_name)):
            failure.table = f"{fmt_name}:{failure.table}"
            failures.append(failure)
    return failures


def account(
    spec: SourceSpec, folder: Path, meta: dict[str, Any], staged: Staged | None = None
) -> list[dict[str, Any]]:
    """Per format: source entries = entities + rejected entries; per child file likewise."""
    import polars as pl

    staged = staged or Staged(folder, meta)
    rows: list[dict[str, Any]] = []
    for fmt_name, fmeta in meta["formats"].items():
        tables = staged.tables(fmt_name)
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


def _norm(column: str) -> pl.Expr:
    """Comparable text: upper case, commas and whitespace collapsed, no sentence-ending period.

    Commas count as spaces: one publication joins the parts of an address with commas where
    another writes them in one field ("Moscow 101000" against "Moscow, 101000"). A double quote
    counts as a single one: OFAC's legacy CSV writes `"` inside a value as `'`.
    """
    import polars as pl

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


def layout_only_attributes(
    folder: Path, primary: str, other: str, staged: Staged | None = None
) -> list[str]:
    """Attribute kinds (normalised) that only one of two formats carries at all.

    Such a kind is a field one layout lacks (the FCDO CSV has no `SanctionsImposedIndicators`),
    not a difference of any entry: `compare_formats` leaves it out and `formats_agree` names it.
    """
    staged = staged or Staged(folder, {})
    kinds = [
        set(staged.table(fmt, "attributes").select(_norm("attribute")).to_series())
        for fmt in (primary, other)
    ]
    return sorted(kinds[0] ^ kinds[1])


def compare_formats(
    folder: Path, meta: dict[str, Any], other: str, staged: Staged | None = None
) -> pl.DataFrame:
    """Differences by entry between the canonical format and `other`, over every canonical table.

    Each table is reduced to one normalised value per row (`COMPARED`); a value one format has
    for an entry and the other has not is a difference (`side` names the format holding it).
    Attribute kinds only one layout carries at all are left out (`layout_only_attributes`).
    """
    import polars as pl

    staged = staged or Staged(folder, meta)
    primary = meta["primary_format"]
    diffs: list[pl.DataFrame] = []

    def keyed(fmt: str, table: str, columns: tuple[str, ...]) -> pl.DataFrame:
        import polars as pl

        df = staged.table(fmt, table)
        key = "entity_id" if "entity_id" in df.columns else "from_entity_id"
        value = pl.concat_str([_norm(c) for c in columns], separator=" | ")
        return df.select(pl.col(key).alias("entity_id"), value.alias("value")).unique()

    layout_only = layout_only_attributes(folder, primary, other, staged)
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


# --- the checks, declared on the ingest asset and evaluated in its step ---------------------


def check_specs(spec: SourceSpec) -> list[AssetCheckSpec]:
    """Blocking schema and accounting checks, and warning checks for unknowns and agreement."""
    specs = [
        AssetCheckSpec(
            "schema_valid",
            asset=spec.source,
            blocking=True,
            description="Pandera: staged and canonical tables are valid.",
        ),
        AssetCheckSpec(
            "records_accounted",
            asset=spec.source,
            blocking=True,
            description="Every source record is an entity or a reject; declared counts and the sanity floor hold.",
        ),
        AssetCheckSpec(
            "no_unknown_fields",
            asset=spec.source,
            blocking=False,
            description="Fields, elements and codes the parser does not know (reported, not lost).",
        ),
    ]
    if len(spec.formats) > 1:
        specs.append(
            AssetCheckSpec(
                "formats_agree",
                asset=spec.source,
                blocking=False,
                description=f"When several formats ({', '.join(f.name for f in spec.formats)}) are present, they agree on every canonical table, by entry.",
            )
        )
    return specs


def check_results(spec: SourceSpec, staged: Staged) -> Iterator[AssetCheckResult]:
    """Every check of `check_specs(spec)` evaluated on the staged publication."""
    yield schema_valid(spec, staged)
    yield records_accounted(spec, staged)
    yield no_unknown_fields(staged)
    if len(spec.formats) > 1:
        yield formats_agree(staged)


def schema_valid(spec: SourceSpec, staged: Staged) -> AssetCheckResult:
    meta = staged.meta
    failures = validate_publication(spec, staged.folder, meta, staged)
    return AssetCheckResult(
        check_name="schema_valid",
        passed=not failures,
        metadata={
            "publication_id": meta["publication_id"],
            "failing_tables": ", ".join(f.table for f in failures) or "none",
            "failure_count": sum(f.count for f in failures),
            "failure_cases": MetadataValue.md(failures_markdown(failures) if failures else "none"),
        },
    )


def records_accounted(spec: SourceSpec, staged: Staged) -> AssetCheckResult:
    rows = account(spec, staged.folder, staged.meta, staged)
    return AssetCheckResult(
        check_name="records_accounted",
        passed=all(r["ok"] for r in rows),
        metadata={
            "publication_id": staged.meta["publication_id"],
            "accounting": MetadataValue.md(markdown_table(rows)),
        },
    )


def no_unknown_fields(staged: Staged) -> AssetCheckResult:
    import polars as pl

    unknown = pl.concat([staged.unknowns(f) for f in staged.meta["formats"]])
    summary = unknown.group_by("what").agg(
        pl.len().alias("count"), pl.col("value").first().alias("example")
    )
    return AssetCheckResult(
        check_name="no_unknown_fields",
        passed=unknown.height == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "unknown_count": unknown.height,
            "by_kind": MetadataValue.md(
                markdown_table(summary.sort("count", descending=True).head(40).to_dicts())
            ),
        },
    )


def formats_agree(staged: Staged) -> AssetCheckResult:
    folder, meta = staged.folder, staged.meta
    present = [f for f in meta["formats"] if f != meta["primary_format"]]
    if not present:
        return AssetCheckResult(
            check_name="formats_agree",
            passed=True,
            metadata={"compared": f"only {meta['primary_format']} present"},
        )
    metadata: dict[str, Any] = {}
    total = 0
    for other in present:
        diffs = compare_formats(folder, meta, other, staged)
        total += diffs.height
        dates = {f: meta["formats"][f]["published_at"] for f in (meta["primary_format"], other)}
        metadata[f"{other}_published"] = json.dumps(dates)
        metadata[f"{other}_differences"] = diffs.height
        metadata[f"{other}_layout_only_attributes"] = (
            ", ".join(layout_only_attributes(folder, meta["primary_format"], other, staged))
            or "none"
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
        check_name="formats_agree",
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        metadata=metadata,
    )
