"""Exact binomial intervals, chi-square tail, Gini: the statistics every study shares.

Intervals are Clopper-Pearson (exact, from the beta distribution), never normal
approximations, so a tolerance is always a property of the binomial distribution.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = ["bonferroni", "chi2_pvalue", "clopper_pearson", "gini", "replicate_seeds"]

FloatArray = npt.NDArray[np.float64]


def clopper_pearson(
    hits: npt.ArrayLike, trials: npt.ArrayLike, alpha: float | npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The exact two-sided ``1 - alpha`` interval of a binomial proportion, element-wise."""
    alpha = np.asarray(alpha, dtype=np.float64)
    x = np.asarray(hits, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
        high = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    empty = n <= 0
    return np.where(empty, 0.0, low).astype(np.float64), np.where(empty, 1.0, high).astype(np.float64)


def bonferroni(alpha: float, tests: int) -> float:
    """The per-test level that keeps the family-wise error of ``tests`` tests below ``alpha``."""
    return alpha / max(1, tests)


def chi2_pvalue(statistic: float, df: float) -> float:
    """Upper tail P(chi2_df >= statistic); 1.0 when there is nothing to test (df = 0)."""
    if df <= 0:
        return 1.0
    return float(stats.chi2.sf(statistic, df))


def gini(values: npt.ArrayLike) -> float:
    """The Gini coefficient of non-negative values (0 = equal, near 1 = one takes all)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    if len(v) == 0 or v.sum() == 0:
        return 0.0
    n = len(v)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float((2 * (ranks * v).sum()) / (n * v.sum()) - (n + 1) / n)


def replicate_seeds(seed: str, replicates: int) -> list[str]:
    """The seeds of a Monte Carlo study: ``seed/replicate/0``, ``seed/replicate/1``, ..."""
    return [f"{seed}/replicate/{r}" for r in range(replicates)]
