"""OFAC Specially Designated Nationals (SDN) list — `us_ofac_sdn`.

Published by the US Treasury's Office of Foreign Assets Control several times a week. Live,
the Enhanced XML (SDN_ENHANCED.XML) is canonical; in snapshot mode the legacy CSV set is (it
is what every snapshot holds). The other formats present are parsed too and reconciled with
the canonical one by the `formats_agree` check.
"""

from __future__ import annotations

from assets.factory import source_asset
from assets.ofac import ofac_spec
from ofac.lists import SDN

# Sanity floor (SourceSpec.sanity_floor): a tenth of the smallest size the list is known to have
# published, so only an empty or near-empty file falls under it; a real shrink is judged
# against the list's own previous publication by `no_sudden_shrink`.
# Smallest known: 5,974 entries on 2018-01-01 (7,345 on 2018-12-05 less the 1,371 added that
# year: sanctions-intelligence.com, "Global sanctions lists: comparison by numbers", Dec 2018);
# 8,062 at the end of 2019; 13,821 in 2023-12 and 14,965 in 2024-05 (the shipped snapshots).
SANITY_FLOOR = 597

DESCRIPTION = "Specially Designated Nationals and Blocked Persons list (Enhanced XML, legacy CSV set, classic XML)."

SPEC = ofac_spec(SDN, DESCRIPTION, SANITY_FLOOR)
CSV_FILES, XML_FILES, ENHANCED_FILES = (f.files for f in SPEC.formats)

asset = source_asset(SPEC)
