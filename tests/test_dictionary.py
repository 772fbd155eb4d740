"""The data dictionary lives in the DuckDB file: the Pandera descriptions of each published
table become `COMMENT ON TABLE/COLUMN`, shown by `duckdb_tables()` and `duckdb_columns()`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from core.canonical import frame
from resources.duckdb_files import write_database
from schemas.canonical import Sanctions
from schemas.catalog import dictionary, published_models


def test_comments_in_the_duckdb_file(tmp_path: Path) -> None:
    sanctions = frame(
        "sanctions",
        [{"entity_id": "us_ofac_sdn-7489", "jurisdiction": "US", "authority": "US OFAC"}],
    ).with_columns(source=pl.lit("us_ofac_sdn"), publication_id=pl.lit("p"))
    changes = pl.DataFrame({"source": ["us_ofac_sdn"], "entity_id": ["us_ofac_sdn-7489"]})
    db = tmp_path / "sanctions.duckdb"
    docs = dictionary(["sanctions", "changes", "not_documented"])
    write_database(db, {"sanctions": sanctions, "changes": changes}, docs=docs)
    con = duckdb.connect(str(db), read_only=True)
    columns = dict(
        con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'sanctions'"
        ).fetchall()
    )
    tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
    con.close()
    assert columns["jurisdiction"] == (
        "Jurisdiction designating: US, EU, UK or UN (the coding of the divergence tables)."
    )
    assert columns["authority"].startswith("Issuing body")
    # every column of the table is documented, from the model itself
    model = Sanctions.to_schema().columns
    assert columns == {name: model[name].description for name in sanctions.columns}
    assert tables["sanctions"] == "One row per designation (authority × program)."
    assert tables["changes"].startswith("One row per field-level change")


def test_every_model_column_has_a_description() -> None:
    # a column without a description would be an undocumented column in the published file
    missing = [
        f"{table}.{column}"
        for table, model in published_models().items()
        for column, spec in model.to_schema().columns.items()
        if not spec.description
    ]
    assert missing == []


def test_quotes_in_descriptions_survive(tmp_path: Path) -> None:
    # descriptions hold quotes ("`<source>-<publisher's own id>`"): quoted, not injected
    db = tmp_path / "x.duckdb"
    write_database(db, {"entities": frame("entities")}, docs=dictionary(["entities"]))
    con = duckdb.connect(str(db), read_only=True)
    [(comment,)] = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'entities' "
        "AND column_name = 'entity_id'"
    ).fetchall()
    con.close()
    assert "publisher's own id" in comment
