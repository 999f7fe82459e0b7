"""Benchmark: a Dask draw whose tiers come from a classification snapshot, joined by the engine or by hand.

Generates ``--entities`` valid USCCs as Parquet files (`bench_dask.generate`, without tiers in
the draw: the roster's tier column is dropped), writes a classification snapshot of them (a
real `classify` run whose tier column is replaced by the generated A/B/C/D mix, digest
recomputed), then draws at A 1% / B 3% / C 10% / D 30% on a LocalCluster of ``--workers``
single-thread processes, sampling each worker's RSS:

* **engine**: ``draw_dask(ROSTER, ..., snapshot=S)``: the snapshot's digest is streamed on the
  client, then the roster's codes are routed to the snapshot's row groups and the tiers come
  back to their partitions (the range join, `dualrandom.engines._ranges`);
* **hand join**: what a user did before: ``dd.read_parquet(ROSTER).merge(dd.read_parquet(S),
  on="uscc")`` (a shuffle), then ``draw_dask`` on the joined frame.

Both must give the same sample and roster digest.

    python benchmarks/bench_dask_snapshot.py --entities 5000000
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from bench_dask import RATIOS, RssSampler, generate


def write_snapshot(roster: Path, target: Path) -> float:
    """A snapshot of the roster with its generated tiers; returns the seconds it took."""
    from dualrandom.classify import ClassificationSnapshot, classify, load_policy, save_snapshot
    from dualrandom.classify.snapshot import content_digest

    began = time.perf_counter()
    frame = pd.read_parquet(roster)
    entities = frame.drop(columns=["tier"]).assign(industry="F52", registered_on="2015-01-01")
    policy = load_policy(Path(__file__).resolve().parents[1] / "examples" / "policy.toml")
    snapshot = classify(entities, None, policy, as_of=date(2026, 11, 1))
    tiers = frame.set_index("uscc")["tier"].astype(str)
    table = snapshot.table.copy()
    categories = table["tier"].cat.categories
    table["tier"] = pd.Categorical(tiers.loc[table["uscc"]].to_numpy(), categories=categories)
    digest = content_digest(
        table, version=snapshot.version, as_of=snapshot.as_of, policy_sha=snapshot.policy_digest
    )
    made = ClassificationSnapshot(
        snapshot.version, snapshot.as_of, snapshot.policy, snapshot.policy_digest, table, digest
    )
    save_snapshot(made, target)
    return time.perf_counter() - began


def timed(client: Any, label: str, run: Any) -> tuple[Any, float, int]:
    """Run ``run()`` while sampling worker memory; print and return (result, seconds, peak RSS)."""
    with RssSampler(client) as sampler:
        began = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - began
    peak = max(sampler.peak.values()) if sampler.peak else 0
    print(f"{label:10s} {seconds:7.1f} s  peak RSS/worker {peak / 2**30:5.2f} GiB", flush=True)
    return result, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=5_000_000)
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--seed", default="2026-11-22 bench")
    args = parser.parse_args()

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from dualrandom.engines.dask import draw_dask

    root = Path(tempfile.mkdtemp(prefix="bench-snapshot-"))
    roster, snapshot = root / "roster", root / "snapshot.parquet"
    try:
        print(f"generated {args.entities:,} entities in "
              f"{generate(roster, args.entities, args.partition_rows, 20261122):.1f} s")  # fmt: skip
        print(f"snapshot written in {write_snapshot(roster, snapshot):.1f} s")
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True,
            memory_limit=args.memory_limit, dashboard_address=":0",
        )  # fmt: skip
        with Client(cluster) as client:

            def engine() -> Any:
                return draw_dask(str(roster), RATIOS, args.seed, snapshot=snapshot, scheduler=client)

            def by_hand() -> Any:
                left = dd.read_parquet(str(roster)).drop(columns=["tier"])
                right = dd.read_parquet(str(snapshot), columns=["uscc", "tier"])
                joined = left.merge(right.astype({"tier": "string"}), on="uscc", how="inner")
                return draw_dask(joined, RATIOS, args.seed, scheduler=client)

            ours, ours_s, _ = timed(client, "engine", engine)
            hand, hand_s, _ = timed(client, "hand join", by_hand)
        cluster.close()
        digests = ours.manifest["roster_digest"] == hand.manifest["roster_digest"]
        same = ours.sample.equals(hand.sample) and digests
        print(f"entities/s: engine {args.entities / ours_s:,.0f}, hand join {args.entities / hand_s:,.0f}; "
              f"speed-up {hand_s / ours_s:.2f}x; same sample and roster digest: {same}")  # fmt: skip
        recorded = ours.manifest["snapshot_digest"][:16]
        print(f"drawn {len(ours.sample):,}; snapshot digest recorded: {recorded}...")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
