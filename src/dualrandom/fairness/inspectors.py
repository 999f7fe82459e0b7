"""Inspectors: workload spread, each officer's chance per target, and repeated pairings.

The Monte Carlo runs the real `assign_teams` over seeds. For each (target, department) slot
with E eligible officers and k seats, the reference is uniform over the eligible, k/E, or the
published marginal x in marginals mode. A pair's count over R seeds is Binomial(R, pi); an
officer's total over its slots is a sum of such counts whose variance is at most the binomial
one with the mean rate, so the Clopper-Pearson interval (Bonferroni over officers) is
conservative and a flagged officer is evidence of favour or neglect. The chi-square sums the
pairs' standardised squares, scaled per slot by (E-1)/E (k of E seats are always filled; exact
for the uniform reference, approximate for unequal marginals).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..assign import assign_teams
from ..assign.eligibility import Eligibility
from ..assign.inputs import normalize_conflicts, normalize_history, normalize_inspectors, normalize_sample
from ..assign.quotas import EXPERTS, team_spec
from ..errors import DrawError
from ..models import Campaign, TeamRules
from .montecarlo import run_replicates
from .stats import bonferroni, chi2_pvalue, clopper_pearson, gini, replicate_seeds

__all__ = [
    "Assigner",
    "OfficerStudy",
    "TeamSampler",
    "Workload",
    "chance_summary",
    "eligible_pairs",
    "officer_study",
    "pairings",
    "with_marginals",
    "workload",
]

Assigner = Callable[[str], pd.DataFrame]
"""An assignment as a function of the seed: returns teams (uscc, task_id, inspector_id)."""

PAIR_COLUMNS = ["uscc", "task_id", "department", "inspector_id", "eligible", "seats", "design"]


@dataclass(frozen=True)
class TeamSampler:
    """The real `assign_teams` for a fixed sample and rosters, as a function of the seed."""

    sample: pd.DataFrame
    inspectors: pd.DataFrame
    conflicts: pd.DataFrame | None
    rules: Campaign | TeamRules | None
    history: pd.DataFrame | None = None
    mode: Literal["fast", "marginals"] | None = None
    on: date | None = None

    def __call__(self, seed: str) -> pd.DataFrame:
        return assign_teams(
            self.sample,
            self.inspectors,
            self.conflicts,
            self.rules,
            seed,
            history=self.history,
            mode=self.mode,
            on=self.on,
        ).teams


def eligible_pairs(
    sample: pd.DataFrame,
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame | None,
    rules: Campaign | TeamRules | None,
    *,
    history: pd.DataFrame | None = None,
    on: date | None = None,
) -> pd.DataFrame:
    """Every (target, officer) pair the recusal rules allow, with uniform ``design`` = seats/eligible.

    Columns `PAIR_COLUMNS`; enforcement officers only (experts are left out). ``on`` is the
    assignment date (see `assign_teams`).
    """
    spec = team_spec(rules)
    targets = normalize_sample(sample, "sample", spec.task_departments)
    roster = normalize_inspectors(inspectors, "inspectors")
    eligibility = Eligibility(
        targets,
        roster,
        normalize_conflicts(conflicts, "conflicts"),
        normalize_history(history, "history"),
        spec,
        on,
    )
    parts = []
    officer_ids = roster.inspector_id.to_numpy(dtype=object)
    for pool in eligibility.pools:
        if pool.name == EXPERTS:
            continue
        arcs = eligibility.arcs(pool, "eligibility", None)
        slots = arcs.slot.astype(np.int64)
        rows = pool.slot_target[slots]
        eligible = arcs.eligible[slots]
        seats = pool.demand[slots]
        parts.append(
            pd.DataFrame(
                {
                    "uscc": targets.uscc.to_numpy(dtype=object)[rows],
                    "task_id": targets.task_id.to_numpy(dtype=object)[rows],
                    "department": pool.name,
                    "inspector_id": officer_ids[pool.members[arcs.member.astype(np.int64)]],
                    "eligible": eligible,
                    "seats": seats,
                    "design": seats / eligible,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    return pd.concat(parts, ignore_index=True)[PAIR_COLUMNS]


def with_marginals(pairs: pd.DataFrame, marginals: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` whose ``design`` is the published marginal x of marginals mode (0 where absent).

    In marginals mode each pair's probability is x exactly (dependent rounding keeps E[X] = x),
    so an `officer_study` against this design tests the published figures themselves.
    """
    officers = marginals[marginals["role"] == "officer"] if "role" in marginals.columns else marginals
    published = pd.Series(officers["probability"].to_numpy(dtype=np.float64), index=_pair_keys(officers))
    design = _pair_keys(pairs).map(published).fillna(0.0).to_numpy(dtype=np.float64)
    return pairs.assign(design=design)


def _pair_keys(frame: pd.DataFrame) -> pd.Series:
    return (
        frame["uscc"].astype(str)
        + "\x1f"
        + frame["task_id"].astype(str)
        + "\x1f"
        + frame["inspector_id"].astype(str)
    )


