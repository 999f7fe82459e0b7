"""Run the sample sort of `_digest` on a Dask client: the roster digest and repeated codes."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from ._digest import StreamDigest, bucket, cut, sample, sorted_lines, splitters
from ._runtime import Progress, delayed

__all__ = ["SAMPLES_PER_PARTITION", "stream_digest"]

SAMPLES_PER_PARTITION = 64
"""Lines each partition offers as bucket bounds (more: buckets closer to equal size)."""


def stream_digest(
    client: Any,
    parts: Sequence[Any],
    columns: Sequence[str],
    progress: Progress | None,
    stage: str = "commit",
) -> StreamDigest:
    """Sort every partition's canonical lines across the cluster and hash them in order.

    ``parts`` are the roster's delayed partitions; there are as many buckets as partitions,
    and the client holds one bucket at a time.
    """
    lines = client.compute([delayed(sorted_lines)(p, list(columns), i) for i, p in enumerate(parts)])
    samples = client.gather([client.submit(sample, f, SAMPLES_PER_PARTITION, pure=False) for f in lines])
    bounds = splitters(samples, len(parts))
    pieces = [client.submit(cut, f, bounds, pure=False) for f in lines]
    del lines
    buckets = [
        client.submit(bucket, [client.submit(operator.getitem, p, j, pure=False) for p in pieces], pure=False)
        for j in range(len(bounds) + 1)
    ]
    del pieces
    digest = StreamDigest(columns)
    for done, future in enumerate(buckets, start=1):
        digest.update(future.result())
        future.release()
        if progress is not None:
            progress(stage, done, len(buckets))
    return digest
