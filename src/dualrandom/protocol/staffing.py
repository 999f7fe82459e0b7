"""The assignment step's teams: one team per target, or one joint team per visit, and the
``assignment`` and ``recusal`` records they make.

An entity drawn by several tasks (of a batch, or of a plan drawn once) is one visit with one
joint team (`dualrandom.visits.visit_targets`); the teams table names each row's visit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..ledger import LedgerRecord
from ..ledger.records import Step

if TYPE_CHECKING:
    from ..assign import Assignment
    from .campaign import CampaignProtocol

__all__ = ["assignment_steps", "teams"]


def teams(
    protocol: CampaignProtocol, sample: pd.DataFrame, inspectors: pd.DataFrame,
    conflicts: pd.DataFrame | None, seed: str, options: Mapping[str, Any],
) -> Assignment:  # fmt: skip
    """The teams for ``sample``: per target, or per visit in a batch or for entities of several tasks.

    ``options`` go to `dualrandom.assign.assign_teams`, which says what is raised.
    """
    from ..assign import assign_teams

    if protocol.batch is None and not _several_tasks(sample):
        return assign_teams(sample, inspectors, conflicts, protocol.campaign, seed, **options)
    return _visit_teams(protocol, sample, inspectors, conflicts, seed, options)


def assignment_steps(
    campaign_id: str, manifest: Mapping[str, Any], existing: LedgerRecord | None
) -> Callable[[int], list[Step]]:
    """The records of an assignment: the assignment, then its recusals (回避) naming it by seq."""

    def steps(next_seq: int) -> list[Step]:
        if existing:
            return []
        recusal = {"assignment": next_seq, "rules": manifest.get("rules"),
                   "recusals": manifest.get("recusals", [])}  # fmt: skip
        return [Step(campaign_id, "assignment", dict(manifest)), Step(campaign_id, "recusal", recusal)]

    return steps


def _several_tasks(sample: pd.DataFrame) -> bool:
    """Whether some entity of ``sample`` is drawn by more than one task (one visit for them all)."""
    if "task_id" not in sample.columns or "uscc" not in sample.columns:
        return False
    codes = sample["uscc"].astype("string").fillna("").str.strip().str.upper()
    return bool(sample.assign(uscc=codes).groupby("uscc")["task_id"].nunique().gt(1).any())


def _visit_teams(
    protocol: CampaignProtocol, sample: pd.DataFrame, inspectors: pd.DataFrame,
    conflicts: pd.DataFrame | None, seed: str, options: Mapping[str, Any],
) -> Assignment:  # fmt: skip
    """Teams per visit: an entity drawn by several tasks gets one joint team for all of them."""
    from dataclasses import replace

    from ..assign import assign_teams
    from ..assign.manifest import frame_digest
    from ..visits import VISIT_VERSION, expand_teams, visit_targets

    view, targets, joint = visit_targets(sample, protocol.campaign, protocol.plan_id, protocol.batch)
    solved = assign_teams(targets.drop(columns="visit"), inspectors, conflicts, view, seed, **options)
    expanded = expand_teams(solved.teams, targets, joint, protocol.campaign)
    outputs = {
        **solved.manifest.get("outputs", {}),
        "teams": frame_digest(expanded.fillna("")),
        "rows": len(expanded),
    }
    visits = {"version": VISIT_VERSION, "count": len(targets),
              "joint": int((targets["task_id"].str.contains("+", regex=False)).sum())}  # fmt: skip
    manifest = {**solved.manifest, "outputs": outputs, "batch": protocol.batch, "visits": visits}
    return replace(solved, teams=expanded, manifest=manifest)
