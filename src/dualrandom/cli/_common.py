"""What every command shares: error reporting, the console, progress, and common options.

Everything an operator reads goes through `_` (`dualrandom.cli.i18n`): Chinese under a Chinese
locale, the English of the code otherwise.
"""

from __future__ import annotations

import errno
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import click
from rich.console import Console

from ..errors import DualrandomError, InputError, LedgerMismatchError, PolicyError, Problem
from .i18n import _, language

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from ..protocol import CampaignProtocol

__all__ = [
    "Steps",
    "batch_option",
    "campaign_protocol",
    "console",
    "describe_error",
    "describe_os_error",
    "fail_on_errors",
    "next_step",
    "progress_option",
    "read_residents",
    "seed_text",
    "stderr",
    "steps",
    "table_source",
]

P = ParamSpec("P")
R = TypeVar("R")

console = Console(highlight=False)
stderr = Console(stderr=True, highlight=False)


def fail_on_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Report a `DualrandomError` as ``Error: ...`` on stderr and exit with its ``exit_code``.

    A file the system cannot read or write (missing, read-only, disk full) is reported with its
    path and the system's reason, exit 1; text that is not valid in its encoding, exit 2.
    """

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except DualrandomError as error:
            click.echo(_("Error: {message}").format(message=describe_error(error)), err=True)
            sys.exit(error.exit_code)
        except OSError as error:
            click.echo(_("Error: {message}").format(message=describe_os_error(error)), err=True)
            sys.exit(1)
        except UnicodeError as error:
            message = _("text that is not valid {encoding}: {error}")
            message = message.format(encoding=error_encoding(error), error=error)
            click.echo(_("Error: {message}").format(message=message), err=True)
            sys.exit(2)

    return wrapper


RULES = {
    "ID_CHECK": "the check character is wrong",
    "ID_ALPHABET": "a character that a code may not hold",
    "ID_EMPTY": "the code is empty",
    "ID_LENGTH": "the code has the wrong length",
    "ID_LAYOUT": "the code's layout is wrong",
    "COLUMN_MISSING": "a required column is missing",
    "REQUIRED": "a required value is empty",
    "EMPTY": "a required value is empty",
    "DIVISION": "not a division code",
    "DATE_DTYPE": "not a date",
    "ENCODING": "the file's encoding cannot be read",
    "FILE_NOT_FOUND": "the file does not exist",
    "NO_ROWS": "the table has no rows",
}
"""The most common `Problem` rules, said in words that a Chinese operator reads in Chinese."""


def describe_problem(problem: Problem) -> str:
    """One problem in the operator's language; in English exactly ``str(problem)``."""
    if language() == "en":
        return str(problem)
    where = problem.source
    if problem.row is not None:
        where += _(", row {row}").format(row=problem.row)
    if problem.column is not None:
        where += _(", column {column!r}").format(column=problem.column)
    what = problem.message
    if problem.rule in RULES:
        what = f"{_(RULES[problem.rule])} ({problem.message})"
    shown = "" if problem.value is None else _(" (value {value!r})").format(value=problem.value)
    return f"{where}: {what}{shown} [{problem.rule}]"


def describe_error(error: DualrandomError) -> str:
    """The error as the operator reads it: every problem of an `InputError`, a named cause else.

    In English this is ``str(error)``; in Chinese the summary line, each problem's place and the
    prefixes of `PolicyError` and `LedgerMismatchError` are translated (rule names stay).
    """
    if language() == "en":
        return str(error)
    if isinstance(error, InputError):
        errors = [p for p in error.problems if p.severity == "error"]
        sources = sorted({p.source for p in errors})
        if not errors:
            return _("bad input: {summary}").format(summary=error)
        head = _("{source}: {count} problem(s) found").format(source="、".join(sources), count=len(errors))
        lines = [f"  - {describe_problem(p)}" for p in errors[:200]]
        if len(errors) > 200:
            lines.append(_("  ... and {count} more").format(count=len(errors) - 200))
        return "\n".join([head + ":", *lines])
    if isinstance(error, LedgerMismatchError):
        return _("not what the ledger recorded: {message}").format(message=error)
    if isinstance(error, PolicyError):
        return _("the campaign or policy file breaks a rule: {message}").format(message=error)
    return str(error)


OS_HINTS = {
    0: "check the path and the disk",
    errno.ENOSPC: "free some disk space and run the command again",
    errno.EFBIG: "the file is larger than this system allows; free space or write elsewhere",
    errno.EROFS: "the folder is on a read-only disk; write the output somewhere else",
    errno.EACCES: "you may not write there; choose another folder or ask for permission",
    errno.EPERM: "you may not write there; choose another folder or ask for permission",
    errno.ENOENT: "check the path",
    errno.EISDIR: "give a file name, not a folder",
}
"""What to do about a file error, by ``errno`` (0: anything else)."""

