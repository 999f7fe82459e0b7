"""Roster and table I/O shared by the library and the CLI: one function per direction.

* `read_table` / `write_table`: raw tables in CSV (UTF-8, BOM, GBK/GB18030), XLSX, Parquet,
  SQL (SQLAlchemy URL with ``table=`` or ``query=``) or a DataFrame; writes are atomic.
* `read_roster` / `check_roster`: validated, typed rosters (entities, inspectors, conflicts,
  history) with every problem listed at once.
"""

from __future__ import annotations

from ..schema._columns import DATE_DTYPE
from .rosters import ROSTER_COLUMNS, RosterKind, RosterReport, check_roster, read_roster, validate_roster
from .tables import TableSource, read_table, write_table

__all__ = [
    "DATE_DTYPE",
    "ROSTER_COLUMNS",
    "RosterKind",
    "RosterReport",
    "TableSource",
    "check_roster",
    "read_roster",
    "read_table",
    "validate_roster",
    "write_table",
]
