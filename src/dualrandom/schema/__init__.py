"""One schema for every table dualrandom reads: columns, Chinese headers, types, rules, messages.

Every entry point validates through it, once: `dualrandom check --kind K`, `dualrandom.io.read_roster`,
each step of the library and the CLI (draw, classify, assign, results import, publish) and the Dask
engine. A table checked here is accepted by every step that reads it, and the reverse.

* `table_spec` / `TABLE_KINDS`: the spec of each table (entities, inspectors, conflicts, history,
  records, sample, teams, results, residents).
* `validate`: a raw frame in, a typed frame and every problem out (`Checked`).
* `check_table`: read a source and validate it (``Checked.raise_errors`` raises `InputError`).
* `check_file`: campaign and policy TOML files, through their pydantic models.
"""

from __future__ import annotations

from ._docs import tables_markdown
from ._read import FileKind, check_file, check_table, file_kind, is_config
from ._spec import Column, ColumnKind, TableSpec
from ._tables import ENTITY_TYPE_ALIASES, HISTORY_KIND_ALIASES, TABLE_KINDS, TableKind, table_spec
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
