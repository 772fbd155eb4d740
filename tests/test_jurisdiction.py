"""One authority coding everywhere: `sanctions.jurisdiction` is US/EU/UK/UN (the coding of the
divergence tables), `sanctions.authority` the issuing body as the list names it.

The fixtures are parsed through each list's own `SPEC` (its first format whose files are in
tests/fixtures), the sanctions rows put into DuckDB, and queried as an analyst would.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets import eu_fsf, un_sc, us_csl, us_ofac_sdn
from core.canonical import JURISDICTIONS
from reconcile.divergence import AUTHORITIES
from schemas.canonical import Sanctions
from schemas.validate import validate

# source -> (its SPEC, the format, fixture file -> the name the format expects)
FILES = {
    "us_ofac_sdn": (
        us_ofac_sdn.SPEC,
        "csv",
        {n: n for n in ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")},
    ),
    "us_csl": (us_csl.SPEC, "csv", {"sample.csv": "consolidated.csv"}),
    "eu_fsf": (
        eu_fsf.SPEC,
        "xml",
        {"xmlFullSanctionsList_1_1.xml": "xmlFullSanctionsList_1_1.xml"},
    ),
    "un_sc": (un_sc.SPEC, "xml", {"consolidated.xml": "consolidated.xml"}),
}


def parse(source: str, fixtures: Path) -> pl.DataFrame:
    spec, fmt_name, names = FILES[source]
    files = {target: (fixtures / spec.source / name).read_bytes() for name, target in names.items()}
    return spec.format(fmt_name).parse(files).stamp(f"{spec.source}-x").tables["sanctions"]


@pytest.fixture(scope="module")
def sanctions(fixtures: Path) -> pl.DataFrame:
    return pl.concat([parse(source, fixtures) for source in FILES])


def test_jurisdiction_us_returns_ofac_and_csl(sanctions: pl.DataFrame) -> None:
    con = duckdb.connect()
    con.register("sanctions", sanctions.to_arrow())
    us = con.execute(
        "SELECT source, authority, count(*) FROM sanctions WHERE jurisdiction = 'US' "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    sources = {row[0] for row in us}
    assert sources == {"us_ofac_sdn", "us_csl"}
    bodies = {row[1] for row in us}
    # the issuing body stays as published: OFAC for the SDN list, the CSL's own agencies
    assert "US OFAC" in bodies
    assert any(body.startswith("US BIS") for body in bodies), bodies
    # every US row, none lost: the count equals the two lists' sanctions rows
    total = sum(row[2] for row in us)
    assert total == sanctions.filter(pl.col("source").is_in(["us_ofac_sdn", "us_csl"])).height
    # the old free-text query found nothing; the coded one finds every other jurisdiction too
    assert con.execute("SELECT count(*) FROM sanctions WHERE authority = 'US'").fetchone() == (0,)
    by_code = dict(
        con.execute(
            "SELECT jurisdiction, count(DISTINCT source) FROM sanctions GROUP BY ALL"
        ).fetchall()
    )
    assert by_code == {"US": 2, "EU": 1, "UN": 1}


def test_every_row_coded_and_valid(sanctions: pl.DataFrame) -> None:
    assert sanctions["jurisdiction"].null_count() == 0
    assert validate({"sanctions": Sanctions}, {"sanctions": sanctions}) == []
    coded = dict(sanctions.select("source", "jurisdiction").unique().iter_rows())
    assert coded == {s: JURISDICTIONS[s] for s in coded}


def test_divergence_uses_the_same_coding() -> None:
    # the divergence tables' `authority` is the jurisdiction of the lists (CSL aggregates)
    assert {s: j for s, j in JURISDICTIONS.items() if s != "us_csl"} == AUTHORITIES


def test_unknown_source_is_refused() -> None:
    from core.canonical import ParseResult, frame

    result = ParseResult(
        "xx_new", {"sanctions": frame("sanctions", [{"entity_id": "xx_new-1", "authority": "X"}])}
    ).stamp("p")
    failures = validate({"sanctions": Sanctions}, {"sanctions": result.tables["sanctions"]})
    assert failures and any("jurisdiction" in str(f) for f in failures)
