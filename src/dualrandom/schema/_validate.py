"""Validate a raw table against its spec, column-wise and vectorised, listing every problem once.

Row numbers are those a person sees in the file: header = row 1, first data row = row 2. When
every row of a column breaks the same rule, that cause is reported once (row ``None``), not
once per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, Problem, Severity
from ..ids import validate_ids
from ..kernel.order import text_order
from . import _columns as col
from ._spec import Column, TableSpec
from ._tables import table_spec

__all__ = ["Checked", "CodeSystem", "canonical_headers", "validate"]

CodeSystem = Literal["checked", "any"]
"""The codes of a table's entity-code column: all GB 32100 codes (``checked``: USCCs, a bad check
character allowed, 15-digit registration numbers and unit ids), or arbitrary identifiers (``any``)."""

_PATTERNS: dict[str, tuple[str, str, str]] = {
    "division": (r"[0-9]{6}", "DIVISION", "expected a 6-digit GB/T 2260 division code such as 420606"),
    "local_division": (
        r"[0-9]{6}([0-9]{3}([0-9]{3})?)?",
        "DIVISION",
        "expected a division code of 6 digits (GB/T 2260), 9 (township) or 12 (village)",
    ),
    "industry": (
        r"[A-T][0-9]{2,4}",
        "INDUSTRY",
        "expected a GB/T 4754 code: section letter A-T and 2-4 digits",
    ),
    "identifier": (r"[^\s;,]{1,64}", "IDENTIFIER", "expected 1-64 characters without spaces, ';' or ','"),
}


@dataclass(frozen=True)
class Checked:
    """The typed table and every problem found (``frame`` is unusable when ``errors`` is non-empty).

    ``raw`` is the table as read, its Chinese headers renamed to the column names and its values
    untouched (row i of ``raw`` is row i of ``frame``, spreadsheet row i + 2). ``codes`` is the
    `CodeSystem` of the entity codes as the file gives them (None without a code column),
    decided once, while they are validated.
    """

    frame: pd.DataFrame
    problems: tuple[Problem, ...]
    kind: str = ""
    source: str = "<DataFrame>"
    raw: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    labels: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    codes: CodeSystem | None = None

    def label(self, column: str) -> str:
        """How problems name ``column``: as the file does when it used a Chinese header."""
        return self.labels.get(column, column)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that make the table unusable."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems that do not (lenient mode)."""
        return tuple(p for p in self.problems if p.severity == "warning")

    def raise_errors(self, summary: str | None = None) -> pd.DataFrame:
        """The typed frame; raises `InputError` listing every problem when any is an error."""
        if self.errors:
            head = summary or f"{self.source}: {len(self.errors)} problem(s) in the {self.kind} table"
            raise InputError(self.problems, summary=head)
        return self.frame


def _problems(
    source: str, column: str, raw: pd.Series, bad: np.ndarray, rule: str, message: str,
    severity: Severity = "error",
) -> list[Problem]:  # fmt: skip
    rows = np.flatnonzero(bad)
    shown = col.as_text(raw.iloc[rows]).tolist() if len(rows) else []
    return [
        Problem(source, int(r) + 2, column, v, rule, message, severity)
        for r, v in zip(rows.tolist(), shown, strict=True)
    ]


WHOLE_COLUMN = 10
"""From this many rows on, a rule that every row of a column breaks is reported once."""


def _collapse(problems: list[Problem], n_rows: int) -> list[Problem]:
    """One problem per cause: a rule every row of a column breaks is reported once (row None)."""
    if n_rows < WHOLE_COLUMN or len(problems) < n_rows:
        return problems
    out: list[Problem] = []
    groups: dict[tuple[str | None, str, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.column, p.rule, p.severity), []).append(p)
    for found in groups.values():
        if len(found) == n_rows and all(p.row is not None for p in found):
            every = f"every one of the {n_rows:,} rows breaks this rule (row 2 shown): {found[0].message}"
            out.append(replace(found[0], row=None, message=every))
        else:
            out += found
    return out


