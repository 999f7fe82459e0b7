"""The public draw manifest: per-stratum counts and thresholds, seeds and digests, no tiers.

Strata are labelled ``S1..Sk`` per task in order of their threshold, so the published file
lets anyone check the draw (every drawn ticket lies under its stratum's threshold) without
revealing which tier any entity belongs to.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..draw.draw import task_seed
from ..draw.manifest import TICKET_RECIPE
from ..models import Campaign
from ..results import columns

__all__ = ["public_manifest"]


def public_manifest(
    campaign: Campaign,
    sample: pd.DataFrame,
    *,
    seed: str,
    roster_digest: str | None = None,
    task_seeds: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The manifest published with the results: nothing in it names an entity's tier.

    Fixed mode: a stratum's threshold is the largest drawn ticket (rule ``ticket <= threshold``);
    Bernoulli mode: the ratio itself (rule ``ticket < threshold``). Coordinated draws (permanent
    seed, shifted start) publish counts only (rule ``coordinated``); their thresholds are in the
    draw's own public manifest (draw-manifest.json).
    """
    bernoulli = campaign.sampling.mode == "bernoulli"
    coordination = campaign.sampling.coordination
    rule = "coordinated" if coordination else "ticket < threshold" if bernoulli else "ticket <= threshold"
    tasks: list[dict[str, Any]] = []
    drawn: list[dict[str, str]] = []
    for task in campaign.tasks:
        rows = sample[sample["task_id"].astype(str) == task.id]
        strata = []
        for tier, group in rows.groupby(rows["tier"].astype(str), sort=True):
            threshold: str | None = (
                None
                if coordination
                else str(campaign.sampling.ratios[tier])
                if bernoulli
                else str(group["ticket"].max())
            )
            strata.append({"count": len(group), "threshold": threshold})
        strata.sort(key=lambda s: (s["threshold"] or "", s["count"]))
        labelled = [{"label": f"S{i}", **s} for i, s in enumerate(strata, start=1)]
        tasks.append(
            {
                "task_id": task.id,
                "task_seed": (task_seeds or {}).get(task.id, task_seed(seed, task.id, campaign.sampling)),
                "rule": rule,
                "drawn": len(rows),
                "strata": labelled,
            }
        )
        ordered = rows.sort_values("ticket", kind="stable")
        drawn.extend(
            {"uscc": str(u), "task_id": task.id, "ticket": str(t)}
            for u, t in zip(*columns(ordered, ["uscc", "ticket"]), strict=True)
        )
    return {
        "kind": "public_draw_manifest",
        "version": 1,
        "plan_id": campaign.plan.id,
        "seed": seed,
        "roster_digest": roster_digest,
        "mode": campaign.sampling.mode,
        "permanent_seed": coordination.permanent_seed if coordination else None,
        "ticket_recipe": TICKET_RECIPE,
        "tasks": tasks,
        "drawn": drawn,
    }
