"""Check and normalise the tables the assigner reads, reporting every bad row at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..errors import InputError, Problem
from ..schema import Checked, validate
from ..schema._validate import WHOLE_COLUMN

__all__ = ["Sources", "normalize_conflicts", "normalize_history", "normalize_inspectors", "normalize_sample"]


@dataclass(frozen=True)
class Sources:
    """The names (usually file names) that error messages give each table."""

    sample: str = "sample"
    inspectors: str = "inspectors"
    conflicts: str = "conflicts"
    history: str = "history"

    @classmethod
    def of(cls, names: Mapping[str, str] | None) -> Sources:
        """Sources from a mapping such as ``{"inspectors": "staff.csv"}``."""
        return cls(**dict(names or {}))


def _found(checked: Checked) -> list[Problem]:
    """The errors of a checked table, but for an empty table (left to the assigner)."""
    return [p for p in checked.errors if p.rule != "NO_ROWS"]


def _checked(frame: pd.DataFrame, kind: str, source: str) -> pd.DataFrame:
    """The table typed by `dualrandom.schema`; raises `InputError` listing every problem.

    Entity codes are matched, never hashed, so a table of identifiers other than GB 32100 codes
    is accepted; a GB 32100 table with a malformed code is not (``any_code=None``). An empty
    table is left to the assigner (an empty roster makes the assignment infeasible).
    """
    checked = validate(frame, kind, source=source, any_code=None)
    found = _found(checked)
    if found:
        raise InputError(found, summary=f"{source}: cannot assign teams")
    return checked.frame


def _days(values: pd.Series) -> list[date | None]:
    return [None if pd.isna(v) else v.date() for v in values.tolist()]


def _listed(text: pd.Series) -> list[tuple[str, ...]]:
    return [tuple(part for part in t.split(";") if part) for t in text.tolist()]


def _once(source: str, rows: list[int], n_rows: int, rule: str, message: str) -> list[Problem]:
    """One problem per row, or one for the whole table when every row has the same cause."""
    if len(rows) >= WHOLE_COLUMN and len(rows) == n_rows:
        return [Problem(source, None, "departments", "", rule, f"every one of the {n_rows} rows: {message}")]
    return [Problem(source, row, "departments", "", rule, message) for row in rows]


def _task_departments(
    typed: pd.DataFrame, source: str, task_departments: Mapping[str, tuple[str, ...]] | None
) -> tuple[list[tuple[str, ...]], list[Problem]]:
    """Each target's departments (from the sample, or the campaign's task), and what is wrong."""
    problems: list[Problem] = []
    departments: list[tuple[str, ...]] = []
    empty_rows: list[int] = []
    tasks = typed["task_id"].tolist()
    for position, (task, listed) in enumerate(zip(tasks, _listed(typed["departments"]), strict=True)):
        row = position + 2
        if task_departments is not None:
            if task not in task_departments:
                message = f"the campaign has no such task; allowed: {sorted(task_departments)}"
                problems.append(Problem(source, row, "task_id", task, "TASK_UNKNOWN", message))
            elif not listed:
                listed = task_departments[task]
            elif listed != task_departments[task]:
                message = f"task {task!r} lists {';'.join(task_departments[task])!r}"
                problems.append(
                    Problem(source, row, "departments", ";".join(listed), "DEPARTMENTS_MISMATCH", message)
                )
        if not listed and (task_departments is None or task in task_departments):
            empty_rows.append(row)
        elif len(set(listed)) != len(listed):
            message = "a department may take part only once"
            problems.append(
                Problem(source, row, "departments", ";".join(listed), "DEPARTMENTS_REPEATED", message)
            )
        departments.append(listed)
    if empty_rows:
        message = (
            "list the participating departments, ';'-separated, initiating first: in the sample's "
            "'departments' column, or pass assign_teams a campaign whose tasks name them"
        )
        problems += _once(source, empty_rows, len(typed), "DEPARTMENTS_EMPTY", message)
    return departments, problems


def normalize_sample(
    sample: pd.DataFrame,
    source: str,
    task_departments: Mapping[str, tuple[str, ...]] | None,
) -> pd.DataFrame:
    """Targets sorted by (uscc, task_id) with ``departments`` as tuples (first one initiates).

    The sample is checked through `dualrandom.schema` (sample). ``task_departments`` (from a
    campaign) fills or checks the departments of each task. Raises `InputError` listing every
    problem; a cause shared by every row is reported once.
    """
    checked = validate(sample, "sample", source=source, any_code=None)
    found = _found(checked)
    if any(p.rule == "COLUMN_MISSING" for p in found):
        raise InputError(found, summary=f"{source}: cannot assign teams")
    typed = checked.frame
    departments, problems = _task_departments(typed, source, task_departments)
    problems = [*found, *problems]
    keys = pd.Series(list(zip(typed["uscc"], typed["task_id"], strict=True)), dtype=object)
    first: dict[object, int] = {}
    for position, key in enumerate(keys.tolist()):
        if key in first:
            message = f"repeats row {first[key] + 2}; each must appear once"
            if key[0]:
                problems.append(Problem(source, position + 2, "uscc", key[0], "TARGET_DUPLICATE", message))
        first.setdefault(key, position)
    if any(p.severity == "error" for p in problems):
        ordered = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))
        raise InputError(ordered, summary=f"{source}: cannot assign teams")
    frame = pd.DataFrame(
        {
            "uscc": typed["uscc"].tolist(),
            "task_id": typed["task_id"].tolist(),
            "departments": departments,
            "division": typed["division"].tolist(),
            "scheduled_on": _days(typed["scheduled_on"]),
            "parties": [
                frozenset(p for p in (rep, *others.split(";")) if p)
                for rep, others in zip(typed["legal_rep"], typed["related_parties"], strict=True)
            ],
        }
    )
    return frame.sort_values(["uscc", "task_id"], kind="stable", ignore_index=True)


def normalize_inspectors(roster: pd.DataFrame, source: str) -> pd.DataFrame:
    """The inspector roster (checked through `dualrandom.schema`) sorted by ``inspector_id``.

    Raises `InputError` listing every bad row.
    """
    typed = _checked(roster, "inspectors", source)
    frame = pd.DataFrame(
        {
            "inspector_id": typed["inspector_id"].tolist(),
            "name": typed["name"].tolist(),
            "department": typed["department"].tolist(),
            "active": typed["active"].tolist(),
            "expert": typed["expert"].tolist(),
            "max_targets": typed["max_targets"].fillna(-1).astype("int64").tolist(),
            "home_division": typed["home_division"].tolist(),
            "qualifications": [frozenset(t for t in q.split(";") if t) for q in typed["qualifications"]],
            "unavailable": [
                frozenset(date.fromisoformat(d) for d in days.split(";") if d) for days in typed.unavailable
            ],
            "certificate_no": typed["certificate_no"].tolist() if "certificate_no" in typed.columns
            else [None] * len(typed),
            "certificate_valid_until": _days(typed["certificate_valid_until"])
            if "certificate_valid_until" in typed.columns else [None] * len(typed),
        }
    )  # fmt: skip
    return frame.sort_values("inspector_id", kind="stable", ignore_index=True)


def normalize_conflicts(conflicts: pd.DataFrame | None, source: str) -> pd.DataFrame:
    """Declared conflicts with normalised codes: per entity (``uscc``) or per person (``party``).

    A ``party`` row forbids every target whose ``legal_rep`` or ``related_parties`` names that
    person. Checked through `dualrandom.schema` (conflicts); raises `InputError` for a row
    without officer, reason, or either uscc or party.
    """
    if conflicts is None:
        return pd.DataFrame({"inspector_id": [], "uscc": [], "party": [], "reason": []}, dtype=object)
    typed = _checked(conflicts, "conflicts", source)
    if "party" not in typed.columns:
        typed = typed.assign(party="")
    return pd.DataFrame({c: typed[c].tolist() for c in ("inspector_id", "uscc", "party", "reason")})


def normalize_history(history: pd.DataFrame | None, source: str) -> pd.DataFrame:
    """Past inspections (``uscc``, ``inspector_id``, ``campaign_id``, ``inspected_on``).

    Checked through `dualrandom.schema` (history): ``campaign_id`` and ``inspector_id`` are
    optional there and here. Raises `InputError` listing every bad row.
    A row may list its officers in ``officers`` (``;``-separated): each becomes a row.
    """
    if history is None:
        return pd.DataFrame(
            {"uscc": [], "inspector_id": [], "campaign_id": [], "inspected_on": []}, dtype=object
        )
    typed = _checked(history, "history", source)
    visits = pd.DataFrame(
        {
            "uscc": typed["uscc"].tolist(),
            "inspector_id": typed["inspector_id"].tolist(),
            "campaign_id": typed["campaign_id"].tolist(),
            "inspected_on": _days(typed["inspected_on"]),
        }
    )
    if "officers" not in typed.columns:
        return visits
    # a visit row from `results feedback` lists its team in `officers` (;): one row per officer
    listed = [officers.split(";") for officers in typed["officers"].astype("string").fillna("").tolist()]
    team = visits.assign(inspector_id=pd.Series(listed, dtype=object)).explode("inspector_id")
    team = team.assign(inspector_id=team["inspector_id"].fillna("").str.strip())
    return pd.concat([visits, team[team["inspector_id"] != ""]], ignore_index=True)
