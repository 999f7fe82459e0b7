"""Run one function over many seeds, in order, on one or several processes.

Results come back in seed order whatever the number of processes, so a study's figures
do not depend on how it was parallelised. With ``processes > 1`` the function must be
picklable (a module-level function or an instance of a module-level class).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

__all__ = ["run_replicates"]

T = TypeVar("T")


def run_replicates(function: Callable[[str], T], seeds: Sequence[str], *, processes: int = 1) -> list[T]:
    """``[function(seed) for seed in seeds]``, spread over ``processes`` worker processes."""
    if processes <= 1 or len(seeds) < 2:
        return [function(seed) for seed in seeds]
    chunk = max(1, len(seeds) // (processes * 8))
    with ProcessPoolExecutor(max_workers=processes) as pool:
        return list(pool.map(function, seeds, chunksize=chunk))
