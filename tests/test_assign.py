"""The second random: teams obey every rule, are reproducible, exact and fairly drawn."""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Set as AbstractSet
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize, sparse, stats

from dualrandom.assign import InfeasibilityExplanation, assign_teams, ensure_teams
from dualrandom.assign.flow import solve_network
from dualrandom.assign.marginals import ONE, dependent_round
from dualrandom.errors import InfeasibleAssignmentError, InputError, SolverError, VerificationError
from dualrandom.models import TeamRules, load_campaign

RULES = TeamRules(local_recusal=False, rotation_campaigns=0)
LOADS = RULES.model_copy(update={"balance": "loads", "avoid_repeat_pairs": False})  # even loads, no swaps


def code(i: int) -> str:
    return f"{i:015d}"  # a legacy 15-digit registration number


def pair_cost(seed: str, uscc: str, task: str, officer: str) -> int:
    """The published pair-cost recipe (v2), written out independently of the library."""

    def key(text: str) -> int:
        message = b"dualrandom-assign-pair/3\x1f" + seed.encode() + b"\x1f" + text.encode()
        return int.from_bytes(hashlib.sha256(message).digest()[:8], "big")

    z = key(f"target\x1f{uscc}\x1f{task}") ^ key(f"officer\x1f{officer}")
    mask = (1 << 64) - 1
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return (z ^ (z >> 31)) >> 24


# --- an independent checker of every rule ------------------------------------------------------


def rotation_and_dates(
    sample: pd.DataFrame, roster: pd.DataFrame, history: pd.DataFrame | None, rules: TeamRules
) -> set[tuple[str, str, str]]:
    """(officer, uscc, task) pairs the rotation rule or an unavailable date forbids."""
    banned: set[tuple[str, str, str]] = set()
    recent: set[tuple[str, str]] = set()
    if history is not None and rules.rotation_campaigns:
        last: dict[str, str] = {}
        for h in history.itertuples(index=False):
            last[h.campaign_id] = max(last.get(h.campaign_id, ""), h.inspected_on)
        window = sorted(last, key=lambda c: (last[c], c), reverse=True)[: rules.rotation_campaigns]
        recent = {
            (h.inspector_id, h.uscc) for h in history.itertuples(index=False) if h.campaign_id in window
        }
    for row in sample.itertuples(index=False):
        for p in roster.itertuples(index=False):
            away = str(getattr(p, "unavailable", "")).split(";")
            if (p.inspector_id, row.uscc) in recent or (getattr(row, "scheduled_on", "") or "-") in away:
                banned.add((p.inspector_id, row.uscc, row.task_id))
    return banned


def check_teams(
    teams: pd.DataFrame,
    sample: pd.DataFrame,
    roster: pd.DataFrame,
    conflicts: pd.DataFrame,
    rules: TeamRules,
    skipped: AbstractSet[tuple[str, str]] = frozenset(),
    banned: AbstractSet[tuple[str, str, str]] = frozenset(),
) -> list[str]:
    """Plain-Python check: quotas, experts, recusal, rotation, dates, activity, caps, duplicates."""
    bad: list[str] = []
    people = {r.inspector_id: r for r in roster.itertuples(index=False)}
    conflict = {(r.inspector_id, r.uscc) for r in conflicts.itertuples(index=False)}
    got: Counter[tuple[str, str, str, str]] = Counter()
    load: Counter[str] = Counter()
    division = {
        (u, t): d for u, t, d in zip(sample.uscc, sample.task_id, sample.get("division", ""), strict=True)
    }
    for r in teams.itertuples(index=False):
        p = people[r.inspector_id]
        load[r.inspector_id] += 1
        got[(r.uscc, r.task_id, r.role, r.department if r.role == "officer" else "*")] += 1
        if r.department != p.department or (r.role == "expert") != bool(getattr(p, "expert", False)):
            bad.append(f"wrong department/role {r}")
        if not bool(getattr(p, "active", True)):
            bad.append(f"inactive {r}")
        if (r.inspector_id, r.uscc) in conflict:
            bad.append(f"conflict {r}")
        if (r.inspector_id, r.uscc, r.task_id) in banned:
            bad.append(f"rotation or date {r}")
        if rules.local_recusal and getattr(p, "home_division", "") == division[(r.uscc, r.task_id)]:
            bad.append(f"local {r}")
    if len(teams) != len(teams.drop_duplicates(["uscc", "task_id", "inspector_id"])):
        bad.append("an officer appears twice in a team")
    for row in sample.itertuples(index=False):
        if (row.uscc, row.task_id) in skipped:
            if any(k[:2] == (row.uscc, row.task_id) for k in got):
                bad.append(f"unassigned target {row.uscc} has officers")
            continue
        departments = row.departments.split(";")
        each = rules.officers_per_department or (2 if len(departments) == 1 else 1)
        need = {d: each for d in departments}
        need[departments[0]] += max(0, rules.min_officers - each * len(departments))
        for d, n in need.items():
            if got[(row.uscc, row.task_id, "officer", d)] != n:
                bad.append(f"{row.uscc} {d}: {got[(row.uscc, row.task_id, 'officer', d)]} != {n}")
        if got[(row.uscc, row.task_id, "expert", "*")] != rules.experts:
            bad.append(f"{row.uscc}: wrong number of experts")
    for officer, n in load.items():
        cap = people[officer].max_targets if "max_targets" in roster.columns else None
        if cap is not None and not pd.isna(cap) and n > int(cap):
            bad.append(f"{officer} over cap")
        if rules.max_targets_per_officer is not None and n > rules.max_targets_per_officer:
            bad.append(f"{officer} over campaign cap")
    return bad


