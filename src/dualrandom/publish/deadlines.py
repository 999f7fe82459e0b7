"""Publication deadlines on the PRC working-day calendar (法定节假日 and 调休 make-up days).

Results must be published within N working days (default 20) of the end of the check. The
calendar comes from the maintained ``chinesecalendar`` package, never a hand-written table:
a date beyond the years it covers gives no due date (NaT) rather than a guess.
"""

from __future__ import annotations

import functools
from datetime import date

import chinese_calendar
import numpy as np
import pandas as pd

from ..errors import PolicyError

__all__ = ["calendar_range", "due_date", "due_dates", "is_working_day", "overdue"]


@functools.cache
def calendar_range() -> tuple[date, date]:
    """The first and last day the installed holiday calendar covers."""
    known = sorted(chinese_calendar.holidays)
    return date(known[0].year, 1, 1), date(known[-1].year, 12, 31)


@functools.cache
def _working_days() -> np.ndarray:
    """Every working day the calendar covers: Monday-Friday minus holidays, plus make-up days."""
    first, last = calendar_range()
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    working = np.is_busday(days)
    working[np.isin(days, np.array(sorted(chinese_calendar.holidays), dtype="datetime64[D]"))] = False
    working[np.isin(days, np.array(sorted(chinese_calendar.workdays), dtype="datetime64[D]"))] = True
    return days[working]


def is_working_day(day: date) -> bool:
    """True when ``day`` is a PRC working day (weekday not on holiday, or a 调休 Saturday/Sunday)."""
    first, last = calendar_range()
    if not first <= day <= last:
        raise PolicyError(
            f"{day.isoformat()}: the holiday calendar covers {first.year}-{last.year} only; "
            "upgrade the chinesecalendar package"
        )
    return bool(chinese_calendar.is_workday(day))


def due_dates(completed: pd.Series, working_days: int = 20) -> pd.Series:
    """Due dates: the ``working_days``-th working day after each completion date (vectorised).

    The completion day itself is not counted. NaT where the completion date is missing or
    the due date falls beyond the installed calendar.
    """
    if working_days < 1:
        raise PolicyError(f"working_days must be at least 1, got {working_days}")
    calendar = _working_days()
    values = pd.to_datetime(completed).to_numpy(dtype="datetime64[D]")
    valid = ~np.isnat(values)
    position = np.searchsorted(calendar, values, side="right") + working_days - 1
    inside = valid & (position < len(calendar)) & (values >= calendar[0])
    due = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    due[inside] = calendar[position[inside]]
    return pd.Series(due.astype("datetime64[s]"), index=completed.index, name="due_on")


def due_date(completed: date, working_days: int = 20) -> date:
    """The due date of one completion date; raises `PolicyError` beyond the calendar."""
    due = due_dates(pd.Series([pd.Timestamp(completed)]), working_days).iloc[0]
    if pd.isna(due):
        _, last = calendar_range()
        raise PolicyError(
            f"{completed.isoformat()} + {working_days} working days passes {last.isoformat()}, "
            "the end of the installed holiday calendar; upgrade the chinesecalendar package"
        )
    result: date = due.date()
    return result


def overdue(due: pd.Series, published_on: date) -> pd.Series:
    """True where the publication date is after the due date (False where the due date is unknown)."""
    return (pd.to_datetime(due) < pd.Timestamp(published_on)).fillna(False).astype(bool)
