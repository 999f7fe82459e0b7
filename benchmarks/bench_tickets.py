"""Ticket digests per code: the C kernel against the hashlib reference and the SHA-256 limit.

Run: ``python benchmarks/bench_tickets.py [N ...]`` (default 10k, 100k and 1M codes). Prints,
measured in the same run (medians): microseconds per code of the kernel on one thread and on
every core, of the hashlib loop (the published reference, one process), of one SHA-256
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


def median_time(runs: int, step: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compression_seconds() -> float:
    """Seconds per 64-byte block of OpenSSL's SHA-256 (via hashlib) on a long message."""
    data = b"\x5a" * (1 << 24)
    return median_time(5, lambda: hashlib.sha256(data).digest()) / (len(data) // 64)


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
    block = compression_seconds()
    start_on, start_off = kernel_load_seconds(), 0.0
    print(f"one SHA-256 compression (hashlib over 16 MiB): {block * 1e6:.4f} µs")
    print(f"kernel start-up (loading the extension, median of 7 processes): {start_on * 1e3:.2f} ms")
    print(f"{'codes':>9} {'path':36} {'µs/code':>8} {'× limit':>8} {'s incl. start':>14} {'vs hashlib':>11}")
    for n in sizes:
        codes = [f"91420600{i:010d}" for i in range(n)]
        kernel.set_enabled(False)
        reference = T.digests(SEED, codes)
        slow = median_time(3, lambda: T.digests(SEED, codes))  # noqa: B023
        kernel.set_enabled(True)
        assert T.digests(SEED, codes, threads=1) == reference == T.digests(SEED, codes, threads=cores)
        one = median_time(5, lambda: T.digests(SEED, codes, threads=1))  # noqa: B023
        every = median_time(5, lambda: T.digests(SEED, codes, threads=cores))  # noqa: B023
        keys = median_time(5, lambda: T.ticket_keys(SEED, codes))  # noqa: B023
        rows = [
            ("hashlib reference, 1 process", slow, start_off),
            ("kernel, 1 thread", one, start_on),
            (f"kernel, {cores} threads", every, start_on),
            (f"kernel keys (+ numpy keys), {T.kernel_threads(n)} threads", keys, start_on),
        ]
        for name, seconds, start in rows:
            total = seconds + start
            print(
                f"{n:>9,} {name:36} {seconds / n * 1e6:8.4f} {seconds / n / block:8.2f} {total:14.3f}"
                f" {(slow + start_off) / total:10.1f}x"
            )
        print(f"{n:>9,} {'SHA-256 compression limit, 1 core':36} {block * 1e6:8.4f} {1:8.2f}")


if __name__ == "__main__":
    main()
