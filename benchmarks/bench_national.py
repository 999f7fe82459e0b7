"""Benchmark: classify, commit and draw a national-scale roster on Dask, stage by stage.

Generates ``--entities`` valid, unique USCCs (GB 32100-2015 check characters, vectorised:
`bench_dask.usccs`) with registration dates and industries, as Parquet files of
``--partition-rows`` in ``--directory`` (default: a new folder in /tmp, removed at the end),
and credit records for ``--records-share`` of them (kept small: records are broadcast). Then,
on a LocalCluster of ``--workers`` single-thread processes (``--memory-limit`` each), while
sampling every worker's RSS four times a second:

1. ``classify_dask``: the snapshot dataset sorted by code (stages check, repeats, write);
2. ``draw_dask(roster, ..., snapshot=dataset)``: the snapshot's digest checked on the client,
   joined range by range (stage join), then scan, commit (the roster digest) and select;

and prints, per stage, the seconds, entities/s, entities/s per worker and peak RSS per worker.

    python benchmarks/bench_national.py --entities 50000000
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench_dask import RATIOS, RssSampler, usccs

AS_OF = date(2026, 11, 1)
POLICY = Path(__file__).resolve().parents[1] / "examples" / "policy.toml"
INDUSTRIES = np.array(["C13", "C14", "C27", "F51", "F52", "H62", "K70", "L72", "O80", "I65"])
TYPES = np.array(["enterprise", "individual", "cooperative"])
TEXT, DAYS = "string[pyarrow]", "timedelta64[D]"
KINDS = np.array(["complaint", "annual_report_late", "penalty_minor", "inspection_problem", "penalty",
                  "abnormal_list", "annual_report_missing", "serious_violation"])  # fmt: skip


def generate(directory: Path, entities: int, partition_rows: int, records_share: float) -> pd.DataFrame:
    """Write the roster (Parquet files of ``partition_rows``); return the credit records."""
    directory.mkdir(parents=True, exist_ok=True)
    records = []
    day0 = np.datetime64("1995-01-01")
    span = int((np.datetime64(AS_OF) - day0).astype(int))
    for part, start in enumerate(range(0, entities, partition_rows)):
        count = min(partition_rows, entities - start)
        rng = np.random.default_rng([20261122, part])
        codes, kind, division = usccs(start, count, rng)
        frame = pd.DataFrame(
            {
                "uscc": pd.array(codes, dtype="string[pyarrow]"),
                "division": pd.array(division, dtype="string[pyarrow]"),
                "entity_type": pd.array(TYPES[kind], dtype="string[pyarrow]"),
                "industry": pd.array(INDUSTRIES[rng.integers(0, len(INDUSTRIES), count)], dtype=TEXT),
                "registered_on": day0 + rng.integers(0, span, count).astype("timedelta64[D]"),
            }
        )
        frame.to_parquet(directory / f"part-{part:05d}.parquet", index=False)
        chosen = rng.random(count) < records_share
        n = int(chosen.sum())
        records.append(
            pd.DataFrame(
                {
                    "uscc": codes[chosen],
                    "kind": KINDS[rng.integers(0, len(KINDS), n)],
                    "start_on": np.datetime64("2024-01-01") + rng.integers(0, 1000, n).astype(DAYS),
                    "end_on": pd.NaT,
                    "severity": 1.0,
                    "repaired_on": pd.NaT,
                }
            )
        )
    return pd.concat(records, ignore_index=True)


class Stages:
    """Progress callback that notes when each stage ends (seconds since `start`)."""

    def __init__(self) -> None:
        self.began = time.perf_counter()
        self.ends: dict[str, float] = {}
        self.starts: dict[str, float] = {}
        self.running = "start"

    def now(self) -> str:
        """The stage running now: the last one heard of until it is done, then the one after it."""
        return self.running

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.running = stage if done < total else f"after {stage}"
        self.starts.setdefault(stage, time.perf_counter() - self.began)
        self.ends[stage] = time.perf_counter() - self.began
        if done == total:
            print(f"    ... {stage} done at {self.ends[stage]:.1f} s", flush=True)

    def durations(self, total: float) -> dict[str, float]:
        """Each stage's own seconds (from the previous stage's end), and the client's remainder."""
        out, last = {}, 0.0
        for stage, end in self.ends.items():
            out[stage], last = end - last, end
        out["client"] = total - last
        return out


