"""Triggered checks in bulk: an early-warning list (风险预警) checked and recorded in one step.

Every row is checked at once (code, date, department, reason) and every bad row is reported
together; the good list is recorded as one ``triggered_check`` record holding all the checks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from ..errors import InputError, PolicyError, Problem
from ..ids import validate_ids
from ..models import Campaign

__all__ = ["TARGET_COLUMNS", "triggered_checks"]

TARGET_COLUMNS = ["uscc", "task_id", "departments", "division", "visit", "inspected_on", "reason", "kind"]
_DATES = ("inspected_on", "on", "date")
_REASONS = ("reason", "reason_1")


def _column(table: pd.DataFrame, names: tuple[str, ...]) -> list[str] | None:
    for name in names:
        if name in table.columns:
            return [str(v) for v in table[name].astype("string").fillna("").str.strip().tolist()]
    return None


def _task_department(campaign: Campaign, task_id: str, department: str | None) -> tuple[str, str]:
    task = campaign.task(task_id)
    chosen = department or task.departments[0]
    if chosen not in task.departments:
        raise PolicyError(
            f"department {chosen!r} does not take part in task {task_id!r}; its departments are "
            f"{', '.join(task.departments)}"
        )
    return task.id, chosen


def triggered_checks(
    table: pd.DataFrame,
    campaign: Campaign,
    *,
    task_id: str,
    department: str | None = None,
    on: date | None = None,
    reason: str | None = None,
    source: str = "warnings",
) -> pd.DataFrame:
    """The checks of an early-warning list, one per entity: ``uscc, department, inspected_on, reason``.

    The date comes from an ``inspected_on``/``on``/``date`` column, else ``on``; the reason from
    ``reason``/``reason_1``, else ``reason``; the department from a ``department`` column, else
    ``department``, else the task's initiating one. Raises `PolicyError` for an unknown task or
    department, and `InputError` listing every bad row (code, date, department, reason, repeat).
    """
    task, default_department = _task_department(campaign, task_id, department)
    if "uscc" not in table.columns:
        raise InputError(
            [Problem(source, None, "uscc", None, "COLUMN_MISSING", "the list needs a 'uscc' column")]
        )
    checked = validate_ids(table["uscc"].astype("string").fillna("").tolist())
    codes = checked.normalized.astype(str).tolist()
    days = _column(table, _DATES)
    reasons = _column(table, _REASONS)
    departments = _column(table, ("department",))
    allowed = set(campaign.task(task).departments)
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for position, code in enumerate(codes):
        row = position + 2
        if not checked.ok.iloc[position]:
            problems.append(Problem(source, row, "uscc", code, "ID_INVALID", checked.message(position)))
        elif code in seen:
            message = f"the entity is listed twice (first at row {seen[code]}): one triggered check each"
            problems.append(Problem(source, row, "uscc", code, "ID_DUPLICATE", message))
        seen.setdefault(code, row)
        day = _day(days[position] if days is not None else "", on)
        if day is None:
            shown = days[position] if days is not None else ""
            problems.append(
                Problem(source, row, "inspected_on", shown, "DATE_INVALID", "not a date (use YYYY-MM-DD)")
            )
        why = (reasons[position] if reasons is not None else "") or (reason or "").strip()
        if not why:
            problems.append(
                Problem(source, row, "reason", "", "REASON_EMPTY", "say why (风险预警, complaint, case lead)")
            )
        who = (departments[position] if departments is not None else "") or default_department
        if who not in allowed:
            message = f"department of task {task!r}: one of {sorted(allowed)}"
            problems.append(Problem(source, row, "department", who, "DEPARTMENT_UNKNOWN", message))
        rows.append(
            {"uscc": code, "department": who, "inspected_on": day.isoformat() if day else "", "reason": why}
        )
    if problems:
        raise InputError(problems, summary=f"{source}: {len(problems)} problem(s); nothing was recorded")
    return pd.DataFrame(rows, columns=["uscc", "department", "inspected_on", "reason"])


def _day(text: str, default: date | None) -> date | None:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        parsed = pd.to_datetime(text, errors="coerce")
        return None if pd.isna(parsed) else parsed.date()
