"""Check and normalise the tables the assigner reads, reporting every bad row at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
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


def _once(source: str, rows: list[int], n_rows: int, rule: str, message: str) -> list[Problem]:
    """One problem per row, or one for the whole table when every row has the same cause."""
    if len(rows) >= WHOLE_COLUMN and len(rows) == n_rows:
        return [Problem(source, None, "departments", "", rule, f"every one of the {n_rows} rows: {message}")]
    return [Problem(source, row, "departments", "", rule, message) for row in rows]


def _days(values: pd.Series) -> list[date | None]:
    """Each timestamp as a `date`, missing values as None (without a Python call per row)."""
    missing = values.isna().to_numpy(dtype=bool)
    if missing.all():
        return [None] * len(values)
    days = np.array(values.dt.date.to_numpy(dtype=object), dtype=object)
    days[missing] = None
    out: list[date | None] = days.tolist()
    return out


def _listed(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(";") if part)


def _combos(*columns: pd.Series) -> tuple[npt.NDArray[np.intp], list[tuple[object, ...]]]:
    """Each row's code among the distinct value combinations of ``columns``, and those combinations."""
    codes = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        code, uniques = pd.factorize(column, use_na_sentinel=False)
        codes = codes * max(len(uniques), 1) + code
    _, first_row, code = np.unique(codes, return_index=True, return_inverse=True)
    values = [column.iloc[first_row].tolist() for column in columns]
    return code.astype(np.intp), list(zip(*values, strict=True))


def _combo_problems(
    task: str, listed: tuple[str, ...], task_departments: Mapping[str, tuple[str, ...]] | None
) -> tuple[tuple[str, ...], list[tuple[str, str, str, str]], bool]:
    """One (task, departments) combination: its departments, its problems, whether it is empty."""
    found: list[tuple[str, str, str, str]] = []
    if task_departments is not None:
        if task not in task_departments:
            message = f"the campaign has no such task; allowed: {sorted(task_departments)}"
            found.append(("task_id", task, "TASK_UNKNOWN", message))
        elif not listed:
            listed = task_departments[task]
        elif listed != task_departments[task]:
            message = f"task {task!r} lists {';'.join(task_departments[task])!r}"
            found.append(("departments", ";".join(listed), "DEPARTMENTS_MISMATCH", message))
    empty = not listed and (task_departments is None or task in task_departments)
    if not empty and len(set(listed)) != len(listed):
        message = "a department may take part only once"
        found.append(("departments", ";".join(listed), "DEPARTMENTS_REPEATED", message))
    return listed, found, empty


def _task_departments(
    typed: pd.DataFrame, source: str, task_departments: Mapping[str, tuple[str, ...]] | None
) -> tuple[list[tuple[str, ...]], list[Problem]]:
    """Each target's departments (from the sample, or the campaign's task), and what is wrong.

    Each distinct (task, departments) combination is judged once.
    """
    code, combos = _combos(typed["task_id"], typed["departments"])
    judged = [_combo_problems(str(task), _listed(str(text)), task_departments) for task, text in combos]
    listed = np.empty(len(judged), dtype=object)
    listed[:] = [j[0] for j in judged]
    problems = [
        Problem(source, int(row) + 2, column, value, rule, message)
        for row in np.flatnonzero(np.array([bool(j[1]) for j in judged], dtype=bool)[code]).tolist()
        for column, value, rule, message in judged[code[row]][1]
    ]
    empty_rows = (np.flatnonzero(np.array([j[2] for j in judged], dtype=bool)[code]) + 2).tolist()
    if empty_rows:
        message = (
            "list the participating departments, ';'-separated, initiating first: in the sample's "
            "'departments' column, or pass assign_teams a campaign whose tasks name them"
        )
        problems += _once(source, empty_rows, len(typed), "DEPARTMENTS_EMPTY", message)
    return listed[code].tolist(), problems


def _duplicates(typed: pd.DataFrame, source: str) -> list[Problem]:
    """A problem for each repeated (uscc, task_id) row with a code, naming the first one."""
    if not typed.duplicated(["uscc", "task_id"]).any():
        return []
    code, _ = _combos(typed["uscc"], typed["task_id"])
    first = np.full(len(code) + 1, len(code), dtype=np.int64)
    np.minimum.at(first, code, np.arange(len(code)))
    uscc = typed["uscc"].to_numpy(dtype=object)
    return [
        Problem(source, row + 2, "uscc", uscc[row], "TARGET_DUPLICATE",
                f"repeats row {int(first[code[row]]) + 2}; each must appear once")
        for row in np.flatnonzero(first[code] != np.arange(len(code))).tolist()
        if uscc[row]
    ]  # fmt: skip


def _parties(typed: pd.DataFrame) -> list[frozenset[str]]:
    """The persons behind each target (legal representative and related parties), as sets."""
    code, combos = _combos(typed["legal_rep"], typed["related_parties"])
    sets = np.empty(len(combos), dtype=object)
    sets[:] = [frozenset(p for p in (rep, *str(others).split(";")) if p) for rep, others in combos]
    out: list[frozenset[str]] = sets[code].tolist()
    return out


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
    problems = [*found, *problems, *_duplicates(typed, source)]
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
            "parties": _parties(typed),
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
    return typed[["inspector_id", "uscc", "party", "reason"]].reset_index(drop=True)


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
