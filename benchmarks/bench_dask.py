"""Benchmark: the stratified draw on Dask over a partitioned Parquet roster.

Generates ``--entities`` valid, unique USCCs (vectorised, in chunks of ``--partition-rows``,
one Parquet file per chunk), draws from them on a LocalCluster of ``--workers`` single-thread
processes (``--memory-limit`` each) while sampling each worker's RSS, and prints the time,
peak memory per worker and throughput. The baseline is what a user would otherwise run: read
the whole roster with pandas and call `dualrandom.draw.draw_sample` (in a child process, so
its peak memory is its own); both samples must be equal.

    python benchmarks/bench_dask.py --entities 2000000
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dualrandom.ids import ALPHABET, WEIGHTS

RATIOS = {"A": 0.01, "B": 0.03, "C": 0.1, "D": 0.3}
TIER_SHARES = (0.5, 0.3, 0.15, 0.05)
DIVISIONS = np.array([f"{420000 + 100 * d + c:06d}" for d in range(1, 10) for c in range(1, 8)])
_CHARS = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_SPACE = 31**9  # subject identifiers (positions 9-17)
_SCRAMBLE = 7_777_777_777_777  # coprime with 31**9: i -> i * k mod 31**9 is a bijection


def usccs(start: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` valid, unique USCCs (serials start..start+count-1), their type and division."""
    grid = np.empty((count, 18), dtype=np.uint8)
    values = np.empty((count, 17), dtype=np.int64)
    values[:, 0] = 9  # 工商/市场监管
    values[:, 1] = rng.choice([1, 2, 3], size=count, p=[0.35, 0.63, 0.02])  # enterprise/individual/co-op
    division = DIVISIONS[rng.integers(0, len(DIVISIONS), size=count)]
    values[:, 2:8] = division.astype("S6").view(np.uint8).reshape(count, 6) - ord("0")
    serial = (np.arange(start, start + count, dtype=object) * _SCRAMBLE) % _SPACE
    serial = serial.astype(np.int64)
    for position in range(16, 7, -1):
        values[:, position] = serial % 31
        serial //= 31
    check = (31 - (values @ np.array(WEIGHTS, dtype=np.int64)) % 31) % 31
    grid[:, :17] = _CHARS[values]
    grid[:, 17] = _CHARS[check]
    return grid.view("S18").ravel().astype(str), values[:, 1] - 1, division


def generate(directory: Path, entities: int, partition_rows: int, seed: int) -> float:
    """Write the roster as Parquet files of ``partition_rows``; returns the seconds it took."""
    began = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    for part, start in enumerate(range(0, entities, partition_rows)):
        count = min(partition_rows, entities - start)
        rng = np.random.default_rng([seed, part])
        codes, kind, division = usccs(start, count, rng)
        tiers = np.array(list("ABCD"))[rng.choice(4, size=count, p=TIER_SHARES)]
        types = np.array(["enterprise", "individual", "cooperative"])[kind]
        frame = pd.DataFrame(
            {
                "uscc": pd.array(codes, dtype="string[pyarrow]"),
                "tier": pd.array(tiers, dtype="string[pyarrow]"),
                "division": pd.array(division, dtype="string[pyarrow]"),
                "entity_type": pd.array(types, dtype="string[pyarrow]"),
            }
        )
        frame.to_parquet(directory / f"part-{part:05d}.parquet", index=False)
    return time.perf_counter() - began


class RssSampler:
    """Polls every worker's resident memory; keeps the peak per worker."""

    def __init__(self, client: Any, every: float = 0.25, stage: Any = None) -> None:
        self.client, self.every, self.peak = client, every, {}  # type: dict[str, int]
        self.stage = stage  # a callable naming the stage running now: peaks are also kept per stage
        self.stage_peak: dict[tuple[str, str], int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss() -> int:
        import psutil

        return int(psutil.Process().memory_info().rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                now = self.stage() if self.stage is not None else ""
                for worker, rss in self.client.run(self._rss).items():
                    self.peak[worker] = max(self.peak.get(worker, 0), rss)
                    self.stage_peak[now, worker] = max(self.stage_peak.get((now, worker), 0), rss)
            except Exception:  # the cluster is shutting down
                return
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _baseline(directory: str, seed: str) -> tuple[float, int, pd.DataFrame, str]:
    from dualrandom.draw import draw_sample

    began = time.perf_counter()
    roster = pd.read_parquet(directory)
    result = draw_sample(roster, RATIOS, seed)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return seconds, peak, result.sample, str(result.manifest["roster_digest"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=20_000_000)
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--seed", default="2026-11-22 bench")
    parser.add_argument("--directory", type=Path, default=None, help="keep the roster here (default: temp)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the in-memory baseline")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from dualrandom.engines.dask import draw_dask

    temporary = args.directory is None
    directory = Path(tempfile.mkdtemp(prefix="bench-dask-")) / "roster" if temporary else args.directory
    try:
        if not directory.exists() or not any(directory.glob("*.parquet")):
            seconds = generate(directory, args.entities, args.partition_rows, 20261122)
            print(f"generated {args.entities:,} entities in {seconds:.1f} s -> {directory}")
        files = len(list(directory.glob("*.parquet")))
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True,
            memory_limit=args.memory_limit, dashboard_address=":0",
        )  # fmt: skip
        with Client(cluster) as client, RssSampler(client) as sampler:
            began = time.perf_counter()
            stages: dict[str, float] = {}

            def progress(stage: str, done: int, total: int) -> None:
                stages[stage] = time.perf_counter() - began
                if done == total:
                    print(f"  ... {stage} done at {stages[stage]:.1f} s", flush=True)

            result = draw_dask(str(directory), RATIOS, args.seed, scheduler=client, progress=progress)
            seconds = time.perf_counter() - began
        cluster.close()
        peak = max(sampler.peak.values()) if sampler.peak else 0
        print(f"dask draw: {args.entities:,} entities, {files} partitions, {args.workers} workers x 1 thread")
        print(f"  time          {seconds:8.1f} s   (stages end at: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()) + ")")  # fmt: skip
        print(f"  throughput    {args.entities / seconds:12,.0f} entities/s")
        for worker, rss in sorted(sampler.peak.items()):
            print(f"  peak RSS      {rss / 2**30:8.2f} GiB  {worker}")
        print(f"  4 GiB/worker  {'within' if peak <= 4 * 2**30 else 'ABOVE'} (limit {args.memory_limit})")
        print(f"  drawn         {len(result.sample):,}; digest {result.manifest['roster_digest'][:16]}...")
        if not args.no_baseline:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                job = pool.submit(_baseline, str(directory), args.seed)
                base_seconds, base_peak, base_sample, base_digest = job.result()
            same = base_sample.equals(result.sample) and base_digest == result.manifest["roster_digest"]
            print(f"baseline (pandas read_parquet + draw_sample, one process): {base_seconds:.1f} s, "
                  f"peak RSS {base_peak / 2**30:.2f} GiB")  # fmt: skip
            print(f"  ratio dask/baseline time {seconds / base_seconds:.2f}; same sample and digest: {same}")
    finally:
        if temporary:
            shutil.rmtree(directory.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
