"""Validate rosters column-wise and return them typed: entities, inspectors, conflicts, history.

`check_roster` reads a source and lists every problem (errors and lenient-mode warnings)
without raising for bad rows; `read_roster` raises `InputError` with all of them when any is
an error. Row numbers are those a person sees in the file: header = row 1, first data row = 2.
The column rules mirror the pydantic row models in `dualrandom.models` (docs/rosters.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, Problem, Severity
from ..ids import validate_ids
from . import columns as col
from .tables import TableSource, describe_source, read_table

__all__ = [
    "HEADER_ALIASES",
    "ROSTER_COLUMNS",
    "RosterKind",
    "RosterReport",
    "check_roster",
    "read_roster",
    "validate_roster",
]

RosterKind = Literal["entities", "inspectors", "conflicts", "history"]
ColumnKind = Literal[
    "score",
    "id",
    "text",
    "identifier",
    "enum",
    "division",
    "industry",
    "date",
    "bool",
    "int",
    "dates",
    "tags",
]

ENTITY_TYPE_ALIASES = {
    "企业": "enterprise",
    "个体工商户": "individual",
    "个体": "individual",
    "农民专业合作社": "cooperative",
    "合作社": "cooperative",
}
HISTORY_KIND_ALIASES = {"双随机": "random", "随机": "random", "触发": "triggered", "投诉举报": "triggered"}

_CODE_HEADERS = ("统一社会信用代码/注册号", "统一社会信用代码", "注册号", "信用代码")
_OFFICER_HEADERS = ("执法人员编号", "人员编号", "执法人员ID")
HEADER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "entities": {
        "uscc": _CODE_HEADERS,
        "name": ("主体名称", "企业名称", "名称"),
        "entity_type": ("市场主体类型", "主体类型", "类型"),
        "division": ("行政区划代码", "行政区划", "所属区划"),
        "industry": ("行业代码", "国民经济行业代码", "行业"),
        "registered_on": ("成立日期", "登记日期"),
        "address": ("住所", "经营场所", "地址"),
        "legal_rep": ("法定代表人", "经营者", "负责人"),
    },
    "inspectors": {
        "inspector_id": _OFFICER_HEADERS,
        "name": ("姓名",),
        "department": ("所属部门", "部门"),
        "certificate_no": ("执法证号", "执法证件号"),
        "qualifications": ("执法资质", "业务专长"),
        "home_division": ("属地", "负责区划"),
        "active": ("是否在岗", "在岗"),
        "max_targets": ("最大检查户数",),
        "unavailable": ("不可用日期",),
        "expert": ("是否专家", "专家"),
    },
    "conflicts": {"inspector_id": _OFFICER_HEADERS, "uscc": _CODE_HEADERS, "reason": ("回避理由", "理由")},
    "history": {
        "uscc": _CODE_HEADERS,
        "inspected_on": ("检查日期", "检查完成日期"),
        "campaign_id": ("抽查计划编号", "计划编号"),
        "department": ("检查部门", "检查实施机关"),
        "kind": ("检查类型",),
        "inspector_id": _OFFICER_HEADERS,
    },
}
"""Chinese headers of bureau exports, accepted for each column when the column itself is absent."""


@dataclass(frozen=True)
class Column:
    """One roster column: its type, whether the column and a value are required, and a default."""

    name: str
    kind: ColumnKind
    required: bool = True
    default: str | bool | None = None
    unique: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    fill: bool = True  # an absent optional column is added with the default; else left out


def _optional(
    name: str,
    kind: ColumnKind,
    default: str | bool | None = "",
    *,
    choices: tuple[str, ...] = (),
    aliases: dict[str, str] | None = None,
) -> Column:
    return Column(name, kind, False, default, choices=choices, aliases=tuple((aliases or {}).items()))


ROSTER_COLUMNS: dict[str, tuple[Column, ...]] = {
    "entities": (
        Column("uscc", "id", unique=True),
        Column("name", "text"),
        Column(
            "entity_type",
            "enum",
            choices=("enterprise", "individual", "cooperative"),
            aliases=tuple(ENTITY_TYPE_ALIASES.items()),
        ),
        Column("division", "division"),
        Column("industry", "industry"),
        Column("registered_on", "date"),
        _optional("address", "text"),
        _optional("legal_rep", "text"),
        # Written by classification; internal only, typed when present, never added.
        Column("tier", "text", required=False, default="", fill=False),
        Column("score", "score", required=False, fill=False),
    ),
    "inspectors": (
        Column("inspector_id", "identifier", unique=True),
        Column("name", "text"),
        Column("department", "identifier"),
        _optional("certificate_no", "text"),
        _optional("qualifications", "tags"),
        _optional("home_division", "division"),
        _optional("active", "bool", True),
        _optional("max_targets", "int", None),
        _optional("unavailable", "dates"),
        _optional("expert", "bool", False),
    ),
    "conflicts": (
        Column("inspector_id", "identifier"),
        Column("uscc", "id"),
        Column("reason", "text"),
    ),
    "history": (
        Column("uscc", "id"),
        Column("inspected_on", "date"),
        _optional("campaign_id", "text"),
        _optional("department", "text"),
        _optional(
            "kind",
            "enum",
            "random",
            choices=("random", "triggered"),
            aliases=HISTORY_KIND_ALIASES,
        ),
        _optional("inspector_id", "text"),
    ),
}
"""The columns of each roster kind, in output order (extra columns are kept after them)."""

_PATTERNS: dict[str, tuple[str, str, str]] = {
    "division": (r"[0-9]{6}", "DIVISION", "expected a 6-digit GB/T 2260 division code such as 420606"),
    "industry": (
        r"[A-T][0-9]{2,4}",
        "INDUSTRY",
        "expected a GB/T 4754 code: section letter A-T and 2-4 digits",
    ),
    "identifier": (r"[^\s;,]{1,64}", "IDENTIFIER", "expected 1-64 characters without spaces, ';' or ','"),
}


@dataclass(frozen=True)
class RosterReport:
    """The typed roster and every problem found (``frame`` is unusable when ``errors`` is non-empty)."""

    frame: pd.DataFrame
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


def _problems(
    source: str,
    column: str,
    raw: pd.Series,
    bad: np.ndarray,
    rule: str,
    message: str,
    severity: Severity = "error",
) -> list[Problem]:
    rows = np.flatnonzero(bad)
    shown = col.as_text(raw.iloc[rows]).tolist() if len(rows) else []
    return [
        Problem(source, int(r) + 2, column, v, rule, message, severity)
        for r, v in zip(rows.tolist(), shown, strict=True)
    ]


def _duplicates(source: str, column: str, keys: pd.Series) -> list[Problem]:
    """One problem per repeated key, at the later row, naming the row it repeats."""
    present = keys != ""
    arrow = pa.array(keys.to_numpy(dtype=object), pa.string()) if keys.dtype == object else pa.array(keys)
    if pc.count_distinct(arrow).as_py() == len(keys):  # fast path: no repeats at all
        return []
    repeated = (keys.duplicated(keep="first") & present).to_numpy(dtype=bool)
    if not repeated.any():
        return []
    first = pd.Series(np.arange(len(keys)), index=keys.index).groupby(keys.to_numpy()).transform("min")
    rows = np.flatnonzero(repeated)
    return [
        Problem(
            source,
            int(r) + 2,
            column,
            str(keys.iloc[r]),
            "DUPLICATE",
            f"duplicates row {int(first.iloc[r]) + 2}",
        )
        for r in rows
    ]


def _id_column(spec: Column, raw: pd.Series, source: str, lenient: bool) -> tuple[pd.Series, list[Problem]]:
    """Entity codes: normalised and checked by `dualrandom.ids.validate_ids` (one rule per code)."""
    native = pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object
    text = raw if native else col.as_text(raw)  # validate_ids trims and normalises itself
    check = validate_ids(text, lenient=lenient)
    problems = []
    for position in np.flatnonzero(check.rule.cat.codes.to_numpy() >= 0).tolist():
        shown = "" if pd.isna(text.iloc[position]) else str(text.iloc[position]).strip()
        severity: Severity = "warning" if bool(check.is_warning.iloc[position]) else "error"
        rule = str(check.rule.iloc[position])
        problems.append(
            Problem(source, position + 2, spec.name, shown, rule, check.message(position), severity)
        )
    return check.normalized.astype("str"), problems


def _parse(spec: Column, raw: pd.Series) -> col.Parsed:
    """Parse one column of any kind but ``id``."""
    match spec.kind:
        case "date":
            return col.parse_dates(raw)
        case "bool":
            return col.parse_bool(raw, bool(spec.default))
        case "int":
            return col.parse_int(raw)
        case "score":
            return col.parse_score(raw)
        case "tags":
            return col.parse_tags(raw)
        case "dates":
            return col.parse_date_list(raw)
        case "enum":
            parsed = col.parse_enum(col.as_text(raw), spec.choices, dict(spec.aliases))
            if isinstance(spec.default, str) and spec.default:
                return col.Parsed(
                    parsed.values.mask(parsed.values == "", spec.default),
                    parsed.bad,
                    parsed.rule,
                    parsed.message,
                )
            return parsed
        case "division" | "industry" | "identifier":
            pattern, rule, message = _PATTERNS[spec.kind]
            upper = spec.kind == "industry"
            return col.parse_pattern(col.as_text(raw), pattern, rule=rule, message=message, upper=upper)
        case _:
            text = col.as_text(raw)
            return col.Parsed(text, np.zeros(len(text), dtype=bool))


def _column(spec: Column, raw: pd.Series, source: str, lenient: bool) -> tuple[pd.Series, list[Problem]]:
    """Parse one present column; return typed values and all its problems."""
    if spec.kind == "id":
        values, problems = _id_column(spec, raw, source, lenient)  # empty codes are ID_EMPTY there
    else:
        parsed = _parse(spec, raw)
        values = parsed.values
        problems = _problems(source, spec.name, raw, parsed.bad, parsed.rule, parsed.message)
        if spec.required:
            text_like = pd.api.types.is_string_dtype(values.dtype)
            empty = (values == "") if text_like else values.isna()
            missing = empty.to_numpy(dtype=bool) & ~parsed.bad
            problems += _problems(source, spec.name, raw, missing, "REQUIRED", "a value is required")
    if spec.unique:
        problems += _duplicates(source, spec.name, values)
    return values, problems


def _absent(spec: Column, n: int) -> pd.Series:
    """The values of an optional column the source does not have."""
    if spec.kind == "bool":
        return pd.Series(np.full(n, bool(spec.default)), dtype=bool)
    if spec.kind == "int":
        return pd.Series(pd.array([None] * n, dtype="Int64"))
    if spec.kind == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype=col.DATE_DTYPE))
    return pd.Series([spec.default or ""] * n, dtype="str")


def validate_roster(
    frame: pd.DataFrame, kind: RosterKind, *, source: str = "<DataFrame>", lenient: bool = False
) -> RosterReport:
    """Validate and type a raw roster table (see `read_table`); lists every problem at once."""
    if kind not in ROSTER_COLUMNS:
        raise ValueError(f"unknown roster kind {kind!r}; allowed: {', '.join(ROSTER_COLUMNS)}")
    specs = ROSTER_COLUMNS[kind]
    frame, headers = _canonical_headers(frame.reset_index(drop=True), kind)
    present = set(frame.columns)
    missing = [s.name for s in specs if s.required and s.name not in present]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "(none)"
        absent = [
            Problem(
                source, 1, name, None, "COLUMN_MISSING", f"the {kind} roster needs this column; found: {have}"
            )
            for name in missing
        ]
        return RosterReport(frame, tuple(absent))
    problems: list[Problem] = []
    typed: dict[str, pd.Series] = {}
    for spec in specs:
        if spec.name in present:
            values, found = _column(spec, frame[spec.name], source, lenient)
            problems += found
        elif spec.fill:
            values = _absent(spec, len(frame))
        else:
            continue
        typed[spec.name] = values.reset_index(drop=True)
    out = pd.DataFrame(typed)
    for extra in frame.columns:
        if extra not in typed:
            out[extra] = frame[extra]
    order = {name: i for i, name in enumerate(frame.columns)}
    problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
    if headers:  # name the column as the file does
        problems = [replace(p, column=headers.get(p.column or "", p.column)) for p in problems]
    return RosterReport(out, tuple(problems))


def _canonical_headers(frame: pd.DataFrame, kind: RosterKind) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename Chinese headers (`HEADER_ALIASES`) to column names; returns the renaming used."""
    present = {str(c).strip(): c for c in frame.columns}
    renames: dict[str, str] = {}
    for name, aliases in HEADER_ALIASES[kind].items():
        if name in present:
            continue
        found = next((present[a] for a in aliases if a in present and present[a] not in renames), None)
        if found is not None:
            renames[found] = name
    if not renames:
        return frame, {}
    return frame.rename(columns=renames), {name: f"{header} ({name})" for header, name in renames.items()}


def check_roster(
    source: TableSource,
    kind: RosterKind,
    *,
    lenient: bool = False,
    sheet: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
) -> RosterReport:
    """Read and validate a roster; bad rows are listed in the report, never raised."""
    frame = read_table(source, sheet=sheet, table=table, query=query)
    return validate_roster(
        frame, kind, source=describe_source(source, table=table, query=query), lenient=lenient
    )


def read_roster(
    source: TableSource,
    kind: RosterKind,
    *,
    lenient: bool = False,
    sheet: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """Read, validate and type a roster; raises `InputError` listing every problem if any is an error.

    Lenient-mode warnings (a USCC whose only fault is its check character) do not fail;
    use `check_roster` to see them.
    """
    report = check_roster(source, kind, lenient=lenient, sheet=sheet, table=table, query=query)
    if report.errors:
        name = describe_source(source, table=table, query=query)
        raise InputError(
            report.problems, summary=f"{name}: {len(report.errors)} problem(s) in the {kind} roster"
        )
    return report.frame
