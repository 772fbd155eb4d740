"""Assertions on a version's lists: entity counts per FtM schema and fill rates, each with a
severity (blocking or warning), configured per list as data (`ftm/bounds.json`).

Pure functions: `list_metrics` measures an export, `evaluate` compares the measures with the
configured bounds, `derive` turns the figures observed in the lists' real publications into
bounds by the rule below. `python -m ftm.derive_bounds` measures every real publication shipped
under `snapshots/` and writes `ftm/bounds.json` (the observed figures, their sources and the
rule beside the thresholds); the publishing asset evaluates them as Dagster asset checks
(`ftm/checks.py`), and a failed blocking assertion stops the publication.

The rule (`derive`), with its reasons:
- `count_<Schema>` minimum = ⌊lowest observed × 0.9⌋, warning. 0.9 is the project's own
  shrink tolerance (`PublishPolicy.max_shrink_fraction` = 10 %). It only warns: the
  publications shipped are a recent sample of each list's history (SDN held 5,974 entries in
  2018, against 13,821 in the oldest shipped copy), so a minimum from them would refuse real
  older publications (`--pin`); what holds a list back is its shrink against its own previous
  publication (`no_sudden_shrink`) and the sanity floor of its spec, both blocking.
- `count_<Schema>` maximum = ⌈highest observed × (1 + r)⌉, warning. r is the largest relative
  rise of that count between two consecutive real publications of the list; for a list with
  one publication, or whose count never rose, the largest such rise seen in any list. Lists grow: a rise past it is news
  for a human, not a reason to hold data back.
- `fill_<metric>` minimum = lowest observed × 0.9 (rounded down to 4 decimals), over the
  publications that have entities of the schema; blocking when each of them has at least 20
  entities of the schema (below that one entity
  moves the share by more than 5 points) and the property is near-complete (lowest observed
  share ≥ 0.9, the same tolerance: a field the list gives almost every party, such as a
  vessel's IMO number, collapsing means a field was lost), warning otherwise (a partial
  property's share moves with which parties are listed: in the oldest 5,974 SDN entries
  nationality is filled for 44 %, in the whole list for 67 %). No minimum when it would be 0.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

BOUNDS_FILE = Path(__file__).with_name("bounds.json")
PARTY_SCHEMATA = ("Person", "Organization", "Company", "Vessel", "Airplane", "LegalEntity")
# (schema, property) → metric name: the share of the schema's entities with the property
FILL_RATES = {
    ("Vessel", "imoNumber"): "vessel_imo",
    ("Person", "birthDate"): "person_birth_date",
    ("Person", "nationality"): "person_nationality",
}
SHRINK_TOLERANCE = 0.9  # PublishPolicy.max_shrink_fraction = 0.10
MIN_RATE_BASE = 20  # entities of the schema for a fill rate to be blocking
BLOCKING, WARNING = "blocking", "warning"


def list_metrics(entities: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Per list (the entity's publisher): entities per schema and fill rates."""
    counts: dict[str, dict[str, int]] = {}
    filled: dict[str, dict[str, int]] = {}
    for e in entities:
        if e.get("referents"):
            continue
        publishers = e["properties"].get("publisher", [])
        if len(publishers) != 1 or e["schema"] not in PARTY_SCHEMATA:
            continue
        source = publishers[0]
        mine = counts.setdefault(source, {})
        mine[e["schema"]] = mine.get(e["schema"], 0) + 1
        for (schema, prop), metric in FILL_RATES.items():
            if e["schema"] == schema and e["properties"].get(prop):
                f = filled.setdefault(source, {})
                f[metric] = f.get(metric, 0) + 1
    out: dict[str, dict[str, float]] = {}
    for source, mine in counts.items():
        metrics: dict[str, float] = {f"count_{k}": v for k, v in mine.items()}
        for (schema, _), metric in FILL_RATES.items():
            if mine.get(schema):
                metrics[f"fill_{metric}"] = round(
                    filled.get(source, {}).get(metric, 0) / mine[schema], 4
                )
        out[source] = metrics
    return out


