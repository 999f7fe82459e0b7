"""`dualrandom check` (validate a roster, list every problem, write nothing) and `dualrandom schema`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from rich.markup import escape
from rich.table import Table

from ..schema import TABLE_KINDS
from ._common import console, describe_error, describe_problem, fail_on_errors, table_source
from .i18n import Command, _

if TYPE_CHECKING:
    from ..errors import Problem

__all__ = ["check", "schema"]

KINDS = TABLE_KINDS
"""The table kinds: `dualrandom.schema` imports its specs without pandas, so --help stays light."""
FILE_KINDS = ("campaign", "policy")
"""TOML files checked through their models (`dualrandom.schema.check_file`)."""

TABLE_LIMIT = 1000
"""At most this many problems go into the table; ``--format lines`` prints every one."""


def _kind_of(roster: str, kind: str | None, table: str | None) -> str:
    """The ``--kind`` given, else the SQL table's or file's name when it names a kind, else entities.

    The name's last part counts: ``jan.parquet.warnings.csv`` (written by classify) is a warnings list.
    """
    if kind is None:
        stem = (table or Path(roster).stem).lower().rsplit(".", 1)[-1]
        kind = stem if stem in KINDS else "entities"
    return kind


def _table(problems: tuple[Problem, ...]) -> Table:
    shown = problems[:TABLE_LIMIT]
    more = _(", first {limit} shown (--format lines lists all)").format(limit=TABLE_LIMIT)
    title = _("{count} problem(s)").format(count=len(problems)) + (
        more if len(problems) > TABLE_LIMIT else ""
    )
    table = Table(title=title)
    table.add_column(_("row"), justify="right")
    table.add_column(_("column"))
    table.add_column(_("value"), min_width=18, overflow="fold")
    table.add_column(_("problem"), ratio=1)
    for p in shown:
        message = f"{p.message} [{p.rule}]"
        if p.severity == "warning":
            message = f"[yellow]{escape(_('warning:'))}[/yellow] {escape(message)}"
        else:
            message = escape(message)
        row = "" if p.row is None else str(p.row)
        table.add_row(row, escape(p.column or ""), escape(p.value or ""), message)
    return table


@click.command(
    cls=Command,
    examples=[
        (
            "Check the entity roster: every problem at once, nothing written",
            "dualrandom check city/entities.csv --kind entities",
        ),
        ("Check the inspector roster", "dualrandom check city/inspectors.csv --kind inspectors"),
        ("Check the campaign file", "dualrandom check campaign.toml"),
        (
            "Check an early-warning list before recording it with trigger --from-file",
            "dualrandom check work/warnings.csv --kind warnings",
        ),
        ("One problem per line, for a script or a log", "dualrandom check city/entities.csv --format lines"),
    ],
)
@table_source("roster")
@click.argument("roster")
@click.option(
    "--kind",
    type=click.Choice([*KINDS, *FILE_KINDS]),
    help="Default: the file's name, else entities (a .toml file: campaign or policy, from its keys).",
)
@click.option(
    "--lenient", is_flag=True, help="Accept a USCC whose only fault is its check character (warning)."
)
@click.option("--sheet", help="XLSX: the sheet name (default: the first sheet).")
@click.option("--format", "fmt", type=click.Choice(["table", "lines"]), default="table", show_default=True)
@fail_on_errors
def check(
    roster: str,
    kind: str | None,
    lenient: bool,
    sheet: str | None,
    fmt: str,
) -> None:
    """Validate ROSTER (a CSV/XLSX/Parquet file or SQL URL) and list every problem; writes nothing.

    ROSTER may be any table dualrandom reads (--kind), or a campaign or policy TOML file, checked
    through the same schema as every step. Exits 0 when the input is usable (warnings allowed),
    2 when any row has an error.
    """
    from ..errors import PolicyError
    from ..schema import check_file, check_table, is_config

    if kind in FILE_KINDS or (kind is None and is_config(roster)):
        try:
            _model, summary = check_file(roster, cast("Any", kind))
        except PolicyError as error:
            click.echo(_("Error: {message}").format(message=describe_error(error)), err=True)
            sys.exit(2)
        click.echo(_("ok: {summary}").format(summary=summary))
        return
    chosen = _kind_of(roster, kind, getattr(roster, "table", None))
    report = check_table(roster, chosen, lenient=lenient or None, sheet=sheet)
    if report.problems:
        if fmt == "lines":
            for problem in report.problems:
                click.echo(f"{_(problem.severity)}: {describe_problem(problem)}")
        else:
            console.print(_table(report.problems))
    if report.errors:
        message = _("{roster}: {errors} error(s), {warnings} warning(s) in {rows} {kind} rows").format(
            roster=roster, errors=len(report.errors), warnings=len(report.warnings),
            rows=f"{len(report.frame):,}", kind=chosen,
        )  # fmt: skip
        click.echo(_("Error: {message}").format(message=message), err=True)
        sys.exit(2)
    message = _("ok: {rows} {kind} rows, {warnings} warning(s)")
    click.echo(message.format(rows=f"{len(report.frame):,}", kind=chosen, warnings=len(report.warnings)))


def _schema(name: str) -> dict[str, Any]:
    from .. import models

    if name == "campaign":
        return models.campaign_json_schema()
    rows: dict[str, type[models.StrictModel]] = {
        "entity": models.Entity,
        "inspector": models.Inspector,
        "conflict": models.Conflict,
        "history": models.HistoryRecord,
    }
    return rows[name].model_json_schema()


@click.command(
    cls=Command,
    examples=[
        ("The campaign file's schema, for an editor or a form", "dualrandom schema campaign"),
        ("The schema of one entity roster row", "dualrandom schema entity"),
    ],
)
@click.argument(
    "name", type=click.Choice(["campaign", "entity", "inspector", "conflict", "history"]), default="campaign"
)
@fail_on_errors
def schema(name: str) -> None:
    """Print the JSON Schema of a campaign file or of one roster row, for integrators."""
    click.echo(json.dumps(_schema(name), ensure_ascii=False, indent=2))
