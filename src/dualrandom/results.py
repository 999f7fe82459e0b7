"""Inspection results (抽查检查结果): the official vocabulary, import and validation.

Departments enter their own results (谁检查、谁录入、谁公开), several per entity and task. A
results table has the contract columns ``uscc, task_id, department, completed_on, result``;
`import_results` checks every row against the campaign and the drawn sample and reports all
problems at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .errors import InputError, Problem
from .ids import normalize_ids
from .io import read_table
from .models import Campaign
from .schema import check_table

__all__ = [
    "PROBLEM_CODES",
    "RESULT_COLUMNS",
    "VOCABULARY",
    "ResultTerm",
    "columns",
    "import_results",
    "parse_dates",
    "pending_checks",
    "read_strings",
    "result_code",
    "results_payload",
    "suggest",
    "term",
    "vocabulary_table",
]

ResultKind = Literal["clear", "problem", "status"]


@dataclass(frozen=True, slots=True)
class ResultTerm:
    """One term of the official result vocabulary: canonical code, published label, kind.

    ``kind`` is ``clear`` (nothing wrong found), ``problem`` (a violation was found) or
    ``status`` (the entity's legal status made the check moot: closed, deregistered, ...).
    """

    code: str
    label: str
    kind: ResultKind
    aliases: tuple[str, ...] = ()


VOCABULARY: tuple[ResultTerm, ...] = (
    ResultTerm("NO_PROBLEM", "未发现问题", "clear", ("正常（符合信息公示相关规定）",)),
    ResultTerm(
        "NOT_PUBLISHED_AS_REQUIRED",
        "未按规定公示应当公示的信息",
        "problem",
        ("未按规定公示年报信息", "未按规定公示即时信息"),
    ),
    ResultTerm(
        "FALSE_PUBLICATION", "公示信息隐瞒真实情况弄虚作假", "problem", ("公示信息隐瞒真实情况、弄虚作假",)
    ),
    ResultTerm("UNREACHABLE_AT_ADDRESS", "通过登记的住所（经营场所）无法联系", "problem", ("查无下落",)),
    ResultTerm("REFUSED_COOPERATION_SERIOUS", "不配合检查情节严重", "problem", ("不予配合情节严重",)),
    ResultTerm("PROBLEM_CORRECTED_AFTER_ORDER", "发现问题经责令已改正", "problem"),
    ResultTerm("PROBLEM_PENDING_FOLLOW_UP", "发现问题待后续处理", "problem"),
    ResultTerm("NO_RELEVANT_BUSINESS_ACTIVITY", "未发现开展本次抽查涉及的经营活动", "clear"),
    ResultTerm("VIOLATION_FOOD_DRUG", "违反食品药品管理相关规定", "problem"),
    ResultTerm("VIOLATION_QUALITY", "违反质量技术监督相关规定", "problem"),
    ResultTerm("VIOLATION_OTHER_DEPARTMENT", "违反其他部门相关规定", "problem"),
    ResultTerm("VIOLATION_OTHER_AMR", "违反其他工商行政管理规定行为", "problem"),
    ResultTerm("VIOLATION_PUBLIC_SECURITY", "违反公安部门相关规定", "problem"),
    ResultTerm("CLOSED_OR_LIQUIDATING", "已关闭停业或正在组织清算", "status"),
    ResultTerm("DEREGISTERED", "注销", "status", ("已办理营业执照注销",)),
    ResultTerm("REVOKED", "被吊销", "status", ("被吊销营业执照",)),
    ResultTerm("CANCELLED", "被撤销", "status", ("被撤销登记",)),
    ResultTerm("MOVED_OUT", "迁出", "status"),
)
"""The official double-random result vocabulary (domain.md §6) with canonical codes.

Aliases are the older information-publication terms, read as their current equivalents:
未按规定公示年报信息 and 未按规定公示即时信息 (annual-report or instant information not
published) are 未按规定公示应当公示的信息; 查无下落 (whereabouts unknown) is 通过登记的住所
（经营场所）无法联系. Results are stored and published under the current label.
"""

PROBLEM_CODES: frozenset[str] = frozenset(t.code for t in VOCABULARY if t.kind == "problem")
RESULT_COLUMNS: tuple[str, ...] = ("uscc", "task_id", "department", "completed_on", "result")

_BY_CODE = {t.code: t for t in VOCABULARY}
_PUNCTUATION = str.maketrans({"(": "（", ")": "）", " ": "", "\u3000": "", "\t": ""})


def _spelling(text: str) -> str:
    return text.translate(_PUNCTUATION)


_LOOKUP: dict[str, str] = {}
for _term in VOCABULARY:
    for _spelled in (_term.label, *_term.aliases):
        _LOOKUP[_spelling(_spelled)] = _term.code
    _LOOKUP[_term.code] = _term.code


def columns(frame: pd.DataFrame, names: list[str]) -> list[list[Any]]:
    """Columns as Python lists (fast for Arrow-backed strings, which are slow to iterate)."""
    return [frame[name].to_numpy(dtype=object).tolist() for name in names]


def result_code(value: str) -> str | None:
    """The canonical code of a result given as label, known variant or code; None if unknown."""
    text = _spelling(value.strip())
    return _LOOKUP.get(text) or _LOOKUP.get(text.upper())


def term(code: str) -> ResultTerm:
    """The vocabulary term of a canonical code."""
    return _BY_CODE[code]


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse ISO, slash, dotted, compact and 年月日 dates (`dualrandom.schema`); bad dates become NaT."""
    from .schema._columns import parse_dates as parse

    return parse(values).values


def read_strings(source: str | Path | pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """Read a table (any `dualrandom.io.read_table` source) as strings.

    With ``kind`` (a `dualrandom.schema` table kind) the table is first checked through its
    spec (codes as the table holds them: identifiers, or GB 32100 codes with none malformed),
    and Chinese headers become the column names; raises `InputError` listing every problem.
    """
    if kind is None:
        frame = source if isinstance(source, pd.DataFrame) else read_table(source)
    else:
        checked = check_table(source, kind, any_code=None)
        checked.raise_errors()
        frame = checked.raw
    return frame.astype("string").fillna("")


def suggest(value: str) -> str | None:
    """The vocabulary label closest to an unknown result (a typo, extra punctuation), if any."""
    import difflib

    plain = re.sub(r"[\s。．.，,；;：:！!、]+$", "", _spelling(value.strip()))
    code = result_code(plain)
    if code is not None:
        return _BY_CODE[code].label
    close = difflib.get_close_matches(plain, list(_LOOKUP), n=1, cutoff=0.75)
    return _BY_CODE[_LOOKUP[close[0]]].label if close else None


def _read_results(
    source: str | Path | pd.DataFrame, name: str, as_of: date | None
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """The raw strings and the typed table (through `dualrandom.schema`), with the schema's problems."""
    checked = check_table(source, "results", name=name, as_of=as_of)
    if any(p.rule in ("COLUMN_MISSING", "NO_ROWS") for p in checked.errors):
        raise InputError(checked.errors)
    return checked.raw.astype("string").fillna(""), checked.frame, list(checked.errors)


def _flagged(problems: list[Problem], column: str, index: pd.Index) -> pd.Series:
    """The rows whose ``column`` has a problem (every row for a problem of the whole column)."""
    mine = [p for p in problems if p.column == column or (p.column or "").endswith(f"({column})")]
    if any(p.row is None for p in mine):
        return pd.Series(True, index=index)
    rows = {p.row - 2 for p in mine if p.row is not None}
    return pd.Series([i in rows for i in range(len(index))], index=index, dtype=bool)


def import_results(
    source: str | Path | pd.DataFrame,
    campaign: Campaign,
    sample: pd.DataFrame,
    *,
    source_name: str | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Read and validate inspection results against the campaign and its drawn sample.

    Returns one row per result with ``uscc, task_id, department, completed_on`` (datetime),
    ``result`` (the official label), ``result_code``, ``tier`` (from the sample, internal)
    and ``row`` (the spreadsheet row). The table is checked through `dualrandom.schema`
    (results: Chinese headers, codes, completion dates from 2015 to ``as_of``, default today).
    Raises `InputError` listing every bad row: unknown task or department, a department not
    part of the task, an entity that was not drawn for the task, an unknown result (with the
    closest term suggested), 未发现问题 combined with another result, repeated results and
    different completion dates for one department's check.
    """
    name = source_name or (str(source) if not isinstance(source, pd.DataFrame) else "results")
    raw, typed, problems = _read_results(source, name, as_of)
    rows = pd.Series(range(2, len(raw) + 2), index=raw.index)

    def report(mask: pd.Series, column: str, values: pd.Series, rule: str, message: str) -> None:
        for index in mask[mask].index:
            problems.append(Problem(name, int(rows[index]), column, str(values[index]), rule, message))

    filled = {c: raw[c].str.strip() != "" for c in RESULT_COLUMNS}
    uscc = typed["uscc"]
    bad_id = _flagged(problems, "uscc", raw.index) & filled["uscc"]
    task_id = raw["task_id"].str.strip()
    tasks = {t.id: t for t in campaign.tasks}
    unknown_task = filled["task_id"] & ~task_id.isin(list(tasks))
    report(
        unknown_task,
        "task_id",
        raw["task_id"],
        "TASK_UNKNOWN",
        f"no such task in campaign {campaign.plan.id!r}; allowed: {sorted(tasks)}",
    )

    department = raw["department"].str.strip()
    known_departments = [d.id for d in campaign.departments]
    unknown_department = filled["department"] & ~department.isin(known_departments)
    report(
        unknown_department,
        "department",
        raw["department"],
        "DEPARTMENT_UNKNOWN",
        f"no such department; allowed: {known_departments}",
    )
    pairs = {(t.id, d) for t in campaign.tasks for d in t.departments}
    in_task = pd.Series(
        [p in pairs for p in zip(*columns(raw.assign(t=task_id, d=department), ["t", "d"]), strict=True)],
        index=raw.index,
        dtype=bool,
    )
    outside = filled["department"] & filled["task_id"] & ~unknown_department & ~unknown_task & ~in_task
    for index in outside[outside].index:
        allowed = list(tasks[str(task_id[index])].departments)
        problems.append(
            Problem(
                name,
                int(rows[index]),
                "department",
                str(raw["department"][index]),
                "DEPARTMENT_NOT_IN_TASK",
                f"the task's departments are {allowed}",
            )
        )

    completed = typed["completed_on"]

    spelled = {value: result_code(str(value)) for value in raw["result"].unique()}
    codes = pd.Series(raw["result"].map(spelled).to_numpy(dtype=object), index=raw.index, dtype=object)
    unknown = filled["result"] & codes.isna()
    for index in unknown[unknown].index:
        value = str(raw["result"][index])
        close = suggest(value)
        hint = f"; did you mean {close!r}?" if close else ""
        message = f"not a term of the official result vocabulary (see docs/publication.md){hint}"
        problems.append(Problem(name, int(rows[index]), "result", value, "RESULT_UNKNOWN", message))

    drawn_sample = sample.assign(uscc=normalize_ids(sample["uscc"]), task_id=sample["task_id"].astype(str))
    drawn = pd.MultiIndex.from_frame(drawn_sample[["uscc", "task_id"]])
    key = pd.MultiIndex.from_arrays([uscc, task_id])
    not_drawn = bad_id.eq(False) & filled["uscc"] & ~unknown_task & ~key.isin(drawn)
    report(
        pd.Series(not_drawn, index=raw.index),
        "uscc",
        raw["uscc"],
        "RESULT_NOT_DRAWN",
        "this entity was not drawn for this task; only drawn entities have results",
    )

    clean = pd.DataFrame(
        {
            "uscc": uscc,
            "task_id": task_id,
            "department": department,
            "completed_on": completed,
            "result_code": codes,
            "row": rows,
        }
    )
    usable = clean.dropna(subset=["result_code"])
    check_key = ["uscc", "task_id", "department"]
    repeated = usable[usable.duplicated([*check_key, "result_code"], keep=False)]
    for _, group in repeated.groupby([*check_key, "result_code"], sort=False):
        first = int(group["row"].iloc[0])
        for index in group.index[1:]:
            problems.append(
                Problem(
                    name,
                    int(rows[index]),
                    "result",
                    str(raw["result"][index]),
                    "RESULT_DUPLICATE",
                    f"repeats row {first}",
                )
            )
    clear = usable["result_code"] == "NO_PROBLEM"
    terms = usable.groupby(check_key, sort=False)["result_code"].transform("nunique")
    exclusive = clear & (terms > 1)
    for index in exclusive[exclusive].index:
        problems.append(
            Problem(
                name,
                int(rows[index]),
                "result",
                str(raw["result"][index]),
                "RESULT_EXCLUSIVE",
                "未发现问题 cannot be combined with another result for the same entity, task and department",
            )
        )
    dated = clean.dropna(subset=["completed_on"])
    dates = dated.groupby(check_key, sort=False)["completed_on"].transform("nunique")
    for index in dates[dates > 1].index:
        problems.append(
            Problem(
                name,
                int(rows[index]),
                "completed_on",
                str(raw["completed_on"][index]),
                "DATE_MISMATCH",
                "one department's check has one completion date; "
                "rows of the same entity, task and department differ",
            )
        )

    if any(p.severity == "error" for p in problems):
        raise InputError(
            sorted(problems, key=lambda p: (p.row or 0, p.column or "")),
            summary=f"{name}: {len(problems)} problem(s) found",
        )
    tiers = drawn_sample.drop_duplicates(["uscc", "task_id"]).set_index(["uscc", "task_id"])
    tier = tiers["tier"].reindex(key).to_numpy() if "tier" in tiers.columns else None
    labels = [_BY_CODE[str(c)].label for c in codes]
    result = clean.assign(result=labels, tier=tier)
    return result[["uscc", "task_id", "department", "completed_on", "result", "result_code", "tier", "row"]]


def results_payload(results: pd.DataFrame, campaign: Campaign, *, source: str = "") -> dict[str, Any]:
    """The ledger payload of an import: digest, counts and the compact rows (tier included).

    The ledger is internal, so the rows keep each entity's tier for the annual report.
    """
    joint = {t.id: len(t.departments) > 1 for t in campaign.tasks}
    ordered = results.sort_values(["uscc", "task_id", "department", "result_code"], kind="stable")
    rows = [
        [
            str(u),
            str(t),
            str(d),
            str(c),
            str(code),
            "" if pd.isna(tier) else str(tier),
            bool(joint.get(str(t), False)),
        ]
        for u, t, d, c, code, tier in zip(
            *columns(
                ordered.assign(completed_on=ordered["completed_on"].dt.strftime("%Y-%m-%d")),
                ["uscc", "task_id", "department", "completed_on", "result_code", "tier"],
            ),
            strict=True,
        )
    ]
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
    return {
        "source": source,
        "digest": digest,
        "count": len(rows),
        "columns": ["uscc", "task_id", "department", "completed_on", "result_code", "tier", "joint"],
        "rows": rows,
    }


def vocabulary_table() -> list[Mapping[str, str]]:
    """The vocabulary as rows (code, label, kind), for documentation and the site's filters."""
    return [{"code": t.code, "label": t.label, "kind": t.kind} for t in VOCABULARY]


def pending_checks(campaign: Campaign, sample: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """The drawn checks (entity, task, department) that have no result yet, with the task's due date.

    ``sample`` is the drawn sample (``uscc``, ``task_id``), ``results`` the output of
    `import_results`. ``completion_due`` is the task's ``completion_due`` (empty when the
    campaign sets none). Sorted by due date, task, entity and department.
    """
    tasks = {t.id: t for t in campaign.tasks}
    drawn = sample.assign(uscc=normalize_ids(sample["uscc"].astype("string").fillna("")),
                          task_id=sample["task_id"].astype("string").str.strip())  # fmt: skip
    checks = [
        (str(u), str(t), d)
        for u, t in zip(drawn["uscc"], drawn["task_id"], strict=True)
        if str(t) in tasks
        for d in tasks[str(t)].departments
    ]
    done = (
        set(zip(*columns(results, ["uscc", "task_id", "department"]), strict=True)) if len(results) else set()
    )
    open_checks = sorted({c for c in checks if c not in done})
    due = [tasks[t].completion_due for _, t, _ in open_checks]
    frame = pd.DataFrame(open_checks, columns=["uscc", "task_id", "department"]).assign(
        completion_due=[d.isoformat() if d is not None else "" for d in due]
    )
    return frame.sort_values(
        ["completion_due", "task_id", "uscc", "department"], kind="stable", ignore_index=True
    )
