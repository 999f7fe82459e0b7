"""Synthetic inspection results for a drawn and assigned campaign (demo and tests)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from .city import seed_sequence

__all__ = ["PROBLEM_RATES", "synth_results"]

PROBLEM_RATES: dict[str, float] = {"A": 0.02, "B": 0.08, "C": 0.25, "D": 0.45}
"""Share of checks that find a problem, by tier (higher risk, more problems)."""

_CLEAR = ("未发现问题", "未发现开展本次抽查涉及的经营活动")
_PROBLEMS = (
    "未按规定公示应当公示的信息",
    "发现问题经责令已改正",
    "发现问题待后续处理",
    "通过登记的住所（经营场所）无法联系",
    "不配合检查情节严重",
)


def synth_results(
    sample: pd.DataFrame,
    *,
    seed: str,
    start: date,
    days: int = 15,
    tier_rates: dict[str, float] | None = None,
) -> pd.DataFrame:
    """One result per (uscc, task, department) of ``sample``, completed within ``days`` of ``start``.

    A pure function of its arguments: rows are processed in sorted order, so the input row
    order does not matter.
    """
    rates = PROBLEM_RATES if tier_rates is None else tier_rates
    checks = (
        sample.assign(department=sample["departments"].str.split(";"))
        .explode("department")[["uscc", "task_id", "department", "tier"]]
        .sort_values(["task_id", "uscc", "department"], kind="stable")
        .reset_index(drop=True)
    )
    rng = np.random.Generator(np.random.PCG64(seed_sequence(f"{seed}/results")))
    n = len(checks)
    problem = rng.random(n) < checks["tier"].map(rates).fillna(0.1).to_numpy(dtype=float)
    clear_pick = np.where(rng.random(n) < 0.9, _CLEAR[0], _CLEAR[1])
    problem_pick = np.asarray(_PROBLEMS, dtype=object)[rng.integers(0, len(_PROBLEMS), n)]
    offsets = rng.integers(0, days, n)
    return pd.DataFrame(
        {
            "uscc": checks["uscc"],
            "task_id": checks["task_id"],
            "department": checks["department"],
            "completed_on": [start + timedelta(days=int(d)) for d in offsets],
            "result": np.where(problem, problem_pick, clear_pick),
        }
    )
