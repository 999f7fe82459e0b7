"""The tier-inference attack on a publication: how many entities' tier sets the public bundle narrows.

Privacy requirement (docs/draw-spec.md §12): the public bundle may reveal no more about an
entity's tier than the fact that it was drawn. The attacker here holds what the public holds —
the bundle's manifests, the campaign file (ratios, task filters) and the public register of
codes with their registration columns (``entity_type``, ``industry``, ``division``) — and
computes, for every entity of every task frame, the set of tiers consistent with it:

* tickets, from the published seed and the public recipe, when the bundle's rule is ticket-based;
* each published cell (stratum label, eligible and drawn counts, threshold); a label is
  matched to its tier by recomputing the label formula over the policy's tier names, else by
  the counts (``drawn`` = the rounded ``ratio * eligible``, its public coin included), else left
  open to every tier;
* an entity drawn in a cell has its ticket at or under the cell's threshold; an undrawn one
  lies above it (Bernoulli: ``ticket < ratio`` exactly when drawn).

The baseline is what the fact of being drawn reveals by policy alone (an undrawn entity is not
in a tier drawn at ratio 1). An entity is *narrowed* when the bundle excludes a tier the
baseline does not. The measure uses the true tiers only to count per tier, never to infer.
Frequency caps are unknown to the public; the attacker ignores them, so a capped entity may
be "excluded" from its true tier (counted as ``unsound``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..draw.draw import seed_for_task
from ..draw.frame import filter_task
from ..draw.manifest import stratum_label
from ..draw.quotas import rounded_quota
from ..errors import InputError
from ..ids import normalize_ids
from ..models import Campaign
from ..tickets import tickets
from .privacy import entity_types

__all__ = ["Narrowing", "bundle_narrowing", "measure_publication", "tier_narrowing"]

_TICKET_RULES = ("ticket <= threshold", "ticket < threshold")


@dataclass(frozen=True)
class Narrowing:
    """What the attack learnt: entities considered, narrowed, determined exactly, per true tier."""

    entities: int
    narrowed: int
    determined: int
    unsound: int
    by_tier: dict[str, dict[str, int]] = field(default_factory=dict)
    determined_codes: dict[str, list[str]] = field(default_factory=dict, repr=False)
    """Per true tier, the codes whose tier the bundle proves (internal: never publish it)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (for the ledger payload and the ``dualrandom privacy`` report)."""
        return {
            "entities": self.entities,
            "narrowed": self.narrowed,
            "determined": self.determined,
            "unsound": self.unsound,
            "by_tier": self.by_tier,
        }


@dataclass
class _Cell:
    tiers: set[str]
    stratum: str | None  # None: unknown
    drawn: int | None
    eligible: int | None
    threshold: str | None
    drawn_only: bool = False


def _quota(rounding: str, ratio: float, eligible: int, coin: tuple[str, str, str, str]) -> int:
    """The count a cell of ``eligible`` draws at ``ratio``; ``coin`` = (seed, task, stratum, tier)."""
    if rounding == "random":  # the public rounding coin (docs/draw-spec.md §6)
        return rounded_quota(ratio, eligible, coin[0], coin[1], (coin[2], coin[3]))
    return min(math.ceil(Fraction(str(ratio)) * eligible), eligible)


def _recover(
    label: str, seed: str, task_id: str, strata: Sequence[str], tiers: Sequence[str]
) -> tuple[str, str] | None:
    for stratum in strata:
        for tier in tiers:
            if stratum_label(seed, task_id, stratum, tier) == label:
                return stratum, tier
    return None


def _cells(
    campaign: Campaign,
    task_id: str,
    manifest: Mapping[str, Any],
    draw_public: Mapping[str, Any] | None,
    strata: Sequence[str],
) -> list[_Cell]:
    """The cells the bundle publishes for a task, each with the tiers it may stand for."""
    sampling = campaign.sampling
    tiers = list(sampling.tiers)
    counts_pin = sampling.mode == "fixed" and sampling.allocation == "proportional"
    counts_pin = counts_pin and sampling.min_total is None and sampling.max_total is None
    if draw_public is not None and draw_public.get("strata"):
        out = []
        for cell in draw_public["strata"]:
            if cell.get("task_id") != task_id:
                continue
            found = _recover(str(cell["label"]), str(draw_public["seed"]), task_id, strata, tiers)
            candidates = {found[1]} if found else set(tiers)
            eligible, drawn = int(cell["eligible"]), int(cell["drawn"])
            if found is None and counts_pin:
                ratios, seed = campaign.task(task_id).tier_ratios(sampling), str(draw_public["seed"])
                candidates = {
                    t for t in tiers for s in (strata or [""])
                    if _quota(sampling.rounding, ratios[t], eligible, (seed, task_id, s, t)) == drawn
                }  # fmt: skip
            threshold = str(cell["threshold"]) or None
            out.append(_Cell(candidates, found[0] if found else None, drawn, eligible, threshold))
        return out
    task = next((t for t in manifest.get("tasks", []) if t.get("task_id") == task_id), None)
    if task is None or not task.get("strata"):
        return []
    out = [
        _Cell(
            set(tiers), None, int(s["count"]), None, str(s["threshold"]) if s.get("threshold") else None, True
        )
        for s in task["strata"]
    ]
    out.append(_Cell(set(tiers), None, None, None, None))  # the list names only cells with drawn entities
    return out


def _facts(
    cell: _Cell, drawn: npt.NDArray[np.bool_], ranks: npt.NDArray[Any] | None, bernoulli: bool
) -> npt.NDArray[np.bool_]:
    """Per entity: could it be in ``cell`` given whether it was drawn (and its ticket)?"""
    can_drawn = np.full(len(drawn), cell.drawn is None or cell.drawn > 0)
    can_undrawn = np.full(
        len(drawn), not cell.drawn_only and (cell.eligible is None or (cell.drawn or 0) < cell.eligible)
    )
    if ranks is not None and cell.threshold is not None:
        under = ranks < cell.threshold if bernoulli else ranks <= cell.threshold
        can_drawn &= under
        if cell.drawn:
            can_undrawn &= ~under
    result: npt.NDArray[np.bool_] = np.where(drawn, can_drawn, can_undrawn)
    return result


def _task_sets(
    campaign: Campaign,
    task_id: str,
    frame: pd.DataFrame,
    drawn: npt.NDArray[np.bool_],
    manifest: Mapping[str, Any],
    draw_public: Mapping[str, Any] | None,
) -> npt.NDArray[np.bool_] | None:
    """Entities × tiers: consistent with this task's publication (None: nothing published)."""
    sampling = campaign.sampling
    column = sampling.strata
    stratum = frame[column].astype("string").fillna("").str.strip().to_numpy(dtype=object) if column else None
    strata = sorted(set(stratum.tolist())) if stratum is not None else [""]
    cells = _cells(campaign, task_id, manifest, draw_public, strata)
    if not cells:
        return None
    task: Mapping[str, Any] = next((t for t in manifest.get("tasks", []) if t.get("task_id") == task_id), {})
    ranks = None
    if task.get("rule") in _TICKET_RULES:
        permanent = manifest.get("permanent_seed")
        seed = seed_for_task(str(manifest["seed"]), task_id, str(permanent) if permanent else None)
        ranks = tickets(seed, frame["uscc"].tolist()).astype(str)
    bernoulli = sampling.mode == "bernoulli"
    tiers = list(sampling.tiers)
    sets = np.zeros((len(frame), len(tiers)), dtype=bool)
    for cell in cells:
        fits = _facts(cell, drawn, ranks, bernoulli)
        if cell.stratum is not None and stratum is not None:
            fits &= stratum == cell.stratum
        for tier in cell.tiers:
            sets[:, tiers.index(tier)] |= fits
    return sets


