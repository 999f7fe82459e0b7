"""Start-up: ``dualrandom --help`` and ``dualrandom check --help`` against ``python -c "import pandas"``.

Run: ``python benchmarks/bench_startup.py [--runs 7]``.

Each command runs as a whole new process, the commands taking turns so that a busy moment of
the machine does not land on one of them only; the table shows the median wall time and the
median CPU time (user + system) of each, and the ratio to importing pandas (goal: ≤ 0.5 for
``dualrandom --help`` and ``dualrandom check --help``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DUALRANDOM = str(BIN / "dualrandom") if (BIN / "dualrandom").exists() else None
GOAL = 0.5


def commands() -> dict[str, list[str]]:
    """The processes measured, the baseline first."""
    cli = [DUALRANDOM] if DUALRANDOM else [sys.executable, "-m", "dualrandom"]
    return {
        'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
        'python -c "import dualrandom"': [sys.executable, "-c", "import dualrandom"],
        "dualrandom --help": [*cli, "--help"],
        "dualrandom check --help": [*cli, "check", "--help"],
        "dualrandom draw --help": [*cli, "draw", "--help"],
    }


def measure(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=HERE.parent)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Runs of each command (median shown).")
    args = parser.parse_args()
    measured = commands()
    for argv in measured.values():  # warm the file cache and the bytecode once
        measure(argv)
    walls: dict[str, list[float]] = {name: [] for name in measured}
    cpus: dict[str, list[float]] = {name: [] for name in measured}
    for _ in range(args.runs):
        for name, argv in measured.items():
            wall, cpu = measure(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.2f}; medians of {args.runs} runs")
    base_wall = statistics.median(walls['python -c "import pandas"'])
    base_cpu = statistics.median(cpus['python -c "import pandas"'])
    print(f"{'process':32s} {'wall s':>8s} {'CPU s':>8s} {'/ pandas (wall)':>16s} {'/ pandas (CPU)':>15s}")
    for name in measured:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:32s} {wall:8.3f} {cpu:8.3f} {wall / base_wall:16.2f} {cpu / base_cpu:15.2f}")
    for name in ("dualrandom --help", "dualrandom check --help"):
        ratio = statistics.median(walls[name]) / base_wall
        verdict = "met" if ratio <= GOAL else "NOT met"
        print(f"{name} / import pandas: {ratio:.2f} (goal <= {GOAL}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
