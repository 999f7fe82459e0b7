"""Ticket digests per code: the C kernel against the hashlib reference and the SHA-256 limit.

Run: ``python benchmarks/bench_tickets.py [N ...]`` (default 10k, 100k and 1M codes). Prints,
measured in the same run (medians; wall time, and CPU time of all threads, which a shared
machine disturbs less): microseconds per code of the kernel's digests on one thread and on
every core and of its keys, of the hashlib loop (the published reference, one process), of one SHA-256
compression (hashlib over 16 MiB, which OpenSSL hashes at its best speed: the floor for any
implementation that does one compression per code), the start-up the kernel adds to a
process (loading the extension; the hashlib path adds none), and totals including it. All
paths give the same bytes (asserted).
"""

from __future__ import annotations

import hashlib
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from dualrandom import kernel
from dualrandom import tickets as T

SEED = "63454660390103169462"


def median_time(runs: int, step: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU seconds (CPU: every thread of this process) of ``runs`` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus)


def compression_seconds() -> float:
    """CPU seconds per 64-byte block of OpenSSL's SHA-256 (via hashlib) on a long message."""
    data = b"\x5a" * (1 << 24)
    return median_time(5, lambda: hashlib.sha256(data).digest())[1] / (len(data) // 64)


def kernel_load_seconds() -> float:
    """Median time to load the compiled kernel in a fresh process (``python -X importtime``).

    This is all the start-up the kernel adds: the package import before it is common to both
    paths (the hashlib path adds none).
    """
    code = "import dualrandom.kernel._sha256"
    times = []
    for _ in range(7):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], check=True, capture_output=True, text=True
        )
        line = next(x for x in done.stderr.splitlines() if x.rstrip().endswith("dualrandom.kernel._sha256"))
        times.append(int(line.split("|")[1]) / 1e6)  # cumulative microseconds
    return statistics.median(times)


def measure(n: int, cores: int) -> list[tuple[str, tuple[float, float]]]:
    """Median (wall, CPU) seconds of each path on ``n`` codes; asserts they give the same bytes."""
    codes = [f"91420600{i:010d}" for i in range(n)]
    kernel.set_enabled(False)
    reference = T.digests(SEED, codes)
    slow = median_time(3, lambda: T.digests(SEED, codes))
    kernel.set_enabled(True)
    assert T.digests(SEED, codes, threads=1) == reference == T.digests(SEED, codes, threads=cores)
    return [
        ("hashlib reference, 1 process", slow),
        ("kernel digests, 1 thread", median_time(5, lambda: T.digests(SEED, codes, threads=1))),
        (f"kernel digests, {cores} threads", median_time(5, lambda: T.digests(SEED, codes, threads=cores))),
        (f"kernel keys, {T.kernel_threads(n)} thread(s)", median_time(5, lambda: T.ticket_keys(SEED, codes))),
    ]


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
    kernel.set_enabled(True)
    if not kernel.available():
        print("the C ticket kernel is not built here (no C compiler at install): tickets use hashlib")
        return
    cores = kernel.usable_cores()
    with open("/proc/loadavg") as load:
        loadavg = load.read().split()[0]
    print(f"cores: {cores}   kernel: {kernel.backend()}   load average at start: {loadavg}")
    block, start = compression_seconds(), kernel_load_seconds()
    print(f"one SHA-256 compression (OpenSSL via hashlib over 16 MiB, CPU time): {block * 1e6:.4f} µs")
    print(f"kernel start-up (loading the extension, median of 7 processes): {start * 1e3:.2f} ms")
    print(f"{'codes':>9} {'path':36} {'wall µs':>8} {'CPU µs':>7} {'CPU/limit':>9} "
          f"{'s + start':>9} {'faster (wall, CPU)':>19}")  # fmt: skip
    for n in sizes:
        rows = measure(n, cores)
        slow_wall, slow_cpu = rows[0][1]
        for name, (wall, cpu) in rows:
            total = wall + (0.0 if name.startswith("hashlib") else start)
            print(
                f"{n:>9,} {name:36} {wall / n * 1e6:8.4f} {cpu / n * 1e6:7.4f} {cpu / n / block:9.2f}"
                f" {total:9.3f} {slow_wall / total:9.1f}x {slow_cpu / cpu:8.1f}x"
            )
        print(f"{n:>9,} {'SHA-256 compression limit, 1 core':36} {'':8} {block * 1e6:7.4f} {1:9.2f}")


if __name__ == "__main__":
    main()
