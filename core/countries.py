"""Country names and codes as publishers write them, resolved to ISO 3166-1 alpha-2.

pycountry knows the official names; publishers use their own short forms ("Korea, North",
"Burma", "Region: Crimea"), which are mapped here explicitly. An unresolvable value returns
None and the raw text is kept beside it, so nothing is guessed. `country_in_text` reads the
issuing country a document's free-text note names (`Issued by the Democratic People's
Republic of Korea`). pycountry is imported when a code or name is first resolved, not with this
module (the Dagster definitions import it).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Publisher spellings pycountry does not know, or knows ambiguously. Values are ISO alpha-2.
ALIASES: dict[str, str] = {
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "korea, north": "KP",
    "north korea": "KP",
    "korea, democratic people's republic of": "KP",
    "democratic people's republic of korea": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "korea, republic of": "KR",
    "burma": "MM",
    "myanmar (burma)": "MM",
    "laos": "LA",
    "vietnam": "VN",
    "viet nam": "VN",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "moldova": "MD",
    "macedonia": "MK",
    "north macedonia, the republic of": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo (democratic republic)": "CD",
    "congo, republic of the": "CG",
    "republic of the congo": "CG",
    "congo": "CG",
    "cote d'ivoire": "CI",
    "côte d'ivoire": "CI",
    "ivory coast": "CI",
    "turkey": "TR",
    "türkiye": "TR",
    "turkiye": "TR",
    "czech republic": "CZ",
    "czechia": "CZ",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "united states": "US",
    "usa": "US",
    "united states of america": "US",
    "uae": "AE",
    "the gambia": "GM",
    "gambia": "GM",
    "the bahamas": "BS",
    "bahamas": "BS",
    "brunei": "BN",
    "cape verde": "CV",
    "cabo verde": "CV",
    "swaziland": "SZ",
    "eswatini": "SZ",
    "kosovo": "XK",
    "taiwan": "TW",
    "palestinian": "PS",
    "palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "occupied palestinian territory": "PS",
    "palestinian territory, occupied": "PS",
    "holy see": "VA",
    "vatican city": "VA",
    "micronesia": "FM",
    "micronesia, federated states of": "FM",
    "st. kitts and nevis": "KN",
    "st. kitts & nevis": "KN",
    "saint kitts and nevis": "KN",
    "st. lucia": "LC",
    "st. vincent and the grenadines": "VC",
    "sao tome and principe": "ST",
    "netherlands antilles": "AN",
    "curacao": "CW",
    "sint maarten": "SX",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "british virgin islands": "VG",
    "virgin islands, british": "VG",
    "isle of man": "IM",
    "jersey": "JE",
    "guernsey": "GG",
    "kyrgyzstan": "KG",
    "kyrgyz republic": "KG",
    "slovak republic": "SK",
    "libya": "LY",
    "yemen": "YE",
    "serbia and montenegro": "CS",
    "yugoslavia": "YU",
    "soviet union": "SU",
    "ussr": "SU",
    "czechoslovakia": "CS",
    "east timor": "TL",
    "timor-leste": "TL",
    "reunion": "RE",
    "region: crimea": "UA",
    "crimea": "UA",
    "region: gaza": "PS",
    "region: west bank": "PS",
    "region: kurdistan": "IQ",
    "region: northern mali": "ML",
    "region: sevastopol": "UA",
    # UN Security Council spellings
    "iran (islamic republic of)": "IR",
    "state of palestine": "PS",
    "china, hong kong special administrative region": "HK",
    "china, macao special administrative region": "MO",
    "former soviet union": "SU",
    "venezuela (bolivarian republic of)": "VE",
    "bolivia (plurinational state of)": "BO",
    "republic of korea": "KR",
    "micronesia (federated states of)": "FM",
    "netherlands (kingdom of the)": "NL",
    "côte d’ivoire": "CI",
    # OFAC SDN remarks spellings (ofac/remarks.py)
    "bosnia-herzegovina": "BA",
    "bosina-herzegovina": "BA",
    "bosnia": "BA",
    "gaza strip": "PS",
    "palestinian territories": "PS",
    "palestinian authority": "PS",
    "drc": "CD",
    "dprk": "KP",
    "england": "GB",
    "u.k": "GB",
    "phillipines": "PH",
    "comoros islands": "KM",
    "st kitts and nevis": "KN",
    "man, isle of": "IM",
    "bahamas, the": "BS",
    "cote d ivoire": "CI",
    "cabo verde. previously cape verde": "CV",
}

# Codes that are not (or no longer) ISO 3166-1 but are used by publishers with a fixed meaning.
# They are kept as published (a party's record names the state of its time); every row carrying
# one gets the note below (`code_note`), so a reader knows what it stands for. Sources: ISO
# 3166-1 change history (ISO 3166 Maintenance Agency newsletters; pycountry's
# `historic_countries`, ISO 3166-3, gives the withdrawal dates) and, for XK, the European
# Commission's Interinstitutional Style Guide (user-assigned code for Kosovo).
LEGACY_CODES = {
    "XK": "Kosovo",
    "CS": "Serbia and Montenegro",
    "SU": "Soviet Union",
    "YU": "Yugoslavia",
    "AN": "Netherlands Antilles",
}
LEGACY_NOTES = {
    "XK": "country code XK: Kosovo, a user-assigned code, not ISO 3166-1",
    "CS": (
        "country code CS: Serbia and Montenegro, withdrawn from ISO 3166-1 in 2006 "
        "(now RS Serbia and ME Montenegro); the EU writes CS for Serbia"
    ),
    "SU": "country code SU: USSR, withdrawn from ISO 3166-1 in 1992 (its successor states)",
    "YU": "country code YU: Yugoslavia, withdrawn from ISO 3166-1 in 2003 (then CS)",
    "AN": (
        "country code AN: Netherlands Antilles, withdrawn from ISO 3166-1 in 2010 "
        "(now CW Curaçao, SX Sint Maarten, BQ Bonaire, Sint Eustatius and Saba)"
    ),
}


def code_note(code: str | None) -> str | None:
    """What a kept non-ISO or withdrawn country code stands for; None for a current ISO code."""
    return LEGACY_NOTES.get(code) if code else None


_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def resolve(raw: str | None) -> str | None:
    """ISO alpha-2 code for a country name or code as published; None when unresolvable."""
    if raw is None:
        return None
    value = _SPACE.sub(" ", raw).strip().strip(".").strip()
    if not value:
        return None
    key = value.lower()
    if key in ALIASES:
        return ALIASES[key]
    import pycountry

    if len(value) == 2 and value.isalpha():
        code = value.upper()
        if pycountry.countries.get(alpha_2=code) or code in LEGACY_CODES:
            return code
        return None
    if len(value) == 3 and value.isalpha() and value.isupper():
        hit = pycountry.countries.get(alpha_3=value)
        return hit.alpha_2 if hit else None
    return _official_names().get(key)


@lru_cache(maxsize=1)
def _official_names() -> dict[str, str]:
    """pycountry's names, official names and common names (lower case) → alpha-2; a name
    matches as `name` before it matches as an official or common name."""
    import pycountry

    index: dict[str, str] = {}
    for attr in ("name", "official_name", "common_name"):
        for country in pycountry.countries:
            index.setdefault(getattr(country, attr, "").lower(), country.alpha_2)
    index.pop("", None)
    return index


# --- countries named in free text ---------------------------------------------------------

DEMONYMS: dict[str, str] = {
    "afghan": "AF",
    "albanian": "AL",
    "algerian": "DZ",
    "american": "US",
    "armenian": "AM",
    "australian": "AU",
    "austrian": "AT",
    "azerbaijani": "AZ",
    "bahraini": "BH",
    "bangladeshi": "BD",
    "belarusian": "BY",
    "belgian": "BE",
    "bosnian": "BA",
    "british": "GB",
    "bulgarian": "BG",
    "burmese": "MM",
    "canadian": "CA",
    "chadian": "TD",
    "chinese": "CN",
    "colombian": "CO",
    "cuban": "CU",
    "cypriot": "CY",
    "danish": "DK",
    "dutch": "NL",
    "egyptian": "EG",
    "emirati": "AE",
    "eritrean": "ER",
    "ethiopian": "ET",
    "french": "FR",
    "georgian": "GE",
    "german": "DE",
    "greek": "GR",
    "indian": "IN",
    "indonesian": "ID",
    "iranian": "IR",
    "iraqi": "IQ",
    "israeli": "IL",
    "italian": "IT",
    "jordanian": "JO",
    "kazakh": "KZ",
    "kenyan": "KE",
    "kuwaiti": "KW",
    "kyrgyz": "KG",
    "lebanese": "LB",
    "libyan": "LY",
    "malaysian": "MY",
    "malian": "ML",
    "mauritanian": "MR",
    "mexican": "MX",
    "moroccan": "MA",
    "nicaraguan": "NI",
    "nigerian": "NG",
    "omani": "OM",
    "pakistani": "PK",
    "palestinian": "PS",
    "qatari": "QA",
    "russian": "RU",
    "rwandan": "RW",
    "saudi": "SA",
    "serbian": "RS",
    "somali": "SO",
    "south african": "ZA",
    "south sudanese": "SS",
    "spanish": "ES",
    "sudanese": "SD",
    "swiss": "CH",
    "syrian": "SY",
    "tajik": "TJ",
    "tanzanian": "TZ",
    "tunisian": "TN",
    "turkish": "TR",
    "ugandan": "UG",
    "ukrainian": "UA",
    "uzbek": "UZ",
    "venezuelan": "VE",
    "yemeni": "YE",
    "zimbabwean": "ZW",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")

# Upper-case abbreviations publishers use for a state (`CAR diplomatic passport`, `US social
# security`); only as written in capitals, since `us` and `car` are also English words.
STATE_ABBREVIATIONS = {
    "UK": "GB",
    "US": "US",
    "USA": "US",
    "UAE": "AE",
    "DPRK": "KP",
    "DRC": "CD",
    "CAR": "CF",
}
_MAX_COUNTRY_WORDS = 7  # "Democratic People's Republic of Korea"
_CLAUSE_BREAK = re.compile(r"[.;:()]")


def _phrase_country(phrase: str) -> str | None:
    key = phrase.lower().strip("'’-")
    code = DEMONYMS.get(key)
    # 2- and 3-letter words ("in", "on", "per") would read as ISO codes: names only.
    if code is None and len(key) > 3:
        code = resolve(phrase)
    return code


@lru_cache(maxsize=65536)
def country_in_text(text: str | None) -> str | None:
    """The country a document's free-text note names as its issuer, else None.

    Countries are read left to right, longest name first, so `Democratic People's Republic of
    Korea` is North Korea (not `Republic of Korea`) and `South Sudan` is not Sudan. A note
    naming one country gives it (`Saudi Arabia number`, `(Afghan)`, `Issued by the Democratic
    People's Republic of Korea`); a note naming several gives the one it opens with
    (`Pakistani. Issued in Kuwait`: publishers lead with the issuer, the place of issue
    follows), and None when it does not open with one (`Issued in Jordan; Syrian passport`
    says nothing certain).
    """
    if not text:
        return None
    words = list(_WORD.finditer(text))
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(words):
        size, code = 1, None
        for size in range(min(_MAX_COUNTRY_WORDS, len(words) - i), 0, -1):
            phrase = text[words[i].start() : words[i + size - 1].end()]
            if size > 1 and _CLAUSE_BREAK.search(phrase):
                continue  # a name does not run across sentences or brackets
            if code := _phrase_country(phrase):
                break
        word = words[i].group()
        if code is None:
            size = 1
            if word.isupper() or word.lower() in {"uk", "usa", "uae", "dprk", "drc"}:
                code = STATE_ABBREVIATIONS.get(word.upper())
        if code:
            found.append((i, code))
        i += size
    codes = {code for _, code in found}
    if len(codes) == 1:
        return codes.pop()
    if found and found[0][0] == 0:
        return found[0][1]
    return None


@lru_cache(maxsize=1)
def valid_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code, and the legacy codes kept (`LEGACY_CODES`)."""
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries) | frozenset(LEGACY_CODES)


def __getattr__(name: str) -> frozenset[str]:
    # `VALID_CODES` (= `valid_codes()`) is built when first imported, so that loading the Dagster
    # definitions, which import this module, does not read pycountry's database
    if name == "VALID_CODES":
        return valid_codes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
