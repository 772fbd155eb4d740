"""Reader of the CSL JSON (`consolidated.json`): the API's envelope and its records."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import polars as pl

from core.canonical import ParseResult, Unknown
from core.errors import SourceFormatError
from core.sniff import check_payload, decode
from core.truncation import last_json_record, require_declared_count
from us_csl.constants import (
    BOM,
    COLUMNS,
    JSON_ADDRESS_KEYS,
    JSON_ID_KEYS,
    JSON_NAME,
    JSON_TOP_KEYS,
    MULTI,
    PACKED,
    SCALARS,
    SOURCE,
)
from us_csl.mapping import build
from us_csl.records import ADDRESS_SCHEMA, EXTRA_SCHEMA, ID_SCHEMA, SourceRecords, gunzip_if_gzip

# --- JSON --------------------------------------------------------------------------------------


def _json_scalar(name: str, where: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SourceFormatError(name, where, f"expected a string, found {type(value).__name__}")
    return str(value).strip() or None


def _json_array(name: str, where: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SourceFormatError(name, where, f"expected an array, found {type(value).__name__}")
    return value


def _json_text(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


class _JsonRecords:
    """Accumulates the rows of `SourceRecords` while walking `results`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.base: list[dict[str, Any]] = []
        self.staged: list[dict[str, Any]] = []
        self.addresses: list[dict[str, Any]] = []
        self.ids: list[dict[str, Any]] = []
        self.extra: list[dict[str, Any]] = []
        self.unknowns: list[Unknown] = []

    def objects(
        self, number: int, where: str, key: str, value: Any, known: tuple[str, ...]
    ) -> list[dict[str, str | None]]:
        """The objects of an array field; unknown keys are reported and kept as attributes."""
        out = []
        for i, item in enumerate(_json_array(self.name, f"{where}.{key}", value)):
            at = f"{where}.{key}[{i}]"
            if not isinstance(item, dict):
                raise SourceFormatError(
                    self.name, at, f"expected an object, found {type(item).__name__}"
                )
            for extra in item.keys() - set(known):
                self.unknowns.append(Unknown(self.name, at, f"{key} key", extra))
                self.extra.append(
                    {
                        "record": number,
                        "attribute": f"{key}.{extra}",
                        "value": json.dumps(item[extra]),
                    }
                )
            out.append({k: _json_scalar(self.name, f"{at}.{k}", item.get(k)) for k in known})
        return out

    def add(self, number: int, item: Any) -> None:
        where = f"results[{number - 1}]"
        if not isinstance(item, dict):
            raise SourceFormatError(
                self.name, where, f"expected an object, found {type(item).__name__}"
            )
        ident = {
            k: _json_scalar(self.name, f"{where}.{k}", item[k]) for k in ("id", "_id") if k in item
        }
        if len(set(ident.values())) > 1:
            raise SourceFormatError(self.name, where, f"id and _id disagree: {ident}")
        row: dict[str, Any] = {"record": number, "_id": next(iter(ident.values()), None)}
        row |= {k: _json_scalar(self.name, f"{where}.{k}", item.get(k)) for k in SCALARS[1:]}
        for key in MULTI:
            values = _json_array(self.name, f"{where}.{key}", item.get(key))
            row[key] = [
                s
                for i, v in enumerate(values)
                if (s := _json_scalar(self.name, f"{where}.{key}[{i}]", v))
            ]
        self.base.append(row)
        staged = {k: _json_text(v) if k in MULTI else v for k, v in row.items()}
        self.staged.append(staged | {k: _json_text(item.get(k)) for k in PACKED})
        for obj in self.objects(
            number, where, "addresses", item.get("addresses"), JSON_ADDRESS_KEYS
        ):
            if full := ", ".join(v for v in obj.values() if v):
                parts = {"street": obj["address"], "city": obj["city"], "region": obj["state"]}
                self.addresses.append(
                    {
                        "record": number,
                        "full_address": full,
                        **parts,
                        "postal_code": obj["postal_code"],
                        "country_raw": obj["country"],
                    }
                )
        for obj in self.objects(number, where, "ids", item.get("ids"), JSON_ID_KEYS):
            if any(obj.values()):
                raw = json.dumps(obj, ensure_ascii=False)
                self.ids.append(
                    {"record": number, "raw": raw, "country_raw": obj.pop("country"), **obj}
                )
        for key in item.keys() - set(COLUMNS) - {"id"}:
            self.unknowns.append(Unknown(self.name, where, "key", key))
            self.extra.append(
                {
                    "record": number,
                    "attribute": key,
                    "value": json.dumps(item[key], ensure_ascii=False),
                }
            )


def _read_json(name: str, data: bytes) -> SourceRecords:
    data = gunzip_if_gzip(name, data)
    check_payload(name, data)
    text = decode(name, data.removeprefix(BOM), "utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(
            name,
            f"line {exc.lineno}, column {exc.colno}",
            f"not valid JSON: {exc.msg}; {last_json_record(text)}",
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise SourceFormatError(name, "top level", 'expected an object with a "results" array')
    # trade.gov's JSON declares how many results it holds; fewer means a cut or a single page.
    if isinstance(doc.get("total"), int):
        last = doc["results"][-1] if doc["results"] else {}
        ident = last.get("id", last.get("_id")) if isinstance(last, dict) else None
        require_declared_count(
            name,
            "total",
            doc["total"],
            len(doc["results"]),
            f"results[{len(doc['results'])}] (id {ident})",
        )
    acc = _JsonRecords(name)
    acc.unknowns += [Unknown(name, "top level", "key", k) for k in doc if k not in JSON_TOP_KEYS]
    for number, item in enumerate(doc["results"], start=1):
        acc.add(number, item)
    base_schema = (
        {"record": pl.Int64}
        | dict.fromkeys(SCALARS, pl.String)
        | dict.fromkeys(MULTI, pl.List(pl.String))
    )
    staged_schema = {"record": pl.Int64} | dict.fromkeys(COLUMNS, pl.String)
    return SourceRecords(
        file=name,
        base=pl.LazyFrame(acc.base, schema=base_schema),
        addresses=pl.LazyFrame(acc.addresses, schema=ADDRESS_SCHEMA),
        ids=pl.LazyFrame([{k: r.get(k) for k in ID_SCHEMA} for r in acc.ids], schema=ID_SCHEMA),
        extra=pl.LazyFrame(acc.extra, schema=EXTRA_SCHEMA),
        staged={
            "json_records": pl.DataFrame(acc.staged, schema=staged_schema).select(
                list(staged_schema)
            )
        },
        records_seen=len(acc.base),
        unknowns=acc.unknowns,
    )


def parse_json_bytes(name: str, data: bytes, *, source: str = SOURCE) -> ParseResult:
    """Parse the CSL JSON (`{"results": [...]}`, plain or gzip-compressed) into canonical tables."""
    return build(_read_json(name, data), source, "json")


def parse_json(files: Mapping[str, bytes]) -> ParseResult:
    """consolidated.json → canonical tables."""
    return parse_json_bytes(JSON_NAME, files[JSON_NAME])
