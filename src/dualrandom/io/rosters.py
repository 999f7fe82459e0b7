"""Read and validate rosters (entities, inspectors, conflicts, history) through `dualrandom.schema`.

`check_roster` reads a source and lists every problem (errors and lenient-mode warnings)
without raising for bad rows; `read_roster` raises `InputError` with all of them when any is
an error. The columns, Chinese headers and rules are the specs of `dualrandom.schema`.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from ..schema import ENTITY_TYPE_ALIASES, HISTORY_KIND_ALIASES, Checked, check_table, table_spec, validate
from ..schema._spec import Column
from .tables import TableSource

__all__ = [
    "ENTITY_TYPE_ALIASES",
    "HEADER_ALIASES",
    "HISTORY_KIND_ALIASES",
    "ROSTER_COLUMNS",
    "RosterKind",
    "RosterReport",
    "check_roster",
    "read_roster",
    "validate_roster",
]

RosterKind = Literal["entities", "inspectors", "conflicts", "history"]
RosterReport = Checked
"""The typed roster and every problem found (`dualrandom.schema.Checked`)."""

_ROSTERS = ("entities", "inspectors", "conflicts", "history")
ROSTER_COLUMNS: dict[str, tuple[Column, ...]] = {kind: table_spec(kind).columns for kind in _ROSTERS}
"""The columns of each roster kind, in output order (extra columns are kept after them)."""
HEADER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    kind: {c.name: c.headers for c in table_spec(kind).columns if c.headers} for kind in _ROSTERS
}
"""Chinese headers of bureau exports, accepted for each column when the column itself is absent."""


def validate_roster(
    frame: pd.DataFrame, kind: RosterKind, *, source: str = "<DataFrame>", lenient: bool = False
) -> RosterReport:
    """Validate and type a raw roster table (see `read_table`); lists every problem at once."""
    return validate(frame, kind, source=source, lenient=lenient)


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
    return check_table(source, kind, lenient=lenient, sheet=sheet, table=table, query=query)


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
    return report.raise_errors(f"{report.source}: {len(report.errors)} problem(s) in the {kind} roster")
