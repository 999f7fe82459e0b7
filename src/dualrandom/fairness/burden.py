"""Burden: how often each entity is inspected, across campaigns, departments and years.

"无事不扰" is measured on the inspection history (random and triggered checks of every
department): inspections per entity per year, the share inspected twice or more, the time
since the last inspection, and, by simulating cycles of the real draw, what the tiers'
frequency caps change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..draw import NO_HISTORY, draw_campaign
from ..errors import InputError, Problem
from ..models import Campaign
from ..schema import check_table
from .stats import clopper_pearson

__all__ = [
    "CapEffect",
    "burden_by_year",
    "burden_summary",
    "cap_effect",
    "entity_burden",
    "history_from_samples",
]

HISTORY_COLUMNS = ["uscc", "inspected_on", "campaign_id", "department", "kind"]


def _history(history: pd.DataFrame, source: str) -> pd.DataFrame:
    """The history through `dualrandom.schema` (kind ``history``, Chinese headers accepted).

    Codes are normalised and dates typed; raises `InputError` listing every bad row.
    """
    table = check_table(history, "history", name=source, lenient=True, any_code=None).raise_errors(
        f"{source}: the inspection history has problems (burden counts past inspections)"
    )
    out = pd.DataFrame({"uscc": table["uscc"].astype(object), "inspected_on": table["inspected_on"]})
    for column in ("campaign_id", "department", "kind"):
        out[column] = table[column].astype("string")
    return out


def burden_by_year(
    history: pd.DataFrame, roster: pd.DataFrame, *, by: str | None = None, source: str = "history"
) -> pd.DataFrame:
    """Per calendar year (and ``by`` group of the roster): inspections per entity and shares.

    Columns: year, [by], entities, inspections, per_entity, inspected (share >= 1),
    twice_or_more (share >= 2), max. Every department's and campaign's checks count.
    """
    table = _history(history, source)
    table = table[table["uscc"].isin(roster["uscc"])]
    table = table.assign(year=table["inspected_on"].dt.year)
    years = sorted(table["year"].unique().tolist())
    keys = roster[["uscc"] + ([by] if by else [])].drop_duplicates("uscc")
    rows = []
    for year in years:
        per = table.loc[table["year"] == year, "uscc"].value_counts()
        counts = keys.assign(n=keys["uscc"].map(per).fillna(0).astype(np.int64))
        for label, part in counts.groupby(by, sort=True) if by else [(None, counts)]:
            row: dict[str, object] = {"year": int(year)}
            if by:
                row[by] = label
            n = part["n"].to_numpy()
            row |= {
                "entities": len(n),
                "inspections": int(n.sum()),
                "per_entity": float(n.mean()) if len(n) else 0.0,
                "inspected": float((n >= 1).mean()) if len(n) else 0.0,
                "twice_or_more": float((n >= 2).mean()) if len(n) else 0.0,
                "max": int(n.max(initial=0)),
            }
            rows.append(row)
    return pd.DataFrame(rows)


def entity_burden(
    history: pd.DataFrame,
    roster: pd.DataFrame,
    *,
    as_of: date,
    window_days: int = 365,
    source: str = "history",
) -> pd.DataFrame:
    """Per roster entity: inspections in the ``window_days`` before ``as_of``, last date, days since.

    ``days_since_last`` is missing for entities never inspected before ``as_of``.
    """
    table = _history(history, source)
    end = pd.Timestamp(as_of)
    before = table[table["inspected_on"] < end]
    recent = before[before["inspected_on"] >= end - pd.Timedelta(days=window_days)]
    per = recent["uscc"].value_counts()
    last = before.groupby("uscc")["inspected_on"].max()
    codes = roster["uscc"].astype(object)
    out = pd.DataFrame({"uscc": codes.to_numpy()})
    for column in ("tier", "entity_type", "division"):
        if column in roster.columns:
            out[column] = roster[column].to_numpy(dtype=object)
    out["inspections"] = codes.map(per).fillna(0).astype(np.int64).to_numpy()
    out["last_inspected"] = codes.map(last).to_numpy()
    out["days_since_last"] = (end - pd.to_datetime(out["last_inspected"])).dt.days.astype("Float64")
    return out


def burden_summary(burden: pd.DataFrame, *, by: str | None = "tier") -> pd.DataFrame:
    """Per ``by`` group of `entity_burden`: mean inspections, shares >= 1 and >= 2, days since last."""
    groups = burden.groupby(by, sort=True) if by and by in burden.columns else [("all", burden)]
    rows = []
    for label, part in groups:
        n = part["inspections"].to_numpy()
        days = part["days_since_last"].dropna().to_numpy(dtype=np.float64)
        rows.append(
            {
                "group": label,
                "entities": len(part),
                "per_entity": float(n.mean()) if len(n) else 0.0,
                "inspected": float((n >= 1).mean()) if len(n) else 0.0,
                "twice_or_more": float((n >= 2).mean()) if len(n) else 0.0,
                "never": float(part["days_since_last"].isna().mean()) if len(part) else 0.0,
                "median_days_since_last": float(np.median(days)) if len(days) else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def history_from_samples(
    samples: Sequence[tuple[date, pd.DataFrame]], *, campaign_id: str = "simulated"
) -> pd.DataFrame:
    """History rows (kind ``random``) for samples drawn on the given dates: one per (entity, task)."""
    codes, days, campaigns, departments = [], [], [], []
    for cycle, (day, sample) in enumerate(samples, start=1):
        n = len(sample)
        codes.append(sample["uscc"].to_numpy(dtype=object))
        days.append(np.full(n, np.datetime64(day, "D")))
        campaigns.append(np.full(n, f"{campaign_id}-{cycle}", dtype=object))
        first = [str(d).split(";")[0] for d in sample["departments"].tolist()] if n else []
        departments.append(np.asarray(first, dtype=object))
    if not codes:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS})
    # one array per column (not a concat of frames): every column is a single contiguous chunk
    return pd.DataFrame(
        {
            "uscc": np.concatenate(codes),
            "inspected_on": np.concatenate(days),
            "campaign_id": np.concatenate(campaigns),
            "department": np.concatenate(departments),
            "kind": "random",
        }
    )


@dataclass(frozen=True)
class CapEffect:
    """Burden after ``cycles`` simulated draws, with the campaign's caps and without them.

    ``table``: per tier and policy ("capped", "uncapped"): entities, trials (entities x
    replicates), twice (entity-replicates inspected >= 2 times), share and its
    Clopper-Pearson interval, and mean inspections per entity.
    """

    cycles: int
    cycle_days: int
    replicates: int
    table: pd.DataFrame


def _simulate(
    roster: pd.DataFrame, campaign: Campaign, seed: str, start: date, cycles: int, cycle_days: int
) -> pd.Series:
    done: list[tuple[date, pd.DataFrame]] = []
    for cycle in range(cycles):
        day = start + timedelta(days=cycle * cycle_days)
        history = (
            history_from_samples(done) if done else NO_HISTORY
        )  # nothing to count before the first cycle
        sample = draw_campaign(roster, campaign, f"{seed}/cycle/{cycle}", history=history, as_of=day).sample
        done.append((day, sample))
    counts = history_from_samples(done)["uscc"].value_counts()
    return roster["uscc"].map(counts).fillna(0).astype(np.int64)


def cap_effect(
    roster: pd.DataFrame,
    campaign: Campaign,
    *,
    start: date,
    cycles: int = 4,
    cycle_days: int = 91,
    replicates: int = 1,
    seed: str = "fairness",
    alpha: float = 0.05,
) -> CapEffect:
    """Simulate ``cycles`` draws ``cycle_days`` apart with and without the frequency caps.

    Each cycle's sample joins the history that the next cycle's caps count (rolling 365 days),
    so the figures show what the caps change. ``roster`` needs ``uscc`` and ``tier``.
    """
    if cycles * cycle_days > 366:
        raise InputError(
            [Problem("cap_effect", None, None, None, "WINDOW", "the cycles must fit in one 365-day window")]
        )
    uncapped_sampling = campaign.sampling.model_copy(update={"frequency_caps": {}})
    uncapped = campaign.model_copy(update={"sampling": uncapped_sampling})
    tiers = roster["tier"].astype(str).to_numpy()
    rows = []
    for label, policy in (("capped", campaign), ("uncapped", uncapped)):
        total = np.zeros(len(roster), dtype=np.int64)
        twice = np.zeros(len(roster), dtype=np.int64)
        for r in range(replicates):
            counts = _simulate(roster, policy, f"{seed}/replicate/{r}", start, cycles, cycle_days).to_numpy()
            total += counts
            twice += counts >= 2
        for tier in campaign.sampling.tiers:
            mine = tiers == tier
            rows.append(
                {
                    "policy": label,
                    "tier": tier,
                    "entities": int(mine.sum()),
                    "trials": int(mine.sum()) * replicates,
                    "twice": int(twice[mine].sum()),
                    "per_entity": float(total[mine].sum() / max(1, mine.sum() * replicates)),
                }
            )
    table = pd.DataFrame(rows)
    table["share"] = table["twice"] / table["trials"].where(table["trials"] > 0, 1)
    table["low"], table["high"] = clopper_pearson(table["twice"], table["trials"], alpha)
    return CapEffect(cycles=cycles, cycle_days=cycle_days, replicates=replicates, table=table)
