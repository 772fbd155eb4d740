"""US Consolidated Screening List (`us_csl`), JSON: agrees with the CSV on the same records
(tests/fixtures/us_csl/README.md), its id key, unknown keys kept, and bad input refused."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from core.canonical import ParseResult
from core.errors import SourceFormatError
from schemas.canonical import MODELS
from schemas.validate import validate
from tests.accounting import accounting
from tests.us_csl.helpers import EL, rows, values
from us_csl.constants import JSON_NAME
from us_csl.json import parse_json_bytes


def test_json_agrees_with_csv_on_the_same_records(
    sample: ParseResult, from_json: ParseResult
) -> None:
    assert from_json.tables["entities"].height == 6
    assert accounting(from_json) == {"entries": (6, 6), JSON_NAME: (8, 8)}
    assert from_json.unknowns == []
    ids = from_json.tables["entities"]["entity_id"].implode()

    def same(table: str, *columns: str) -> None:
        left = (
            sample.tables[table]
            .filter(pl.col("entity_id").is_in(ids))
            .select("entity_id", *columns)
        )
        right = from_json.tables[table].select("entity_id", *columns)
        assert set(left.rows()) == set(right.rows()), table

    same("entities", "source_id", "entity_type", "primary_name", "listed_on", "remarks")
    same("names", "name", "name_type", "given_name", "family_name")
    same("sanctions", "authority", "program", "legal_basis", "listed_on")
    same("identifiers", "id_type", "value", "normalized", "country_code", "note")
    same("addresses", "full_address", "postal_code", "country_code")
    same("countries", "country_code", "relation")
    same("birth_dates", "raw", "date_from", "date_to", "precision")
    # JSON names the address parts the CSV packs together
    ash = rows(from_json, "addresses", "deb7a1d5743a85c354ca1a2c7f2664e2104b32d7").row(
        0, named=True
    )
    assert (ash["city"], ash["region"], ash["postal_code"]) == ("SEAGOVILLE", "TX", "75159")


def test_json_id_may_be_id_or__id(fixtures: Path) -> None:
    doc = json.loads((fixtures / "us_csl" / JSON_NAME).read_text())
    for item in doc["results"]:
        item["_id"] = item.pop("id")
    result = parse_json_bytes(JSON_NAME, json.dumps(doc).encode())
    assert result.tables["entities"].height == 6


@pytest.mark.parametrize(
    ("data", "location", "message"),
    [
        (b"", "byte 0", "empty"),
        (b"<html><head><title>502</title></head></html>", "byte 0", "HTML"),
        (b'{"results": [{"id": "1", "name": "X"', "line 1, column", "not valid JSON"),
        (b'[{"id": "1"}]', "top level", '"results" array'),
        (b'{"results": ["x"]}', "results[0]", "expected an object"),
        (
            b'{"results": [{"id": "1", "alt_names": "A; B"}]}',
            "results[0].alt_names",
            "expected an array",
        ),
        (
            b'{"results": [{"id": "1", "ids": [["Passport"]]}]}',
            "results[0].ids[0]",
            "expected an object",
        ),
        (b'{"results": [{"id": "1", "_id": "2"}]}', "results[0]", "disagree"),
        (b'{"results": [{"id": "1", "name": "Caf\xe9"}]}', "line 1, column", "not valid utf-8"),
    ],
    ids=[
        "empty",
        "html",
        "truncated",
        "no-results",
        "not-object",
        "list-as-string",
        "id-not-object",
        "two-ids",
        "latin-1",
    ],
)
def test_bad_json_is_refused(data: bytes, location: str, message: str) -> None:
    with pytest.raises(SourceFormatError) as err:
        parse_json_bytes(JSON_NAME, data)
    assert err.value.file == JSON_NAME
    assert err.value.location.startswith(location)
    assert message in err.value.message


def test_json_unknown_keys_and_odd_ids_are_kept() -> None:
    doc = {
        "results": [
            {
                "id": "j1",
                "source": EL,
                "name": "Firm",
                "risk": 7,
                "addresses": [{"address": "1 Main St", "country": "AE", "floor": "3"}],
                "ids": [{"number": "123"}, {"country": "AE"}],
            }
        ],
        "generated": "today",
    }
    result = parse_json_bytes(JSON_NAME, json.dumps(doc).encode())
    assert {(u.what, u.value) for u in result.unknowns} == {
        ("key", "generated"),
        ("key", "risk"),
        ("addresses key", "floor"),
        ("id type", "None"),
        (
            "id item without number",
            '{"type": null, "number": null, "country": "AE", "issue_date": null, "expiration_date": null}',
        ),
    }
    attributes = set(rows(result, "attributes", "j1").select("attribute", "value").rows())
    assert {("risk", "7"), ("addresses.floor", '"3"')} <= attributes
    unparsed = '{"type": null, "number": null, "country": "AE", "issue_date": null, "expiration_date": null}'
    assert ("ids_unparsed", unparsed) in attributes
    assert values(result, "identifiers", "j1", "id_type", "label", "value") == {
        ("other", None, "123")
    }
    assert values(result, "addresses", "j1", "street", "country_code") == {("1 Main St", "AE")}
    assert validate(MODELS, result.stamp("x").tables) == []
