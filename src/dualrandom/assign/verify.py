"""`verify_teams`: check a published team table against every rule, independently of the solver.

The checks are written afresh from the rules (not through the assigner's eligibility code),
so a bug in one is not silently shared by the other. With ``seed`` the teams are also
recomputed and compared row by row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Literal

import pandas as pd

from ..errors import VerificationError
from ..models import LOCAL_LEVELS, Campaign, TeamRules
from .inputs import Sources, normalize_conflicts, normalize_history, normalize_inspectors, normalize_sample
from .quotas import TeamSpec, team_spec

__all__ = ["team_problems", "verify_teams"]

_LIMIT = 200


def team_problems(
    teams: pd.DataFrame,
    sample: pd.DataFrame,
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame | None,
    campaign_or_rules: Campaign | TeamRules | None,
    *,
    history: pd.DataFrame | None = None,
    sources: Mapping[str, str] | None = None,
    partial: bool = False,
    on: date | None = None,
) -> list[str]:
    """Every rule the team table breaks, one sentence each (empty when all rules hold).

    With ``partial`` a target without any row counts as deliberately unassigned; ``on`` is the
    visit date of targets without ``scheduled_on``. Raises `InputError` for bad input rows.
    """
    spec = team_spec(campaign_or_rules)
    names = Sources.of(sources)
    targets = normalize_sample(sample, names.sample, spec.task_departments)
    roster = normalize_inspectors(inspectors, names.inspectors).set_index("inspector_id")
    declared = normalize_conflicts(conflicts, names.conflicts)
    past = normalize_history(history, names.history)
    missing = [c for c in ("uscc", "task_id", "inspector_id", "department", "role") if c not in teams.columns]
    if missing:
        return [f"the team table lacks column(s) {missing}"]
    rows = teams.fillna("").astype(str)
    check = _Checker(spec, targets, roster, declared, past, on, "certificate_no" in inspectors.columns)
    problems: list[str] = []
    for u, t, officer, department, role in zip(
        rows.uscc, rows.task_id, rows.inspector_id, rows.department, rows.role, strict=True
    ):
        problems += check.row(u, t, officer, department, role)
    return problems + check.totals(partial)


class _Checker:
    """The rules, restated from the inputs, applied to team rows one by one and then in total."""

    def __init__(
        self,
        spec: TeamSpec,
        targets: pd.DataFrame,
        roster: pd.DataFrame,
        declared: pd.DataFrame,
        past: pd.DataFrame,
        on: date | None,
        recorded: bool,
    ) -> None:
        self.spec, self.rules, self.roster, self.on, self.recorded = spec, spec.rules, roster, on, recorded
        columns = ("departments", "division", "scheduled_on", "parties")
        self.info = {
            (u, t): tuple(values)
            for u, t, *values in zip(
                targets.uscc, targets.task_id, *(targets[c] for c in columns), strict=True
            )
        }
        self.entity_conflicts = {
            (o, u): r
            for o, u, r in zip(declared.inspector_id, declared.uscc, declared.reason, strict=True)
            if u
        }
        self.person_conflicts = {
            (o, p): r
            for o, p, r in zip(declared.inspector_id, declared.party, declared.reason, strict=True)
            if p
        }
        self.recent = _recent_campaign_pairs(past, self.rules.rotation_campaigns, spec.campaign_id)
        self.visits: dict[tuple[str, str], list[date]] = {}
        for officer, code, when in zip(past.inspector_id, past.uscc, past.inspected_on, strict=True):
            self.visits.setdefault((officer, code), []).append(when)
        self.seen: Counter[tuple[str, str, str]] = Counter()
        self.load: Counter[str] = Counter()
        self.counts: Counter[tuple[str, str, str, str]] = Counter()

    def row(self, u: str, t: str, officer: str, department: str, role: str) -> list[str]:
        """What one team row breaks: membership, recusal and fitness for the seat."""
        where = f"target {u} task {t or '-'} officer {officer}"
        self.seen[(u, t, officer)] += 1
        if (u, t) not in self.info:
            return [f"{where}: the target is not in the sample"]
        if officer not in self.roster.index:
            return [f"{where}: the officer is not in the inspector roster"]
        person: pd.Series = self.roster.loc[officer]  # type: ignore[assignment]
        self.load[officer] += 1
        self.counts[(u, t, role, department if role == "officer" else "*")] += 1
        departments, division, day, parties = self.info[(u, t)]
        day = day or self.on
        problems = []
        if department != person.department:
            problems.append(f"{where}: listed under {department!r} but belongs to {person.department!r}")
        if role not in ("officer", "expert") or (role == "expert") != bool(person.expert):
            problems.append(
                f"{where}: role {role!r} does not match the roster (expert={bool(person.expert)})"
            )
        if role == "officer" and department not in departments:
            problems.append(f"{where}: department {department} does not take part in this task")
        if not person.active:
            problems.append(f"{where}: the officer is inactive")
        problems += self._recusal(where, person, u, division, parties, day)
        return problems + self._fitness(where, person, t, department, role, day)

    def _recusal(
        self, where: str, person: pd.Series, u: str, division: str, parties: frozenset[str], day: date | None
    ) -> list[str]:
        rules, officer = self.rules, str(person.name)
        problems = []
        if (officer, u) in self.entity_conflicts:
            problems.append(f"{where}: declared conflict ({self.entity_conflicts[(officer, u)]})")
        for party in sorted(parties):
            if (officer, party) in self.person_conflicts:
                problems.append(
                    f"{where}: declared conflict with {party} ({self.person_conflicts[(officer, party)]})"
                )
        width = LOCAL_LEVELS[rules.local_level]
        local = division.ljust(12, "0")[:width] == person.home_division.ljust(12, "0")[:width]
        if rules.local_recusal and division and person.home_division and local:
            problems.append(f"{where}: 属地 officer of division {division} ({rules.local_level} level)")
        if (officer, u) in self.recent:
            problems.append(
                f"{where}: inspected this entity within the last {rules.rotation_campaigns} campaign(s)"
            )
        days, before = rules.rotation_days, self.visits.get((officer, u), [])
        if days is not None and day is not None and any((day - d).days < days for d in before):
            problems.append(f"{where}: inspected this entity within {days} days of the visit")
        return problems

    def _fitness(
        self, where: str, person: pd.Series, t: str, department: str, role: str, day: date | None
    ) -> list[str]:
        problems = []
        if role == "officer":
            need = self.spec.required(t, department)
            if not need <= person.qualifications:
                problems.append(f"{where}: lacks qualification(s) {sorted(need - person.qualifications)}")
            problems += _certificate_problems(where, person, self.rules.certificates, self.recorded, day)
        elif self.spec.expert_fields(t) and not self.spec.expert_fields(t) & person.qualifications:
            problems.append(f"{where}: the expert holds none of {sorted(self.spec.expert_fields(t))}")
        if day is not None and day in person.unavailable:
            problems.append(f"{where}: unavailable on {day.isoformat()}")
        return problems

    def totals(self, partial: bool) -> list[str]:
        """Duplicates, seats per department and of experts per target, and caps per officer."""
        problems = [
            f"target {u} task {t or '-'}: officer {o} appears {n} times"
            for (u, t, o), n in self.seen.items()
            if n > 1
        ]
        staffed = {(u, t) for u, t, _, _ in self.counts}
        for (u, t), (departments, _, _, _) in self.info.items():
            if partial and (u, t) not in staffed:
                continue  # left unassigned on purpose (listed in the manifest)
            for department, seats in self.spec.quotas(t, departments).items():
                got = self.counts[(u, t, "officer", department)]
                if got != seats:
                    problems.append(
                        f"target {u} task {t or '-'}: department {department} sends {got}, needs {seats}"
                    )
            experts = self.counts[(u, t, "expert", "*")]
            if experts != self.spec.experts(t):
                problems.append(
                    f"target {u} task {t or '-'}: {experts} experts, rules ask for {self.spec.experts(t)}"
                )
        cap_all = self.rules.max_targets_per_officer
        for officer, n in sorted(self.load.items()):
            cap = int(self.roster.max_targets[officer])
            if cap >= 0 and n > cap:
                problems.append(f"officer {officer}: {n} targets exceed max_targets {cap}")
            if cap_all is not None and n > cap_all:
                problems.append(f"officer {officer}: {n} targets exceed the campaign cap {cap_all}")
        return problems


def _recent_campaign_pairs(past: pd.DataFrame, window: int, current: str) -> set[tuple[str, str]]:
    """(officer, uscc) pairs inspected in the last ``window`` past campaigns (not ``current``)."""
    named = past[(past.campaign_id != "") & (past.campaign_id != current)]
    if not window or named.empty:
        return set()
    last = named.groupby("campaign_id")["inspected_on"].max().reset_index()
    last = last.sort_values(["inspected_on", "campaign_id"], ascending=False).head(window)
    chosen = named[named.campaign_id.isin(set(last.campaign_id))]
    return set(zip(chosen.inspector_id, chosen.uscc, strict=True))


def _certificate_problems(
    where: str, person: pd.Series, rule: str, recorded: bool, day: date | None
) -> list[str]:
    """An officer seat needs a 执法证 number, valid on the visit day."""
    if rule == "off" or (rule == "if_recorded" and not recorded):
        return []
    if not person.certificate_no:
        return [f"{where}: holds no 执法证 (certificate_no empty), so cannot be an enforcement officer"]
    until = person.certificate_valid_until
    if until is not None and day is not None and day > until:
        return [f"{where}: 执法证 valid until {until.isoformat()}, the visit is on {day.isoformat()}"]
    return []


def verify_teams(
    teams: pd.DataFrame,
    sample: pd.DataFrame,
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame | None,
    campaign_or_rules: Campaign | TeamRules | None,
    *,
    history: pd.DataFrame | None = None,
    seed: str | None = None,
    mode: Literal["fast", "marginals"] | None = None,
    candidates: int | None = None,
    allow_partial: bool = False,
    sources: Mapping[str, str] | None = None,
    on: date | None = None,
) -> None:
    """Raise `VerificationError` listing every broken rule (and, with ``seed``, every row that a
    recomputation does not reproduce); return quietly when the teams are valid."""
    problems = team_problems(
        teams,
        sample,
        inspectors,
        conflicts,
        campaign_or_rules,
        history=history,
        sources=sources,
        partial=allow_partial,
        on=on,
    )
    if seed is not None:
        from .assigner import TEAM_COLUMNS, assign_teams

        again = assign_teams(
            sample,
            inspectors,
            conflicts,
            campaign_or_rules,
            seed,
            history=history,
            mode=mode,
            candidates=candidates,
            allow_partial=allow_partial,
            sources=sources,
            on=on,
        ).teams
        published = {tuple(r) for r in teams[TEAM_COLUMNS].fillna("").astype(str).itertuples(index=False)}
        computed = {tuple(r) for r in again[TEAM_COLUMNS].astype(str).itertuples(index=False)}
        problems += [f"published but not recomputed: {', '.join(r)}" for r in sorted(published - computed)]
        problems += [f"recomputed but not published: {', '.join(r)}" for r in sorted(computed - published)]
    if problems:
        shown = problems[:_LIMIT] + (
            [f"... and {len(problems) - _LIMIT} more"] if len(problems) > _LIMIT else []
        )
        raise VerificationError(shown)
