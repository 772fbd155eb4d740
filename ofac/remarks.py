"""Strict parser for the free-text Remarks field of OFAC's legacy CSV files.

SDN.CSV and CONS_PRIM.CSV carry everything OFAC knows about an entry beyond name, program and
title in one remarks column (the 12th), written as ``; ``-separated fragments::

    DOB 01 Jan 1960; alt. DOB 1962; POB Moscow, Russia; nationality Russia; Gender Male;
    Passport 123456 (Russia) issued 01 Jan 2010 expires 01 Jan 2020; a.k.a. 'ABU X';
    Linked To: LAZARUS GROUP.

The parser is pure: it takes the full remarks text (the caller joins SDN_COMMENTS.CSV
continuations first) and returns plain data. It is table-driven: every label it understands is
listed in one of the mapping constants below (``KNOWN_LABELS`` for identifiers, then attributes,
countries, names, relationships). Interpretation is strict: a fragment whose label is not known,
or whose value cannot be read (e.g. a date of birth that is not a date), is returned verbatim in
``Remarks.unparsed`` and never silently dropped or guessed.

Splitting: fragments are separated by ``;`` outside parentheses (OFAC nests whole notes in
parentheses, semicolons included); the single period that ends the remarks is removed unless it
belongs to an abbreviation ("... CO., LTD.", "S.A. DE C.V.").

Reading a fragment, in order: an optional ``alt.`` prefix is dropped; a literal label from the
tables (longest first, case-insensitive); a numbered label (``ATTRIBUTE_PATTERNS``); then an
unlabelled shape (``SHAPES``: bare e-mail/URL, custody status, office scope, honorifics and
position titles). Identifier values must look like identifiers (digits for number types, no
prose), otherwise the fragment is unparsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.countries import resolve
from core.dates import FuzzyDate, parse_fuzzy
from ofac.remark_labels import (
    ABBREVIATIONS,
    ATTRIBUTE_LABELS,
    ATTRIBUTE_PATTERNS,
    BIRTH_LABELS,
    COUNTRY_LABELS,
    ID_TYPES,
    KNOWN_LABELS,
    NAME_LABELS,
    RELATION_LABELS,
    SHAPES,
    VESSEL_IMO_LABELS,
)


@dataclass
class Remarks:
    """Everything read from one remarks text; each list holds plain dict rows."""

    identifiers: list[dict]  # id_type, label, value, normalized, country_code, country_raw, note
    birth_dates: list[dict]  # raw, date_from, date_to, precision, circa
    birth_places: list[dict]  # place, country_code
    countries: list[dict]  # country_code, raw, relation
    names: list[dict]  # name, name_type, quality
    relationships: list[dict]  # to_name, relation
    attributes: list[dict]  # attribute, value
    unparsed: list[str] = field(default_factory=list)


def _label_table() -> dict[str, tuple[str, str]]:
    """All literal labels, lower-cased → (family, target); a label may be defined once."""
    table: dict[str, tuple[str, str]] = {}
    families: list[tuple[str, dict[str, str]]] = [
        ("identifier", KNOWN_LABELS),
        ("attribute", ATTRIBUTE_LABELS),
        ("country", COUNTRY_LABELS),
        ("name", NAME_LABELS),
        ("relation", RELATION_LABELS),
        ("birth", BIRTH_LABELS),
    ]
    unknown = set(KNOWN_LABELS.values()) - ID_TYPES
    if unknown:
        raise ValueError(f"KNOWN_LABELS uses unknown id_type(s) {sorted(unknown)}")
    for family, mapping in families:
        for label, target in mapping.items():
            key = label.lower()
            if key in table:
                raise ValueError(f"label {label!r} defined twice")
            table[key] = (family, target)
    return table


_LABELS = _label_table()
# After a label comes ":", ",", " - ", whitespace or the end; so "citizen" never matches the
# start of "Citizen's Card Number".
_SEPARATOR = r"(?:\s*[:,]\s*|\s+-\s+|\s+|$)"
# Longest label first, so "Passport Booklet" wins over "Passport".
_LABEL_RE = re.compile(
    r"^(?P<label>"
    + "|".join(re.escape(k) for k in sorted(_LABELS, key=len, reverse=True))
    + ")"
    + _SEPARATOR,
    re.IGNORECASE,
)
_PATTERN_RES = [(re.compile(f"^(?:{p}){_SEPARATOR}"), name) for p, name in ATTRIBUTE_PATTERNS]
_SHAPE_RES = [(re.compile(p, re.IGNORECASE), family, target) for p, family, target in SHAPES]

_ALT_RE = re.compile(r"^alt\.\s+", re.IGNORECASE)
_PAREN_OR_SEMI_RE = re.compile(r"[();]")
_SPACES_RE = re.compile(r"\s+")
_ISSUED_EXPIRES_RE = re.compile(r"(?:^|\s+)(?=(?:issued|expires)\b)")
_TAIL_RE = re.compile(r"^(?:issued\s+(?P<issued>.+?))?\s*(?:expires\s+(?P<expires>.+))?$")
_TRAILING_PAREN_RE = re.compile(r"\s*\(([^()]*)\)$")
_CHECK_CHAR_RE = re.compile(r"^[0-9A-Z]$")
# Words that show a "value" is really a sentence ("Passport and National ID were issued...").
_PROSE_RE = re.compile(r"\b(?:and|at|of|under|were|was|is|by|in)\b")
_HAS_DIGIT_RE = re.compile(r"\d")
_DOC_NOISE_RE = re.compile(r"[\s.\-()]")
_NON_DIGIT_RE = re.compile(r"\D")
_CRYPTO_RE = re.compile(r"^(?P<currency>[A-Z0-9]{2,6})\s+(?P<address>\S+)$")
_EVM_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
_QUOTED_RE = re.compile(r"^'(?P<name>.*)'$", re.DOTALL)
_YEAR_DASH_RE = re.compile(r"\b(\d{4})-(\d{4})\b")
_DATE_SCOPE_RE = re.compile(r"^\((?P<scope>[^()]+)\):?\s*(?P<date>.+)$")
_DOTTED_ABBREV_RE = re.compile(r"^(?:[A-Za-z]{1,3}\.)+[A-Za-z]{1,3}$")
_IMO_WEIGHTS = (7, 6, 5, 4, 3, 2)
_VERBATIM_LABELS = frozenset({"telex"})
_SELF_DESCRIBING = frozenset({"email", "website"})  # "x@y.org (email)"
_NUMBERED_TYPES = frozenset(
    {"passport", "national_id", "tax_id", "registration", "imo", "mmsi", "phone", "lei"}
)
_DATED_ATTRIBUTES = frozenset(
    {"effective_date", "listing_date", "purchase_sales_for_divestment_date"}
)
_NOT_COUNTRY_SUFFIX = frozenset({"new mexico"})


def _ends_with_abbreviation(text: str) -> bool:
    """True if the final period of ``text`` belongs to its last word ("LTD.", "S.A.")."""
    word = text[:-1].rsplit(" ", 1)[-1]
    if word.lower() in ABBREVIATIONS:
        return True
    return bool(_DOTTED_ABBREV_RE.match(word)) and not word.lower().startswith("www.")


def _strip_period(text: str) -> str:
    """Drop a sentence-ending period, but not the one of an abbreviation."""
    if text.endswith(".") and not _ends_with_abbreviation(text):
        return text[:-1].rstrip()
    return text


def split_fragments(text: str) -> list[str]:
    """Split remarks on ``;`` outside parentheses; drop the period that ends the remarks."""
    body = _strip_period(text.strip())
    if "(" not in body:
        parts = body.split(";")
    else:
        parts, depth, start = [], 0, 0
        for m in _PAREN_OR_SEMI_RE.finditer(body):
            ch = m.group()
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth = max(depth - 1, 0)
            elif depth == 0:
                parts.append(body[start : m.start()])
                start = m.end()
        parts.append(body[start:])
    return [p for p in (part.strip() for part in parts) if p]


def is_valid_imo(number: str) -> bool:
    """True when a 7-digit ship IMO number's last digit is its check digit: the sum of the
    first six digits weighted 7, 6, 5, 4, 3, 2, modulo 10."""
    if len(number) != 7 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:6], _IMO_WEIGHTS, strict=True))
    return total % 10 == int(number[6])


@lru_cache(maxsize=4096)
def _country(raw: str) -> str | None:
    """ISO code for a country as OFAC writes it; tolerates a leading 'the' or 'possibly'."""
    value = raw.strip()
    code = resolve(value)
    if code is None:
        for prefix in ("the ", "possibly "):
            if value.lower().startswith(prefix):
                return resolve(value[len(prefix) :])
    return code


@lru_cache(maxsize=4096)
def _place_country(place: str) -> str | None:
    """Country of a birth place: its last comma part, its last two parts ("Congo, Democratic
    Republic of the"), the whole text, or the last words of its last part ("Khartoum Sudan");
    None when no part names a country. The most frequent hit is tried first."""
    parts = [p.strip() for p in place.split(",") if p.strip()]
    if not parts:
        return None
    last = parts[-1]
    if code := _country(last):
        return code
    if len(parts) >= 2 and (code := _country(f"{parts[-2]}, {last}")):
        return code
    if len(parts) > 2 and (code := _country(place)):
        return code
    if last.lower() in _NOT_COUNTRY_SUFFIX:
        return None
    words = last.replace("(", " ").replace(")", " ").split()
    for n in (3, 2, 1):
        if len(words) > n and (code := _country(" ".join(words[-n:]))):
            return code
    return None


def _normalize(id_type: str, value: str) -> str:
    """Comparable form: digits for phones/IMO/MMSI, lower case for emails and websites, and
    for document numbers upper case without spaces, dashes and dots."""
    if id_type in ("phone", "imo", "mmsi"):
        return _NON_DIGIT_RE.sub("", value)
    if id_type in ("email", "website"):
        return value.lower()
    return _DOC_NOISE_RE.sub("", value).upper()


def _id_row(
    id_type: str,
    label: str,
    value: str,
    normalized: str,
    country_raw: str | None = None,
    note: str | None = None,
) -> dict:
    return {
        "id_type": id_type,
        "label": label,
        "value": value,
        "normalized": normalized,
        "country_code": _country(country_raw) if country_raw else None,
        "country_raw": country_raw,
        "note": note,
    }


def _crypto(label: str, rest: str) -> dict | None:
    """``Digital Currency Address - XBT 1Abc...``: the currency goes into label and note."""
    m = _CRYPTO_RE.match(rest)
    if not m:
        return None
    currency, address = m.group("currency"), m.group("address")
    normalized = address.lower() if _EVM_RE.match(address) else address
    return _id_row("crypto_wallet", f"{label} - {currency}", address, normalized, note=currency)


def _identifier(id_type: str, label: str, rest: str) -> dict | None:
    """One identifier row from the text after its label; None if there is no value.

    Document numbers are written ``VALUE (Country) issued DATE expires DATE``; further
    parentheses before the country ("HRA 738521 (Stuttgart) (Germany)") go into the note.
    """
    if id_type == "crypto_wallet":
        return _crypto(label, rest)
    value = rest.strip().rstrip(".") if id_type in _SELF_DESCRIBING else rest.strip()
    country_raw: str | None = None
    notes: list[str] = []
    if id_type == "imo":
        value = value.strip("()")  # "International Maritime Organization No. (5777731)"
    elif id_type != "phone" and label.lower() not in _VERBATIM_LABELS:
        # phone numbers keep their parentheses: "Fax (357)(22668608)"
        if m := _ISSUED_EXPIRES_RE.search(value):
            tail = _TAIL_RE.match(value[m.end() :])
            if tail and (tail.group("issued") or tail.group("expires")):
                notes.extend(
                    f"{word} {tail.group(word).strip()}"
                    for word in ("issued", "expires")
                    if tail.group(word)
                )
                value = value[: m.start()]
        inner: list[str] = []
        while (m := _TRAILING_PAREN_RE.search(value)) and value[: m.start()].strip():
            if _CHECK_CHAR_RE.match(m.group(1)):
                break  # a check character belongs to the number: "D489833(9) (Hong Kong)"
            inner.append(m.group(1).strip())
            value = value[: m.start()]
        if inner and inner[0].lower() == id_type and id_type in _SELF_DESCRIBING:
            inner.pop(0)
        if inner:
            country_raw = inner[0]
            notes[:0] = reversed(inner[1:])
    value = _SPACES_RE.sub(" ", value).strip()
    if not _plausible(id_type, label, value):
        return None
    normalized = _normalize(id_type, value)
    if id_type == "imo":
        if label.lower() not in VESSEL_IMO_LABELS:
            notes.append("IMO company number")
        elif not is_valid_imo(normalized):
            notes.append("invalid check digit")
    return _id_row(id_type, label, value, normalized, country_raw, "; ".join(notes) or None)


def _plausible(id_type: str, label: str, value: str) -> bool:
    """Reject values that are not an identifier: empty, prose, a number type without digits,
    or a website/email with spaces in it."""
    if not value:
        return False
    if id_type in _SELF_DESCRIBING:
        return " " not in value
    if label.lower() in _VERBATIM_LABELS:
        return True
    if id_type in _NUMBERED_TYPES and not _HAS_DIGIT_RE.search(value):
        return False
    return not _PROSE_RE.search(value)


@lru_cache(maxsize=4096)
def _fuzzy_date(text: str) -> FuzzyDate | None:
    """A DOB value as a fuzzy date; "circa 1979-1982" is read as the range it writes."""
    return parse_fuzzy(_YEAR_DASH_RE.sub(r"\1 to \2", text))


def _birth_date(text: str) -> dict | None:
    """A fresh birth-date row (rows are never shared between results), raw as published."""
    fuzzy = _fuzzy_date(text)
    if fuzzy is None:
        return None
    return {**fuzzy.as_row(), "raw": text}


def _name(name_type: str, rest: str) -> dict | None:
    """``a.k.a. 'ABU X'``: quoted remarks aliases are OFAC's weak (low-quality) aliases."""
    m = _QUOTED_RE.match(rest)
    name, quality = (m.group("name").strip(), "weak") if m else (rest, None)
    if not name:
        return None
    return {"name": name, "name_type": name_type, "quality": quality}


def _clean(text: str) -> str:
    return _strip_period(_SPACES_RE.sub(" ", text).strip())


def _attribute_value(attribute: str, rest: str) -> str:
    value = _clean(rest)
    if attribute in _DATED_ATTRIBUTES and (m := _DATE_SCOPE_RE.match(value)):
        # "(EO 14024 Directive 3): 26 Mar 2022" → "EO 14024 Directive 3: 26 Mar 2022"
        value = f"{m.group('scope')}: {m.group('date')}"
    return value


def parse_remarks(text: str | None) -> Remarks:
    """Parse one full OFAC remarks text into typed rows; unknown fragments go to ``unparsed``.

    ``None``, empty text and the CSV null marker ``-0-`` give an empty ``Remarks``.
    """
    out = Remarks([], [], [], [], [], [], [])
    if text is None or text.strip() in ("", "-0-"):
        return out
    for fragment in split_fragments(text):
        inner = _unwrapped(fragment)
        if not (inner and _parse_fragment(inner, out)) and not _parse_fragment(fragment, out):
            out.unparsed.append(fragment)
    return out


_FAMILIES = (
    "identifiers", "birth_dates", "birth_places", "countries", "names", "relationships",
    "attributes",
)  # fmt: skip


def read_fragment(fragment: str) -> tuple[str, dict] | None:
    """What `parse_remarks` reads from one fragment: (family, row), or None when unparsed.

    A fragment gives at most one row, so a whole text's rows are its fragments' rows in order
    (`ofac.remarks_frame` reads a column of texts this way).
    """
    out = Remarks([], [], [], [], [], [], [])
    inner = _unwrapped(fragment)
    if not (inner and _parse_fragment(inner, out)) and not _parse_fragment(fragment, out):
        return None
    return next((family, rows[0]) for family in _FAMILIES if (rows := getattr(out, family)))


def _unwrapped(fragment: str) -> str | None:
    """The text inside a fragment wholly wrapped in one pair of parentheses, else None.

    The classic XML writes in parentheses remarks fragments that the CSV writes bare
    (`(Linked To: HAMAS)` against `Linked To: HAMAS.`): unwrapped, they are read the same way.
    """
    if not (fragment.startswith("(") and fragment.endswith(")")):
        return None
    depth = 0
    for i, ch in enumerate(fragment):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i < len(fragment) - 1:
            return None  # "(a) b (c)": two groups, not one wrapper
    return _strip_period(fragment[1:-1].strip()) or None


def _parse_fragment(fragment: str, out: Remarks) -> bool:
    """Add what one fragment says to ``out``; False when it cannot be read.

    Literal labels first, then numbered labels (``ATTRIBUTE_PATTERNS``), then ``SHAPES``.
    """
    body = _ALT_RE.sub("", fragment, count=1) if fragment[:4].lower() == "alt." else fragment
    if (m := _LABEL_RE.match(body)) and (rest := body[m.end() :].strip()):
        label = m.group("label")
        family, target = _LABELS[label.lower()]
        return _add(out, family, target, label, rest)
    for regex, template in _PATTERN_RES:
        if (m := regex.match(body)) and (rest := body[m.end() :].strip()):
            attribute = template.format(**m.groupdict())
            out.attributes.append({"attribute": attribute, "value": _clean(rest)})
            return True
    for regex, family, target in _SHAPE_RES:
        if regex.search(body):
            return _add(out, family, target, "", body)
    return False


def _add(out: Remarks, family: str, target: str, label: str, rest: str) -> bool:
    """Store one labelled value; False when the value cannot be read."""
    if family == "identifier":
        row = _identifier(target, label, rest)
        if row is None:
            return False
        out.identifiers.append(row)
    elif family == "birth" and target == "dob":
        row = _birth_date(rest)
        if row is None:
            return False
        out.birth_dates.append(row)
    elif family == "birth":
        place = _clean(rest)
        out.birth_places.append({"place": place, "country_code": _place_country(place)})
    elif family == "country":
        raw = _clean(rest)
        out.countries.append({"country_code": _country(raw), "raw": raw, "relation": target})
    elif family == "name":
        row = _name(target, rest)
        if row is None:
            return False
        out.names.append(row)
    elif family == "relation":
        out.relationships.append({"to_name": rest, "relation": target})
    else:
        out.attributes.append({"attribute": target, "value": _attribute_value(target, rest)})
    return True
