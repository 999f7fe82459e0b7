"""Raw indicator values per entity as of a date (before weights and transforms).

Record indicators sum the ``severity`` of the records that are *in force* on the as-of day:
a record counts on the half-open interval ``[start_on, min(end_on, start_on + period,
repaired_on))``, where the period is the kind's publication period in calendar months.
A policy's own indicators may instead count those records, flag any, measure the days since
the latest record of their kinds, or read a numeric roster column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..ids import normalize_ids
from .inputs import NO_DATE, Credit, History, Roster
from .keys import entity_keys
from .policy import ClassificationPolicy, IndicatorSpec

__all__ = [
    "add_months",
    "civil_date",
    "column_values",
    "day_of",
    "in_force",
    "indicator_values",
    "industry_classes",
]

_DAY_BITS = 1 << 20  # day numbers are < 2**20 until the year 4840
_YES = frozenset({"true", "t", "yes", "y", "是", "有"})
_NO = frozenset({"false", "f", "no", "n", "否", "无"})


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
    periods = np.array([policy.period_months(k) for k in policy.kinds()], dtype=np.int64)
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


def _number(text: str) -> float | None:
    """A cell of an indicator column as a number: digits, yes/no words, empty = 0; else None."""
    cell = text.strip().lower()
    if cell in ("", "nan", "<na>", "none") or cell in _NO:
        return 0.0
    if cell in _YES:
        return 1.0
    try:
        number = float(cell)
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def column_values(
    frame: pd.DataFrame, roster: Roster, policy: ClassificationPolicy, *, source: str = "roster"
) -> dict[str, np.ndarray]:
    """The roster column of each column indicator, as numbers in ``roster`` (uscc) order.

    Raises `InputError` naming a missing column and every cell that is not a number or yes/no.
    """
    wanted = {n: s.column for n, s in policy.indicators.items() if s.column is not None}
    if not wanted:
        return {}
    problems = [
        Problem(source, None, column, None, "COLUMN_MISSING", f"indicator {name!r} reads column {column!r}")
        for name, column in wanted.items()
        if column not in frame.columns
    ]
    if problems:
        raise InputError(problems)
    codes = normalize_ids(frame["uscc"].reset_index(drop=True))
    where = roster.positions(codes, entity_keys(codes))
    out: dict[str, np.ndarray] = {}
    for name, column in wanted.items():
        cells = frame[column].astype("string").fillna("").tolist()
        numbers = [_number(str(cell)) for cell in cells]
        problems += [
            Problem(source, row + 2, column, str(cells[row]), "NUMBER",
                    f"indicator {name!r} needs a number or yes/no (empty = 0)")
            for row, number in enumerate(numbers) if number is None
        ]  # fmt: skip
        values = np.zeros(len(roster.uscc), dtype=np.float64)
        placed = where >= 0
        values[where[placed]] = np.array([n or 0.0 for n in numbers], dtype=np.float64)[placed]
        out[name] = values
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in the indicator columns")
    return out


def _measure(
    spec: IndicatorSpec, rows: np.ndarray, live: np.ndarray, credit: Credit, where: np.ndarray, n: int,
    registered: np.ndarray, as_of: int,
) -> np.ndarray:  # fmt: skip
    """One records indicator: ``rows`` are its kinds' records on the roster, ``live`` those in force."""
    measure = spec.measure or "severity"
    if measure == "days_since":  # since the latest record started, or since registration
        started = rows & (credit.start <= as_of)
        latest = registered.copy()
        np.maximum.at(latest, where[started], credit.start[started])
        return np.asarray(np.maximum(as_of - latest, 0), dtype=np.float64)
    chosen = rows & live
    weights = credit.severity[chosen] if measure == "severity" else None
    counts = np.bincount(where[chosen], weights=weights, minlength=n).astype(np.float64)
    return np.asarray(counts > 0, dtype=np.float64) if measure == "any" else counts


def _record_values(
    values: np.ndarray, roster: Roster, credit: Credit, policy: ClassificationPolicy, as_of: int
) -> np.ndarray:
    """Fill the record indicators of ``values``; return the (entity, day) keys of problem records."""
    names, kinds = policy.indicator_names(), policy.kinds()
    n = len(roster.uscc)
    where = roster.positions(credit.uscc, credit.keys)
    live = in_force(credit, policy, as_of) & (where >= 0)
    target = np.full(len(kinds), -1, dtype=np.int64)  # kinds summed by a built-in indicator
    for row, name in enumerate(names):
        if name in policy.indicators and policy.is_custom(name):
            continue
        for kind in policy.reads(name):
            target[kinds.index(kind)] = row
    kind_row = target[np.maximum(credit.kind, 0)]
    summed = live & (kind_row >= 0)
    cell = kind_row[summed] * n + where[summed]
    counts = np.bincount(cell, weights=credit.severity[summed], minlength=n * len(names))
    values += counts.reshape(len(names), n)
    registered = np.where(roster.registered == NO_DATE, as_of, roster.registered)
    for row, name in enumerate(names):
        spec = policy.indicators.get(name)
        if spec is not None and spec.records is not None:
            read = np.isin(credit.kind, [kinds.index(k) for k in spec.records]) & (where >= 0)
            values[row] = _measure(spec, read, live, credit, where, n, registered, as_of)
    problems = (credit.kind == kinds.index("inspection_problem")) & (where >= 0) & (credit.start != NO_DATE)
    return np.asarray(where[problems] * _DAY_BITS + credit.start[problems], dtype=np.int64)


def indicator_values(
    roster: Roster,
    credit: Credit | None,
    history: History | None,
    policy: ClassificationPolicy,
    as_of: int,
    columns: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """An (indicators x entities) float64 matrix of raw values, entities in roster order.

    Rows follow `ClassificationPolicy.indicator_names`; ``columns`` holds the column
    indicators' values (`column_values`).
    """
    names = policy.indicator_names()
    n = len(roster.uscc)
    values = np.zeros((len(names), n), dtype=np.float64)
    problem_keys = np.empty(0, dtype=np.int64)
    if credit is not None and len(credit.kind):
        problem_keys = _record_values(values, roster, credit, policy, as_of)
    if history is not None and len(history.inspected) and not policy.is_custom("clean_inspections"):
        where = roster.positions(history.uscc, history.keys)
        since = add_months(np.array([as_of]), -policy.clean_inspection_months)[0]
        recent = (where >= 0) & (history.inspected > since) & (history.inspected <= as_of)
        keys = where[recent] * _DAY_BITS + history.inspected[recent]
        clean = pd.unique(keys[~np.isin(keys, problem_keys, kind="sort")])  # one visit per entity and day
        values[names.index("clean_inspections")] = np.bincount(clean // _DAY_BITS, minlength=n)
    registered = np.where(roster.registered == NO_DATE, as_of, roster.registered)
    if not policy.is_custom("age"):
        values[names.index("age")] = np.maximum(as_of - registered, 0) / 365.25
    if roster.industry is not None and not policy.is_custom("industry_risk"):
        values[names.index("industry_risk")] = industry_classes(roster.industry, policy.industry_classes)
    for name, column in (columns or {}).items():
        values[names.index(name)] = column
    return values
