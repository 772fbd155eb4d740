"""Cross-list entity resolution: which entries of different lists are one party.

Pure functions over the canonical tables of CONTRACT.md: polars frames in, polars frames out,
no I/O. `resolve(tables)` returns the clusters (every entity in exactly one, singletons too),
the links that justify them, and the attribute conflicts found inside them.

How a party is recognised
1. Deterministic links, each with its rule and the shared value as evidence: UN reference
   numbers (`QDi.012` = `QDI.12`), IMO numbers, passports and national IDs *with* their issuing
   country (a bare number is too weak: `1234567` is issued by many states; a UK passport's
   country is read from its note), tax and registration numbers with their country, SWIFT/BIC
   (first 8 characters: the institution), LEI, crypto wallets, and lists citing each other
   (a US CSL row's OFAC ent_num, the FCDO list's OFSI Group ID and UK reference). A value two
   entries of one list share (the UN gives two Iranian officials the same passports) proves
   nothing and is skipped, as is one shared by more than `max_identifier_group` entries.
2. Scored links between the other parties. Names are transliterated (normality), lower-cased,
   stripped of honorifics (persons) or legal forms (LLC, OOO, AO, JSC, LTD…) and of particles
   (al, bin, de…), and compared as sorted tokens — word order does not matter, a repeated part
   does (`Ibrahim Sab'awi Ibrahim` is the son of `Sab'awi Ibrahim`). The score is a sum of
   log-odds weights, Fellegi–Sunter style, set by hand and measured against hidden ground
   truth (`bench/bench_reconcile.py`): the best name pair (ratio, consonant skeleton, one name
   inside the other), how many name pairs agree, how common the name is (the most entries of
   one list carrying it), birth dates with their precision (a one-day gap between lists is a
   time-zone slip, the same year with another day a typo, no overlap a conflict), countries,
   a shared document number of any country, gender, and for organisations their register
   numbers (two companies whose registration or tax numbers of one length all differ are two
   companies). Parties of different entity types are never compared.
3. Blocking keeps the cost near-linear. Each name yields keys made of pairs of its rarest
   tokens' consonant skeletons (`muhammad`, `mohammed` → `mhmd`); a block is compared as a
   sorted neighbourhood (each party with its next `window` neighbours by name), a key shared
   by more than `max_block` parties is also refined by birth year or a third token, and each
   party keeps only its `max_candidates` best-named candidates for full scoring; the best few
   are rescored on every pair of their names.
4. Clusters are connected components (union-find): deterministic links first, then scored
   links by descending score. A scored link that would put two entries of one source in one
   cluster is refused — a publisher lists a party once, so two of its entries are two
   parties — which stops chains of fuzzy links from snowballing. The UN lists a party once
   per committee (`ONE_ENTRY_PER_REGIME`): two UN entries of different regimes may join.
5. Cluster IDs are stable across versions (`assign_cluster_ids`): a cluster inherits the ID of
   the previous cluster it shares the most members with; otherwise an ID is minted from its
   smallest member.

Why rapidfuzz with explicit blocking rather than splink: a party carries one to forty names
and splink compares one record with one record, so names would be exploded into record pairs
and re-aggregated outside its model; its m/u weights come from EM training on each run's data,
so adding a list would move the weights and with them the links of unrelated parties, while
published party IDs must not drift; and the lists themselves give labelled truth (UN
references, passports) to set and check a small, readable set of weights. Blocking in polars
and scoring with `rapidfuzz.process.cpdist` (C++, all cores) resolves every list in a few
seconds, with no training step, deterministically.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl
from normality import ascii_text
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from core.canonical import ENTITY_TYPES as ENTITY_TYPE_CODES
from core.canonical import JURISDICTIONS, frame
from core.countries import country_in_text
from core.countries import resolve as resolve_country
from core.un_references import un_reference_key

# --- vocabularies ---------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# dropped from persons' names
HONORIFICS = _words(
    "mr mrs ms miss dr prof sir sheikh shaikh shaykh sheik haji hajji hadji alhaj alhaji "
    "mullah mulla maulavi mawlawi maulvi moulavi molvi qari imam general gen colonel col "
    "lieutenant lt brigadier major maj admiral captain capt"
)
# dropped from other parties' names: legal forms (with the Russian spelled-out OOO, AO, PAO…)
# and words lists add or leave out at will (trading, branch, establishment)
LEGAL_FORMS = _words(
    "llc ooo oao zao pao ao jsc ojsc cjsc pjsc ltd limited co company inc incorporated corp "
    "corporation gmbh ag sa sarl srl spa bv nv plc llp lp fze fzc fzco fzllc fz jv tov tob "
    "pte pty sdn bhd kg ab oy sal ltda cia joint stock open closed public private liability "
    "obshchestvo obschestvo ogranichennoi ogranichennoy otvetstvennostiu otvetstvennostyu "
    "aktsionernoe aktsionernoye publichnoe publichnoye zakrytoe otkrytoe nauchno "
    "proizvodstvennoe tovarystvo establishment est trading branch"
)
# dropped from every name: spelled in or out from list to list
PARTICLES = _words(
    "al el ul ur bin ibn ben bint binti of the and for de da del della der van von y et und s i a"
)
PERSON_STOP = sorted(HONORIFICS | PARTICLES)
OTHER_STOP = sorted(LEGAL_FORMS | PARTICLES)
NAME_TYPES_USED = ("primary", "alias", "fka", "nka", "original_script", "translation")
# Aliases a publisher marks as weak (OFAC "weak", UN "low", UK "Low quality") count as evidence
# of a lower weight (`Settings.weak_name_discount`), not as none.
NAME_QUALITIES_WEAK = ("weak", "low")
# Letter groups that transliterations write differently for one sound; vowels are dropped.
SKELETON_REWRITES = (
    ("ph", "f"),
    ("kh", "h"),
    ("dzh", "j"),
    ("zh", "j"),
    ("ck", "k"),
    ("q", "k"),
    ("w", "v"),
)
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")

# Authorities a party can be listed by: each list's jurisdiction (core.canonical), less the US
# CSL, which repeats OFAC, BIS and State lists rather than speaking for an authority of its own.
AUTHORITIES: dict[str, str] = {s: j for s, j in JURISDICTIONS.items() if s != "us_csl"}

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
CONFLICT_ATTRIBUTES = ("same_source_members", "birth_date", "nationality", "gender", *SINGLE_VALUED)


@dataclass(frozen=True)
class Settings:
    """Thresholds and weights of the matcher (log-odds, natural log)."""

    max_block: int = 40  # parties per blocking key before the key is refined
    window: int = 8  # neighbours each party is compared with inside one block
    max_candidates: int = 12  # best-named candidates a party keeps for full scoring
    # a party's best `rescore_candidates` candidates with a name weight of `rescore_from` or
    # more are rescored on every pair of their names (up to `max_names` each)
    rescore_candidates: int = 3
    rescore_from: float = 0.0
    max_names: int = 10
    max_tokens: int = 4  # rarest name tokens a name contributes to blocking keys
    max_identifier_group: int = 8  # parties sharing one identifier before it means nothing
    threshold: float = 0.9  # probability a probabilistic link must reach
    prior: dict[str, float] = field(
        default_factory=lambda: {
            "person": -9.0,
            "organization": -7.0,
            "vessel": -7.0,
            "aircraft": -7.0,
        }
    )
    # name similarity (0-100, sorted tokens) -> weight; first bound reached applies
    name_weights: tuple[tuple[float, float], ...] = (
        (100.0, 11.0),
        (95.0, 9.0),
        (90.0, 7.0),
        (85.0, 4.0),
        (80.0, 1.0),
        (0.0, -6.0),
    )
    subset_weight: float = 6.0  # one name's tokens all inside the other's (≥2 tokens)…
    subset_min_coverage: float = 0.6  # …covering this share of the longer name's tokens…
    subset_weight_loose: float = 3.0  # …else (`Abdul Hashim` inside `Abdul Hakim Hashim Murad`)
    # each further name pair of the two parties that also agrees (aliases lists share)
    agreeing_name_weight: float = 1.0
    agreeing_names_max: int = 3
    skeleton_weight: float = 8.5  # same consonant skeleton (Mohammed Said / Muhammad Saeed)…
    skeleton_min_similarity: float = 75.0  # …when the spellings are also close
    skeleton_min_length: int = 5  # …and the skeleton is long enough to mean something
    short_name: int = 7  # letters below which a name says little…
    short_name_weight: float = -2.0  # …and costs this
    # a name pair using a weak alias (OFAC "weak", UN "low") or a bracketed part of a name
    # (`E.S. CO`) is evidence of a lower weight: an exact match weighs 11 − 4 = 7, which with
    # an equal birth date still links, and alone does not
    weak_name_discount: float = 4.0
    # a name no two entries of any one list share is evidence; a common one is not:
    # rarity_bonus − rarity_per_log × ln(commonness), commonness = most entries of one list
    # sharing the blocking key, or the whole name where fewer do
    rarity_bonus: float = 1.5
    rarity_per_log: float = 3.0
    dob_exact: float = 6.0
    dob_overlap: float = 2.5  # ranges overlap, or day dates one day apart (time-zone slips)
    dob_close: float = -4.0  # day dates in the same year that differ (a month or day typo)
    dob_conflict: float = -12.0
    country_overlap: float = 2.0
    country_conflict: float = -3.0
    document_shared: float = 10.0
    # two organisations whose company registers disagree: both carry a registration or tax
    # number of one length (a Russian OGRN has 13 digits, an INN 10) and share none
    registry_conflict: float = -12.0
    gender_conflict: float = -10.0
    # a party linked to two entries of one listing unit whose logits are this close is linked
    # to neither: the evidence does not tell which one (a name two entries share, no dates)
    ambiguity_margin: float = 1.0


DEFAULT = Settings()
AGREEING_SIMILARITY = 95.0  # a name pair this close counts as two lists agreeing on a name

LINK_SCHEMA = {
    "left_entity_id": pl.String,
    "right_entity_id": pl.String,
    "rule": pl.String,
    "score": pl.Float64,
    "evidence": pl.String,
}


@dataclass
class Resolution:
    """What `resolve` returns: members, links and conflicts, plus counts for the asset."""

    clusters: pl.DataFrame  # cluster_id, entity_id, source, publication_id, entity_type, …
    links: pl.DataFrame  # accepted links: cluster_id, LINK_SCHEMA, both sides' source/publication
    conflicts: pl.DataFrame
    stats: dict[str, Any]


# --- small pure helpers (also used by tests and the benchmark) ------------------------------


def normalize_un_reference(value: str | None) -> str | None:
    """`QDi.012`, `QDI.12`, `CDi. 038` → `QDI.012`, `CDI.038`; historic forms to the current one
    where the mapping is certain (`QI.A.291.11` → `QDI.291`, see `core.un_references`)."""
    return un_reference_key(value)


def _un_reference_expr(column: str) -> pl.Expr:
    """`normalize_un_reference` over a column (one call per distinct value)."""
    return pl.col(column).map_elements(un_reference_key, return_dtype=pl.String)


def document_number(column: str | pl.Expr) -> pl.Expr:
    """A document number as compared across lists: upper case, letters and digits only, the
    letter O read as zero — lists copy one as the other (`O6O1O274747` on OFAC's list is
    `06010274747` on the UK's, `MO887925` is `M0887925`)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "").str.replace_all("O", "0")


@lru_cache(maxsize=262144)
def skeleton(token: str) -> str:
    """Consonant skeleton of a name token: spelling variants of one name share it."""
    word = token
    for old, new in SKELETON_REWRITES:
        word = word.replace(old, new)
    bare = _DOUBLES.sub(r"\1", _VOWELS.sub("", word))
    return bare or token


def name_tokens(name: str, entity_type: str = "person") -> list[str]:
    """Sorted match tokens of one name, repeats kept (the scalar twin of `prepare_names`)."""
    frame_ = pl.DataFrame(
        {"entity_id": ["x"], "name": [name], "entity_type": [entity_type]},
        schema={"entity_id": pl.String, "name": pl.String, "entity_type": pl.String},
    )
    out = _tokenize(frame_)
    return out["tokens"][0].to_list() if out.height else []


_ACRONYM = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9.&\-]{0,7})\s*\)")
_BRACKET = re.compile(r"\(([^()]*)\)")
# a bracket's parts: `E.S. CO ./ E.X. CO.`, `formerly X; Y`
_BRACKET_PARTS = re.compile(r"\s*(?:/|;|,|\bor\b)\s*")
_BRACKET_LEAD = re.compile(
    r"^(?:formerly|previously|also|a\.?\s?k\.?\s?a\.?|f\.?\s?k\.?\s?a\.?|known as|ex)\b[\s:.\-]*",
    re.IGNORECASE,
)


