"""`verify_teams`: check a published team table against every rule, independently of the solver.

The checks are written afresh from the rules (not through the assigner's eligibility code),
so a bug in one is not silently shared by the other. With ``seed`` the teams are also
recomputed and compared row by row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Literal

import pandas as pd

from ..errors import VerificationError
from ..models import Campaign, TeamRules
from .inputs import Sources, normalize_conflicts, normalize_history, normalize_inspectors, normalize_sample
from .quotas import team_spec

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
) -> list[str]:
    """Every rule the team table breaks, one sentence each (empty when all rules hold).

    With ``partial`` a target without any row counts as deliberately unassigned.
    """
    spec = team_spec(campaign_or_rules)
    rules = spec.rules
    names = Sources.of(sources)
    targets = normalize_sample(sample, names.sample, spec.task_departments)
    roster = normalize_inspectors(inspectors, names.inspectors).set_index("inspector_id")
    declared = normalize_conflicts(conflicts, names.conflicts)
    past = normalize_history(history, names.history)
    missing = [c for c in ("uscc", "task_id", "inspector_id", "department", "role") if c not in teams.columns]
    if missing:
        return [f"the team table lacks column(s) {missing}"]
    rows = teams.fillna("").astype(str)
    problems: list[str] = []
    info = {
        (u, t): (d, div, day)
        for u, t, d, div, day in zip(
            targets.uscc,
            targets.task_id,
            targets.departments,
            targets.division,
            targets.scheduled_on,
            strict=True,
        )
    }
    conflict_pairs = {
        (o, u): r for o, u, r in zip(declared.inspector_id, declared.uscc, declared.reason, strict=True)
    }
    recent: set[tuple[str, str]] = set()
    if rules.rotation_campaigns and not past.empty:
        named = past[past.campaign_id != ""]
        last = named.groupby("campaign_id")["inspected_on"].max().reset_index()
        last = last.sort_values(["inspected_on", "campaign_id"], ascending=False).head(
            rules.rotation_campaigns
        )
        window = named[named.campaign_id.isin(set(last.campaign_id))]
        recent = set(zip(window.inspector_id, window.uscc, strict=True))
    qualified = {
        (item_task, department): need for (item_task, department), need in spec.qualifications.items()
    }
    caps: dict[str, int] = dict(zip(roster.index, roster.max_targets.astype(int), strict=True))
    seen: Counter[tuple[str, str, str]] = Counter()
    load: Counter[str] = Counter()
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for u, t, officer, department, role in zip(
        rows.uscc, rows.task_id, rows.inspector_id, rows.department, rows.role, strict=True
    ):
        where = f"target {u} task {t or '-'} officer {officer}"
        seen[(u, t, officer)] += 1
        if (u, t) not in info:
            problems.append(f"{where}: the target is not in the sample")
            continue
        if officer not in roster.index:
            problems.append(f"{where}: the officer is not in the inspector roster")
            continue
        person = roster.loc[officer]
        load[officer] += 1
        counts[(u, t, role, department if role == "officer" else "*")] += 1
        if department != person.department:
            problems.append(f"{where}: listed under {department!r} but belongs to {person.department!r}")
        if role not in ("officer", "expert") or (role == "expert") != bool(person.expert):
            problems.append(
                f"{where}: role {role!r} does not match the roster (expert={bool(person.expert)})"
            )
        if not person.active:
            problems.append(f"{where}: the officer is inactive")
        if (officer, u) in conflict_pairs:
            problems.append(f"{where}: declared conflict ({conflict_pairs[(officer, u)]})")
        departments, division, day = info[(u, t)]
        if rules.local_recusal and division and person.home_division == division:
            problems.append(f"{where}: 属地 officer of division {division}")
        if (officer, u) in recent:
            problems.append(
                f"{where}: inspected this entity within the last {rules.rotation_campaigns} campaign(s)"
            )
        need = qualified.get((t, department), frozenset()) if role == "officer" else frozenset()
        if not need <= person.qualifications:
            problems.append(f"{where}: lacks qualification(s) {sorted(need - person.qualifications)}")
        if day is not None and day in person.unavailable:
            problems.append(f"{where}: unavailable on {day.isoformat()}")
        if role == "officer" and department not in departments:
            problems.append(f"{where}: department {department} does not take part in this task")
    problems += [
        f"target {u} task {t or '-'}: officer {o} appears {n} times" for (u, t, o), n in seen.items() if n > 1
    ]
    staffed = {(u, t) for u, t, _, _ in counts}
    for (u, t), (departments, _, _) in info.items():
        if partial and (u, t) not in staffed:
            continue  # left unassigned on purpose (listed in the manifest)
        for department, seats in spec.quotas(t, departments).items():
            got = counts[(u, t, "officer", department)]
            if got != seats:
                problems.append(
                    f"target {u} task {t or '-'}: department {department} sends {got}, needs {seats}"
                )
        if counts[(u, t, "expert", "*")] != rules.experts:
            problems.append(
                f"target {u} task {t or '-'}: {counts[(u, t, 'expert', '*')]} experts, "
                f"rules ask for {rules.experts}"
            )
    for officer, n in sorted(load.items()):
        cap = int(caps[officer])
        if cap >= 0 and n > cap:
            problems.append(f"officer {officer}: {n} targets exceed max_targets {cap}")
        if rules.max_targets_per_officer is not None and n > rules.max_targets_per_officer:
            problems.append(
                f"officer {officer}: {n} targets exceed the campaign cap {rules.max_targets_per_officer}"
            )
    return problems


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
