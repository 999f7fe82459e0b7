"""Benchmark: the classification on Dask over a partitioned Parquet roster.

Generates a synthetic city of ``--entities`` (`dualrandom.synth`) with credit records and
history, writes the roster as Parquet files of ``--partition-rows``, classifies it on a
LocalCluster of ``--workers`` single-thread processes while sampling each worker's RSS, and
compares with the baseline a user would otherwise run: `dualrandom.classify.classify` on the
whole roster in one process (a child process, so its peak memory is its own). Both content
digests must be equal.

    python benchmarks/bench_dask_classify.py --entities 1000000
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pandas as pd

from bench_dask import RssSampler

AS_OF = date(2026, 11, 1)
POLICY = Path(__file__).resolve().parents[1] / "examples" / "policy.toml"


def _baseline(directory: str) -> tuple[float, int, str]:
    from dualrandom.classify import classify, load_policy

    began = time.perf_counter()
    roster = pd.read_parquet(f"{directory}/roster")
    records = pd.read_parquet(f"{directory}/records.parquet")
    history = pd.read_parquet(f"{directory}/history.parquet")
    snapshot = classify(roster, records, load_policy(POLICY), as_of=AS_OF, history=history)
    seconds = time.perf_counter() - began
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, snapshot.content_digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--partition-rows", type=int, default=250_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GiB")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from dualrandom.classify import load_policy
    from dualrandom.engines.dask import classify_dask
    from dualrandom.synth import synth_city
    from dualrandom.synth.credit import synth_credit

    directory = Path(tempfile.mkdtemp(prefix="bench-dask-classify-"))
    try:
        began = time.perf_counter()
        city = synth_city(args.entities, seed="bench")
        records = synth_credit(city.entities, as_of=AS_OF, seed=1)
        (directory / "roster").mkdir()
        for part, start in enumerate(range(0, args.entities, args.partition_rows)):
            piece = city.entities.iloc[start : start + args.partition_rows]
            piece.to_parquet(directory / "roster" / f"part-{part:05d}.parquet", index=False)
        records.to_parquet(directory / "records.parquet", index=False)
        city.history.to_parquet(directory / "history.parquet", index=False)
        parts = len(list((directory / "roster").glob("*.parquet")))
        print(f"generated {args.entities:,} entities, {len(records):,} credit records, "
              f"{len(city.history):,} inspections in {time.perf_counter() - began:.1f} s")  # fmt: skip
        del city
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True,
            memory_limit=args.memory_limit, dashboard_address=":0",
        )  # fmt: skip
        with Client(cluster) as client, RssSampler(client) as sampler:
            began = time.perf_counter()
            records = pd.read_parquet(directory / "records.parquet")
            result = classify_dask(
                str(directory / "roster"), records, load_policy(POLICY),
                as_of=AS_OF, history=pd.read_parquet(directory / "history.parquet"),
                output=directory / "snapshot.parquet", scheduler=client,
            )  # fmt: skip
            seconds = time.perf_counter() - began
        cluster.close()
        print(f"dask classify: {args.entities:,} entities, {parts} partitions, {args.workers} workers")
        print(f"  time          {seconds:8.1f} s")
        print(f"  throughput    {args.entities / seconds:12,.0f} entities/s")
        for worker, rss in sorted(sampler.peak.items()):
            print(f"  peak RSS      {rss / 2**30:8.2f} GiB  {worker}")
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            base_seconds, base_peak, base_digest = pool.submit(_baseline, str(directory)).result()
        print(
            f"baseline (classify in one process): {base_seconds:.1f} s, peak RSS {base_peak / 2**30:.2f} GiB"
        )
        same = base_digest == result.content_digest
        print(f"  ratio dask/baseline time {seconds / base_seconds:.2f}; same content digest: {same}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
