"""Deterministic links: entries of two lists proved one party by a shared identifier.

UN reference numbers (`QDi.012` = `QDI.12`, historic forms through `core.un_references`), IMO
numbers, passports and national IDs *with* their issuing country (a bare number is too weak:
`1234567` is issued by many states; a UK passport's country is read from its note), tax and
registration numbers with their country, SWIFT/BIC (first 8 characters: the institution), LEI,
crypto wallets, and lists citing each other (a US CSL row's OFAC ent_num, the FCDO list's OFSI
Group ID and UK reference). A value two entries of one list share proves nothing and is skipped,
as is one shared by more than `Settings.max_identifier_group` entries.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from core.countries import country_in_text
from core.un_references import un_reference_key
from reconcile.weights import DEFAULT, Settings

# Identifier types matched deterministically, and how their key is built.
COUNTRY_BOUND = ("passport", "national_id", "tax_id", "registration")
PLAIN_RULES = ("imo", "swift_bic", "lei", "crypto_wallet")
# Document numbers shorter than this are too generic to link on (`1`, `A12`).
MIN_DOCUMENT_LENGTH = 5
# Identifiers that a party holds once: two members with different values are a conflict.
SINGLE_VALUED = ("imo", "lei", "mmsi", "un_reference")

# Lists citing another list's IDs: (source, label) -> how the cited value becomes a key.
CITATIONS: dict[tuple[str, str], str] = {
    ("us_csl", "OFAC ent_num"): "ofac_entity_number",
    ("gb_fcdo", "Unique ID"): "uk_list_reference",
    ("gb_ofsi", "UK Sanctions List Ref"): "uk_list_reference",
}
# Citations with an identifier type of their own, whichever list carries them: the FCDO list
# quotes each party's OFSI Group ID (id_type `ofsi_group_id`).
CITED_TYPES: dict[str, str] = {"ofsi_group_id": "ofsi_group_id"}
CITATION_RULES = frozenset(CITATIONS.values()) | frozenset(CITED_TYPES.values())

# Every rule a link may carry: deterministic rules first, then the scored one.
DETERMINISTIC_RULES = (
    "un_reference",
    *COUNTRY_BOUND,
    *PLAIN_RULES,
    *sorted(CITATION_RULES),
)
PROBABILISTIC = "probabilistic"
RULES = (*DETERMINISTIC_RULES, PROBABILISTIC)


LINK_SCHEMA = {
    "left_entity_id": pl.String,
    "right_entity_id": pl.String,
    "rule": pl.String,
    "score": pl.Float64,
    "evidence": pl.String,
}


def normalize_un_reference(value: str | None) -> str | None:
    """`QDi.012`, `QDI.12`, `CDi. 038` → `QDI.012`, `CDI.038`; historic forms to the current one
    where the mapping is certain (`QI.A.291.11` → `QDI.291`, see `core.un_references`)."""
    return un_reference_key(value)


def un_reference_expr(column: str) -> pl.Expr:
    """`normalize_un_reference` over a column (one call per distinct value)."""
    return pl.col(column).map_elements(un_reference_key, return_dtype=pl.String)


def document_number(column: str | pl.Expr) -> pl.Expr:
    """A document number as compared across lists: upper case, letters and digits only, the
    letter O read as zero — lists copy one as the other (`O6O1O274747` on OFAC's list is
    `06010274747` on the UK's, `MO887925` is `M0887925`)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "").str.replace_all("O", "0")


def identifier_keys(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, source, entity_type, rule, key, value: every identifier a rule can link on."""
    entities = tables["entities"].select("entity_id", "source", "entity_type")
    labels = sorted({label for _, label in CITATIONS})
    ids = tables["identifiers"].select(
        "entity_id", "id_type", "label", "value", "normalized", "country_code", "note"
    )
    ids = ids.filter(
        pl.col("id_type").is_in(["un_reference", *COUNTRY_BOUND, *PLAIN_RULES, *CITED_TYPES])
        | pl.col("label").is_in(labels)
    )
    ids = ids.with_columns(
        norm=pl.coalesce("normalized", "value").str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "")
    )
    parts: list[pl.DataFrame] = []

    un = ids.filter(pl.col("id_type") == "un_reference").select(
        "entity_id", "value", rule=pl.lit("un_reference"), key=un_reference_expr("value")
    )
    parts.append(un)

    notes = ids.filter(pl.col("id_type").is_in(COUNTRY_BOUND) & pl.col("country_code").is_null())
    note_country = {
        note: country_in_text(note) for note in notes["note"].drop_nulls().unique().to_list()
    }
    docs = ids.filter(
        pl.col("id_type").is_in(COUNTRY_BOUND)
        & (pl.col("norm").str.len_chars() >= MIN_DOCUMENT_LENGTH)
    ).with_columns(
        country=pl.coalesce(
            "country_code",
            pl.col("note").replace_strict(note_country, default=None, return_dtype=pl.String),
        )
    )
    parts.append(
        docs.filter(pl.col("country").is_not_null()).select(
            "entity_id",
            "value",
            rule=pl.col("id_type"),
            key=document_number("norm") + "|" + pl.col("country"),
        )
    )

    plain = ids.filter(pl.col("id_type").is_in(PLAIN_RULES)).with_columns(
        key=pl.when(pl.col("id_type") == "imo")
        .then(pl.col("norm").str.replace_all(r"^IMO", ""))
        .when(pl.col("id_type") == "swift_bic")
        .then(pl.col("norm").str.slice(0, 8))
        .when(pl.col("id_type") == "crypto_wallet")
        .then(
            pl.when(pl.col("value").str.strip_chars().str.to_lowercase().str.starts_with("0x"))
            .then(pl.col("value").str.strip_chars().str.to_lowercase())
            .otherwise(pl.col("value").str.strip_chars())
        )
        .otherwise(pl.col("norm"))
    )
    plain = plain.filter(
        pl.when(pl.col("id_type") == "imo")
        .then(pl.col("key").str.contains(r"^\d{7}$"))
        .when(pl.col("id_type") == "swift_bic")
        .then(pl.col("key").str.len_chars() == 8)
        .when(pl.col("id_type") == "lei")
        .then(pl.col("key").str.len_chars() == 20)
        .otherwise(pl.col("key").str.len_chars() >= 20)
    )
    parts.append(plain.select("entity_id", "value", rule=pl.col("id_type"), key="key"))

    # a citation is known by its identifier type, or by its list and label
    parts.append(
        ids.filter(pl.col("id_type").is_in(list(CITED_TYPES))).select(
            "entity_id",
            "value",
            rule=pl.col("id_type").replace_strict(CITED_TYPES),
            key=pl.col("norm"),
        )
    )
    cited = ids.filter(pl.col("label").is_in(labels)).join(
        entities.select("entity_id", "source"), on="entity_id"
    )
    citation_rules = pl.DataFrame(
        [{"source": s, "label": label, "rule": rule} for (s, label), rule in CITATIONS.items()]
    )
    cited = cited.join(citation_rules, on=["source", "label"]).select(
        "entity_id", "value", "rule", key=pl.col("norm")
    )
    parts.append(cited)
    # the cited side: the entries whose own ID is what the other list quotes
    own = entities.filter(pl.col("source").is_in(["us_ofac_sdn", "us_ofac_cons", "gb_ofsi"]))
    own = own.with_columns(number=pl.col("entity_id").str.replace(r"^[a-z_]+-", ""))
    sdn_numbers = set(own.filter(pl.col("source") == "us_ofac_sdn")["number"].to_list())
    parts.append(
        own.filter(
            (pl.col("source") == "us_ofac_sdn")
            | ((pl.col("source") == "us_ofac_cons") & ~pl.col("number").is_in(sdn_numbers))
        ).select(
            "entity_id", value=pl.col("number"), rule=pl.lit("ofac_entity_number"), key="number"
        )
    )
    parts.append(
        own.filter(pl.col("source") == "gb_ofsi").select(
            "entity_id", value=pl.col("number"), rule=pl.lit("ofsi_group_id"), key="number"
        )
    )
    keys = pl.concat([p.select("entity_id", "value", "rule", "key") for p in parts])
    keys = keys.filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
    keys = keys.filter(pl.struct("entity_id", "rule", "key").hash(seed=13).is_first_distinct())
    return keys.join(entities, on="entity_id")


def deterministic_links(
    tables: Mapping[str, pl.DataFrame], settings: Settings = DEFAULT
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Links proved by a shared identifier: same rule, same key, same entity type, two sources."""
    keys = identifier_keys(tables)
    per_source = (
        keys.group_by("rule", "key", "source")
        .agg(n=pl.col("entity_id").n_unique())
        .group_by("rule", "key")
        .agg(most=pl.col("n").max(), n=pl.col("n").sum())
    )
    too_common = per_source.filter(pl.col("n") > settings.max_identifier_group)
    # Two entries of one list holding the same document are two parties (the UN lists one
    # passport for two Iranian officials): such a value proves nothing. A list citing another
    # list's entry number is a reference, not a document, and stays usable.
    ambiguous = per_source.filter(
        (pl.col("most") > 1) & ~pl.col("rule").is_in(list(CITATION_RULES))
    )
    unusable = pl.concat([too_common, ambiguous]).select("rule", "key").unique()
    keys = keys.join(unusable, on=["rule", "key"], how="anti")
    right = keys.select(
        "rule",
        "key",
        right_entity_id="entity_id",
        right_source="source",
        right_type="entity_type",
        right_value="value",
    )
    pairs = keys.join(right, on=["rule", "key"]).filter(
        (pl.col("entity_id") < pl.col("right_entity_id"))
        & (pl.col("source") != pl.col("right_source"))
    )
    crossed = pairs.filter(pl.col("entity_type") != pl.col("right_type"))
    pairs = pairs.filter(pl.col("entity_type") == pl.col("right_type"))
    evidence = (
        pl.col("rule")
        + ": "
        + pl.col("key")
        + pl.when(pl.col("value") == pl.col("right_value"))
        .then(pl.lit(""))
        .otherwise(" (" + pl.col("value") + " / " + pl.col("right_value") + ")")
    )
    links = (
        pairs.select(
            left_entity_id="entity_id",
            right_entity_id="right_entity_id",
            rule="rule",
            score=pl.lit(1.0),
            evidence=evidence,
        )
        .unique(["left_entity_id", "right_entity_id", "rule", "evidence"])
        .group_by("left_entity_id", "right_entity_id", "rule")
        .agg(pl.col("score").first(), pl.col("evidence").sort().str.join("; "))
    )
    stats = {
        "identifier_keys": int(keys.height),
        "identifier_keys_too_common": int(too_common.height),
        "identifier_keys_ambiguous": int(ambiguous.height),
        "identifier_pairs_across_types": int(crossed.height),
        "deterministic_links": int(links.height),
    }
    return links.select(list(LINK_SCHEMA)).cast(LINK_SCHEMA), stats
