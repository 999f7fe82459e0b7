"""Where Dask work runs (threads, a LocalCluster, a scheduler address) and how progress is told.

Dask is optional: `require_dask` imports it and raises `MissingDependencyError` naming the
extra to install when it is absent.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from ..errors import DualrandomError, MissingDependencyError

__all__ = ["INSTALL_HINT", "Progress", "SchedulerError", "dask_client", "delayed", "gather", "require_dask"]

INSTALL_HINT = "install it with: pip install 'dualrandom[dask]'"

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a stage's partitions complete."""


class SchedulerError(DualrandomError):
    """The Dask scheduler named cannot be reached."""


def require_dask() -> tuple[ModuleType, ModuleType]:
    """Import ``dask.dataframe`` and ``distributed`` or raise `MissingDependencyError`."""
    try:
        dataframe = importlib.import_module("dask.dataframe")
        distributed = importlib.import_module("distributed")
    except ImportError as error:
        message = f"the Dask engine needs {error.name or 'dask'}, which is not installed; {INSTALL_HINT}"
        raise MissingDependencyError(message) from None
    return dataframe, distributed


def delayed(function: Callable[..., Any]) -> Any:
    """``dask.delayed(function, pure=True)``: tasks named by their inputs, shared when equal."""
    require_dask()
    return importlib.import_module("dask").delayed(function, pure=True)


@contextmanager
def dask_client(
    scheduler: Any = None, *, workers: int = 2, memory_limit: str = "4GiB", timeout: str = "10s"
) -> Iterator[Any]:
    """A `distributed.Client` for ``scheduler``, closed on exit if this function made it.

    ``scheduler`` is an existing Client (used as is), ``"threads"`` (one in-process worker
    with a thread per core), ``None`` or ``"local"`` (a LocalCluster of ``workers``
    single-threaded processes, ``memory_limit`` each) or a scheduler address
    (``tcp://host:8786``, given ``timeout`` to answer).
    """
    _, distributed = require_dask()
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    if scheduler == "threads":
        cluster = distributed.LocalCluster(
            n_workers=1, threads_per_worker=os.cpu_count() or 1, processes=False, dashboard_address=":0"
        )
    elif scheduler in (None, "local"):
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            memory_limit=memory_limit, dashboard_address=":0",
        )  # fmt: skip
    else:
        cluster = None
    try:
        client = (
            distributed.Client(cluster)
            if cluster is not None
            else distributed.Client(str(scheduler), timeout=timeout)
        )
    except (OSError, TimeoutError) as error:
        if cluster is not None:
            cluster.close()
        raise SchedulerError(f"cannot reach the Dask scheduler {scheduler!r}: {error}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def gather(client: Any, tasks: Sequence[Any], stage: str, progress: Progress | None) -> list[Any]:
    """Results of delayed ``tasks`` (or futures) in order; progress per completed task."""
    _, distributed = require_dask()
    futures = [client.compute(t) if hasattr(t, "__dask_graph__") else t for t in tasks]
    total = len(futures)
    if progress is not None:
        progress(stage, 0, total)
        for done, _ in enumerate(distributed.as_completed(futures), start=1):
            progress(stage, done, total)
    results: list[Any] = client.gather(futures)
    return results
