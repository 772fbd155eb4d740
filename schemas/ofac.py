"""Staged (source-shaped) models of OFAC's legacy CSV and classic XML files."""

from __future__ import annotations

import pandera.polars as pa


class PrimaryRow(pa.DataFrameModel):
    """SDN.CSV / CONS_PRIM.CSV: one record per listed party (12 columns, `-0-` read as null)."""

    ent_num: int = pa.Field(gt=0, unique=True, description="OFAC's entry number (stable ID).")
    sdn_name: str = pa.Field(
        nullable=True, description="Primary name; individuals as `FAMILY, Given`."
    )
    sdn_type: str = pa.Field(
        nullable=True, isin=["individual", "vessel", "aircraft"], description="Blank means entity."
    )
    program: str = pa.Field(nullable=True, description="Programs packed as `IRAN] [SDGT`.")
    title: str = pa.Field(nullable=True, description="Title of an individual.")
    call_sign: str = pa.Field(nullable=True, description="Vessel call sign.")
    vess_type: str = pa.Field(nullable=True, description="Vessel type.")
    tonnage: str = pa.Field(nullable=True, description="Vessel tonnage.")
    grt: str = pa.Field(nullable=True, description="Gross registered tonnage.")
    vess_flag: str = pa.Field(nullable=True, description="Vessel flag country.")
    vess_owner: str = pa.Field(nullable=True, description="Vessel owner.")
    remarks: str = pa.Field(nullable=True, description="Remarks, cut at 1,000 characters.")

    class Config:
        strict = True
        coerce = False


class AddressRow(pa.DataFrameModel):
    """ADD.CSV / CONS_ADD.CSV: one record per address."""

    ent_num: int = pa.Field(gt=0, description="Entry the address belongs to.")
    add_num: str = pa.Field(description="Address number.")
    address: str = pa.Field(nullable=True, description="Street.")
    city_state_postal: str = pa.Field(
        nullable=True, description="City, state/province and postal code."
    )
    country: str = pa.Field(nullable=True, description="Country name.")
    add_remarks: str = pa.Field(nullable=True, description="Remarks on the address.")

    class Config:
        strict = True
        coerce = False
        unique = ["ent_num", "add_num"]


class AliasRow(pa.DataFrameModel):
    """ALT.CSV / CONS_ALT.CSV: one record per alias."""

    ent_num: int = pa.Field(gt=0, description="Entry the alias belongs to.")
    alt_num: str = pa.Field(description="Alias number.")
    alt_type: str = pa.Field(
        nullable=True, isin=["aka", "fka", "nka"], description="aka, fka or nka."
    )
    alt_name: str = pa.Field(nullable=True, description="The alias.")
    alt_remarks: str = pa.Field(nullable=True, description="Remarks on the alias.")

    class Config:
        strict = True
        coerce = False
        unique = ["ent_num", "alt_num"]


class CommentRow(pa.DataFrameModel):
    """SDN_COMMENTS.CSV / CONS_COMMENTS.CSV: continuation of cut remarks (starts mid-word)."""

    ent_num: int = pa.Field(gt=0, unique=True, description="Entry whose remarks continue here.")
    remarks: str = pa.Field(nullable=True, description="Continuation text.")

    class Config:
        strict = True
        coerce = False


class XmlEntry(pa.DataFrameModel):
    """SDN.XML / CONSOLIDATED.XML: the identity of each `sdnEntry`."""

    uid: int = pa.Field(nullable=True, unique=True, description="OFAC's entry number.")
    sdn_type: str = pa.Field(
        nullable=True,
        isin=["Individual", "Entity", "Vessel", "Aircraft"],
        description="Entry type.",
    )
    last_name: str = pa.Field(
        nullable=True, description="lastName (whole name for non-individuals)."
    )
    first_name: str = pa.Field(nullable=True, description="firstName of individuals.")
    programs: str = pa.Field(description="Programs joined with `; `.")

    class Config:
        strict = True
        coerce = False


CSV_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "primary": PrimaryRow,
    "addresses": AddressRow,
    "aliases": AliasRow,
    "comments": CommentRow,
}
XML_MODELS: dict[str, type[pa.DataFrameModel]] = {"xml_entries": XmlEntry}
