"""Due dates on the PRC working-day calendar: known answers around holidays and 调休 days."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualrandom.errors import PolicyError
from dualrandom.publish.calendar import DEFAULT_CALENDAR
from dualrandom.publish.deadlines import deadlines, due_date, due_dates, is_working_day, overdue


@pytest.mark.parametrize(
    ("completed", "days", "due"),
    [
        # National Day 2025: Oct 1-8 off; Sun Sep 28 and Sat Oct 11 are make-up working days.
        (date(2025, 9, 26), 1, date(2025, 9, 28)),
        (date(2025, 9, 30), 1, date(2025, 10, 9)),
        (date(2025, 9, 30), 3, date(2025, 10, 11)),
        (date(2025, 9, 30), 20, date(2025, 11, 4)),
        # Spring Festival 2025: Jan 28 - Feb 4 off; Sun Jan 26 and Sat Feb 8 are working days.
        (date(2025, 1, 24), 1, date(2025, 1, 26)),
        (date(2025, 1, 24), 3, date(2025, 2, 5)),
        (date(2025, 2, 7), 1, date(2025, 2, 8)),
        # New Year 2026: Jan 1-3 off; Sun Jan 4 is a working day.
        (date(2025, 12, 31), 1, date(2026, 1, 4)),
        # Spring Festival 2026: Feb 15-23 off; Sat Feb 14 and Sat Feb 28 are working days.
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 13), 20, date(2026, 3, 19)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),
        # Labour Day 2026: May 1-5 off; Sat May 9 is a working day.
        (date(2026, 4, 30), 1, date(2026, 5, 6)),
        (date(2026, 5, 8), 1, date(2026, 5, 9)),
        # Mid-Autumn Festival 2026 (Fri Sep 25) is a holiday of its own.
        (date(2026, 9, 24), 1, date(2026, 9, 28)),
        (date(2026, 9, 20), 20, date(2026, 10, 23)),
        # National Day 2026: Oct 1-7 off; Sun Sep 20 and Sat Oct 10 are working days.
        (date(2026, 9, 19), 1, date(2026, 9, 20)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 9, 30), 20, date(2026, 11, 3)),
        # A completion on a holiday or a weekend counts from the next working day.
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
        (date(2026, 11, 7), 20, date(2026, 12, 4)),
        # Into 2027 (issue 17): Fri Jan 1 is New Year's Day; nothing else is off before Jan 18.
        (date(2026, 12, 20), 20, date(2027, 1, 18)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        (date(2026, 12, 30), 1, date(2026, 12, 31)),
    ],
)
def test_known_due_dates(completed: date, days: int, due: date) -> None:
    assert due_date(completed, days) == due
    assert due_dates(pd.Series([pd.Timestamp(completed)]), days).iloc[0].date() == due


# Every weekday off and every working weekend day of 2026, from the State Council's notice
# for 2026 (published November 2025).
DAYS_OFF_2026 = [
    "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
    "2026-02-20", "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05",
    "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06",
    "2026-10-07",
]  # fmt: skip
MAKE_UP_DAYS_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


def test_every_day_of_2026() -> None:
    off = {date.fromisoformat(d) for d in DAYS_OFF_2026}
    make_up = {date.fromisoformat(d) for d in MAKE_UP_DAYS_2026}
    day = date(2026, 1, 1)
    while day.year == 2026:
        expected = day in make_up if day.weekday() >= 5 else day not in off
        assert is_working_day(day) == expected, day
        day += timedelta(days=1)


def test_the_calendar_agrees_with_chinesecalendar_on_every_day_it_covers() -> None:
    chinese_calendar = pytest.importorskip("chinese_calendar")
    day = date(2006, 1, 1)  # the 2006 notice's Saturday 2005-12-31 is a working day in one only
    last = date(max(chinese_calendar.holidays).year, 12, 31)
    assert last >= date(2026, 12, 31)
    while day <= last:
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_a_due_date_is_never_missing_and_later_years_are_provisional() -> None:
    completed = pd.Series(pd.to_datetime(["2026-12-20", None, "2026-09-30", "2031-06-30", "2027-03-01"]))
    result = deadlines(completed, 20)
    assert result.due_on.isna().tolist() == [False, True, False, False, False]
    assert result.due_on.iloc[0] == pd.Timestamp("2027-01-18")
    assert result.provisional.tolist() == [True, False, False, True, True]
    assert result.provisional_years == (2027, 2031)
    assert not DEFAULT_CALENDAR.is_provisional(2026) and DEFAULT_CALENDAR.is_provisional(2031)
    assert DEFAULT_CALENDAR.source_of(2026) == "package"
    # Far years still have working days: Monday-Friday minus the statutory holidays.
    assert due_date(date(2040, 7, 6), 5) == date(2040, 7, 13)


def test_provisional_years_follow_the_days_counted() -> None:
    # The completion day is not counted: from Dec 31 the count starts in the next year.
    tail = deadlines(pd.Series(pd.to_datetime(["2026-12-31"])), 1)
    assert tail.provisional_years == (2027,)
    inside = deadlines(pd.Series(pd.to_datetime(["2026-12-29"])), 2)
    assert inside.due_on.iloc[0] == pd.Timestamp("2026-12-31") and inside.provisional_years == ()


def test_bad_working_days() -> None:
    with pytest.raises(PolicyError, match="at least 1"):
        due_dates(pd.Series([pd.Timestamp("2026-01-05")]), 0)


def test_empty_and_all_missing() -> None:
    assert deadlines(pd.Series([], dtype="datetime64[s]")).due_on.empty
    none = deadlines(pd.Series([pd.NaT, pd.NaT]))
    assert none.due_on.isna().all() and none.provisional_years == ()


def test_overdue_flags() -> None:
    due = pd.Series([pd.Timestamp("2026-11-03"), pd.Timestamp("2026-11-02"), pd.NaT])
    assert overdue(due, date(2026, 11, 3)).tolist() == [False, True, False]


@given(
    st.dates(min_value=date(2010, 1, 1), max_value=date(2032, 12, 31)),
    st.integers(min_value=1, max_value=60),
)
def test_due_date_is_the_nth_working_day(completed: date, days: int) -> None:
    due = due_date(completed, days)
    assert is_working_day(due)
    counted = [completed + timedelta(days=i) for i in range(1, (due - completed).days + 1)]
    assert sum(is_working_day(day) for day in counted) == days
    assert due_date(completed + timedelta(days=1), days) >= due