def _duplicates(source: str, column: str, keys: pd.Series) -> list[Problem]:
    """One problem per repeated key, at the later row, naming the row it repeats."""
    arrow = pa.array(keys.to_numpy(dtype=object), pa.string()) if keys.dtype == object else pa.array(keys)
    if text_order(arrow).unique:  # fast path: no repeats; the roster digest reuses this sort
        return []
    repeated = (keys.duplicated(keep="first") & (keys != "")).to_numpy(dtype=bool)
    first = pd.Series(np.arange(len(keys)), index=keys.index).groupby(keys.to_numpy()).transform("min")
    return [
        Problem(
            source,
            int(r) + 2,
            column,
            str(keys.iloc[r]),
            "DUPLICATE",
            f"duplicates row {int(first.iloc[r]) + 2}",
        )
        for r in np.flatnonzero(repeated)
    ]


IdMode = Literal["strict", "lenient", "any", "auto"]
"""How entity codes are checked: GB 32100 in full; with a bad check character as a warning; only
for presence, uniqueness and Excel damage (steps that hash any identifier, such as the draw); or
``auto``: leniently when any code of the column is a GB 32100 code, else as identifiers (a table
of GB 32100 codes with one malformed code is an error, never a row silently matched to nothing)."""


def _id_column(
    spec: Column, raw: pd.Series, source: str, ids: IdMode
) -> tuple[pd.Series, list[Problem], CodeSystem]:
    """Entity codes: Excel damage first, then `dualrandom.ids.validate_ids` (one rule per code).

    Also returns the column's `CodeSystem`.
    """
    native = pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object
    shown = col.as_text(raw)
    check = validate_ids(raw if native else shown, lenient=ids != "strict")
    failing = check.rule.cat.codes.to_numpy() >= 0
    usable = check.rule.isna() | (check.rule == "ID_CHECK")  # as lenient mode accepts them
    system: CodeSystem = "checked" if bool(usable.all()) else "any"
    if ids == "auto":
        ids = "lenient" if bool((check.ok & (shown != "")).any()) else "any"
    if ids == "any":
        failing &= (check.rule == "ID_EMPTY").to_numpy(dtype=bool)
    damaged = col.excel_damage(shown)
    excel = damaged.bad.copy()
    suspects = np.flatnonzero(failing)  # only failing codes can be Excel-rounded ones
    excel[suspects] |= shown.iloc[suspects].str.fullmatch(r"[0-9]{13,}000").to_numpy(dtype=bool)
    skip = excel | ((shown == "").to_numpy(dtype=bool) & (not spec.required))
    problems = _problems(source, spec.name, raw, excel, damaged.rule, damaged.message)
    warning = check.is_warning.to_numpy(dtype=bool)
    reported = np.flatnonzero(failing & ~skip)
    for position, value in zip(reported.tolist(), shown.iloc[reported].tolist(), strict=True):
        severity: Severity = "warning" if warning[position] else "error"
        rule = str(check.rule.iloc[position])
        problems.append(
            Problem(source, position + 2, spec.name, value, rule, check.message(position), severity)
        )
    values = check.normalized.astype("str")
    if excel.any():
        values = values.mask(pd.Series(excel, index=values.index), "")
    return values, problems, system


def _parse(spec: Column, raw: pd.Series) -> col.Parsed:
    """Parse one column of any kind but ``id``."""
    match spec.kind:
        case "date":
            return col.parse_dates(raw)
        case "bool":
            return col.parse_bool(raw, bool(spec.default))
        case "int":
            return col.parse_int(raw)
        case "number":
            return col.parse_number(raw, float(spec.default or 0.0))
        case "score":
            return col.parse_score(raw)
        case "tags":
            return col.parse_tags(raw)
        case "dates":
            return col.parse_date_list(raw)
        case "list":
            return col.parse_list(raw)
        case "enum":
            parsed = col.parse_enum(col.as_text(raw), spec.choices, dict(spec.aliases))
            if isinstance(spec.default, str) and spec.default:
                filled = parsed.values.mask(parsed.values == "", spec.default)
                return col.Parsed(filled, parsed.bad, parsed.rule, parsed.message)
            return parsed
        case "division" | "local_division" | "industry" | "identifier":
            pattern, rule, message = _PATTERNS[spec.kind]
            upper = spec.kind == "industry"
            return col.parse_pattern(col.as_text(raw), pattern, rule=rule, message=message, upper=upper)
        case _:
            text = col.as_text(raw)
            return col.Parsed(text, np.zeros(len(text), dtype=bool))


