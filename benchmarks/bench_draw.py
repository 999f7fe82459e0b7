"""Tickets and a tier-stratified draw for 1,000,000 entities, next to pandas' groupby sample.

Run: ``python benchmarks/bench_draw.py [N]``. Prints the best of three runs of each step and
the ratio to ``df.groupby("tier").sample(frac=...)`` measured in the same run. pandas' sample
is neither verifiable nor independent of row order (docs/draw-spec.md §11); it is the
baseline a user would otherwise reach for.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from dualrandom.draw import draw_sample
from dualrandom.tickets import ticket_keys

RATIOS = {"A": 0.01, "B": 0.03, "C": 0.10, "D": 0.30}
SHARES = [0.4, 0.3, 0.2, 0.1]
SEED = "63454660390103169462"


def best_of(runs: int, step: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def roster(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    tiers = rng.choice(np.array(list(RATIOS), dtype=object), size=n, p=SHARES)
    return pd.DataFrame({"uscc": [f"91420600{i:010d}" for i in range(n)], "tier": tiers})


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    frame = roster(n)
    ids = frame["uscc"].tolist()
    print(f"entities: {n:,}   cores: {os.cpu_count()}   pandas {pd.__version__}   numpy {np.__version__}")

    by_tier = frame.groupby("tier")
    mean_ratio = float(sum(r * s for r, s in zip(RATIOS.values(), SHARES, strict=True)))
    pandas_time = best_of(3, lambda: by_tier.sample(frac=mean_ratio, random_state=1))
    pandas_per_tier = best_of(
        3, lambda: pd.concat(g.sample(frac=RATIOS[str(t)], random_state=1) for t, g in frame.groupby("tier"))
    )
    keys_1 = best_of(3, lambda: ticket_keys(SEED, ids))
    keys_2 = best_of(3, lambda: ticket_keys(SEED, ids, processes=2))
    assert (ticket_keys(SEED, ids) == ticket_keys(SEED, ids, processes=2)).all()
    full_draw = best_of(3, lambda: draw_sample(frame, RATIOS, SEED))
    full_draw_2 = best_of(3, lambda: draw_sample(frame, RATIOS, SEED, processes=2))
    result = draw_sample(frame, RATIOS, SEED)
    assert result.sample.equals(draw_sample(frame, RATIOS, SEED, processes=2).sample)

    print(f"drawn: {len(result.sample):,} entities, reserve {len(result.reserve)}")
    print(f"{'step':62s} {'seconds':>8s} {'x pandas':>9s}")
    rows = [
        ('pandas df.groupby("tier").sample(frac=r) (one ratio)', pandas_time),
        ("pandas per-tier ratios (groupby, sample per group, concat)", pandas_per_tier),
        ("ticket keys, 1 process (SHA-256 + numpy decimal keys)", keys_1),
        ("ticket keys, 2 processes", keys_2),
        ("draw_sample: check, tickets, quotas, select, digest, manifest", full_draw),
        ("draw_sample, tickets hashed in 2 processes", full_draw_2),
    ]
    with open("/proc/loadavg") as load:  # other work on the machine inflates every figure
        print(f"load average during the run: {load.read().split()[0]}")
    for name, seconds in rows:
        print(f"{name:62s} {seconds:8.3f} {seconds / pandas_time:9.1f}")


if __name__ == "__main__":
    main()