STAGES = ("inclusion", "coordination", "caps", "officers")
"""The stages the library reports through a progress callback (fairness studies), translated."""


def describe_os_error(error: OSError) -> str:
    """What went wrong with which file, and what to do: for a full disk or a read-only folder."""
    where = " -> ".join(str(name) for name in (error.filename, error.filename2) if name is not None)
    reason = error.strerror or str(error)
    hint = OS_HINTS.get(error.errno or 0, OS_HINTS[0])
    return _("{where}: {reason} ({hint}); nothing was recorded in the ledger").format(
        where=where or _("a file"), reason=reason, hint=_(hint)
    )


def error_encoding(error: UnicodeError) -> str:
    """The encoding a `UnicodeError` is about (UTF-8 when it does not say)."""
    return str(getattr(error, "encoding", "") or "UTF-8").upper()


def seed_text(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """Click callback: a seed is non-empty UTF-8 text without surrounding spaces, kept as typed."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise click.BadParameter(
            "the seed is not valid UTF-8 text; type it again (digits as read at the ceremony)"
        ) from None
    if not value.strip() or value != value.strip():
        raise click.BadParameter(f"{value!r}: the seed must be non-empty, without leading or trailing spaces")
    return value


batch_option = click.option(
    "--batch",
    default=None,
    help="The batch of the annual plan (an id of [[plan.batches]], or of triggered checks).",
)
"""The ``--batch`` option of every step taken per batch (draw, trigger, assign, results, publish)."""


class _Where(click.ParamType[Any]):
    """A table input: a URL (SQL or fsspec) or a Parquet folder as typed, else the original type's check."""

    def __init__(self, inner: click.ParamType[Any]) -> None:
        self.inner = inner
        self.name = inner.name

    def get_metavar(self, *args: Any, **kwargs: Any) -> str | None:
        return self.inner.get_metavar(*args, **kwargs)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and ("://" in value or Path(value).is_dir()):
            return value
        return self.inner.convert(value, param, ctx)


def _snapshot_digest(snapshot: str, given: str | None) -> str:
    """The content digest in a snapshot's sidecar (the join checks the table against it)."""
    import json

    from ..classify.snapshot import sidecar_path

    try:
        recorded = str(json.loads(sidecar_path(Path(snapshot)).read_text(encoding="utf-8"))["content_digest"])
    except (OSError, ValueError, KeyError) as error:
        raise click.BadParameter(
            f"{snapshot}: not a classification snapshot with its JSON sidecar ({error})",
            param_hint="'--snapshot'",
        ) from None
    if given is not None and given != recorded:
        raise click.UsageError(
            f"--snapshot-digest {given} is not the digest of --snapshot {snapshot} ({recorded})"
        )
    return recorded


def table_source(
    target: str, *others: str, snapshot: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let a command read its tables where they live; place it right under ``@click.command()``.

    The inputs ``target`` and ``others`` (parameter names) also accept SQL URLs, fsspec URLs
    and Parquet folders (`dualrandom.io.sources`). ``--table`` / ``--query`` name what to read
    of ``target`` given as a SQL URL (the others name theirs as ``URL#table``); with
    ``snapshot``, ``--snapshot S`` joins a classification snapshot's tiers onto ``target``
    and records its digest as ``--snapshot-digest``. The command receives ``target`` as a
    `SourceText` carrying them.
    """
    label = target.upper()

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        params: list[click.Parameter] = getattr(function, "__click_params__", [])
        for param in params:
            if param.name in (target, *others):
                param.type = _Where(param.type)
        added = [
            click.Option(["--table", "source_table"], help=f"{label} is a SQL URL: the table to read."),
            click.Option(["--query", "source_query"], help=f"{label} is a SQL URL: the query to read."),
        ]
        if snapshot:
            added.append(click.Option(
                ["--snapshot", "source_snapshot"], type=click.Path(),
                help=f"Join this classification snapshot's tiers onto {label} (by uscc); record its digest.",
            ))  # fmt: skip

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            table, query, tiers = (
                cast("str | None", kwargs.pop(name, None))
                for name in ("source_table", "source_query", "source_snapshot")
            )
            value = kwargs.get(target)
            if value is None:
                if table or query or tiers:
                    raise click.UsageError(f"--table, --query and --snapshot need {label}")
                return function(*args, **kwargs)
            if (table or query) and not _is_sql(str(value)):
                raise click.UsageError(
                    f"--table and --query go with a SQL URL as {label} (sqlite:///…, postgresql://…)"
                )
            if table and query:
                raise click.UsageError("give --table or --query, not both")
            if _is_sql(str(value)) and not (table or query or "#" in str(value)):
                raise click.UsageError(
                    f"{label} is a SQL URL: name what to read with --table NAME or --query SQL"
                )
            if tiers is not None and "snapshot_digest" in kwargs:
                given = kwargs["snapshot_digest"]
                kwargs["snapshot_digest"] = _snapshot_digest(
                    str(tiers), None if given is None else str(given)
                )
            from ..io.sources import SourceText

            kwargs[target] = SourceText(str(value), table=table, query=query, snapshot=tiers)
            return function(*args, **kwargs)

        params[:0] = reversed(added)  # listed after the command's own options
        return wrapper

    return decorate


def _is_sql(text: str) -> bool:
    from ..io.sources import locate

    try:
        return locate(text).kind == "sql"
    except DualrandomError:
        return False


@contextmanager
def campaign_protocol(
    campaign_file: str | Path | None,
    ledger_url: str | None,
    *,
    create: bool = False,
    batch: str | None = None,
) -> Iterator[CampaignProtocol]:
    """The protocol of the campaign in ``campaign_file`` (its ``batch``), on the ledger at ``ledger_url``.

    Only the first step (the roster commitment) may ``create`` the ledger: a mistyped path
    in any later step is an error, never a new empty ledger.
    """
    from ..ledger import Ledger
    from ..models import load_campaign
    from ..protocol import CampaignProtocol

    if campaign_file is None:
        raise click.UsageError(_("--ledger needs --campaign (the ledger records per campaign)"))
    campaign = load_campaign(campaign_file)
    if ledger_url is None:
        yield CampaignProtocol(campaign, batch=batch)
        return
    with Ledger.open(ledger_url, create=create) as ledger:
        yield CampaignProtocol(campaign, ledger, batch=batch)


NEXT_STEPS = {
    "commit": "hold the seed ceremony in public, then `dualrandom draw ROSTER --campaign C --seed SEED "
    "--ledger L` (with --seal and the same --history/--as-of when the commitment is sealed)",
    "seal": "announce the digest, hold the batch's seed ceremony, then `dualrandom draw ROSTER --campaign C "
    "--batch B --seed SEED --seal SEALED --history H -o SAMPLE --ledger L`",
    "draw": "publish SAMPLE.public.json, then `dualrandom assign SAMPLE --inspectors I --campaign C "
    "--seed SEED -o TEAMS --ledger L`",
    "assign": "send the teams out; when results come in, `dualrandom results import RESULTS --campaign C "
    "--sample SAMPLE --ledger L`",
    "results": "publish within the deadline: `dualrandom publish --campaign C --sample SAMPLE --results "
    "RESULTS --roster R --ledger L -o BUNDLE`",
    "publish": "put BUNDLE online and announce its anchor; anyone checks it with `dualrandom verify BUNDLE` "
    "(auditors: `--ledger L`)",
}
"""What an operator does after each recorded step (printed on stderr as ``next: …``)."""


def next_step(step: str) -> None:
    """Print on stderr what to do after ``step`` (a key of `NEXT_STEPS`)."""
    click.echo(_("next: {hint}").format(hint=_(NEXT_STEPS[step])), err=True)


def read_residents(path: str) -> dict[str, int]:
    """Residents per stratum from a file with ``stratum`` and ``residents`` columns (draw, verify).

    Checked through `dualrandom.schema` (residents); raises `InputError` naming a missing column
    and every row that is not a whole number.
    """
    from ..schema import check_table

    people = check_table(path, "residents").raise_errors()
    return {str(s): int(n) for s, n in zip(people["stratum"], people["residents"], strict=True)}


progress_option = click.option(
    "--progress/--no-progress",
    "show_progress",
    default=None,
    help="Show progress on stderr (default: only when stderr is a terminal).",
)
"""The ``--progress`` option of every step that can take more than a few seconds."""


class Steps:
    """The progress of a long step, on stderr only: a live line on a terminal, plain lines otherwise.

    Called as ``steps(stage, done, total)``, it is the progress callback the library takes
    (``total`` 0: a stage without a count). Stage names are translated.
    """

    def __init__(self, bar: Progress | None, plain: bool) -> None:
        self._bar = bar
        self._plain = plain
        self._task: TaskID | None = None
        self._stage = ""

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        shown = _(stage)
        if self._bar is not None:
            if self._task is None:
                self._task = self._bar.add_task(shown, total=None)
            self._bar.update(self._task, description=shown, completed=done, total=total or None)
        elif self._plain and shown != self._stage:
            click.echo(f"... {shown}", err=True)
        self._stage = shown


@contextmanager
def steps(show: bool | None) -> Iterator[Steps]:
    """`Steps` for one command: shown when ``show`` (``--progress``), or when stderr is a terminal.

    On a terminal the line disappears when the step ends; written to a file or a pipe
    (``--progress`` forced), each stage is one line. Standard output never carries progress.
    """
    terminal = stderr.is_terminal
    if not (terminal if show is None else show):
        yield Steps(None, plain=False)
        return
    if not terminal:
        yield Steps(None, plain=True)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=stderr, transient=True) as bar:
        yield Steps(bar, plain=False)
