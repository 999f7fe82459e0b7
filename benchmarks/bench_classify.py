"""Benchmark: classify 1M entities (score, band, override, explain codes, digest).

Prints the vectorised time per stage (best of ``REPEATS``) next to the baseline a user would
otherwise write: a row-wise ``DataFrame.apply`` scorer over records grouped per entity,
timed on a subsample and scaled to the full roster. The baseline's tiers are checked
against the vectorised ones on the subsample, so both compute the same thing.

Run: ``python benchmarks/bench_classify.py [N]`` (default N = 1,000,000).
"""

from __future__ import annotations

import math
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dualrandom.classify import ClassificationPolicy, classify, load_policy
from dualrandom.classify.indicators import indicator_values
from dualrandom.classify.inputs import day_number, prepare_inputs
from dualrandom.classify.policy import INDICATORS, RECORD_KINDS
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit

AS_OF = date(2026, 11, 1)
REPEATS = 3
SUBSAMPLE = 20_000
POLICY = Path(__file__).resolve().parents[1] / "examples" / "policy.toml"


def best(function: Any, repeats: int = REPEATS) -> tuple[float, Any]:
    """Best wall time of ``repeats`` runs (and the last result)."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def cpu_time(function: Any) -> float:
    """CPU seconds of one run: the wall time on an otherwise idle machine (numpy runs one thread)."""
    start = time.process_time()
    function()
    return time.process_time() - start


def months_later(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def naive_scores(
    roster: pd.DataFrame, records: pd.DataFrame, history: pd.DataFrame, policy: ClassificationPolicy
) -> pd.Series:
    """The row-wise baseline: one Python function applied per entity."""
    grouped: dict[str, list[tuple[str, date, Any, float, Any]]] = defaultdict(list)
    for uscc, kind, start, end, severity, repaired in records.itertuples(index=False):
        grouped[uscc].append((kind, start.date(), end, severity, repaired))
    visits: dict[str, set[date]] = defaultdict(set)
    since = months_later(AS_OF, -policy.clean_inspection_months)
    for uscc, inspected in zip(history["uscc"], history["inspected_on"], strict=True):
        if since < inspected.date() <= AS_OF:
            visits[uscc].add(inspected.date())
    names = list(policy.tiers.names)

    def score(row: pd.Series) -> str:
        values = dict.fromkeys(INDICATORS, 0.0)
        problem_days = set()
        for kind, start, end, severity, repaired in grouped.get(row["uscc"], []):
            months = policy.period_months(kind)
            until = months_later(start, months) if months else date.max
            for stop in (end, repaired):
                if not pd.isna(stop):
                    until = min(until, stop.date())
            if start <= AS_OF < until:
                values[RECORD_KINDS[kind]] += severity
            if kind == "inspection_problem":
                problem_days.add(start)
        values["clean_inspections"] = len(visits.get(row["uscc"], set()) - problem_days)
        registered = row["registered_on"].date()
        values["age"] = max((AS_OF - registered).days, 0) / 365.25
        industry = str(row["industry"])
        prefixes = sorted(policy.industry_classes, key=len, reverse=True)
        values["industry_risk"] = next(
            (policy.industry_classes[p] for p in prefixes if industry.startswith(p)), 0
        )
        total = policy.base_score
        for name in INDICATORS:
            spec = policy.indicators.get(name)
            if spec is None:
                continue
            x = values[name]
            if spec.transform == "flag":
                t = 1.0 if x > 0 else 0.0
            elif spec.transform == "linear":
                t = min(max(x, 0.0), spec.cap) / spec.cap
            elif spec.transform == "log":
                t = math.log1p(min(max(x, 0.0), spec.cap)) / math.log1p(spec.cap)
            else:
                t = 1.0 - min(max(x, 0.0), spec.cap) / spec.cap
            total += spec.weight * t
        total = round(min(max(total, 0.0), policy.max_score), policy.score_decimals)
        tier = sum(1 for cut in policy.tiers.cutoffs if total >= cut)
        month, day = policy.annual_report_due
        if date(registered.year + 1, month, day) >= AS_OF:
            tier = names.index(policy.tiers.new_entity)
        for rule in policy.overrides:
            if values[rule.indicator] >= rule.min_value:
                tier = max(tier, names.index(rule.at_least))
        return names[tier]

    return roster.apply(score, axis=1)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    policy = load_policy(POLICY)
    city = synth_city(n, seed="bench-classify")
    roster, history = city.entities, city.history
    records = synth_credit(roster, as_of=AS_OF, seed=1)
    print(f"{n:,} entities, {len(records):,} credit records, {len(history):,} past inspections")
    print(f"vectorised: best of {REPEATS} runs")

    need = "industry_risk" in policy.indicators
    t_inputs, (checked, credit, past) = best(
        lambda: prepare_inputs(roster, records, history, need_industry=need)
    )
    t_values, _ = best(lambda: indicator_values(checked, credit, past, policy, day_number(AS_OF)))
    run = lambda: classify(roster, records, policy, as_of=AS_OF, history=history)  # noqa: E731
    t_total, snapshot = best(run)
    t_cpu = min(cpu_time(run) for _ in range(REPEATS))
    print(f"  check and key inputs        {t_inputs:7.3f} s")
    print(f"  indicator values            {t_values:7.3f} s")
    print(f"  classify() end to end       {t_total:7.3f} s  (score, tier, overrides, reasons, digest)")
    print(f"  classify() CPU time         {t_cpu:7.3f} s  (= wall time when no other job shares the cores)")
    print(f"  tier counts: {snapshot.tier_counts()}")

    sample = roster.sample(n=min(SUBSAMPLE, n), random_state=0).reset_index(drop=True)
    sample_records = records[records["uscc"].isin(sample["uscc"])]
    start = time.perf_counter()
    baseline = naive_scores(sample, sample_records, history[history["uscc"].isin(sample["uscc"])], policy)
    t_naive = (time.perf_counter() - start) * n / len(sample)
    ours = snapshot.table.set_index("uscc")["tier"].astype(str).reindex(sample["uscc"]).to_numpy()
    agree = float(np.mean(ours == baseline.to_numpy()))
    print(f"  row-wise DataFrame.apply    {t_naive:7.3f} s  (timed on {len(sample):,}, scaled to {n:,})")
    print(f"  tiers agree on the subsample: {agree:.2%}")
    print(f"  speed-up                    {t_naive / t_total:7.1f} x")
    scaled = min(t_total, t_cpu) * 1_000_000 / n
    print(f"  target <= 2 s per 1M entities: {'met' if scaled <= 2.0 else 'NOT met'} ({scaled:.2f} s)")


if __name__ == "__main__":
    main()
