"""Commitment: a digest of the frozen roster, recorded before the seed is known.

The canonical serialisation (docs/draw-spec.md §3) is order-independent: each row becomes
one line of its values joined by TAB (missing values empty; backslash, TAB, CR and LF
escaped as ``\\\\``, ``\\t``, ``\\r``, ``\\n``), the lines are sorted by code point, and the
text ``dualrandom-table/1\\n`` + header line + lines (each ending in LF) is hashed with SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, Problem
from ..ids import normalize_ids

__all__ = [
    "COMMITMENT_VERSION",
    "ROSTER_COLUMNS",
    "commitment",
    "commitment_columns",
    "roster_digest",
    "table_digest",
]

COMMITMENT_VERSION = "dualrandom-table/1"
ROSTER_COLUMNS = ("uscc", "tier", "entity_type", "industry", "division")
"""Columns a draw depends on; those present in the roster are committed (plus any strata column)."""


def _cells(series: pd.Series) -> pa.Array:
    text = series.astype("string[pyarrow]").fillna("")
    if text.str.contains(r"[\\\t\r\n]", regex=True).any():
        for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\r", "\\r"), ("\n", "\\n")):
            text = text.str.replace(raw, escaped, regex=False)
    cells = pa.array(text.array).cast(pa.large_string())
    return cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells


def table_digest(table: pd.DataFrame, columns: Sequence[str]) -> str:
    """SHA-256 (hex) of the canonical, row-order-independent serialisation of ``columns``."""
    absent = [c for c in columns if c not in table.columns]
    if absent:
        problems = [
            Problem("table", None, c, None, "COLUMN_MISSING", "the column is missing") for c in absent
        ]
        raise InputError(problems)
    if not columns:
        raise ValueError("a table digest needs at least one column")
    parts = [_cells(table[column]) for column in columns]
    tab = pa.scalar("\t", pa.large_string())
    lines = pc.binary_join_element_wise(*parts, tab) if len(parts) > 1 else parts[0]
    ordered = lines.take(pc.sort_indices(lines))  # UTF-8 byte order = code point order
    newline = pa.scalar("\n", pa.large_string())
    ended = pc.binary_join_element_wise(ordered, pa.scalar("", pa.large_string()), newline)  # line + LF
    if isinstance(ended, pa.ChunkedArray):
        ended = ended.combine_chunks()
    header = "\t".join(columns)
    digest = hashlib.sha256(f"{COMMITMENT_VERSION}\n{header}\n".encode())
    if len(ended):
        offsets = np.frombuffer(ended.buffers()[1], dtype=np.int64)[
            ended.offset : ended.offset + len(ended) + 1
        ]
        digest.update(memoryview(ended.buffers()[2])[int(offsets[0]) : int(offsets[-1])])
    return digest.hexdigest()


def commitment_columns(roster: pd.DataFrame, strata: str | None = None) -> list[str]:
    """The roster columns a draw commits to: `ROSTER_COLUMNS` present, then ``strata``."""
    columns = [c for c in ROSTER_COLUMNS if c in roster.columns]
    if strata and strata not in columns:
        columns.append(strata)
    return columns


def roster_digest(
    frame: pd.DataFrame, columns: Sequence[str] | None = None, *, normalized: bool = False
) -> str:
    """The digest of the frozen frame (normalised codes; tier and task-relevant columns).

    Codes are normalised and tiers trimmed first, unless ``normalized`` says the frame is
    already a checked frame (`dualrandom.draw.prepare_frame`).
    """
    chosen = list(columns) if columns is not None else commitment_columns(frame)
    if normalized:
        return table_digest(frame, chosen)
    absent = [c for c in chosen if c not in frame.columns]
    if absent:
        raise InputError(
            [Problem("roster", None, c, None, "COLUMN_MISSING", "the column is missing") for c in absent]
        )
    table = frame[chosen].copy()
    if "uscc" in table.columns:
        table["uscc"] = normalize_ids(table["uscc"])
    if "tier" in table.columns:
        table["tier"] = table["tier"].astype("string").str.strip()
    return table_digest(table, chosen)


def commitment(
    frame: pd.DataFrame, *, snapshot_digest: str | None = None, strata: str | None = None
) -> dict[str, Any]:
    """The roster commitment record to publish (or append to the ledger) before the seed."""
    columns = commitment_columns(frame, strata)
    return {
        "kind": "roster_commitment",
        "version": COMMITMENT_VERSION,
        "columns": columns,
        "rows": len(frame),
        "roster_digest": roster_digest(frame, columns),
        "snapshot_digest": snapshot_digest,
    }
