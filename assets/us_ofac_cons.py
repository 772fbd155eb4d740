"""OFAC Consolidated (non-SDN) Sanctions List — `us_ofac_cons`.

OFAC's lists other than the SDN list (SSI, NS-PLC, CMIC, NS-MBS, FSE, CAPTA…), in the same
legacy CSV, classic XML and Enhanced XML formats as the SDN list, so it shares their parsers.
Live, the Enhanced XML (CONS_ENHANCED.ZIP) is canonical; in snapshot mode the CSV set is. The
other formats present are reconciled with the canonical one by `formats_agree`.
"""

from __future__ import annotations

from assets.factory import source_asset
from assets.ofac import ofac_spec
from ofac.lists import CONS

# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 442 entries (CONS_PRIM.CSV of 2025-12-19, the shipped snapshot); the list
# has carried the 78 NS-PLC entries and some 290 SSI entries for years (SOURCES.md, CSL 2022).
SANITY_FLOOR = 44

DESCRIPTION = "Consolidated (non-SDN) Sanctions List (Enhanced XML, legacy CSV set, classic XML)."

SPEC = ofac_spec(CONS, DESCRIPTION, SANITY_FLOOR)
CSV_FILES, XML_FILES, ENHANCED_FILES = (f.files for f in SPEC.formats)

asset = source_asset(SPEC)
