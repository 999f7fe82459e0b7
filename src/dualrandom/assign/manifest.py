"""Digests of the inputs and outputs of an assignment, for the manifest beside the teams."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from ..draw.commitment import COMMITMENT_VERSION, table_digest

__all__ = ["frame_digest", "versions"]


def _item(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace(";", "\\;")


def _cell(value: object) -> object:
    """A set or list cell as its sorted items joined by ';' (each ';' and '\\' escaped)."""
    if isinstance(value, frozenset | set | tuple | list):
        items = [str(v) for v in value]
        joined = ";".join(items)
        if "\\" in joined or joined.count(";") != len(items) - 1:  # some item needs escaping
            return ";".join(sorted(_item(v) for v in value))
        return ";".join(sorted(items))
    return value


def frame_digest(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> str:
    """``sha256:`` and the draw's `table_digest` of ``columns`` (default: all), order-independent.

    Set and list cells are first written as their sorted items joined by ';'; every other
    separator is escaped by the table digest itself (docs/draw-spec.md), so no two different
    tables share a digest. A table without columns hashes the version line and an empty header.
    """
    chosen = list(columns) if columns is not None else list(frame.columns)
    if not chosen:
        return "sha256:" + hashlib.sha256(f"{COMMITMENT_VERSION}\n\n".encode()).hexdigest()
    table = frame[chosen]
    written = {c: _text_cells(table[c]) for c in chosen}
    listed = {c: cells for c, cells in written.items() if cells is not None}
    if listed:
        table = table.assign(**listed)
    return "sha256:" + table_digest(table, chosen)


def _arrow_text(column: pd.Series) -> pd.Series | None:
    """An object column of text as Arrow-backed text (the digest reads it without a scan), else None."""
    if column.dtype != object or pd.api.types.infer_dtype(column, skipna=False) != "string":
        return None
    return column.astype("str")


def _text_cells(column: pd.Series) -> pd.Series | None:
    """The column with its set and list cells written by `_cell`, or None when it holds none.

    A column of tuples and frozensets of text is written once per distinct cell (equal cells
    of text items are written alike); any other column cell by cell.
    """
    if not _has_collections(column):
        return _arrow_text(column)
    try:
        code, distinct = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)
    except TypeError:  # unhashable cells (list, set)
        return column.map(_cell)
    values = distinct.tolist()
    if not all(isinstance(v, tuple | frozenset) and all(isinstance(i, str) for i in v) for v in values):
        return column.map(_cell)
    cells = np.empty(len(values), dtype=object)
    cells[:] = [_cell(v) for v in values]
    return pd.Series(cells[code], index=column.index, dtype="str")


def _is_collection(value: object) -> bool:
    return isinstance(value, frozenset | set | tuple | list)


def _has_collections(column: pd.Series) -> bool:
    """Whether an object column holds a set or list cell (a text column is told apart in C)."""
    kind = "" if column.dtype != object else pd.api.types.infer_dtype(column, skipna=True)
    if kind in ("", "string", "empty"):
        return False
    if _is_collection(column.iat[0]):  # the usual case: a column of sets or lists
        return True
    return bool(column.map(_is_collection).any())


def versions() -> dict[str, Any]:
    """Versions of dualrandom and OR-Tools that produced the result."""
    import ortools

    try:
        library = metadata.version("dualrandom")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        library = "unknown"
    return {"dualrandom": library, "ortools": ortools.__version__}
