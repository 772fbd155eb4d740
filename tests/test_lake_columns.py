"""A lake written before a canonical column existed takes the new columns (`published`,
`countries.note`, `birth_places.note`) and keeps committing: columns are matched by name."""

from __future__ import annotations

import json
from pathlib import Path

from core.canonical import TABLE_NAMES, ParseResult, frame
from resources.history import CATALOG, LAKE, History, connect, duckdb_types, lake_columns

ADDED = {"published"}
ADDED_BY_TABLE = {"countries": {"note"}, "birth_places": {"note"}}


def test_old_lake_gains_the_new_columns(tmp_path: Path) -> None:
    folder = tmp_path / "lake"
    (folder / "data").mkdir(parents=True)
    con = connect(folder / CATALOG, folder / "data")
    for table in TABLE_NAMES:
        dropped = ADDED | ADDED_BY_TABLE.get(table, set())
        columns = ", ".join(
            f'"{c}" {duckdb_types()[t]}' for c, t in lake_columns(table).items() if c not in dropped
        )
        con.execute(f'CREATE TABLE {LAKE}."{table}" ({columns})')
    con.close()

    result = ParseResult(
        "t",
        {
            "countries": frame(
                "countries",
                [{"entity_id": "t-1", "country_code": "CS", "raw": "Serbia and\n Montenegro",
                  "relation": "nationality", "origin": "f"}],
            ),
            "names": frame(
                "names", [{"entity_id": "t-1", "name": "A\n  B", "name_type": "primary"}]
            ),
        },
    ).stamp("t-1")  # fmt: skip
    history = History(folder)
    with history.open() as con:
        publication = {"publication_id": "t-1", "source": "t", "staged_as": "t-1.x"}
        committed = history.commit(con, "t", publication, result.tables)
        countries = history.table_at(con, "countries", committed.snapshot_id)
        names = history.table_at(con, "names", committed.snapshot_id)
    assert committed.inserted["countries"] == 1
    [row] = countries.to_dicts()
    assert (row["country_code"], row["raw"], row["relation"]) == (
        "CS",
        "Serbia and\n Montenegro",
        "nationality",
    )
    assert row["note"].startswith("country code CS: Serbia and Montenegro")
    [name] = names.to_dicts()
    assert name["name"] == "A B" and json.loads(name["published"]) == {"name": "A\n  B"}
