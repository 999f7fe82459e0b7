"""Equal chances, end to end: the default assignment run from 2,000 seeds realises k/E on every pair.

Each seed runs the real `assign_teams` (normalisation, recusal rules, keyed-cost flows, repeat
swaps, team table) with the default team rules on a small city with uneven eligibility: 属地
recusal at county level, declared conflicts with entities, joint targets and an expert seat.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from dualrandom.assign import assign_teams
from dualrandom.fairness.stats import bonferroni, clopper_pearson
from dualrandom.models import TeamRules

SEEDS = 2000
FAMILY_ALPHA = 0.001  # 99.9 % family-wise: Bonferroni over every pair, exact two-sided bands
RULES = TeamRules(rotation_campaigns=0, experts=1)  # everything else at its default


def code(i: int) -> str:
    return f"{i:015d}"


def city() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """24 targets in three counties; D sends 2 officers (1 when F joins, every fourth target)."""
    sample = pd.DataFrame(
        {
            "uscc": [code(t) for t in range(24)],
            "task_id": "T",
            "departments": ["D;F" if t % 4 == 0 else "D" for t in range(24)],
            "division": [f"42060{t % 3}" for t in range(24)],
        }
    )
    d_home = ["420600", "420600", "420601", "", "", "", "", ""]
    roster = pd.DataFrame(
        {
            "inspector_id": [f"d{i}" for i in range(8)] + [f"f{i}" for i in range(4)] + ["x0", "x1", "x2"],
            "name": "n",
            "department": ["D"] * 8 + ["F"] * 4 + ["D", "F", "F"],
            "home_division": [*d_home, "420602", "", "", "", "", "", ""],
            "expert": [False] * 12 + [True] * 3,
        }
    )
    conflicts = pd.DataFrame(
        {
            "inspector_id": ["d3", "d3", "d4", "f1", "x0"],
            "uscc": [code(1), code(2), code(5), code(8), code(4)],
            "reason": "r",
        }
    )
    return sample, roster, conflicts


def design(sample: pd.DataFrame, roster: pd.DataFrame, conflicts: pd.DataFrame) -> dict:
    """(uscc, pool, person) -> k/E, from the rules written out independently of the library."""
    banned = set(zip(conflicts.inspector_id, conflicts.uscc, strict=True))
    eligible: dict[tuple[str, str], list[str]] = {}
    seats: dict[tuple[str, str], int] = {}
    for row in sample.itertuples(index=False):
        departments = row.departments.split(";")
        seats[(row.uscc, "*")] = 1
        for d in departments:
            seats[(row.uscc, d)] = 2 if len(departments) == 1 else 1
        for person in roster.itertuples(index=False):
            pool = "*" if person.expert else person.department
            if (row.uscc, pool) not in seats or (person.inspector_id, row.uscc) in banned:
                continue
            if not person.expert and person.home_division == row.division:
                continue
            eligible.setdefault((row.uscc, pool), []).append(person.inspector_id)
    return {(u, pool, o): seats[(u, pool)] / len(os) for (u, pool), os in eligible.items() for o in os}


@pytest.mark.slow
def test_two_thousand_seeds_of_the_default_assignment_realise_k_over_e() -> None:
    # A pair's count over SEEDS seeds is Binomial(SEEDS, k/E). Its exact Clopper-Pearson band at
    # level 1 - FAMILY_ALPHA / pairs (Bonferroni) must hold k/E, so the chance that any pair falls
    # outside by luck is at most 0.1 %; the seeds are fixed, so the test is deterministic.
    sample, roster, conflicts = city()
    p_of = design(sample, roster, conflicts)
    figures = assign_teams(sample, roster, conflicts, RULES, "seed-0").manifest["fairness"]
    p = np.array(list(p_of.values()))
    assert figures["chances"].startswith("k/E") and figures["chance_ratio_max"] == 1.0
    assert figures["targets_unequal"] == 0 and figures["zero_probability_pairs"] == 0
    assert figures["max_probability"] == pytest.approx(p.max())
    assert figures["entropy"] == pytest.approx(-(p * np.log(p)).sum())
    seen: Counter[tuple[str, str, str]] = Counter()
    for k in range(SEEDS):
        teams = assign_teams(sample, roster, conflicts, RULES, f"seed-{k}").teams
        pool = np.where(teams.role == "expert", "*", teams.department)
        seen.update(zip(teams.uscc, pool, teams.inspector_id, strict=True))
    assert set(seen) <= set(p_of)  # nobody the rules exclude was ever sent
    pairs = sorted(p_of)
    p = np.array([p_of[key] for key in pairs])
    hits = np.array([seen[key] for key in pairs])
    low, high = clopper_pearson(hits, SEEDS, bonferroni(FAMILY_ALPHA, len(pairs)))
    outside = [(key, p_of[key], seen[key] / SEEDS) for key, a, b, q in zip(pairs, low, high, p, strict=True)
               if not a <= q <= b]  # fmt: skip
    assert not outside, outside
    # Equally eligible officers (the same targets open to them) get equal chances: their realised
    # rates (hits over expected hits, pooled over those targets) differ by at most 5 %.
    frame = pd.DataFrame(pairs, columns=["uscc", "pool", "officer"]).assign(hits=hits, p=p)
    opened = frame.groupby("officer").uscc.agg(lambda u: ";".join(sorted(u))).rename("opened")
    per = frame.join(opened, on="officer").groupby(["pool", "opened", "officer"])[["hits", "p"]].sum()
    rate = per.hits / (per.p * SEEDS)
    ratios = rate.groupby(level=["pool", "opened"]).agg(lambda r: r.max() / r.min())
    assert (ratios.groupby(level="opened").size() >= 1).all() and (ratios >= 1).all()
    assert ratios.max() <= 1.05, ratios.reset_index(drop=True)
    assert (rate.groupby(level=["pool", "opened"]).size() >= 2).sum() >= 4  # classes of several officers
