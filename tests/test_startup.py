"""Loading the Dagster definitions stays light (issue #17): `import definitions`, which every
`dagster dev`, daemon and run worker pays before any asset runs, loads no parser, validation,
chart or FtM library; those are imported when an asset runs. How long it takes is measured by
`bench/bench_startup.py`, not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from assets import eu_fsf, gb_ofsi, us_ofac_sdn
from schemas.eu_fsf import MODELS as EU_MODELS
from schemas.gb_ofsi import XLSX_MODELS

ROOT = Path(__file__).resolve().parent.parent
# what `import definitions` loaded before (with the seconds -X importtime gave each on this
# machine, warm caches): pandera 1.9 with pandas 1.4, followthemoney 1.4 with sqlalchemy 0.6,
# polars 1.1 under load 12 (its type maps and table constants were at module level in about 15
# modules), httpx 0.2, antlr4 (Dagster's selection parser) 0.1, duckdb, rapidfuzz, lxml,
# fastexcel, pycountry
HEAVY = (
    "antlr4",
    "duckdb",
    "fastexcel",
    "followthemoney",
    "httpx",
    "lxml",
    "matplotlib",
    "nomenklatura",
    "numpy",
    "pandas",
    "pandera",
    "polars",
    "pyarrow",
    "pycountry",
    "rapidfuzz",
    "sqlalchemy",
    "text_unidecode",
)
# the parser modules of each list and of trade, the matcher, the change feed, the FtM export and
# the Pandera models: imported when an asset runs
PARSERS = (
    "core.canonical",
    "core.changes",
    "eu_fsf.xml",
    "ftm.export",
    "gb_fcdo.xml",
    "gb_ofsi.xlsx",
    "ofac.enhanced",
    "ofac.legacy_csv",
    "reconcile.divergence",
    "trade.tables",
    "un_sc.xml",
    "us_csl.csv",
    "schemas.canonical",
    "schemas.ofac",
)


def loaded_by_definitions(tmp_path: Path) -> dict[str, object]:
    """What a fresh interpreter has in `sys.modules` after `import definitions`."""
    names = [*HEAVY, *PARSERS]
    code = (
        "import json, sys, definitions; "
        f"print(json.dumps({{'loaded': [m for m in {names!r} if m in sys.modules], "
        "'assets': sorted(k.to_user_string() for a in definitions.defs.assets for k in a.keys)}))"
    )
    env = {**os.environ, "SANCTIONS_DATA_DIR": str(tmp_path), "SANCTIONS_MODE": "snapshot"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_definitions_load_no_heavy_library(tmp_path: Path) -> None:
    found = loaded_by_definitions(tmp_path)
    assert found["loaded"] == []
    # and they are the whole definitions: every list, trade, reconciliation and publishing
    for key in ("us_ofac_sdn", "eu_fsf", "gb_ofsi", "un_sc", "us_csl", "gb_fcdo", "us_ofac_cons"):
        assert key in found["assets"]
    for key in ("cepii_baci", "trade_indicators", "reconciliation", "published_version"):
        assert key in found["assets"]


def test_declarations_name_the_real_parsers_and_models() -> None:
    # the lazy names resolve to the parser modules' functions and the schemas' models
    fmt = eu_fsf.SPEC.format("xml")
    assert fmt.parse.__name__ == "parse_xml"
    assert dict(fmt.staged_models) == EU_MODELS
    xlsx = gb_ofsi.SPEC.format("xlsx")
    assert dict(xlsx.staged_models) == XLSX_MODELS
    assert list(xlsx.staged_models) == list(XLSX_MODELS)
    # OFAC's parse entry points import their parser on the first call: a real file parses
    folder = ROOT / "snapshots" / "us_ofac_sdn" / "2023-12-28"
    files = {f.name: (folder / f.name).read_bytes() for f in us_ofac_sdn.CSV_FILES}
    result = us_ofac_sdn.SPEC.format("csv").parse(files)
    assert result.entry_count == 13821
