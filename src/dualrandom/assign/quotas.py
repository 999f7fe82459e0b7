"""Team rules: how many officers each department sends to a target, and what they must hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import PolicyError
from ..models import Campaign, TeamRules

__all__ = ["EXPERTS", "TeamSpec", "team_spec"]

EXPERTS = "*experts*"
"""The pool name of experts (any department): they assist on top of the quorum."""


@dataclass(frozen=True)
class TeamSpec:
    """Team rules resolved from a campaign (or bare `TeamRules` with no campaign)."""

    rules: TeamRules
    campaign_id: str = ""
    task_departments: Mapping[str, tuple[str, ...]] | None = None
    per_department: Mapping[str, int] = field(default_factory=dict)
    qualifications: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    task_qualifications: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def quotas(self, task_id: str, departments: tuple[str, ...]) -> dict[str, int]:
        """Officers per department for one target; the initiating (first) one makes up the quorum.

        Every participating department sends at least one certified officer, and together at
        least the task's ``min_officers`` (default 2).
        """
        rules = self.rules
        task = rules.tasks.get(task_id)
        each = task.officers_per_department if task is not None else None
        if each is None:
            each = self.per_department.get(task_id)
        if each is None:
            each = rules.officers_per_department or (2 if len(departments) == 1 else 1)
        quotas = {department: each for department in departments}
        minimum = task.min_officers if task is not None and task.min_officers is not None else None
        shortfall = (minimum or rules.min_officers) - each * len(departments)
        if shortfall > 0:
            quotas[departments[0]] += shortfall
        return quotas

    def required(self, task_id: str, department: str) -> frozenset[str]:
        """Qualifications an officer of ``department`` needs for the items of ``task_id``."""
        return self.qualifications.get((task_id, department), frozenset())

    def experts(self, task_id: str) -> int:
        """Experts per visit of ``task_id`` (the task's own count, else the campaign's)."""
        task = self.rules.tasks.get(task_id)
        if task is not None and task.experts is not None:
            return task.experts
        return self.rules.experts

    def expert_fields(self, task_id: str) -> frozenset[str]:
        """Qualifications of which an expert on ``task_id`` must hold one (empty: any expert).

        The task's ``expert_qualifications``, else the qualifications its items require.
        """
        task = self.rules.tasks.get(task_id)
        if task is not None and task.expert_qualifications:
            return frozenset(task.expert_qualifications)
        return self.task_qualifications.get(task_id, frozenset())


def team_spec(campaign_or_rules: Campaign | TeamRules | None) -> TeamSpec:
    """Resolve the team rules; ``None`` means the default `TeamRules`.

    Raises `PolicyError` when ``teams.tasks`` names a task the campaign does not have.
    """
    if campaign_or_rules is None:
        return TeamSpec(rules=TeamRules())
    if isinstance(campaign_or_rules, TeamRules):
        return TeamSpec(rules=campaign_or_rules)
    campaign = campaign_or_rules
    unknown = sorted(set(campaign.teams.tasks) - {task.id for task in campaign.tasks})
    if unknown:
        raise PolicyError(
            f"teams.tasks names task(s) {unknown} that the campaign does not have; "
            f"allowed: {sorted(task.id for task in campaign.tasks)}"
        )
    items = {item.id: item for item in campaign.items}
    qualifications: dict[tuple[str, str], set[str]] = {}
    for task in campaign.tasks:
        for item_id in task.items:
            item = items[item_id]
            if item.qualification:
                qualifications.setdefault((task.id, item.department), set()).add(item.qualification)
    by_task: dict[str, set[str]] = {}
    for (task_id, _), need in qualifications.items():
        by_task.setdefault(task_id, set()).update(need)
    return TeamSpec(
        rules=campaign.teams,
        campaign_id=campaign.plan.id,
        task_departments={task.id: tuple(task.departments) for task in campaign.tasks},
        per_department={task.id: campaign.officers_per_department(task) for task in campaign.tasks},
        qualifications={key: frozenset(value) for key, value in qualifications.items()},
        task_qualifications={key: frozenset(value) for key, value in by_task.items()},
    )