def lp_feasible(
    sample: pd.DataFrame,
    roster: pd.DataFrame,
    conflicts: pd.DataFrame,
    rules: TeamRules,
    pair_cap: float = 1.0,
    banned: AbstractSet[tuple[str, str, str]] = frozenset(),
) -> bool:
    """Is there any valid (fractional, capped at ``pair_cap``) assignment? An LP over the whole
    instance; with ``pair_cap`` = 1 the polytope is integral, so this decides integer feasibility."""
    conflict = {(r.inspector_id, r.uscc) for r in conflicts.itertuples(index=False)}
    people = list(roster.itertuples(index=False))
    variables: list[tuple[int, int]] = []
    for t, row in enumerate(sample.itertuples(index=False)):
        departments = row.departments.split(";")
        for i, p in enumerate(people):
            ok = bool(p.active) and (p.inspector_id, row.uscc) not in conflict
            ok = ok and (p.inspector_id, row.uscc, row.task_id) not in banned
            ok = ok and (not rules.local_recusal or p.home_division != row.division)
            ok = ok and (p.department in departments if not p.expert else rules.experts > 0)
            ok = ok and (pd.isna(p.max_targets) or int(p.max_targets) > 0)
            if ok:
                variables.append((t, i))
    eq_rows, eq_cols, rhs = [], [], []
    groups: dict[tuple[int, str], int] = {}
    for t, row in enumerate(sample.itertuples(index=False)):
        departments = row.departments.split(";")
        each = rules.officers_per_department or (2 if len(departments) == 1 else 1)
        need = {d: each for d in departments}
        need[departments[0]] += max(0, rules.min_officers - each * len(departments))
        if rules.experts:
            need["*"] = rules.experts
        for d, n in need.items():
            groups[(t, d)] = len(rhs)
            rhs.append(n)
    for v, (t, i) in enumerate(variables):
        key = (t, "*" if people[i].expert else people[i].department)
        eq_rows.append(groups[key])
        eq_cols.append(v)
    a_eq = sparse.coo_matrix(
        (np.ones(len(eq_rows)), (eq_rows, eq_cols)), shape=(len(rhs), max(1, len(variables)))
    )
    ub_rows, ub_cols, ub = [], [], []
    for i, p in enumerate(people):
        caps = [int(p.max_targets)] if not pd.isna(p.max_targets) else []
        if rules.max_targets_per_officer is not None:
            caps.append(rules.max_targets_per_officer)
        if caps:
            for v, (_, j) in enumerate(variables):
                if j == i:
                    ub_rows.append(len(ub))
                    ub_cols.append(v)
            ub.append(min(caps))
    a_ub = sparse.coo_matrix(
        (np.ones(len(ub_rows)), (ub_rows, ub_cols)), shape=(len(ub), max(1, len(variables)))
    )
    if not variables:
        return not any(rhs)
    result = optimize.linprog(
        np.zeros(len(variables)),
        A_ub=a_ub if ub else None,
        b_ub=ub or None,
        A_eq=a_eq,
        b_eq=rhs,
        bounds=(0, pair_cap),
        method="highs",
    )
    return bool(result.status == 0)


