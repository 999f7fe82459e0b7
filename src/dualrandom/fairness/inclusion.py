"""Inclusion: Monte Carlo over seeds of the real draw, against the design probabilities.

Every entity's inclusion count over R independent seeds is Binomial(R, pi) under the design,
where pi is exact: n_h/N_h per (task, stratum, tier) cell in fixed mode (the quota does not
depend on the seed), r_h in Bernoulli mode. Each entity gets a Clopper-Pearson interval at
the Bonferroni level alpha/M (M entities), so one flag is already evidence of bias at level
alpha. The chi-square statistic sums (c - R pi)^2 / (R pi (1 - pi)) over entities; in fixed
mode a cell of N entities with exactly n drawn has cov(I) = pi (1 - pi) N/(N-1) (I - J/N),
so the cell's sum is scaled by (N-1)/N and has N-1 degrees of freedom (N in Bernoulli mode).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..draw import (
    NO_HISTORY,
    TaskSpec,
    draw_campaign,
    draw_sample,
    draw_tasks,
    filter_task,
    prepare_frame,
    recent_checks,
)
from ..draw.draw import task_sampling
from ..draw.frame import apply_caps
from ..errors import DrawError
from ..models import Campaign, Coordination, Sampling, Task
from .montecarlo import run_replicates
from .stats import bonferroni, chi2_pvalue, clopper_pearson, replicate_seeds

__all__ = [
    "DESIGN_COLUMNS",
    "CampaignSampler",
    "InclusionStudy",
    "RatioSampler",
    "Sampler",
    "design_probabilities",
    "inclusion_counts",
    "inclusion_study",
]

Sampler = Callable[[str], pd.DataFrame]
"""A draw as a function of the seed: returns a sample with ``uscc`` (and ``task_id``)."""

DESIGN_COLUMNS = ["task_id", "uscc", "tier", "stratum", "cell_size", "design", "fixed"]
SINGLE_TASK = "draw"


@dataclass(frozen=True)
class RatioSampler:
    """The real `draw_sample` on a classified roster (``uscc``, ``tier``) at per-tier ratios."""

    roster: pd.DataFrame
    ratios: Mapping[str, float]
    mode: str = "fixed"

    def __call__(self, seed: str) -> pd.DataFrame:
        frame = self.roster[["uscc", "tier"]]
        return draw_sample(
            frame, dict(self.ratios), seed, mode=self.mode, reserve=0, task_id=SINGLE_TASK
        ).sample


@dataclass(frozen=True)
class CampaignSampler:
    """The real `draw_campaign` of every task; with coordination, the seed is the permanent one."""

    roster: pd.DataFrame
    campaign: Campaign
    history: pd.DataFrame | None = None
    as_of: date | None = None

    def __call__(self, seed: str) -> pd.DataFrame:
        campaign = self.campaign
        coordination = campaign.sampling.coordination
        if coordination is not None:  # a permanent seed would give every replicate the same sample
            moved = Coordination(permanent_seed=seed, start=coordination.start)
            sampling = campaign.sampling.model_copy(update={"coordination": moved})
            campaign = campaign.model_copy(update={"sampling": sampling})
        past = self.history if self.history is not None else NO_HISTORY
        return draw_campaign(self.roster, campaign, seed, history=past, as_of=self.as_of).sample


def _stratum(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype("string").fillna("").str.strip().astype(object)


def design_probabilities(
    roster: pd.DataFrame,
    sampling: Sampling,
    tasks: Sequence[Task] | None = None,
    *,
    history: pd.DataFrame | None = None,
    as_of: date | None = None,
    residents: Mapping[str, int] | None = None,
    source: str = "roster",
) -> pd.DataFrame:
    """Every (task, entity) the draw may select, with its exact inclusion probability.

    Columns `DESIGN_COLUMNS`: ``design`` is the tier's ratio (of the task) in Bernoulli mode and
    in fixed mode with random rounding (no min/max totals), else quota/eligible of the cell;
    ``fixed`` tells which. Entities removed by a task's filters or by a frequency cap are not
    listed (their probability is 0 by design).
    """
    if sampling.mode == "bernoulli" and (sampling.min_total is not None or sampling.max_total is not None):
        raise DrawError("Bernoulli draws with min_total/max_total have no exact inclusion probability")
    frame = prepare_frame(roster, sampling.tiers, source=source)
    checks = None
    if history is not None:
        if as_of is None:
            raise DrawError("frequency caps need the draw date: pass as_of with the history")
        checks = recent_checks(history, as_of)
    specs = [
        TaskSpec(task_id=t.id, seed=f"design/{t.id}", departments=t.departments, task=t) for t in tasks or ()
    ]
    specs = specs or [TaskSpec(task_id=SINGLE_TASK, seed="design")]
    counts = draw_tasks(
        roster,
        sampling,
        specs,
        "design",
        seed_rule="design",
        history=history,
        as_of=as_of,
        residents=residents,
    ).counts
    parts = []
    for spec in specs:
        covered = filter_task(frame, spec.task, source=source) if spec.task is not None else frame
        if checks is not None:
            covered = covered.loc[~apply_caps(covered, sampling.frequency_caps, checks).to_numpy(dtype=bool)]
        parts.append(
            pd.DataFrame(
                {
                    "task_id": spec.task_id,
                    "uscc": covered["uscc"].to_numpy(dtype=object),
                    "tier": covered["tier"].to_numpy(dtype=object),
                    "stratum": _stratum(covered, sampling.strata).to_numpy(dtype=object),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    cells = counts.rename(columns={"eligible": "cell_size"})[
        ["task_id", "stratum", "tier", "cell_size", "quota"]
    ]
    table = table.merge(cells.astype({"task_id": object, "stratum": object, "tier": object}), how="left")
    fixed = sampling.mode == "fixed"
    # random rounding of r·N keeps the design probability r (docs/draw-spec.md §6)
    coin = sampling.rounding == "random" and sampling.allocation == "proportional"
    if fixed and not (coin and sampling.min_total is None and sampling.max_total is None):
        table["design"] = table["quota"] / table["cell_size"]
    else:
        ratio_of = {
            (s.task_id, t): float(r) for s in specs for t, r in task_sampling(sampling, s).ratios.items()
        }
        table["design"] = [ratio_of[key] for key in zip(table["task_id"], table["tier"], strict=True)]
    table["fixed"] = fixed
    table["cell_size"] = table["cell_size"].astype(np.int64)
    return table[DESIGN_COLUMNS].astype({"design": np.float64})


def _keys(frame: pd.DataFrame, default_task: str | None) -> pd.Series:
    if "task_id" in frame.columns:
        task = frame["task_id"].astype(str)
    elif default_task is not None:
        task = pd.Series(default_task, index=frame.index)
    else:
        raise DrawError("the sampler's output has no task_id column and the design has several tasks")
    return task + "\x1f" + frame["uscc"].astype(str)


def inclusion_counts(
    design: pd.DataFrame, samples: Sequence[pd.DataFrame]
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], int]:
    """How often each design row was drawn over ``samples``, and how many draws fell outside it."""
    index = pd.Index(_keys(design, None) if "task_id" in design.columns else design["uscc"])
    tasks = design["task_id"].unique().tolist()
    default = str(tasks[0]) if len(tasks) == 1 else None
    hits = np.zeros(len(design), dtype=np.int64)
    outside = 0
    for sample in samples:
        position = index.get_indexer(_keys(sample, default))
        inside = position >= 0
        outside += int((~inside).sum())
        np.add.at(hits, position[inside], 1)
    return hits, outside


@dataclass(frozen=True)
class InclusionStudy:
    """Empirical against design inclusion: per entity, per tier, and one chi-square test.

    ``entities``: task_id, uscc, tier, stratum, design, hits, trials, rate, low, high, flagged.
    ``tiers``: task_id, tier, entities, design, hits, trials, rate, low, high, chi2, df,
    p_value, flagged, passed. ``outside`` counts draws of entities the design excludes.
    """

    replicates: int
    alpha: float
    entities: pd.DataFrame
    tiers: pd.DataFrame
    statistic: float
    df: float
    p_value: float
    flagged: int
    outside: int

    @property
    def passed(self) -> bool:
        """No entity flagged, nothing drawn outside the design, chi-square p-value >= alpha."""
        return self.flagged == 0 and self.outside == 0 and self.p_value >= self.alpha

    def summary(self) -> dict[str, Any]:
        """The headline figures as plain Python values."""
        return {
            "replicates": self.replicates,
            "alpha": self.alpha,
            "entities": len(self.entities),
            "chi2": round(self.statistic, 3),
            "df": self.df,
            "p_value": self.p_value,
            "flagged": self.flagged,
            "outside": self.outside,
            "passed": self.passed,
        }


def _cell_statistics(entities: pd.DataFrame, replicates: int) -> pd.DataFrame:
    """Chi-square terms per (task, stratum, tier) cell with the fixed-size correction."""
    pi = entities["design"].to_numpy(dtype=np.float64)
    inner = (pi > 0) & (pi < 1)
    expected = replicates * pi
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(inner, (entities["hits"] - expected) ** 2 / (expected * (1 - pi)), 0.0)
    work = entities.assign(_term=term, _inner=inner.astype(np.int64))
    cells = work.groupby(["task_id", "stratum", "tier"], sort=False).agg(
        chi2=("_term", "sum"), n=("_inner", "sum"), fixed=("fixed", "first")
    )
    size = cells["n"].astype(np.float64)
    fixed = cells["fixed"].astype(bool) & (size > 0)
    cells["chi2"] = np.where(fixed, cells["chi2"] * (size - 1) / size.where(size > 0, 1), cells["chi2"])
    cells["df"] = np.where(fixed, size - 1, size)
    return cells.reset_index()


def inclusion_study(
    sampler: Sampler,
    design: pd.DataFrame,
    *,
    replicates: int = 1000,
    seed: str = "fairness",
    alpha: float = 0.05,
    processes: int = 1,
) -> InclusionStudy:
    """Run ``sampler`` on ``replicates`` seeds derived from ``seed`` and test it against ``design``."""
    if replicates < 1:
        raise DrawError(f"replicates must be at least 1, got {replicates}")
    samples = run_replicates(sampler, replicate_seeds(seed, replicates), processes=processes)
    hits, outside = inclusion_counts(design, samples)
    entities = design.assign(hits=hits, trials=replicates, rate=hits / replicates)
    low, high = clopper_pearson(hits, replicates, bonferroni(alpha, len(entities)))
    pi = entities["design"].to_numpy(dtype=np.float64)
    inner = (pi > 0) & (pi < 1)
    exact_miss = ~inner & (hits != np.round(replicates * pi))
    entities = entities.assign(low=low, high=high, flagged=(inner & ((pi < low) | (pi > high))) | exact_miss)
    cells = _cell_statistics(entities, replicates)
    grouped = entities.groupby(["task_id", "tier"], sort=False)
    tiers = grouped.agg(
        entities=("uscc", "size"), design=("design", "mean"), hits=("hits", "sum"), flagged=("flagged", "sum")
    ).reset_index()
    terms = cells.groupby(["task_id", "tier"], sort=False)[["chi2", "df"]].sum().reset_index()
    tiers = tiers.merge(terms, on=["task_id", "tier"], how="left")
    tiers["trials"] = tiers["entities"] * replicates
    tiers["rate"] = tiers["hits"] / tiers["trials"]
    tier_alpha = bonferroni(alpha, len(tiers))
    tiers["low"], tiers["high"] = clopper_pearson(tiers["hits"], tiers["trials"], tier_alpha)
    tiers["p_value"] = [chi2_pvalue(s, d) for s, d in zip(tiers["chi2"], tiers["df"], strict=True)]
    tiers["passed"] = (
        (tiers["flagged"] == 0)
        & (tiers["p_value"] >= tier_alpha)
        & (tiers["design"] >= tiers["low"])
        & (tiers["design"] <= tiers["high"])
    )
    order = ["task_id", "tier", "entities", "design", "hits", "trials", "rate", "low", "high"]
    tiers = tiers[[*order, "chi2", "df", "p_value", "flagged", "passed"]].sort_values(
        ["task_id", "tier"], ignore_index=True
    )
    statistic, df = float(cells["chi2"].sum()), float(cells["df"].sum())
    columns = [
        "task_id",
        "uscc",
        "tier",
        "stratum",
        "design",
        "hits",
        "trials",
        "rate",
        "low",
        "high",
        "flagged",
    ]
    return InclusionStudy(
        replicates=replicates,
        alpha=alpha,
        entities=entities[columns],
        tiers=tiers,
        statistic=statistic,
        df=df,
        p_value=chi2_pvalue(statistic, df),
        flagged=int(entities["flagged"].sum()),
        outside=outside,
    )
