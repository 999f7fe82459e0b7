"""The independent team checker: one tamper per rule, each giving exactly its difference kind.

Every case starts from a lawful team table (which must verify), changes one thing, and
expects exactly one kind of difference, so a rule that stops firing, or fires for the wrong
reason, fails its own case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pytest

import _publish_data as data
from dualrandom.assign import assign_teams, ensure_teams, verify_teams
from dualrandom.errors import InputError, VerificationError
from dualrandom.models import Campaign, TaskTeam, load_campaign

BASE = load_campaign(data.ROOT / "examples" / "campaign.toml")
DAY = date(2026, 11, 20)
X, Y = "91420602MA4000001A", "91420602MA4000002B"


def campaign(**teams: object) -> Campaign:
    """The example campaign; task T2 (FOOD + FIRE) takes one expert, holding 'food'."""
    tasks = {"T2": TaskTeam(experts=1, **teams.pop("t2", {}))}  # type: ignore[arg-type]
    rules = BASE.teams.model_copy(
        update={"rotation_days": 30, "max_targets_per_officer": 2, "tasks": tasks, **teams}
    )
    return BASE.model_copy(update={"teams": rules})


def person(pid: str, department: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "inspector_id": pid, "name": pid, "department": department, "qualifications": "",
        "certificate_no": f"C-{pid}", "certificate_valid_until": "2027-12-31",
        "home_division": "420100000000", "active": "true", "expert": "false", "unavailable": "",
        "max_targets": "",
    }  # fmt: skip
    row.update(extra)
    return row


LAWFUL = [
    (X, "f1", "FOOD", "officer"), (X, "r1", "FIRE", "officer"), (X, "e1", "FOOD", "expert"),
    (Y, "f2", "FOOD", "officer"), (Y, "r2", "FIRE", "officer"), (Y, "e2", "FOOD", "expert"),
]  # fmt: skip


@dataclass
class Case:
    """A lawful campaign of two targets of task T2, to be tampered with."""

    rules: Campaign = field(default_factory=campaign)
    sample: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "uscc": [X, Y],
                "task_id": "T2",
                "division": "420602001005",
                "scheduled_on": DAY.isoformat(),
                "legal_rep": ["王某", "李某"],
            }
        )
    )
    people: list[dict[str, object]] = field(
        default_factory=lambda: [
            *(person(f"f{i}", "FOOD", qualifications="food") for i in (1, 2, 3)),
            *(person(f"r{i}", "FIRE") for i in (1, 2, 3)),
            *(person(f"e{i}", "FOOD", qualifications="food", expert="true") for i in (1, 2)),
            person("s1", "SAMR", qualifications="food"),
        ]
    )
    conflicts: list[dict[str, str]] = field(default_factory=list)
    history: list[dict[str, str]] = field(
        default_factory=lambda: [
            {"inspector_id": "r3", "uscc": X, "campaign_id": "C-PREV", "inspected_on": "2025-11-01"}
        ]
    )
    rows: list[tuple[str, str, str, str]] = field(default_factory=lambda: list(LAWFUL))

    def edit(self, pid: str, **values: object) -> None:
        next(p for p in self.people if p["inspector_id"] == pid).update(values)

    def replace(self, old: tuple[str, str], new: tuple[str, str, str, str]) -> None:
        self.rows = [new if (r[0], r[1]) == old else r for r in self.rows]

    def verify(self, **options: object) -> list[str]:
        teams = pd.DataFrame(self.rows, columns=["uscc", "inspector_id", "department", "role"]).assign(
            task_id="T2"
        )
        conflicts = pd.DataFrame(self.conflicts) if self.conflicts else None
        history = pd.DataFrame(self.history, columns=["inspector_id", "uscc", "campaign_id", "inspected_on"])
        result = verify_teams(
            teams, self.sample, pd.DataFrame(self.people), conflicts, self.rules, history=history, **options
        )  # type: ignore[arg-type]
        return result.kinds()


def _conflict(case: Case) -> None:
    case.conflicts.append({"inspector_id": "f1", "uscc": X, "reason": "former employee"})


def _party(case: Case) -> None:
    case.conflicts.append({"inspector_id": "f1", "party": "王某", "reason": "spouse's brother"})


def _duplicate(case: Case) -> None:
    case.rules = campaign(t2={"min_officers": 3})  # FOOD (initiating) sends 2 officers
    case.rows += [(X, "f3", "FOOD", "officer"), (Y, "f3", "FOOD", "officer")]
    assert case.verify() == []
    case.replace((X, "f3"), (X, "f1", "FOOD", "officer"))


def _officer_cap(case: Case) -> None:
    case.edit("f1", max_targets="1")
    case.replace((Y, "f2"), (Y, "f1", "FOOD", "officer"))


def _campaign_cap(case: Case) -> None:
    case.rules = campaign(max_targets_per_officer=1)
    case.replace((Y, "f2"), (Y, "f1", "FOOD", "officer"))


TAMPERS: dict[str, Callable[[Case], None]] = {
    "team.not_in_sample": lambda c: c.rows.append(("91420602MA4000003C", "f3", "FOOD", "officer")),
    "team.unknown_officer": lambda c: c.rows.append((X, "nobody", "FOOD", "officer")),
    "team.department": lambda c: c.replace((X, "f1"), (X, "s1", "FOOD", "officer")),
    "team.role": lambda c: c.edit("e1", expert="false"),
    "team.task_department": lambda c: c.rows.append((X, "s1", "SAMR", "officer")),
    "team.inactive": lambda c: c.edit("f1", active="false"),
    "team.conflict": _conflict,
    "team.conflict_party": _party,
    "team.local": lambda c: c.edit("f1", home_division="420602000000"),
    "team.rotation_campaigns": lambda c: c.replace((X, "r1"), (X, "r3", "FIRE", "officer")),
    "team.rotation_days": lambda c: c.history.append(
        {"inspector_id": "f1", "uscc": X, "campaign_id": "", "inspected_on": "2026-11-10"}
    ),
    "team.qualification": lambda c: c.edit("f1", qualifications=""),
    "team.certificate_missing": lambda c: c.edit("f1", certificate_no=""),
    "team.certificate_expired": lambda c: c.edit("f1", certificate_valid_until="2026-06-30"),
    "team.expert_field": lambda c: c.edit("e1", qualifications="fire"),
    "team.unavailable": lambda c: c.edit("f1", unavailable="2026-11-19;2026-11-20"),
    "team.duplicate": _duplicate,
    "team.seats": lambda c: c.rows.remove((X, "r1", "FIRE", "officer")),
    "team.experts": lambda c: c.rows.remove((X, "e1", "FOOD", "expert")),
    "team.officer_cap": _officer_cap,
    "team.campaign_cap": _campaign_cap,
}


def test_the_lawful_case_verifies() -> None:
    assert Case().verify() == []


@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_each_rule_gives_exactly_its_difference(kind: str) -> None:
    case = Case()
    TAMPERS[kind](case)
    assert case.verify() == [kind]


def test_every_team_kind_has_a_tamper_case() -> None:
    from dualrandom.verification import KINDS

    recomputation = {"team.not_recomputed", "team.not_published"}
    assert {k for k in KINDS if k.startswith("team.")} == set(TAMPERS) | recomputation


def test_lines_name_the_row_and_the_rule() -> None:
    case = Case()
    _party(case)
    case.edit("f1", certificate_valid_until="2026-06-30")
    teams = pd.DataFrame(case.rows, columns=["uscc", "inspector_id", "department", "role"]).assign(
        task_id="T2"
    )
    people = pd.DataFrame(case.people)
    with pytest.raises(VerificationError) as caught:
        ensure_teams(teams, case.sample, people, pd.DataFrame(case.conflicts), case.rules, on=DAY)
    assert [str(d) for d in caught.value.differences] == [
        f"target {X} task T2 officer f1: declared conflict with 王某 (spouse's brother)",
        f"target {X} task T2 officer f1: 执法证 valid until 2026-06-30, the visit is on 2026-11-20",
    ]


def test_a_team_table_without_its_columns_is_an_input_error() -> None:
    case = Case()
    teams = pd.DataFrame(case.rows, columns=["uscc", "inspector_id", "department", "role"])  # no task_id
    with pytest.raises(InputError, match=r"teams, column 'task_id': the team table lacks column\(s\)"):
        verify_teams(teams, case.sample, pd.DataFrame(case.people), None, case.rules)


def test_partial_leaves_an_unstaffed_target_alone_but_not_a_half_staffed_one() -> None:
    case = Case()
    case.rows = [r for r in case.rows if r[0] != Y]
    assert case.verify(allow_partial=True) == []
    assert case.verify() == ["team.seats", "team.seats", "team.experts"]
    case.rows.remove((X, "r1", "FIRE", "officer"))
    assert case.verify(allow_partial=True) == ["team.seats"]


def test_recomputation_names_rows_not_reproduced() -> None:
    case = Case()
    people = pd.DataFrame(case.people)
    history = pd.DataFrame(case.history)
    made = assign_teams(case.sample, people, None, case.rules, "s", history=history).teams
    verified = verify_teams(made, case.sample, people, None, case.rules, history=history, seed="s")
    assert verified.ok and verified.subject == "teams"
    on_y = (made["uscc"] == Y) & (made["department"] == "FIRE")
    spare = next(p for p in ("r1", "r2", "r3") if p not in set(made["inspector_id"]))
    swapped = made.copy()
    swapped.loc[on_y, "inspector_id"] = spare
    result = verify_teams(swapped, case.sample, people, None, case.rules, history=history, seed="s")
    assert sorted(result.kinds()) == ["team.not_published", "team.not_recomputed"]
    assert any(spare in (d.found or "") for d in result if d.kind == "team.not_recomputed")
