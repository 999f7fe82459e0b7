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
from ..models import ENTITY_TYPES, Task
from ..schema import validate

__all__ = [
    "CAP_WINDOW_DAYS",
    "CODES",
    "TaskSpec",
    "apply_caps",
    "check_frame",
    "filter_task",
    "prepare_frame",
    "recent_checks",
]

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


CODES = "dualrandom.codes"
"""`prepare_frame` records in ``frame.attrs[CODES]`` whether the roster's codes are GB 32100
codes (``checked``) or arbitrary identifiers (``any``); the history is then checked the same way."""

_TYPED = ("uscc", "tier", "entity_type", "industry", "division")
"""The roster columns a draw reads, taken typed from the schema (the rest are kept as given)."""


def check_frame(
    roster: pd.DataFrame, tiers: Sequence[str] | None, *, source: str = "roster", partition: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """The typed sampling frame and every error of ``roster`` (see `prepare_frame`), without raising.

    With ``partition`` (one partition of a Dask roster) an empty table and repeated codes are
    left to the caller, which checks them across partitions; without ``tiers`` tiers are not checked.
    The typed columns keep the schema's text dtype (Python strings in a partition).
    The frame's ``attrs[CODES]`` is ``checked`` or ``any``, as the check decided
    (`dualrandom.schema.Checked.codes`).
    """
    checked = validate(roster, "entities", source=source, needs=("uscc", "tier"), any_code=True)
    skip = ("NO_ROWS", "DUPLICATE") if partition else ()
    problems = [p for p in checked.errors if p.rule not in skip]
    if any(p.rule == "COLUMN_MISSING" for p in problems):
        return roster, problems
    typed = checked.frame
    if tiers is not None:
        unknown = np.flatnonzero(~typed["tier"].isin(list(tiers)).to_numpy(dtype=bool))
        label = next((p.column for p in checked.problems if "(tier)" in (p.column or "")), "tier")
        shown = typed["tier"].astype(object).to_numpy()
        message = f"the tier must be one of {list(tiers)}"
        problems += [Problem(source, int(r) + 2, label, str(shown[r]), "TIER_UNKNOWN", message)
                     for r in unknown]  # fmt: skip
    frame = checked.raw.copy()  # the table as read, under the schema's column names
    for column in _TYPED:
        if column in frame.columns:  # a Dask partition keeps Python strings, as its meta has them
            frame[column] = typed[column].astype(object) if partition else typed[column]
    frame.attrs[CODES] = checked.codes
    return frame, sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def prepare_frame(roster: pd.DataFrame, tiers: Sequence[str], *, source: str = "roster") -> pd.DataFrame:
    """Check the roster through `dualrandom.schema` (entities) and each ``tier`` against ``tiers``.

    ``uscc`` and ``tier`` must be present; every other column of the entity roster that is
    present is checked by its rule. Codes are hashed as given, so any identifier will do (GB
    32100 conformity is `dualrandom check`'s), but an empty, repeated or Excel-damaged code is
    an error. Returns a copy whose ``uscc`` holds the normalised codes (the hashed ids), whose
    ``tier``, ``entity_type``, ``industry`` and ``division`` are the typed text; other columns
    are kept. Raises `InputError` listing every bad row.
    """
    frame, problems = check_frame(roster, tiers, source=source)
    if problems:
        raise InputError(problems)
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


def recent_checks(
    history: pd.DataFrame, as_of: date, *, source: str = "history", any_code: bool | None = None
) -> pd.Series:
    """Visits per entity (random and triggered) on the `CAP_WINDOW_DAYS` days before ``as_of``.

    One visit counts once, whatever its rows (`dualrandom.visits.checks_per_entity`).

    The history is checked through `dualrandom.schema` (history); raises `InputError` listing
    every bad row: a malformed code is an error, never silently left uncounted. ``any_code``
    (for a roster of arbitrary identifiers, `prepare_frame`'s ``attrs[CODES] == "any"``) checks
    codes for presence and Excel damage only; ``None`` decides from the history's own codes.
    """
    table = validate(history, "history", source=source, lenient=True, any_code=any_code).raise_errors(
        f"{source}: the inspection history has problems (frequency caps count past checks)"
    )
    end = pd.Timestamp(as_of)
    start = pd.Timestamp(as_of - timedelta(days=CAP_WINDOW_DAYS))
    dates = table["inspected_on"]
    inside = ((dates >= start) & (dates < end)).to_numpy(dtype=bool)
    codes: pd.Series = table["uscc"].astype(object)
    from ..visits import checks_per_entity  # one visit counts once, whatever its rows

    return checks_per_entity(table, codes, dates, inside)


def apply_caps(frame: pd.DataFrame, caps: Mapping[str, int], checks: pd.Series) -> pd.Series:
    """True for rows whose entity reached its tier's cap of checks (they leave the frame)."""
    if not caps or checks.empty:
        return pd.Series(False, index=frame.index)
    done = frame["uscc"].map(checks).fillna(0).astype("int64")
    cap = frame["tier"].map(dict(caps)).fillna(-1).astype("int64")
    return (cap >= 0) & (done >= cap)
