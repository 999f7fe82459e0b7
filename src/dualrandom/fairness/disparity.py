"""Disparity: within a tier, inspection rates of regions, industries, entity types and sizes.

Each group's rate (draws / trials) is divided by its tier's design rate. The interval is the
Clopper-Pearson interval of the group's count divided by that rate, at the Bonferroni level
over the groups of one dimension and tier. Under a fixed-size draw a group's count is a sum
of hypergeometric counts, whose variance is below the binomial one, so the binomial interval
is conservative: a flagged group is evidence of bias, not sampling noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .stats import clopper_pearson

__all__ = ["DIMENSIONS", "DISPARITY_COLUMNS", "disparity", "realised_counts"]

DIMENSIONS: tuple[str, ...] = ("division", "industry", "entity_type", "size")
"""Roster columns compared by default (those the roster has)."""

DISPARITY_COLUMNS = [
    "dimension",
    "task_id",
    "tier",
    "group",
    "entities",
    "hits",
    "trials",
    "rate",
    "tier_rate",
    "ratio",
    "ratio_low",
    "ratio_high",
    "flagged",
]


def realised_counts(roster: pd.DataFrame, samples: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Per-entity ``hits``/``trials`` from realised samples (one trial per sample), no design."""
    counts = pd.concat([s[["uscc"]] for s in samples], ignore_index=True)["uscc"].value_counts()
    return pd.DataFrame(
        {
            "uscc": roster["uscc"].to_numpy(dtype=object),
            "tier": roster["tier"].to_numpy(dtype=object),
            "hits": roster["uscc"].map(counts).fillna(0).astype(np.int64).to_numpy(),
            "trials": len(samples),
        }
    )


def disparity(
    counts: pd.DataFrame,
    roster: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    alpha: float = 0.05,
    source: str = "roster",
) -> pd.DataFrame:
    """Rates by group within each (task, tier), as ratios to the tier's rate (`DISPARITY_COLUMNS`).

    ``counts`` has ``uscc``, ``tier``, ``hits`` and ``trials`` (an `InclusionStudy`'s entities,
    whose ``design`` column gives the tier rate, or `realised_counts`); ``roster`` supplies the
    group columns. Without ``design`` the tier rate is the tier's observed rate.
    """
    dimensions = [d for d in (by or DIMENSIONS) if by is not None or d in roster.columns]
    missing = [d for d in dimensions if d not in roster.columns]
    if missing:
        raise InputError(
            [
                Problem(source, None, d, None, "COLUMN_MISSING", f"disparity by {d!r} needs this column")
                for d in missing
            ]
        )
    table = counts.copy()
    if "task_id" not in table.columns:
        table["task_id"] = ""
    trials = table["trials"] if "trials" in table.columns else pd.Series(1, index=table.index)
    table["trials"] = np.asarray(trials, dtype=np.int64)
    if "design" not in table.columns:
        observed = table.groupby(["task_id", "tier"])[["hits", "trials"]].transform("sum")
        table["design"] = observed["hits"] / observed["trials"]
    attributes = roster.drop_duplicates("uscc").set_index("uscc")
    parts = []
    for dimension in dimensions:
        group = table["uscc"].map(attributes[dimension].astype("string").fillna("(empty)"))
        work = table.assign(group=group.fillna("(not on roster)"), expected=table["design"] * table["trials"])
        grouped = work.groupby(["task_id", "tier", "group"], sort=True).agg(
            entities=("uscc", "size"),
            hits=("hits", "sum"),
            trials=("trials", "sum"),
            expected=("expected", "sum"),
        )
        grouped = grouped.reset_index()
        grouped.insert(0, "dimension", dimension)
        parts.append(grouped)
    if not parts:
        return pd.DataFrame(columns=DISPARITY_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["rate"] = out["hits"] / out["trials"]
    out["tier_rate"] = out["expected"] / out["trials"]
    tests = out.groupby(["dimension", "task_id", "tier"])["group"].transform("size").to_numpy()
    low, high = clopper_pearson(out["hits"], out["trials"], alpha / tests)
    rate = out["tier_rate"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = out["rate"] / rate
        out["ratio_low"] = low / rate
        out["ratio_high"] = high / rate
    out["flagged"] = (rate < low) | (rate > high)
    return out[DISPARITY_COLUMNS]
