"""Known answers and invariants of the shared statistics (Clopper-Pearson, chi-square, Gini)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualrandom.fairness import chi2_pvalue, clopper_pearson, expected_overlap, gini, replicate_seeds


def test_clopper_pearson_closed_forms() -> None:
    # 0 of n: upper = 1 - (alpha/2)^(1/n); n of n: lower = (alpha/2)^(1/n) (exact, no approximation)
    low, high = clopper_pearson([0, 10], [10, 10], 0.05)
    assert low[0] == 0.0 and high[1] == 1.0
    assert high[0] == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)
    assert low[1] == pytest.approx(0.025 ** (1 / 10), abs=1e-12)


def test_clopper_pearson_known_vector() -> None:
    # R: binom.test(5, 10)$conf.int = 0.1870860 0.8129140
    low, high = clopper_pearson(5, 10, 0.05)
    assert float(low) == pytest.approx(0.1870860, abs=1e-7)
    assert float(high) == pytest.approx(0.8129140, abs=1e-7)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), st.floats(1e-6, 0.5))
def test_clopper_pearson_contains_the_estimate(case: tuple[int, int], alpha: float) -> None:
    hits, trials = case
    low, high = clopper_pearson(hits, trials, alpha)
    assert 0.0 <= float(low) <= hits / trials <= float(high) <= 1.0
    wider_low, wider_high = clopper_pearson(hits, trials, alpha / 10)
    assert float(wider_low) <= float(low) + 1e-12 and float(wider_high) >= float(high) - 1e-12


def test_chi2_pvalue() -> None:
    assert chi2_pvalue(3.841458820694124, 1) == pytest.approx(0.05, abs=1e-12)
    assert chi2_pvalue(10.0, 0) == 1.0


def test_gini_known_answers() -> None:
    assert gini([3, 3, 3, 3]) == 0.0
    assert gini([0, 0, 0, 8]) == pytest.approx(3 / 4)
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([]) == 0.0


@given(st.lists(st.integers(0, 100), min_size=1, max_size=50))
def test_gini_is_order_free_and_bounded(values: list[int]) -> None:
    g = gini(values)
    assert 0.0 <= g <= 1.0
    assert gini(list(reversed(values))) == pytest.approx(g)
    assert gini(np.array(values) * 7) == pytest.approx(g)


def test_expected_overlaps() -> None:
    assert expected_overlap("positive", 0.1, 0.3) == 0.1
    assert expected_overlap("negative", 0.6, 0.7) == pytest.approx(0.3)
    assert expected_overlap("negative", 0.1, 0.3) == 0.0
    assert math.isclose(expected_overlap("independent", 0.1, 0.3), 0.03)


def test_replicate_seeds_are_distinct_and_stable() -> None:
    seeds = replicate_seeds("x", 5)
    assert seeds == [f"x/replicate/{r}" for r in range(5)]
