"""Staged (source-shaped) models of OFAC's legacy CSV, classic XML and Enhanced XML files."""

from __future__ import annotations

from datetime import date

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


class EnhancedEntity(pa.DataFrameModel):
    """SDN_ENHANCED.XML / CONS_ENHANCED.XML: the identity of each `entity`."""

    id: int = pa.Field(nullable=True, unique=True, description="OFAC's entity ID (the ent_num).")
    identity_id: str = pa.Field(nullable=True, description="generalInfo/identityId.")
    entity_type: str = pa.Field(
        nullable=True,
        isin=["Individual", "Entity", "Vessel", "Aircraft"],
        description="generalInfo/entityType as published.",
    )
    primary_name: str = pa.Field(
        nullable=True, description="formattedFullName of the primary name's primary translation."
    )
    lists: str = pa.Field(description="sanctionsLists joined with `; `.")
    programs: str = pa.Field(description="sanctionsPrograms joined with `; `.")

    class Config:
        strict = True
        coerce = False


class EnhancedFeature(pa.DataFrameModel):
    """One `feature` of an entity, as published (typed value, date span, reliability)."""

    entity: int = pa.Field(description="Entity ID the feature belongs to.")
    feature_id: str = pa.Field(nullable=True, description="feature/@id.")
    feature_type_id: str = pa.Field(nullable=True, description="type/@featureTypeId.")
    feature_type: str = pa.Field(nullable=True, description="Feature type name (featureTypes).")
    value: str = pa.Field(nullable=True, description="value as published.")
    value_ref_id: str = pa.Field(nullable=True, description="valueRefId (reference value cited).")
    date_from: date = pa.Field(nullable=True, description="valueDate/fromDateBegin.")
    date_to: date = pa.Field(nullable=True, description="valueDate/toDateEnd.")
    approximate: bool = pa.Field(nullable=True, description="valueDate/isApproximate.")
    date_range: bool = pa.Field(nullable=True, description="valueDate/isDateRange.")
    reliability: str = pa.Field(nullable=True, description="reliability (Confirmed, Reported…).")
    comments: str = pa.Field(nullable=True, description="comments on the feature.")
    is_primary: bool = pa.Field(nullable=True, description="isPrimary (false: an `alt.` value).")

    class Config:
        strict = True
        coerce = False


class EnhancedRelationship(pa.DataFrameModel):
    """One `relationship` of an entity, with the related entity's ID as published."""

    entity: int = pa.Field(description="Entity ID the relationship belongs to.")
    relationship_id: str = pa.Field(nullable=True, description="relationship/@id.")
    relation_type: str = pa.Field(nullable=True, description="RELATIONSHIP TYPE as published.")
    quality: str = pa.Field(nullable=True, description="RELATIONSHIP QUALITY, where given.")
    related_entity_id: str = pa.Field(
        nullable=True, description="relatedEntity/@entityId (may be on the other OFAC list)."
    )
    related_name: str = pa.Field(nullable=True, description="Related entity's name as published.")

    class Config:
        strict = True
        coerce = False


ENHANCED_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "enhanced_entities": EnhancedEntity,
    "enhanced_features": EnhancedFeature,
    "enhanced_relationships": EnhancedRelationship,
}
