"""Inspectors: the real assignment is uniform where symmetry says it must be; favour is flagged.

In the symmetric instance (one department, every officer eligible for every target, no caps)
each officer's chance per target is exactly 2/12 by exchangeability. Tolerances are
Clopper-Pearson intervals at Bonferroni levels; the seeds are fixed.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dualrandom.assign import assign_teams
from dualrandom.fairness import (
    OfficerStudy,
    TeamSampler,
    eligible_pairs,
    officer_study,
    pairings,
    plot_inspectors,
    with_marginals,
    workload,
)
from dualrandom.models import TeamRules

TARGETS = 60
OFFICERS = 12
SAMPLE = pd.DataFrame(
    {
        "uscc": [f"E{i:03d}" for i in range(TARGETS)],
        "task_id": "T",
        "departments": "SAMR",
        "division": "420602",
    }
)
INSPECTORS = pd.DataFrame(
    {
        "inspector_id": [f"INS{i:02d}" for i in range(OFFICERS)],
        "name": [f"officer {i}" for i in range(OFFICERS)],
        "department": "SAMR",
        "certificate_no": [f"C{i}" for i in range(OFFICERS)],
        "qualifications": "general",
        "home_division": "",
        "active": True,
        "max_targets": pd.array([None] * OFFICERS, dtype="Int64"),
        "unavailable": "",
        "expert": False,
    }
)
NO_CONFLICTS = pd.DataFrame(columns=["inspector_id", "uscc", "reason"])
RULES = TeamRules()
REPLICATES = 100
ALPHA = 0.01


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return eligible_pairs(SAMPLE, INSPECTORS, NO_CONFLICTS, RULES)


@pytest.fixture(scope="module")
def real(pairs: pd.DataFrame) -> OfficerStudy:
    sampler = TeamSampler(SAMPLE, INSPECTORS, NO_CONFLICTS, RULES)
    return officer_study(sampler, pairs, replicates=REPLICATES, seed="teams", alpha=ALPHA)


def test_eligible_pairs_are_uniform_and_respect_conflicts(pairs: pd.DataFrame) -> None:
    assert len(pairs) == TARGETS * OFFICERS
    assert pairs["design"].unique().tolist() == [2 / OFFICERS]
    conflicts = pd.DataFrame({"inspector_id": ["INS03"], "uscc": ["E007"], "reason": ["近亲属"]})
    fewer = eligible_pairs(SAMPLE, INSPECTORS, conflicts, RULES)
    assert len(fewer) == len(pairs) - 1
    mine = fewer[fewer["uscc"] == "E007"]
    assert "INS03" not in set(mine["inspector_id"])
    assert mine["design"].unique().tolist() == [2 / (OFFICERS - 1)]


def test_real_assignment_is_uniform_over_the_eligible(real: OfficerStudy) -> None:
    assert real.passed, real.summary()
    # every seat is filled each time: 2 officers per target per replicate
    assert real.pairs["hits"].sum() == 2 * TARGETS * REPLICATES
    assert real.df == TARGETS * (OFFICERS - 1)


def test_marginals_mode_matches_its_published_marginals(pairs: pd.DataFrame) -> None:
    rules = TeamRules(mode="marginals")
    published = assign_teams(SAMPLE, INSPECTORS, NO_CONFLICTS, rules, "any").marginals
    assert published is not None
    design = with_marginals(pairs, published)
    assert design["design"].sum() == pytest.approx(2 * TARGETS)  # x sums to the seats of each target
    sampler = TeamSampler(SAMPLE, INSPECTORS, NO_CONFLICTS, rules)
    study = officer_study(sampler, design, replicates=50, seed="marginals", alpha=ALPHA)
    assert study.passed, study.summary()


class FavouringAssigner:
    """The real assignment, except that INS00 takes the second seat of every team it is not in."""

    def __init__(self) -> None:
        self.inner = TeamSampler(SAMPLE, INSPECTORS, NO_CONFLICTS, RULES)

    def __call__(self, seed: str) -> pd.DataFrame:
        teams = self.inner(seed).copy()
        for _, rows in teams.groupby(["uscc", "task_id"]):
            if "INS00" not in set(rows["inspector_id"]):
                teams.loc[rows.index[-1], "inspector_id"] = "INS00"
        return teams


def test_favoured_officer_is_flagged(pairs: pd.DataFrame) -> None:
    study = officer_study(FavouringAssigner(), pairs, replicates=20, seed="teams", alpha=ALPHA)
    officers = study.officers.set_index("inspector_id")
    assert bool(officers.loc["INS00", "flagged"])
    assert officers.loc["INS00", "ratio"] == pytest.approx(OFFICERS / 2)  # always there: 1 / (2/12)
    assert officers.loc["INS00", "ratio_low"] > 1
    assert not study.passed and study.p_value < 1e-12


def test_forbidden_pairs_count_as_breaches(pairs: pd.DataFrame) -> None:
    allowed = pairs[~((pairs["uscc"] == "E001") & (pairs["inspector_id"] == "INS05"))]

    def breach(seed: str) -> pd.DataFrame:
        return pd.DataFrame({"uscc": ["E001"], "task_id": ["T"], "inspector_id": ["INS05"]})

    study = officer_study(breach, allowed, replicates=2, alpha=ALPHA)
    assert study.outside == 2 and not study.passed


TEAMS_1 = pd.DataFrame(
    {
        "uscc": ["X", "X", "Y", "Y", "Z", "Z"],
        "task_id": "T",
        "inspector_id": ["O1", "O2", "O1", "O2", "O1", "O3"],
        "department": "SAMR",
        "role": "officer",
    }
)
TEAMS_2 = pd.DataFrame(
    {
        "uscc": ["X", "X"],
        "task_id": "T",
        "inspector_id": ["O1", "O3"],
        "department": "SAMR",
        "role": "officer",
    }
)


def test_workload_known_answer() -> None:
    load = workload(TEAMS_1)
    assert load.loads.set_index("inspector_id")["load"].to_dict() == {"O1": 3, "O2": 2, "O3": 1}
    assert load.max_min_ratio == 3.0
    assert load.gini == pytest.approx((2 * (1 * 1 + 2 * 2 + 3 * 3)) / (3 * 6) - 4 / 3)
    roster = pd.DataFrame(
        {"inspector_id": ["O1", "O2", "O3", "O4"], "department": "SAMR", "active": True, "expert": False}
    )
    with_idle = workload(TEAMS_1, roster)
    assert with_idle.min_load == 0 and math.isinf(with_idle.max_min_ratio)
    assert with_idle.departments.iloc[0]["officers"] == 4


def test_repeated_pairings() -> None:
    history = pd.DataFrame({"uscc": ["Z"], "inspector_id": ["O1"], "campaign_id": ["OLD"]})
    found = pairings([TEAMS_1, TEAMS_2], history)
    repeated = found["officer_entity"].set_index(["inspector_id", "uscc"])["campaigns"].to_dict()
    assert repeated == {("O1", "X"): 2, ("O1", "Z"): 2}
    together = found["officer_officer"]
    assert together.iloc[0].tolist() == ["O1", "O2", 2]
    assert together.set_index(["first", "second"])["teams"].to_dict()[("O1", "O3")] == 2


def test_inspector_plot(real: OfficerStudy) -> None:
    figure = plot_inspectors(workload(TEAMS_1), real)
    assert len(figure.axes) == 2
    assert "flagged 0" in figure.axes[1].get_title()
