"""Raw indicator values per entity as of a date (before weights and transforms).

Record indicators sum the ``severity`` of the records that are *in force* on the as-of day:
a record counts on the half-open interval ``[start_on, min(end_on, start_on + period,
repaired_on))``, where the period is the kind's publication period in calendar months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import NO_DATE, Credit, History, Roster
from .policy import INDICATORS, RECORD_KINDS, ClassificationPolicy

__all__ = ["add_months", "civil_date", "day_of", "in_force", "indicator_values", "industry_classes"]

_KINDS = tuple(RECORD_KINDS)
_KIND_TO_INDICATOR = np.array([INDICATORS.index(RECORD_KINDS[k]) for k in _KINDS], dtype=np.int64)
_PROBLEM_KIND = _KINDS.index("inspection_problem")
_DAY_BITS = 1 << 20  # day numbers are < 2**20 until the year 4840


def civil_date(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of day numbers, in integer arithmetic (H. Hinnant's civil_from_days)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


def day_of(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day numbers of (year, month, day), in integer arithmetic (days_from_civil)."""
    year = year - (month <= 2)
    era = year // 400
    yoe = year - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    return np.asarray(era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468, dtype=np.int64)


def add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Add calendar months to day numbers; a day past the month's end becomes its last day."""
    year, month, day = civil_date(np.asarray(days, dtype=np.int64))
    index = month - 1 + np.asarray(months, dtype=np.int64)
    year, month = year + index // 12, index % 12 + 1
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    length = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month] + (leap & (month == 2))
    return day_of(year, month, np.minimum(day, length))


def in_force(credit: Credit, policy: ClassificationPolicy, as_of: int) -> np.ndarray:
    """Boolean mask of the records that count on day ``as_of``."""
    periods = np.array([policy.period_months(k) for k in _KINDS], dtype=np.int64)
    kind = np.maximum(credit.kind, 0)
    months = periods[kind]
    end = np.minimum(credit.end, credit.repaired)
    limited = months > 0
    if limited.any():
        published_until = np.full(len(kind), NO_DATE, dtype=np.int64)
        published_until[limited] = add_months(credit.start[limited], months[limited])
        end = np.minimum(end, published_until)
    return np.asarray((credit.start <= as_of) & (as_of < end) & (credit.kind >= 0), dtype=bool)


def industry_classes(industry: pd.Series, classes: dict[str, int]) -> np.ndarray:
    """Risk class of each industry code: the class of its longest matching prefix (else 0)."""
    codes, uniques = pd.factorize(industry, use_na_sentinel=False)
    ordered = sorted(classes.items(), key=lambda item: -len(item[0]))
    per_unique = np.array(
        [next((c for prefix, c in ordered if str(u).startswith(prefix.upper())), 0) for u in uniques],
        dtype=np.float64,
    )
    return per_unique[codes] if len(uniques) else np.zeros(len(industry))


def indicator_values(
    roster: Roster,
    credit: Credit | None,
    history: History | None,
    policy: ClassificationPolicy,
    as_of: int,
) -> np.ndarray:
    """An (`INDICATORS` x entities) float64 matrix of raw values, entities in roster order."""
    n, k = len(roster.uscc), len(INDICATORS)
    values = np.zeros((k, n), dtype=np.float64)
    problem_keys = np.empty(0, dtype=np.int64)
    if credit is not None and len(credit.kind):
        where = roster.positions(credit.uscc, credit.keys)
        counted = in_force(credit, policy, as_of) & (where >= 0)
        cell = _KIND_TO_INDICATOR[credit.kind[counted]] * n + where[counted]
        counts = np.bincount(cell, weights=credit.severity[counted], minlength=n * k)
        values = np.asarray(counts, dtype=np.float64).reshape(k, n)
        problems = (credit.kind == _PROBLEM_KIND) & (where >= 0) & (credit.start != NO_DATE)
        problem_keys = where[problems] * _DAY_BITS + credit.start[problems]
    if history is not None and len(history.inspected):
        where = roster.positions(history.uscc, history.keys)
        since = add_months(np.array([as_of]), -policy.clean_inspection_months)[0]
        recent = (where >= 0) & (history.inspected > since) & (history.inspected <= as_of)
        keys = where[recent] * _DAY_BITS + history.inspected[recent]
        clean = pd.unique(keys[~np.isin(keys, problem_keys, kind="sort")])  # one visit per entity and day
        values[INDICATORS.index("clean_inspections")] = np.bincount(clean // _DAY_BITS, minlength=n)
    registered = np.where(roster.registered == NO_DATE, as_of, roster.registered)
    values[INDICATORS.index("age")] = np.maximum(as_of - registered, 0) / 365.25
    if roster.industry is not None:
        values[INDICATORS.index("industry_risk")] = industry_classes(roster.industry, policy.industry_classes)
    return values
