"""The content digest of a snapshot dataset, streamed one column of one row group at a time.

`dualrandom.classify.snapshot.content_digest` hashes a header line, then every column in turn
(name, type, byte length, bytes) over the rows sorted by code. A snapshot written as Parquet
files in code order (``part.<i>.parquet``, or one file) is hashed here without holding more
than one row group's column: a text column is read up to three times (its byte length is in
its header line, then all lengths, then all values), unless it is small enough to keep.
While hashing, every row group (a `Unit`) gets its first code and a fingerprint of its codes
and tiers, so that a worker can later check that what it reads is what was digested.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..classify.snapshot import TEXT_COLUMNS, text_chunk

__all__ = ["KEEP_BYTES", "Unit", "dataset_digest", "fingerprint", "text_chunk", "units_of"]

KEEP_BYTES = 256 * 2**20
"""A text column whose bytes stay under this is read once and kept; a bigger one is read thrice."""


@dataclass(frozen=True)
class Unit:
    """One row group of one snapshot file: its rows, first code and (once digested) fingerprint."""

    path: str
    group: int
    rows: int
    first: str = ""
    fingerprint: str = ""


def units_of(files: Sequence[Path]) -> list[Unit]:
    """The non-empty row groups of ``files``, in order."""
    out = []
    for path in files:
        meta = pq.ParquetFile(path).metadata
        for group in range(meta.num_row_groups):
            rows = meta.row_group(group).num_rows
            if rows:
                out.append(Unit(str(path), group, rows))
    return out


def _read(unit: Unit, column: str) -> pa.Array:
    table = pq.ParquetFile(unit.path).read_row_group(unit.group, columns=[column])
    array = table.column(0)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def fingerprint(array: pa.Array) -> str:
    """SHA-256 of a text chunk (lengths, then bytes): what a worker checks when it reads a unit."""
    lengths, body = text_chunk(array)
    return hashlib.sha256(len(lengths).to_bytes(8, "little") + lengths + body).hexdigest()


def _fixed(array: pa.Array, kind: str) -> bytes:
    if kind == "bool":
        return bytes(array.to_numpy(zero_copy_only=False).astype(np.uint8).tobytes())
    values = array.to_pandas().to_numpy(dtype=np.float64) + 0.0  # -0.0 becomes 0.0
    values[np.isnan(values)] = np.nan  # one NaN bit pattern
    return bytes(values.astype("<f8").tobytes())


Watch = Callable[[str, int, pa.Array], None]
"""Called as ``watch(column, unit position, chunk)`` on the first read of every chunk."""


def _text(digest: Any, name: str, units: Sequence[Unit], watch: Watch | None) -> None:
    kept: list[tuple[bytes, bytes]] | None = []
    length = 0
    for i, unit in enumerate(units):
        array = _read(unit, name)
        if watch is not None:
            watch(name, i, array)
        parts = text_chunk(array)
        length += len(parts[0]) + len(parts[1])
        if kept is not None:
            kept.append(parts)
            if length > KEEP_BYTES:
                kept = None
    digest.update(f"{name}:text:{length}\n".encode())

    def again() -> Iterator[tuple[bytes, bytes]]:
        yield from kept if kept is not None else (text_chunk(_read(u, name)) for u in units)

    for lengths, _ in again():
        digest.update(lengths)
    for _, body in again():
        digest.update(body)


def dataset_digest(
    units: Sequence[Unit], header: dict[str, Any], types: dict[str, pa.DataType], watch: Watch | None = None
) -> str:
    """The content digest of the rows of ``units`` in order, columns as in ``header``.

    ``types`` gives each column's Arrow type (booleans are hashed as bytes, other non-text
    columns as float64). ``watch`` sees every chunk once.
    """
    digest = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n")
    rows = sum(u.rows for u in units)
    for name in header["columns"]:
        if name in TEXT_COLUMNS:
            _text(digest, name, units, watch)
            continue
        kind = "bool" if pa.types.is_boolean(types[name]) else "float64"
        digest.update(f"{name}:{kind}:{rows * (1 if kind == 'bool' else 8)}\n".encode())
        for i, unit in enumerate(units):
            array = _read(unit, name)
            if watch is not None:
                watch(name, i, array)
            digest.update(_fixed(array, kind))
    return digest.hexdigest()
