"""The shape of a table spec: its columns, each with a type, rules, header aliases and a default."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

__all__ = ["Column", "ColumnKind", "TableSpec"]

ColumnKind = Literal[
    "id",
    "text",
    "identifier",
    "enum",
    "division",
    "local_division",
    "industry",
    "date",
    "bool",
    "int",
    "number",
    "score",
    "tags",
    "dates",
    "list",
]
"""How a column's values are parsed (see `dualrandom.schema._columns` and docs/rosters.md)."""


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``required`` means the column must be present and every value non-empty; ``default``
    fills an absent optional column (and empty cells of an enum). ``headers`` are the Chinese
    headers of bureau exports accepted when the column itself is absent; ``aliases`` map
    other spellings of an enum's values. ``fill=False`` leaves an absent optional column out.
    ``earliest`` bounds a date column from below; ``until_as_of`` bounds it by the as-of date.
    """

    name: str
    kind: ColumnKind
    required: bool = True
    default: str | bool | float | None = ""
    unique: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    headers: tuple[str, ...] = ()
    fill: bool = True
    description: str = ""
    earliest: date | None = None
    until_as_of: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A table: its columns in output order and the rules that join columns.

    ``one_of`` lists groups of columns of which each row fills at least one (conflicts name an
    entity or a person); ``not_before`` lists (later, earlier) date pairs; ``may_be_empty``
    says whether a table with a header and no rows is acceptable (an empty history is).
    ``lenient_ids`` accepts entity codes whose only fault is the check character (a sample
    already drawn from a checked roster).
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    may_be_empty: bool = False
    one_of: tuple[tuple[str, ...], ...] = ()
    not_before: tuple[tuple[str, str], ...] = ()
    lenient_ids: bool = False
    note: str = ""
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def required(self) -> tuple[str, ...]:
        """The names of the columns a complete table must have."""
        return tuple(c.name for c in self.columns if c.required)
