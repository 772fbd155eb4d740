"""Warning checks on a version's lists, with bounds taken from the lists' published history.

Per list: entity counts per type, and fill rates of properties that matter (share of vessels
with an IMO number, of persons with a birth date, of persons with a nationality). The bounds
are not guessed: a count or a fill rate is flagged when it falls below the lowest value the
list has had in the versions recorded in `versions.json`, or a count rises above the highest
by more than the largest rise seen between two consecutive versions. With no history yet
there is nothing to compare against, and the check says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

# (schema, property) → metric name: the share of the schema's entities with the property
FILL_RATES = {
    ("Vessel", "imoNumber"): "vessel_imo",
    ("Person", "birthDate"): "person_birth_date",
    ("Person", "nationality"): "person_nationality",
}


def list_metrics(entities: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Per list (the entity's publisher): entities per schema and fill rates."""
    counts: dict[str, dict[str, int]] = {}
    filled: dict[str, dict[str, int]] = {}
    for e in entities:
        if e.get("referents"):
            continue
        publishers = e["properties"].get("publisher", [])
        if len(publishers) != 1 or e["schema"] not in (
            "Person",
            "Organization",
            "Company",
            "Vessel",
            "Airplane",
        ):
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


def check(
    current: Mapping[str, Mapping[str, float]], history: Sequence[Mapping[str, Mapping[str, float]]]
) -> list[dict[str, Any]]:
    """One row per list and metric: the value, the bounds from history, and `ok`/`warning`."""
    rows = []
    for source, metrics in sorted(current.items()):
        for name, value in sorted(metrics.items()):
            past = [h[source][name] for h in history if name in h.get(source, {})]
            if not past:
                rows.append(
                    {
                        "source": source,
                        "metric": name,
                        "value": value,
                        "status": "no history",
                        "min": None,
                        "max": None,
                    }
                )
                continue
            low = min(past)
            high = None
            if name.startswith("count_"):
                rises = [max(b - a, 0) for a, b in itertools.pairwise(past)]
                high = max(past) + max(rises, default=0)
            bad = value < low or (high is not None and value > high)
            rows.append(
                {
                    "source": source,
                    "metric": name,
                    "value": value,
                    "status": "warning" if bad else "ok",
                    "min": low,
                    "max": high,
                }
            )
    return rows
