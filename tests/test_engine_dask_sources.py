"""The Dask engine reads rosters where they live and joins the snapshot's tiers itself.

SQL tables (read in ranges of an index column), Parquet datasets (local, hive-partitioned,
fsspec ``memory://``) and a classification snapshot joined partition by partition give the
same sample, reserve, counts and manifest (roster digest included) as the in-memory draw.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
fsspec = pytest.importorskip("fsspec")

from dualrandom.classify import classify, load_policy, save_snapshot  # noqa: E402
from dualrandom.draw import Draw, draw_sample  # noqa: E402
from dualrandom.engines import dask as engine  # noqa: E402
from dualrandom.engines.dask import draw_dask, read_dask_roster  # noqa: E402
from dualrandom.engines.tiers import TierLookup, read_tiered  # noqa: E402
from dualrandom.errors import DrawError, InputError, VerificationError  # noqa: E402
from dualrandom.io import read_table  # noqa: E402
from dualrandom.io.sources import SourceText  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RATIOS = {"A": 0.01, "B": 0.03, "C": 0.1, "D": 0.3}
AS_OF = date(2026, 11, 1)
SEEDS = ["20261122", "0042", "早春"]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()


@pytest.fixture(scope="module")
def town() -> Any:
    from dualrandom.synth import synth_city
    from dualrandom.synth.credit import synth_credit

    city = synth_city(1500, seed="sources")
    return city, synth_credit(city.entities, as_of=AS_OF, seed=7)


@pytest.fixture(scope="module")
def snapshot_file(town: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    city, records = town
    policy = load_policy(ROOT / "examples" / "policy.toml")
    snapshot = classify(city.entities, records, policy, as_of=AS_OF, history=city.history)
    return save_snapshot(snapshot, tmp_path_factory.mktemp("snap") / "snapshot.parquet")


def roster_of(town: Any) -> pd.DataFrame:
    """The bureau's roster: codes, types, industries, divisions (no tier: the snapshot has it)."""
    city, _ = town
    return city.entities[["uscc", "name", "entity_type", "industry", "division"]].copy()


def assert_same(expected: Draw, got: Draw) -> None:
    pd.testing.assert_frame_equal(got.sample, expected.sample)
    pd.testing.assert_frame_equal(got.reserve, expected.reserve)
    pd.testing.assert_frame_equal(got.counts, expected.counts)
    assert got.manifest == expected.manifest


def in_memory(town: Any, snapshot_file: Path, seed: str) -> Draw:
    """What a user gets without the engine: read, join by hand, draw in one process."""
    tiered = read_tiered(SourceText(str(snapshot_file.parent / "roster.csv"), snapshot=str(snapshot_file)))
    return draw_sample(tiered, RATIOS, seed, snapshot_digest=TierLookup.of(snapshot_file).content_digest)


@pytest.fixture(scope="module")
def roster_csv(town: Any, snapshot_file: Path) -> Path:
    path = snapshot_file.parent / "roster.csv"
    roster_of(town).to_csv(path, index=False)
    return path


# --- the join ---------------------------------------------------------------------------------


def test_lookup_gives_each_code_its_snapshot_tier_and_none_for_strangers(snapshot_file: Path) -> None:
    lookup = TierLookup.of(snapshot_file)
    table = pd.read_parquet(snapshot_file)
    picked = table.sample(200, random_state=1)
    codes = pd.concat([picked["uscc"].str.lower(), pd.Series(["91110000000000000X", "", "中文", "X" * 30])])
    got = lookup.tier_of(codes.reset_index(drop=True))
    assert list(got[:200]) == list(picked["tier"].astype(str))
    assert list(got[200:]) == [None, None, None, None]


def test_hand_join_and_engine_join_agree_with_the_snapshot_roster(town: Any, snapshot_file: Path) -> None:
    from dualrandom.classify import load_snapshot
    from dualrandom.engines.tiers import attach_tiers

    roster = roster_of(town)
    by_hand = load_snapshot(snapshot_file).tiered_roster(roster)
    mine = attach_tiers(roster, TierLookup.of(snapshot_file)).sort_values("uscc", ignore_index=True)
    assert list(mine["tier"]) == list(by_hand["tier"])


@pytest.mark.parametrize("seed", SEEDS)
def test_engine_joins_the_snapshot_and_draws_the_in_memory_sample(
    client: Any, town: Any, snapshot_file: Path, roster_csv: Path, tmp_path: Path, seed: str
) -> None:
    dataset = tmp_path / "roster"
    roster_of(town).to_parquet(dataset, partition_cols=["division"])  # hive: division=420602/...
    got = draw_dask(str(dataset), RATIOS, seed, snapshot=snapshot_file, scheduler=client)
    expected = in_memory(town, snapshot_file, seed)
    assert got.manifest["snapshot_digest"] == TierLookup.of(snapshot_file).content_digest
    assert_same(expected, got)


