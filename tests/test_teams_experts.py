"""Experts cover the fields of a task: with several fields and several experts, each field is held."""

from __future__ import annotations

from itertools import combinations, permutations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualrandom.assign import assign_teams, verify_teams
from dualrandom.assign.keys import pair_costs, target_key
from dualrandom.errors import InfeasibleAssignmentError, PolicyError
from dualrandom.models import TaskTeam, TeamRules

HELD = {"x0": "food", "x1": "food", "x2": "food", "x3": "food", "x4": "drug", "x5": "food;drug"}


def code(i: int) -> str:
    return f"{i:015d}"


def city(targets: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    sample = pd.DataFrame({"uscc": [code(t) for t in range(targets)], "task_id": "T", "departments": "D"})
    people = [(f"d{i}", "D", "", False) for i in range(4)] + [(x, "D", q, True) for x, q in HELD.items()]
    roster = pd.DataFrame(people, columns=["inspector_id", "department", "qualifications", "expert"])
    return sample, roster.assign(name="n")


def rules(experts: int, fields: tuple[str, ...]) -> TeamRules:
    task = TaskTeam(experts=experts, expert_qualifications=fields)
    return TeamRules(rotation_campaigns=0, local_recusal=False, tasks={"T": task})


def expert_fields(teams: pd.DataFrame, held: dict[str, str] = HELD) -> dict[str, list[set[str]]]:
    experts = teams[teams.role == "expert"]
    return {u: [set(held[x].split(";")) for x in g.inspector_id] for u, g in experts.groupby("uscc")}


def test_lowest_keyed_costs_alone_would_leave_a_field_uncovered() -> None:
    # the reason for the rule: most experts hold food only, so two experts taken at random often
    # both hold food; the k lowest keyed costs (what the flow picks without the rule) show it
    sample, _ = city()
    experts = sorted(HELD)
    uncovered = 0
    for k in range(10):
        for t in sample.uscc:
            cost = pair_costs(f"s{k}", [target_key(t, "T")], pd.Series([0] * 6).to_numpy(), experts,
                              pd.Series(range(6)).to_numpy())  # fmt: skip
            two = [experts[i] for i in cost.argsort()[:2]]
            uncovered += not {"food", "drug"} <= set().union(*(set(HELD[x].split(";")) for x in two))
    assert uncovered >= 30  # of 120 targets


@pytest.mark.parametrize("experts", [2, 3])
def test_the_experts_of_each_visit_hold_every_field_of_the_task(experts: int) -> None:
    sample, roster = city()
    team_rules = rules(experts, ("food", "drug"))
    for k in range(10):
        result = assign_teams(sample, roster, None, team_rules, f"s{k}")
        by_target = expert_fields(result.teams)
        assert len(by_target) == len(sample)
        for held in by_target.values():
            assert len(held) == experts and {"food", "drug"} <= set().union(*held)
        found = verify_teams(result.teams, sample, roster, None, team_rules, seed=f"s{k}")
        assert not found  # nothing to report: every rule holds and the seed gives the same teams
        # the officers' chances are still exactly k/E; the expert pool's are not published
        fairness = result.manifest["fairness"]
        assert fairness["chance_ratio_max"] == 1.0 and "experts" in fairness["chances"]


def test_fewer_experts_than_fields_hold_different_fields() -> None:
    sample, roster = city()
    roster = pd.concat([roster, roster.iloc[[4]].assign(inspector_id="x6", qualifications="fire")])
    teams = assign_teams(sample, roster, None, rules(2, ("drug", "fire", "food")), "few").teams
    for held in expert_fields(teams, HELD | {"x6": "fire"}).values():
        a, b = held
        assert any(f != g for f in a for g in b), held  # two distinct fields, one each


def test_fields_no_pair_of_experts_can_cover_make_the_assignment_infeasible() -> None:
    sample, roster = city(3)
    roster = roster[roster.inspector_id != "x5"]  # x4 is then the only drug expert
    roster = roster.assign(max_targets=[-1] * 4 + [-1, -1, -1, -1, 2])  # ... and may take only 2 targets
    roster["max_targets"] = roster.max_targets.astype("Int64").where(roster.max_targets >= 0)
    with pytest.raises(InfeasibleAssignmentError) as caught:
        assign_teams(sample, roster, None, rules(2, ("food", "drug")), "short")
    assert "experts" in str(caught.value)
    partial = assign_teams(sample, roster, None, rules(2, ("food", "drug")), "short", allow_partial=True)
    assert len(partial.unassigned) == 1 and partial.manifest["status"] == "PARTIAL"
    for held in expert_fields(partial.teams).values():
        assert {"food", "drug"} <= set().union(*held)


def test_marginals_mode_refuses_experts_who_must_cover_several_fields() -> None:
    sample, roster = city(3)
    with pytest.raises(PolicyError, match=r"cover the fields \['drug', 'food'\].*use fast mode"):
        assign_teams(sample, roster, None, rules(2, ("food", "drug")), "m", mode="marginals")
    # one expert per visit needs no covering: marginals mode still publishes its chances
    single = assign_teams(sample, roster, None, rules(1, ("food", "drug")), "m", mode="marginals")
    assert single.marginals is not None


def matched(team: tuple[str, ...], fields: tuple[str, ...], held: dict[str, set[str]]) -> bool:
    """k >= F: each field has its own holder in the team; k < F: the k experts hold k different fields."""
    if len(team) >= len(fields):  # a holder for each field, all different
        return any(
            all(f in held[x] for f, x in zip(fields, chosen, strict=True))
            for chosen in permutations(team, len(fields))
        )
    return any(  # a different field for each expert
        all(f in held[x] for x, f in zip(team, chosen, strict=True))
        for chosen in permutations(fields, len(team))
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sets(st.sampled_from(["a", "b", "c"])), min_size=2, max_size=6),
    st.integers(2, 3),
    st.sampled_from([("a", "b"), ("a", "b", "c")]),
)
def test_covering_teams_exist_exactly_when_some_experts_can_cover(
    holdings: list[set[str]], experts: int, fields: tuple[str, ...]
) -> None:
    held = {f"x{i}": h for i, h in enumerate(holdings)}
    sample, _ = city(2)
    people = [("d0", "D", "", False), ("d1", "D", "", False)]
    people += [(x, "D", ";".join(sorted(h)), True) for x, h in held.items()]
    roster = pd.DataFrame(people, columns=["inspector_id", "department", "qualifications", "expert"])
    eligible = [x for x, h in held.items() if h & set(fields)]
    possible = any(matched(team, fields, held) for team in combinations(eligible, experts))
    try:
        teams = assign_teams(sample, roster.assign(name="n"), None, rules(experts, fields), "h").teams
    except InfeasibleAssignmentError:
        assert not possible
        return
    assert possible
    for _, group in teams[teams.role == "expert"].groupby("uscc"):
        assert len(group) == experts and matched(tuple(group.inspector_id), fields, held)
