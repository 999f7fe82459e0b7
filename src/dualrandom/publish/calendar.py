"""The PRC working-day calendar: statutory holidays (法定节假日) and 调休 make-up working days.

Two sources, year by year, the bureau's first:

1. a **bureau calendar file** (TOML) that the bureau fills from the State Council's notice
   (国务院办公厅关于××××年部分节假日安排的通知) for each year it has entered: the days off and the
   make-up working days. A year in the file is taken from the file alone.
2. the **holidays package** (PRC public holidays and make-up days, released monthly). It carries
   each year's notice once published and, for a later year, the statutory holidays with the
   law's 补假 rule (a holiday on a Saturday or Sunday is made up on the next working day).

A year is *confirmed* when the bureau file has it or the package carries its notice (it lists a
make-up working day in that year or the next). Any other year is *provisional*: its working
days are computed all the same, so a due date is never missing, and whoever reads a due date
that counts through such a year is told so.

The bureau file, one table per year::

    # 国务院办公厅关于2027年部分节假日安排的通知
    [2027]
    notice = "国办发明电〔2026〕N号"
    holidays = [[2027-01-01, 2027-01-03], [2027-02-05, 2027-02-12]]  # a day, or [first, last]
    workdays = [2027-02-14, 2027-02-20]                                # 调休: working weekends
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import PolicyError
from ..models import Campaign, read_toml

__all__ = [
    "DEFAULT_CALENDAR",
    "WorkingCalendar",
    "YearSchedule",
    "campaign_calendar",
    "load_calendar",
    "parse_calendar",
]

Source = Literal["bureau", "package", "provisional"]
Days = npt.NDArray[np.datetime64]

_YEAR_KEYS = frozenset({"notice", "holidays", "workdays"})


@dataclass(frozen=True)
class YearSchedule:
    """One year of the State Council's notice: the days off and the make-up working days."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    notice: str = ""


@functools.cache
def _package_year(year: int) -> tuple[frozenset[date], frozenset[date], bool]:
    """The holidays package's days off and make-up days of ``year``, and whether it confirms it.

    Neighbouring years are populated too: a notice can move a day of the year before or after
    (the 2006 notice made Saturday 2005-12-31 a working day).
    """
    import holidays

    china = holidays.country_holidays("CN", years=(year - 1, year, year + 1))
    off = frozenset(day for day in china if day.year == year)
    work = frozenset(day for day in china.weekend_workdays if day.year == year)
    confirmed = any(day.year in (year, year + 1) for day in china.weekend_workdays)
    return off, work, confirmed


class WorkingCalendar:
    """PRC working days from a bureau's confirmed years, the holidays package for the rest.

    Monday to Friday are working days except the year's holidays; a Saturday or Sunday is a
    working day when it is one of the year's make-up days. Never raises for a date out of
    range: a year that is not confirmed is computed and reported by `is_provisional`.
    """

    def __init__(self, years: Iterable[YearSchedule] = (), *, source: str | None = None) -> None:
        self._bureau: dict[int, YearSchedule] = {schedule.year: schedule for schedule in years}
        self.source = source
        """Where the bureau's years come from (the calendar file), for messages."""
        self._days: dict[int, Days] = {}

    def __repr__(self) -> str:
        return f"WorkingCalendar(bureau_years={self.bureau_years!r}, source={self.source!r})"

    @property
    def bureau_years(self) -> tuple[int, ...]:
        """The years the bureau's calendar file confirms, in order."""
        return tuple(sorted(self._bureau))

    def source_of(self, year: int) -> Source:
        """Who fixes ``year``: ``"bureau"``, ``"package"`` (its notice) or ``"provisional"``."""
        if year in self._bureau:
            return "bureau"
        return "package" if _package_year(year)[2] else "provisional"

    def is_provisional(self, year: int) -> bool:
        """True when neither the bureau file nor the package carries the notice of ``year``."""
        return self.source_of(year) == "provisional"

    def schedule(self, year: int) -> YearSchedule:
        """The days off and make-up working days of ``year``, from the source that fixes it."""
        if year in self._bureau:
            return self._bureau[year]
        off, work, _ = _package_year(year)
        return YearSchedule(year, off, work, notice="holidays package")

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day: a weekday off no holiday, or a 调休 weekend day."""
        schedule = self.schedule(day.year)
        if day in schedule.workdays:
            return True
        return day.weekday() < 5 and day not in schedule.holidays

    def working_days(self, first_year: int, last_year: int) -> Days:
        """Every working day of the years ``first_year`` to ``last_year``, sorted (datetime64[D])."""
        return np.concatenate([self._year_days(year) for year in range(first_year, last_year + 1)])

    def _year_days(self, year: int) -> Days:
        if year not in self._days:
            schedule = self.schedule(year)
            start = np.datetime64(f"{year:04d}-01-01", "D")
            days = np.arange(start, np.datetime64(f"{year + 1:04d}-01-01", "D"))
            working = np.is_busday(days)
            working[np.isin(days, _as_days(schedule.holidays))] = False
            working[np.isin(days, _as_days(schedule.workdays))] = True
            self._days[year] = days[working]
        return self._days[year]


def _as_days(days: Iterable[date]) -> Days:
    return np.array(sorted(days), dtype="datetime64[D]")


DEFAULT_CALENDAR = WorkingCalendar()
"""The calendar without a bureau file: the holidays package, later years provisional."""


def _day(value: Any) -> date | None:
    """A TOML date or an ISO ``YYYY-MM-DD`` text as a date; None when it is neither."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _days(year: int, key: str, entries: Any, problems: list[str]) -> set[date]:
    """The days listed under ``key``: single days and inclusive ``[first, last]`` ranges."""
    if not isinstance(entries, list):
        problems.append(f"[{year}] {key} must be a list of dates or [first, last] ranges")
        return set()
    found: set[date] = set()
    for entry in entries:
        ends = entry if isinstance(entry, list) and len(entry) == 2 else [entry, entry]
        first, last = _day(ends[0]), _day(ends[1])
        if first is None or last is None or last < first:
            problems.append(f"[{year}] {key}: {entry!r} is not a date (YYYY-MM-DD) or a [first, last] range")
            continue
        span = {first + timedelta(days=offset) for offset in range((last - first).days + 1)}
        outside = sorted(day for day in span if day.year != year)
        if outside:
            problems.append(f"[{year}] {key}: {outside[0].isoformat()} is not in {year}")
        found |= span
    return found