def without_acronym(name: str) -> str | None:
    """`BUTEMBO AIRLINES (BAL)` → `BUTEMBO AIRLINES`; None when no bracket holds an acronym.

    Only a short single word that is not a country is an acronym: `(PAKISTAN)` tells two
    branches of one foundation apart and stays.
    """

    def drop(hit: re.Match[str]) -> str:
        word = hit.group(1)
        letters = re.sub(r"[^A-Za-z0-9]", "", word)
        if len(letters) > 6 or resolve_country(word) is not None:
            return hit.group(0)
        return " "

    bare = re.sub(r"\s+", " ", _ACRONYM.sub(drop, name)).strip()
    return bare if bare and bare != name.strip() else None


def bracket_variants(name: str) -> tuple[str | None, list[str]]:
    """A name's bracketed parts as name variants: (the name without them, each part).

    `ELECTRO SANAM COMPANY (E.S. CO ./ E.X. CO.)` → (`ELECTRO SANAM COMPANY`, [`E.S. CO .`,
    `E.X. CO.`]). A bracketed country stays in the name and gives no part: `AL-HARAMAIN
    (PAKISTAN)` is not `AL-HARAMAIN (COMOROS)`. The parts are the list's own short forms
    (acronyms, former names): weak names, evidence of a lower weight.
    """
    parts: list[str] = []

    def drop(hit: re.Match[str]) -> str:
        inner = hit.group(1).strip()
        if not inner or resolve_country(inner) is not None:
            return hit.group(0)
        for part in _BRACKET_PARTS.split(inner):
            part = _BRACKET_LEAD.sub("", part.strip()).strip()
            if sum(ch.isalnum() for ch in part) >= 2:
                parts.append(part)
        return " "

    bare = re.sub(r"\s+", " ", _BRACKET.sub(drop, name)).strip()
    return (bare if bare and bare != name.strip() else None), parts


# --- names and blocking -------------------------------------------------------------------


def _transliterate(names: pl.Series) -> pl.Series:
    """ASCII names pass through; others are transliterated once per distinct value."""
    others = names.filter(~names.str.contains(r"^[\x00-\x7f]*$")).unique().drop_nulls()
    if others.is_empty():
        return names
    with warnings.catch_warnings():
        # normality warns on each call that pyicu is missing; its own tables are what we use
        warnings.simplefilter("ignore")
        mapping = {value: ascii_text(value) or "" for value in others.to_list()}
    return names.replace(mapping)


_STOPWORDS = pl.DataFrame(
    [("person", w) for w in PERSON_STOP] + [("other", w) for w in OTHER_STOP],
    schema={"kind": pl.String, "tok": pl.String},
    orient="row",
)


def _tokenize(names: pl.DataFrame) -> pl.DataFrame:
    """name, entity_type (+ any columns) → + tokens (sorted, repeats kept), key (joined).

    Honorifics are dropped from persons' names, legal forms from other parties', particles
    from both; a name made only of such words keeps them all.
    """
    cleaned = (
        _transliterate(names["name"])
        .str.to_lowercase()
        .str.replace_all(r"['’`ʼ‘´.]", "")
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )
    rows = names.with_row_index("row").with_columns(raw=cleaned.str.split(" "))
    kind = (
        pl.when(pl.col("entity_type") == "person").then(pl.lit("person")).otherwise(pl.lit("other"))
    )
    toks = (
        rows.select("row", kind=kind, tok="raw")
        .explode("tok")
        .filter(pl.col("tok").is_not_null() & (pl.col("tok") != ""))
    )
    kept = toks.join(_STOPWORDS, on=["kind", "tok"], how="anti")
    # a name made only of stop words (`THE COMPANY`) keeps them
    fallback = toks.join(kept.select("row").unique(), on="row", how="anti")
    tokens = pl.concat([kept, fallback]).group_by("row").agg(tokens=pl.col("tok").sort())
    out = rows.drop("raw").join(tokens, on="row", how="inner").drop("row")
    return out.with_columns(key=pl.col("tokens").list.join(" "))