def _date_range(spec: Column, values: pd.Series, as_of: date | None) -> col.Parsed:
    """Dates before ``spec.earliest`` or (with ``until_as_of``) after the as-of date."""
    bad = np.zeros(len(values), dtype=bool)
    bounds = []
    if spec.earliest is not None:
        bad |= (values < pd.Timestamp(spec.earliest)).to_numpy(dtype=bool)
        bounds.append(f"not before {spec.earliest.isoformat()}")
    if spec.until_as_of:
        last = as_of or date.today()
        bad |= (values > pd.Timestamp(last)).to_numpy(dtype=bool)
        bounds.append(f"not after {last.isoformat()} (the as-of date)")
    return col.Parsed(values, bad, "DATE_RANGE", "the date must be " + " and ".join(bounds))


def _column(
    spec: Column, raw: pd.Series, source: str, ids: IdMode, as_of: date | None
) -> tuple[pd.Series, list[Problem], CodeSystem | None]:
    """Parse one present column; return typed values, all its problems and (codes) its `CodeSystem`."""
    system: CodeSystem | None = None
    if spec.kind == "id":
        values, problems, system = _id_column(spec, raw, source, ids)
    else:
        parsed = _parse(spec, raw)
        values = parsed.values
        bad = parsed.bad
        if spec.kind == "identifier":
            damaged = col.excel_damage(col.as_text(raw), digits=True)
            problems = _problems(source, spec.name, raw, damaged.bad, damaged.rule, damaged.message)
            bad = bad & ~damaged.bad
        else:
            problems = []
        problems += _problems(source, spec.name, raw, bad, parsed.rule, parsed.message)
        if spec.kind == "date" and (spec.earliest is not None or spec.until_as_of):
            ranged = _date_range(spec, values, as_of)
            problems += _problems(source, spec.name, raw, ranged.bad, ranged.rule, ranged.message)
        if spec.required:
            text_like = pd.api.types.is_string_dtype(values.dtype)
            empty = (values == "") if text_like else values.isna()
            missing = empty.to_numpy(dtype=bool) & ~bad
            problems += _problems(source, spec.name, raw, missing, "REQUIRED", "a value is required")
    if spec.unique:
        problems += _duplicates(source, spec.name, values)
    return values, _collapse(problems, len(raw)), system


def _absent(spec: Column, n: int) -> pd.Series:
    """The values of an optional column the source does not have."""
    if spec.kind == "bool":
        return pd.Series(np.full(n, bool(spec.default)), dtype=bool)
    if spec.kind == "int":
        return pd.Series(pd.array([None] * n, dtype="Int64"))
    if spec.kind in ("number", "score"):
        return pd.Series(np.full(n, np.nan if spec.default is None else float(spec.default)), dtype="float64")
    if spec.kind == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype=col.DATE_DTYPE))
    return pd.Series([str(spec.default or "")], dtype="str").repeat(n).reset_index(drop=True)


def canonical_headers(frame: pd.DataFrame, spec: TableSpec) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename Chinese headers to column names; returns the frame and each name's label in problems."""
    present = {str(c).strip(): c for c in frame.columns}
    renames: dict[str, str] = {}
    for column in spec.columns:
        if column.name in present:
            continue
        found = next((present[h] for h in column.headers if h in present and present[h] not in renames), None)
        if found is not None:
            renames[found] = column.name
    if not renames:
        return frame, {}
    return frame.rename(columns=renames), {name: f"{header} ({name})" for header, name in renames.items()}


