"""Digests of the inputs and outputs of an assignment, for the manifest beside the teams."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import metadata
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["frame_digest", "versions"]


def _cell(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, frozenset | set | tuple | list):
        return ";".join(sorted(str(v) for v in value))
    return "" if value is None else str(value)


def frame_digest(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> str:
    """SHA-256 of a table written as sorted rows of 0x1F-separated cells (order-independent).

    The text hashed is the header line, then the rows in code-point order, joined by newlines;
    set and list cells are their sorted items joined by ';', missing cells are empty.
    """
    chosen = list(columns) if columns is not None else list(frame.columns)
    cells = []
    for column in chosen:
        values = frame[column]
        if values.dtype == object:
            text = [v if type(v) is str else _cell(v) for v in values.tolist()]
        else:
            text = values.astype("string").fillna("").tolist()
        cells.append(pa.array(text, type=pa.large_string()))
    if chosen and len(frame):
        rows = pc.binary_join_element_wise(*cells, pa.scalar("\x1f", type=pa.large_string()))
        lines = rows.take(pc.sort_indices(rows)).to_pylist()
    else:
        lines = []
    body = "\x1f".join(chosen) + "\n" + "\n".join(lines)
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def versions() -> dict[str, Any]:
    """Versions of dualrandom and OR-Tools that produced the result."""
    import ortools

    try:
        library = metadata.version("dualrandom")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        library = "unknown"
    return {"dualrandom": library, "ortools": ortools.__version__}
