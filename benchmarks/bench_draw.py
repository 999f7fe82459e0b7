"""A tier-stratified draw of 1,000,000 entities next to pandas' groupby sample, in-process and whole.

Run: ``python benchmarks/bench_draw.py [N] [--runs R] [--shuffle] [--base SRC] [--whole-only]``.
In one run it prints:

* in-process steps (median of R): ticket keys and `draw_sample` with the C ticket kernel and
  with the hashlib reference path, against ``df.groupby("tier").sample(frac=...)``;
* whole processes (median of R, wall and CPU seconds): ``dualrandom draw`` on an N-row CSV
  (kernel, then ``DUALRANDOM_TICKET_KERNEL=off``) against a pandas script doing
  ``read_csv`` + ``groupby("tier").sample`` + ``to_csv``; with ``--base SRC``, also ``dualrandom
  draw`` from the sources at SRC (an earlier version, same interpreter), in turns with the others.

pandas' sample is neither verifiable nor independent of row order (docs/draw-spec.md §11);
it is the baseline a user would otherwise reach for. Both ticket paths (and the base) must give
the same SAMPLE and manifest bytes (asserted).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from dualrandom import kernel
from dualrandom.draw import draw_sample
from dualrandom.tickets import ticket_keys

RATIOS = {"A": 0.01, "B": 0.03, "C": 0.10, "D": 0.30}
SHARES = [0.4, 0.3, 0.2, 0.1]
SEED = "63454660390103169462"
MEAN_RATIO = float(sum(r * s for r, s in zip(RATIOS.values(), SHARES, strict=True)))
PANDAS_SCRIPT = (
    "import sys, pandas as pd\n"
    "df = pd.read_csv(sys.argv[1], dtype=str)\n"
    f"df.groupby('tier').sample(frac={MEAN_RATIO!r}, random_state=1).to_csv(sys.argv[2], index=False)\n"
)


def median_of(runs: int, step: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def roster(n: int, shuffle: bool = False) -> pd.DataFrame:
    """``n`` entities in code order, or (``shuffle``) in a random row order, as an export may be."""
    rng = np.random.default_rng(2026)
    tiers = rng.choice(np.array(list(RATIOS), dtype=object), size=n, p=SHARES)
    rows = rng.permutation(n) if shuffle else np.arange(n)
    return pd.DataFrame({"uscc": [f"91420600{i:010d}" for i in rows], "tier": tiers})


def with_kernel(enabled: bool, step: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        previous = kernel.set_enabled(enabled)
        try:
            return step()
        finally:
            kernel.set_enabled(previous)

    return run


def in_process(frame: pd.DataFrame, runs: int) -> list[tuple[str, float]]:
    """Median seconds of the in-process steps; asserts both ticket paths draw the same sample."""
    ids = frame["uscc"].tolist()
    by_tier = frame.groupby("tier")
    fast = with_kernel(True, lambda: draw_sample(frame, RATIOS, SEED))()
    slow = with_kernel(False, lambda: draw_sample(frame, RATIOS, SEED))()
    assert isinstance(fast, type(slow)) and fast.sample.equals(slow.sample)  # type: ignore[attr-defined]
    steps: dict[str, Callable[[], object]] = {
        'pandas df.groupby("tier").sample(frac=r)': lambda: by_tier.sample(frac=MEAN_RATIO),
        f"ticket keys, kernel ({kernel.backend()})": with_kernel(True, lambda: ticket_keys(SEED, ids)),
        "ticket keys, hashlib reference": with_kernel(False, lambda: ticket_keys(SEED, ids)),
        "draw_sample, kernel": with_kernel(True, lambda: draw_sample(frame, RATIOS, SEED)),
        "draw_sample, hashlib reference": with_kernel(False, lambda: draw_sample(frame, RATIOS, SEED)),
    }
    return [(name, median_of(runs, step)) for name, step in steps.items()]


def timed_process(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system, children included) seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_processes(
    frame: pd.DataFrame, runs: int, directory: Path, base: str | None = None
) -> list[tuple[str, float, float]]:
    """Median wall and CPU seconds of the CLI draw (both ticket paths, the base) and of the pandas script.

    The commands take turns within each round, so a change of load falls on all of them.
    """
    csv = directory / "roster.csv"
    frame.to_csv(csv, index=False)
    ratios = [arg for tier, r in RATIOS.items() for arg in ("--ratio", f"{tier}={r}")]
    cli = Path(sys.executable).with_name("dualrandom")
    draw = [str(cli), "draw", str(csv), *ratios, "--seed", SEED]
    commands = {
        "pandas read_csv + groupby.sample + to_csv": (
            [sys.executable, "-c", PANDAS_SCRIPT, str(csv)], "on", None
        ),
        "dualrandom draw, kernel": (draw, "on", None),
        "dualrandom draw, hashlib reference": (draw, "off", None),
    }
    if base is not None:
        commands["dualrandom draw, kernel, base"] = (draw, "on", base)
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for position, (name, (command, setting, path)) in enumerate(commands.items()):
            out = directory / f"out-{position}.csv"
            full = [*command, str(out)] if "pandas" in name else [*command, "-o", str(out)]
            env = {**os.environ, "DUALRANDOM_TICKET_KERNEL": setting}
            if path is not None:
                env["PYTHONPATH"] = path
            timings[name].append(timed_process(full, env))
    outputs = [
        [(directory / f"out-{position}.csv{suffix}").read_bytes() for suffix in ("", ".manifest.json")]
        for position in range(1, len(commands))
    ]
    assert all(other == outputs[0] for other in outputs[1:]), "the draws' outputs differ"
    rows = []
    for name, measured in timings.items():
        walls, cpus = zip(*measured, strict=True)
        rows.append((name, statistics.median(walls), statistics.median(cpus)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="entities (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is shown")
    parser.add_argument("--shuffle", action="store_true", help="rows in a random order, not code order")
    parser.add_argument("--base", metavar="SRC", help="also time `dualrandom draw` from these sources")
    parser.add_argument("--whole-only", action="store_true", help="skip the in-process steps")
    args = parser.parse_args()
    frame = roster(args.n, args.shuffle)
    with open("/proc/loadavg") as load:  # other work on the machine inflates every figure
        loadavg = load.read().split()[0]
    print(f"entities: {args.n:,}   cores: {kernel.usable_cores()}   tickets: {kernel.backend()}   "
          f"pandas {pd.__version__}   rows {'shuffled' if args.shuffle else 'in code order'}   "
          f"load average at start: {loadavg}")  # fmt: skip
    if not args.whole_only:
        steps = in_process(frame, args.runs)
        pandas_time = steps[0][1]
        print(f"{'in-process step (median of ' + str(args.runs) + ')':52s} {'seconds':>8s} {'x pandas':>9s}")
        for name, seconds in steps:
            print(f"{name:52s} {seconds:8.3f} {seconds / pandas_time:9.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = whole_processes(frame, args.runs, Path(tmp), args.base)
    pandas_wall, pandas_cpu = rows[0][1], rows[0][2]
    print(f"{'whole process (median of ' + str(args.runs) + ')':52s} {'wall s':>8s} {'x pandas':>9s} "
          f"{'CPU s':>8s} {'x pandas':>9s}")  # fmt: skip
    for name, wall, cpu in rows:
        print(f"{name:52s} {wall:8.2f} {wall / pandas_wall:9.2f} {cpu:8.2f} {cpu / pandas_cpu:9.2f}")
    with open("/proc/loadavg") as load:
        print(f"load average at the end: {load.read().split()[0]}")


if __name__ == "__main__":
    main()
