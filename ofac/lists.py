"""OFAC's two lists as data: the file names each publishes in the three shared formats.

The SDN list and the consolidated (non-SDN) list are read by the same parsers
(`ofac.legacy_csv`, `ofac.classic_xml`, `ofac.enhanced`); an `OfacList` binds them to one
list's file names and source name. The parsers are imported when a list is parsed, not with
this module: the Dagster definitions read the file names (`assets/ofac.py`) and must stay light.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.canonical import ParseResult


@dataclass(frozen=True)
class OfacList:
    """One OFAC list: its source name and its files (legacy CSV set, classic XML, Enhanced XML).

    `csv_names` are the primary file, the addresses, the aliases and the remarks continuation
    file, in that order; only the primary file is in every snapshot.
    """

    source: str
    csv_names: tuple[str, str, str, str]
    xml_name: str
    enhanced_name: str

    def parse_csv(self, files: Mapping[str, bytes]) -> ParseResult:
        """The legacy CSV set → canonical tables."""
        from ofac.legacy_csv import parse_csv_set

        return parse_csv_set(files, self.source, *self.csv_names)

    def parse_xml(self, files: Mapping[str, bytes]) -> ParseResult:
        """The classic XML → canonical tables."""
        from ofac.classic_xml import parse_xml_file

        return parse_xml_file(self.xml_name, files[self.xml_name], self.source)

    def parse_enhanced_xml(self, files: Mapping[str, bytes]) -> ParseResult:
        """The Enhanced XML (bare, or zipped for the consolidated list) → canonical tables."""
        from ofac.enhanced import parse_enhanced

        return parse_enhanced(files, self.source, self.enhanced_name)


SDN = OfacList(
    source="us_ofac_sdn",
    csv_names=("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV"),
    xml_name="SDN.XML",
    enhanced_name="SDN_ENHANCED.XML",
)
CONS = OfacList(
    source="us_ofac_cons",
    csv_names=("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV"),
    xml_name="CONSOLIDATED.XML",
    enhanced_name="CONS_ENHANCED.ZIP",
)
