"""Load + validate 1M entities from Parquet and CSV, next to plain pandas reads.

    python benchmarks/bench_load.py [N]

Goals on the 2-core machine: read_roster <= 3 s from Parquet and <= 8 s from CSV (GBK
included). The baseline is what a user would otherwise do: pd.read_parquet / pd.read_csv,
which read but validate nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from dualrandom.io import read_roster, write_table
from dualrandom.synth import synth_city


def best_of(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    """The fastest of ``runs`` timings: (wall-clock seconds, CPU seconds of this process)."""
    times = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(times)


def main(n: int = 1_000_000) -> None:
    start = time.perf_counter()
    entities = synth_city(n, seed="bench").entities
    print(f"synth_city({n:,}): {time.perf_counter() - start:.2f} s")
    with tempfile.TemporaryDirectory() as directory:
        paths = {
            "Parquet": Path(directory) / "entities.parquet",
            "CSV UTF-8": Path(directory) / "entities.csv",
            "CSV GBK": Path(directory) / "entities-gbk.csv",
        }
        write_table(entities, paths["Parquet"])
        write_table(entities, paths["CSV UTF-8"])
        write_table(entities, paths["CSV GBK"], encoding="gbk")
        baselines: dict[str, Callable[[Path], object]] = {
            "Parquet": pd.read_parquet,
            "CSV UTF-8": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False),
            "CSV GBK": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False, encoding="gbk"),
        }
        goals = {"Parquet": 3.0, "CSV UTF-8": 8.0, "CSV GBK": 8.0}
        columns = ("MB", "read_roster s", "(CPU s)", "pandas read s", "ratio", "goal s")
        widths = (6, 14, 8, 14, 6, 7)
        print(f"\n{'source':<10} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
        for name, path in paths.items():
            ours, cpu = best_of(3, lambda p=path: read_roster(p, "entities"))
            theirs, _ = best_of(3, lambda p=path, f=baselines[name]: f(p))
            size = path.stat().st_size / 1e6
            verdict = "ok" if ours <= goals[name] else "MISSED"
            print(
                f"{name:<10} {size:>6.0f} {ours:>14.2f} {cpu:>8.2f} {theirs:>14.2f} {ours / theirs:>6.2f} "
                f"{goals[name]:>5.0f} {verdict}"
            )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{os.cpu_count()} cores, load average {load}: other work on the machine inflates wall times")
    print("\nratio = read_roster (read + validate + type) / pandas read alone (no validation)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
