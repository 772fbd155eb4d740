"""Shared helpers of the us_csl tests: the CSV header, record builders and table lookups."""

from __future__ import annotations

import polars as pl

from core.canonical import ParseResult

HEADER = (
    "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,"
    "start_date,end_date,standard_order,license_requirement,license_policy,call_sign,"
    "vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,"
    "source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,"
    "source_information_url,ids"
)
EL = "Entity List (EL) - Bureau of Industry and Security"


def rows(result: ParseResult, table: str, source_id: str) -> pl.DataFrame:
    return result.tables[table].filter(pl.col("entity_id") == f"us_csl-{source_id}")


def values(result: ParseResult, table: str, source_id: str, *columns: str) -> set[tuple]:
    return set(rows(result, table, source_id).select(columns).rows())


def csv_bytes(*records: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *records]) + "\n").encode()


def record(_id: str, name: str, *, source: str = EL, type_: str = "", dob: str = "") -> str:
    cells = dict.fromkeys(HEADER.split(","), "")
    cells.update({"_id": _id, "source": source, "name": name, "type": type_, "dates_of_birth": dob})
    return ",".join(f'"{v}"' for v in cells.values())
