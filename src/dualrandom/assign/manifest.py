"""Digests of the inputs and outputs of an assignment, for the manifest beside the teams."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["describe_fairness", "frame_digest", "versions"]

_SMALL = 2_000
"""Tables up to this many rows are sorted in Python; larger ones with Arrow (same order)."""


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
    texts = []
    for column in chosen:
        values = frame[column]
        if values.dtype == object:
            texts.append([v if type(v) is str else _cell(v) for v in values.tolist()])
        else:
            texts.append(values.astype("string").fillna("").tolist())
    if chosen and len(frame) <= _SMALL:  # the same lines, sorted by code point, without Arrow's set-up
        lines = sorted("\x1f".join(row) for row in zip(*texts, strict=True))
    elif chosen and len(frame):
        cells = [pa.array(text, type=pa.large_string()) for text in texts]
        rows = pc.binary_join_element_wise(*cells, pa.scalar("\x1f", type=pa.large_string()))
        lines = rows.take(pc.sort_indices(rows)).to_pylist()
    else:
        lines = []
    body = "\x1f".join(chosen) + "\n" + "\n".join(lines)
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def versions() -> dict[str, Any]:
    """Versions of dualrandom and OR-Tools that produced the result."""
    return dict(_versions())


@lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    import ortools

    try:
        library = metadata.version("dualrandom")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        library = "unknown"
    return (("dualrandom", library), ("ortools", ortools.__version__))


def describe_fairness(figures: dict[str, Any]) -> str:
    """One line for operators from a teams manifest's ``fairness`` block.

    The chances (max/min chance ratio among the officers eligible for one target, the largest
    pair probability, the entropy of the design) when they are known, else why not; then the
    repeated officer pairs.
    """
    repeated = figures["officer_pairs_repeated"]
    repeats = f"{repeated} of {figures['officer_pairs']} officer pair(s) repeated"
    if repeated:
        repeats += f" (at most {figures['officer_pair_max_repeats']} times)"
    chances = str(figures.get("chances", ""))
    if figures.get("max_probability") is None:
        return f"chances {chances}; {repeats}"
    ratio = figures["chance_ratio_max"]
    shown = "inf (an eligible officer has probability 0)" if ratio is None else f"{ratio:.3f}"
    return (
        f"chances {chances.split(':')[0]}: max/min chance ratio {shown} on {figures['targets_checked']} "
        f"(target, department) slot(s), {figures['targets_unequal']} above {figures['chance_tolerance']}; "
        f"max pair probability {figures['max_probability']:.3f}, entropy {figures['entropy']:.2f}; {repeats}"
    )