# --- instances ----------------------------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, TeamRules]:
    departments = ["D1", "D2", "D3"][: draw(st.integers(1, 3))]
    n_targets = draw(st.integers(1, 12))
    rows = []
    for t in range(n_targets):
        chosen = draw(st.permutations(departments))[: draw(st.integers(1, len(departments)))]
        rows.append(
            {
                "uscc": code(t),
                "task_id": draw(st.sampled_from(["T1", "T2"])),
                "departments": ";".join(chosen),
                "division": f"42060{draw(st.integers(0, 3))}",
                "scheduled_on": draw(st.sampled_from(["", "2026-11-02", "2026-11-03"])),
            }
        )
    sample = pd.DataFrame(rows).drop_duplicates(["uscc", "task_id"])
    people = []
    for d in [*departments, "X"]:
        for k in range(draw(st.integers(0 if d == "X" else 1, 6))):
            cap = draw(st.one_of(st.none(), st.integers(0, 8)))
            people.append(
                {
                    "inspector_id": f"{d}-{k}",
                    "name": f"officer {d}{k}",
                    "department": d,
                    "active": draw(st.booleans()) or draw(st.booleans()),
                    "max_targets": cap,
                    "home_division": f"42060{draw(st.integers(0, 5))}",
                    "expert": d == "X",
                    "unavailable": draw(st.sampled_from(["", "", "2026-11-02", "2026-11-02;2026-11-03"])),
                }
            )
    roster = pd.DataFrame(people)
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(roster.inspector_id.tolist()), st.integers(0, n_targets - 1)),
            max_size=10,
        )
    )
    conflicts = pd.DataFrame(
        {"inspector_id": [p for p, _ in pairs], "uscc": [code(t) for _, t in pairs], "reason": "declared"},
        columns=["inspector_id", "uscc", "reason"],
    )
    visits = draw(
        st.lists(
            st.tuples(
                st.sampled_from(roster.inspector_id.tolist()),
                st.integers(0, n_targets - 1),
                st.sampled_from(["C1", "C2", "C3"]),
            ),
            max_size=8,
        )
    )
    dates = {"C1": "2024-03-01", "C2": "2025-03-01", "C3": "2026-03-01"}
    history = pd.DataFrame(
        {
            "uscc": [code(t) for _, t, _ in visits],
            "inspector_id": [o for o, _, _ in visits],
            "campaign_id": [c for _, _, c in visits],
            "inspected_on": [dates[c] for _, _, c in visits],
        },
        columns=["uscc", "inspector_id", "campaign_id", "inspected_on"],
    )
    rules = TeamRules(
        local_recusal=draw(st.booleans()),
        rotation_campaigns=draw(st.integers(0, 2)),
        experts=draw(st.integers(0, 1)),
        min_officers=draw(st.integers(2, 3)),
        max_targets_per_officer=draw(st.one_of(st.none(), st.integers(1, 10))),
    )
    return sample, roster, conflicts, history, rules


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from(["fast", "marginals"]))
def test_random_instances_never_break_a_rule(case: tuple, mode: str) -> None:
    sample, roster, conflicts, history, rules = case
    banned = rotation_and_dates(sample, roster, history, rules)
    feasible = lp_feasible(
        sample, roster, conflicts, rules, 1.0 if mode == "fast" else rules.pair_cap, banned
    )
    try:
        result = assign_teams(
            sample,
            roster,
            conflicts,
            rules,
            "hyp",
            mode=mode,  # type: ignore[arg-type]
            history=history,
        )
    except InfeasibleAssignmentError as error:
        assert not feasible, "the assigner gave up on a feasible instance"
        assert isinstance(error.explanation, InfeasibilityExplanation) and error.explanation.remedies
        partial = assign_teams(
            sample,
            roster,
            conflicts,
            rules,
            "hyp",
            mode=mode,  # type: ignore[arg-type]
            allow_partial=True,
            history=history,
        )
        skipped = {(s.uscc, s.task_id) for s in partial.unassigned}
        assert skipped and check_teams(partial.teams, sample, roster, conflicts, rules, skipped, banned) == []
        ensure_teams(partial.teams, sample, roster, conflicts, rules, history=history, allow_partial=True)
        return
    assert feasible
    assert check_teams(result.teams, sample, roster, conflicts, rules, banned=banned) == []
    ensure_teams(result.teams, sample, roster, conflicts, rules, history=history)


def test_benchmark_instance_passes_the_independent_checker() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_assign import city

    sample, roster, conflicts = city(2_000, 200, 10, 0.05, seed=7)
    rules = TeamRules(rotation_campaigns=0)
    result = assign_teams(sample, roster, conflicts, rules, "bench", candidates=12)
    assert check_teams(result.teams, sample, roster.assign(active=True, expert=False), conflicts, rules) == []
    ensure_teams(result.teams, sample, roster, conflicts, rules)
    assert result.manifest["pools"][0]["thinned_pairs"] > 0  # thinning was exercised


