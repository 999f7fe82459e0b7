"""Triggered checks in bulk: an early-warning list (风险预警) checked and recorded in one step.

The list is a ``warnings`` table of `dualrandom.schema` (English or Chinese headers, codes,
dates), read through `dualrandom.schema.check_table` like every other table, so that
``dualrandom check --kind warnings`` accepts exactly the lists ``trigger --from-file`` records.
Every bad row is reported together; the good list is recorded as one ``triggered_check``
record holding all the checks (`listed_checks`). A single check outside the random quota
(complaint, early warning, case lead) is one record of its own (`triggered_check`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from ..errors import InputError, PolicyError, Problem
from ..models import Campaign
from ..schema import Checked, check_table

__all__ = ["TARGET_COLUMNS", "listed_checks", "triggered_check", "triggered_checks"]

TARGET_COLUMNS = ["uscc", "task_id", "departments", "division", "visit", "inspected_on", "reason", "kind"]
CHECK_COLUMNS = ["uscc", "department", "inspected_on", "reason"]


def _task_department(campaign: Campaign, task_id: str, department: str | None) -> tuple[str, str]:
    task = campaign.task(task_id)
    chosen = department or task.departments[0]
    if chosen not in task.departments:
        raise PolicyError(
            f"department {chosen!r} does not take part in task {task_id!r}; its departments are "
            f"{', '.join(task.departments)}"
        )
    return task.id, chosen


def _departments(checked: Checked, default: str, allowed: list[str]) -> tuple[pd.Series, list[Problem]]:
    """Each row's department (its own, else ``default``) and a problem for each outside ``allowed``."""
    own = checked.frame["department"].astype("str")
    who = own.where(own != "", default)
    label = checked.label("department")
    flagged = {p.row for p in checked.errors if p.column == label}
    message = f"a department of the task: one of {sorted(allowed)}"
    problems = [
        Problem(checked.source, position + 2, label, value, "DEPARTMENT_UNKNOWN", message)
        for position, value in enumerate(who.tolist())
        if value not in allowed and position + 2 not in flagged
    ]
    return who, problems


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

    ``table`` is a ``warnings`` table (`dualrandom.schema`): ``uscc`` (统一社会信用代码), and
    ``inspected_on`` (检查日期), ``reason`` (触发原因, or the ``reason_1`` that ``classify``
    writes) and ``department`` (检查部门) whose empty cells or absent columns take ``on``,
    ``reason`` and ``department`` (default: the task's initiating department). Raises
    `PolicyError` for an unknown task or department, and `InputError` listing every bad row
    (code, repeated entity, date, missing reason, a department outside the task).
    """
    task, default_department = _task_department(campaign, task_id, department)
    given = (reason or "").strip()
    needs = ["uscc", *(["inspected_on"] if on is None else []), *([] if given else ["reason"])]
    checked = check_table(table, "warnings", name=source, needs=needs)
    summary = f"{source}: {{count}} problem(s); nothing was recorded"
    if any(p.rule == "COLUMN_MISSING" for p in checked.errors):
        raise InputError(checked.errors, summary=summary.format(count=len(checked.errors)))
    who, unknown = _departments(checked, default_department, list(campaign.task(task).departments))
    problems = sorted([*checked.errors, *unknown], key=lambda p: p.row or 0)
    if problems:
        raise InputError(problems, summary=summary.format(count=len(problems)))
    typed = checked.frame
    days = typed["inspected_on"].dt.strftime("%Y-%m-%d").fillna(on.isoformat() if on else "")
    why = typed["reason"].astype("str")
    return pd.DataFrame(
        {
            "uscc": typed["uscc"].astype("str").to_numpy(dtype=object),
            "department": who.to_numpy(dtype=object),
            "inspected_on": days.to_numpy(dtype=object),
            "reason": why.where(why != "", given).to_numpy(dtype=object),
        },
        columns=CHECK_COLUMNS,
    )


def triggered_check(campaign: Campaign, uscc: str, department: str, on: date, reason: str) -> dict[str, Any]:
    """The record of one triggered check. Raises `PolicyError` for a department that is not in
    the campaign or an empty reason."""
    departments = [d.id for d in campaign.departments]
    if department not in departments:
        raise PolicyError(
            f"department {department!r} is not in campaign {campaign.plan.id!r}; "
            f"its departments are {', '.join(departments)}"
        )
    if not reason.strip():
        raise PolicyError("a triggered check needs its reason (complaint, early warning, case lead)")
    return {"uscc": uscc, "department": department, "inspected_on": on.isoformat(), "reason": reason.strip()}


def listed_checks(
    campaign: Campaign, plan_id: str, batch: str | None, task_id: str, checks: pd.DataFrame
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The record of a list of triggered checks (`triggered_checks`'s table) and its targets.

    The targets are a sample of ``task_id`` (with each check's visit id in batch ``batch``);
    the record's ``checks`` are the entries a new history version holds. Raises `PolicyError`
    for an unknown task.
    """
    from ..visits import visit_ids

    task = campaign.task(task_id)
    listed = checks.sort_values("uscc", kind="stable", ignore_index=True)
    visits = visit_ids(plan_id, batch, listed["uscc"].tolist())
    entries = [
        {**{str(k): str(v) for k, v in row.items()}, "visit": visit}
        for row, visit in zip(listed.to_dict(orient="records"), visits, strict=True)
    ]
    payload = {"task_id": task.id, "count": len(entries), "checks": entries}
    targets = listed.assign(
        task_id=task.id,
        departments=";".join(task.departments),
        division="",
        visit=visits,
        kind="triggered",
    )
    return payload, targets
