"""UN references in every form: the current key, the historic forms mapped where certain."""

import pytest

from core.un_references import UN_REFERENCE_IN_TEXT, old_references, un_reference_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("QDi.012", "QDI.012"),
        ("QDI.12", "QDI.012"),
        ("CDi. 038", "CDI.038"),
        ("QD1.410", "QDI.410"),  # UK 2018, Group ID 13539: a one for `i`
        ("QI.A.291.11", "QDI.291"),
        ("Q.I.A.291.11", "QDI.291"),  # UK 2018, Group ID 11743
        ("QE.A.12.01", "QDE.012"),
        ("TI.Z.168.04", "TAI.168"),
        ("TE.H.10.12", "TAE.010"),
        ("E.29.I.11", "E.29.I.11"),  # no certain current form: compared as published
        ("I.47.D.2", "I.47.D.2"),
        ("I.AC.50.18.04.12.(1)", "I.AC.50.18.04.12.(1)"),
        ("", None),
        (None, None),
    ],
)
def test_un_reference_key(raw: str | None, key: str | None) -> None:
    assert un_reference_key(raw) == key


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        # real `Other Information` openings of the 2018 OFSI CSV
        ("UN Ref QI.A.12.01. Mother's name", "QI.A.12.01"),
        ("UN Ref E.29.I.11. Passport", "E.29.I.11"),
        ("UN Ref. I.AC.50.20.12.12.(1).", "I.AC.50.20.12.12.(1)"),
        ("UN Ref.KPI.066.", "KPI.066"),
        ("UN Ref E.03.III.5.", "E.03.III.5"),
    ],
)
def test_reference_found_in_text(text: str, ref: str) -> None:
    hit = UN_REFERENCE_IN_TEXT.search(text)
    assert hit is not None and hit.group("ref") == ref


def test_old_references_in_un_comments() -> None:
    # UN 2026-02-27, AZIM AGHAJANI (IRi.003) and ALI AKBAR AHMADIAN (IRi.004)
    assert old_references("Involved in ... [Old Reference # I.AC.50.18.04.12.(1)]") == [
        "I.AC.50.18.04.12.(1)"
    ]
    assert old_references("[Old Reference #E.29.I.22].") == ["E.29.I.22"]
    assert old_references(None) == []