def test_keyed_costs_rank_every_officer_alike() -> None:
    # For a lone target the fast mode picks the k lowest keyed costs, so each of n officers must be
    # among them with probability k/n; 4,000 targets give 4,000 independent trials per officer.
    from dualrandom.assign.keys import pair_costs

    n, k, trials = 5, 2, 4000
    officers = [f"officer-{i}" for i in range(n)]
    slots = np.repeat(np.arange(trials, dtype=np.int32), n)
    members = np.tile(np.arange(n, dtype=np.int32), trials)
    costs = pair_costs("uniform", [f"{code(t)}\x1fT" for t in range(trials)], slots, officers, members)
    assert costs.max() < 2**40 and len(np.unique(costs)) == len(costs)
    ranks = costs.reshape(trials, n).argsort(axis=1).argsort(axis=1)
    picked = (ranks < k).sum(axis=0)
    alpha = 1e-4 / n
    low, high = stats.binom.ppf(alpha / 2, trials, k / n), stats.binom.isf(alpha / 2, trials, k / n)
    assert ((picked >= low) & (picked <= high)).all(), picked


# --- exactness and determinism ------------------------------------------------------------------


def test_single_target_takes_the_two_lowest_keyed_costs() -> None:
    sample = pd.DataFrame(
        {"uscc": [code(7)], "task_id": ["T1"], "departments": ["SAMR"], "division": ["420602"]}
    )
    roster = pd.DataFrame({"inspector_id": ["a", "b", "c", "d"], "name": "n", "department": "SAMR"})
    conflicts = pd.DataFrame({"inspector_id": ["b"], "uscc": [code(7)], "reason": ["spouse works there"]})
    result = assign_teams(sample, roster, conflicts, RULES, "known-answer")
    ranked = sorted("acd", key=lambda o: pair_cost("known-answer", code(7), "T1", o))
    assert sorted(result.teams.inspector_id) == sorted(ranked[:2])
    assert result.manifest["objective"] == sum(
        pair_cost("known-answer", code(7), "T1", o) for o in ranked[:2]
    )


def test_fast_mode_is_the_unique_optimum_a_second_solver_finds() -> None:
    rng = np.random.default_rng(5)
    n_t, n_o = 30, 7
    sample = pd.DataFrame(
        {"uscc": [code(t) for t in range(n_t)], "task_id": "T1", "departments": "D", "division": ""}
    )
    roster = pd.DataFrame({"inspector_id": [f"o{i}" for i in range(n_o)], "name": "n", "department": "D"})
    banned = {
        (int(t), int(o)) for t, o in zip(rng.integers(0, n_t, 12), rng.integers(0, n_o, 12), strict=True)
    }
    conflicts = pd.DataFrame(
        {
            "inspector_id": [f"o{o}" for _, o in sorted(banned)],
            "uscc": [code(t) for t, _ in sorted(banned)],
            "reason": "r",
        }
    )
    result = assign_teams(sample, roster, conflicts, LOADS, "exact")
    pairs = [(t, o) for t in range(n_t) for o in range(n_o) if (t, o) not in banned]
    cost = np.array([pair_cost("exact", code(t), "T1", f"o{o}") for t, o in pairs], dtype=float)
    level = 2 * n_t // n_o  # loads floor(60/7)=8 or 9: every officer is eligible for >= 9 targets here
    a_eq = np.zeros((n_t, len(pairs)))
    a_load = np.zeros((n_o, len(pairs)))
    for v, (t, o) in enumerate(pairs):
        a_eq[t, v] = 1
        a_load[o, v] = 1
    lp = optimize.linprog(
        cost,
        A_ub=np.vstack((a_load, -a_load)),
        b_ub=np.r_[np.full(n_o, level + 1), np.full(n_o, -level)],
        A_eq=a_eq,
        b_eq=np.full(n_t, 2),
        bounds=(0, 1),
        method="highs",
    )
    assert lp.status == 0
    chosen = {(code(pairs[v][0]), f"o{pairs[v][1]}") for v in np.flatnonzero(lp.x > 0.5)}
    assert np.allclose(lp.x, np.round(lp.x))  # integral vertex
    assert chosen == set(zip(result.teams.uscc, result.teams.inspector_id, strict=True))
    assert result.manifest["objective"] == round(lp.fun)


def test_row_order_does_not_change_the_teams() -> None:
    rng = np.random.default_rng(9)
    sample = pd.DataFrame(
        {
            "uscc": [code(t) for t in range(40)],
            "task_id": "T1",
            "departments": [["A", "A;B", "B;A"][t % 3] for t in range(40)],
            "division": [f"42060{t % 4}" for t in range(40)],
        }
    )
    roster = pd.DataFrame(
        {
            "inspector_id": [f"i{k:02d}" for k in range(14)],
            "name": "n",
            "department": ["A", "B"] * 7,
            "home_division": [f"42060{k % 5}" for k in range(14)],
        }
    )
    conflicts = pd.DataFrame(
        {"inspector_id": ["i01", "i02"], "uscc": [code(3), code(4)], "reason": ["x", "y"]}
    )
    rules = TeamRules(rotation_campaigns=0)
    first = assign_teams(sample, roster, conflicts, rules, "order")
    second = assign_teams(
        sample.sample(frac=1, random_state=1),
        roster.iloc[rng.permutation(14)],
        conflicts.iloc[::-1],
        rules,
        "order",
    )
    pd.testing.assert_frame_equal(first.teams, second.teams)
    assert first.manifest == second.manifest
    other = assign_teams(sample, roster, conflicts, rules, "another seed")
    assert not first.teams.equals(other.teams)


