"""The stratified draw: an independent re-implementation, invariances, quotas, reserve."""

from __future__ import annotations

import hashlib
import math
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom.draw import (
    allocate,
    ceil_quota,
    draw_sample,
    public_manifest,
    quotas,
    substitute,
    within_totals,
)
from dualrandom.errors import DrawError, InputError, PolicyError

RATIOS = {"A": 0.01, "B": 0.03, "C": 0.1, "D": 0.3}


def reference_ticket(seed: str, entity_id: str) -> str:
    inner = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return "0." + str(int(hashlib.sha256((inner + entity_id).encode()).hexdigest(), 16)).zfill(64)[::-1]


def reference_quota(ratio: float, size: int, seed: str, task_id: str, tier: str) -> int:
    """floor(r * N), plus one when SHA-256 of the rounding label falls below the fraction."""
    exact = Fraction(str(ratio)) * size
    text = "\x1f".join(("dualrandom-round/1", seed, task_id, "", tier))
    coin = Fraction(int(hashlib.sha256(text.encode()).hexdigest(), 16), 2**256)
    return math.floor(exact) + int(coin < exact - math.floor(exact))


def reference_draw(roster: pd.DataFrame, ratios: dict[str, float], seed: str) -> dict[str, list[str]]:
    """The published rule in a few lines: per tier, the r*N (randomly rounded) smallest ticket strings."""
    out = {}
    for tier, ratio in ratios.items():
        ids = roster.loc[roster["tier"] == tier, "uscc"].tolist()
        n = reference_quota(ratio, len(ids), seed, "draw", tier)
        out[tier] = sorted(ids, key=lambda i: reference_ticket(seed, i))[:n]
    return out


def roster_of(sizes: dict[str, int], prefix: str = "E") -> pd.DataFrame:
    rows = [(f"{prefix}{tier}{i:05d}", tier) for tier, n in sizes.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["uscc", "tier"])


ROSTER = roster_of({"A": 900, "B": 500, "C": 120, "D": 37})


def drawn(result: pd.DataFrame) -> dict[str, list[str]]:
    return {t: g.sort_values("rank")["uscc"].tolist() for t, g in result.groupby("tier")}


def test_independent_reimplementation_reproduces_the_sample() -> None:
    result = draw_sample(ROSTER, RATIOS, "20261122")
    assert drawn(result.sample) == reference_draw(ROSTER, RATIOS, "20261122")
    assert result.counts.set_index("tier")["quota"].to_dict() == {"A": 9, "B": 15, "C": 12, "D": 11}
    for row in result.sample.itertuples():
        assert row.ticket == reference_ticket("20261122", row.uscc)
    assert list(result.sample.columns) == [
        "uscc",
        "task_id",
        "tier",
        "ticket",
        "rank",
        "departments",
        "division",
    ]


def test_thresholds_are_the_last_drawn_ticket_and_reserve_continues_the_order() -> None:
    result = draw_sample(ROSTER, RATIOS, "s", reserve=3)
    for tier, group in result.sample.groupby("tier"):
        assert result.thresholds[str(tier)] == group["ticket"].max()
        spare = result.reserve[result.reserve["tier"] == tier]
        assert spare["order"].tolist() == [1, 2, 3]
        assert spare["ticket"].is_monotonic_increasing
        assert spare["ticket"].min() > group["ticket"].max()


def test_quota_uses_exact_decimals_and_never_exempts_a_tier() -> None:
    assert ceil_quota(0.03, 100) == 3  # a float product would give ceil(3.0000000000000004) = 4
    assert ceil_quota(0.07, 100) == 7
    assert ceil_quota(0.01, 5) == 1
    assert ceil_quota(0.3, 0) == 0
    assert quotas({"A": 1, "B": 200}, {"A": 0.001, "B": 0.035}) == {"A": 1, "B": 7}
    assert quotas({"A": 5, "B": 100}, {"A": 0.1, "B": 0.03}, max_total=3) == {"A": 1, "B": 2}
    assert quotas({"A": 5, "B": 100}, {"A": 0.1, "B": 0.03}, min_total=10) == {"A": 2, "B": 8}


def test_hashed_id_is_the_normalised_code() -> None:
    messy = ROSTER.assign(uscc=" " + ROSTER["uscc"].str.lower() + " ")
    assert draw_sample(messy, RATIOS, "x").sample.equals(draw_sample(ROSTER, RATIOS, "x").sample)


@settings(max_examples=25, deadline=None)
@given(seed=st.text(max_size=12), permutation_seed=st.integers(0, 2**32 - 1), cut=st.integers(1, 1556))
def test_shuffling_or_splitting_the_roster_gives_the_identical_sample(
    seed: str, permutation_seed: int, cut: int
) -> None:
    base = draw_sample(ROSTER, RATIOS, seed).sample
    shuffled = ROSTER.sample(frac=1.0, random_state=permutation_seed)
    assert draw_sample(shuffled, RATIOS, seed).sample.equals(base)
    split = pd.concat([shuffled.iloc[cut:], shuffled.iloc[:cut]])  # read in two parts, joined the other way
    assert draw_sample(split, RATIOS, seed).sample.equals(base)


@settings(max_examples=25, deadline=None)
@given(seed=st.text(max_size=12), removed=st.integers(0, 899), added=st.integers(1, 50))
def test_editing_tier_a_never_changes_tier_b(seed: str, removed: int, added: int) -> None:
    base = drawn(draw_sample(ROSTER, RATIOS, seed).sample)
    edited = pd.concat([ROSTER.drop(index=removed), roster_of({"A": added}, prefix="NEW")])
    after = drawn(draw_sample(edited, RATIOS, seed).sample)
    assert {t: after[t] for t in "BCD"} == {t: base[t] for t in "BCD"}


