"""Lawful teams: certified enforcement officers make the quorum, experts assist and are matched."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualrandom.assign import assign_teams, ensure_teams
from dualrandom.errors import InfeasibleAssignmentError, PolicyError, VerificationError
from dualrandom.models import TaskTeam, TeamRules, load_campaign

RULES = TeamRules(local_recusal=False, rotation_campaigns=0)


def code(i: int) -> str:
    return f"{i:015d}"


def roster(n: int, certificates: list[str], **columns: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "inspector_id": [f"o{i}" for i in range(n)],
            "name": "n",
            "department": "D",
            "certificate_no": certificates,
        }
    )
    return frame.assign(**columns)


def sample(n: int, **columns: object) -> pd.DataFrame:
    return pd.DataFrame({"uscc": [code(t) for t in range(n)], "task_id": "T", "departments": "D", **columns})


def test_blanked_certificates_never_fill_a_seat() -> None:
    # The issue's finding: with certificates blanked, seats went to uncertified officers and counted
    # towards the two-officer minimum. Half the roster is blanked here; the other half staffs everything.
    people = roster(6, ["C0", "", "C2", "", "C4", ""])
    result = assign_teams(sample(9), people, None, RULES, "certs")
    assert set(result.teams.inspector_id) == {"o0", "o2", "o4"}
    assert (result.teams.groupby("uscc").size() == 2).all()
    assert result.manifest["certificates"] == {
        "rule": "if_recorded",
        "recorded": True,
        "checked": True,
        "uncertified_officers": ["o1", "o3", "o5"],
    }
    ensure_teams(result.teams, sample(9), people, None, RULES, seed="certs")


def test_all_certificates_blanked_is_infeasible_and_says_why() -> None:
    with pytest.raises(InfeasibleAssignmentError) as caught:
        assign_teams(sample(2), roster(4, ["", "", "", ""]), None, RULES, "certs")
    text = str(caught.value)
    assert "department D must send 2, 0 eligible" in text
    assert (
        "removed by no 执法证 (certificate_no empty): not an enforcement officer: 4 (o0, o1, o2, o3)" in text
    )


def test_required_certificates_without_a_column_and_off_with_blanks() -> None:
    people = roster(3, ["", "", ""]).drop(columns="certificate_no")
    with pytest.raises(InfeasibleAssignmentError, match="no 执法证"):
        assign_teams(sample(1), people, None, RULES.model_copy(update={"certificates": "required"}), "s")
    unchecked = assign_teams(sample(1), people, None, RULES, "s")  # if_recorded: no column, no check
    assert unchecked.manifest["certificates"]["checked"] is False
    off = assign_teams(
        sample(1), roster(3, ["", "", ""]), None, RULES.model_copy(update={"certificates": "off"}), "s"
    )
    assert len(off.teams) == 2


def test_expired_certificates_are_checked_against_the_visit_date() -> None:
    people = roster(4, ["C0", "C1", "C2", "C3"], certificate_valid_until=["2026-06-30", "", "2027-12-31", ""])
    visits = sample(2, scheduled_on=["2026-06-30", "2026-07-01"])
    teams = assign_teams(visits, people, None, RULES, "dates", on=date(2026, 1, 1)).teams
    assert "o0" not in set(teams[teams.uscc == code(1)].inspector_id)  # expired the day before
    # a target without scheduled_on is visited on the assignment date
    late = assign_teams(sample(3), people, None, RULES, "dates", on=date(2026, 12, 1)).teams
    assert "o0" not in set(late.inspector_id) and len(late) == 6
    with pytest.raises(PolicyError, match="pass on=YYYY-MM-DD"):
        assign_teams(sample(1), people, None, RULES, "dates")
    tampered = late.copy()
    tampered.loc[0, "inspector_id"] = (
        "o0" if "o0" not in set(late[late.uscc == late.uscc[0]].inspector_id) else "o1"
    )
    with pytest.raises(VerificationError, match="执法证 valid until 2026-06-30"):
        ensure_teams(tampered, sample(3), people, None, RULES, on=date(2026, 12, 1))


def test_per_task_quorum_and_one_officer_from_each_joint_department() -> None:
    rules = RULES.model_copy(
        update={"tasks": {"BIG": TaskTeam(min_officers=4), "JOINT": TaskTeam(min_officers=3)}}
    )
    targets = pd.DataFrame(
        {
            "uscc": [code(0), code(1), code(2)],
            "task_id": ["BIG", "JOINT", "PLAIN"],
            "departments": ["D", "D;F", "D"],
        }
    )
    people = pd.DataFrame(
        {
            "inspector_id": [f"d{i}" for i in range(5)] + ["f0", "f1"],
            "name": "n",
            "department": ["D"] * 5 + ["F"] * 2,
            "certificate_no": [f"C{i}" for i in range(7)],
        }
    )
    teams = assign_teams(targets, people, None, rules, "quorum").teams
    got = {u: Counter(g.department) for u, g in teams.groupby("uscc")}
    assert got == {code(0): {"D": 4}, code(1): {"D": 2, "F": 1}, code(2): {"D": 2}}
    ensure_teams(teams, targets, people, None, rules, seed="quorum")


def test_experts_are_matched_to_the_task_fields_counted_per_task_and_never_in_the_quorum() -> None:
    campaign = load_campaign("examples/campaign.toml")
    teams_rules = campaign.teams.model_copy(
        update={
            "local_recusal": False,
            "rotation_campaigns": 0,
            "tasks": {"T2": TaskTeam(experts=2), "T1": TaskTeam(experts=1, expert_qualifications=("audit",))},
        }
    )
    campaign = campaign.model_copy(update={"teams": teams_rules})
    targets = pd.DataFrame({"uscc": [code(1), code(2), code(3)], "task_id": ["T2", "T2", "T1"]})
    people = pd.DataFrame(
        {
            "inspector_id": ["F1", "F2", "R1", "S1", "S2", "E-food", "E-food2", "E-fun", "E-audit"],
            "name": "n",
            "department": ["FOOD", "FOOD", "FIRE", "SAMR", "SAMR", "FOOD", "FIRE", "FOOD", "SAMR"],
            "qualifications": ["food", "food", "", "", "", "food;lab", "food", "entertainment", "audit"],
            "certificate_no": ["1", "2", "3", "4", "5", "", "", "", ""],  # experts hold no 执法证
            "expert": [False] * 5 + [True] * 4,
        }
    )
    result = assign_teams(targets, people, None, campaign, "experts")
    teams = result.teams
    for u in (code(1), code(2)):
        team = teams[teams.uscc == u]
        assert set(team[team.role == "expert"].inspector_id) == {"E-food", "E-food2"}
        assert Counter(team[team.role == "officer"].department) == {"FOOD": 1, "FIRE": 1}
    audit = teams[teams.uscc == code(3)]
    assert list(audit[audit.role == "expert"].inspector_id) == ["E-audit"]
    assert set(audit[audit.role == "officer"].inspector_id) == {"S1", "S2"}
    assert "E-fun" not in set(teams.inspector_id)  # no entertainment expert on a food check
    ensure_teams(teams, targets, people, None, campaign, seed="experts")
    swapped = teams.copy()
    swapped.loc[(swapped.uscc == code(1)) & (swapped.inspector_id == "E-food2"), "inspector_id"] = "E-fun"
    with pytest.raises(VerificationError, match="the expert holds none of \\['food'\\]"):
        ensure_teams(swapped, targets, people, None, campaign)


def test_unknown_task_in_team_rules_is_a_policy_error() -> None:
    campaign = load_campaign("examples/campaign.toml")
    campaign = campaign.model_copy(
        update={"teams": campaign.teams.model_copy(update={"tasks": {"T9": TaskTeam(experts=1)}})}
    )
    with pytest.raises(PolicyError, match=r"teams.tasks names task\(s\) \['T9'\]"):
        assign_teams(
            pd.DataFrame({"uscc": [code(1)], "task_id": ["T1"]}), roster(2, ["a", "b"]), None, campaign, "s"
        )


@st.composite
def lawful_cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, TeamRules]:
    targets = []
    for t in range(draw(st.integers(1, 6))):
        departments = draw(st.sampled_from(["D1", "D2", "D1;D2", "D2;D1"]))
        targets.append(
            {"uscc": code(t), "task_id": draw(st.sampled_from(["T1", "T2"])), "departments": departments}
        )
    people = []
    for department in ("D1", "D2", "X"):
        for k in range(draw(st.integers(0, 5))):
            people.append(
                {
                    "inspector_id": f"{department}-{k}",
                    "name": "n",
                    "department": "D1" if department == "X" else department,
                    "certificate_no": draw(st.sampled_from(["", "C1", "C2"])),
                    "certificate_valid_until": draw(
                        st.sampled_from(["", "2026-05-31", "2026-06-01", "2027-01-01"])
                    ),
                    "qualifications": draw(st.sampled_from(["", "food", "fire", "food;fire"])),
                    "expert": department == "X",
                }
            )
    rules = TeamRules(
        local_recusal=False,
        rotation_campaigns=0,
        mode=draw(st.sampled_from(["fast", "marginals"])),
        pair_cap=1.0,
        tasks={
            "T1": TaskTeam(
                min_officers=draw(st.integers(2, 4)),
                experts=draw(st.integers(0, 2)),
                expert_qualifications=draw(st.sampled_from([(), ("food",), ("fire", "food")])),
            )
        },
    )
    return pd.DataFrame(targets), pd.DataFrame(people, columns=list(PEOPLE_COLUMNS)), rules


PEOPLE_COLUMNS = ("inspector_id", "name", "department", "certificate_no")
PEOPLE_COLUMNS += ("certificate_valid_until", "qualifications", "expert")
ON = date(2026, 6, 1)


def needs(row: pd.Series, rules: TeamRules) -> dict[str, int]:
    """Seats per department and of experts, from the rules as the campaign file states them."""
    departments = row.departments.split(";")
    task = rules.tasks.get(row.task_id)
    each = 2 if len(departments) == 1 else 1
    seats = dict.fromkeys(departments, each)
    minimum = task.min_officers if task is not None and task.min_officers else rules.min_officers
    seats[departments[0]] += max(0, minimum - each * len(departments))
    seats["*"] = task.experts if task is not None and task.experts is not None else rules.experts
    return seats


def may_serve(person: pd.Series, pool: str, task: str, rules: TeamRules) -> bool:
    if pool == "*":
        fields = set(rules.tasks[task].expert_qualifications) if task in rules.tasks else set()
        return bool(person.expert) and (not fields or bool(fields & set(person.qualifications.split(";"))))
    valid = person.certificate_valid_until == "" or date.fromisoformat(person.certificate_valid_until) >= ON
    return not person.expert and person.department == pool and person.certificate_no != "" and valid


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lawful_cases())
def test_random_rosters_give_lawful_teams_exactly_when_the_rules_allow(
    case: tuple[pd.DataFrame, pd.DataFrame, TeamRules],
) -> None:
    targets, people, rules = case
    short = [
        (row.uscc, pool)
        for _, row in targets.iterrows()
        for pool, seats in needs(row, rules).items()
        if sum(may_serve(p, pool, row.task_id, rules) for _, p in people.iterrows()) < seats
    ]
    covering = [row.uscc for _, row in targets.iterrows() if len(fields_to_cover(row, rules)) >= 2]
    if covering and rules.mode == "marginals":
        with pytest.raises(PolicyError, match="cover"):
            assign_teams(targets, people, None, rules, "lawful", on=ON)
        return
    short += [(u, "fields") for u in covering if not coverable(people, rules, FIELDS)]
    try:
        teams = assign_teams(targets, people, None, rules, "lawful", on=ON).teams
    except InfeasibleAssignmentError:
        assert short, "a staffable campaign (no caps: every target stands alone) was declared infeasible"
        return
    assert not short
    by_id = people.set_index("inspector_id")
    for _, row in targets.iterrows():
        team = teams[teams.uscc == row.uscc]
        got = Counter("*" if r.role == "expert" else r.department for r in team.itertuples())
        assert dict(got) == {k: v for k, v in needs(row, rules).items() if v}
        for r in team.itertuples():
            assert may_serve(
                by_id.loc[r.inspector_id], "*" if r.role == "expert" else r.department, row.task_id, rules
            )
        held = set().union(*(set(by_id.loc[r.inspector_id, "qualifications"].split(";")) for r in
                             team[team.role == "expert"].itertuples()))  # fmt: skip
        assert fields_to_cover(row, rules) <= held


FIELDS = ("fire", "food")


def fields_to_cover(row: pd.Series, rules: TeamRules) -> set[str]:
    """The fields the experts of a target must cover together: all of them when seats allow."""
    task = rules.tasks.get(row.task_id)
    if task is None or not task.experts or task.experts < 2:
        return set()
    return set(task.expert_qualifications)


def coverable(people: pd.DataFrame, rules: TeamRules, fields: tuple[str, str]) -> bool:
    """Two different experts, one holding each field (no caps: every target stands alone)."""
    experts = people[people.expert.astype(bool)]
    holders = [set(experts.inspector_id[experts.qualifications.str.contains(f)]) for f in fields]
    return any(a != b for a in holders[0] for b in holders[1])
