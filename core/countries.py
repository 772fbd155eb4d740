"""Country names and codes as publishers write them, resolved to ISO 3166-1 alpha-2.

pycountry knows the official names; publishers use their own short forms ("Korea, North",
"Burma", "Region: Crimea"), which are mapped here explicitly. An unresolvable value returns
None and the raw text is kept beside it, so nothing is guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

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
    # OFAC SDN remarks spellings (assets/ofac_remarks.py)
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

# Codes that are not ISO 3166-1 but are used by publishers with a fixed meaning.
LEGACY_CODES = {
    "XK": "Kosovo",
    "CS": "Serbia and Montenegro",
    "SU": "Soviet Union",
    "YU": "Yugoslavia",
    "AN": "Netherlands Antilles",
}

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
    if len(value) == 2 and value.isalpha():
        code = value.upper()
        if pycountry.countries.get(alpha_2=code) or code in LEGACY_CODES:
            return code
        return None
    if len(value) == 3 and value.isalpha() and value.isupper():
        hit = pycountry.countries.get(alpha_3=value)
        return hit.alpha_2 if hit else None
    for attr in ("name", "official_name", "common_name"):
        for country in pycountry.countries:
            if getattr(country, attr, "").lower() == key:
                return country.alpha_2
    return None


VALID_CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries) | frozenset(
    LEGACY_CODES
)
