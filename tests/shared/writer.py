"""One writer of the two-writers test (`python -m tests.shared.writer CONFIG_JSON`).

Publishes `rounds` versions on the shared backend from its own data directory: each round
commits a new publication of its own source to the shared lake and publishes a version whose
`who` table names the writer, the round and the lake snapshot it was built at.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import polars as pl

from core.canonical import TABLE_NAMES, frame
from resources.backend import StorageBackend
from resources.warehouse import publish_version


def main(config: dict) -> None:
    backend = StorageBackend(**config["backend"])
    name, published = config["name"], Path(config["published"])
    source = f"writer_{name}"
    for n in range(config["rounds"]):
        with backend.publishing(published) as publish:
            history = backend.history(published.parent / "lake")
            publication_id = f"{source}-{n}"
            tables = {t: frame(t).drop("publication_id") for t in TABLE_NAMES}
            tables["entities"] = frame(
                "entities",
                [
                    {
                        "source": source,
                        "publication_id": publication_id,
                        "entity_id": f"{source}-{i}",
                    }
                    for i in range(n + 1)  # round n lists n + 1 parties
                ],
            )
            with history.open() as con:
                committed = history.commit(
                    con, source, {"publication_id": publication_id, "source": source}, tables
                )
                snapshot = history.current_snapshot(con)
            who = pl.DataFrame(
                {"writer": [name], "round": [n], "snapshot": [snapshot], "parties": [n + 1]}
            )
            inputs = hashlib.sha256(f"{name}-{n}".encode()).hexdigest()
            version, _ = publish_version(published, {"who": who}, sources=[], inputs=inputs)
            history.record_published(version, snapshot, [committed.snapshot_id])
            publish.done(version, keep_versions=100)
        print(f"{name} round {n}: {version} at snapshot {snapshot}", flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
