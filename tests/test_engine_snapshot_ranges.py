"""A stored snapshot is joined range by range on Dask: same tiers, same draw, tampering refused.

The snapshot dataset (``part.<i>.parquet`` in code order, any number of row groups, empty
parts included) is digest-checked on the client; each roster partition's codes are routed to
the units (row groups) whose ranges hold them, each unit is read once and checked against the
fingerprint noted while digesting, and the tiers come back in row order. The result equals
the broadcast lookup and the in-memory draw for every partitioning of both sides.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from dualrandom.classify import ClassificationSnapshot, classify, load_policy  # noqa: E402
from dualrandom.draw import Draw, draw_sample  # noqa: E402
from dualrandom.engines._ranges import attach_ranges, look_up, open_ranges, place, route  # noqa: E402
from dualrandom.engines.dask import classify_dask, draw_dask  # noqa: E402
from dualrandom.engines.tiers import TierLookup, attach_tiers  # noqa: E402
from dualrandom.errors import InputError, VerificationError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RATIOS = {"A": 0.05, "B": 0.1, "C": 0.2, "D": 0.4}
AS_OF = date(2026, 11, 1)
SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()


@pytest.fixture(scope="module")
def town() -> tuple[pd.DataFrame, ClassificationSnapshot]:
    from dualrandom.synth import synth_city
    from dualrandom.synth.credit import synth_credit

    city = synth_city(900, seed="ranges")
    records = synth_credit(city.entities, as_of=AS_OF, seed=3)
    snapshot = classify(city.entities, records, load_policy(ROOT / "examples" / "policy.toml"), as_of=AS_OF)
    roster = city.entities[["uscc", "entity_type", "industry", "division"]]
    return roster, snapshot


def write_dataset(snapshot: ClassificationSnapshot, folder: Path, cuts: Sequence[int], group: int) -> Path:
    """The snapshot as ``part.<i>.parquet`` cut at ``cuts`` (repeats: empty parts), groups of ``group``."""
    folder.mkdir(parents=True)
    edges = [0, *sorted(cuts), len(snapshot.table)]
    for i, (a, b) in enumerate(itertools.pairwise(edges)):
        table = pa.Table.from_pandas(snapshot.table.iloc[a:b], preserve_index=False)
        pq.write_table(table, folder / f"part.{i}.parquet", row_group_size=max(group, 1))
    folder.with_suffix(".json").write_text(json.dumps(snapshot.metadata()), encoding="utf-8")
    return folder


def in_memory(roster: pd.DataFrame, snapshot: ClassificationSnapshot, seed: str) -> Draw:
    tiered = attach_tiers(roster, TierLookup.of(snapshot))
    return draw_sample(tiered, RATIOS, seed, snapshot_digest=snapshot.content_digest)


def assert_same(expected: Draw, got: Draw) -> None:
    pd.testing.assert_frame_equal(got.sample, expected.sample)
    pd.testing.assert_frame_equal(got.reserve, expected.reserve)
    for key in ("roster_digest", "snapshot_digest", "counts", "thresholds"):
        assert got.manifest.get(key) == expected.manifest.get(key), key


def parts_of(frame: pd.DataFrame, cuts: Sequence[int]) -> Any:
    edges = [0, *sorted(cuts), len(frame)]
    pieces = [frame.iloc[a:b] for a, b in itertools.pairwise(edges)]
    return dd.from_delayed([dask.delayed(p) for p in pieces], meta=frame.iloc[:0])


def tiers_by_ranges(part: pd.DataFrame, folder: Path) -> list[Any]:
    """Route, look up and place one partition without a cluster."""
    ranges = open_ranges(folder)
    routed = route(part, ranges.bounds())
    found = [look_up(u, ranges.labels, [piece])[0] for u, piece in zip(ranges.units, routed[1], strict=False)]
    return list(attach_ranges(part, place(routed, found), ranges)["tier"])


@settings(max_examples=25, deadline=None, suppress_health_check=SLOW)
@given(
    cuts=st.lists(st.integers(0, 900), max_size=6),
    group=st.integers(60, 400),
    picks=st.lists(st.integers(0, 899), min_size=0, max_size=300),
)
def test_ranges_give_every_code_the_broadcast_tier(
    town: Any, tmp_path_factory: pytest.TempPathFactory, cuts: list[int], group: int, picks: list[int]
) -> None:
    roster, snapshot = town
    folder = write_dataset(snapshot, tmp_path_factory.mktemp("r") / "snap", cuts, group)
    codes = roster["uscc"].iloc[picks].tolist()  # repeats included
    codes += [c.lower() for c in codes[:5]] + [" " + c for c in codes[5:8]]  # normalised before the join
    codes += ["91110000000000000X", "", "中文", "X" * 30, "0", "ZZZZZZZZZZZZZZZZZZZ"]  # strangers
    part = pd.DataFrame({"uscc": codes}).sample(frac=1.0, random_state=len(picks))
    expected = list(TierLookup.of(snapshot).tier_of(part["uscc"]))
    assert tiers_by_ranges(part, folder) == expected


def test_a_partition_read_back_in_another_order_joins_itself_again(town: Any, tmp_path: Path) -> None:
    roster, snapshot = town
    folder = write_dataset(snapshot, tmp_path / "snap", [100, 100, 500], 64)
    ranges = open_ranges(folder)
    routed = route(roster, ranges.bounds())
    found = [look_up(u, ranges.labels, [p])[0] for u, p in zip(ranges.units, routed[1], strict=True)]
    placed = place(routed, found)
    again = roster.iloc[::-1]  # the source gave its rows in another order on the second read
    got = attach_ranges(again, placed, ranges)
    assert list(got["tier"]) == list(TierLookup.of(snapshot).tier_of(again["uscc"]))


@settings(max_examples=4, deadline=None, suppress_health_check=SLOW)
@given(
    snapshot_cuts=st.lists(st.integers(0, 900), max_size=5),
    group=st.integers(20, 500),
    roster_cuts=st.lists(st.integers(0, 900), max_size=4),
    seed=st.sampled_from(["20261122", "0042", "早春"]),
)
def test_multi_part_snapshot_draw_equals_in_memory(
    client: Any, town: Any, tmp_path_factory: pytest.TempPathFactory,
    snapshot_cuts: list[int], group: int, roster_cuts: list[int], seed: str,
) -> None:  # fmt: skip
    roster, snapshot = town
    folder = write_dataset(snapshot, tmp_path_factory.mktemp("d") / "snap", snapshot_cuts, group)
    got = draw_dask(parts_of(roster, roster_cuts), RATIOS, seed, snapshot=folder, scheduler=client)
    assert_same(in_memory(roster, snapshot, seed), got)


def test_classify_dask_dataset_feeds_the_draw_without_a_broadcast(
    client: Any, town: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dualrandom.synth import synth_city
    from dualrandom.synth.credit import synth_credit

    city = synth_city(900, seed="ranges")
    records = synth_credit(city.entities, as_of=AS_OF, seed=3)
    policy = load_policy(ROOT / "examples" / "policy.toml")
    made = classify_dask(parts_of(city.entities, [200, 200, 650]), records, policy, as_of=AS_OF,
                         output=tmp_path / "snap", scheduler=client)  # fmt: skip
    assert len(made.parts()) == 4

    def refused(*_: Any) -> Any:
        raise AssertionError("a stored snapshot must not be broadcast whole")

    monkeypatch.setattr(TierLookup, "of", refused)
    roster = city.entities[["uscc", "entity_type", "industry", "division"]]
    got = draw_dask(parts_of(roster, [450]), RATIOS, "7", snapshot=tmp_path / "snap", scheduler=client)
    monkeypatch.undo()
    assert got.manifest["snapshot_digest"] == made.content_digest
    assert_same(in_memory(roster, made.to_snapshot(), "7"), got)


def rewrite(path: Path, change: Any) -> None:
    table = pq.read_table(path).to_pandas()
    pq.write_table(pa.Table.from_pandas(change(table), preserve_index=False), path)


def test_a_unit_changed_after_its_digest_was_checked_is_refused(
    client: Any, town: Any, tmp_path: Path
) -> None:
    roster, snapshot = town
    folder = write_dataset(snapshot, tmp_path / "snap", [300, 600], 1000)
    ranges = open_ranges(folder)  # checked now ...
    lowered = {"D": "A", "C": "A", "B": "A"}
    rewrite(folder / "part.1.parquet", lambda t: t.assign(tier=t["tier"].astype(str).replace(lowered)))
    with pytest.raises(VerificationError, match=r"part\.1\.parquet \(row group 0\) changed since"):
        draw_dask(roster, RATIOS, "1", snapshot=ranges, scheduler=client)  # ... read later
    with pytest.raises(VerificationError, match="content digest"):
        open_ranges(folder)


def test_parts_out_of_order_or_missing_are_refused(town: Any, tmp_path: Path) -> None:
    _, snapshot = town
    folder = write_dataset(snapshot, tmp_path / "snap", [300, 600], 1000)
    (folder / "part.0.parquet").rename(tmp_path / "first")
    (folder / "part.2.parquet").rename(folder / "part.0.parquet")
    (tmp_path / "first").rename(folder / "part.2.parquet")
    with pytest.raises(VerificationError):
        open_ranges(folder)
    folder.with_suffix(".json").unlink()
    with pytest.raises(InputError, match="file not found"):
        open_ranges(folder)
    with pytest.raises(InputError, match="no part"):
        (tmp_path / "nothing").mkdir()
        open_ranges(tmp_path / "nothing")


def test_an_unsorted_dataset_with_a_matching_digest_is_refused(town: Any, tmp_path: Path) -> None:
    _, snapshot = town
    shuffled = snapshot.table.sample(frac=1.0, random_state=2).reset_index(drop=True)
    from dualrandom.classify.snapshot import content_digest

    digest = content_digest(shuffled, version=snapshot.version, as_of=AS_OF,
                            policy_sha=snapshot.policy_digest, presorted=True)  # fmt: skip
    forged = ClassificationSnapshot(
        snapshot.version, AS_OF, snapshot.policy, snapshot.policy_digest, shuffled, digest
    )
    folder = write_dataset(forged, tmp_path / "snap", [], 1000)
    with pytest.raises(VerificationError, match="not in ascending order"):
        open_ranges(folder)


def test_cli_classifies_and_draws_with_a_dataset_snapshot(town: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dualrandom.cli import main
    from dualrandom.synth import synth_city

    city = synth_city(900, seed="ranges")
    folder = tmp_path / "roster"
    folder.mkdir()
    for i, piece in enumerate(np.array_split(np.arange(len(city.entities)), 3)):
        city.entities.iloc[piece].to_parquet(folder / f"part-{i}.parquet", index=False)
    runner = CliRunner()
    dask = ["--engine", "dask", "--scheduler", "threads"]
    policy = str(ROOT / "examples" / "policy.toml")
    made = runner.invoke(main, ["classify", str(folder), "--policy", policy, "--as-of", "2026-11-01",
                                "-o", str(tmp_path / "snap.parquet"), *dask])  # fmt: skip
    assert made.exit_code == 0, made.output
    ratios = [a for t, r in RATIOS.items() for a in ("--ratio", f"{t}={r}")]
    draw = ["draw", str(folder), "--snapshot", str(tmp_path / "snap.parquet"), *ratios, "--seed", "9"]
    memory = runner.invoke(main, [*draw, "-o", str(tmp_path / "memory.csv")])
    engine = runner.invoke(main, [*draw, "-o", str(tmp_path / "dask.csv"), *dask])
    assert memory.exit_code == 0, memory.output
    assert engine.exit_code == 0, engine.output
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "memory.csv").read_bytes()
    # the operator's mistakes: a foreign digest, then a part edited by hand
    foreign = runner.invoke(main, [*draw, "-o", str(tmp_path / "x.csv"), "--snapshot-digest", "0" * 64,
                                   *dask])  # fmt: skip
    assert foreign.exit_code == 2 and "Traceback" not in foreign.output
    rewrite(tmp_path / "snap.parquet" / "part.0.parquet", lambda t: t.assign(score=t["score"] * 0))
    edited = runner.invoke(main, [*draw, "-o", str(tmp_path / "y.csv"), *dask])
    assert edited.exit_code != 0 and "content digest" in edited.output, edited.output
    assert "Traceback" not in edited.output
    assert not (tmp_path / "y.csv").exists()