@settings(max_examples=12, deadline=None)
@given(seed=st.text(max_size=12), small=st.integers(1, 500), extra=st.integers(0, 500))
def test_a_larger_ratio_extends_a_smaller_one(seed: str, small: int, extra: int) -> None:
    low = {t: small / 1000 for t in RATIOS}
    high = {t: (small + extra) / 1000 for t in RATIOS}
    for mode in ("fixed", "bernoulli"):
        before = drawn(draw_sample(ROSTER, low, seed, mode=mode).sample)
        after = drawn(draw_sample(ROSTER, high, seed, mode=mode).sample)
        for tier, ids in before.items():
            assert after[tier][: len(ids)] == ids


def test_bernoulli_takes_every_ticket_below_the_ratio() -> None:
    result = draw_sample(ROSTER, RATIOS, "b", mode="bernoulli")
    for tier, ratio in RATIOS.items():
        ids = ROSTER.loc[ROSTER["tier"] == tier, "uscc"]
        expected = sorted(i for i in ids if Fraction(reference_ticket("b", i)) < Fraction(str(ratio)))
        assert sorted(result.sample.loc[result.sample["tier"] == tier, "uscc"]) == expected
        assert result.thresholds[tier] == repr(ratio)


def test_min_and_max_totals_adjust_quotas_but_keep_every_tier() -> None:
    small = draw_sample(ROSTER, RATIOS, "m", max_total=10)
    counts = small.counts.set_index("tier")["drawn"]
    assert counts.sum() == 10
    assert (counts >= 1).all()
    large = draw_sample(ROSTER, RATIOS, "m", min_total=100)
    assert large.counts["drawn"].sum() == 100
    base = draw_sample(ROSTER, RATIOS, "m").counts.set_index("tier")["quota"]
    assert (large.counts.set_index("tier")["quota"] >= base).all()
    with pytest.raises(PolicyError, match="no tier is exempt"):
        draw_sample(ROSTER, RATIOS, "m", max_total=3)


def test_allocate_is_proportional_capped_and_gives_everyone_one() -> None:
    weights = {("", "A"): Fraction(1), ("", "B"): Fraction(1), ("", "C"): Fraction(98)}
    caps = {("", "A"): 100, ("", "B"): 100, ("", "C"): 5}
    assert allocate(20, weights, caps) == {("", "A"): 8, ("", "B"): 7, ("", "C"): 5}
    assert allocate(3, weights, {c: 100 for c in caps}) == {("", "A"): 1, ("", "B"): 1, ("", "C"): 1}
    assert sum(allocate(1000, weights, caps).values()) == 205
    quotas_in = {("", "A"): 1, ("", "B"): 1, ("", "C"): 1}
    assert sum(within_totals(quotas_in, weights, caps, min_total=9, max_total=None).values()) == 9


def test_substitution_takes_the_next_reserve_and_is_recorded() -> None:
    result = draw_sample(ROSTER, RATIOS, "sub", reserve=2)
    first_a = result.sample.loc[result.sample["tier"] == "A", "uscc"].iloc[0]
    reserve_a = result.reserve.loc[result.reserve["tier"] == "A", "uscc"].tolist()
    once = substitute(result, first_a, "deregistered")
    assert first_a not in once.sample["uscc"].tolist()
    assert reserve_a[0] in once.sample["uscc"].tolist()
    assert once.substitutions[0]["reason"] == "deregistered"
    assert once.manifest["substitutions"][0]["added"] == reserve_a[0]
    twice = substitute(once, reserve_a[0], "recusal unsatisfiable")
    assert reserve_a[1] in twice.sample["uscc"].tolist()
    with pytest.raises(DrawError, match=r"reserve .* is used up"):
        substitute(twice, reserve_a[1], "moved out")
    with pytest.raises(DrawError, match="needs a reason"):
        substitute(result, first_a, " ")
    assert len(result.sample) == len(twice.sample)


def test_public_manifest_never_names_a_tier() -> None:
    result = substitute(
        draw_sample(ROSTER, RATIOS, "pub"), draw_sample(ROSTER, RATIOS, "pub").sample["uscc"][0], "x"
    )
    public = public_manifest(result.manifest)
    text = repr(public)
    assert "'tier'" not in text
    assert all(set(r) == {"uscc", "task_id", "ticket"} for r in public["sample"])
    assert [s["label"] for s in public["strata"]] != ["A", "B", "C", "D"]


def test_bad_rows_are_all_reported_with_row_numbers() -> None:
    bad = pd.DataFrame({"uscc": ["X1", "", "X1", "X4"], "tier": ["A", "B", "A", "Z"]})
    with pytest.raises(InputError) as caught:
        draw_sample(bad, RATIOS, "e")
    assert [(p.row, p.column, p.rule) for p in caught.value.problems] == [
        (3, "uscc", "ID_EMPTY"),
        (4, "uscc", "DUPLICATE"),
        (5, "tier", "TIER_UNKNOWN"),
    ]
    assert "roster, row 4, column 'uscc': duplicates row 2" in str(
        caught.value
    )


def test_a_zero_ratio_is_refused_because_no_tier_is_exempt() -> None:
    with pytest.raises(PolicyError, match=r"ratio 0 for tier\(s\) \['A'\]: no tier is exempt"):
        draw_sample(ROSTER, {**RATIOS, "A": 0.0}, "z")


def test_two_hashing_processes_give_the_same_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    from dualrandom import tickets

    monkeypatch.setattr(tickets, "_PARALLEL_MINIMUM", 0)
    one = draw_sample(ROSTER, RATIOS, "p")
    two = draw_sample(ROSTER, RATIOS, "p", processes=2)
    assert two.sample.equals(one.sample)
    assert two.manifest == one.manifest
