"""Name keys and normalisation: the tokens, skeletons and variants names are compared on.

Names are transliterated (text-unidecode), lower-cased, stripped of honorifics (persons) or legal
forms (LLC, OOO, AO, JSC, LTD…) and of particles (al, bin, de…), and compared as sorted tokens —
word order does not matter, a repeated part does. A token's consonant skeleton (`muhammad`,
`mohammed` → `mhmd`) carries spelling variants into one blocking key. Bracketed parts
(`BUTEMBO AIRLINES (BAL)`) give name variants of their own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

import polars as pl

from core.countries import resolve as resolve_country

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


PAIR_HIGH = 1 << 32  # a pair of numbers (names, skeletons) packed into one 64-bit integer


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


# --- names as the matcher reads them ---------------------------------------------------------


def _transliterate(names: pl.Series) -> pl.Series:
    """ASCII names pass through; others are transliterated once per distinct value."""
    others = names.filter(~names.str.contains(r"^[\x00-\x7f]*$")).unique().drop_nulls()
    if others.is_empty():
        return names
    from text_unidecode import unidecode  # only when a name is not ASCII

    # NFKC, then text-unidecode's tables: what normality 2 did without ICU (the measured
    # quality in tests/reconcile/test_quality.py was reached with it; ICU transliterates
    # some names differently)
    mapping = {
        value: unidecode(unicodedata.normalize("NFKC", value))
        .encode("ascii", "replace")
        .decode("ascii")
        for value in others.to_list()
    }
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
        .filter((pl.col("nid").cast(pl.UInt64) * PAIR_HIGH + pl.col("sid")).is_first_distinct())
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


def commonness(per_list: pl.Expr) -> pl.Expr:
    """How common a name (or blocking key) is, from how many parties carry it on each list that
    carries it: their mean, rounded down. Frequency across the lists, not within one: a name
    two parties of one list share (a person listed twice, a father and son) and one party of
    another carries is not common in the world (mean 1.5 → 1); one that several parties carry
    on every list is (5, 4, 3 → 4)."""
    return (per_list.sum() / per_list.len()).floor().clip(1).cast(pl.UInt32)
