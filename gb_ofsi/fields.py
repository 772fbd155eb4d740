"""OFSI Consolidated List: readers of the publisher's packed values (dates, enumerations, countries, document pairs) and of `Other Information`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.countries import resolve
from core.dates import FuzzyDate, parse_dmy
from core.un_references import UN_REFERENCE_IN_TEXT
from gb_ofsi.constants import OI_INLINE, OI_LABELS

# --- small readers --------------------------------------------------------------------------


def _date(raw: str) -> FuzzyDate | None:
    """dd/mm/yyyy with `00` for unknown parts, mm/yyyy, yyyy, or ISO `yyyy-mm-dd[Thh:mm:ss]`."""
    value = raw.strip()
    if m := _ISO.match(value):
        return parse_dmy(f"{m.group(3)}/{m.group(2)}/{m.group(1)}")
    if _MY.match(value):
        return parse_dmy("00/" + value)
    if _Y.match(value):
        return parse_dmy("00/00/" + value)
    return parse_dmy(value)


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00:00)?$")
_MY = re.compile(r"^\d{1,2}/\d{4}$")
_Y = re.compile(r"^\d{4}$")

# `(1) a (2) b`, `1) a 2) b`, `(a) x (b) y`: OFSI packs several values into one cell this way.
_ENUM = re.compile(r"(?:^|(?<=\s)|(?<=[.,;]))\(?([0-9]{1,2}|[a-h])\)\s*")


@lru_cache(maxsize=65536)
def enumerated_slots(value: str) -> tuple[str | None, ...]:
    """Split an enumerated cell into its items, in order; a placeholder item (`-`) is None.

    Numbering must start at 1 (or a) and run on consecutively, so `(2008)` or `(b)` inside
    free text never splits it. A cell without enumeration is one item.
    """
    text_ = value.strip()
    hits = list(_ENUM.finditer(text_)) if ")" in text_ else []
    if not hits or hits[0].start() != 0 or hits[0].group(1) not in ("1", "a"):
        return (text_ if text_.strip(" -.") else None,)
    letters = hits[0].group(1) == "a"
    expected, kept = 1, []
    for hit in hits:
        label = hit.group(1)
        number = (
            ord(label) - 96 if letters and label.isalpha() else int(label) if label.isdigit() else 0
        )
        if number == expected and label.isalpha() == letters:
            kept.append(hit)
            expected += 1
    items: list[str | None] = []
    for i, hit in enumerate(kept):
        end = kept[i + 1].start() if i + 1 < len(kept) else len(text_)
        item = text_[hit.end() : end].strip().rstrip(".,;").strip()
        items.append(item if item.strip(" -.") else None)
    return tuple(items)


def enumerated(value: str) -> tuple[str, ...]:
    """The items of an enumerated cell, placeholders dropped (`(1) a (2) b` → `a`, `b`)."""
    return tuple(item for item in enumerated_slots(value) if item)


# Spellings in OFSI's country cells that `core.countries.resolve` does not know (a local
# workaround; proposed for core/countries.py in the report).
COUNTRY_ALIASES: dict[str, str] = {
    "britain": "GB", "british": "GB", "afganistan": "AF", "afghan": "AF", "afgan": "AF",
    "algerian": "DZ", "australian": "AU", "belrus": "BY", "burundian": "BI", "canadian": "CA",
    "chinese": "CN", "congolese": "CD", "democratic people’s republic of korea": "KP",
    "north korean": "KP", "egyptian": "EG", "filipino": "PH", "french": "FR", "georgian": "GE",
    "german": "DE", "guinea bissau": "GW", "indian": "IN", "indonesian": "ID", "iranian": "IR",
    "iraqi": "IQ", "jordanian": "JO", "kuwaiti": "KW", "libyan": "LY",
    "libyan arab jamahiriya": "LY", "malaysian": "MY", "malian": "ML", "mauritanian": "MR",
    "moldovan": "MD", "repubic of moldova": "MD", "moroccan": "MA", "nigerian": "NG",
    "norwegian": "NO", "occupied palestinian territories": "PS", "pakistani": "PK",
    "qatari": "QA", "qatarian": "QA", "russian": "RU", "rwandan": "RW", "saudi arabian": "SA",
    "senegalese": "SN", "somali": "SO", "sudanese": "SD", "swedish": "SE", "syrian": "SY",
    "the netherlands": "NL", "tunisian": "TN", "turkish": "TR", "ugandan": "UG",
    "uzbek": "UZ", "uzbekhistan": "UZ", "yemeni": "YE", "american": "US",
}  # fmt: skip
_PAREN_TAIL = re.compile(r"\s*\([^()]*\)\.?$")
_NOW = re.compile(r"\b(?:now|currently)\s+([A-Z][A-Za-z ]+?)\)?\.?$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def country_code(raw: str | None) -> str | None:
    """ISO alpha-2 for a country cell, tolerating qualifiers: `Iraq (previous address)`,
    `Ukrainian SSR (now Ukraine)`; None when it cannot be resolved without guessing."""
    if not raw:
        return None
    value = raw.strip().rstrip(".").strip()
    code = COUNTRY_ALIASES.get(value.lower()) or resolve(value)
    if code is None and (m := _NOW.search(value)):
        code = resolve(m.group(1)) or COUNTRY_ALIASES.get(m.group(1).lower().strip())
    if code is None and _PAREN_TAIL.search(value):
        bare = _PAREN_TAIL.sub("", value).strip()
        code = resolve(bare) or COUNTRY_ALIASES.get(bare.lower())
    return code


def _pairs(left: str | None, right: str | None) -> list[tuple[str | None, str | None]]:
    """Pair two enumerated cells item by item (`(1) number` with `(1) details`).

    Placeholders keep the positions (`(1) Tunis (2) -` with `(1) Tunisia (2) Morocco`); a
    single item on one side goes with every item of the other; counts that disagree
    otherwise are not paired.
    """
    a = enumerated_slots(left) if left else (None,)
    b = enumerated_slots(right) if right else (None,)
    if len(a) == len(b):
        pairs = list(zip(a, b, strict=True))
    elif len(b) == 1:
        pairs = [(item, b[0]) for item in a]
    elif len(a) == 1:
        pairs = [(a[0], item) for item in b]
    else:
        pairs = [(item, None) for item in a] + [(None, item) for item in b]
    return [pair for pair in pairs if pair[0] or pair[1]]


_DOC_NOISE = re.compile(r"[\s.\-/]")
_NON_DIGIT = re.compile(r"[^\d+]")


# --- Other Information -------------------------------------------------------------------------

_OI_PAREN = re.compile(r"\(([^()]{1,45})\)\s*:")
_LABEL_LIKE = re.compile(r"[A-Z][A-Za-z][A-Za-z /&'.-]*$")
# UK list references are `RUS0001`; a few cells carry a UN-style reference instead (`SDi.005`).
_UK_REF = re.compile(
    r"^\s*(?P<ref>[A-Z]{2,4}\d{4}|[A-Z]{2}[A-Za-z]\.\s?\d{3})(?!\d)\.?\s*(?P<rest>.*)$", re.S
)
# a UN reference in any of its forms, current or historic (`core.un_references`)
_UN_REF = re.compile(r"^\s*" + UN_REFERENCE_IN_TEXT.pattern + r"\.?\s*(?P<rest>.*)$", re.S)
# Pre-2022 free text: `UN Ref QDi.004`, `UN REF: QI.A.146.14`, `UN Reference KPi.050`,
# `UN Ref Q.I.A.291.11.`, `UN Ref E.29.I.11.`, `UN Ref. I.AC.50.20.12.12.(1).`
_LEGACY_UN = re.compile(
    r"(?i:\bUN\s*Ref(?:erence)?\b)\s*[.:]?\s*:?\s*" + UN_REFERENCE_IN_TEXT.pattern
)
_LEGACY_UN_LABEL = re.compile(r"\bUN\s*Ref", re.IGNORECASE)


@dataclass
class OtherInfo:
    """What one `Other Information` value (or the XML's separate elements) says about a party."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    remarks: str | None = None
    unparsed: list[str] = field(default_factory=list)
    unknown_labels: list[str] = field(default_factory=list)


def parse_other_information(text_: str) -> OtherInfo:
    """Split a 2022 `Other Information` cell into its `(Label):value` pairs.

    The UK list reference and the UN reference lead their segments (`RUS0001. free text`):
    the reference is taken and the text after it is the party's free-text remark. Labels the
    parser does not know are reported (and stay inside the value they interrupt).
    """
    info = OtherInfo()
    hits: list[re.Match[str]] = []
    for hit in _OI_PAREN.finditer(text_):
        label = hit.group(1)
        if label in OI_LABELS:
            hits.append(hit)
        elif label not in OI_INLINE and _LABEL_LIKE.match(label):
            info.unknown_labels.append(label)
    free: list[str] = [text_[: hits[0].start()] if hits else text_]
    for i, hit in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(text_)
        key, value = OI_LABELS[hit.group(1)], text_[hit.end() : end].strip()
        if key in ("uk_sanctions_list_ref", "un_ref"):
            m = (_UK_REF if key == "uk_sanctions_list_ref" else _UN_REF).match(value)
            if m is None:
                if value:
                    info.unparsed.append(f"({hit.group(1)}):{value}")
                continue
            info.fields.setdefault(key, []).append(m.group("ref"))
            free.append(m.group("rest"))
        elif value:
            info.fields.setdefault(key, []).append(value)
    info.remarks = " ".join(p.strip() for p in free if p.strip()) or None
    return info


def parse_legacy_other_information(text_: str) -> OtherInfo:
    """Pre-2022 `Other Information` is free text: kept whole as the remark; the party's UN
    references are the `UN Ref …` in it, in any form (`QDi.291`, `QI.A.291.11`, `E.29.I.11`)."""
    info = OtherInfo(remarks=text_)
    if refs := [m.group("ref") for m in _LEGACY_UN.finditer(text_)]:
        info.fields["un_ref"] = list(dict.fromkeys(refs))
    elif label := _LEGACY_UN_LABEL.search(text_):
        # A UN reference in a form not recognised (`UN Ref.079`, a bare number): kept for review.
        info.unparsed.append(text_[label.start() : label.start() + 40].strip())
    return info