def prepare_names(tables: Mapping[str, pl.DataFrame], index: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct (party, normalised name).

    `index` is `entity_index` output (call it for one entity type at a time: name commonness
    is counted within the call). Columns: nid (row number), eidx, src, comp, entity_type, key
    (sorted tokens joined), n_tok, letters, skel_hash and skel_letters (of the sorted consonant
    skeletons), skel_ids (skeleton token ids), name_mult (`commonness` of the exact name across
    the lists), primary, weak (an alias the list marks weak or low, or a bracketed part). Rows
    are ordered by party, then by preference — primary, strong, Latin script, shortest — so a
    party's first row carrying a token is its primary name where that carries it.
    """
    parties = index.select("entity_id", "eidx")
    used = (
        tables["names"]
        .select("entity_id", "name", "name_type", "quality")
        .filter(pl.col("name_type").is_in(NAME_TYPES_USED))
        .select(
            "entity_id",
            "name",
            primary=pl.col("name_type") == "primary",
            weak=pl.col("quality").is_in(NAME_QUALITIES_WEAK).fill_null(False),
        )
    )
    # the primary name always counts, even where a list publishes it only on `entities`
    primary = tables["entities"].select(
        "entity_id", name=pl.col("primary_name"), primary=pl.lit(True), weak=pl.lit(False)
    )
    both = pl.concat([used, primary]).join(parties, on="entity_id").drop("entity_id")
    # `A (AB) ; B (BC)` names two parties' worth of names: each part is a name of its own
    split = both.filter(pl.col("name").str.contains(";", literal=True))
    both = pl.concat(
        [
            both.filter(~pl.col("name").str.contains(";", literal=True)),
            split.with_columns(pl.col("name").str.split(";")).explode("name"),
        ]
    )
    # `BUTEMBO AIRLINES (BAL)` is also published as `BUTEMBO AIRLINES`, and `ELECTRO SANAM
    # COMPANY (E.S. CO ./ E.X. CO.)` as `E.S. CO`: match on the name without its brackets and,
    # as weak names, on each bracketed part (a bracketed country stays: `AL-HARAMAIN
    # (PAKISTAN)` is not `AL-HARAMAIN (COMOROS)`)
    bracketed = both.filter(pl.col("name").str.contains("(", literal=True))
    variants = {name: bracket_variants(name) for name in bracketed["name"].unique().to_list()}
    bare = bracketed.with_columns(
        pl.col("name").replace_strict(
            {k: v[0] for k, v in variants.items()}, return_dtype=pl.String
        )
    ).filter(pl.col("name").is_not_null())
    inside = (
        bracketed.with_columns(
            pl.col("name").replace_strict(
                {k: v[1] for k, v in variants.items()}, return_dtype=pl.List(pl.String)
            ),
            primary=pl.lit(False),
            weak=pl.lit(True),
        )
        .explode("name")
        .filter(pl.col("name").is_not_null())
    )
    both = pl.concat([both, bare, inside])
    both = both.with_columns(pl.col("name").str.strip_chars())
    both = both.filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    # one row per (party, name): primary, then strong, first
    both = both.sort("eidx", "name", "primary", "weak", descending=[False, False, True, False])
    both = both.filter(pl.struct("eidx", "name").hash(seed=3).is_first_distinct())
    both = both.join(index.select("eidx", "entity_type"), on="eidx")
    # a name written in another script is matched through its transliteration, a weaker
    # spelling of it than the Latin one a list publishes beside it
    both = both.with_columns(latin=~pl.col("name").str.contains(r"[^\x00-\x{024F}]"))
    tokens = _tokenize(both)
    # a party's names in order of preference: primary, strong, Latin script, shortest — the
    # primary carries the party into its blocks and is compared first
    tokens = tokens.sort(
        ["eidx", "primary", "weak", "latin", pl.col("key").str.len_chars(), "key"],
        descending=[False, True, False, True, False, False],
    )
    tokens = tokens.filter(pl.struct("eidx", "key").is_first_distinct()).drop("latin")
    tokens = tokens.with_row_index("nid")
    exploded = tokens.select("nid", token="tokens").explode("token")
    vocabulary = exploded.select("token").unique()
    vocabulary = vocabulary.with_columns(
        skel=pl.col("token").map_elements(skeleton, return_dtype=pl.String)
    )
    skel_ids = vocabulary.select("skel").unique().sort("skel").with_row_index("sid")
    vocabulary = vocabulary.join(skel_ids, on="skel")
    skel = (
        exploded.join(vocabulary, on="token")
        .filter((pl.col("nid").cast(pl.UInt64) * _HIGH + pl.col("sid")).is_first_distinct())
        .sort("nid", "sid")
        .group_by("nid", maintain_order=True)
        .agg(skel=pl.col("skel").str.join(" "), skel_ids=pl.col("sid"))
    )
    out = tokens.join(skel, on="nid", how="left").sort("nid")
    out = out.join(index.select("eidx", "src", "comp"), on="eidx", how="left")
    # how common the exact name is, across the lists (`commonness`; one party type per call,
    # so the key alone identifies the name)
    out = out.with_columns(name_hash=pl.col("key").hash(seed=5))
    per_list = (
        out.group_by("name_hash", "src")
        .len("n")
        .group_by("name_hash")
        .agg(name_mult=commonness(pl.col("n")))
    )
    out = out.join(per_list, on="name_hash", how="left")
    # nid is the row number: pairs of names are resolved to columns by position
    return out.sort("nid").select(
        "nid",
        "eidx",
        "src",
        "comp",
        "entity_type",
        "key",
        n_tok=pl.col("tokens").list.len(),
        letters=pl.col("key").str.len_chars() - pl.col("tokens").list.len() + 1,
        skel_hash=pl.col("skel").hash(seed=11),
        skel_letters=pl.col("skel").str.len_chars() - pl.col("skel_ids").list.len() + 1,
        skel_ids="skel_ids",
        name_mult=pl.col("name_mult").cast(pl.UInt32),
        primary="primary",
        weak="weak",
    )


def _birth_years(birth_dates: pl.DataFrame) -> pl.DataFrame:
    """entity_id, year: each year a party may be born in (ranges of at most 3 years)."""
    dated = birth_dates.filter(pl.col("date_from").is_not_null()).select(
        "entity_id",
        start=pl.col("date_from").dt.year(),
        end=pl.coalesce("date_to", "date_from").dt.year(),
    )
    dated = dated.filter(pl.col("end") - pl.col("start") <= 2)
    years = dated.select("entity_id", year=pl.int_ranges("start", pl.col("end") + 1)).explode(
        "year"
    )
    return years.unique()


def commonness(per_list: pl.Expr) -> pl.Expr:
    """How common a name (or blocking key) is, from how many parties carry it on each list that
    carries it: their mean, rounded down. Frequency across the lists, not within one: a name
    two parties of one list share (a person listed twice, a father and son) and one party of
    another carries is not common in the world (mean 1.5 → 1); one that several parties carry
    on every list is (5, 4, 3 → 4)."""
    return (per_list.sum() / per_list.len()).floor().clip(1).cast(pl.UInt32)


def _key_sizes(keys: pl.DataFrame) -> pl.DataFrame:
    """Per block: parties sharing it (size) and how common it is across the lists."""
    per_source = keys.group_by("block", "src").len("n")
    return per_source.group_by("block").agg(
        size=pl.col("n").sum().cast(pl.UInt32), multiplicity=commonness(pl.col("n"))
    )


def _block_id(*parts: pl.Expr) -> pl.Expr:
    """One integer per blocking key (entity type, tokens, year…): equality is all blocks need,
    and a collision would only add candidates, never lose one."""
    return pl.struct(*(part.alias(f"k{i}") for i, part in enumerate(parts))).hash(seed=7)


def block(
    names: pl.DataFrame, years: pl.DataFrame, settings: Settings = DEFAULT
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Candidate name pairs sharing a blocking key: nid_l, nid_r, shared (keys in common) and
    multiplicity (of the rarest key shared).

    `names` is `prepare_names` output, `years` (eidx, year) the birth years of persons. Keys
    are pairs of a name's rarest token skeletons (single-token names: the token). Each party
    enters a block once, with its preferred name carrying the key. A block is compared as a
    sorted neighbourhood: members sorted by name, each compared with the next `window` members
    — every pair for a block of up to `window + 1` parties, a bounded number for a larger one.
    A key shared by more than `max_block` parties is also refined, persons by birth year and
    everyone by a third token, into smaller blocks. Pairs of one source, or of one
    deterministic group, are not candidates.
    """
    members = names.select(
        "nid",
        "eidx",
        "src",
        "comp",
        et=pl.col("entity_type").replace_strict(
            {t: i for i, t in enumerate(ENTITY_TYPE_CODES)}, return_dtype=pl.UInt8
        ),
        order=pl.col("key").rank("dense").cast(pl.UInt32),
    )
    toks = (
        names.select("nid", tok="skel_ids")
        .explode("tok")
        .join(members.select("nid", "et"), on="nid")
    )
    frequency = toks.group_by("et", "tok").len("freq")
    toks = toks.join(frequency, on=["et", "tok"]).sort("nid", "freq", "tok")
    toks = toks.with_columns(rank=pl.int_range(pl.len()).over("nid"))
    rare = toks.filter(pl.col("rank") < settings.max_tokens).select("nid", "et", "tok", "rank")
    counts = rare.group_by("nid").len("n_tok")
    none = pl.lit(None, dtype=pl.UInt32)
    pair_keys = (
        rare.join(rare.select("nid", tok2="tok", rank2="rank"), on="nid")
        .filter(pl.col("rank") < pl.col("rank2"))
        .select(
            "nid",
            t1=pl.min_horizontal("tok", "tok2"),
            t2=pl.max_horizontal("tok", "tok2"),
        )
    )
    # single-token names, and the rarest token of longer names (so `MAKIN` meets
    # `MAKIN INSTITUTE`)
    single_keys = rare.join(counts, on="nid").filter((pl.col("n_tok") == 1) | (pl.col("rank") == 0))
    single_keys = single_keys.select("nid", t1="tok", t2=none)
    keys = pl.concat([pair_keys, single_keys]).join(members, on="nid")
    keys = keys.with_columns(block=_block_id(pl.col("et"), pl.col("t1"), pl.col("t2")))
    keys = _one_per_party(keys)
    sizes = _key_sizes(keys)
    keys = keys.join(sizes, on="block")
    big = keys.filter(pl.col("size") > settings.max_block)

    # refine: + birth year (persons), + a third token (any name with three or more tokens)
    person = ENTITY_TYPE_CODES.index("person")
    # a birth year narrows the block, not the name: it keeps its parent key's multiplicity
    by_year = (
        big.filter(pl.col("et") == person)
        .join(years, on="eidx")
        .select(
            "nid",
            "eidx",
            "src",
            "comp",
            "order",
            parent_multiplicity="multiplicity",
            block=_block_id(pl.col("block"), pl.col("year")),
        )
    )
    third = (
        big.filter(pl.col("t2").is_not_null())
        .join(rare.select("nid", t3="tok"), on="nid")
        .filter((pl.col("t3") != pl.col("t1")) & (pl.col("t3") != pl.col("t2")))
        .select(
            "nid",
            "eidx",
            "src",
            "comp",
            "order",
            parent_multiplicity=pl.lit(0, dtype=pl.UInt32),
            block=_block_id(
                pl.col("et"),
                pl.min_horizontal("t1", "t3"),
                pl.when(pl.col("t3") < pl.col("t1"))
                .then(pl.col("t1"))
                .otherwise(pl.min_horizontal("t2", "t3")),
                pl.max_horizontal("t2", "t3"),
            ),
        )
    )
    refined = pl.concat([by_year, third.cast(by_year.schema)])
    refined = _one_per_party(refined, extra=[pl.col("parent_multiplicity").max()])
    refined = refined.join(_key_sizes(refined), on="block").with_columns(
        multiplicity=pl.max_horizontal("multiplicity", "parent_multiplicity")
    )
    columns = ["nid", "src", "comp", "order", "block", "size", "multiplicity"]
    usable = pl.concat([keys.select(columns), refined.select(columns)])
    usable = usable.filter(pl.col("size") > 1)
    pairs = _window_pairs(usable, settings.window)
    exact = _exact_pairs(names, settings.window + 1)
    pairs = (
        pl.concat([pairs, exact])
        .group_by("nid_l", "nid_r")
        .agg(pl.col("shared").sum(), pl.col("multiplicity").min())
        .sort("nid_l", "nid_r")
    )
    stats = {
        "blocking_keys": int(sizes.height),
        "blocking_keys_over_max_block": int(
            sizes.filter(pl.col("size") > settings.max_block).height
        ),
        "blocking_keys_windowed": int(
            usable.filter(pl.col("size") > settings.window + 1).select("block").n_unique()
        ),
        "candidate_name_pairs": int(pairs.height),
    }
    return pairs, stats


def _exact_pairs(names: pl.DataFrame, most: int) -> pl.DataFrame:
    """Name pairs of two parties (of two listing units, not already one group) carrying the
    same whole name: they always meet, whatever the blocks they share, their sizes and their
    order. A name more than `most` parties carry (`window + 1`: a group a sorted neighbourhood
    no longer compares in full) is left to the blocks, where identical names sort side by
    side: every pair of such a name would grow with the square of its carriers."""
    rows = names.filter(~pl.col("weak")).select(
        "nid", "src", "comp", "name_mult", h=pl.col("key").hash(seed=5)
    )
    rows = rows.filter(pl.len().over("h") <= most)
    joined = rows.join(rows, on="h", suffix="_r").filter(
        (pl.col("nid") < pl.col("nid_r"))
        & (pl.col("src") != pl.col("src_r"))
        & (pl.col("comp") != pl.col("comp_r"))
    )
    return joined.select(
        nid_l=pl.col("nid").cast(pl.UInt32),
        nid_r=pl.col("nid_r").cast(pl.UInt32),
        shared=pl.lit(1, dtype=pl.UInt32),
        multiplicity=pl.col("name_mult").cast(pl.UInt32),
    )


def _one_per_party(keys: pl.DataFrame, extra: list[pl.Expr] | None = None) -> pl.DataFrame:
    """One row per (party, block): the party's preferred name carrying the key (lowest nid:
    `prepare_names` orders a party's names Latin script first, then shortest — the core of the
    name, `BUTEMBO AIRLINES` rather than `BUTEMBO AIRLINES BAL`)."""
    first = pl.col("nid").arg_min()
    taken = [
        pl.col(c).get(first)
        for c in keys.columns
        if c not in ("eidx", "block", "nid", "parent_multiplicity")
    ]
    return keys.group_by("eidx", "block").agg(pl.col("nid").min(), *taken, *(extra or []))


_HIGH = 1 << 32  # a pair of name numbers packed into one 64-bit integer
_PAIR_SCHEMA = {"pair": pl.UInt64, "shared": pl.UInt32, "multiplicity": pl.UInt32}


def _merge_pairs(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Sightings of one pair (in several blocks) → one row: keys shared, rarest key."""
    if not frames:
        return pl.DataFrame(schema=_PAIR_SCHEMA)
    return (
        pl.concat(frames)
        .group_by("pair")
        .agg(pl.col("shared").sum(), pl.col("multiplicity").min())
        .cast(_PAIR_SCHEMA)
    )


def _window_pairs(rows: pl.DataFrame, window: int) -> pl.DataFrame:
    """Sorted-neighbourhood pairs: rows sorted by (block, name), each with the next `window`.

    Shifts are vectorised; a pair is one 64-bit integer (its two name numbers), and sightings
    are merged every few shifts so memory follows the distinct pairs, not every sighting.
    """
    ordered = rows.sort("block", "order", "nid").select(
        "nid", "src", "comp", "block", "multiplicity"
    )
    merged = pl.DataFrame(schema=_PAIR_SCHEMA)
    batch: list[pl.DataFrame] = []
    low, high = pl.min_horizontal("nid", "nid_s"), pl.max_horizontal("nid", "nid_s")
    lazy = ordered.lazy()
    for step in range(1, window + 1):
        found = (
            lazy.with_columns(
                nid_s=pl.col("nid").shift(-step),
                block_s=pl.col("block").shift(-step),
                src_s=pl.col("src").shift(-step),
                comp_s=pl.col("comp").shift(-step),
            )
            .filter(pl.col("block") == pl.col("block_s"))
            .select(
                pair=low.cast(pl.UInt64) * _HIGH + high.cast(pl.UInt64),
                shared=pl.lit(1, dtype=pl.UInt32),
                multiplicity="multiplicity",
                other=(pl.col("src") != pl.col("src_s")) & (pl.col("comp") != pl.col("comp_s")),
            )
            .collect()
        )
        if found.is_empty():
            break
        batch.append(found.filter(pl.col("other")).drop("other"))
        if len(batch) == 3:
            merged = _merge_pairs([merged, *batch])
            batch = []
    pairs = _merge_pairs([merged, *batch])
    return pairs.select(
        nid_l=(pl.col("pair") // _HIGH).cast(pl.UInt32),
        nid_r=(pl.col("pair") % _HIGH).cast(pl.UInt32),
        shared="shared",
        multiplicity="multiplicity",
    )


# --- deterministic links ------------------------------------------------------------------


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
        "entity_id", "value", rule=pl.lit("un_reference"), key=_un_reference_expr("value")
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


# --- probabilistic links ------------------------------------------------------------------


def _ranges(birth_dates: pl.DataFrame) -> pl.DataFrame:
    """entity_id, lo, hi, day: each birth date as a closed range (circa widened by a year)."""
    dated = birth_dates.filter(pl.col("date_from").is_not_null())
    circa = pl.col("circa").fill_null(False)
    lo = pl.col("date_from")
    hi = pl.coalesce("date_to", "date_from")
    return dated.select(
        "entity_id",
        lo=pl.when(circa).then(lo.dt.offset_by("-1y")).otherwise(lo),
        hi=pl.when(circa).then(hi.dt.offset_by("1y")).otherwise(hi),
        day=(pl.col("precision") == "day") & ~circa,
    )


def party_countries(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, country_code: nationality/citizenship for persons, flag for vessels and
    aircraft, jurisdiction for organisations."""
    countries = tables["countries"].filter(pl.col("country_code").is_not_null())
    entities = tables["entities"].select("entity_id", "entity_type")
    joined = countries.join(entities, on="entity_id")
    relation = (
        pl.when(pl.col("entity_type") == "person")
        .then(pl.col("relation").is_in(["nationality", "citizenship"]))
        .when(pl.col("entity_type") == "organization")
        .then(pl.col("relation") == "jurisdiction")
        .otherwise(pl.col("relation") == "flag")
    )
    return joined.filter(relation).select("entity_id", "country_code").unique()


def party_gender(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, gender (`m`/`f`) where a list states exactly one."""
    gender = (
        tables["attributes"]
        .filter(pl.col("attribute") == "gender")
        .select("entity_id", gender=pl.col("value").str.to_lowercase().str.slice(0, 1))
    )
    gender = gender.filter(pl.col("gender").is_in(["m", "f"])).unique()
    return gender.filter(pl.len().over("entity_id") == 1)


def _documents(identifiers: pl.DataFrame) -> pl.DataFrame:
    """entity_id, num: document numbers of any country, long enough to mean something."""
    docs = identifiers.filter(pl.col("id_type").is_in(COUNTRY_BOUND)).select(
        "entity_id", num=document_number(pl.coalesce("normalized", "value"))
    )
    return docs.filter(pl.col("num").str.len_chars() > MIN_DOCUMENT_LENGTH).unique()


# Runs of this many digits in a registration or tax identifier are register numbers (a cell
# may hold two: `1067746244026 dated 27/07/1992. Tax ID: 7705713236`).
_REGISTER_NUMBER = r"\d{8,}"


def _register_numbers(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, reg, size: the register numbers (company registration, tax) an organisation
    carries. A company keeps its number for life, so unlike a person's passport two that
    differ mean two companies (OAO `VO TPE` and its OOO of the same name)."""
    orgs = tables["entities"].filter(pl.col("entity_type") == "organization")
    ids = tables["identifiers"].filter(pl.col("id_type").is_in(["registration", "tax_id"]))
    ids = ids.join(orgs.select("entity_id"), on="entity_id", how="semi")
    regs = ids.select("entity_id", reg=pl.col("value").str.extract_all(_REGISTER_NUMBER))
    regs = regs.explode("reg").drop_nulls("reg").unique()
    return regs.with_columns(size=pl.col("reg").str.len_chars())


def _by_index(frame_: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    return frame_.join(index.select("entity_id", "eidx"), on="entity_id").drop("entity_id")


@dataclass
class PartyFacts:
    """What parties state besides names, keyed by party index (eidx), for pair comparisons."""

    ranges: pl.DataFrame  # eidx, lo, hi, day
    countries: pl.DataFrame  # eidx, cc (list)
    documents: pl.DataFrame  # eidx, num
    registry: pl.DataFrame  # eidx, reg, size: organisations' register numbers
    gender: pl.DataFrame  # eidx, gender

    @classmethod
    def of(cls, tables: Mapping[str, pl.DataFrame], index: pl.DataFrame) -> PartyFacts:
        return cls(
            ranges=_by_index(_ranges(tables["birth_dates"]), index),
            countries=_by_index(party_countries(tables), index)
            .group_by("eidx")
            .agg(cc="country_code"),
            documents=_by_index(_documents(tables["identifiers"]), index),
            registry=_by_index(_register_numbers(tables), index),
            gender=_by_index(party_gender(tables), index),
        )


def _pair_features(pairs: pl.DataFrame, facts: PartyFacts) -> pl.DataFrame:
    """el, er → birth-date, country, document and gender comparisons (null: not comparable)."""
    keys = pairs.select("el", "er")
    both = keys.join(facts.ranges, left_on="el", right_on="eidx").join(
        facts.ranges, left_on="er", right_on="eidx", suffix="_r"
    )
    days = pl.col("day") & pl.col("day_r")
    apart = (pl.col("lo") - pl.col("lo_r")).dt.total_days().abs()
    dates = both.group_by("el", "er").agg(
        dob_exact=(days & (apart == 0)).any(),
        # overlapping ranges, or day dates one day apart (a time-zone slip between lists)
        dob_overlap=(
            ((pl.col("lo") <= pl.col("hi_r")) & (pl.col("lo_r") <= pl.col("hi")))
            | (days & (apart <= 1))
        ).any(),
        dob_close=(days & (pl.col("lo").dt.year() == pl.col("lo_r").dt.year())).any(),
        # the same birth date as stated (day, month or year), not a range that overlaps
        dob_same=((pl.col("lo") == pl.col("lo_r")) & (pl.col("hi") == pl.col("hi_r"))).any(),
    )
    countries = (
        keys.join(facts.countries, left_on="el", right_on="eidx")
        .join(facts.countries, left_on="er", right_on="eidx", suffix="_r")
        .select(
            "el", "er", country_overlap=pl.col("cc").list.set_intersection("cc_r").list.len() > 0
        )
    )
    documents = (
        keys.join(facts.documents, left_on="el", right_on="eidx")
        .join(facts.documents, left_on=["er", "num"], right_on=["eidx", "num"])
        .group_by("el", "er")
        .agg(document=pl.col("num").min())
    )
    registers = (
        keys.join(facts.registry, left_on="el", right_on="eidx")
        .join(facts.registry, left_on="er", right_on="eidx", suffix="_r")
        .group_by("el", "er")
        .agg(
            registry_conflict=(pl.col("size") == pl.col("size_r")).any()
            & ~(pl.col("reg") == pl.col("reg_r")).any()
        )
    )
    gender = facts.gender
    return (
        keys.join(dates, on=["el", "er"], how="left")
        .join(countries, on=["el", "er"], how="left")
        .join(documents, on=["el", "er"], how="left")
        .join(registers, on=["el", "er"], how="left")
        .join(gender.rename({"gender": "g_l"}), left_on="el", right_on="eidx", how="left")
        .join(gender.rename({"gender": "g_r"}), left_on="er", right_on="eidx", how="left")
    )


def _name_weight(similarity: pl.Expr, settings: Settings) -> pl.Expr:
    expr: pl.Expr | None = None
    for bound, weight in settings.name_weights:
        cond = similarity >= bound
        expr = pl.when(cond).then(weight) if expr is None else expr.when(cond).then(weight)
    assert expr is not None
    return expr.otherwise(settings.name_weights[-1][1])


_SIMILARITY_CHUNK = 200_000  # name pairs per cpdist call: bounds the Python strings alive


def _similarities(pairs: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """nid_l, nid_r, n_l, n_r → + sim (sorted-token ratio, 0-100) and subset (one name's tokens
    all inside the other's; only asked where it could outweigh `sim`: two names of two or more
    tokens, not already near-equal).

    Names are gathered a chunk at a time, so only one chunk's strings are alive at once.
    """
    keys = names["key"]

    def compare(frame_: pl.DataFrame, scorer: Any) -> pl.Series:
        out: list[pl.Series] = []
        for chunk in _chunks(frame_, _SIMILARITY_CHUNK):
            left = keys.gather(chunk["nid_l"]).to_list()
            right = keys.gather(chunk["nid_r"]).to_list()
            out.append(pl.Series(cpdist(left, right, scorer=scorer, workers=-1), dtype=pl.Float64))
        return pl.concat(out)

    pairs = pairs.with_columns(sim=compare(pairs, fuzz.ratio))
    asked = (pl.min_horizontal("n_l", "n_r") >= 2) & (pl.col("sim") < AGREEING_SIMILARITY)
    pairs = pairs.with_row_index("_row")
    subset = pairs.filter(asked).select("_row", "nid_l", "nid_r")
    subset = subset.with_columns(subset=compare(subset, fuzz.token_set_ratio) >= 100.0)
    return (
        pairs.join(subset.select("_row", "subset"), on="_row", how="left")
        .sort("_row")
        .drop("_row")
        .with_columns(pl.col("subset").fill_null(False))
    )


def _agreement_bonus(settings: Settings) -> pl.Expr:
    """Each further name pair two parties agree on (lists share alias lists) adds weight."""
    extra = (pl.col("agreeing").cast(pl.Int64) - 1).clip(0, settings.agreeing_names_max)
    return settings.agreeing_name_weight * extra


def _name_weights(pairs: pl.DataFrame, names: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Name pairs (nid_*, skel_hash_*, n_*, letters_*) → + sim, subset, w_name."""
    pairs = _similarities(pairs, names)
    skeleton_match = (
        (pl.col("skel_hash_l") == pl.col("skel_hash_r"))
        & (pl.col("sim") >= settings.skeleton_min_similarity)
        & (pl.col("skel_letters_l") >= settings.skeleton_min_length)
    )
    coverage = pl.min_horizontal("n_l", "n_r") / pl.max_horizontal("n_l", "n_r")
    w_name = pl.max_horizontal(
        _name_weight(pl.col("sim"), settings),
        pl.when(skeleton_match).then(settings.skeleton_weight).otherwise(-100.0),
        pl.when(pl.col("subset") & (pl.min_horizontal("n_l", "n_r") >= 2))
        .then(
            pl.when(coverage >= settings.subset_min_coverage)
            .then(settings.subset_weight)
            .otherwise(settings.subset_weight_loose)
        )
        .otherwise(-100.0),
    )
    letters = pl.min_horizontal("letters_l", "letters_r")
    w_short = pl.when(letters < settings.short_name).then(settings.short_name_weight).otherwise(0.0)
    w_weak = (
        pl.when(pl.col("weak_l") | pl.col("weak_r"))
        .then(-settings.weak_name_discount)
        .otherwise(0.0)
    )
    return pairs.with_columns(w_name=w_name + w_short + w_weak)


_PAIR_CHUNK = 400_000  # name pairs weighed at once: bounds the memory of the name stage


def _weighed(pairs: pl.DataFrame, names: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """nid_l, nid_r, commonness (of the blocking key, or null), shared → the name weight of each
    pair, reduced to what choosing a party pair's best names needs."""
    columns = _name_columns(names, pairs["nid_l"], pairs["nid_r"])
    weighed = _name_weights(pairs.with_columns(**columns), names, settings)
    # the evidence is as rare as the rarest of the shared key and the whole names
    whole = pl.max_horizontal("mult_l", "mult_r")
    return weighed.select(
        "el",
        "er",
        "w_name",
        "sim",
        "nid_l",
        "nid_r",
        commonness=pl.min_horizontal(pl.col("commonness"), whole).cast(pl.UInt32),
        shared=pl.col("shared").cast(pl.UInt32),
        agreeing=(pl.col("sim") >= AGREEING_SIMILARITY).cast(pl.UInt32),
    )


def _best(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Weighed name pairs (or earlier bests) → per party pair: the best name pair, keys shared,
    name pairs that agree. Composable: bests of chunks combine into the best of the whole."""
    return (
        pl.concat(frames)
        .sort(["w_name", "sim", "nid_l", "nid_r"], descending=[True, True, False, False])
        .group_by("el", "er", maintain_order=True)
        .agg(
            pl.first("w_name"),
            pl.first("sim"),
            pl.first("nid_l"),
            pl.first("nid_r"),
            pl.first("commonness"),
            pl.col("shared").sum(),
            pl.col("agreeing").sum(),
        )
    )


def _chunks(frame_: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    return [frame_.slice(start, size) for start in range(0, max(frame_.height, 1), size)]


def _name_columns(names: pl.DataFrame, left: pl.Series, right: pl.Series) -> dict[str, pl.Series]:
    """The columns a name pair is scored on, gathered by name number (nid is the row number)."""
    out: dict[str, pl.Series] = {}
    for side, nids in (("l", left), ("r", right)):
        out[f"e{side}"] = names["eidx"].gather(nids)
        out[f"skel_hash_{side}"] = names["skel_hash"].gather(nids)
        out[f"n_{side}"] = names["n_tok"].gather(nids)
        out[f"letters_{side}"] = names["letters"].gather(nids)
        out[f"skel_letters_{side}"] = names["skel_letters"].gather(nids)
        out[f"mult_{side}"] = names["name_mult"].gather(nids)
        out[f"weak_{side}"] = names["weak"].gather(nids)
    return out


def _all_names(candidates: pl.DataFrame, names: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Rescore party pairs on every pair of their names (each party's first `max_names`):
    blocking compared one name per shared key; the best and the agreeing names may be others."""
    per_party = names.select("nid", "eidx").filter(
        pl.int_range(pl.len()).over("eidx") < settings.max_names
    )
    bests: list[pl.DataFrame] = []
    # a candidate pair expands into (names × names) rows: chunks of candidates bound that
    for chunk in _chunks(candidates.select("el", "er", "commonness", "shared"), _PAIR_CHUNK // 16):
        grid = chunk.join(per_party.rename({"nid": "nid_l"}), left_on="el", right_on="eidx").join(
            per_party.rename({"nid": "nid_r"}), left_on="er", right_on="eidx"
        )
        if not grid.is_empty():
            bests.append(_best([_weighed(grid.drop("el", "er"), names, settings)]))
    if not bests:
        return candidates.head(0).select(
            "el", "er", "w_name", "sim", "nid_l", "nid_r", "commonness", "shared", "agreeing"
        )
    return pl.concat(bests)


def score_pairs(
    names: pl.DataFrame,
    name_pairs: pl.DataFrame,
    facts: PartyFacts,
    settings: Settings = DEFAULT,
) -> pl.DataFrame:
    """One row per candidate party pair (el, er): the best name pair, each feature's weight,
    the logit and the score (probability).

    Names are first compared one pair per shared blocking key; each party keeps its
    `max_candidates` best-named candidates; its best few with some name evidence are rescored
    on all their names; then birth dates, countries, documents and gender are compared.
    """
    stage = [
        _best([_weighed(chunk.rename({"multiplicity": "commonness"}), names, settings)])
        for chunk in _chunks(name_pairs, _PAIR_CHUNK)
    ]
    best = _best(stage) if stage else pl.DataFrame()
    best = best.with_columns(w_name=pl.col("w_name") + _agreement_bonus(settings))
    best = _prune(best, settings.max_candidates)
    counts = names.group_by("eidx").len("n_names")
    named = (
        best.filter(
            (pl.col("rank") < settings.rescore_candidates)
            & (pl.col("w_name") >= settings.rescore_from)
        )
        .join(counts.rename({"eidx": "el", "n_names": "names_l"}), on="el")
        .join(counts.rename({"eidx": "er", "n_names": "names_r"}), on="er")
        .filter(pl.col("names_l") * pl.col("names_r") > 1)
    )
    rescored = _all_names(named, names, settings).with_columns(
        w_name=pl.col("w_name") + _agreement_bonus(settings)
    )
    best = pl.concat(
        [best.join(named, on=["el", "er"], how="anti").drop("rank"), rescored],
        how="vertical_relaxed",
    )
    best = best.with_columns(entity_type=names["entity_type"].gather(best["nid_l"]))
    scored = best.join(_pair_features(best, facts), on=["el", "er"], how="left")
    prior = pl.col("entity_type").replace_strict(settings.prior, return_dtype=pl.Float64)
    w_rarity = (
        settings.rarity_bonus
        - settings.rarity_per_log * pl.col("commonness").cast(pl.Float64).log()
    )
    w_dob = (
        pl.when(pl.col("dob_exact"))
        .then(settings.dob_exact)
        .when(pl.col("dob_overlap"))
        .then(settings.dob_overlap)
        .when(pl.col("dob_close"))
        .then(settings.dob_close)
        .when(pl.col("dob_overlap").is_not_null())
        .then(settings.dob_conflict)
        .otherwise(0.0)
    )
    w_country = (
        pl.when(pl.col("country_overlap"))
        .then(settings.country_overlap)
        .when(pl.col("country_overlap").is_not_null())
        .then(settings.country_conflict)
        .otherwise(0.0)
    )
    w_doc = pl.when(pl.col("document").is_not_null()).then(settings.document_shared).otherwise(0.0)
    gender_differs = (
        pl.col("g_l").is_not_null() & pl.col("g_r").is_not_null() & (pl.col("g_l") != pl.col("g_r"))
    )
    w_gender = pl.when(gender_differs).then(settings.gender_conflict).otherwise(0.0)
    w_registry = (
        pl.when(pl.col("registry_conflict")).then(settings.registry_conflict).otherwise(0.0)
    )
    scored = scored.with_columns(
        w_prior=prior,
        w_rarity=w_rarity,
        w_dob=w_dob,
        w_country=w_country,
        w_doc=w_doc,
        w_gender=w_gender,
        w_registry=w_registry,
    )
    logit = pl.sum_horizontal(
        "w_prior", "w_name", "w_rarity", "w_dob", "w_country", "w_doc", "w_gender", "w_registry"
    )
    scored = scored.with_columns(logit=logit).with_columns(
        score=(1.0 / (1.0 + (-pl.col("logit")).exp())).round(6)
    )
    # strong evidence, what a link joining two entries of one list needs (`cluster`): the
    # same primary name (not an alias) and the same birth date
    primaries = (
        names.filter(pl.col("primary")).select("eidx", h=pl.col("key").hash(seed=5)).unique()
    )
    same_primary = (
        scored.select("el", "er")
        .join(primaries, left_on="el", right_on="eidx")
        .join(primaries, left_on=["er", "h"], right_on=["eidx", "h"], how="semi")
        .select("el", "er")
        .unique()
        .with_columns(primary_same=pl.lit(True))
    )
    scored = scored.join(same_primary, on=["el", "er"], how="left")
    return scored.with_columns(
        strong=pl.col("primary_same").fill_null(False) & pl.col("dob_same").fill_null(False)
    )


def _evidence() -> pl.Expr:
    """What a probabilistic link rests on, in words."""
    return pl.concat_str(
        [
            pl.format("name '{}' ~ '{}' ({})", "key_l", "key_r", pl.col("sim").round(1)),
            pl.format("{} name pairs agree", "agreeing"),
            pl.format("name shared by up to {} per list", "commonness"),
            pl.when(pl.col("dob_exact"))
            .then(pl.lit("birth date equal"))
            .when(pl.col("dob_overlap"))
            .then(pl.lit("birth dates overlap"))
            .when(pl.col("dob_close"))
            .then(pl.lit("birth dates close"))
            .when(pl.col("dob_overlap").is_not_null())
            .then(pl.lit("birth dates differ")),
            pl.when(pl.col("country_overlap"))
            .then(pl.lit("country shared"))
            .when(pl.col("country_overlap").is_not_null())
            .then(pl.lit("countries differ")),
            pl.when(pl.col("document").is_not_null()).then("document " + pl.col("document")),
            pl.when(pl.col("w_gender") < 0).then(pl.lit("gender differs")),
            pl.when(pl.col("registry_conflict")).then(pl.lit("register numbers differ")),
            pl.format("logit {}", pl.col("logit").round(2)),
        ],
        separator="; ",
        ignore_nulls=True,
    )


def _prune(pairs: pl.DataFrame, keep: int) -> pl.DataFrame:
    """Keep party pairs among either party's `keep` best candidates (best name match, then
    most blocking keys shared): each party is scored a bounded number of times however many
    look-alikes its blocks hold."""
    order = ["w_name", "sim", "shared", "el", "er"]
    descending = [True, True, True, False, False]
    ranked = pairs.sort(order, descending=descending).with_columns(
        rank_l=pl.int_range(pl.len()).over("el"), rank_r=pl.int_range(pl.len()).over("er")
    )
    kept = ranked.filter((pl.col("rank_l") < keep) | (pl.col("rank_r") < keep))
    return kept.with_columns(rank=pl.min_horizontal("rank_l", "rank_r")).drop("rank_l", "rank_r")


# Lists that hold a party once per regime rather than once: each UN committee keeps its own
# entry (Hassan Dahir AWEYS is QDi.042 on the Al-Qaida list and SOi.002 on the Somalia list),
# so two UN entries of different regimes may be one party.
ONE_ENTRY_PER_REGIME = ("un_sc",)


def listing_units(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """entity_id, unit: the list (or, for `ONE_ENTRY_PER_REGIME`, the list's regime) that holds
    a party once. Two entries of one unit are two parties: a scored link never joins them."""
    entities = tables["entities"].select("entity_id", "source")
    regimes = (
        tables["sanctions"]
        .join(entities.filter(pl.col("source").is_in(ONE_ENTRY_PER_REGIME)), on="entity_id")
        .group_by("entity_id")
        .agg(pl.col("program").drop_nulls().unique())
        .filter(pl.col("program").list.len() == 1)
        .select("entity_id", regime=pl.col("program").list.first())
    )
    return entities.join(regimes, on="entity_id", how="left").select(
        "entity_id",
        unit=pl.when(pl.col("regime").is_null())
        .then(pl.col("source"))
        .otherwise(pl.col("source") + ":" + pl.col("regime")),
    )


def entity_index(entities: pl.DataFrame, components: pl.DataFrame | None) -> pl.DataFrame:
    """entity_id → eidx, src (listing unit), comp (integers) and entity_type, for vectorised
    pair work; `entities` carries `unit` (`listing_units`)."""
    index = entities.select("entity_id", "unit", "entity_type").sort("entity_id")
    index = index.with_row_index("eidx")
    if components is None:
        index = index.with_columns(component=pl.col("entity_id"))
    else:
        index = index.join(components, on="entity_id", how="left").with_columns(
            component=pl.coalesce("component", "entity_id")
        )
    return index.with_columns(
        src=pl.col("unit").rank("dense").cast(pl.UInt32),
        comp=pl.col("component").rank("dense").cast(pl.UInt32),
    ).sort("eidx")


def _unambiguous(accepted: pl.DataFrame, index: pl.DataFrame, margin: float) -> pl.DataFrame:
    """Scored links without the ambiguous ones: a party whose links into one listing unit reach
    two of its groups with logits within `margin` of the best is linked to neither of them —
    the evidence cannot tell which (two entries of one list share the name, nothing else
    decides). A link far below the best stays (the clustering refuses it)."""
    units, comps = index["src"], index["comp"]
    out = accepted.with_columns(
        u_l=units.gather(accepted["el"]),
        u_r=units.gather(accepted["er"]),
        c_l=comps.gather(accepted["el"]),
        c_r=comps.gather(accepted["er"]),
    )
    for party, unit, group in (("el", "u_r", "c_r"), ("er", "u_l", "c_l")):
        near = pl.col("logit") >= pl.col("logit").max().over(party, unit) - margin
        out = out.with_columns(_near=near).with_columns(
            _groups=pl.col(group).filter(pl.col("_near")).n_unique().over(party, unit)
        )
        out = out.filter(~(pl.col("_near") & (pl.col("_groups") > 1)))
    return out.drop("u_l", "u_r", "c_l", "c_r", "_near", "_groups")


def probabilistic_links(
    tables: Mapping[str, pl.DataFrame],
    components: pl.DataFrame | None = None,
    settings: Settings = DEFAULT,
    keep_scores: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """Scored candidate party pairs (with `keep_scores`: every one, by party index, with each
    feature's weight) and the links reaching the threshold (LINK_SCHEMA).

    `components` (entity_id, component) names the groups deterministic links already formed:
    parties of one group are not compared again.
    """
    tables = _complete(tables)
    units = tables["entities"].join(listing_units(tables), on="entity_id")
    index = entity_index(units, components)
    facts = PartyFacts.of(tables, index)
    years = _by_index(_birth_years(tables["birth_dates"]), index)
    ids = index["entity_id"]
    # parties of different types are never compared: resolve one type at a time, which also
    # bounds the memory of each step
    links: list[pl.DataFrame] = []
    scores: list[pl.DataFrame] = []
    stats: dict[str, int] = {}
    total_names = 0
    candidates = 0
    for entity_type in ENTITY_TYPE_CODES:
        part = index.filter(pl.col("entity_type") == entity_type)
        if part.is_empty():
            continue
        names = prepare_names(tables, part)
        total_names += names.height
        name_pairs, part_stats = block(names, years, settings)
        for key, value in part_stats.items():
            stats[key] = stats.get(key, 0) + value
        scored = score_pairs(names, name_pairs, facts, settings)
        accepted = _unambiguous(
            scored.filter(pl.col("score") >= settings.threshold), index, settings.ambiguity_margin
        )
        accepted = accepted.with_columns(
            key_l=names["key"].gather(accepted["nid_l"]),
            key_r=names["key"].gather(accepted["nid_r"]),
        )
        links.append(
            accepted.select(
                left_entity_id=ids.gather(accepted["el"]),
                right_entity_id=ids.gather(accepted["er"]),
                rule=pl.lit(PROBABILISTIC),
                score=pl.col("score"),
                evidence=_evidence(),
                strong=pl.col("strong"),
            ).cast(LINK_SCHEMA)
        )
        candidates += scored.height
        if keep_scores:
            scores.append(scored.drop("nid_l", "nid_r"))
        del names, name_pairs, scored, accepted
    found = pl.concat(links) if links else pl.DataFrame(schema=LINK_SCHEMA)
    scored = pl.concat(scores, how="diagonal_relaxed") if scores else pl.DataFrame()
    stats.update(
        names=total_names,
        candidate_pairs=candidates,
        probabilistic_links=int(found.height),
    )
    return scored, found, stats


def components_of(entities: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """entity_id, component: the groups `links` join (union-find, no constraint)."""
    groups = _Components(entities["entity_id"].to_list(), entities["source"].to_list())
    for a, b in links.select("left_entity_id", "right_entity_id").iter_rows():
        groups.union(a, b, exclusive=False)
    return pl.DataFrame(
        {"entity_id": list(groups.parent), "component": [groups.find(e) for e in groups.parent]},
        schema={"entity_id": pl.String, "component": pl.String},
    )


# --- clusters -----------------------------------------------------------------------------


class _Components:
    """Union-find that remembers which listing units (`listing_units`) and which lists each
    component holds."""

    def __init__(
        self, ids: Iterable[str], sources: Iterable[str], lists: Iterable[str] | None = None
    ) -> None:
        self.parent: dict[str, str] = {}
        self.sources: dict[str, set[str]] = {}
        self.lists: dict[str, set[str]] = {}
        ids, sources = list(ids), list(sources)
        for entity, source, list_ in zip(ids, sources, lists or sources, strict=True):
            self.parent[entity] = entity
            self.sources[entity] = {source}
            self.lists[entity] = {list_}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str, exclusive: bool, strong: bool = False) -> bool:
        """Join a and b; with `exclusive`, refuse when both hold an entry of one unit, and,
        unless the link is `strong`, when both hold an entry of one list."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if exclusive and self.sources[ra] & self.sources[rb]:
            return False
        if exclusive and not strong and self.lists[ra] & self.lists[rb]:
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.sources[ra] |= self.sources.pop(rb)
        self.lists[ra] |= self.lists.pop(rb)
        return True


def cluster(
    entities: pl.DataFrame, deterministic: pl.DataFrame, probabilistic: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Group entities: (entity_id → group, smallest member), accepted links, refused count.

    `entities` carries `unit` (`listing_units`) and `source`: a scored link that would put two
    entries of one unit in one group is refused, and one that would put two entries of one
    list (two UN entries of different regimes) in one group is refused unless it is `strong`
    (the same primary name and the same birth date): an alias in the 80s and an overlapping
    birth range must not join a party to a second, wrong UN entry."""
    components = _Components(
        entities["entity_id"].to_list(), entities["unit"].to_list(), entities["source"].to_list()
    )
    for a, b in (
        deterministic.sort("left_entity_id", "right_entity_id", "rule")
        .select("left_entity_id", "right_entity_id")
        .iter_rows()
    ):
        components.union(a, b, exclusive=False)
    ordered = probabilistic.sort(
        "score", "left_entity_id", "right_entity_id", descending=[True, False, False]
    )
    if "strong" not in ordered.columns:
        ordered = ordered.with_columns(strong=pl.lit(False))
    accepted: list[bool] = []
    for a, b, strong in ordered.select("left_entity_id", "right_entity_id", "strong").iter_rows():
        accepted.append(components.union(a, b, exclusive=True, strong=bool(strong)))
    kept = ordered.filter(pl.Series(accepted, dtype=pl.Boolean)) if accepted else ordered
    kept = kept.drop("strong")
    groups = pl.DataFrame(
        {
            "entity_id": list(components.parent),
            "group": [components.find(e) for e in components.parent],
        },
        schema={"entity_id": pl.String, "group": pl.String},
    )
    links = pl.concat([deterministic, kept]).sort("left_entity_id", "right_entity_id", "rule")
    return groups, links, len(accepted) - int(sum(accepted))


def _mint(entity_id: str, salt: int = 0) -> str:
    seed = entity_id if salt == 0 else f"{entity_id}#{salt}"
    return "party-" + hashlib.sha256(seed.encode()).hexdigest()[:16]


def assign_cluster_ids(
    new_clusters: pl.DataFrame, previous_clusters: pl.DataFrame | None
) -> pl.DataFrame:
    """Stable party IDs: `new_clusters` (entity_id, group) → + cluster_id.

    A new cluster reuses the ID of a previous cluster it shares members with. When several
    new clusters claim one previous ID (a split) or one new cluster could take several (a
    merge), pairs are granted greedily by most shared members, then by the previous ID, then
    by the new cluster's smallest member — so the outcome does not depend on row order. A
    cluster left without a previous ID gets `party-` + a hash of its smallest member, salted
    until it collides with no ID in use now or before.
    """
    groups = new_clusters.select("entity_id", "group")
    smallest = groups.group_by("group").agg(first=pl.col("entity_id").min())
    assigned: dict[str, str] = {}
    used: set[str] = set()
    if previous_clusters is not None and not previous_clusters.is_empty():
        previous = previous_clusters.select("entity_id", "cluster_id").unique()
        used |= set(previous["cluster_id"].to_list())
        overlap = (
            groups.join(previous, on="entity_id")
            .group_by("group", "cluster_id")
            .len("shared")
            .join(smallest, on="group")
            .sort(["shared", "cluster_id", "first"], descending=[True, False, False])
        )
        taken: set[str] = set()
        for group, cluster_id in overlap.select("group", "cluster_id").iter_rows():
            if group in assigned or cluster_id in taken:
                continue
            assigned[group] = cluster_id
            taken.add(cluster_id)
    for group, first in smallest.sort("first").iter_rows():
        if group in assigned:
            continue
        salt = 0
        candidate = _mint(first)
        while candidate in used:
            salt += 1
            candidate = _mint(first, salt)
        assigned[group] = candidate
        used.add(candidate)
    ids = pl.DataFrame(
        {"group": list(assigned), "cluster_id": list(assigned.values())},
        schema={"group": pl.String, "cluster_id": pl.String},
    )
    return new_clusters.join(ids, on="group", how="left")


# --- conflicts ----------------------------------------------------------------------------

CONFLICT_SCHEMA = {
    "cluster_id": pl.String,
    "attribute": pl.String,
    "left_entity_id": pl.String,
    "left_source": pl.String,
    "left_publication_id": pl.String,
    "left_values": pl.String,
    "right_entity_id": pl.String,
    "right_source": pl.String,
    "right_publication_id": pl.String,
    "right_values": pl.String,
}


def _member_pairs(members: pl.DataFrame) -> pl.DataFrame:
    right = members.select(
        "cluster_id",
        right_entity_id="entity_id",
        right_source="source",
        right_publication_id="publication_id",
    )
    multi = members.filter(pl.len().over("cluster_id") > 1)
    return (
        multi.select(
            "cluster_id",
            left_entity_id="entity_id",
            left_source="source",
            left_publication_id="publication_id",
        )
        .join(right.filter(pl.len().over("cluster_id") > 1), on="cluster_id")
        .filter(pl.col("left_entity_id") < pl.col("right_entity_id"))
    )


def _conflict_rows(
    pairs: pl.DataFrame, attribute: str, left_values: pl.Expr, right_values: pl.Expr
) -> pl.DataFrame:
    """Member pairs as `cluster_conflicts` rows: what each side states about `attribute`."""
    return pairs.select(
        "cluster_id",
        attribute=pl.lit(attribute),
        left_entity_id="left_entity_id",
        left_source="left_source",
        left_publication_id="left_publication_id",
        left_values=left_values,
        right_entity_id="right_entity_id",
        right_source="right_source",
        right_publication_id="right_publication_id",
        right_values=right_values,
    )


def _value_conflicts(pairs: pl.DataFrame, values: pl.DataFrame, attribute: str) -> pl.DataFrame:
    """Pairs whose members both state `values` (entity_id, value) and share none."""
    sets = values.group_by("entity_id").agg(pl.col("value").unique().sort())
    joined = pairs.join(sets, left_on="left_entity_id", right_on="entity_id")
    joined = joined.join(sets, left_on="right_entity_id", right_on="entity_id", suffix="_r")
    clash = joined.filter(pl.col("value").list.set_intersection("value_r").list.len() == 0)
    return _conflict_rows(
        clash, attribute, pl.col("value").list.join("; "), pl.col("value_r").list.join("; ")
    )


def cluster_conflicts(tables: Mapping[str, pl.DataFrame], clusters: pl.DataFrame) -> pl.DataFrame:
    """Attributes the members of one cluster state incompatibly, one row per member pair."""
    members = clusters.select("cluster_id", "entity_id", "source", "publication_id")
    pairs = _member_pairs(members)
    out: list[pl.DataFrame] = []
    if not pairs.is_empty():
        same_source = pairs.filter(pl.col("left_source") == pl.col("right_source"))
        out.append(
            _conflict_rows(
                same_source,
                "same_source_members",
                pl.col("left_entity_id"),
                pl.col("right_entity_id"),
            )
        )
        ranges = _ranges(tables["birth_dates"])
        dates = (
            pairs.join(ranges, left_on="left_entity_id", right_on="entity_id")
            .join(ranges, left_on="right_entity_id", right_on="entity_id", suffix="_r")
            .group_by(pairs.columns)
            .agg(
                overlap=((pl.col("lo") <= pl.col("hi_r")) & (pl.col("lo_r") <= pl.col("hi"))).any()
            )
            .filter(~pl.col("overlap"))
        )
        raw = (
            tables["birth_dates"]
            .group_by("entity_id")
            .agg(
                pl.col("raw")
                .fill_null(pl.col("date_from").cast(pl.String))
                .unique()
                .sort()
                .str.join("; ")
            )
        )
        dated = dates.join(raw, left_on="left_entity_id", right_on="entity_id").join(
            raw, left_on="right_entity_id", right_on="entity_id", suffix="_r"
        )
        out.append(_conflict_rows(dated, "birth_date", pl.col("raw"), pl.col("raw_r")))
        nationality = tables["countries"].filter(
            pl.col("relation").is_in(["nationality", "citizenship"])
            & pl.col("country_code").is_not_null()
        )
        out.append(
            _value_conflicts(
                pairs, nationality.select("entity_id", value="country_code"), "nationality"
            )
        )
        out.append(
            _value_conflicts(
                pairs, party_gender(tables).select("entity_id", value="gender"), "gender"
            )
        )
        ids = tables["identifiers"].filter(pl.col("id_type").is_in(SINGLE_VALUED))
        ids = ids.with_columns(
            value=pl.when(pl.col("id_type") == "un_reference")
            .then(_un_reference_expr("value"))
            .otherwise(
                pl.coalesce("normalized", "value")
                .str.to_uppercase()
                .str.replace_all(r"[^0-9A-Z]", "")
                .str.replace_all(r"^IMO", "")
            )
        )
        for id_type in SINGLE_VALUED:
            chosen = ids.filter(pl.col("id_type") == id_type).select("entity_id", "value")
            out.append(_value_conflicts(pairs, chosen, id_type))
    if not out:
        return pl.DataFrame(schema=CONFLICT_SCHEMA)
    return (
        pl.concat([df.cast(CONFLICT_SCHEMA) for df in out])
        .unique()
        .sort("cluster_id", "attribute", "left_entity_id", "right_entity_id")
    )


# --- everything ---------------------------------------------------------------------------

REQUIRED = ("entities", "names", "identifiers", "birth_dates", "countries")
# The columns of the canonical tables the reconciliation reads (resolution and divergence).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "entities": (
        "source",
        "publication_id",
        "entity_id",
        "entity_type",
        "primary_name",
        "listed_on",
    ),
    "names": ("entity_id", "name", "name_type", "quality"),
    "identifiers": (
        "source",
        "entity_id",
        "id_type",
        "label",
        "value",
        "normalized",
        "country_code",
        "note",
    ),
    "birth_dates": ("entity_id", "raw", "date_from", "date_to", "precision", "circa"),
    "countries": ("entity_id", "country_code", "relation"),
    "attributes": ("entity_id", "attribute", "value"),
    "sanctions": ("entity_id", "program", "listed_on"),
}


def _complete(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    out = dict(tables)
    for name in (*REQUIRED, "attributes", "sanctions"):
        if name not in out:
            out[name] = frame(name)
    return out


def resolve(
    tables: Mapping[str, pl.DataFrame],
    previous_clusters: pl.DataFrame | None = None,
    settings: Settings = DEFAULT,
) -> Resolution:
    """Clusters, links and conflicts over the canonical tables of every source."""
    tables = _complete(tables)
    entities = tables["entities"].select(
        "entity_id", "source", "publication_id", "entity_type", "primary_name"
    )
    deterministic, det_stats = deterministic_links(tables, settings)
    components = components_of(entities, deterministic)
    _, probabilistic, prob_stats = probabilistic_links(tables, components, settings)
    groups, links, refused = cluster(
        entities.join(listing_units(tables), on="entity_id"), deterministic, probabilistic
    )
    members = entities.join(groups, on="entity_id", how="left")
    members = assign_cluster_ids(members, previous_clusters)
    clusters = (
        members.select(
            "cluster_id", "entity_id", "source", "publication_id", "entity_type", "primary_name"
        )
        .with_columns(cluster_size=pl.len().over("cluster_id").cast(pl.Int64))
        .sort("cluster_id", "entity_id")
    )
    side = clusters.select("entity_id", "cluster_id", "source", "publication_id")
    links = (
        links.join(side, left_on="left_entity_id", right_on="entity_id")
        .join(
            side.drop("cluster_id"),
            left_on="right_entity_id",
            right_on="entity_id",
            suffix="_right",
        )
        .select(
            "cluster_id",
            "left_entity_id",
            "right_entity_id",
            "rule",
            "score",
            "evidence",
            left_source="source",
            left_publication_id="publication_id",
            right_source="source_right",
            right_publication_id="publication_id_right",
        )
        .sort("cluster_id", "left_entity_id", "right_entity_id", "rule")
    )
    conflicts = cluster_conflicts(tables, clusters)
    stats: dict[str, Any] = {**det_stats, **prob_stats, "probabilistic_links_refused": refused}
    stats["clusters"] = int(clusters["cluster_id"].n_unique())
    stats["multi_source_clusters"] = int(
        clusters.group_by("cluster_id")
        .agg(pl.col("source").n_unique())
        .filter(pl.col("source") > 1)
        .height
    )
    return Resolution(clusters=clusters, links=links, conflicts=conflicts, stats=stats)
