"""Write partitioned tables as one Parquet dataset sorted by code: a sample sort on the cluster.

Every partition's table is sorted by ``uscc``; evenly spaced codes choose as many buckets as
partitions; every table is cut at the bucket bounds; every bucket merges its pieces, sorts
them and writes ``part.<j>.parquet``. Bucket j holds codes below those of bucket j + 1, so the
files in order are the whole table in code order, and no worker holds more than a bucket.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._digest import splitters
from ._runtime import Progress

__all__ = ["write_sorted"]

_SAMPLES = 64


def _by_code(table: pd.DataFrame) -> pd.DataFrame:
    codes = table["uscc"].astype(str)
    if codes.is_monotonic_increasing:
        return table.reset_index(drop=True)
    return table.iloc[np.argsort(codes.to_numpy(dtype=object), kind="stable")].reset_index(drop=True)


def _sample(table: pd.DataFrame) -> list[str]:
    if table.empty:
        return []
    positions = np.unique(np.linspace(0, len(table) - 1, num=_SAMPLES).astype(np.int64))
    return [str(v) for v in table["uscc"].iloc[positions]]


def _cut(table: pd.DataFrame, bounds: Sequence[str]) -> list[pd.DataFrame]:
    codes = table["uscc"].astype(str).to_numpy(dtype=object)
    edges = [0, *np.searchsorted(codes, np.array(bounds, dtype=object), side="left").tolist(), len(table)]
    return [table.iloc[a:b] for a, b in itertools.pairwise(edges)]


def _write(pieces: Sequence[pd.DataFrame], meta: pd.DataFrame, path: str) -> int:
    table = _by_code(pd.concat([meta, *pieces], ignore_index=True)) if pieces else meta
    table.to_parquet(path, index=False)
    return len(table)


def write_sorted(
    client: Any, tables: Sequence[Any], meta: pd.DataFrame, directory: Path, progress: Progress | None
) -> list[Path]:
    """Write the tables (futures) to ``directory`` in code order; the files, in order."""
    sorted_tables = [client.submit(_by_code, t, pure=False) for t in tables]
    samples = client.gather([client.submit(_sample, f, pure=False) for f in sorted_tables])
    bounds = splitters(samples, len(tables))
    pieces = [client.submit(_cut, f, bounds, pure=False) for f in sorted_tables]
    del sorted_tables
    files = [directory / f"part.{j}.parquet" for j in range(len(bounds) + 1)]
    writes = [
        client.submit(
            _write,
            [client.submit(operator.getitem, p, j, pure=False) for p in pieces],
            meta,
            str(path),
            pure=False,
        )
        for j, path in enumerate(files)
    ]
    del pieces
    for done, future in enumerate(writes, start=1):
        future.result()
        if progress is not None:
            progress("write", done, len(writes))
    return files