@dataclass(frozen=True)
class OfficerStudy:
    """Monte Carlo of the assignment: ``pairs`` (per target x officer), ``officers``, a chi-square.

    ``pairs`` adds hits, rate, low, high, flagged to `PAIR_COLUMNS`; ``officers`` has
    inspector_id, department, slots, expected, hits, ratio, ratio_low, ratio_high, flagged.
    ``outside`` counts seats given to pairs the rules forbid (a recusal breach).
    """

    replicates: int
    alpha: float
    pairs: pd.DataFrame
    officers: pd.DataFrame
    statistic: float
    df: float
    p_value: float
    outside: int

    @property
    def flagged_officers(self) -> int:
        """Officers whose share of targets differs from the reference beyond sampling error."""
        return int(self.officers["flagged"].sum())

    @property
    def passed(self) -> bool:
        """No officer or pair flagged, no recusal breach, chi-square p-value >= alpha."""
        return (
            self.flagged_officers == 0
            and not bool(self.pairs["flagged"].any())
            and self.outside == 0
            and self.p_value >= self.alpha
        )

    def summary(self) -> dict[str, Any]:
        """The headline figures as plain Python values."""
        return {
            "replicates": self.replicates,
            "pairs": len(self.pairs),
            "officers": len(self.officers),
            "chi2": round(self.statistic, 3),
            "df": self.df,
            "p_value": self.p_value,
            "flagged_officers": self.flagged_officers,
            "flagged_pairs": int(self.pairs["flagged"].sum()),
            "outside": self.outside,
            "passed": self.passed,
        }


def chance_summary(pairs: pd.DataFrame, tolerance: float = 1.05) -> dict[str, float | int | None]:
    """Equal chances in a design (``pairs`` from `eligible_pairs`, or `with_marginals`).

    Per (target, department) the ratio of the largest to the smallest ``design`` probability
    among the eligible officers; returns the largest ratio (None when an eligible officer has
    probability 0), the eligible pairs at 0, the slots above ``tolerance``, the largest
    probability and the entropy -Σ p ln p of the positive probabilities.
    """
    if pairs.empty:
        return {"chance_ratio_max": 1.0, "zero_probability_pairs": 0, "targets_unequal": 0,
                "max_probability": 0.0, "entropy": 0.0}  # fmt: skip
    design = pairs["design"].to_numpy(dtype=np.float64)
    by_slot = pairs.assign(design=design).groupby(["uscc", "task_id", "department"], sort=False)["design"]
    high, low = by_slot.max(), by_slot.min()
    ratio = np.where(low > 0, high / np.where(low > 0, low, 1.0), np.inf)
    positive = design[design > 0]
    worst = float(ratio.max(initial=1.0))
    return {
        "chance_ratio_max": worst if np.isfinite(worst) else None,
        "zero_probability_pairs": int((design == 0).sum()),
        "targets_unequal": int((ratio > tolerance).sum()),
        "max_probability": float(design.max()),
        "entropy": float(-(positive * np.log(positive)).sum()),
    }


def officer_study(
    assigner: Assigner,
    pairs: pd.DataFrame,
    *,
    replicates: int = 200,
    seed: str = "fairness",
    alpha: float = 0.05,
    processes: int = 1,
) -> OfficerStudy:
    """Run ``assigner`` on ``replicates`` seeds and test officers' shares against ``pairs.design``."""
    if replicates < 1:
        raise DrawError(f"replicates must be at least 1, got {replicates}")
    teams = run_replicates(assigner, replicate_seeds(seed, replicates), processes=processes)
    index = pd.Index(_pair_keys(pairs))
    hits = np.zeros(len(pairs), dtype=np.int64)
    outside = 0
    for team in teams:
        officers = team[team["role"] == "officer"] if "role" in team.columns else team
        position = index.get_indexer(_pair_keys(officers))
        outside += int((position < 0).sum())
        np.add.at(hits, position[position >= 0], 1)
    pi = pairs["design"].to_numpy(dtype=np.float64)
    inner = (pi > 0) & (pi < 1)
    low, high = clopper_pearson(hits, replicates, bonferroni(alpha, len(pairs)))
    table = pairs.assign(hits=hits, rate=hits / replicates, low=low, high=high)
    table["flagged"] = np.where(inner, (pi < low) | (pi > high), hits != np.round(replicates * pi))
    expected = replicates * pi
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(inner, (hits - expected) ** 2 / (expected * (1 - pi)), 0.0)
    size = pairs["eligible"].to_numpy(dtype=np.float64)
    scale = np.where(size > 1, (size - 1) / size, 1.0)
    statistic = float((term * scale).sum())
    slots = table.loc[inner, ["uscc", "task_id", "department", "eligible"]].drop_duplicates()
    df = float((slots["eligible"] - 1).sum())
    per = table.assign(expected=expected).groupby(["inspector_id", "department"], sort=True)
    officers = per.agg(
        slots=("uscc", "size"), expected=("expected", "sum"), hits=("hits", "sum")
    ).reset_index()
    trials = officers["slots"] * replicates
    mean_pi = officers["expected"] / trials
    o_low, o_high = clopper_pearson(officers["hits"], trials, bonferroni(alpha, len(officers)))
    officers["ratio"] = officers["hits"] / officers["expected"]
    officers["ratio_low"] = o_low / mean_pi
    officers["ratio_high"] = o_high / mean_pi
    officers["flagged"] = (mean_pi < o_low) | (mean_pi > o_high)
    return OfficerStudy(
        replicates=replicates,
        alpha=alpha,
        pairs=table,
        officers=officers,
        statistic=statistic,
        df=df,
        p_value=chi2_pvalue(statistic, df),
        outside=outside,
    )