def test_manifest_counts_repeated_officer_pairs_and_progress_is_reported() -> None:
    sample = pd.DataFrame({"uscc": [code(1), code(2), code(3)], "task_id": "T", "departments": "D"})
    roster = pd.DataFrame({"inspector_id": ["a", "b"], "name": "n", "department": "D"})
    calls: list[tuple[str, int, int]] = []
    result = assign_teams(sample, roster, None, RULES, "pairs", progress=lambda *call: calls.append(call))
    assert calls == [("department D", 0, 1), ("done", 1, 1)]
    fairness = result.manifest["fairness"]
    pairs = {k: v for k, v in fairness.items() if k.startswith("officer_pair")}
    assert pairs == {"officer_pairs": 1, "officer_pairs_repeated": 1, "officer_pair_max_repeats": 3}
    # both officers are eligible for every target: k/E = 2/2, one set of equal chances per target
    assert fairness["chances"].startswith("k/E") and fairness["chance_ratio_max"] == 1.0
    assert fairness["max_probability"] == 1.0 and fairness["entropy"] == 0.0 and fairness["support"] == 6


def test_loads_sit_at_the_fair_share_when_caps_allow() -> None:
    sample = pd.DataFrame({"uscc": [code(t) for t in range(50)], "task_id": "T1", "departments": "D"})
    roster = pd.DataFrame(
        {
            "inspector_id": [f"o{i}" for i in range(8)],
            "name": "n",
            "department": "D",
            "max_targets": [3, None, None, None, None, None, None, None],
        }
    )
    result = assign_teams(sample, roster, None, LOADS, "fair")
    loads = result.teams.inspector_id.value_counts()
    assert loads["o0"] == 3  # capped: the other 97 seats spread over 7 officers as 13 or 14
    assert set(loads.drop("o0")) <= {13, 14} and loads.sum() == 100


def test_rules_raise_the_ceiling_only_as_far_as_needed() -> None:
    # targets 0-5 may only be inspected by o0 and o1, so they must carry 6 each (fair share: 4);
    # the other four officers then share targets 6-11 evenly, 3 each
    sample = pd.DataFrame({"uscc": [code(t) for t in range(12)], "task_id": "T1", "departments": "D"})
    roster = pd.DataFrame({"inspector_id": [f"o{i}" for i in range(6)], "name": "n", "department": "D"})
    banned = [(f"o{i}", code(t)) for i in range(2, 6) for t in range(6)]
    conflicts = pd.DataFrame(
        {"inspector_id": [o for o, _ in banned], "uscc": [u for _, u in banned], "reason": "r"}
    )
    result = assign_teams(sample, roster, conflicts, LOADS, "ceiling")
    loads = result.teams.inspector_id.value_counts().to_dict()
    assert loads == {"o0": 6, "o1": 6, "o2": 3, "o3": 3, "o4": 3, "o5": 3}
    pool = result.manifest["pools"][0]
    assert (pool["load_ceiling"], pool["load_floor"]) == (6, 3)


# --- rules from the campaign file and the history ---------------------------------------------


