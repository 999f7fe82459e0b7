"""Check and normalise the tables the assigner reads, reporting every bad row at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..errors import InputError, Problem
from ..ids import normalize_ids

__all__ = ["Sources", "normalize_conflicts", "normalize_history", "normalize_inspectors", "normalize_sample"]

_TRUE = {"true", "1", "yes", "y", "t", "是"}
_FALSE = {"false", "0", "no", "n", "f", "否"}


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


def _text(frame: pd.DataFrame, column: str, default: str = "") -> list[str]:
    if column not in frame.columns:
        return [default] * len(frame)
    values = frame[column]
    if values.dtype == object:
        values = values.map(lambda v: v if isinstance(v, str) else "" if v is None or pd.isna(v) else str(v))
    text: list[str] = values.astype("string").fillna("").str.strip().tolist()
    return text


def _require(frame: pd.DataFrame, source: str, columns: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(source, None, c, None, "COLUMN_MISSING", f"the table needs a column {c!r}")
        for c in columns
        if c not in frame.columns
    ]


def _duplicates(keys: list[object], source: str, column: str, shown: list[str], rule: str) -> list[Problem]:
    first: dict[object, int] = {}
    problems = []
    for position, key in enumerate(keys):
        if key in first:
            problems.append(
                Problem(
                    source,
                    position + 2,
                    column,
                    shown[position],
                    rule,
                    f"repeats row {first[key] + 2}; each must appear once",
                )
            )
        else:
            first[key] = position
    return problems


def _bool(value: object, default: bool) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return default
    text = str(value).strip().lower()
    if text == "":
        return default
    return True if text in _TRUE else False if text in _FALSE else None


def normalize_sample(
    sample: pd.DataFrame,
    source: str,
    task_departments: Mapping[str, tuple[str, ...]] | None,
) -> pd.DataFrame:
    """Targets sorted by (uscc, task_id) with ``departments`` as tuples (first one initiates).

    ``task_departments`` (from a campaign) fills or checks the departments of each task.
    """
    problems = _require(sample, source, ("uscc",) if task_departments else ("uscc", "departments"))
    if problems:
        raise InputError(problems, summary=f"{source}: cannot assign teams")
    uscc = normalize_ids(sample["uscc"].astype("string").fillna("")).tolist()
    tasks = _text(sample, "task_id")
    divisions = _text(sample, "division")
    raw_departments = _text(sample, "departments")
    departments: list[tuple[str, ...]] = []
    for position, (code, task, text) in enumerate(zip(uscc, tasks, raw_departments, strict=True)):
        row = position + 2
        if code == "":
            problems.append(Problem(source, row, "uscc", "", "ID_EMPTY", "the entity code is empty"))
        listed = tuple(d.strip() for d in text.split(";") if d.strip())
        if task_departments is not None:
            if task not in task_departments:
                problems.append(
                    Problem(
                        source,
                        row,
                        "task_id",
                        task,
                        "TASK_UNKNOWN",
                        f"the campaign has no such task; allowed: {sorted(task_departments)}",
                    )
                )
            elif not listed:
                listed = task_departments[task]
            elif listed != task_departments[task]:
                problems.append(
                    Problem(
                        source,
                        row,
                        "departments",
                        text,
                        "DEPARTMENTS_MISMATCH",
                        f"task {task!r} lists {';'.join(task_departments[task])!r}",
                    )
                )
        if not listed and (task_departments is None or task in task_departments):
            problems.append(
                Problem(
                    source,
                    row,
                    "departments",
                    text,
                    "DEPARTMENTS_EMPTY",
                    "list the participating departments, ';'-separated, initiating first",
                )
            )
        elif len(set(listed)) != len(listed):
            problems.append(
                Problem(
                    source,
                    row,
                    "departments",
                    text,
                    "DEPARTMENTS_REPEATED",
                    "a department may take part only once",
                )
            )
        departments.append(listed)
    scheduled: list[date | None] = []
    for position, value in enumerate(_text(sample, "scheduled_on")):
        try:
            scheduled.append(date.fromisoformat(value) if value else None)
        except ValueError:
            scheduled.append(None)
            problems.append(
                Problem(
                    source, position + 2, "scheduled_on", value, "DATE_FORMAT", "dates are written YYYY-MM-DD"
                )
            )
    problems += _duplicates(list(zip(uscc, tasks, strict=True)), source, "uscc", uscc, "TARGET_DUPLICATE")
    if any(p.severity == "error" for p in problems):
        raise InputError(problems, summary=f"{source}: cannot assign teams")
    frame = pd.DataFrame(
        {
            "uscc": uscc,
            "task_id": tasks,
            "departments": departments,
            "division": divisions,
            "scheduled_on": scheduled,
            "parties": _parties(sample),
        }
    )
    return frame.sort_values(["uscc", "task_id"], kind="stable", ignore_index=True)


def _parties(sample: pd.DataFrame) -> list[frozenset[str]]:
    """The persons behind each target: its ``legal_rep`` and its ``related_parties`` (';')."""
    reps = _text(sample, "legal_rep")
    related = _text(sample, "related_parties")
    return [
        frozenset(p.strip() for p in (rep, *others.split(";")) if p.strip())
        for rep, others in zip(reps, related, strict=True)
    ]


def _dates(text: str, source: str, row: int, column: str, problems: list[Problem]) -> set[date]:
    """The ';'-separated ISO dates of one cell; a bad date is added to ``problems``."""
    days: set[date] = set()
    for part in text.split(";"):
        if part.strip():
            try:
                days.add(date.fromisoformat(part.strip()))
            except ValueError:
                problems.append(
                    Problem(source, row, column, part.strip(), "DATE_FORMAT", "dates are written YYYY-MM-DD")
                )
    return days


def _certificates(
    roster: pd.DataFrame, source: str, problems: list[Problem]
) -> tuple[list[str | None], list[date | None]]:
    """执法证 numbers (None when the roster has no such column) and their last valid days."""
    numbers: list[str | None] = (
        list(_text(roster, "certificate_no")) if "certificate_no" in roster.columns else [None] * len(roster)
    )
    until: list[date | None] = []
    for position, text in enumerate(_text(roster, "certificate_valid_until")):
        days = _dates(text[:10], source, position + 2, "certificate_valid_until", problems)
        until.append(min(days) if days else None)
    return numbers, until


def normalize_inspectors(roster: pd.DataFrame, source: str) -> pd.DataFrame:
    """The inspector roster sorted by ``inspector_id``, with typed optional columns."""
    problems = _require(roster, source, ("inspector_id", "name", "department"))
    if problems:
        raise InputError(problems, summary=f"{source}: cannot assign teams")
    ids = _text(roster, "inspector_id")
    names = _text(roster, "name")
    departments = _text(roster, "department")
    raw_active = roster["active"].tolist() if "active" in roster.columns else [None] * len(roster)
    raw_expert = roster["expert"].tolist() if "expert" in roster.columns else [None] * len(roster)
    caps_text = _text(roster, "max_targets")
    homes = _text(roster, "home_division")
    active: list[bool] = []
    expert: list[bool] = []
    caps: list[int] = []
    unavailable: list[frozenset[date]] = []
    for position in range(len(roster)):
        row = position + 2
        for column, value in (
            ("inspector_id", ids[position]),
            ("name", names[position]),
            ("department", departments[position]),
        ):
            if value == "":
                problems.append(
                    Problem(source, row, column, "", "VALUE_EMPTY", "this column may not be empty")
                )
        for column, raw, out, default in (
            ("active", raw_active, active, True),
            ("expert", raw_expert, expert, False),
        ):
            flag = _bool(raw[position], default)
            if flag is None:
                problems.append(
                    Problem(source, row, column, str(raw[position]), "BOOL_FORMAT", "write true or false")
                )
            out.append(bool(flag))
        cap = caps_text[position].removesuffix(".0")
        if cap == "":
            caps.append(-1)
        elif cap.isdigit():
            caps.append(int(cap))
        else:
            caps.append(-1)
            problems.append(
                Problem(
                    source,
                    row,
                    "max_targets",
                    caps_text[position],
                    "CAP_FORMAT",
                    "a cap is a whole number >= 0, or empty for none",
                )
            )
        home = homes[position]
        if home and not (len(home) in (6, 9, 12) and home.isdigit()):
            problems.append(
                Problem(
                    source,
                    row,
                    "home_division",
                    home,
                    "DIVISION_FORMAT",
                    "a division code has 6 digits (GB/T 2260), 9 (township) or 12 (village), or is empty",
                )
            )
        away = _text(roster, "unavailable")[position]
        unavailable.append(frozenset(_dates(away, source, row, "unavailable", problems)))
    certificates, valid_until = _certificates(roster, source, problems)
    problems += _duplicates(list(ids), source, "inspector_id", ids, "INSPECTOR_DUPLICATE")
    if any(p.severity == "error" for p in problems):
        raise InputError(problems, summary=f"{source}: cannot assign teams")
    qualifications = [
        frozenset(q.strip() for q in text.split(";") if q.strip()) for text in _text(roster, "qualifications")
    ]
    frame = pd.DataFrame(
        {
            "inspector_id": ids,
            "name": names,
            "department": departments,
            "active": active,
            "expert": expert,
            "max_targets": caps,
            "home_division": homes,
            "qualifications": qualifications,
            "unavailable": unavailable,
            "certificate_no": certificates,
            "certificate_valid_until": valid_until,
        }
    )
    return frame.sort_values("inspector_id", kind="stable", ignore_index=True)


def normalize_conflicts(conflicts: pd.DataFrame | None, source: str) -> pd.DataFrame:
    """Declared conflicts with normalised codes: per entity (``uscc``) or per person (``party``).

    A ``party`` row forbids every target whose ``legal_rep`` or ``related_parties`` names that
    person. Raises `InputError` for a row without officer, reason, or either uscc or party.
    """
    if conflicts is None:
        return pd.DataFrame({"inspector_id": [], "uscc": [], "party": [], "reason": []}, dtype=object)
    needed = ("inspector_id", "reason") + (() if "party" in conflicts.columns else ("uscc",))
    problems = _require(conflicts, source, needed)
    if problems:
        raise InputError(problems, summary=f"{source}: cannot assign teams")
    ids = _text(conflicts, "inspector_id")
    codes = conflicts["uscc"] if "uscc" in conflicts.columns else pd.Series([""] * len(conflicts))
    uscc = normalize_ids(codes.astype("string").fillna("")).tolist()
    parties = _text(conflicts, "party")
    reasons = _text(conflicts, "reason")
    rows = zip(ids, uscc, parties, reasons, strict=True)
    for position, (officer, code, party, reason) in enumerate(rows):
        if officer and reason and (code or party):
            continue
        for column, value in (("inspector_id", officer), ("uscc", code or party), ("reason", reason)):
            if value == "":
                problems.append(
                    Problem(
                        source,
                        position + 2,
                        column,
                        "",
                        "VALUE_EMPTY",
                        "a declared conflict names the officer, the entity (uscc) or person (party), "
                        "and the reason",
                    )
                )
    if problems:
        raise InputError(problems, summary=f"{source}: cannot assign teams")
    return pd.DataFrame({"inspector_id": ids, "uscc": uscc, "party": parties, "reason": reasons})


def normalize_history(history: pd.DataFrame | None, source: str) -> pd.DataFrame:
    """Past inspections (``uscc``, ``inspector_id``, ``campaign_id``, ``inspected_on``).

    A row may list its officers in ``officers`` (``;``-separated): each becomes a row.
    """
    if history is None:
        return pd.DataFrame(
            {"uscc": [], "inspector_id": [], "campaign_id": [], "inspected_on": []}, dtype=object
        )
    problems = _require(history, source, ("uscc", "inspector_id", "campaign_id", "inspected_on"))
    if problems:
        raise InputError(problems, summary=f"{source}: cannot assign teams")
    days: list[date | None] = []
    for position, value in enumerate(history["inspected_on"].tolist()):
        if isinstance(value, date):
            days.append(value if not isinstance(value, pd.Timestamp) else value.date())
            continue
        text = "" if value is None or pd.isna(value) else str(value).strip()[:10]
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            days.append(None)
            problems.append(
                Problem(
                    source, position + 2, "inspected_on", text, "DATE_FORMAT", "dates are written YYYY-MM-DD"
                )
            )
    if problems:
        raise InputError(problems, summary=f"{source}: cannot assign teams")
    visits = pd.DataFrame(
        {
            "uscc": normalize_ids(history["uscc"].astype("string").fillna("")).tolist(),
            "inspector_id": _text(history, "inspector_id"),
            "campaign_id": _text(history, "campaign_id"),
            "inspected_on": days,
        }
    )
    if "officers" not in history.columns:
        return visits
    # a visit row from `results feedback` lists its team in `officers` (;): one row per officer
    listed = [officers.split(";") for officers in _text(history, "officers")]
    team = visits.assign(inspector_id=pd.Series(listed, dtype=object)).explode("inspector_id")
    team = team.assign(inspector_id=team["inspector_id"].fillna("").str.strip())
    return pd.concat([visits, team[team["inspector_id"] != ""]], ignore_index=True)