def tier_narrowing(
    manifest: Mapping[str, Any],
    campaign: Campaign,
    roster: pd.DataFrame,
    *,
    draw_public: Mapping[str, Any] | None = None,
    tasks: Sequence[str] | None = None,
) -> Narrowing:
    """Run the attack on a bundle's ``manifest`` (and the draw's public manifest, if published).

    ``roster`` is the public register (codes and the columns the tasks filter on); a ``tier``
    column, when present, is used only to count per tier; ``tasks`` limits the attack to
    those tasks' publications (default: all). Raises `InputError` when the roster
    lacks ``uscc`` or a column a task filters on.
    """
    if "uscc" not in roster.columns:
        raise InputError([], summary="the attack needs the register's codes (column uscc)")
    truth = (
        roster["tier"].astype("string").fillna("").str.strip().tolist() if "tier" in roster.columns else None
    )
    public = roster.drop(columns=["tier", "score"], errors="ignore").reset_index(drop=True)
    public = public.assign(uscc=normalize_ids(public["uscc"]).astype(object))
    tiers = list(campaign.sampling.tiers)
    consistent = np.ones((len(public), len(tiers)), dtype=bool)
    baseline = np.ones((len(public), len(tiers)), dtype=bool)
    considered = np.zeros(len(public), dtype=bool)
    drawn_pairs = {(str(d["task_id"]), str(d["uscc"])) for d in manifest.get("drawn", [])}
    full = [t for t in tiers if campaign.sampling.ratios[t] >= 1]
    for task in campaign.tasks:
        if tasks is not None and task.id not in tasks:
            continue
        frame = filter_task(public, task, source="register")
        rows = frame.index.to_numpy()
        drawn = np.array([(task.id, c) in drawn_pairs for c in frame["uscc"].tolist()], dtype=bool)
        considered[rows] = True
        for tier in full:
            baseline[rows[~drawn], tiers.index(tier)] = False
        sets = _task_sets(campaign, task.id, frame, drawn, manifest, draw_public)
        if sets is not None:
            consistent[rows] &= sets
    consistent &= baseline | ~considered[:, None]
    narrowed = considered & (consistent != baseline).any(axis=1)
    determined = narrowed & (consistent.sum(axis=1) == 1)
    summary = _summary(consistent, considered, narrowed, determined, truth, tiers)
    if truth is not None:
        codes = public["uscc"].to_numpy(dtype=object)
        proven = {
            t: [
                str(c)
                for c, r in zip(codes[determined], np.array(truth, dtype=object)[determined], strict=True)
                if r == t
            ]
            for t in tiers
        }
        summary = replace(summary, determined_codes=proven)
    return summary