def load_bounds(path: Path = BOUNDS_FILE) -> dict[str, Any]:
    """The configured bounds: `lists.<source>.assertions`, each `{metric, min or max, severity}`
    (none configured while the file does not exist: `python -m ftm.derive_bounds` writes it)."""
    return json.loads(path.read_text()) if path.is_file() else {"lists": {}}


def _schema_of(metric: str) -> str | None:
    if metric.startswith("count_"):
        return metric.removeprefix("count_")
    for (schema, _), name in FILL_RATES.items():
        if metric == f"fill_{name}":
            return schema
    return None


def evaluate(
    metrics: Mapping[str, Mapping[str, float]],
    bounds: Mapping[str, Any],
    only: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """One row per configured assertion: the list, metric, value, bound, severity and status
    (`ok`, `failed`, or `not applicable`: a fill rate of a schema the list now has none of,
    which its count assertion judges). A list with no entities counts 0 of everything. `only`:
    the lists of this deployment (a configured list not deployed is not judged)."""
    rows = []
    for source, config in sorted(bounds["lists"].items()):
        if only is not None and source not in only:
            continue
        mine = metrics.get(source, {})
        for bound in config["assertions"]:
            metric = bound["metric"]
            value = mine.get(metric, 0 if metric.startswith("count_") else None)
            low, high = bound.get("min"), bound.get("max")
            if value is None:
                status = "not applicable"
            elif (low is not None and value < low) or (high is not None and value > high):
                status = "failed"
            else:
                status = "ok"
            rows.append(
                {
                    "source": source,
                    "metric": metric,
                    "value": value,
                    "min": low,
                    "max": high,
                    "severity": bound["severity"],
                    "status": status,
                }
            )
    return rows


def describe(row: Mapping[str, Any]) -> str:
    """One failed assertion in words."""
    bound = (
        f"below its minimum {row['min']}"
        if row["min"] is not None and row["value"] < row["min"]
        else f"above its maximum {row['max']}"
    )
    return f"{row['source']} {row['metric']} = {row['value']} is {bound} ({row['severity']})"


def _rises(series: Sequence[float]) -> list[float]:
    return [(b - a) / a for a, b in itertools.pairwise(series) if a > 0 and b > a]


def derive(observed: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Bounds per list from the figures of its real publications (the module's rule).

    `observed[source]` is the list's publications, oldest first, each `{"metrics": …}`."""
    counts = {
        (source, m)
        for source, pubs in observed.items()
        for p in pubs
        for m in p["metrics"]
        if m.startswith("count_")
    }
    pooled = max(
        (r for s, m in counts for r in _rises([p["metrics"].get(m, 0) for p in observed[s]])),
        default=0.0,
    )
    out: dict[str, dict[str, Any]] = {}
    for source, pubs in sorted(observed.items()):
        assertions: list[dict[str, Any]] = []
        for metric in sorted({m for p in pubs for m in p["metrics"]}):
            schema = _schema_of(metric)
            if metric.startswith("count_"):
                series = [p["metrics"].get(metric, 0) for p in pubs]
                rise = max(_rises(series), default=pooled) if len(pubs) > 1 else pooled
                low = math.floor(min(series) * SHRINK_TOLERANCE)
                if low > 0:  # the minimum only warns (see the rule)
                    assertions.append({"metric": metric, "min": low, "severity": WARNING})
                # the maximum only warns (see the rule)
                high = math.ceil(max(series) * (1 + rise))
                assertions.append({"metric": metric, "max": high, "severity": WARNING})
                continue
            # over the publications that have the schema at all (OFSI's 2018 CSV has no vessels)
            having = [p["metrics"] for p in pubs if metric in p["metrics"]]
            low_rate = math.floor(min(m[metric] for m in having) * SHRINK_TOLERANCE * 10_000)
            if low_rate <= 0:
                continue
            base = min(m.get(f"count_{schema}", 0) for m in having)
            lowest = min(m[metric] for m in having)
            near_complete = lowest >= SHRINK_TOLERANCE
            severity = BLOCKING if base >= MIN_RATE_BASE and near_complete else WARNING
            assertions.append({"metric": metric, "min": low_rate / 10_000, "severity": severity})
        out[source] = {"assertions": assertions}
    return out
