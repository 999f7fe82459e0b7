"""Seeded statistical checks: inclusion frequencies over 2,000 seeds stay in binomial bands.

Bands come from the binomial distribution at a family-wise level of 99.9% (Bonferroni over
the entities or tiers tested), never from tuning. The seeds are fixed, so the test is exact
and repeatable; a biased selection rule (for example the largest tickets, or a tier's quota
drawn from another tier's tickets) falls far outside them.
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from scipy.stats import binom

from dualrandom.draw import TaskSpec, draw_tasks
from dualrandom.models import Sampling

SEEDS = 2_000
FAMILY_LEVEL = 0.001
SIZES = {"A": 40, "B": 20, "C": 10, "D": 5}
RATIOS = {"A": 0.05, "B": 0.1, "C": 0.3, "D": 0.5}
ROSTER = pd.DataFrame(
    [(f"S{t}{i:03d}", t) for t, n in SIZES.items() for i in range(n)], columns=["uscc", "tier"]
)


@functools.cache
def many_draws(mode: str, rounding: str = "random") -> pd.DataFrame:
    """One draw per seed ``stat-k`` (k < 2,000), run as the tasks of one call."""
    sampling = Sampling(
        tiers=tuple(SIZES),
        ratios=RATIOS,
        mode=mode,
        reserve=0,
        rounding=rounding,  # type: ignore[arg-type]
    )
    specs = [TaskSpec(task_id=str(k), seed=f"stat-{k}") for k in range(SEEDS)]
    return draw_tasks(ROSTER, sampling, specs, "stat", seed_rule="plain").sample


def band(trials: int, p: float, alpha: float) -> tuple[float, float]:
    low, high = binom.interval(1 - alpha, trials, p)
    return float(low), float(high)


@pytest.mark.parametrize(
    ("mode", "rounding"), [("fixed", "random"), ("fixed", "ceil"), ("bernoulli", "random")]
)
def test_every_entity_is_drawn_at_its_tier_rate(mode: str, rounding: str) -> None:
    """Random rounding keeps the design probability r; ceil gives ceil(r N) / N."""
    sample = many_draws(mode, rounding)
    hits = sample["uscc"].value_counts().reindex(ROSTER["uscc"], fill_value=0)
    alpha = FAMILY_LEVEL / len(ROSTER)
    for code, tier in zip(ROSTER["uscc"], ROSTER["tier"], strict=True):
        p = (-(-RATIOS[tier] * SIZES[tier] // 1)) / SIZES[tier] if rounding == "ceil" else RATIOS[tier]
        low, high = band(SEEDS, p, alpha)
        assert low <= hits[code] <= high, (code, tier, hits[code], (low, high))


def test_bernoulli_tier_frequencies_lie_in_their_bands() -> None:
    sample = many_draws("bernoulli")
    per_tier = sample["tier"].value_counts()
    alpha = FAMILY_LEVEL / len(SIZES)
    for tier, size in SIZES.items():
        low, high = band(SEEDS * size, RATIOS[tier], alpha)
        assert low <= per_tier.get(tier, 0) <= high, (tier, per_tier.get(tier, 0), (low, high))


def test_fixed_mode_draws_exactly_the_quota_every_time() -> None:
    sizes = many_draws("fixed", "ceil").groupby(["task_id", "tier"]).size().unstack()
    assert sizes.to_dict(orient="list") == {
        "A": [2] * SEEDS,
        "B": [2] * SEEDS,
        "C": [3] * SEEDS,
        "D": [3] * SEEDS,
    }


def test_random_rounding_draws_floor_or_floor_plus_one_with_the_fraction() -> None:
    """Tier D: r N = 2.5, so 2 or 3 entities, 3 in half of the draws (within the band)."""
    sizes = many_draws("fixed").groupby(["task_id", "tier"]).size().unstack()
    assert set(sizes["A"]) == {2} and set(sizes["B"]) == {2} and set(sizes["C"]) == {3}
    assert set(sizes["D"]) == {2, 3}
    low, high = band(SEEDS, 0.5, FAMILY_LEVEL)
    assert low <= int((sizes["D"] == 3).sum()) <= high


@pytest.mark.parametrize(("rounding", "p"), [("ceil", 3 * 2 / (5 * 4)), ("random", 0.5 * 0.1 + 0.5 * 0.3)])
def test_pairs_in_a_tier_are_equally_likely(rounding: str, p: float) -> None:
    """Second order: in tier D (n of 5) each pair is drawn together with probability n(n-1)/20."""
    sample = many_draws("fixed", rounding)
    d = sample[sample["tier"] == "D"]
    together = d.merge(d, on="task_id").query("uscc_x < uscc_y").groupby(["uscc_x", "uscc_y"]).size()
    assert len(together) == 10
    low, high = band(SEEDS, p, FAMILY_LEVEL / 10)
    assert together.between(low, high).all(), together.to_dict()


def test_ticket_keys_are_uniform_over_twenty_bins() -> None:
    """20,000 keys in 20 equal bins: each count lies in its Binomial(20000, 1/20) band."""
    from dualrandom.tickets import ticket_keys

    keys = ticket_keys("uniformity", [f"91{i:016d}" for i in range(20_000)])
    counts = pd.Series(keys // (10**16 // 20)).value_counts().reindex(range(20), fill_value=0)
    low, high = band(20_000, 1 / 20, FAMILY_LEVEL / 20)
    assert counts.between(low, high).all(), counts.to_dict()
