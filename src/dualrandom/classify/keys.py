"""Fast integer keys for entity codes: sort a million codes and join tables on them.

A code of up to 18 characters from ``0-9A-Z`` becomes two uint64 numbers (base 37 over
the first 12 and the last 6 characters, 0 padding a shorter code), so ordering by
``(hi, lo)`` is exactly the codes' string order. Codes with other characters fall back
to pandas string operations; the results are the same, only slower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["EntityKeys", "entity_keys", "lookup", "sort_order"]

_WIDTH = 18
_LUT = np.full(256, 255, dtype=np.uint8)
_LUT[0] = 0
for _value, _char in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=1):
    _LUT[ord(_char)] = _value
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class EntityKeys:
    """The (hi, lo) keys of a column of codes."""

    hi: np.ndarray
    lo: np.ndarray

    def mixed(self) -> np.ndarray:
        """One uint64 per code for hashing (collisions are checked by `lookup`)."""
        return np.asarray(self.hi * _MIX + self.lo, dtype=np.uint64)


def entity_keys(codes: pd.Series) -> EntityKeys | None:
    """Keys of normalised codes, or None if some code cannot be keyed (too long, odd characters)."""
    array = pa.array(codes, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8) if len(array) else np.zeros(1, np.uint8)
    lengths = np.diff(offsets)
    if len(lengths) and lengths.max(initial=0) > _WIDTH:
        return None
    if len(lengths) and (lengths == _WIDTH).all():
        grid = data[offsets[0] : offsets[-1]].reshape(-1, _WIDTH)
    else:
        column = np.arange(_WIDTH)
        position = np.minimum(offsets[:-1, None] + column, max(len(data) - 1, 0))
        grid = np.where(column < lengths[:, None], data[position], 0).astype(np.uint8)
    values = np.ascontiguousarray(_LUT[grid].T)
    if (values == 255).any():
        return None
    hi = np.zeros(len(lengths), dtype=np.uint64)
    lo = np.zeros(len(lengths), dtype=np.uint64)
    for row in values[:12]:
        hi = hi * np.uint64(37) + row
    for row in values[12:]:
        lo = lo * np.uint64(37) + row
    return EntityKeys(hi, lo)


def sort_order(keys: EntityKeys) -> np.ndarray:
    """Positions that put the codes in string order (equal codes keep no particular order)."""
    by_hi = np.argsort(keys.hi)
    ranked = keys.hi[by_hi]
    if not (ranked[1:] == ranked[:-1]).any():
        return np.asarray(by_hi, dtype=np.int64)
    rank = np.empty(len(by_hi), dtype=np.uint64)
    rank[by_hi] = np.cumsum(np.r_[False, ranked[1:] != ranked[:-1]], dtype=np.uint64)
    return np.asarray(np.argsort((rank << np.uint64(32)) | keys.lo), dtype=np.int64)  # lo < 37**6 < 2**32


def lookup(table: EntityKeys, wanted: EntityKeys, index: pd.Index | None = None) -> np.ndarray | None:
    """Position in ``table`` of each wanted key (-1 if absent); None on a hash collision.

    ``index`` is ``pd.Index(table.mixed())`` when the caller already has it.
    """
    index = pd.Index(table.mixed()) if index is None else index
    if not index.is_unique:
        return None
    found = np.asarray(index.get_indexer(pd.Index(wanted.mixed())), dtype=np.int64)
    hit = found >= 0
    if (table.hi[found[hit]] != wanted.hi[hit]).any() or (table.lo[found[hit]] != wanted.lo[hit]).any():
        return None
    return found
