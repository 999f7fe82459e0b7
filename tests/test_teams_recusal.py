"""Recusal: rotation over a window of campaigns or days, 属地 at a chosen level, per-person conflicts."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualrandom.assign import assign_teams, ensure_teams
from dualrandom.errors import InfeasibleAssignmentError, PolicyError, VerificationError
from dualrandom.models import TeamRules

BASE = TeamRules(local_recusal=False, rotation_campaigns=0)


def code(i: int) -> str:
    return f"{i:015d}"


def people(n: int, **columns: object) -> pd.DataFrame:
    return pd.DataFrame(
        {"inspector_id": [f"o{i}" for i in range(n)], "name": "n", "department": "D", **columns}
    )


def history(rows: list[tuple[str, int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "inspector_id": [o for o, _, _, _ in rows],
            "uscc": [code(t) for _, t, _, _ in rows],
            "campaign_id": [c for _, _, c, _ in rows],
            "inspected_on": [d for _, _, _, d in rows],
        }
    )


def test_rotation_covers_every_campaign_of_the_window_not_only_the_last() -> None:
    # o0 inspected the entity three campaigns ago, o1 two ago, o2 in the last one
    past = history(
        [("o0", 0, "C1", "2024-03-01"), ("o1", 0, "C2", "2025-03-01"), ("o2", 0, "C3", "2026-03-01")]
    )
    target = pd.DataFrame({"uscc": [code(0)], "task_id": "T", "departments": "D"})
    for window, barred in ((1, {"o2"}), (2, {"o1", "o2"}), (3, {"o0", "o1", "o2"})):
        rules = BASE.model_copy(update={"rotation_campaigns": window, "mode": "marginals", "pair_cap": 1.0})
        result = assign_teams(target, people(5), None, rules, "rot", history=past)
        assert result.marginals is not None
        assert set(result.marginals.inspector_id) == {"o0", "o1", "o2", "o3", "o4"} - barred
        assert len(result.manifest["rotation_window"]) == window
        assert {r["inspector_id"] for r in result.manifest["recusals"]} == barred
        ensure_teams(result.teams, target, people(5), None, rules, history=past, seed="rot")
    wrong = pd.DataFrame(
        {
            "uscc": [code(0)] * 2,
            "task_id": "T",
            "inspector_id": ["o0", "o3"],
            "department": "D",
            "role": "officer",
        }
    )
    with pytest.raises(VerificationError, match="within the last 3 campaign"):
        ensure_teams(
            wrong, target, people(5), None, BASE.model_copy(update={"rotation_campaigns": 3}), history=past
        )


def test_rotation_in_days_counts_rows_without_a_campaign_id() -> None:
    # results of triggered checks carry no campaign id; the window of days still sees them
    past = history([("o0", 0, "", "2026-05-01"), ("o1", 0, "", "2025-01-01"), ("o2", 1, "", "2026-10-30")])
    targets = pd.DataFrame(
        {"uscc": [code(0), code(1)], "task_id": "T", "departments": "D", "scheduled_on": ["2026-11-02", ""]}
    )
    rules = BASE.model_copy(update={"rotation_days": 365, "mode": "marginals", "pair_cap": 1.0})
    result = assign_teams(targets, people(4), None, rules, "days", history=past, on=date(2026, 11, 20))
    assert result.marginals is not None
    chances = {u: set(g.inspector_id) for u, g in result.marginals.groupby("uscc")}
    # o0 went 185 days before the visit; o1 (670 days) may go again; o2 went 21 days before the
    # assignment date, which is the visit date of a target without scheduled_on
    assert chances == {code(0): {"o1", "o2", "o3"}, code(1): {"o0", "o1", "o3"}}
    teams = result.teams
    ensure_teams(teams, targets, people(4), None, rules, history=past, on=date(2026, 11, 20))
    with pytest.raises(PolicyError, match="rotation within 365 days"):
        assign_teams(targets, people(4), None, rules, "days", history=past)


def test_the_campaign_being_assigned_is_not_a_past_campaign() -> None:
    from dualrandom.models import load_campaign

    campaign = load_campaign("examples/campaign.toml")
    campaign = campaign.model_copy(
        update={
            "teams": campaign.teams.model_copy(
                update={"rotation_campaigns": 1, "local_recusal": False, "mode": "marginals", "pair_cap": 1.0}
            )
        }
    )
    # a row of this very campaign (another task) must not push the previous campaign out of the window
    past = history([("S0", 0, "OLD", "2025-06-01"), ("S1", 0, campaign.plan.id, "2026-11-01")])
    roster = pd.DataFrame({"inspector_id": ["S0", "S1", "S2", "S3"], "name": "n", "department": "SAMR"})
    result = assign_teams(
        pd.DataFrame({"uscc": [code(0)], "task_id": ["T1"]}), roster, None, campaign, "c", history=past
    )
    assert result.manifest["rotation_window"] == ["OLD"]
    assert result.marginals is not None and set(result.marginals.inspector_id) == {"S1", "S2", "S3"}


@pytest.mark.parametrize(
    ("level", "eligible"),
    [
        ("county", set()),
        ("township", {"o1", "o2", "o3"}),
        ("village", {"o0", "o1", "o2", "o3"}),
        ("city", set()),
    ],
)
def test_local_recusal_at_the_chosen_division_level(level: str, eligible: set[str]) -> None:
    # A county bureau (420602) staffs its own entities. Every officer lives in the county; o0 is the
    # grid officer of the entity's township 420602001 (village 420602001005), o1 of another township,
    # o2 and o3 are county-wide (a 6-digit home division is not any township's 属地 officer).
    roster = people(4, home_division=["420602001003", "420602002", "420602", "420602"])
    target = pd.DataFrame(
        {"uscc": [code(0)], "task_id": "T", "departments": "D", "division": ["420602001005"]}
    )
    rules = BASE.model_copy(update={"local_recusal": True, "local_level": level})
    if len(eligible) < 2:
        with pytest.raises(InfeasibleAssignmentError, match="属地 rule"):
            assign_teams(target, roster, None, rules, "local")
        return
    teams = assign_teams(
        target, roster, None, rules.model_copy(update={"mode": "marginals", "pair_cap": 1.0}), "local"
    )
    assert teams.marginals is not None and set(teams.marginals.inspector_id) == eligible
    ensure_teams(teams.teams, target, roster, None, rules)
    if level == "township":
        tampered = teams.teams.copy()
        tampered.loc[0, "inspector_id"] = "o0"
        with pytest.raises(
            VerificationError, match="属地 officer of division 420602001005 \\(township level\\)"
        ):
            ensure_teams(tampered, target, roster, None, rules)


def test_a_conflict_with_a_person_bars_every_entity_that_person_runs_or_is_related_to() -> None:
    targets = pd.DataFrame(
        {
            "uscc": [code(t) for t in range(4)],
            "task_id": "T",
            "departments": "D",
            "legal_rep": ["王某", "王某", "李某", ""],
            "related_parties": ["", "P-77", "P-77;P-12", "P-12"],
        }
    )
    conflicts = pd.DataFrame(
        {
            "inspector_id": ["o0", "o1", "o2"],
            "uscc": ["", "", code(3)],
            "party": ["王某", "P-77", ""],
            "reason": ["spouse's brother", "former business partner", "owns shares"],
        }
    )
    rules = BASE.model_copy(update={"mode": "marginals", "pair_cap": 1.0})
    result = assign_teams(targets, people(6), conflicts, rules, "person")
    assert result.marginals is not None
    seen = set(zip(result.marginals.uscc, result.marginals.inspector_id, strict=True))
    barred = {(code(0), "o0"), (code(1), "o0"), (code(1), "o1"), (code(2), "o1"), (code(3), "o2")}
    assert not seen & barred and len(seen) == 24 - len(barred)
    details = {(r["uscc"], r["inspector_id"]): r["detail"] for r in result.manifest["recusals"]}
    assert details[(code(2), "o1")] == "former business partner (person P-77)"
    ensure_teams(result.teams, targets, people(6), conflicts, rules)
    tampered = result.teams.copy()
    tampered.loc[tampered.uscc == code(0), "inspector_id"] = ["o0", "o5"]
    with pytest.raises(VerificationError, match="declared conflict with 王某 \\(spouse's brother\\)"):
        ensure_teams(tampered, targets, people(6), conflicts, rules)


def test_results_do_not_depend_on_row_order_with_every_new_rule() -> None:
    targets = pd.DataFrame(
        {
            "uscc": [code(t) for t in range(12)],
            "task_id": "T",
            "departments": ["D" if t % 4 else "D;F" for t in range(12)],
            "division": [f"4206020{t % 3:02d}" for t in range(12)],
            "legal_rep": ["王某" if t % 5 == 0 else "" for t in range(12)],
            "scheduled_on": ["2026-11-02" if t % 2 else "" for t in range(12)],
        }
    )
    roster = pd.DataFrame(
        {
            "inspector_id": [f"d{i}" for i in range(7)] + [f"f{i}" for i in range(4)],
            "name": "n",
            "department": ["D"] * 7 + ["F"] * 4,
            "certificate_no": ["C", "", "C", "C", "C", "C", "C", "C", "C", "C", "C"],
            "certificate_valid_until": ["", "", "2026-11-01", "", "", "", "", "", "", "", ""],
            "home_division": ["420602001", "", "", "420602002", "", "", "", "", "", "", ""],
        }
    )
    conflicts = pd.DataFrame(
        {
            "inspector_id": ["d4", "f0"],
            "uscc": ["", code(4)],
            "party": ["王某", ""],
            "reason": ["kin", "loan"],
        }
    )
    past = history([("d5", 3, "C1", "2026-10-01"), ("d6", 7, "", "2026-09-01")])
    rules = TeamRules(local_level="township", rotation_days=90, mode="marginals", pair_cap=0.8)
    kwargs = {"history": past, "on": date(2026, 11, 20)}
    first = assign_teams(targets, roster, conflicts, rules, "order", **kwargs)  # type: ignore[arg-type]
    shuffled = assign_teams(
        targets.sample(frac=1, random_state=3),
        roster.sample(frac=1, random_state=4),
        conflicts.iloc[::-1],
        rules,
        "order",
        history=past.iloc[::-1],
        on=date(2026, 11, 20),
    )
    pd.testing.assert_frame_equal(first.teams, shuffled.teams)
    assert first.marginals is not None and shuffled.marginals is not None
    pd.testing.assert_frame_equal(first.marginals, shuffled.marginals)
    assert first.manifest == shuffled.manifest
    assert {"d1", "d2"}.isdisjoint(first.marginals.inspector_id)  # no certificate; expired before every visit


@st.composite
def recusal_cases(
    draw: st.DrawFn,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, TeamRules]:
    division = st.sampled_from(["420602", "420606", "420602001", "420602002", "420602001005", "421000", ""])
    n = draw(st.integers(1, 5))
    targets = pd.DataFrame(
        {
            "uscc": [code(t) for t in range(n)],
            "task_id": "T",
            "departments": "D",
            "division": [draw(division) for _ in range(n)],
            "legal_rep": [draw(st.sampled_from(["", "A", "B"])) for _ in range(n)],
            "related_parties": [draw(st.sampled_from(["", "P1", "P1;P2"])) for _ in range(n)],
        }
    )
    m = draw(st.integers(2, 6))
    roster = people(m, home_division=[draw(division) for _ in range(m)])
    declared = draw(
        st.lists(
            st.tuples(st.integers(0, m - 1), st.sampled_from(["A", "B", "P1", "P2", "uscc"])), max_size=5
        )
    )
    conflicts = pd.DataFrame(
        {
            "inspector_id": [f"o{i}" for i, _ in declared],
            "uscc": [code(0) if p == "uscc" else "" for _, p in declared],
            "party": ["" if p == "uscc" else p for _, p in declared],
            "reason": "r",
        },
        columns=["inspector_id", "uscc", "party", "reason"],
    )
    visits = draw(
        st.lists(st.tuples(st.integers(0, m - 1), st.integers(0, n - 1), st.integers(1, 400)), max_size=5)
    )
    past = history(
        [(f"o{i}", t, "", (date(2026, 11, 20) - timedelta(days=d)).isoformat()) for i, t, d in visits]
    )
    rules = TeamRules(
        local_level=draw(st.sampled_from(["province", "city", "county", "township", "village"])),
        rotation_campaigns=0,
        rotation_days=draw(st.sampled_from([None, 30, 365])),
        mode="marginals",
        pair_cap=1.0,
    )
    return targets, roster, conflicts, past, rules


def allowed(
    targets: pd.DataFrame, roster: pd.DataFrame, conflicts: pd.DataFrame, past: pd.DataFrame, rules: TeamRules
) -> set:
    """(uscc, officer) pairs the three recusal rules leave, restated from the rule texts."""
    width = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}[rules.local_level]
    out = set()
    for row in targets.itertuples(index=False):
        persons = {row.legal_rep, *row.related_parties.split(";")} - {""}
        for person in roster.itertuples(index=False):
            home, div = person.home_division, row.division
            if home and div and home.ljust(12, "0")[:width] == div.ljust(12, "0")[:width]:
                continue
            mine = conflicts[conflicts.inspector_id == person.inspector_id]
            if row.uscc in set(mine.uscc) or persons & set(mine.party):
                continue
            seen = past[(past.inspector_id == person.inspector_id) & (past.uscc == row.uscc)]
            if rules.rotation_days and any(
                (date(2026, 11, 20) - date.fromisoformat(d)).days < rules.rotation_days
                for d in seen.inspected_on
            ):
                continue
            out.add((row.uscc, person.inspector_id))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recusal_cases())
def test_random_recusal_cases_publish_exactly_the_pairs_the_rules_allow(case: tuple) -> None:
    targets, roster, conflicts, past, rules = case
    expected = allowed(targets, roster, conflicts, past, rules)
    short = any(sum(u == t for u, _ in expected) < 2 for t in targets.uscc)
    try:
        result = assign_teams(targets, roster, conflicts, rules, "prop", history=past, on=date(2026, 11, 20))
    except InfeasibleAssignmentError:
        assert short
        return
    assert not short and result.marginals is not None
    assert set(zip(result.marginals.uscc, result.marginals.inspector_id, strict=True)) == expected
    ensure_teams(result.teams, targets, roster, conflicts, rules, history=past, on=date(2026, 11, 20))
