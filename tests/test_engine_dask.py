"""The Dask engine: the same draw and classification as in memory, whatever the partitioning."""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from dualrandom.classify import classify, load_policy  # noqa: E402
from dualrandom.draw import NO_HISTORY, Draw, draw_campaign, draw_sample, roster_digest  # noqa: E402
from dualrandom.engines import _partition as partition_module  # noqa: E402
from dualrandom.engines import dask as dask_module  # noqa: E402
from dualrandom.engines._digest import StreamDigest, bucket, cut, sample, sorted_lines, splitters  # noqa: E402
from dualrandom.engines._partition import DrawPlan, key_bounds, short_cells, smallest, trim  # noqa: E402
from dualrandom.engines._runtime import SchedulerError  # noqa: E402
from dualrandom.engines.dask import classify_dask, dask_client, draw_dask  # noqa: E402
from dualrandom.errors import InputError, MissingDependencyError, PolicyError  # noqa: E402
from dualrandom.models import Campaign, Sampling, load_campaign  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RATIOS = {"A": 0.01, "B": 0.03, "C": 0.1, "D": 0.3}
AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()


def city(n: int, seed: int = 0) -> pd.DataFrame:
    """A seeded roster with every column a campaign filters on; tiers skewed like a real city."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "uscc": [f"9142{i:010d}X{seed:03d}" for i in rng.permutation(n)],
            "tier": rng.choice(list("ABCD"), size=n, p=[0.5, 0.3, 0.15, 0.05]),
            "entity_type": rng.choice(["enterprise", "individual", "cooperative"], size=n),
            "industry": rng.choice(["F52", "F51", "C13", "I65"], size=n),
            "division": rng.choice(["420602", "420606", "420607"], size=n),
        }
    )


def split(frame: pd.DataFrame, sizes: Sequence[int]) -> Any:
    """A Dask DataFrame whose partitions have exactly ``sizes`` rows (zeros give empty ones)."""
    assert sum(sizes) == len(frame)
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    pieces = [frame.iloc[a:b].reset_index(drop=True) for a, b in itertools.pairwise(bounds)]
    return dd.from_delayed([dask.delayed(piece, pure=False) for piece in pieces], meta=frame.iloc[:0])


def chunks(frame: pd.DataFrame, pieces: int) -> list[pd.DataFrame]:
    return [frame.iloc[rows] for rows in np.array_split(np.arange(len(frame)), pieces)]


def assert_same(expected: Draw, got: Draw) -> None:
    pd.testing.assert_frame_equal(got.sample, expected.sample)
    pd.testing.assert_frame_equal(got.reserve, expected.reserve)
    pd.testing.assert_frame_equal(got.counts, expected.counts)
    assert got.thresholds == expected.thresholds
    assert got.manifest == expected.manifest


ROSTER = city(3000)


@pytest.mark.parametrize(
    ("seed", "sizes"),
    [
        ("20261122", [3000]),
        ("20261122", [1000, 1000, 1000]),
        ("beacon-1", [1, 0, 2500, 0, 499]),
        ("beacon-2", [0, 7, 13, 2980, 0]),
    ],
)
def test_fixed_draw_equals_in_memory(client: Any, seed: str, sizes: list[int]) -> None:
    expected = draw_sample(ROSTER, RATIOS, seed, reserve=3)
    assert_same(expected, draw_dask(split(ROSTER, sizes), RATIOS, seed, reserve=3, scheduler=client))


@pytest.mark.parametrize("options", [{"mode": "bernoulli"}, {"mode": "bernoulli", "min_total": 200},
                                     {"max_total": 40}, {"min_total": 300, "reserve": 0}])  # fmt: skip
def test_variants_equal_in_memory(client: Any, options: dict[str, Any]) -> None:
    expected = draw_sample(ROSTER, RATIOS, "s", **options)
    assert_same(expected, draw_dask(split(ROSTER, [900, 0, 2100]), RATIOS, "s", scheduler=client, **options))


def campaign(**sampling: Any) -> Campaign:
    base = load_campaign(ROOT / "examples" / "campaign.toml")
    return base.model_copy(update={"sampling": base.sampling.model_copy(update=sampling)})


def history(roster: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    picked = rng.choice(roster["uscc"].to_numpy(), size=600)
    days = rng.integers(0, 500, size=600)
    return pd.DataFrame({"uscc": picked, "inspected_on": [str(np.datetime64("2026-10-31") - d) for d in days],
                         "kind": "random"})  # fmt: skip


@pytest.mark.parametrize(
    "update",
    [
        {},
        {
            "strata": "division",
            "allocation": "fixed",
            "fixed_quotas": {"420602": 9, "420606": 4, "420607": 30},
        },
        {"coordination": {"permanent_seed": "prn-2026", "start": 0.25}},
    ],
)
def test_campaign_draw_equals_in_memory(client: Any, update: dict[str, Any]) -> None:
    if "coordination" in update:
        update = {"coordination": Sampling.model_validate({"tiers": ["A"], "ratios": {"A": 0.1},
                                                           **update}).coordination}  # fmt: skip
    plan = campaign(**update)
    past = history(ROSTER)
    expected = draw_campaign(ROSTER, plan, "2026Q4", history=past, as_of=AS_OF, snapshot_digest="abc")
    got = draw_dask(split(ROSTER, [700, 1300, 0, 1000]), plan, "2026Q4", history=past, as_of=AS_OF,
                    snapshot_digest="abc", scheduler=client)  # fmt: skip
    assert expected.counts["capped"].sum() > 0  # the caps really removed someone
    assert_same(expected, got)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 400),
    cuts=st.lists(st.floats(0, 1), max_size=5),
    seed=st.text(min_size=1, max_size=8),
    reserve=st.integers(0, 4),
)
def test_any_partitioning_gives_the_in_memory_draw(
    client: Any, n: int, cuts: list[float], seed: str, reserve: int
) -> None:
    roster = city(n, seed=n)
    points = sorted(int(c * n) for c in cuts)
    sizes = np.diff([0, *points, n]).tolist()
    expected = draw_sample(roster, RATIOS, seed, reserve=reserve)
    assert_same(expected, draw_dask(split(roster, sizes), RATIOS, seed, reserve=reserve, scheduler=client))


def test_parquet_dataset_and_progress(client: Any, tmp_path: Path) -> None:
    folder = tmp_path / "roster"
    folder.mkdir()
    for i, (a, b) in enumerate([(0, 1200), (1200, 1200), (1200, 3000)]):
        ROSTER.iloc[a:b].to_parquet(folder / f"part-{i}.parquet", index=False)
    seen: list[tuple[str, int, int]] = []
    got = draw_dask(folder, RATIOS, "p", scheduler=client, progress=lambda *a: seen.append(a))
    assert_same(draw_sample(pd.read_parquet(folder), RATIOS, "p"), got)
    finals = {stage: (done, total) for stage, done, total in seen}
    assert set(finals) == {"scan", "commit", "select"}
    assert all(done == total > 0 for done, total in finals.values())


def test_bad_rows_across_partitions_are_all_reported_like_in_memory(client: Any) -> None:
    roster = ROSTER.iloc[:50].copy()
    roster.loc[40, "uscc"] = roster.loc[3, "uscc"].lower()  # a repeat in another partition
    roster.loc[45, "uscc"] = roster.loc[3, "uscc"]
    roster.loc[10, "uscc"] = " "
    roster.loc[30, "tier"] = "E"
    with pytest.raises(InputError) as memory:
        draw_sample(roster, RATIOS, "s")
    with pytest.raises(InputError) as engine:
        draw_dask(split(roster, [20, 0, 30]), RATIOS, "s", scheduler=client, source="roster")
    assert str(engine.value) == str(memory.value)
    assert [p.row for p in engine.value.problems] == [12, 32, 42, 47]


def test_a_scheduler_address_is_used_and_an_unreachable_one_is_reported(client: Any) -> None:
    expected = draw_sample(ROSTER, RATIOS, "addr")
    assert_same(
        expected, draw_dask(split(ROSTER, [1500, 1500]), RATIOS, "addr", scheduler=client.scheduler.address)
    )
    unreachable = pytest.raises(
        SchedulerError, match=re.escape("cannot reach the Dask scheduler 'tcp://127.0.0.1:9'")
    )
    with unreachable, dask_client("tcp://127.0.0.1:9", timeout="1s"):
        pass


def test_a_pandas_roster_is_accepted(client: Any) -> None:
    assert_same(draw_sample(ROSTER, RATIOS, "pd"), draw_dask(ROSTER, RATIOS, "pd", scheduler=client))


def test_policy_errors_come_before_any_work(client: Any) -> None:
    with pytest.raises(PolicyError, match="lacks"):
        draw_dask(split(ROSTER, [3000]), campaign(strata="county"), "s", scheduler=client, history=NO_HISTORY)


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r"install it with: pip install 'dualrandom\[dask\]'"):
        draw_dask("roster.parquet", RATIOS, "s")


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(st.integers(0, 30), max_size=60).map(lambda v: np.array(v, dtype=np.uint64)),
    count=st.integers(0, 20),
    pieces=st.integers(1, 5),
)
def test_merged_partial_smallest_keeps_the_global_smallest(keys: Any, count: int, pieces: int) -> None:
    sampling = Sampling(tiers=("A",), ratios={"A": 0.5}, reserve=0)
    plan = DrawPlan(sampling, (), "roster", keep={(0, "", "A"): count})
    ids = [f"E{i}" for i in range(len(keys))]
    frame = pd.DataFrame({"task": 0, "stratum": "", "tier": "A", "key": keys, "uscc": ids, "division": ""})
    parts = chunks(frame, pieces)
    merged = trim([trim([p], plan) for p in parts], plan)
    expected = frame.loc[smallest(keys, count)]
    assert sorted(merged["uscc"]) == sorted(expected["uscc"])
    if 0 < count <= len(keys):  # exactly the count smallest, plus the keys tied with the last
        assert (expected["key"] <= np.sort(keys)[count - 1]).all()
        assert len(expected) >= count


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(st.tuples(st.sampled_from(["91A", "91a", "9\t1", "9\\1", "ÄB", "", "91"]),
                             st.sampled_from(["A", "B", " C "])), max_size=30),
    pieces=st.integers(1, 4),
    buckets=st.integers(1, 5),
)  # fmt: skip
def test_sample_sorted_digest_equals_roster_digest(
    cells: list[tuple[str, str]], pieces: int, buckets: int
) -> None:
    frame = pd.DataFrame(cells, columns=["uscc", "tier"], dtype=object)
    parts = [sorted_lines(p, ["uscc", "tier"], i) for i, p in enumerate(chunks(frame, pieces))]
    bounds = splitters([sample(p, 3) for p in parts], buckets)
    cuts = [cut(p, bounds) for p in parts]
    digest = StreamDigest(["uscc", "tier"])
    for j in range(len(bounds) + 1):
        digest.update(bucket([c[j] for c in cuts]))
    assert digest.hexdigest() == roster_digest(frame, ["uscc", "tier"])
    codes = frame["uscc"].str.strip().str.upper()
    repeats = codes.duplicated() & (codes != "")
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in chunks(frame, pieces)])]).tolist()
    assert sorted(p.row for p in digest.duplicates(offsets, "r")) == [r + 2 for r in np.flatnonzero(repeats)]


@pytest.fixture(scope="module")
def classification_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from dualrandom.synth import synth_city
    from dualrandom.synth.credit import synth_credit

    town = synth_city(2500, seed="dask")
    return town.entities, synth_credit(town.entities, as_of=AS_OF, seed=4), town.history


@pytest.mark.parametrize("sizes", [[2500], [400, 0, 1700, 400]])
def test_classification_equals_in_memory(
    client: Any, tmp_path: Path, classification_inputs: Any, sizes: list[int]
) -> None:
    roster, records, past = classification_inputs
    policy = load_policy(ROOT / "examples" / "policy.toml")
    expected = classify(roster, records, policy, as_of=AS_OF, history=past)
    got = classify_dask(split(roster, sizes), records, policy, as_of=AS_OF, history=past,
                        output=tmp_path / "snapshot", scheduler=client)  # fmt: skip
    assert got.content_digest == expected.content_digest
    assert got.tier_counts == expected.tier_counts()
    pd.testing.assert_frame_equal(got.to_snapshot().table, expected.table)
    assert (tmp_path / "snapshot.json").exists()


def test_classification_reports_repeats_across_partitions(
    client: Any, tmp_path: Path, classification_inputs: Any
) -> None:
    roster, records, _ = classification_inputs
    roster = roster.iloc[:60].astype({"registered_on": str})
    roster.loc[50, "uscc"] = roster.loc[2, "uscc"]
    roster.loc[20, "registered_on"] = "not a date"
    policy = load_policy(ROOT / "examples" / "policy.toml")
    with pytest.raises(InputError) as memory:
        classify(roster, records, policy, as_of=AS_OF)
    with pytest.raises(InputError) as engine:
        classify_dask(split(roster, [30, 30]), records, policy, as_of=AS_OF, output=tmp_path / "s",
                      sources=("roster", "records", "history"), scheduler=client)  # fmt: skip
    assert str(engine.value) == str(memory.value)
    assert not (tmp_path / "s").exists()


def test_cli_draw_on_dask_writes_the_in_memory_sample(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dualrandom.cli import main

    folder = tmp_path / "roster"
    folder.mkdir()
    for i, (a, b) in enumerate([(0, 1000), (1000, 3000)]):
        ROSTER.iloc[a:b].to_parquet(folder / f"part-{i}.parquet", index=False)
    ROSTER.to_parquet(tmp_path / "whole.parquet", index=False)
    ratios = [arg for tier, r in RATIOS.items() for arg in ("--ratio", f"{tier}={r}")]
    runner = CliRunner()
    memory = runner.invoke(main, ["draw", str(tmp_path / "whole.parquet"), *ratios, "--seed", "7",
                                  "-o", str(tmp_path / "memory.csv")])  # fmt: skip
    on_dask = ["--engine", "dask", "--scheduler", "threads"]
    engine = runner.invoke(main, ["draw", str(folder), *ratios, "--seed", "7", "-o",
                                  str(tmp_path / "dask.csv"), *on_dask])  # fmt: skip
    assert memory.exit_code == 0, memory.output
    assert engine.exit_code == 0, engine.output
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "memory.csv").read_bytes()
    manifests = [(tmp_path / f"{n}.csv.manifest.json").read_text() for n in ("memory", "dask")]
    assert manifests[0] == manifests[1].replace(str(folder), str(tmp_path / "whole.parquet"))


def test_cli_scheduler_needs_the_dask_engine(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dualrandom.cli import main

    result = CliRunner().invoke(
        main, ["draw", "r.parquet", "--ratio", "A=0.1", "--seed", "1", "-o", str(tmp_path / "s.csv"),
               "--scheduler", "threads"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Error: --scheduler goes with --engine dask" in result.output


def test_cli_without_dask_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from dualrandom.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)
    result = CliRunner().invoke(
        main, ["draw", "r.parquet", "--ratio", "A=0.1", "--seed", "1", "-o", str(tmp_path / "s.csv"),
               "--engine", "dask"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output == (
        "Error: the Dask engine needs distributed, which is not installed; "
        "install it with: pip install 'dualrandom[dask]'\n"
    )


def test_cli_classify_on_dask_gives_the_in_memory_digest(tmp_path: Path, classification_inputs: Any) -> None:
    from click.testing import CliRunner

    from dualrandom.cli import main

    roster, records, _ = classification_inputs
    folder = tmp_path / "roster"
    folder.mkdir()
    roster.iloc[:1500].to_parquet(folder / "part-0.parquet", index=False)
    roster.iloc[1500:].to_parquet(folder / "part-1.parquet", index=False)
    records.to_parquet(tmp_path / "records.parquet", index=False)
    policy = load_policy(ROOT / "examples" / "policy.toml")
    expected = classify(
        pd.read_parquet(folder), pd.read_parquet(tmp_path / "records.parquet"), policy, as_of=AS_OF
    )
    result = CliRunner().invoke(
        main, ["classify", str(folder), "--policy", str(ROOT / "examples" / "policy.toml"),
               "--as-of", "2026-11-01", "--records", str(tmp_path / "records.parquet"),
               "-o", str(tmp_path / "snap.parquet"), "--engine", "dask", "--scheduler", "threads"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"content digest {expected.content_digest}" in result.output


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["0.5", "0.25", "0.75"]), st.text(max_size=3)),
                max_size=25))  # fmt: skip
def test_client_order_is_key_then_full_ticket_then_code(rows: list[tuple[int, str, str]]) -> None:
    from dualrandom.engines._assemble import _ordered

    keys = np.array([r[0] for r in rows], dtype=np.uint64)
    full = np.array([r[1] for r in rows], dtype=object)
    ids = np.array([r[2] for r in rows], dtype=object)
    expected = sorted(rows)
    assert [rows[i] for i in _ordered(keys, full, ids)] == expected


@settings(max_examples=80, deadline=None)
@given(
    keys=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=80).map(
        lambda v: np.array(v, dtype=np.uint64)
    ),
    count=st.integers(1, 30),
    pieces=st.integers(1, 5),
    share=st.floats(0.0, 1.0),
)
def test_a_key_bound_keeps_the_global_smallest_or_says_the_cell_is_short(
    keys: Any, count: int, pieces: int, share: float
) -> None:
    cell = (0, "", "A")
    sampling = Sampling(tiers=("A",), ratios={"A": 0.5}, reserve=0)
    plan = DrawPlan(
        sampling, (), "roster", keep={cell: count}, bounds={cell: min(int(share * 2.0**64), 2**64 - 1)}
    )
    ids = [f"E{i}" for i in range(len(keys))]
    frame = pd.DataFrame({"task": 0, "stratum": "", "tier": "A", "key": keys, "uscc": ids, "division": ""})
    merged = trim([trim([p], plan) for p in chunks(frame, pieces)], plan)
    expected = frame.loc[smallest(keys, count)]
    if short_cells(merged, plan):  # the bound cut into the smallest keys: the client selects again
        assert len(merged) < count
    else:
        assert sorted(merged["uscc"]) == sorted(expected["uscc"])


def test_candidates_follow_the_sample_not_the_partition() -> None:
    rng = np.random.default_rng(3)
    n, keep = 40_000, 1_200  # 3 % of the cell, over 4 partitions
    keys = rng.integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    cell = (0, "", "B")
    sampling = Sampling(tiers=("B",), ratios={"B": 0.03}, reserve=0)
    frame = pd.DataFrame({"task": 0, "stratum": "", "tier": "B", "key": keys, "uscc": "", "division": ""})
    bounded = DrawPlan(sampling, (), "roster", keep={cell: keep}, bounds=key_bounds({cell: keep}, {cell: n}))
    unbounded = DrawPlan(sampling, (), "roster", keep={cell: keep})
    leaves = [trim([p], bounded) for p in chunks(frame, 4)]
    assert sum(len(leaf) for leaf in leaves) < 1.3 * keep  # about 3 % of each partition, not its 1,200
    assert sum(len(trim([p], unbounded)) for p in chunks(frame, 4)) == 4 * keep
    merged = trim(leaves, bounded)
    assert not short_cells(merged, bounded)
    assert sorted(merged["key"]) == sorted(keys[smallest(keys, keep)])


def test_a_bound_set_too_low_is_selected_again_with_the_same_result(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partition_module, "MARGIN_SD", -40.0)  # every bound cuts into its cell's quota
    calls: list[Any] = []
    original = dask_module._select
    monkeypatch.setattr(dask_module, "_select", lambda *a: calls.append(a[2].bounds) or original(*a))
    expected = draw_sample(ROSTER, RATIOS, "low", reserve=3)
    assert_same(
        expected, draw_dask(split(ROSTER, [800, 1200, 1000]), RATIOS, "low", reserve=3, scheduler=client)
    )
    assert len(calls) == 2 and calls[0] and not calls[1]


def test_the_history_digest_is_the_in_memory_one_for_an_export_with_chinese_headers(client: Any) -> None:
    past = history(ROSTER)
    exported = pd.DataFrame(
        {"统一社会信用代码": past["uscc"], "检查日期": past["inspected_on"], "检查类型": "双随机"}
    )
    plan = campaign()
    expected = draw_campaign(ROSTER, plan, "2026Q4", history=exported, as_of=AS_OF)
    got = draw_dask(
        split(ROSTER, [1500, 1500]), plan, "2026Q4", history=exported, as_of=AS_OF, scheduler=client
    )
    assert got.manifest["history_digest"] == expected.manifest["history_digest"]
    assert (
        got.manifest["history_digest"]
        == draw_campaign(ROSTER, plan, "2026Q4", history=past, as_of=AS_OF).manifest["history_digest"]
    )
    assert_same(expected, got)