def test_joint_campaign_quorum_qualifications_experts_and_rotation() -> None:
    campaign = load_campaign("examples/campaign.toml")
    campaign = campaign.model_copy(
        update={
            "teams": campaign.teams.model_copy(
                update={"min_officers": 3, "experts": 1, "local_recusal": True}
            )
        }
    )
    sample = pd.DataFrame(
        {"uscc": [code(1), code(2)], "task_id": ["T2", "T2"], "division": ["420602", "420606"]}
    )
    roster = pd.DataFrame(
        {
            "inspector_id": ["F1", "F2", "F3", "F4", "R1", "R2", "E1", "E2"],
            "name": "n",
            "department": ["FOOD", "FOOD", "FOOD", "FOOD", "FIRE", "FIRE", "FIRE", "FOOD"],
            "qualifications": ["food", "food", "", "food", "", "", "food", "fire"],
            "home_division": ["420602", "", "", "", "", "", "", ""],
            "expert": [False] * 6 + [True, True],
        }
    )
    history = pd.DataFrame(
        {
            "uscc": [code(2), code(2)],
            "inspector_id": ["F2", "R1"],
            "department": "x",
            "campaign_id": ["OLD", "LAST"],
            "inspected_on": ["2025-01-01", "2026-06-01"],
            "kind": "random",
        }
    )
    result = assign_teams(sample, roster, None, campaign, "joint", history=history)
    teams = result.teams
    by = {u: g for u, g in teams.groupby("uscc")}
    # FOOD initiates: 2 FOOD + 1 FIRE officers, plus 1 expert not counted in the quorum
    for u in (code(1), code(2)):
        g = by[u]
        assert Counter(g[g.role == "officer"].department) == {"FOOD": 2, "FIRE": 1}
        assert list(g[g.role == "expert"].inspector_id) == ["E1"]  # E2's field is not among T2's items
        assert "F3" not in set(g.inspector_id)  # lacks the "food" qualification of FOOD-SALE
    assert "F1" not in set(by[code(1)].inspector_id)  # 属地 officer of 420602
    assert "R1" not in set(by[code(2)].inspector_id)  # inspected it in the last campaign
    assert set(by[code(2)][by[code(2)].department == "FIRE"].inspector_id) & {"R2", "E1"}
    assert result.manifest["rotation_window"] == ["LAST"]
    ensure_teams(teams, sample, roster, None, campaign, history=history, seed="joint")


def test_unavailable_dates_and_inactive_officers_are_excluded() -> None:
    sample = pd.DataFrame(
        {
            "uscc": [code(1), code(2)],
            "task_id": "T",
            "departments": "D",
            "scheduled_on": ["2026-11-02", "2026-11-03"],
        }
    )
    roster = pd.DataFrame(
        {
            "inspector_id": ["a", "b", "c", "d"],
            "name": "n",
            "department": "D",
            "active": ["true", "true", "false", "yes"],
            "unavailable": ["2026-11-02", "", "", "2026-11-03;2026-12-01"],
        }
    )
    teams = assign_teams(sample, roster, None, RULES, "dates").teams
    assert set(teams[teams.uscc == code(1)].inspector_id) == {"b", "d"}
    assert set(teams[teams.uscc == code(2)].inspector_id) == {"a", "b"}


# --- infeasibility explained --------------------------------------------------------------------


def _short_food() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sample = pd.DataFrame(
        {
            "uscc": ["91350100M000100Y43", "91350200776049653A"],
            "task_id": "T1",
            "departments": "FOOD",
            "division": ["350100", "350200"],
        }
    )
    roster = pd.DataFrame(
        {
            "inspector_id": ["F1", "F2", "F3"],
            "name": "n",
            "department": "FOOD",
            "home_division": ["350100", "", ""],
            "active": [True, True, False],
        }
    )
    conflicts = pd.DataFrame(
        {"inspector_id": ["F2"], "uscc": ["91350100M000100Y43"], "reason": ["brother-in-law"]}
    )
    return sample, roster, conflicts


def test_infeasible_campaign_is_explained_for_a_clerk() -> None:
    sample, roster, conflicts = _short_food()
    with pytest.raises(InfeasibleAssignmentError) as caught:
        assign_teams(sample, roster, conflicts, TeamRules(rotation_campaigns=0), "s")
    text = str(caught.value)
    assert text.startswith("No team assignment satisfies every hard rule.")
    assert (
        "  - target 91350100M000100Y43 (task T1): department FOOD must send 2, 0 eligible\n"
        "      removed by inactive: 1 (F3)\n"
        "      removed by declared conflict of interest: 1 (F2 (brother-in-law))\n"
        "      removed by 属地 rule (officer's home division is the entity's division): 1 (F1)"
    ) in text
    assert "Targets that cannot be staffed (1):" in text and "91350200776049653A" not in text
    assert (
        "  1. Add at least 2 eligible officer(s) to department FOOD (active, qualified, not recused for "
        "these targets)."
    ) in text
    assert "Drop department FOOD from task(s) T1 if the plan allows" in text
    assert "allow_partial (CLI: --allow-partial)" in text
    explanation = caught.value.explanation
    assert isinstance(explanation, InfeasibilityExplanation)
    assert explanation.shortages[0].excluded["CONFLICT"] == ["F2 (brother-in-law)"]


