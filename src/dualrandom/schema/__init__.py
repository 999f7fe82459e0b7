"""One schema for every table dualrandom reads: columns, Chinese headers, types, rules, messages.

Every entry point validates through it, once: `dualrandom check --kind K`, `dualrandom.io.read_roster`,
each step of the library and the CLI (draw, classify, assign, trigger, results import, publish)
and the Dask engine. A table checked here is accepted by every step that reads it, and the reverse.

* `table_spec` / `TABLE_KINDS`: the spec of each table (entities, inspectors, conflicts, history,
  warnings, records, sample, teams, results, residents).
* `validate`: a raw frame in, a typed frame and every problem out (`Checked`).
* `check_table`: read a source (a file, a SQL table or a DataFrame) and validate it, the one path
  every reader takes (``Checked.raise_errors`` raises `InputError`).
* `check_file`: campaign and policy TOML files, through their pydantic models.

The specs (`table_spec`, `TABLE_KINDS`, the aliases) import no pandas: `dualrandom check --help`
lists the kinds without it. The validators are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._docs import tables_markdown
from ._spec import Column, ColumnKind, TableSpec
from ._tables import ENTITY_TYPE_ALIASES, HISTORY_KIND_ALIASES, TABLE_KINDS, TableKind, table_spec

if TYPE_CHECKING:
    from ._read import FileKind, check_file, check_table, file_kind, is_config
    from ._validate import Checked, canonical_headers, validate

__all__ = [
    "ENTITY_TYPE_ALIASES",
    "HISTORY_KIND_ALIASES",
    "TABLE_KINDS",
    "Checked",
    "Column",
    "ColumnKind",
    "FileKind",
    "TableKind",
    "TableSpec",
    "canonical_headers",
    "check_file",
    "check_table",
    "file_kind",
    "is_config",
    "table_spec",
    "tables_markdown",
    "validate",
]

_LAZY = {
    "Checked": "_validate",
    "canonical_headers": "_validate",
    "validate": "_validate",
    "FileKind": "_read",
    "check_file": "_read",
    "check_table": "_read",
    "file_kind": "_read",
    "is_config": "_read",
}
"""Names whose modules import pandas, imported on first use."""


def __getattr__(name: str) -> Any:
    """Import a validator on first use; raises `AttributeError` for any other name."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