def _structure(frame: pd.DataFrame, spec: TableSpec, source: str, needed: Sequence[str]) -> list[Problem]:
    """Problems of the table as a whole: no rows, required columns or column groups absent."""
    have = ", ".join(map(str, frame.columns)) or "(none)"
    problems = [
        Problem(
            source, 1, name, None, "COLUMN_MISSING", f"the {spec.name} table needs this column; found: {have}"
        )
        for name in needed
        if name not in frame.columns
    ]
    for group in spec.one_of:
        if not any(name in frame.columns for name in group):
            message = f"the {spec.name} table needs one of these columns: {', '.join(group)}; found: {have}"
            problems.append(Problem(source, 1, group[0], None, "COLUMN_MISSING", message))
    if len(frame) == 0 and not spec.may_be_empty:
        message = f"the {spec.title} has a header but no rows; export it again with its rows"
        problems.append(Problem(source, None, None, None, "NO_ROWS", message))
    return problems


def _joint_rules(out: pd.DataFrame, spec: TableSpec, source: str, raw: pd.DataFrame) -> list[Problem]:
    """Rules across columns: each row fills one of a group; one date not before another."""
    problems: list[Problem] = []
    for group in spec.one_of:
        empty = np.ones(len(out), dtype=bool)
        for name in group:
            if name in out.columns:
                empty &= (out[name].astype("str") == "").to_numpy(dtype=bool)
        message = f"each row names one of: {', '.join(group)}"
        shown = next(name for name in group if name in out.columns)
        problems += _problems(source, shown, out[shown], empty, "REQUIRED", message)
    for later, earlier in spec.not_before:
        if later in raw.columns and earlier in raw.columns:
            before = (out[later] < out[earlier]).to_numpy(dtype=bool)
            problems += _problems(
                source, later, raw[later], before, "DATE_ORDER", f"this date is before {earlier}"
            )
    return problems


def validate(
    frame: pd.DataFrame,
    kind: str,
    *,
    source: str = "<DataFrame>",
    lenient: bool | None = None,
    any_code: bool | None = False,
    needs: Sequence[str] | None = None,
    as_of: date | None = None,
    choices: Mapping[str, tuple[str, ...]] | None = None,
) -> Checked:
    """Validate and type a raw table (see `dualrandom.io.read_table`) against the spec of ``kind``.

    ``needs`` lists the columns this use requires, present and filled (default: every required
    column of the spec); the other columns present are checked by their rules, empty cells
    allowed. ``lenient`` (default: the spec's) turns a code whose only fault is its check
    character into a warning; ``any_code`` checks codes only for presence, uniqueness and
    Excel damage, and ``None`` decides from the column (`IdMode`). ``choices`` replaces the
    allowed words of enum columns (a policy's own record kinds).
    Lists every problem at once; raises `ValueError` for an unknown kind.
    """
    spec = table_spec(kind)
    frame, labels = canonical_headers(frame.reset_index(drop=True), spec)
    problems = _structure(frame, spec, source, spec.required if needs is None else needs)
    if any(p.rule == "COLUMN_MISSING" for p in problems):
        return Checked(frame, tuple(_labelled(problems, labels)), kind, source, frame, labels)
    typed: dict[str, pd.Series] = {}
    codes: CodeSystem | None = None
    loose = spec.lenient_ids if lenient is None else lenient
    ids: IdMode = "auto" if any_code is None else "any" if any_code else "lenient" if loose else "strict"
    for column in spec.columns:
        if needs is not None and column.required != (column.name in needs):
            column = replace(column, required=column.name in needs)  # this use's own needs
        if choices and column.name in choices:
            column = replace(column, choices=tuple(choices[column.name]))
        if column.name in frame.columns:
            values, found, system = _column(column, frame[column.name], source, ids, as_of)
            problems += found
            codes = system or codes
        elif column.fill:
            values = _absent(column, len(frame))
        else:
            continue
        typed[column.name] = values.reset_index(drop=True)
    out = pd.DataFrame(typed, index=pd.RangeIndex(len(frame)))
    for extra in frame.columns:
        if extra not in typed:
            out[extra] = frame[extra]
    problems += _joint_rules(out, spec, source, frame)
    order = {name: i for i, name in enumerate(frame.columns)}
    problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
    return Checked(out, tuple(_labelled(problems, labels)), kind, source, frame, labels, codes)


def _labelled(problems: list[Problem], labels: dict[str, str]) -> list[Problem]:
    """Name each column as the file does (``统一社会信用代码 (uscc)``)."""
    if not labels:
        return problems
    return [replace(p, column=labels.get(p.column or "", p.column)) for p in problems]