def test_caps_shortage_names_the_missing_seats_and_partial_assigns_the_rest() -> None:
    sample = pd.DataFrame({"uscc": [code(t) for t in range(5)], "task_id": "T", "departments": "D"})
    roster = pd.DataFrame(
        {"inspector_id": ["a", "b", "c"], "name": "n", "department": "D", "max_targets": [3, 3, 2]}
    )
    with pytest.raises(InfeasibleAssignmentError) as caught:
        assign_teams(sample, roster, None, RULES, "caps")
    assert (
        "department D must fill 10 seats but its 3 usable officer(s) may take only 8 under their caps"
        in str(caught.value)
    )
    assert (
        "1. Raise max_targets of department D officers (or teams.max_targets_per_officer) by 2 seat(s)"
        in str(caught.value)
    )
    partial = assign_teams(sample, roster, None, RULES, "caps", allow_partial=True)
    assert len(partial.unassigned) == 1 and partial.manifest["status"] == "PARTIAL"
    assert len(partial.teams) == 8
    assert partial.manifest["unassigned"][0]["department"] == "department D"


def test_a_department_without_officers_is_named() -> None:
    sample = pd.DataFrame({"uscc": [code(1)], "task_id": "T", "departments": "D;FIRE"})
    roster = pd.DataFrame({"inspector_id": ["a", "b"], "name": "n", "department": "D"})
    with pytest.raises(InfeasibleAssignmentError) as caught:
        assign_teams(sample, roster, None, RULES, "none")
    assert (
        "  - target 000000000000001 (task T): department FIRE must send 1, 0 eligible\n"
        "      the inspector roster has no officer of department FIRE\n"
    ) in str(caught.value)


def test_pair_cap_too_small_is_explained_in_marginals_mode() -> None:
    sample = pd.DataFrame({"uscc": [code(1)], "task_id": "T", "departments": "D"})
    roster = pd.DataFrame({"inspector_id": ["a", "b", "c"], "name": "n", "department": "D"})
    with pytest.raises(InfeasibleAssignmentError) as caught:
        assign_teams(sample, roster, None, RULES.model_copy(update={"pair_cap": 0.5}), "q", mode="marginals")
    assert "      limited by the pair cap: q = 0.5: 3 x 0.5 < 2\n" in str(caught.value)
    assert "Raise teams.pair_cap (q) so that q x eligible officers >= officers needed." in str(caught.value)


# --- marginals mode ---------------------------------------------------------------------------


def _marginal_instance() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sample = pd.DataFrame({"uscc": [code(t) for t in range(12)], "task_id": "T", "departments": "D"})
    roster = pd.DataFrame({"inspector_id": [f"o{i}" for i in range(7)], "name": "n", "department": "D"})
    pairs = [(0, 0), (0, 1), (0, 2), (1, 0), (2, 3), (5, 0), (5, 6), (7, 1), (9, 2), (9, 3)]
    conflicts = pd.DataFrame(
        {"inspector_id": [f"o{o}" for _, o in pairs], "uscc": [code(t) for t, _ in pairs], "reason": "r"}
    )
    return sample, roster, conflicts


def test_marginals_are_capped_and_sum_to_the_team_size() -> None:
    sample, roster, conflicts = _marginal_instance()
    rules = RULES.model_copy(update={"pair_cap": 0.6})
    result = assign_teams(sample, roster, conflicts, rules, "m", mode="marginals")
    x = result.marginals
    assert x is not None and (x.probability <= 0.6 + 1e-12).all()
    assert np.allclose(x.groupby("uscc").probability.sum(), 2.0)
    assert not set(zip(x.inspector_id, x.uscc, strict=True)) & set(
        zip(conflicts.inspector_id, conflicts.uscc, strict=True)
    )
    # seed-independent: a bureau can publish x before the seed is drawn
    other = assign_teams(sample, roster, conflicts, rules, "another", mode="marginals").marginals
    pd.testing.assert_frame_equal(x, other)


def test_dependent_rounding_means_match_the_marginals_within_binomial_bounds() -> None:
    sample, roster, conflicts = _marginal_instance()
    x = assign_teams(
        sample, roster, conflicts, RULES.model_copy(update={"pair_cap": 0.6}), "m", mode="marginals"
    ).marginals
    assert x is not None
    units = np.rint(x.probability.to_numpy() * ONE).astype(np.int64)
    member = np.array([int(o[1:]) for o in x.inspector_id], dtype=np.int32)
    slot = np.array([int(u) for u in x.uscc], dtype=np.int32)
    expected_load = np.bincount(member, weights=units, minlength=7) / ONE
    n = 1500
    counts = np.zeros(len(units), dtype=np.int64)
    for k in range(n):
        chosen = dependent_round(units, member, slot, 7, f"mc-{k}", "D")
        assert (np.bincount(slot[chosen], minlength=12) == 2).all()  # team size, every sample
        load = np.bincount(member[chosen], minlength=7)
        assert ((load >= np.floor(expected_load)) & (load <= np.ceil(expected_load))).all()
        counts += chosen
    p = units / ONE
    alpha = 1e-4 / len(units)  # family-wise 1e-4 over all pairs (Bonferroni), two-sided
    low = stats.binom.ppf(alpha / 2, n, p)
    high = stats.binom.isf(alpha / 2, n, p)
    assert ((counts >= low) & (counts <= high)).all(), np.c_[counts / n, p][(counts < low) | (counts > high)]