def test_every_roster_row_the_snapshot_lacks_is_reported(
    client: Any, town: Any, snapshot_file: Path, tmp_path: Path
) -> None:
    roster = roster_of(town)
    roster.loc[[3, 900], "uscc"] = ["91420600MA00000001", "91420600MA00000002"]
    with pytest.raises(InputError) as caught:
        draw_dask(dd.from_pandas(roster, npartitions=3, sort=False), RATIOS, "1", snapshot=snapshot_file,
                  scheduler=client)  # fmt: skip
    unclassified = [p for p in caught.value.problems if p.rule == "NOT_CLASSIFIED"]
    assert [(p.row, p.value) for p in unclassified] == [
        (5, "91420600MA00000001"),
        (902, "91420600MA00000002"),
    ]
    path = tmp_path / "roster.csv"
    roster.to_csv(path, index=False)
    with pytest.raises(InputError) as memory:
        read_tiered(SourceText(str(path), snapshot=str(snapshot_file)))
    assert [(p.row, p.value) for p in memory.value.problems] == [(p.row, p.value) for p in unclassified]


def test_a_tampered_snapshot_is_refused_and_a_foreign_digest_too(
    client: Any, town: Any, snapshot_file: Path, tmp_path: Path
) -> None:
    table = pd.read_parquet(snapshot_file)
    table["tier"] = table["tier"].astype(str).replace({"D": "A"})  # lower every high-risk entity
    forged = tmp_path / "snapshot.parquet"
    table.to_parquet(forged)
    (tmp_path / "snapshot.json").write_bytes(snapshot_file.with_suffix(".json").read_bytes())
    with pytest.raises(VerificationError, match="content digest"):
        draw_dask(roster_of(town), RATIOS, "1", snapshot=forged, scheduler=client)
    with pytest.raises(DrawError, match="is not the digest of the snapshot"):
        draw_dask(roster_of(town), RATIOS, "1", snapshot=snapshot_file, snapshot_digest="0" * 64,
                  scheduler=client)  # fmt: skip


# --- Parquet datasets and fsspec --------------------------------------------------------------


def test_hive_partition_values_stay_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"uscc": ["a", "b", "c"], "division": ["010101", "010101", "420602"]})
    frame.to_parquet(tmp_path / "d", partition_cols=["division"])
    for read in (
        lambda: read_table(str(tmp_path / "d")),
        lambda: read_dask_roster(str(tmp_path / "d"))[0].compute(),
    ):
        got = read().sort_values("uscc", ignore_index=True)
        assert list(got["division"].astype(str)) == ["010101", "010101", "420602"]


def test_memory_url_dataset_draws_the_in_memory_sample(
    client: Any, town: Any, snapshot_file: Path, roster_csv: Path
) -> None:
    memory = fsspec.filesystem("memory")
    roster = roster_of(town)
    for i, piece in enumerate(np.array_split(np.arange(len(roster)), 4)):
        with memory.open(f"/bureau/roster/part.{i}.parquet", "wb") as handle:
            roster.iloc[piece].to_parquet(handle, index=False)
    try:
        got = draw_dask("memory://bureau/roster", RATIOS, SEEDS[0], snapshot=snapshot_file, scheduler=client)
        assert_same(in_memory(town, snapshot_file, SEEDS[0]), got)
        assert read_table("memory://bureau/roster").shape == roster.shape
    finally:
        memory.rm("/bureau", recursive=True)


def test_missing_url_dataset_is_file_not_found(client: Any) -> None:
    with pytest.raises(InputError, match="FILE_NOT_FOUND"):
        read_dask_roster("memory://nowhere/roster")


# --- SQL --------------------------------------------------------------------------------------


def bureau_sqlite(path: Path, roster: pd.DataFrame, *, key: str | None) -> str:
    with sqlite3.connect(path) as connection:
        if key == "id":
            connection.execute(
                "CREATE TABLE roster (id INTEGER PRIMARY KEY, uscc TEXT, name TEXT, entity_type TEXT, "
                "industry TEXT, division TEXT)"
            )
            rows = [(i + 1, *r) for i, r in enumerate(roster.itertuples(index=False))]
            connection.executemany("INSERT INTO roster VALUES (?, ?, ?, ?, ?, ?)", rows)
        else:
            roster.to_sql("roster", connection, index=False)
    return f"sqlite:///{path}"


@pytest.mark.parametrize("key", ["id", None])
def test_sql_table_read_in_ranges_draws_the_in_memory_sample(
    client: Any,
    town: Any,
    snapshot_file: Path,
    roster_csv: Path,
    tmp_path: Path,
    monkeypatch: Any,
    key: str | None,
) -> None:
    url = bureau_sqlite(tmp_path / "bureau.db", roster_of(town), key=key)
    monkeypatch.setattr(engine, "SQL_PARTITION_ROWS", 400)  # 1500 rows -> 4 ranges
    frame, name = read_dask_roster(url, table="roster")
    assert frame.npartitions == 4
    assert name == f"{url} (table roster)"
    got = draw_dask(SourceText(url, table="roster", snapshot=str(snapshot_file)), RATIOS, SEEDS[1],
                    scheduler=client)  # fmt: skip
    expected = in_memory(town, snapshot_file, SEEDS[1])
    assert_same(expected, got)


def test_sql_mistakes_name_the_source(client: Any, town: Any, tmp_path: Path) -> None:
    url = bureau_sqlite(tmp_path / "bureau.db", roster_of(town), key="id")
    with pytest.raises(InputError, match=r"no table 'rostre'") as caught:
        read_dask_roster(url, table="rostre")
    assert caught.value.problems[0].source == f"{url} (table rostre)"
    with pytest.raises(InputError, match="no column 'code' to partition"):
        read_dask_roster(url, table="roster", index_col="code")
    query, _ = read_dask_roster(f"{url}", query="SELECT uscc, division FROM roster")
    assert len(query.compute()) == len(roster_of(town))
