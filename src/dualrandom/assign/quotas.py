"""Team rules: how many officers each department sends to a target, and what they must hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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

    def quotas(self, task_id: str, departments: tuple[str, ...]) -> dict[str, int]:
        """Officers per department for one target; the initiating (first) one makes up the quorum."""
        rules = self.rules
        each = self.per_department.get(task_id)
        if each is None:
            each = rules.officers_per_department or (2 if len(departments) == 1 else 1)
        quotas = {department: each for department in departments}
        shortfall = rules.min_officers - each * len(departments)
        if shortfall > 0:
            quotas[departments[0]] += shortfall
        return quotas

    def required(self, task_id: str, department: str) -> frozenset[str]:
        """Qualifications an officer of ``department`` needs for the items of ``task_id``."""
        return self.qualifications.get((task_id, department), frozenset())


def team_spec(campaign_or_rules: Campaign | TeamRules | None) -> TeamSpec:
    """Resolve the team rules; ``None`` means the default `TeamRules`."""
    if campaign_or_rules is None:
        return TeamSpec(rules=TeamRules())
    if isinstance(campaign_or_rules, TeamRules):
        return TeamSpec(rules=campaign_or_rules)
    campaign = campaign_or_rules
    items = {item.id: item for item in campaign.items}
    qualifications: dict[tuple[str, str], set[str]] = {}
    for task in campaign.tasks:
        for item_id in task.items:
            item = items[item_id]
            if item.qualification:
                qualifications.setdefault((task.id, item.department), set()).add(item.qualification)
    return TeamSpec(
        rules=campaign.teams,
        campaign_id=campaign.plan.id,
        task_departments={task.id: tuple(task.departments) for task in campaign.tasks},
        per_department={task.id: campaign.officers_per_department(task) for task in campaign.tasks},
        qualifications={key: frozenset(value) for key, value in qualifications.items()},
    )
