"""Due dates on the PRC working-day calendar: known answers around holidays and 调休 days."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualrandom.errors import PolicyError
from dualrandom.publish.deadlines import calendar_range, due_date, due_dates, is_working_day, overdue


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
        # Spring Festival 2026: Feb 15-23 off; Sat Feb 14 and Sat Feb 28 are working days.
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 13), 20, date(2026, 3, 19)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),
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
    ],
)
def test_known_due_dates(completed: date, days: int, due: date) -> None:
    assert due_date(completed, days) == due
    assert due_dates(pd.Series([pd.Timestamp(completed)]), days).iloc[0].date() == due


def test_make_up_days_are_working_days() -> None:
    assert is_working_day(date(2026, 10, 10)) and is_working_day(date(2025, 9, 28))
    assert not is_working_day(date(2026, 10, 8 - 1)) and not is_working_day(date(2026, 2, 16))


def test_beyond_the_calendar() -> None:
    last = calendar_range()[1]
    late = pd.Series([pd.Timestamp(last - timedelta(days=3)), pd.NaT, pd.Timestamp(last + timedelta(days=9))])
    assert due_dates(late).isna().all()
    with pytest.raises(PolicyError, match="end of the installed holiday calendar"):
        due_date(last - timedelta(days=3))
    with pytest.raises(PolicyError, match="covers"):
        is_working_day(last + timedelta(days=1))


def test_overdue_flags() -> None:
    due = pd.Series([pd.Timestamp("2026-11-03"), pd.Timestamp("2026-11-02"), pd.NaT])
    assert overdue(due, date(2026, 11, 3)).tolist() == [False, True, False]


@given(
    st.dates(min_value=date(2010, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=1, max_value=60),
)
def test_due_date_is_the_nth_working_day(completed: date, days: int) -> None:
    due = due_date(completed, days)
    assert chinese_calendar.is_workday(due)
    assert len(chinese_calendar.get_workdays(completed + timedelta(days=1), due)) == days
    assert due_date(completed + timedelta(days=1), days) >= due
