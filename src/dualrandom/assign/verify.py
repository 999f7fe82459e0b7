"""`verify_teams`: check a published team table against every rule, independently of the solver.

The checks are written afresh from the rules (not through the assigner's eligibility code),
so a bug in one is not silently shared by the other. With ``seed`` the teams are also
recomputed and compared row by row. `verify_teams` returns a
`dualrandom.verification.Verification` (one ``team.*`` difference per broken rule);
`ensure_teams` raises `VerificationError` instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Literal

import pandas as pd

from ..errors import InputError, Problem
from ..models import LOCAL_LEVELS, Campaign, TeamRules
from ..verification import Difference, Verification, raising
from .inputs import Sources, normalize_conflicts, normalize_history, normalize_inspectors, normalize_sample
from .quotas import TeamSpec, team_spec

__all__ = ["ensure_teams", "verify_teams"]


def _rule_differences(
    teams: pd.DataFrame,
    sample: pd.DataFrame,
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame | None,
    campaign_or_rules: Campaign | TeamRules | None,
    *,
    history: pd.DataFrame | None,
    sources: Mapping[str, str] | None,
    partial: bool,
    on: date | None,
) -> list[Difference]:
    """Every rule the team table breaks (see `verify_teams`); raises `InputError` for bad input."""
    spec = team_spec(campaign_or_rules)
    names = Sources.of(sources)
    targets = normalize_sample(sample, names.sample, spec.task_departments)
    roster = normalize_inspectors(inspectors, names.inspectors).set_index("inspector_id")
    declared = normalize_conflicts(conflicts, names.conflicts)
    past = normalize_history(history, names.history)
    missing = [c for c in ("uscc", "task_id", "inspector_id", "department", "role") if c not in teams.columns]
    if missing:
        message = f"the team table lacks column(s) {missing}"
        raise InputError([Problem("teams", None, c, None, "TEAM_COLUMNS", message) for c in missing])
    rows = teams.fillna("").astype(str)
    check = _Checker(spec, targets, roster, declared, past, on, "certificate_no" in inspectors.columns)
    found: list[Difference] = []
    for u, t, officer, department, role in zip(
        rows.uscc, rows.task_id, rows.inspector_id, rows.department, rows.role, strict=True
    ):
        found += check.row(u, t, officer, department, role)
    return found + check.totals(partial)


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

    def row(self, u: str, t: str, officer: str, department: str, role: str) -> list[Difference]:
        """What one team row breaks: membership, recusal and fitness for the seat."""
        where = f"target {u} task {t or '-'} officer {officer}"
        self.seen[(u, t, officer)] += 1
        if (u, t) not in self.info:
            return [Difference("team.not_in_sample", where)]
        if officer not in self.roster.index:
            return [Difference("team.unknown_officer", where)]
        person: pd.Series = self.roster.loc[officer]  # type: ignore[assignment]
        self.load[officer] += 1
        self.counts[(u, t, role, department if role == "officer" else "*")] += 1
        departments, division, day, parties = self.info[(u, t)]
        day = day or self.on
        found = []
        if department != person.department:
            found.append(Difference("team.department", where, repr(person.department), repr(department)))
        if role not in ("officer", "expert") or (role == "expert") != bool(person.expert):
            found.append(Difference("team.role", where, str(bool(person.expert)), repr(role)))
        if role == "officer" and department not in departments:
            found.append(Difference("team.task_department", where, found=department))
        if not person.active:
            found.append(Difference("team.inactive", where))
        found += self._recusal(where, person, u, division, parties, day)
        return found + self._fitness(where, person, t, department, role, day)

    def _recusal(
        self, where: str, person: pd.Series, u: str, division: str, parties: frozenset[str], day: date | None
    ) -> list[Difference]:
        rules, officer = self.rules, str(person.name)
        found = []
        if (officer, u) in self.entity_conflicts:
            found.append(Difference("team.conflict", where, detail=self.entity_conflicts[(officer, u)]))
        for party in sorted(parties):
            if (officer, party) in self.person_conflicts:
                reason = self.person_conflicts[(officer, party)]
                found.append(Difference("team.conflict_party", where, found=party, detail=reason))
        width = LOCAL_LEVELS[rules.local_level]
        local = division.ljust(12, "0")[:width] == person.home_division.ljust(12, "0")[:width]
        if rules.local_recusal and division and person.home_division and local:
            found.append(Difference("team.local", where, found=division, detail=rules.local_level))
        if (officer, u) in self.recent:
            found.append(Difference("team.rotation_campaigns", where, str(rules.rotation_campaigns)))
        days, before = rules.rotation_days, self.visits.get((officer, u), [])
        if days is not None and day is not None and any((day - d).days < days for d in before):
            found.append(Difference("team.rotation_days", where, str(days)))
        return found

    def _fitness(
        self, where: str, person: pd.Series, t: str, department: str, role: str, day: date | None
    ) -> list[Difference]:
        found = []
        if role == "officer":
            need = self.spec.required(t, department)
            if not need <= person.qualifications:
                lacking = str(sorted(need - person.qualifications))
                found.append(Difference("team.qualification", where, lacking))
            found += _certificate_problems(where, person, self.rules.certificates, self.recorded, day)
        elif self.spec.expert_fields(t) and not self.spec.expert_fields(t) & person.qualifications:
            found.append(Difference("team.expert_field", where, str(sorted(self.spec.expert_fields(t)))))
        if day is not None and day in person.unavailable:
            found.append(Difference("team.unavailable", where, found=day.isoformat()))
        return found

    def totals(self, partial: bool) -> list[Difference]:
        """Duplicates, seats per department and of experts per target, and caps per officer."""
        found = [
            Difference("team.duplicate", f"target {u} task {t or '-'}", found=str(n), detail=o)
            for (u, t, o), n in self.seen.items()
            if n > 1
        ]
        staffed = {(u, t) for u, t, _, _ in self.counts}
        for (u, t), (departments, _, _, _) in self.info.items():
            if partial and (u, t) not in staffed:
                continue  # left unassigned on purpose (listed in the manifest)
            where = f"target {u} task {t or '-'}"
            for department, seats in self.spec.quotas(t, departments).items():
                got = self.counts[(u, t, "officer", department)]
                if got != seats:
                    found.append(Difference("team.seats", where, str(seats), str(got), department))
            experts = self.counts[(u, t, "expert", "*")]
            if experts != self.spec.experts(t):
                found.append(Difference("team.experts", where, str(self.spec.experts(t)), str(experts)))
        cap_all = self.rules.max_targets_per_officer
        for officer, n in sorted(self.load.items()):
            cap = int(self.roster.max_targets[officer])
            if cap >= 0 and n > cap:
                found.append(Difference("team.officer_cap", f"officer {officer}", str(cap), str(n)))
            if cap_all is not None and n > cap_all:
                found.append(Difference("team.campaign_cap", f"officer {officer}", str(cap_all), str(n)))
        return found


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
) -> list[Difference]:
    """An officer seat needs a 执法证 number, valid on the visit day."""
    if rule == "off" or (rule == "if_recorded" and not recorded):
        return []
    if not person.certificate_no:
        return [Difference("team.certificate_missing", where)]
    until = person.certificate_valid_until
    if until is not None and day is not None and day > until:
        return [Difference("team.certificate_expired", where, day.isoformat(), until.isoformat())]
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
) -> Verification:
    """Every rule the team table breaks, one ``team.*`` difference each (docs/verification.md).

    With ``seed`` the teams are also recomputed (`assign_teams`) and every row the two do not
    share is listed. With ``allow_partial`` a target without any row counts as deliberately
    unassigned; ``on`` is the visit date of targets without ``scheduled_on``. Raises
    `InputError` for bad input rows or a team table without its columns.
    """
    found = _rule_differences(
        teams, sample, inspectors, conflicts, campaign_or_rules,
        history=history, sources=sources, partial=allow_partial, on=on,
    )  # fmt: skip
    if seed is not None:
        from .assigner import TEAM_COLUMNS, assign_teams

        again = assign_teams(
            sample, inspectors, conflicts, campaign_or_rules, seed, history=history, mode=mode,
            candidates=candidates, allow_partial=allow_partial, sources=sources, on=on,
        ).teams  # fmt: skip
        published = {tuple(r) for r in teams[TEAM_COLUMNS].fillna("").astype(str).itertuples(index=False)}
        computed = {tuple(r) for r in again[TEAM_COLUMNS].astype(str).itertuples(index=False)}
        found += [Difference("team.not_recomputed", found=", ".join(r)) for r in sorted(published - computed)]
        found += [
            Difference("team.not_published", expected=", ".join(r)) for r in sorted(computed - published)
        ]
    return Verification("teams", tuple(found))


ensure_teams = raising(verify_teams)
