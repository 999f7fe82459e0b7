"""The Dask engine from the command line: a progress bar on stderr around one library call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..draw import Draw
from ._classify import DaskClassification
from ._runtime import Progress, require_dask

__all__ = ["bar", "classify_on_dask", "draw_on_dask"]


@contextmanager
def bar() -> Iterator[Progress]:
    """A rich progress bar on stderr, one line per stage, fed as ``progress(stage, done, total)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..cli._common import stderr

    columns = (TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=False) as shown:
        stages: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in stages:
                stages[stage] = shown.add_task(stage, total=total)
            shown.update(stages[stage], completed=done, total=total)

        yield update


def draw_on_dask(scheduler: str | None) -> Callable[..., Draw]:
    """`draw_dask` bound to ``scheduler`` with a progress bar; called like `draw_campaign`."""
    require_dask()

    def run(*args: Any, **kwargs: Any) -> Draw:
        from .dask import draw_dask

        with bar() as progress:
            return draw_dask(*args, scheduler=scheduler, progress=progress, **kwargs)

    return run


def classify_on_dask(scheduler: str | None) -> Callable[..., DaskClassification]:
    """`classify_dask` bound to ``scheduler`` with a progress bar."""
    require_dask()

    def run(*args: Any, **kwargs: Any) -> DaskClassification:
        from .dask import classify_dask

        with bar() as progress:
            return classify_dask(*args, scheduler=scheduler, progress=progress, **kwargs)

    return run
