"""core.records: the first differing header column and the first bad record, as the list
readers (eu_fsf, gb_fcdo, gb_ofsi) word them; cut from the real OFSI 2022 CSV excerpt."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from core.records import first_bad_record, first_difference


@pytest.fixture(scope="module")
def conlist(fixtures: Path) -> list[str]:
    """Lines of the OFSI ConList.csv excerpt: `Last Updated`, the 36-column header, rows."""
    return (fixtures / "gb_ofsi" / "ConList_excerpt.csv").read_text("utf-8").splitlines()


def test_first_difference(conlist: list[str]) -> None:
    header = next(csv.reader([conlist[1]]))
    assert len(header) == 36 and header[0] == "Name 6"
    assert first_difference(header, header) == 36
    changed = [*header[:3], "Surname", *header[4:]]
    assert first_difference(changed, header) == 3
    assert first_difference(header[:20], header) == 20  # a prefix: where it ends
    assert first_difference(header, header[:20]) == 20


def test_first_bad_record_counts_fields(conlist: list[str]) -> None:
    body = "\n".join(conlist[1:]) + "\n"
    assert first_bad_record(body, 36) is None
    lines = conlist[1:]
    lines[3] = lines[3].rsplit(",", 2)[0]  # two fields cut off the fourth record
    bad = first_bad_record("\n".join(lines), 36)
    assert (bad.index, bad.line, bad.fields, bad.error) == (3, 4, 34, None)
    # the header is record 0 and can be skipped; empty records are passed over unless asked
    assert first_bad_record("\n".join(lines), 36, skip=4) is None
    with_blank = "\n".join([lines[0], "", *lines[1:3]])
    assert first_bad_record(with_blank, 36) is None
    blank = first_bad_record(with_blank, 36, skip_empty=False)
    assert (blank.index, blank.fields) == (1, 0)


def test_first_bad_record_broken_quote(conlist: list[str]) -> None:
    lines = conlist[1:4]
    lines[2] = lines[2].replace(",", ',"x"y', 1)  # a quote closed in the middle of a field
    bad = first_bad_record("\n".join(lines), 36, strict=True)
    assert (bad.index, bad.fields, bad.error) == (2, 0, "',' expected after '\"'")
    assert bad.line == 3
    cut = conlist[1:4]
    cut[1] = cut[1].rsplit(",", 1)[0]
    semicolons = first_bad_record("\n".join(cut).replace(",", ";"), 36, delimiter=";")
    assert semicolons is not None and (semicolons.index, semicolons.fields) == (1, 35)


def test_lax_reading_lets_the_csv_error_through() -> None:
    huge = "a,b\nc," + "d" * (csv.field_size_limit() + 1) + "\n"
    with pytest.raises(csv.Error, match="field larger than field limit"):
        first_bad_record(huge, 2)
    assert first_bad_record(huge, 2, strict=True).error.startswith("field larger")


def test_first_bad_record_names_the_line_a_record_begins_on(fixtures: Path) -> None:
    # the real CSL CSV excerpt: a quoted value spans lines, so a record may end lines after it begins
    text = (fixtures / "us_csl" / "csl.csv").read_text("utf-8")
    reader = csv.reader(io.StringIO(text))
    rows, ends = [], [0]
    for row in reader:
        rows.append(row)
        ends.append(reader.line_num)
    width = len(rows[0])
    multi = next(i for i, row in enumerate(rows) if any("\n" in value for value in row))
    assert ends[multi + 1] > ends[multi] + 1  # it does span lines
    # the multi-line record loses its last field: it is named by the line it begins on
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([*rows[:multi], rows[multi][:-1]])
    bad = first_bad_record(out.getvalue(), width, skip_empty=False)
    assert bad is not None
    assert (bad.index, bad.fields, bad.start) == (multi, width - 1, ends[multi] + 1)
    assert bad.line > bad.start