def report(label: str, entities: int, workers: int, seconds: float, stages: Stages, sampler: Any) -> None:
    """Print a phase's time, throughput, stages, peak RSS per worker, and per stage and worker."""
    peaks = sampler.peak
    print(f"{label}: {seconds:.1f} s, {entities / seconds:,.0f} entities/s, "
          f"{entities / seconds / workers:,.0f} entities/s per worker")  # fmt: skip
    for stage, spent in stages.durations(seconds).items():
        rate = f"{entities / spent / workers:12,.0f} entities/s per worker" if spent > 0 else ""
        start = f"(from {stages.starts[stage]:.1f} s)" if stage in stages.starts else ""
        print(f"  {stage:8s} {spent:8.1f} s {start:16s} {rate}")
    for worker, rss in sorted(peaks.items()):
        print(f"  peak RSS {rss / 2**30:6.2f} GiB  {worker}")
    for (stage, worker), rss in sorted(sampler.stage_peak.items()):
        print(f"    {stage:14s} {rss / 2**30:6.2f} GiB  {worker}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=50_000_000)
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument("--records-share", type=float, default=0.01)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--seed", default="2026-11-22 national")
    parser.add_argument("--directory", type=Path, default=None, help="work here (default: a temp folder)")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from dualrandom.classify import load_policy
    from dualrandom.engines.dask import classify_dask, draw_dask

    root = args.directory or Path(tempfile.mkdtemp(prefix="bench-national-"))
    free = shutil.disk_usage(root).free
    print(f"free disk at {root}: {free / 2**30:.1f} GiB")
    roster, snapshot = root / "roster", root / "snapshot"
    try:
        began = time.perf_counter()
        records = generate(roster, args.entities, args.partition_rows, args.records_share)
        size = sum(p.stat().st_size for p in roster.glob("*.parquet"))
        spent = time.perf_counter() - began
        print(f"generated {args.entities:,} entities ({size / 2**30:.2f} GiB Parquet) and "
              f"{len(records):,} credit records in {spent:.1f} s", flush=True)  # fmt: skip
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True,
            memory_limit=args.memory_limit, dashboard_address=":0",
        )  # fmt: skip
        with Client(cluster) as client:
            stages = Stages()
            with RssSampler(client, stage=stages.now) as sampler:
                made = classify_dask(str(roster), records, load_policy(POLICY), as_of=AS_OF,
                                     output=snapshot, scheduler=client, progress=stages)  # fmt: skip
                seconds = time.perf_counter() - stages.began
            report("classify", args.entities, args.workers, seconds, stages, sampler)
            digest = made.content_digest
            print(f"  tiers {made.tier_counts}; {len(made.parts())} parts; digest {digest[:16]}...")
            del records
            stages = Stages()
            with RssSampler(client, stage=stages.now) as sampler:
                drawn = draw_dask(str(roster), RATIOS, args.seed, snapshot=snapshot, scheduler=client,
                                  progress=stages)  # fmt: skip
                seconds = time.perf_counter() - stages.began
            report("draw", args.entities, args.workers, seconds, stages, sampler)
            recorded = drawn.manifest["snapshot_digest"] == digest
            print(f"  drawn {len(drawn.sample):,}; roster digest {drawn.manifest['roster_digest'][:16]}...; "
                  f"snapshot digest recorded: {recorded}")  # fmt: skip
        cluster.close()
    finally:
        if args.directory is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
