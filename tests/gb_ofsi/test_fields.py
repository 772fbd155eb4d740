"""OFSI packed values: Other Information labels and enumerated cells."""

from __future__ import annotations

from gb_ofsi.fields import enumerated, parse_other_information

# --- small parsers ----------------------------------------------------------------------------


def test_other_information_labels() -> None:
    info = parse_other_information(
        "(UK Sanctions List Ref):RUS0001. Trust services. (UN Ref):QDi.001. "
        "Listed in 2001 (2008): x "
        "(Gender):Male (Hair colour):red (Phone number):(1) +7 1 (2) +7 2"
    )
    assert info.fields["uk_sanctions_list_ref"] == ["RUS0001"]
    assert info.fields["un_ref"] == ["QDi.001"]
    # An unknown label is reported and stays inside the value it interrupts.
    assert info.fields["gender"] == ["Male (Hair colour):red"]
    assert info.unknown_labels == ["Hair colour"]
    assert info.fields["phone_number"] == ["(1) +7 1 (2) +7 2"]
    assert info.remarks == "Trust services. Listed in 2001 (2008): x"


def test_other_information_unreadable_reference_is_kept() -> None:
    info = parse_other_information("(UN Ref):not a ref")
    assert "un_ref" not in info.fields
    assert info.unparsed == ["(UN Ref):not a ref"]


def test_enumerated_cells() -> None:
    assert enumerated("(1) Syria (2) Lebanon.") == ("Syria", "Lebanon")
    assert enumerated("1) Saudi Arabia 2) Qatar") == ("Saudi Arabia", "Qatar")
    assert enumerated("a) General, b) Minister") == ("General", "Minister")
    assert enumerated("(1) 6487 (2) - (3) 388181") == ("6487", "388181")
    assert enumerated("Resolution 1822 (2008)") == ("Resolution 1822 (2008)",)
    assert enumerated("-") == ()
