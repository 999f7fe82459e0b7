"""Ticket digests per code: the C kernel against the hashlib reference and the SHA-256 limit.

Run: ``python benchmarks/bench_tickets.py [N ...] [--numba PYTHON]`` (default 10k, 100k and 1M
codes; ``--numba`` adds a numba version run by an interpreter that has numba). Prints,
measured in the same run (medians; wall time, and CPU time of all threads, which a shared
machine disturbs less), microseconds per code of: the kernel's digests on one thread and on
every core, its keys, the hashlib loop (the published reference, one process), and one
SHA-256 compression (hashlib over 16 MiB, which OpenSSL hashes at its best speed: the floor
for any implementation that does one compression per code); the start-up the kernel adds to
a process (loading the extension; the hashlib path adds none); and totals including it. All
paths give the same bytes (asserted).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

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


# A numba version of the batch digests (the JIT candidate), written from FIPS 180-4. Defined at
# module level, only in the child process that has numba, so that numba can cache it.
NUMBA_CHILD = __name__ == "__main__" and sys.argv[1:2] == ["--numba-child"]
if NUMBA_CHILD:
    import numba  # type: ignore[import-not-found]
    import numpy as np

    def root_fraction(prime: int, power: int, bits: int) -> int:  # floor(prime^(1/power) * 2^bits) mod 2^32
        low, high = 0, 1 << 80
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if middle**power <= prime << (power * bits) else (low, middle - 1)
        return low & 0xFFFFFFFF

    primes = [p for p in range(2, 312) if all(p % d for d in range(2, p))]
    K = np.array([root_fraction(p, 3, 32) for p in primes[:64]], dtype=np.uint32)

    @numba.njit(cache=True, inline="always")
    def rotr(x: Any, n: int) -> Any:  # numba widens uint32 arithmetic: truncate explicitly
        return np.uint32(((x >> np.uint32(n)) | (x << np.uint32(32 - n))) & np.uint32(0xFFFFFFFF))

    @numba.njit(cache=True)
    def compress(state: Any, block: Any, w: Any) -> None:
        for t in range(16):
            word = np.uint32(0)
            for byte in range(4):
                word = np.uint32((word << np.uint32(8)) | np.uint32(block[4 * t + byte]))
            w[t] = word
        for t in range(16, 64):
            s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> np.uint32(3))
            s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> np.uint32(10))
            w[t] = s1 + w[t - 7] + s0 + w[t - 16]
        a, b, c, d = state[0], state[1], state[2], state[3]
        e, f, g, h = state[4], state[5], state[6], state[7]
        mask = np.uint32(0xFFFFFFFF)
        for t in range(64):
            choose = (e & f) ^ ((e ^ mask) & g)
            t1 = np.uint32((h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + choose + K[t] + w[t]) & mask)
            t2 = np.uint32(((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) & mask)
            h, g, f, e = g, f, e, np.uint32((d + t1) & mask)
            d, c, b, a = c, b, a, np.uint32((t1 + t2) & mask)
        state[0] += a; state[1] += b; state[2] += c; state[3] += d  # noqa: E702
        state[4] += e; state[5] += f; state[6] += g; state[7] += h  # noqa: E702

    @numba.njit(cache=True)
    def one(midstate: Any, data: Any, start: int, length: int, state: Any, w: Any, tail: Any, out: Any) -> None:  # noqa: E501
        state[:] = midstate
        whole = length // 64
        for j in range(whole):
            compress(state, data[start + 64 * j : start + 64 * j + 64], w)
        rest = length - 64 * whole
        blocks = 1 if rest + 9 <= 64 else 2
        tail[:] = 0
        tail[:rest] = data[start + 64 * whole : start + length]
        tail[rest] = 0x80
        bits = (length + 64) * 8
        for j in range(8):
            tail[64 * blocks - 1 - j] = (bits >> (8 * j)) & 0xFF
        for j in range(blocks):
            compress(state, tail[64 * j : 64 * j + 64], w)
        for j in range(8):
            for byte in range(4):
                out[4 * j + byte] = (state[j] >> np.uint32(24 - 8 * byte)) & np.uint32(0xFF)

    @numba.njit(cache=True, parallel=True)
    def digests(midstate: Any, data: Any, offsets: Any, out: Any) -> None:
        n, chunks = len(offsets) - 1, 64
        for chunk in numba.prange(chunks):  # buffers allocated once per chunk, not per code
            state, w, tail = np.empty(8, np.uint32), np.empty(64, np.uint32), np.empty(128, np.uint8)
            for i in range(n * chunk // chunks, n * (chunk + 1) // chunks):
                one(midstate, data, offsets[i], offsets[i + 1] - offsets[i], state, w, tail, out[i])

    def encode(codes: list[str]) -> tuple[Any, Any]:  # one UTF-8 buffer with offsets: what numba reads
        encoded = [c.encode() for c in codes]
        offsets = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8), offsets

    def run(prefix: str, codes: list[str], encoded: tuple[Any, Any] | None = None) -> bytes:
        midstate = np.array([root_fraction(p, 2, 32) for p in primes[:8]], dtype=np.uint32)
        compress(midstate, np.frombuffer(prefix.encode(), dtype=np.uint8), np.empty(64, np.uint32))
        data, offsets = encoded if encoded is not None else encode(codes)
        out = np.empty((len(codes), 32), dtype=np.uint8)
        digests(midstate, data, offsets, out)
        return out.tobytes()



def numba_child(sizes: list[int]) -> None:
    """Run in a process with numba: one digest, then seconds per code at each size."""
    prefix = hashlib.sha256(SEED.encode()).hexdigest()
    run(prefix, ["x"])
    for n in sizes:
        codes = [f"91420600{i:010d}" for i in range(n)]
        expected = b"".join(hashlib.sha256((prefix + c).encode()).digest() for c in codes)
        assert run(prefix, codes) == expected
        wall, cpu = median_time(5, lambda: run(prefix, codes))  # noqa: B023
        encoded = encode(codes)
        core_wall, core_cpu = median_time(5, lambda: run(prefix, codes, encoded))  # noqa: B023
        print(f"size {n} {wall:.6f} {cpu:.6f} {core_wall:.6f} {core_cpu:.6f}")


def numba_rows(python: str, sizes: list[int]) -> tuple[float, dict[int, list[float]]]:
    """Start-up and, per size, wall and CPU seconds with and without encoding the codes.

    ``python`` is an interpreter with numba. Start-up is the median wall time of a process
    that imports numba, loads the cached functions and hashes one code, less that of one that
    imports numpy (which dualrandom imports anyway).
    """
    child = [python, __file__, "--numba-child"]
    subprocess.run(child, check=True, capture_output=True)  # compiles and fills the cache

    def wall(command: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - start

    baseline = statistics.median(wall([python, "-c", "import numpy, hashlib"]) for _ in range(5))
    startup = statistics.median(wall(child) for _ in range(5)) - baseline
    output = subprocess.run([*child, *map(str, sizes)], check=True, capture_output=True, text=True).stdout
    found = {}
    for line in output.splitlines():
        _, n, *figures = line.split()
        found[int(n)] = [float(f) for f in figures]
    return startup, found


Row = tuple[str, tuple[float, float], float]  # name, (wall, CPU) seconds, start-up seconds


def measure(n: int, cores: int, start: float) -> list[Row]:
    """Median (wall, CPU) seconds of each path on ``n`` codes; asserts they give the same bytes."""
    from dualrandom import kernel
    from dualrandom import tickets as T

    codes = [f"91420600{i:010d}" for i in range(n)]
    kernel.set_enabled(False)
    reference = T.digests(SEED, codes)
    slow = median_time(3, lambda: T.digests(SEED, codes))
    kernel.set_enabled(True)
    assert T.digests(SEED, codes, threads=1) == reference == T.digests(SEED, codes, threads=cores)
    keys = f"kernel keys, {T.kernel_threads(n)} thread(s)"
    return [
        ("hashlib reference, 1 process", slow, 0.0),
        ("kernel digests, 1 thread", median_time(5, lambda: T.digests(SEED, codes, threads=1)), start),
        (f"kernel digests, {cores} threads", median_time(5, lambda: T.digests(SEED, codes, threads=cores)), start),  # noqa: E501
        (keys, median_time(5, lambda: T.ticket_keys(SEED, codes)), start),
    ]


def print_rows(n: int, rows: list[Row], block: float) -> None:
    slow_wall, slow_cpu = rows[0][1]
    for name, (wall, cpu), start in rows:
        total = wall + start
        print(
            f"{n:>9,} {name:38} {wall / n * 1e6:8.4f} {cpu / n * 1e6:7.4f} {cpu / n / block:9.2f}"
            f" {total:9.3f} {slow_wall / total:9.1f}x {slow_cpu / cpu:8.1f}x"
        )
    print(f"{n:>9,} {'SHA-256 compression limit, 1 core':38} {'':8} {block * 1e6:7.4f} {1:9.2f}")


def main() -> None:
    if sys.argv[1:2] == ["--numba-child"]:
        numba_child([int(a) for a in sys.argv[2:]])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="numbers of codes (default 10k, 100k, 1M)")
    parser.add_argument("--numba", metavar="PYTHON", help="an interpreter with numba, to compare with")
    args = parser.parse_args()
    numba_python: str | None = args.numba
    sizes: list[int] = args.sizes or [10_000, 100_000, 1_000_000]
    from dualrandom import kernel

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
    numba_start, numba = numba_rows(numba_python, sizes) if numba_python else (0.0, {})
    if numba_python:
        print(f"numba start-up (import, cached functions, 1 code; less numpy's import): {numba_start:.3f} s")
    print(f"{'codes':>9} {'path':38} {'wall µs':>8} {'CPU µs':>7} {'CPU/limit':>9} "
          f"{'s + start':>9} {'faster (wall, CPU)':>19}")  # fmt: skip
    for n in sizes:
        rows = measure(n, cores, start)
        if n in numba:
            wall, cpu, core_wall, core_cpu = numba[n]
            rows.append((f"numba port, {cores} thr, + UTF-8 encode", (wall, cpu), numba_start))
            rows.append((f"numba port, {cores} thr, hashing only", (core_wall, core_cpu), numba_start))
        print_rows(n, rows, block)


if __name__ == "__main__":
    main()
