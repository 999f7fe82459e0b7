"""Commitment: a digest of the frozen roster, recorded before the seed is known.

The canonical serialisation (docs/draw-spec.md §3) is order-independent and does not depend
on the file format or the dtypes pandas chose: every value is first written as canonical text
(a whole float such as ``420602.0`` as ``420602``, a missing value as the empty string, a date
as YYYY-MM-DD, surrounding spaces removed); then each row becomes one line of its values
joined by TAB (backslash, TAB, CR and LF escaped as ``\\\\``, ``\\t``, ``\\r``,
``\\n``), the lines are sorted by code point, and the text ``dualrandom-table/2\\n``
+ header line + lines (each ending in LF) is hashed with SHA-256.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, Problem
from ..ids import normalize_ids
from ..kernel.order import text_order
from ..schema._columns import parse_dates, parse_enum

__all__ = [
    "COMMITMENT_VERSION",
    "COMMITTED_COLUMNS",
    "HISTORY_COLUMNS",
    "canonical_text",
    "commitment",
    "commitment_columns",
    "history_digest",
    "roster_digest",
    "table_digest",
]

COMMITMENT_VERSION = "dualrandom-table/2"
"""Version 2 hashes canonical text (version 1 hashed pandas' ``str`` of each value, dtype-dependent)."""
HISTORY_COLUMNS = ("uscc", "inspected_on", "kind")
COMMITTED_COLUMNS = ("uscc", "tier", "entity_type", "industry", "division")
"""Columns a draw depends on; those present in the roster are committed (plus any strata column)."""


def _scalar_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _all_text(series: pd.Series) -> bool:
    """Whether every present value is text (a string dtype, or objects that are all ``str``)."""
    if series.dtype != object:
        return pd.api.types.is_string_dtype(series.dtype)
    return pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")


def canonical_text(series: pd.Series) -> pd.Series:
    """Each value as the text it stands for, whatever dtype pandas gave the column.

    Missing values are empty, whole floats lose ``.0`` (a blank cell makes pandas read a code
    column as float), dates are YYYY-MM-DD, surrounding spaces are removed.
    """
    text: pd.Series
    if _all_text(series):
        text = series.astype("string").fillna("").str.strip()
    elif pd.api.types.is_datetime64_any_dtype(series.dtype):
        text = series.dt.strftime("%Y-%m-%d").astype("string").fillna("")
    else:
        text = series.map(_scalar_text).astype("string")
    return text


_ESCAPED = np.zeros(256, dtype=bool)
_ESCAPED[[ord("\\"), ord("\t"), ord("\r"), ord("\n")]] = True


def _cells(series: pd.Series) -> pa.Array:
    """The canonical text of ``series`` as one Arrow array, backslash, TAB, CR and LF escaped."""
    cells = pa.array(canonical_text(series).array).cast(pa.large_string())
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    cells = pc.fill_null(cells, "")
    data = cells.buffers()[2]  # any byte to escape in the buffer (a superset of the values)?
    if data is not None and bool(_ESCAPED[np.frombuffer(data, dtype=np.uint8)].any()):
        for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\r", "\\r"), ("\n", "\\n")):
            cells = pc.replace_substring(cells, raw, escaped)
    return cells


def _line_order(parts: Sequence[pa.Array], lines: pa.Array) -> pa.Array:
    """Positions of ``lines`` in UTF-8 byte order (= code point order).

    When the first column's cells are unique and hold no byte below TAB, the lines are in the
    order of their first cells (a cell that is a prefix of another is followed by TAB, which
    is then smaller than the other's next byte), so the first column's order is used: the
    uniqueness check of the codes has usually just computed it (`dualrandom.kernel.order`).
    """
    first = parts[0]
    data = first.buffers()[2]
    low = data is not None and bool((np.frombuffer(data, dtype=np.uint8) < 9).any())
    if len(parts) == 1 or not low:
        codes = text_order(first)
        if len(parts) == 1 or codes.unique:
            return pa.array(codes.order)
    return pc.sort_indices(lines)


def table_digest(table: pd.DataFrame, columns: Sequence[str]) -> str:
    """SHA-256 (hex) of the canonical, row-order-independent serialisation of ``columns``.

    Raises `InputError` when a column is missing or none is named.
    """
    absent = [c for c in columns if c not in table.columns]
    if absent:
        problems = [
            Problem("table", None, c, None, "COLUMN_MISSING", "the column is missing") for c in absent
        ]
        raise InputError(problems)
    if not columns:
        problem = Problem("table", None, None, None, "COLUMNS_EMPTY", "a digest needs at least one column")
        raise InputError([problem])
    parts = [_cells(table[column]) for column in columns]
    tab = pa.scalar("\t", pa.large_string())
    lines = pc.binary_join_element_wise(*parts, tab) if len(parts) > 1 else parts[0]
    ordered = lines.take(_line_order(parts, lines))
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
    """The roster columns a draw commits to: `COMMITTED_COLUMNS` present, then ``strata``."""
    columns = [c for c in COMMITTED_COLUMNS if c in roster.columns]
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


def history_digest(history: pd.DataFrame) -> str:
    """The digest of an inspection history over the columns of `HISTORY_COLUMNS` present.

    Codes are normalised, dates written YYYY-MM-DD whatever their spelling (2026/3/5,
    2026年3月5日 or a Parquet timestamp; a value that is not a date is hashed as written) and
    kinds lower-cased and spelled as the schema's history spec names them (双随机 is
    ``random``, 投诉举报 ``triggered``; an unknown kind is hashed as written); Chinese headers
    (统一社会信用代码, 检查日期, ...) name their columns as in `dualrandom.schema`, so one
    history has one digest however it is spelled. Raises `InputError` when ``uscc`` or
    ``inspected_on`` is missing.
    """
    from ..schema import canonical_headers, table_spec

    spec = table_spec("history")
    history, _ = canonical_headers(history, spec)
    absent = [c for c in ("uscc", "inspected_on") if c not in history.columns]
    if absent:
        raise InputError(
            [Problem("history", None, c, None, "COLUMN_MISSING", "the column is missing") for c in absent]
        )
    present = [c for c in HISTORY_COLUMNS if c in history.columns]
    table = history[present].reset_index(drop=True).copy()
    table["uscc"] = normalize_ids(table["uscc"])
    parsed = parse_dates(table["inspected_on"])
    iso = parsed.values.dt.strftime("%Y-%m-%d").astype("string")
    table["inspected_on"] = iso.where(parsed.values.notna(), canonical_text(table["inspected_on"]))
    if "kind" in table.columns:
        kind = spec.by_name["kind"]
        table["kind"] = parse_enum(canonical_text(table["kind"]), kind.choices, dict(kind.aliases)).values
    return table_digest(table, present)