def test_full_pipeline_monte_carlo_matches_published_marginals() -> None:
    sample = pd.DataFrame({"uscc": [code(t) for t in range(3)], "task_id": "T", "departments": "D"})
    roster = pd.DataFrame({"inspector_id": ["a", "b", "c", "d"], "name": "n", "department": "D"})
    conflicts = pd.DataFrame({"inspector_id": ["a"], "uscc": [code(0)], "reason": "r"})
    rules = RULES.model_copy(update={"pair_cap": 0.8})
    published = assign_teams(sample, roster, conflicts, rules, "s0", mode="marginals").marginals
    assert published is not None
    n = 100
    seen: Counter[tuple[str, str]] = Counter()
    for k in range(n):
        teams = assign_teams(sample, roster, conflicts, rules, f"s{k}", mode="marginals").teams
        seen.update(zip(teams.uscc, teams.inspector_id, strict=True))
    alpha = 1e-4 / len(published)
    for row in published.itertuples(index=False):
        low, high = (
            stats.binom.ppf(alpha / 2, n, row.probability),
            stats.binom.isf(alpha / 2, n, row.probability),
        )
        assert low <= seen[(row.uscc, row.inspector_id)] <= high


# --- errors -------------------------------------------------------------------------------------


def test_bad_rosters_list_every_bad_row() -> None:
    sample = pd.DataFrame({"uscc": [code(1), code(1), ""], "task_id": "T", "departments": ["D", "D", ""]})
    with pytest.raises(InputError) as caught:
        assign_teams(
            sample,
            pd.DataFrame({"inspector_id": ["a"], "name": "n", "department": "D"}),
            None,
            RULES,
            "s",
            sources={"sample": "sample.csv"},
        )
    text = str(caught.value)
    assert "sample.csv, row 4, column 'uscc': the code is empty (value '') [ID_EMPTY]" in text
    assert "sample.csv, row 4, column 'departments': list the participating departments" in text
    assert (
        "sample.csv, row 3, column 'uscc': repeats row 2; each must appear once (value '000000000000001')"
        in text
    )
    roster = pd.DataFrame(
        {
            "inspector_id": ["a", "a"],
            "name": ["n", ""],
            "department": "D",
            "active": ["true", "maybe"],
            "max_targets": ["2", "-1"],
        }
    )
    with pytest.raises(InputError) as caught:
        assign_teams(sample.iloc[:1], roster, None, RULES, "s", sources={"inspectors": "staff.csv"})
    text = str(caught.value)
    assert "staff.csv, row 3, column 'name': a value is required (value '') [REQUIRED]" in text
    assert (
        "staff.csv, row 3, column 'active': expected 是/否, true/false, yes/no or 1/0 (value 'maybe') [BOOL]"
        in text
    )
    assert "staff.csv, row 3, column 'max_targets'" in text and "[INT]" in text
    assert "staff.csv, row 3, column 'inspector_id': duplicates row 2" in text


def test_bad_solver_input_maps_to_solver_error() -> None:
    one = np.ones(1, dtype=np.int64)
    with pytest.raises(SolverError, match="BAD_COST_RANGE"):
        solve_network(
            1, one, np.zeros(1, np.int32), np.zeros(1, np.int32), one, np.array([2**62]), 0 * one, one
        )


def test_verify_catches_a_tampered_team() -> None:
    sample, roster, conflicts = _marginal_instance()
    result = assign_teams(sample, roster, conflicts, RULES, "v")
    ensure_teams(result.teams, sample, roster, conflicts, RULES, seed="v")
    tampered = result.teams.copy()
    tampered.loc[0, "inspector_id"] = "o0" if tampered.loc[0, "inspector_id"] != "o0" else "o1"
    with pytest.raises(VerificationError) as caught:
        ensure_teams(tampered, sample, roster, conflicts, RULES, seed="v")
    assert any(d.kind == "team.not_published" for d in caught.value.differences)
    swapped = result.teams.copy()
    swapped.loc[swapped.uscc == code(0), "inspector_id"] = ["o0", "o3"]
    with pytest.raises(VerificationError, match="declared conflict"):
        ensure_teams(swapped, sample, roster, conflicts, RULES)
    assert date(2026, 1, 1)  # keeps the datetime import honest for readers of the history test
