"""The sampling frame: the checked roster, narrowed by a task's filters and the frequency caps.

Every input problem is collected and raised at once as an `InputError` whose records name
the file, the row (header = row 1, first data row = row 2), the column, the value and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..ids import normalize_ids
from ..models import ENTITY_TYPES, Task

__all__ = ["CAP_WINDOW_DAYS", "TaskSpec", "apply_caps", "filter_task", "prepare_frame", "recent_checks"]

CAP_WINDOW_DAYS = 365
"""Frequency caps count checks on the 365 days before the draw date (as_of excluded)."""


@dataclass(frozen=True)
class TaskSpec:
    """One draw of a campaign: its task (filters), the seed its tickets use, its departments."""

    task_id: str
    seed: str
    departments: tuple[str, ...] = ()
    task: Task | None = None
    capped: bool = True  # False when every item is key (重点): frequency caps do not apply


def _column_missing(source: str, column: str, why: str) -> Problem:
    return Problem(source, None, column, None, "COLUMN_MISSING", f"the column {column!r} is missing ({why})")


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip()


def prepare_frame(roster: pd.DataFrame, tiers: Sequence[str], *, source: str = "roster") -> pd.DataFrame:
    """Check ``uscc`` (normalised, non-empty, unique) and ``tier`` (one of ``tiers``).

    Returns a copy whose ``uscc`` holds the normalised codes (the hashed ids) and whose
    ``tier`` is text; other columns are kept. Raises `InputError` listing every bad row.
    """
    missing = [
        _column_missing(source, column, "every entity needs a code and a tier")
        for column in ("uscc", "tier")
        if column not in roster.columns
    ]
    if missing:
        raise InputError(missing)
    frame = roster.reset_index(drop=True).copy()
    frame["uscc"] = normalize_ids(frame["uscc"]).astype(object)
    frame["tier"] = _text(frame["tier"]).astype(object)
    empty = (frame["uscc"] == "").to_numpy(dtype=bool)
    repeated = (frame["uscc"].duplicated(keep="first").to_numpy(dtype=bool)) & ~empty
    unknown = ~frame["tier"].isin(list(tiers)).to_numpy(dtype=bool)
    problems: list[Problem] = []
    if empty.any() or repeated.any() or unknown.any():  # only bad rows are visited one by one
        codes: list[str] = frame["uscc"].tolist()
        first_row: dict[str, int] = {}
        for position in np.flatnonzero(~repeated & ~empty).tolist():
            if codes[position] not in first_row:
                first_row[codes[position]] = position + 2
        for position in np.flatnonzero(empty | repeated | unknown).tolist():
            row, code = position + 2, codes[position]
            if empty[position]:
                problems.append(Problem(source, row, "uscc", "", "ID_EMPTY", "the code is empty"))
            elif repeated[position]:
                message = f"the code appears more than once (first at row {first_row[code]})"
                problems.append(Problem(source, row, "uscc", code, "ID_DUPLICATE", message))
            if unknown[position]:
                tier = str(frame["tier"].iat[position])
                message = f"the tier must be one of {list(tiers)}"
                problems.append(Problem(source, row, "tier", tier, "TIER_UNKNOWN", message))
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return frame


def filter_task(frame: pd.DataFrame, task: Task, *, source: str = "roster") -> pd.DataFrame:
    """The rows of ``frame`` that ``task`` covers (entity types, industry and division prefixes)."""
    keep = pd.Series(True, index=frame.index)
    problems: list[Problem] = []
    if set(task.entity_types) != set(ENTITY_TYPES):
        if "entity_type" not in frame.columns:
            problems.append(_column_missing(source, "entity_type", f"task {task.id!r} filters on it"))
        else:
            keep &= _text(frame["entity_type"]).isin(list(task.entity_types))
    for column, prefixes in (("industry", task.industries), ("division", task.divisions)):
        if not prefixes:
            continue
        if column not in frame.columns:
            problems.append(_column_missing(source, column, f"task {task.id!r} filters on it"))
            continue
        keep &= _text(frame[column]).str.startswith(tuple(prefixes))
    if problems:
        raise InputError(problems)
    return frame.loc[keep.to_numpy(dtype=bool)]


def recent_checks(history: pd.DataFrame, as_of: date, *, source: str = "history") -> pd.Series:
    """Visits per entity (random and triggered) on the `CAP_WINDOW_DAYS` days before ``as_of``."""
    missing = [
        _column_missing(source, column, "frequency caps count past checks")
        for column in ("uscc", "inspected_on")
        if column not in history.columns
    ]
    if missing:
        raise InputError(missing)
    table = history.reset_index(drop=True)
    codes = normalize_ids(table["uscc"]).astype(object)
    dates = pd.to_datetime(table["inspected_on"], errors="coerce", format="mixed")
    raw_dates: list[str] = table["inspected_on"].astype("string").fillna("").tolist()
    problems = [
        Problem(
            source, row, "inspected_on", raw_dates[row - 2], "DATE_INVALID", "not a date (use YYYY-MM-DD)"
        )
        for row in (dates.isna().to_numpy().nonzero()[0] + 2).tolist()
    ]
    if "kind" in table.columns:
        kinds: list[str] = _text(table["kind"]).tolist()
        for row, kind in enumerate(kinds, start=2):
            if kind not in ("random", "triggered"):
                problems.append(
                    Problem(
                        source, row, "kind", kind, "KIND_UNKNOWN", "the kind must be 'random' or 'triggered'"
                    )
                )
    for row in ((codes == "").to_numpy().nonzero()[0] + 2).tolist():
        problems.append(Problem(source, row, "uscc", "", "ID_EMPTY", "the code is empty"))
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    end = pd.Timestamp(as_of)
    start = pd.Timestamp(as_of - timedelta(days=CAP_WINDOW_DAYS))
    inside = ((dates >= start) & (dates < end)).to_numpy(dtype=bool)
    from ..visits import checks_per_entity  # one visit counts once, whatever its rows

    return checks_per_entity(table, codes, dates, inside)


def apply_caps(frame: pd.DataFrame, caps: Mapping[str, int], checks: pd.Series) -> pd.Series:
    """True for rows whose entity reached its tier's cap of checks (they leave the frame)."""
    if not caps or checks.empty:
        return pd.Series(False, index=frame.index)
    done = frame["uscc"].map(checks).fillna(0).astype("int64")
    cap = frame["tier"].map(lambda tier: caps.get(tier, -1)).astype("int64")
    return (cap >= 0) & (done >= cap)
