"""Benchmark the second random (fast mode) on a synthetic city.

    python benchmarks/bench_assign.py            # 10k targets x 1k officers x 20 departments
    python benchmarks/bench_assign.py --large    # 100k targets x 10k officers x 20 departments

Each target is checked by 1 department (70%) or 2 (30%); declared conflicts cover 5% of the
(target, officer-of-a-participating-department) pairs; the 属地 rule is on. Prints the model
size, wall time, peak RSS, then the CPU time of `assign_teams` and of a bare OR-Tools min-cost
flow of the same problem built from the same frames (numpy masks, the array API), taking turns
in the same run: best and median of 5 runs each (1 at --large, the defaults only), with the
load average before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from dualrandom.assign import Assignment, assign_teams
from dualrandom.assign.figures import describe_fairness
from dualrandom.models import TeamRules


def city(targets: int, officers: int, departments: int, conflict_share: float, seed: int):
    """Sample, roster and conflicts of a synthetic city (numpy generator, fixed seed)."""
    rng = np.random.default_rng(seed)
    names = [f"D{d:02d}" for d in range(departments)]
    first = rng.integers(0, departments, targets)
    second = (first + rng.integers(1, departments, targets)) % departments
    joint = rng.random(targets) < 0.3
    text = np.where(
        joint,
        [f"{names[a]};{names[b]}" for a, b in zip(first, second, strict=True)],
        [names[a] for a in first],
    )
    divisions = np.array([f"4206{d:02d}" for d in range(100)])
    sample = pd.DataFrame(
        {
            "uscc": [f"{t:015d}" for t in range(targets)],
            "task_id": "T1",
            "departments": text,
            "division": divisions[rng.integers(0, 100, targets)],
        }
    )
    roster = pd.DataFrame(
        {
            "inspector_id": [f"I{i:06d}" for i in range(officers)],
            "name": "officer",
            "department": [names[i % departments] for i in range(officers)],
            "home_division": divisions[rng.integers(0, 100, officers)],
        }
    )
    per_department = officers // departments
    pairs = targets * (1.3 * per_department)
    n = int(conflict_share * pairs)
    t = rng.integers(0, targets, n)
    participating = np.where(joint[t] & (rng.random(n) < 0.5), second[t], first[t])
    officer = participating + departments * rng.integers(0, per_department, n)
    conflicts = pd.DataFrame(
        {
            "inspector_id": [f"I{i:06d}" for i in officer],
            "uscc": sample.uscc.to_numpy()[t],
            "reason": "declared",
        }
    ).drop_duplicates(["inspector_id", "uscc"])
    return sample, roster, conflicts


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare(
    sample: pd.DataFrame,
    roster: pd.DataFrame,
    conflicts: pd.DataFrame,
    seed: int,
    candidates: int | None,
    balance: str = "chances",
) -> tuple[float, int]:
    """The same problem built and solved with bare OR-Tools, as a user would write it from the frames.

    Same eligible arcs (department, declared conflicts, 属地 at county level), the same load bounds
    (``balance`` "chances": none but the degree; "loads": the fair-share floors and ceilings), one
    `SimpleMinCostFlow` per department through the array API, and
    40-bit costs from numpy's PCG64 instead of keyed SHA-256, and with ``candidates`` C random
    eligible officers kept per target and department. No input checks, no manifest.
    Returns (CPU seconds, pair arcs).
    """
    started = time.process_time()
    rng = np.random.default_rng(seed)
    officer_row = pd.Series(np.arange(len(roster)), index=roster.inspector_id.to_numpy())
    target_row = pd.Series(np.arange(len(sample)), index=sample.uscc.to_numpy())
    banned = (
        target_row[conflicts.uscc].to_numpy() * len(roster) + officer_row[conflicts.inspector_id].to_numpy()
    )
    division = sample.division.to_numpy().astype(np.int64)
    home = roster.home_division.to_numpy().astype(np.int64)
    lists = [text.split(";") for text in sample.departments]
    arcs = 0
    for name, members in roster.groupby("department").indices.items():
        slots = np.array([t for t, listed in enumerate(lists) if name in listed], dtype=np.int64)
        demand = np.array([2 if len(lists[t]) == 1 else 1 for t in slots], dtype=np.int64)
        ok = division[slots][:, None] != home[members][None, :]
        ok &= ~np.isin(slots[:, None] * len(roster) + members[None, :], banned)
        if candidates is not None and candidates < len(members):
            scores = np.where(ok, rng.random(ok.shape), np.inf)
            keep = np.argpartition(scores, candidates - 1, axis=1)[:, :candidates]
            thin = np.zeros_like(ok)
            np.put_along_axis(thin, keep, True, axis=1)
            ok &= thin
        rows, cols = np.nonzero(ok)
        m, total = len(members), int(demand.sum())
        degree = np.bincount(cols, minlength=m)
        level = total // m
        while np.minimum(degree, level + 1).sum() <= total:
            level += 1
        lo, hi = np.minimum(degree, level), np.minimum(degree, level + 1)
        if balance == "chances":
            lo, hi = np.zeros_like(degree), degree
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            np.zeros(m, np.int32), np.arange(1, m + 1, dtype=np.int32), hi - lo, np.zeros(m, np.int64)
        )
        flow.add_arcs_with_capacity_and_unit_cost(
            (cols + 1).astype(np.int32),
            (rows + 1 + m).astype(np.int32),
            np.ones(len(rows), np.int64),
            rng.integers(0, 1 << 40, len(rows), dtype=np.int64),
        )
        flow.set_nodes_supplies(
            np.arange(len(slots) + m + 1, dtype=np.int32),
            np.r_[total - lo.sum(), lo, -demand].astype(np.int64),
        )
        status = flow.solve()
        assert status == flow.OPTIMAL, status
        arcs += len(rows)
    return time.process_time() - started, arcs


def cpu_seconds(run: Callable[[], object]) -> float:
    """CPU seconds of one call (the cores are shared, so CPU time is the fairer guide)."""
    started = time.process_time()
    run()
    return time.process_time() - started


def turns(
    ours: Callable[[], object], theirs: Callable[[int], tuple[float, int]], repeat: int
) -> tuple[list[float], list[float], int]:
    """CPU seconds of ``repeat`` runs of each side, taking turns so both see the same load,
    and the bare flow's pair arcs."""
    mine, bare_runs, arcs = [], [], 0
    for k in range(repeat):
        mine.append(cpu_seconds(ours))
        spent, arcs = theirs(k)
        bare_runs.append(spent)
    return mine, bare_runs, arcs


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--large", action="store_true", help="100k targets x 10k officers")
    parser.add_argument("--candidates", type=int, default=None, help="thin to C candidates per target")
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs of each side (default 5, 1 at --large)"
    )
    parser.add_argument(
        "--mode",
        choices=["fast", "marginals"],
        default="fast",
        help="marginals: compare with one fast-mode run of the same instance",
    )
    args = parser.parse_args()
    targets, officers, departments = (100_000, 10_000, 20) if args.large else (10_000, 1_000, 20)
    candidates = args.candidates if args.candidates is not None else (40 if args.large else None)
    sample, roster, conflicts = city(targets, officers, departments, 0.05, seed=2026)
    city_mb = peak_rss_mb()
    rules = TeamRules(rotation_campaigns=0)
    print(
        f"instance: {targets:,} targets x {officers:,} officers x {departments} departments, "
        f"{len(conflicts):,} declared conflicts, candidates={candidates}"
    )
    started, cpu = time.perf_counter(), time.process_time()
    result = assign_teams(
        sample, roster, conflicts, rules, "bench-seed", candidates=candidates, mode=args.mode
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    model = result.manifest["model"]
    loads = [(p["load_min"], p["load_max"]) for p in result.manifest["pools"]]
    print(
        f"model: {model['pools']} pools, {model['nodes']:,} nodes, {model['arcs']:,} arcs; status "
        f"{result.manifest['status']}; {len(result.teams):,} team rows"
    )
    print(f"loads per officer: min {min(a for a, _ in loads)}, max {max(b for _, b in loads)}")
    print(
        f"assign_teams: {elapsed:.2f} s wall ({cpu:.2f} s CPU; the two differ when other work shares "
        f"the cores), peak RSS {peak_rss_mb():,.0f} MB ({city_mb:,.0f} MB after generating the city)"
    )
    if args.mode == "marginals":
        assert result.marginals is not None
        top = result.marginals.probability.max()
        print(f"marginals: {len(result.marginals):,} published probabilities, max {top}")
        started = time.perf_counter()
        assign_teams(sample, roster, conflicts, rules, "bench-seed", candidates=candidates)
        fast = time.perf_counter() - started
        print(
            f"one fast-mode run: {fast:.2f} s; marginals mode costs {elapsed / fast:.1f} fast runs, while "
            "estimating the marginals by Monte Carlo to +-0.01 would need ~2,500 fast runs"
        )
        return 0
    repeat = args.repeat or (1 if args.large else 5)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    variants = [("chances", False), ("chances", True), ("loads", False)]
    for balance, swaps in variants[:1] if args.large else variants:
        variant = rules.model_copy(update={"balance": balance, "avoid_repeat_pairs": swaps})
        mine, bare_runs, arcs = turns(
            lambda v=variant: assign_teams(sample, roster, conflicts, v, "bench-seed", candidates=candidates),
            lambda k, b=balance: bare(sample, roster, conflicts, k, candidates, b),
            repeat,
        )
        label = f"balance={balance}, avoid_repeat_pairs={swaps}"
        label += " (the defaults)" if variant == rules else ""
        ours_median, bare_median = statistics.median(mine), statistics.median(bare_runs)
        print(
            f"{label}: {repeat} runs each, taking turns, CPU seconds: assign_teams best {min(mine):.3f} s, "
            f"median {ours_median:.3f} s; bare OR-Tools min-cost flow building and solving the same problem "
            f"from the same frames ({arcs:,} pair arcs) best {min(bare_runs):.3f} s, "
            f"median {bare_median:.3f} s; "
            f"ratio {min(mine) / min(bare_runs):.2f}x best, {ours_median / bare_median:.2f}x median "
            "(goal <= 1.5x)"
        )
        once = assign_teams(sample, roster, conflicts, variant, "bench-seed", candidates=candidates)
        print(f"  {describe(once)}")
    print(f"load average after the runs {os.getloadavg()[0]:.1f}")
    return 0


def describe(result: Assignment) -> str:
    """Loads, repeated pairs and chances of one assignment: what each balance costs."""
    pools = result.manifest["pools"]
    low, high = min(p["load_min"] for p in pools), max(p["load_max"] for p in pools)
    return f"loads {low}-{high} per officer; {describe_fairness(result.manifest['fairness'])}"


if __name__ == "__main__":
    sys.exit(main())
