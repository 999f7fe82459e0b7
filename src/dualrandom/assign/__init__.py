"""The second random: inspector teams for sampled targets (see docs/assignment.md)."""

from __future__ import annotations

from .assigner import ALGORITHM, TEAM_COLUMNS, Assignment, assign_teams
from .explain import CapacityShortage, InfeasibilityExplanation, Shortage
from .verify import ensure_teams, verify_teams

__all__ = [
    "ALGORITHM",
    "TEAM_COLUMNS",
    "Assignment",
    "CapacityShortage",
    "InfeasibilityExplanation",
    "Shortage",
    "assign_teams",
    "ensure_teams",
    "verify_teams",
]
