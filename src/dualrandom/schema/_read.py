"""Read a table and validate it in one call; check campaign and policy files the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import InputError, Problem
from ._validate import Checked, validate

if TYPE_CHECKING:
    from ..io.tables import TableSource

__all__ = ["FileKind", "check_file", "check_table", "file_kind", "is_config"]

FileKind = Literal["campaign", "policy"]


def check_table(
    source: TableSource,
    kind: str,
    *,
    name: str | None = None,
    lenient: bool | None = None,
    any_code: bool | None = False,
    needs: Sequence[str] | None = None,
    choices: Mapping[str, tuple[str, ...]] | None = None,
    sheet: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
    as_of: date | None = None,
) -> Checked:
    """Read ``source`` (see `dualrandom.io.read_table`) and validate it; bad rows are listed, never raised.

    The one path from a source (a file, a SQL table or a DataFrame) to a checked table: every
    reader of a table kind calls it. ``name`` names the source in problems (default: the path,
    URL or ``<DataFrame>``); ``lenient``, ``any_code``, ``needs``, ``choices`` and ``as_of`` are
    `validate`'s. `Checked.raise_errors` gives the typed table, `Checked.raw` the table as read
    under the schema's column names. Raises `InputError` only when the source cannot be read at
    all, `ValueError` for an unknown kind.
    """
    from ..io.tables import describe_source, read_table

    frame = read_table(source, sheet=sheet, table=table, query=query)
    shown = name or describe_source(source, table=table, query=query)
    return validate(
        frame,
        kind,
        source=shown,
        lenient=lenient,
        any_code=any_code,
        needs=needs,
        as_of=as_of,
        choices=choices,
    )


def file_kind(path: str | Path) -> FileKind | None:
    """``campaign`` or ``policy`` for a TOML file, from its top-level keys (None if it is neither)."""
    from ..models import read_toml

    data = read_toml(path, "TOML")
    if "plan" in data or "tasks" in data:
        return "campaign"
    if "tiers" in data or "indicators" in data or "bands" in data:
        return "policy"
    return None


def check_file(path: str | Path, kind: FileKind | None = None) -> tuple[FileKind, str]:
    """Validate a campaign or policy TOML through its model; returns the kind and a one-line summary.

    Raises `PolicyError` naming every bad key, or `InputError` (rule FILE_KIND) when the file is
    neither a campaign nor a policy.
    """
    chosen = kind or file_kind(path)
    if chosen == "campaign":
        from ..models import load_campaign

        campaign = load_campaign(path)
        return "campaign", f"campaign {campaign.plan.id!r}: {len(campaign.tasks)} task(s)"
    if chosen == "policy":
        from ..classify import load_policy

        policy = load_policy(path)
        return "policy", f"classification policy {policy.name!r}"
    message = "a TOML file with neither [plan] (a campaign) nor tiers (a classification policy); pass --kind"
    raise InputError([Problem(str(path), None, None, None, "FILE_KIND", message)])


def is_config(path: str | Path) -> bool:
    """True for a path that names a TOML file (a campaign or a policy), not a table."""
    return isinstance(path, str | Path) and Path(path).suffix.lower() == ".toml"