def _year(key: str, table: Any, problems: list[str]) -> YearSchedule | None:
    """One ``[YYYY]`` table of the file, checked; None (with problems noted) when it is wrong."""
    if not (key.isdigit() and len(key) == 4) or not isinstance(table, dict):
        problems.append(f"[{key}]: expected a table named after a year, like [2027]")
        return None
    year = int(key)
    unknown = sorted(set(table) - _YEAR_KEYS)
    if unknown:
        problems.append(f"[{year}] unknown key(s) {unknown}; allowed: {sorted(_YEAR_KEYS)}")
    before = len(problems)
    off = _days(year, "holidays", table.get("holidays"), problems)
    work = _days(year, "workdays", table.get("workdays", []), problems)
    for day in sorted(off & work):
        problems.append(f"[{year}] {day.isoformat()} is both a holiday and a make-up working day")
    for day in sorted(d for d in work if d.weekday() < 5):
        problems.append(
            f"[{year}] workdays: {day.isoformat()} is a weekday; make-up working days (调休) are "
            "Saturdays or Sundays"
        )
    if off and date(year, 1, 1) not in off:
        problems.append(f"[{year}] holidays: {year}-01-01 (元旦) is missing; every notice has it")
    notice = table.get("notice", "")
    if not isinstance(notice, str):
        problems.append(f"[{year}] notice must be text, the notice's title or number")
    if len(problems) > before:
        return None
    return YearSchedule(year, frozenset(off), frozenset(work), notice=str(notice))


def parse_calendar(data: Mapping[str, Any], *, source: str = "calendar") -> WorkingCalendar:
    """Build a `WorkingCalendar` from a parsed bureau calendar file.

    Raises `PolicyError` listing every problem: a table not named after a year, an unknown key,
    a bad date or range, a day outside its year, a day both off and working, a make-up working
    day on a weekday, or a year without New Year's Day among its holidays.
    """
    problems: list[str] = []
    years = [_year(key, table, problems) for key, table in data.items()]
    if problems:
        raise PolicyError(f"{source}: bad calendar file:\n  " + "\n  ".join(problems))
    return WorkingCalendar((y for y in years if y is not None), source=source)


def load_calendar(path: str | Path) -> WorkingCalendar:
    """Read a bureau calendar file (TOML); raises `PolicyError` when missing or wrong."""
    return parse_calendar(read_toml(path, "calendar"), source=str(path))


def campaign_calendar(campaign: Campaign, campaign_file: str | Path | None = None) -> WorkingCalendar:
    """The calendar of a campaign: its ``publication.calendar`` file, else `DEFAULT_CALENDAR`.

    The file's path is relative to the campaign file's folder. Raises `PolicyError` when the
    file is missing or wrong.
    """
    name = campaign.publication.calendar
    if name is None:
        return DEFAULT_CALENDAR
    path = Path(name)
    if campaign_file is not None and not path.is_absolute():
        path = Path(campaign_file).parent / path
    return load_calendar(path)
