"""Synthetic credit records for a roster, for demos, tests and benchmarks.

Each entity gets a latent propensity (log-normal); each record kind arrives as a Poisson
process at a base yearly rate times that propensity over the ``years`` before ``as_of``.
The result depends only on ``seed`` and the set of entities, not on the roster's row order.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .city import seed_sequence

__all__ = ["BASE_RATES", "synth_credit"]

BASE_RATES: dict[str, float] = {
    "annual_report_late": 0.05,
    "annual_report_missing": 0.02,
    "abnormal_list": 0.02,
    "serious_violation": 0.002,
    "dishonest_debtor": 0.003,
    "penalty_minor": 0.03,
    "penalty": 0.02,
    "complaint": 0.08,
    "inspection_problem": 0.03,
    "unreachable_address": 0.01,
    "refused_inspection": 0.002,
}
"""Yearly records per entity of average propensity, by record kind."""

_REPAIRABLE = (
    "annual_report_late",
    "annual_report_missing",
    "abnormal_list",
    "penalty",
    "unreachable_address",
)


def synth_credit(
    roster: pd.DataFrame,
    *,
    as_of: date,
    seed: str | int = 0,
    years: float = 4.0,
    rates: dict[str, float] | None = None,
    repair_share: float = 0.3,
) -> pd.DataFrame:
    """Credit records (``uscc, kind, start_on, end_on, severity, repaired_on``) for ``roster``.

    ``seed`` is a text seed like `synth_city`'s (or, for older callers, an integer).
    """
    rng = np.random.default_rng(seed_sequence(seed) if isinstance(seed, str) else seed)
    unique = roster.drop_duplicates("uscc").assign(uscc=lambda f: f["uscc"].astype(str)).sort_values("uscc")
    codes = unique["uscc"].reset_index(drop=True)
    n = len(codes)
    registered = pd.to_datetime(unique["registered_on"]).to_numpy(dtype="datetime64[D]").astype(np.int64)
    today = int(np.datetime64(as_of, "D").astype(np.int64))
    propensity = rng.lognormal(mean=-0.5, sigma=1.0, size=n)
    frames = []
    for kind, rate in (rates or BASE_RATES).items():
        counts = rng.poisson(rate * years * propensity)
        owner = np.repeat(np.arange(n), counts)
        earliest = np.maximum(registered[owner], today - int(years * 365.25))
        span = np.maximum(today - earliest, 1)
        start = earliest + (rng.random(len(owner)) * span).astype(np.int64)
        severity = (
            rng.integers(1, 4, size=len(owner)).astype(np.float64)
            if "penalty" in kind
            else np.ones(len(owner))
        )
        repaired = np.full(len(owner), np.iinfo(np.int64).min)
        if kind in _REPAIRABLE:
            chosen = rng.random(len(owner)) < repair_share
            repaired_on = start + 180 + (rng.random(len(owner)) * 365).astype(np.int64)
            repaired = np.where(chosen & (repaired_on <= today), repaired_on, repaired)
        frames.append(
            pd.DataFrame(
                {
                    "uscc": codes.iloc[owner].reset_index(drop=True),
                    "kind": kind,
                    "start_on": start.astype("datetime64[D]").astype("datetime64[s]"),
                    "end_on": pd.NaT,
                    "severity": severity,
                    "repaired_on": np.where(
                        repaired == np.iinfo(np.int64).min,
                        np.datetime64("NaT"),
                        repaired.astype("datetime64[D]"),
                    ).astype("datetime64[s]"),
                }
            )
        )
    records = pd.concat(frames, ignore_index=True)
    records["end_on"] = records["end_on"].astype("datetime64[s]")
    return records.sort_values(["uscc", "kind", "start_on"], kind="stable", ignore_index=True)
