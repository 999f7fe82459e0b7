"""The public draw manifest: per-stratum counts and thresholds, seeds and digests, no tiers.

Strata are labelled ``S1..Sk`` per task in order of their threshold, so the published file
lets anyone check the draw (every drawn ticket lies under its stratum's threshold) without
revealing which tier any entity belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..draw.draw import task_seed
from ..draw.manifest import TICKET_RECIPE
from ..models import Campaign
from ..results import columns

__all__ = ["TRIGGERED_RULE", "results_manifest", "sealed_manifest", "triggered_manifest"]

TRIGGERED_RULE = "triggered"
"""The rule of a task whose targets were triggered (complaint, early warning, case lead), not drawn."""


def results_manifest(
    campaign: Campaign,
    sample: pd.DataFrame,
    *,
    seed: str,
    roster_digest: str | None = None,
    task_seeds: dict[str, str] | None = None,
    draw_public: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest published with the results: nothing in it names an entity's tier.

    When ``draw_public`` (the draw's public manifest) is sealed, see `sealed_manifest`.

    Fixed mode: a stratum's threshold is the largest drawn ticket (rule ``ticket <= threshold``);
    Bernoulli mode: the ratio itself (rule ``ticket < threshold``). Coordinated draws (permanent
    seed, shifted start) publish counts only (rule ``coordinated``); their thresholds are in the
    draw's own public manifest (draw-manifest.json).
    """
    if draw_public is not None and draw_public.get("disclosure") == "sealed":
        return sealed_manifest(
            campaign, sample, seed=seed, roster_digest=roster_digest, draw_public=draw_public
        )
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


def sealed_manifest(
    campaign: Campaign,
    sample: pd.DataFrame,
    *,
    seed: str,
    roster_digest: str | None,
    draw_public: Mapping[str, Any],
) -> dict[str, Any]:
    """The bundle manifest of a sealed draw: no ticket, threshold or stratum; receipts instead.

    Per task: the ticket seed, rule ``sealed``, the number drawn and the quota committed before
    the seed; per drawn entity (sorted by task and code, never by ticket): code, task, and the
    receipt (commitment and Merkle path to the committed frames root).
    """
    sealed = draw_public["sealed"]
    coordination = campaign.sampling.coordination
    committed = {t["task_id"]: t for t in sealed["commitment"].get("tasks", [])}
    receipts = {(r["task_id"], r["uscc"]): r for r in draw_public.get("sample", [])}
    tasks: list[dict[str, Any]] = []
    drawn: list[dict[str, Any]] = []
    for task in campaign.tasks:
        codes = sorted(str(u) for u in sample.loc[sample["task_id"].astype(str) == task.id, "uscc"].tolist())
        tasks.append(
            {
                "task_id": task.id,
                "task_seed": task_seed(seed, task.id, campaign.sampling),
                "rule": "sealed",
                "drawn": len(codes),
                "quota": committed.get(task.id, {}).get("quota"),
                "strata": [],  # sealed: no cell, count or threshold is published
            }
        )
        for code in codes:
            receipt = receipts.get((task.id, code), {})
            drawn.append(
                {
                    "uscc": code,
                    "task_id": task.id,
                    "commitment": receipt.get("commitment", ""),
                    "path": list(receipt.get("path", [])),
                }
            )
    return {
        "kind": "public_draw_manifest",
        "version": 2,
        "plan_id": campaign.plan.id,
        "seed": seed,
        "roster_digest": roster_digest,
        "mode": campaign.sampling.mode,
        "disclosure": "sealed",
        "permanent_seed": coordination.permanent_seed if coordination else None,
        "ticket_recipe": TICKET_RECIPE,
        "sealed": sealed,
        "tasks": tasks,
        "drawn": drawn,
    }


def triggered_manifest(campaign: Campaign, sample: pd.DataFrame) -> dict[str, Any]:
    """The bundle manifest of triggered checks: no seed, no ticket, every target listed.

    Triggered checks (an early-warning list, complaints, case leads) are chosen, not drawn:
    ``selection`` says so, each task's rule is ``triggered`` and lists how many it checked,
    and each target (sorted by task and code) its code and task. Nothing names a tier, and no
    reason is published (a complaint or a warning is not a finding).
    """
    tasks: list[dict[str, Any]] = []
    drawn: list[dict[str, str]] = []
    for task in campaign.tasks:
        codes = sorted(str(u) for u in sample.loc[sample["task_id"].astype(str) == task.id, "uscc"].tolist())
        if not codes:
            continue
        tasks.append({"task_id": task.id, "rule": TRIGGERED_RULE, "drawn": len(codes), "strata": []})
        drawn.extend({"uscc": code, "task_id": task.id} for code in codes)
    return {
        "kind": "public_triggered_manifest",
        "version": 1,
        "plan_id": campaign.plan.id,
        "selection": TRIGGERED_RULE,
        "seed": None,
        "tasks": tasks,
        "drawn": drawn,
    }