def _summary(
    consistent: npt.NDArray[np.bool_],
    considered: npt.NDArray[np.bool_],
    narrowed: npt.NDArray[np.bool_],
    determined: npt.NDArray[np.bool_],
    truth: list[str] | None,
    tiers: list[str],
) -> Narrowing:
    by_tier: dict[str, dict[str, int]] = {}
    unsound = 0
    if truth is not None:
        index = np.array([tiers.index(t) if t in tiers else -1 for t in truth])
        known = index >= 0
        wrong = known & ~consistent[np.arange(len(index)), np.where(known, index, 0)] & considered
        unsound = int(wrong.sum())
        for i, tier in enumerate(tiers):
            mine = (index == i) & considered
            by_tier[tier] = {
                "entities": int(mine.sum()),
                "narrowed": int((mine & narrowed).sum()),
                "determined": int((mine & determined & ~wrong).sum()),
            }
    return Narrowing(int(considered.sum()), int(narrowed.sum()), int(determined.sum()), unsound, by_tier)


def bundle_narrowing(bundle_dir: str | Path, campaign: Campaign, roster: pd.DataFrame) -> Narrowing:
    """`tier_narrowing` on a written bundle (manifest.json and, when present, draw-manifest.json).

    Raises `InputError` when the bundle has no readable manifest.json.
    """
    directory = Path(bundle_dir)
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError([], summary=f"{directory}: no readable manifest.json ({error})") from error
    draw_path = directory / "draw-manifest.json"
    draw_public = json.loads(draw_path.read_text(encoding="utf-8")) if draw_path.exists() else None
    return tier_narrowing(manifest, campaign, roster, draw_public=draw_public)


def measure_publication(
    manifest: Mapping[str, Any],
    campaign: Campaign,
    roster: pd.DataFrame,
    *,
    draw_public: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The attack's figures on a publication being built, or why they could not be measured.

    Entity types are read in any accepted spelling. Never raises `InputError`: a register
    lacking a column a task filters on gives ``{"measured": False, "reason": ...}``.
    """
    register = (
        roster.assign(entity_type=entity_types(roster["entity_type"])) if "entity_type" in roster else roster
    )
    try:
        return {
            "measured": True,
            **tier_narrowing(manifest, campaign, register, draw_public=draw_public).as_dict(),
        }
    except InputError as error:
        return {"measured": False, "reason": str(error).splitlines()[0]}
