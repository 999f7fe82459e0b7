"""Coordination with permanent random numbers (PRN) against independent draws.

Two Bernoulli draws at per-tier rates p1 and p2 select entity k together with probability
(Ohlsson 1995; prior-art/sampling.md §2):

* positive coordination, same start (two departments, one visit): min(p1, p2);
* negative coordination, the next cycle's start placed past the previous interval:
  max(0, p1 + p2 - 1) (0 whenever p1 + p2 <= 1: nobody is drawn twice running);
* independent draws, separate seeds: p1 * p2.

Tickets are independent across entities and permanent seeds, so over R replicates a tier's
overlap total is exactly Binomial(R * N_h, q_h); each scheme passes when q_h lies inside the
Clopper-Pearson interval of the observed total (Bonferroni over schemes and tiers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from ..draw import draw_sample, next_start
from ..errors import PolicyError
from ..models import Coordination
from ..tickets import KEY_DIGITS, ticket
from .montecarlo import run_replicates
from .stats import bonferroni, clopper_pearson, replicate_seeds

__all__ = ["SCHEMES", "CoordinationStudy", "coordination_study", "expected_overlap"]

SCHEMES: tuple[str, ...] = ("positive", "negative", "independent")


def expected_overlap(scheme: str, p1: float, p2: float) -> float:
    """P(entity in both samples) under ``scheme`` for Bernoulli rates ``p1`` and ``p2``."""
    if scheme == "positive":
        return min(p1, p2)
    if scheme == "negative":
        return max(0.0, p1 + p2 - 1.0)
    if scheme == "independent":
        return p1 * p2
    raise PolicyError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}")


def _start(seed: str) -> float:
    """A start point on [0, 1) with 12 decimals, from the ticket of the id ``start``."""
    digits = ticket(seed, "start")[2 : 2 + KEY_DIGITS]
    return float(Fraction(int(digits[:12]), 10**12))


@dataclass(frozen=True)
class _Replicate:
    """One replicate: the first draw and the second under each scheme; returns overlaps per tier."""

    roster: pd.DataFrame
    first: Mapping[str, float]
    second: Mapping[str, float]

    def __call__(self, seed: str) -> dict[str, dict[str, int]]:
        frame = self.roster[["uscc", "tier"]]
        start = _start(f"{seed}/start")
        prn = f"{seed}/permanent"

        def drawn(ratios: Mapping[str, float], coordination: Coordination | None, plain: str) -> pd.DataFrame:
            return draw_sample(
                frame, dict(ratios), plain, mode="bernoulli", reserve=0, coordination=coordination
            ).sample

        one = drawn(self.first, Coordination(permanent_seed=prn, start=start), seed)
        shift = next_start(start, max(self.first.values()), max(self.second.values()), f"{seed}/next")
        seconds = {
            "positive": drawn(self.second, Coordination(permanent_seed=prn, start=start), seed),
            "negative": drawn(self.second, Coordination(permanent_seed=prn, start=shift), seed),
            "independent": drawn(self.second, None, f"{seed}/independent"),
        }
        chosen = set(one["uscc"])
        out: dict[str, dict[str, int]] = {}
        for scheme, two in seconds.items():
            both = two[two["uscc"].isin(chosen)]
            out[scheme] = {str(k): int(v) for k, v in both["tier"].value_counts().items()}
        return out


@dataclass(frozen=True)
class CoordinationStudy:
    """Observed against expected overlaps per scheme and tier.

    ``table``: scheme, tier, entities, p1, p2, expected (q), observed (mean overlap per
    replicate), expected_count (N q), low/high (interval of q), passed.
    """

    replicates: int
    alpha: float
    table: pd.DataFrame

    @property
    def passed(self) -> bool:
        """Every scheme's observed overlap agrees with its expectation in every tier."""
        return bool(self.table["passed"].all())


def coordination_study(
    roster: pd.DataFrame,
    first: Mapping[str, float],
    second: Mapping[str, float] | None = None,
    *,
    replicates: int = 200,
    seed: str = "fairness",
    alpha: float = 0.05,
    processes: int = 1,
) -> CoordinationStudy:
    """Measure overlaps of two real Bernoulli draws (rates ``first``, ``second``) per scheme.

    The negative scheme moves the start with `dualrandom.draw.next_start`, so the largest
    rates of the two draws must sum to 1 or less. ``roster`` needs ``uscc`` and ``tier``.
    """
    second = dict(second or first)
    if set(second) != set(first):
        raise PolicyError(f"both draws need the same tiers, got {sorted(first)} and {sorted(second)}")
    results = run_replicates(
        _Replicate(roster, dict(first), second), replicate_seeds(seed, replicates), processes=processes
    )
    sizes = roster["tier"].astype(str).value_counts()
    rows = []
    for scheme in SCHEMES:
        for tier in first:
            n = int(sizes.get(tier, 0))
            q = expected_overlap(scheme, float(first[tier]), float(second[tier]))
            total = sum(r[scheme].get(tier, 0) for r in results)
            rows.append(
                {
                    "scheme": scheme,
                    "tier": tier,
                    "entities": n,
                    "p1": float(first[tier]),
                    "p2": float(second[tier]),
                    "expected": q,
                    "expected_count": n * q,
                    "observed": total / replicates,
                    "hits": total,
                    "trials": n * replicates,
                }
            )
    table = pd.DataFrame(rows)
    level = bonferroni(alpha, len(table))
    table["low"], table["high"] = clopper_pearson(table["hits"], table["trials"], level)
    table["passed"] = (table["expected"] >= table["low"]) & (table["expected"] <= table["high"])
    return CoordinationStudy(replicates=replicates, alpha=alpha, table=table)
