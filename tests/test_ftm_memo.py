"""The FtM export's memo (`ftm/memo.py`) on the real SDN 2023-12-28 CSV set and on the same set
changed by about 1 % (`bench.bench_history.mutate`, the synthetic publications of the history
bench): a warm build after the change is byte-identical to a cold one, and rebuilds only the
changed parties; a corrupt memo is detected and rebuilt; new code starts a new memo."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import polars as pl
import pytest

import ftm.memo
from bench.bench_history import FILES, REAL, mutate, newline, records
from core.canonical import TABLE_NAMES
from ftm.assertions import list_metrics
from ftm.export import Export, build_export
from ftm.history_statements import current_tables
from ftm.memo import CACHE
from ofac.legacy_csv import parse_csv_set
from un_sc.constants import FILE_NAME
from un_sc.xml import parse_consolidated

SOURCE = "us_ofac_sdn"
ROOT = Path(__file__).resolve().parent.parent


def tables_of(files: dict[str, bytes], publication: str) -> dict[str, pl.DataFrame]:
    tables = parse_csv_set(files, SOURCE, *FILES).tables
    tables = {k: v.with_columns(publication_id=pl.lit(publication)) for k, v in tables.items()}
    tables["publications"] = tables_of_publication(SOURCE, publication)
    return tables


def tables_of_publication(source: str, publication: str) -> pl.DataFrame:
    return pl.DataFrame(
        {"source": [source], "publication_id": [publication], "url": [None]},
        schema={"source": pl.String, "publication_id": pl.String, "url": pl.String},
    )


@pytest.fixture(scope="module")
def sdn() -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """The real set, and the next synthetic publication (1 % of the parties changed)."""
    real = {name: (REAL / name).read_bytes() for name in FILES}
    current = {name: records(data) for name, data in real.items()}
    changed, _ = mutate(current, random.Random(20231228), 1_000_000)
    files = {
        name: newline(real[name]).join(lines) + newline(real[name]) + b"\x1a"
        for name, lines in changed.items()
    }
    return tables_of(real, f"{SOURCE}-2023-12-28"), tables_of(files, f"{SOURCE}-2024-01-02")


def same(a: Export, b: Export) -> None:
    assert a.data() == b.data()  # byte for byte
    assert a.stats.to_dict() == b.stats.to_dict()  # index.json's export counts and notes
    assert a.parties == b.parties  # what the list's metrics read
    # which are all they read of the whole export
    assert list_metrics(b.parties) == list_metrics(b.entities())


def changed_parties(before: dict[str, pl.DataFrame], after: dict[str, pl.DataFrame]) -> set[str]:
    """The parties of `after` whose rows differ from `before` (any table but `rejects`), and
    the holders of links to parties gone (their links change)."""
    out: set[str] = set()
    for name, df in after.items():
        key = "from_entity_id" if name == "relationships" else "entity_id"
        if key not in df.columns or name == "rejects":
            continue
        cols = [c for c in df.columns if c not in ("publication_id", key)]

        def rows(frame: pl.DataFrame, key: str = key, cols: list[str] = cols) -> pl.DataFrame:
            return frame.group_by(key).agg(
                pl.struct(cols).struct.json_encode().sort().str.join("|").alias("rows")
            )

        both = rows(df).join(rows(before[name]), on=key, how="full", coalesce=True)
        out |= set(both.filter(pl.col("rows").ne_missing(pl.col("rows_right")))[key])
    return out & set(after["entities"]["entity_id"])


def test_warm_after_one_percent_change_is_byte_identical(
    sdn: tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]], tmp_path: Path
) -> None:
    before, after = sdn
    memo = tmp_path / CACHE
    first = build_export(before, memo)
    assert first.stats.memo == {"reused": 0, "built": 13821, "rejected": 0}
    cold = build_export(after, None)
    warm = build_export(after, memo)
    same(cold, warm)
    parties = after["entities"].height
    assert parties == 13821  # 0.3 % removed, 0.3 % added
    # the parties whose rows changed (0.3 % added, 0.4 % renamed or re-programmed) and the
    # holders of links to the 0.3 % removed: about 1 %, the rest from the memo
    assert warm.stats.memo["built"] < parties // 50
    assert warm.stats.memo["reused"] + warm.stats.memo["built"] == parties
    assert warm.stats.memo["built"] == len(changed_parties(before, after)) == 70
    # the same version again: nothing built
    again = build_export(after, memo)
    same(cold, again)
    assert again.stats.memo == {"reused": parties, "built": 0, "rejected": 0}


def test_one_list_reuses_the_version_export(
    sdn: tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]], tmp_path: Path
) -> None:
    """A publication's statements are exported from its list's tables alone
    (`ftm.history_statements.current_tables`) after the version's export of every list: each
    of its parties is taken from the memo, though the real UN list has no relationships where
    the SDN has some, and the lines are those of a build without memo."""
    real, _ = sdn
    un = parse_consolidated((ROOT / "snapshots" / "un_sc" / "2026-02-27" / FILE_NAME).read_bytes())
    un_tables = {
        k: v.with_columns(publication_id=pl.lit("un_sc-2026-02-27")) for k, v in un.tables.items()
    }
    assert un_tables["relationships"].is_empty() and not real["relationships"].is_empty()
    tables = {name: pl.concat([real[name], un_tables[name]]) for name in TABLE_NAMES}
    tables["publications"] = pl.concat(
        [real["publications"], tables_of_publication("un_sc", "un_sc-2026-02-27")]
    )
    memo = tmp_path / CACHE
    assert build_export(tables, memo).stats.memo["built"] == 1003 + real["entities"].height
    for source, publication in (("un_sc", "un_sc-2026-02-27"), (SOURCE, f"{SOURCE}-2023-12-28")):
        one = current_tables(tables, source, {"publication_id": publication, "url": None})
        warm = build_export(one, memo, lines_only=True)
        assert warm.stats.memo == {
            "reused": one["entities"].height,
            "built": 0,
            "rejected": 0,
        }, source
        assert warm.data() == build_export(one, None, lines_only=True).data(), source


def test_link_target_gone_rebuilds_its_holders(
    sdn: tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]], tmp_path: Path
) -> None:
    """A party's entities depend on the parties it links to (their schema, their presence):
    the party most linked to leaving the list changes the links of every party linked to it
    (they become notes: "relationship target not in the lists")."""
    before, _ = sdn
    memo = tmp_path / CACHE
    build_export(before, memo)
    rels = before["relationships"].drop_nulls("to_entity_id")
    target = rels["to_entity_id"].mode().sort()[0]
    holders = rels.filter(pl.col("to_entity_id") == target)
    assert (target, holders["from_entity_id"].n_unique()) == ("us_ofac_sdn-37810", 169)
    gone = {
        name: df.filter(pl.col("entity_id") != target) if "entity_id" in df.columns else df
        for name, df in before.items()
    }
    warm = build_export(gone, memo)
    same(build_export(gone, None), warm)
    assert warm.stats.memo["built"] == holders["from_entity_id"].n_unique()


def small(tables: dict[str, pl.DataFrame], n: int = 500) -> dict[str, pl.DataFrame]:
    keep = tables["entities"]["entity_id"].head(n)
    return {
        name: df.filter(pl.col("entity_id").is_in(keep.implode()))
        if "entity_id" in df.columns
        else df
        for name, df in tables.items()
    }


def test_corrupt_memo_is_detected_and_rebuilt(
    sdn: tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tables = small(sdn[0])
    memo = tmp_path / CACHE
    cold = build_export(tables, memo)
    (path,) = memo.glob(f"{SOURCE}.*.parquet")
    # an entry altered in place (its digest left as it was): that one party is rebuilt
    df = pl.read_parquet(path)
    tampered = df.with_columns(
        lines=pl.when(pl.int_range(pl.len()) == 7)
        .then(pl.col("lines").str.replace("us_ofac_sdn", "eu_fsf"))
        .otherwise(pl.col("lines"))
    )
    assert not tampered.equals(df)
    tampered.write_parquet(path)
    with caplog.at_level(logging.WARNING, logger="ftm.memo"):
        warm = build_export(tables, memo)
    same(cold, warm)
    assert warm.stats.memo == {"reused": 499, "built": 1, "rejected": 1}
    assert "fail their digest" in caplog.text
    # a file cut short (a crash while copying it): unreadable, everything rebuilt
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="ftm.memo"):
        again = build_export(tables, memo)
    same(cold, again)
    assert again.stats.memo == {"reused": 0, "built": 500, "rejected": 1}
    assert "unreadable" in caplog.text
    assert build_export(tables, memo).stats.memo["reused"] == 500  # rewritten whole


def test_new_code_starts_a_new_memo(
    sdn: tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tables = small(sdn[0])
    memo = tmp_path / CACHE
    cold = build_export(tables, memo)
    (old,) = memo.glob(f"{SOURCE}.*.parquet")
    assert ftm.memo.export_code_version() in old.name
    monkeypatch.setattr(ftm.memo, "export_code_version", lambda: "0123456789abcdef")
    changed = build_export(tables, memo)
    same(cold, changed)
    assert changed.stats.memo == {"reused": 0, "built": 500, "rejected": 0}
    assert [p.name for p in memo.glob(f"{SOURCE}.*.parquet")] == [
        f"{SOURCE}.0123456789abcdef.parquet"
    ]
