"""Publication deadlines on the PRC working-day calendar (法定节假日 and 调休 make-up days).

Results must be published within N working days (default 20) of the end of the check. The
calendar is a `WorkingCalendar` (see `dualrandom.publish.calendar`): the bureau's calendar file
where it has a year, the holidays package elsewhere. A due date is never missing for a known
completion date; one that counts through a year nobody has confirmed is flagged provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..errors import PolicyError
from .calendar import DEFAULT_CALENDAR, WorkingCalendar

__all__ = ["Deadlines", "deadlines", "due_date", "due_dates", "is_working_day", "overdue"]

_MIN_WORKING_DAYS_A_YEAR = 200
"""Fewer than any real year has (about 245): how many years past the last completion to load."""


@dataclass(frozen=True)
class Deadlines:
    """Due dates of completion dates, and which of them count through a provisional year."""

    due_on: pd.Series
    """The due dates (datetime64); NaT only where the completion date is missing."""
    provisional: pd.Series
    """True where a day counted (after the completion, up to the due date) is in a provisional year."""
    provisional_years: tuple[int, ...]
    """The provisional years those due dates count through, in order."""


def is_working_day(day: date, calendar: WorkingCalendar | None = None) -> bool:
    """True when ``day`` is a PRC working day (weekday not on holiday, or a 调休 Saturday/Sunday)."""
    return (calendar or DEFAULT_CALENDAR).is_working_day(day)


def deadlines(
    completed: pd.Series, working_days: int = 20, calendar: WorkingCalendar | None = None
) -> Deadlines:
    """Due dates: the ``working_days``-th working day after each completion date (vectorised).

    The completion day itself is not counted. Raises `PolicyError` when ``working_days`` is
    below 1.
    """
    if working_days < 1:
        raise PolicyError(f"working_days must be at least 1, got {working_days}")
    calendar = calendar or DEFAULT_CALENDAR
    values = pd.to_datetime(completed).to_numpy(dtype="datetime64[D]")
    valid = ~np.isnat(values)
    due = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    flagged = np.zeros(len(values), dtype=bool)
    years: tuple[int, ...] = ()
    if valid.any():
        first = int(values[valid].min().astype("datetime64[Y]").astype(int)) + 1970
        last = int(values[valid].max().astype("datetime64[Y]").astype(int)) + 1970
        last += 1 + working_days // _MIN_WORKING_DAYS_A_YEAR
        days = calendar.working_days(first, last)
        position = np.searchsorted(days, values[valid], side="right") + working_days - 1
        due[valid] = days[position]
        flagged[valid], years = _provisional(calendar, values[valid] + 1, due[valid], first, last)
    return Deadlines(
        due_on=pd.Series(due.astype("datetime64[s]"), index=completed.index, name="due_on"),
        provisional=pd.Series(flagged, index=completed.index, name="provisional"),
        provisional_years=years,
    )


def _provisional(
    calendar: WorkingCalendar, start: np.ndarray, end: np.ndarray, first: int, last: int
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Which spans ``start..end`` touch a provisional year, and those years."""
    span = np.arange(first, last + 1)
    provisional = np.array([calendar.is_provisional(int(year)) for year in span])
    counted = np.concatenate([[0], np.cumsum(provisional)])
    low = start.astype("datetime64[Y]").astype(int) + 1970 - first
    high = end.astype("datetime64[Y]").astype(int) + 1970 - first
    flags = counted[high + 1] - counted[low] > 0
    years = [i for i in np.flatnonzero(provisional) if ((low <= i) & (high >= i)).any()]
    return flags, tuple(int(span[i]) for i in years)


def due_dates(
    completed: pd.Series, working_days: int = 20, calendar: WorkingCalendar | None = None
) -> pd.Series:
    """The due dates of `deadlines` alone (NaT only where the completion date is missing).

    Raises `PolicyError` when ``working_days`` is below 1.
    """
    return deadlines(completed, working_days, calendar).due_on


def due_date(completed: date, working_days: int = 20, calendar: WorkingCalendar | None = None) -> date:
    """The due date of one completion date; `WorkingCalendar.is_provisional` tells if it is firm.

    Raises `PolicyError` when ``working_days`` is below 1.
    """
    due = due_dates(pd.Series([pd.Timestamp(completed)]), working_days, calendar).iloc[0]
    result: date = due.date()
    return result


def overdue(due: pd.Series, published_on: date) -> pd.Series:
    """True where the publication date is after the due date (False where the due date is unknown)."""
    return (pd.to_datetime(due) < pd.Timestamp(published_on)).fillna(False).astype(bool)
