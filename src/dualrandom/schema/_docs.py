"""The docs/rosters.md section listing every table, generated from the specs (drift-tested)."""

from __future__ import annotations

from ._spec import Column, TableSpec
from ._tables import TABLE_KINDS, table_spec

__all__ = ["BEGIN", "END", "tables_markdown"]

BEGIN = "<!-- BEGIN GENERATED: python -m dualrandom.schema -->"
END = "<!-- END GENERATED -->"

_TYPES = {
    "id": (
        "entity code: 统一社会信用代码 (18, check character verified), 15-digit 注册号, or for a stall or"
        " small farmer without a credit code a unit id `U` + 6-digit division + `-` + serial"
        " (`U420602-0001`); normalised"
    ),
    "text": "text",
    "identifier": "identifier: 1-64 characters without spaces, `;` or `,`",
    "enum": "one of",
    "division": "6-digit GB/T 2260 division code",
    "local_division": "division code of 6, 9 (township) or 12 (village) digits",
    "industry": "GB/T 4754 code: letter A-T and 2-4 digits, upper-cased",
    "date": "date",
    "bool": "boolean",
    "int": "whole number >= 0",
    "number": "number >= 0",
    "score": "number from 0 to 1000",
    "tags": "`;`-separated tags, sorted and unique",
    "dates": "`;`-separated dates, sorted ISO",
    "list": "`;`-separated list, order kept",
}


def _rule(column: Column) -> str:
    text = _TYPES[column.kind]
    if column.kind == "enum":
        text += " " + ", ".join(f"`{c}`" for c in column.choices)
        if column.aliases:
            text += " (also " + ", ".join(a for a, _ in column.aliases) + ")"
    if column.unique:
        text += "; unique"
    if column.earliest is not None:
        text += f"; not before {column.earliest.isoformat()}"
    if column.until_as_of:
        text += "; not after the as-of date"
    if column.description:
        text += f"; {column.description}"
    return text


def _default(column: Column) -> str:
    if column.required:
        return ""
    if not column.fill:
        return "left out"
    if column.default is None:
        return "empty"
    if isinstance(column.default, bool):
        return f"`{str(column.default).lower()}`"
    return f"`{column.default}`" if column.default != "" else '`""`'


def _table(spec: TableSpec) -> list[str]:
    lines = [
        f"### {spec.name}",
        "",
        f"The {spec.title}." + (f" {spec.note[0].upper()}{spec.note[1:]}." if spec.note else ""),
    ]
    rules = []
    if spec.may_be_empty:
        rules.append("may have no rows")
    else:
        rules.append("must have at least one row (rule `NO_ROWS`)")
    rules += [f"each row fills one of {', '.join(f'`{c}`' for c in g)}" for g in spec.one_of]
    rules += [f"`{a}` is not before `{b}` (rule `DATE_ORDER`)" for a, b in spec.not_before]
    if spec.lenient_ids:
        rules.append("a code whose only fault is its check character is a warning")
    lines += ["Table rules: " + "; ".join(rules) + ".", ""]
    lines += ["| column | required | Chinese headers | type and rule | default |", "|---|---|---|---|---|"]
    for c in spec.columns:
        headers = ", ".join(c.headers)
        lines.append(
            f"| `{c.name}` | {'yes' if c.required else 'no'} | {headers} | {_rule(c)} | {_default(c)} |"
        )
    return [*lines, ""]


def tables_markdown() -> str:
    """The generated part of docs/rosters.md: one table per kind, from `table_spec`."""
    lines = [BEGIN, ""]
    for kind in TABLE_KINDS:
        lines += _table(table_spec(kind))
    return "\n".join([*lines, END]) + "\n"
