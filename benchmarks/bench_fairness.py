"""Fairness toolkit speed, with the fairness figures it measures, on a classified synthetic city.

Run: ``python benchmarks/bench_fairness.py [--entities 4000] [--seeds 200] [--team-seeds 50]
[--coordination-seeds 100] [--processes 2]``.

In the same run it times, against the baseline an analyst would otherwise write:

* inclusion: the real `draw_campaign` over the seeds (1 process and ``--processes``), against
  pandas ``groupby("tier").sample`` with a fresh integer seed per replicate (fast but neither
  verifiable nor row-order independent); and it reports the inclusion test of both, plus the
  biased baseline (a fixed ``random_state``), which the test must flag;
* coordination: four real Bernoulli draws per permanent seed, with the observed against the
  expected overlaps;
* officers: the real `assign_teams` over the seeds, against drawing each team uniformly from
  the eligible officers with numpy (no workload balance), and the officers flagged.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

from dualrandom.draw import draw_campaign
from dualrandom.fairness import (
    CampaignSampler,
    TeamSampler,
    classified_city,
    coordination_study,
    design_probabilities,
    eligible_pairs,
    inclusion_study,
    officer_study,
    workload,
)
from dualrandom.models import load_campaign

T = TypeVar("T")
CAMPAIGN = "examples/campaign.toml"


def timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


class PandasSample:
    """The naive Monte Carlo: groupby.sample per task, seeded with the replicate number."""

    def __init__(
        self, roster: pd.DataFrame, design: pd.DataFrame, ratios: dict[str, float], fixed: bool
    ) -> None:
        self.frames = {
            task: roster[roster["uscc"].isin(part["uscc"])].sort_values("uscc")
            for task, part in design.groupby("task_id")
        }
        self.ratios = ratios
        self.fixed = fixed

    def __call__(self, seed: str) -> pd.DataFrame:
        state = 2026 if self.fixed else int(seed.rsplit("/", 1)[-1])
        parts = []
        for task, frame in self.frames.items():
            for tier, group in frame.groupby("tier"):
                n = math.ceil(self.ratios[str(tier)] * len(group))
                parts.append(group.sample(n=n, random_state=state).assign(task_id=task))
        return pd.concat(parts)[["uscc", "task_id"]]


class UniformTeams:
    """The naive assignment: each slot's seats drawn uniformly from its eligible officers."""

    def __init__(self, pairs: pd.DataFrame) -> None:
        self.slots = [
            (key, group["inspector_id"].to_numpy(), int(group["seats"].iloc[0]))
            for key, group in pairs.groupby(["uscc", "task_id", "department"], sort=True)
        ]

    def __call__(self, seed: str) -> pd.DataFrame:
        rng = np.random.default_rng(int(seed.rsplit("/", 1)[-1]))
        rows = []
        for (uscc, task, _), officers, seats in self.slots:
            for officer in rng.choice(officers, size=seats, replace=False):
                rows.append((uscc, task, officer))
        return pd.DataFrame(rows, columns=["uscc", "task_id", "inspector_id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=4000)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--team-seeds", type=int, default=50)
    parser.add_argument("--coordination-seeds", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()

    campaign = load_campaign(CAMPAIGN)
    city, seconds = timed(lambda: classified_city(args.entities, seed="bench"))
    roster = city.entities
    print(f"city: {len(roster):,} entities, {len(city.inspectors)} inspectors, classified in {seconds:.1f} s")
    print("tiers:", roster["tier"].value_counts().sort_index().to_dict())

    design = design_probabilities(
        roster, campaign.sampling, campaign.tasks, history=city.history, as_of=city.as_of
    )
    sampler = CampaignSampler(roster, campaign, city.history, city.as_of)
    r = args.seeds
    print(f"\n== inclusion: {r} seeds, {len(design):,} (task, entity) rows")
    one, t1 = timed(lambda: inclusion_study(sampler, design, replicates=r, seed="bench"))
    many, tp = timed(
        lambda: inclusion_study(sampler, design, replicates=r, seed="bench", processes=args.processes)
    )
    assert one.entities["hits"].tolist() == many.entities["hits"].tolist(), "process count changed the result"
    naive, tn = timed(
        lambda: inclusion_study(
            PandasSample(roster, design, campaign.sampling.ratios, False), design, replicates=r
        )
    )
    biased = inclusion_study(
        PandasSample(roster, design, campaign.sampling.ratios, True), design, replicates=r
    )
    print(f"real draw, 1 process:           {t1:7.2f} s  ({r / t1:6.1f} draws/s)")
    print(
        f"real draw, {args.processes} processes:         {tp:7.2f} s  ({r / tp:6.1f} draws/s, x{t1 / tp:.2f})"
    )
    print(
        f"pandas groupby.sample baseline: {tn:7.2f} s  ({r / tn:6.1f} draws/s; real/baseline x{t1 / tn:.1f})"
    )
    for label, study in (("real draw", one), ("groupby.sample, seed per replicate", naive),
                         ("groupby.sample, fixed seed (biased)", biased)):  # fmt: skip
        s = study.summary()
        print(f"  {label:38s} chi2 {s['chi2']:10.1f} on {s['df']:.0f} df, p = {s['p_value']:.3g}, "
              f"flagged {s['flagged']:5d}, passed {s['passed']}")  # fmt: skip

    q = args.coordination_seeds
    print(f"\n== coordination: {q} permanent seeds x 4 Bernoulli draws")
    coordination, tc = timed(
        lambda: coordination_study(
            roster, campaign.sampling.ratios, replicates=q, seed="bench", processes=args.processes
        )
    )
    print(f"time {tc:.2f} s ({4 * q / tc:.1f} draws/s); all schemes match: {coordination.passed}")
    shown = coordination.table[
        ["scheme", "tier", "entities", "expected_count", "observed", "low", "high", "passed"]
    ]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))

    k = args.team_seeds
    sample = draw_campaign(roster, campaign, "bench/sample", history=city.history, as_of=city.as_of).sample
    pairs = eligible_pairs(sample, city.inspectors, city.conflicts, campaign, history=city.history)
    print(f"\n== officers: {k} seeds, {len(sample)} targets, {len(pairs):,} eligible pairs")
    teams = TeamSampler(sample, city.inspectors, city.conflicts, campaign, city.history)
    officers, to = timed(
        lambda: officer_study(teams, pairs, replicates=k, seed="bench", processes=args.processes)
    )
    uniform, tu = timed(lambda: officer_study(UniformTeams(pairs), pairs, replicates=k, seed="bench"))
    print(f"real assign_teams: {to:7.2f} s ({k / to:5.2f}/s); numpy uniform baseline {tu:6.2f} s "
          f"(real/baseline x{to / tu:.1f})")  # fmt: skip
    for label, study in (("real assignment", officers), ("uniform baseline", uniform)):
        s = study.summary()
        print(f"  {label:18s} chi2 {s['chi2']:10.1f} on {s['df']:.0f} df, p = {s['p_value']:.3g}, "
              f"flagged officers {s['flagged_officers']}, breaches {s['outside']}")  # fmt: skip
    load = workload(teams("bench/teams"), city.inspectors)
    print(f"workload of one assignment: Gini {load.gini:.3f}, max {load.max_load}, min {load.min_load}")
    print(load.departments.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
