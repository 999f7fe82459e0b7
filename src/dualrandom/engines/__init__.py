"""Scale-out engines: the same classification and draw on a cluster (see docs/scale-out.md).

`dualrandom.engines.dask` runs `classify` and the stratified draw on Dask DataFrames; Dask is
an optional extra (``pip install 'dualrandom[dask]'``) and is imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dask import DaskClassification, classify_dask, dask_client, draw_dask

__all__ = ["DaskClassification", "classify_dask", "dask_client", "draw_dask"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import dask as engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