@dataclass(frozen=True)
class Workload:
    """Targets per officer in one assignment: ``loads`` per officer and spread per department."""

    loads: pd.DataFrame
    departments: pd.DataFrame
    gini: float
    max_load: int
    min_load: int

    @property
    def max_min_ratio(self) -> float:
        """Largest over smallest load (infinite when an available officer got nothing)."""
        return float("inf") if self.min_load == 0 else self.max_load / self.min_load


def _spread(loads: pd.Series) -> dict[str, Any]:
    values = loads.to_numpy(dtype=np.float64)
    low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
    return {
        "officers": len(values),
        "targets": int(values.sum()),
        "min": low,
        "max": high,
        "max_min": float("inf") if low == 0 else high / low,
        "gini": gini(values),
    }


def workload(teams: pd.DataFrame, inspectors: pd.DataFrame | None = None) -> Workload:
    """Loads of one assignment's officers; with ``inspectors``, idle active officers count as 0.

    Only departments that appear in ``teams`` are considered, and experts are left out.
    """
    officers = teams[teams["role"] == "officer"] if "role" in teams.columns else teams
    counts = officers.groupby(["inspector_id", "department"]).size().rename("load").reset_index()
    if inspectors is not None:
        active = inspectors["active"].astype(bool) if "active" in inspectors.columns else True
        expert = inspectors["expert"].astype(bool) if "expert" in inspectors.columns else False
        pool = inspectors[active & ~expert & inspectors["department"].isin(counts["department"])]
        idle = pool[~pool["inspector_id"].isin(counts["inspector_id"])][["inspector_id", "department"]]
        counts = pd.concat([counts, idle.assign(load=0)], ignore_index=True)
    counts = counts.sort_values(["department", "inspector_id"], ignore_index=True)
    departments = pd.DataFrame(
        [{"department": d, **_spread(part["load"])} for d, part in counts.groupby("department", sort=True)]
    )
    overall = _spread(counts["load"])
    return Workload(counts, departments, overall["gini"], overall["max"], overall["min"])


def pairings(teams: Sequence[pd.DataFrame], history: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Repeated officer-entity pairs across campaigns and officer-officer pairs across teams.

    ``teams`` is one teams table per campaign (in order); ``history`` rows with an
    ``inspector_id`` count as earlier campaigns. Returns ``officer_entity`` (inspector_id,
    uscc, campaigns >= 2) and ``officer_officer`` (first, second, teams, sorted by teams).
    """
    visits = []
    for number, team in enumerate(teams, start=1):
        officers = team[team["role"] == "officer"] if "role" in team.columns else team
        visits.append(
            officers[["inspector_id", "uscc"]].assign(campaign=f"#{number}", task=officers["task_id"])
        )
    if history is not None and "inspector_id" in history.columns:
        past = history[history["inspector_id"].astype("string").fillna("") != ""]
        campaign = past["campaign_id"] if "campaign_id" in past.columns else "history"
        visits.append(past[["inspector_id", "uscc"]].assign(campaign=campaign, task=""))
    seen = pd.concat(visits, ignore_index=True) if visits else pd.DataFrame(columns=["inspector_id", "uscc"])
    repeated = (
        seen.drop_duplicates(["inspector_id", "uscc", "campaign"]).groupby(["inspector_id", "uscc"]).size()
    )
    officer_entity = repeated[repeated >= 2].rename("campaigns").reset_index()
    together: dict[tuple[str, str], int] = {}
    for team in teams:
        officers = team[team["role"] == "officer"] if "role" in team.columns else team
        for _, members in officers.groupby(["uscc", "task_id"], sort=False)["inspector_id"]:
            for pair in combinations(sorted(set(members.astype(str))), 2):
                together[pair] = together.get(pair, 0) + 1
    officer_officer = pd.DataFrame(
        [(a, b, n) for (a, b), n in together.items()], columns=["first", "second", "teams"]
    ).sort_values(["teams", "first", "second"], ascending=[False, True, True], ignore_index=True)
    return {"officer_entity": officer_entity, "officer_officer": officer_officer}
