"""UN Security Council reference numbers in every form the lists have written them.

The UN numbers each listed party per committee (`QDi.291`: the ISIL/Al-Qaida list,
individual 291). Older files use earlier forms, and the lists copy them unchanged:

- 1267 committee, before its 2011 split: `QI.A.291.11` (Al-Qaida individual, letter of the
  name, number, year listed), `QE.A.12.01` (entity), `TI.Z.168.04` / `TE.H.12.01` (Taliban).
  OFSI files a party under one Group ID for life, so the 2018 CSV and the 2023 XLSX give both
  forms for one party: all 331 such pairs keep the number (153 `QI`→`QDi`, 64 `QE`→`QDe`,
  110 `TI`→`TAi`, 4 `TE`→`TAe`; the 2025 XLSX agrees). One Group ID changed reference outright
  (13135, `QE.A.137.14` then `QDi.338`: another entry, not another form). So the mapping is
  certain: `QI.A.291.11` → `QDI.291`, `QE.A.12.01` → `QDE.012`, `TI` → `TAI`, `TE` → `TAE`.
  The UK 2018 file also writes `Q.I.A.291.11` (a dot too many) and `QD1.410` (a one for `i`).
- 1737 (Iran) and 1518 (Iraq) committee numbers: `E.29.I.11`, `I.47.D.2`,
  `I.AC.50.18.04.12.(1)`, `E.03.III.5`. Their number bears no relation to today's (`IRi.…`),
  so they are kept as they are, compacted; the UN publishes each party's older number in its
  comments (`[Old Reference # I.47.D.2]`), which the UN parser files as a second
  `un_reference` of the party: the old form links through it.

`un_reference_key` gives the one key a reference is compared on; parsers store it as the
identifier's `normalized` value and keep the published one as `value`.
"""

from __future__ import annotations

import re

# the current form: two letters, `i`/`e` (a one or an upper-case I written for `i`), number
_CURRENT = re.compile(r"([A-Z]{2})([IE1])\.?0*(\d{1,4})")
# the 1267 committee's form before 2011: QI/QE/TI/TE, letter of the name, number, year
_CONSOLIDATED_1267 = re.compile(r"([QT])\.?([IE])\.([A-Z])\.0*(\d{1,4})\.(\d{2})")
_1267_LISTS = {"Q": "QD", "T": "TA"}
# committee numbers without a current counterpart (Iran 1737, Iraq 1518): letter, numbers
# and roman or letter parts, possibly a bracketed sequence (`I.AC.50.18.04.12.(1)`)
_COMMITTEE = re.compile(
    r"[EI]\.(?:[A-Z]{1,3}\.)?\d{1,2}\.(?:[A-Z]{1,3}|\d{1,2})(?:\.\d{1,2})*(?:\.?\(\d\))?"
)

# Any form inside free text (`UN Ref QI.A.291.11.`, `UN Ref E.29.I.11.`): longest forms first
UN_REFERENCE_IN_TEXT = re.compile(
    r"(?P<ref>"
    r"[QT]\.?[IE]\.[A-Z]\.\d{1,4}\.\d{2}"
    r"|[EI]\.(?:[A-Z]{1,3}\.)?\d{1,2}\.(?:[A-Z]{1,3}|\d{1,2})(?:\.\d{1,2})*(?:\.?\(\d\))?"
    r"|[A-Z]{2}[A-Za-z1]\.\s?\d{3}"
    r")(?![\d(])"
)
# `[Old Reference # I.47.D.2]` in the UN's comments
OLD_REFERENCE = re.compile(r"Old Reference\s*#\s*(?P<ref>[^\]]+?)\s*\]")


def un_reference_key(value: str | None) -> str | None:
    """The key a UN reference is compared on, in its current form where the mapping is certain.

    `QDi.012`, `QDI.12`, `CDi. 038` → `QDI.012`, `CDI.038`; `QI.A.291.11` → `QDI.291`;
    `TE.H.12.01` → `TAE.012`; `E.29.I.11` → `E.29.I.11` (no certain current form).
    """
    if value is None:
        return None
    compact = re.sub(r"\s+", "", value).upper().strip(".")
    if not compact:
        return None
    if hit := _CONSOLIDATED_1267.fullmatch(compact):
        listed, kind, _, number, _ = hit.groups()
        return f"{_1267_LISTS[listed]}{kind}.{int(number):03d}"
    if hit := _CURRENT.fullmatch(compact):
        prefix, kind, number = hit.groups()
        return f"{prefix}{'I' if kind == '1' else kind}.{int(number):03d}"
    # a committee number (`E.29.I.11`) or a form not known: compared as published, compacted
    return compact


def is_un_reference(value: str) -> bool:
    """Whether `value` is a UN reference in one of the known forms (current or historic)."""
    compact = re.sub(r"\s+", "", value).upper().strip(".")
    return bool(
        _CONSOLIDATED_1267.fullmatch(compact)
        or _CURRENT.fullmatch(compact)
        or _COMMITTEE.fullmatch(compact)
    )


def old_references(comment: str | None) -> list[str]:
    """The older numbers the UN gives a party in its comments (`[Old Reference # E.29.I.11]`)."""
    if not comment:
        return []
    return [hit.group("ref") for hit in OLD_REFERENCE.finditer(comment)]
