"""What every command shares: error reporting, the console, and common options."""

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

from ..errors import DualrandomError

if TYPE_CHECKING:
    from ..protocol import CampaignProtocol

__all__ = [
    "batch_option",
    "campaign_protocol",
    "console",
    "describe_os_error",
    "fail_on_errors",
    "next_step",
    "read_residents",
    "seed_text",
    "stderr",
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
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_code)
        except OSError as error:
            click.echo(f"Error: {describe_os_error(error)}", err=True)
            sys.exit(1)
        except UnicodeError as error:
            click.echo(f"Error: text that is not valid {error_encoding(error)}: {error}", err=True)
            sys.exit(2)

    return wrapper


def describe_os_error(error: OSError) -> str:
    """What went wrong with which file, and what to do: for a full disk or a read-only folder."""
    where = " -> ".join(str(name) for name in (error.filename, error.filename2) if name is not None)
    reason = error.strerror or str(error)
    hint = {
        errno.ENOSPC: "free some disk space and run the command again",
        errno.EFBIG: "the file is larger than this system allows; free space or write elsewhere",
        errno.EROFS: "the folder is on a read-only disk; write the output somewhere else",
        errno.EACCES: "you may not write there; choose another folder or ask for permission",
        errno.EPERM: "you may not write there; choose another folder or ask for permission",
        errno.ENOENT: "check the path",
        errno.EISDIR: "give a file name, not a folder",
    }.get(error.errno or 0, "check the path and the disk")
    return f"{where or 'a file'}: {reason} ({hint}); nothing was recorded in the ledger"


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
        raise click.UsageError("--ledger needs --campaign (the ledger records per campaign)")
    campaign = load_campaign(campaign_file)
    if ledger_url is None:
        yield CampaignProtocol(campaign, batch=batch)
        return
    with Ledger.open(ledger_url, create=create) as ledger:
        yield CampaignProtocol(campaign, ledger, batch=batch)


NEXT_STEPS = {
    "commit": "hold the seed ceremony in public, then `dualrandom draw ROSTER --campaign C --seed SEED "
    "--ledger L` (with --seal and the same --history/--as-of when the commitment is sealed)",
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
    click.echo(f"next: {NEXT_STEPS[step]}", err=True)


def read_residents(path: str) -> dict[str, int]:
    """Residents per stratum from a file with ``stratum`` and ``residents`` columns (draw, verify).

    Checked through `dualrandom.schema` (residents); raises `InputError` naming a missing column
    and every row that is not a whole number.
    """
    from ..schema import check_table

    people = check_table(path, "residents").raise_errors()
    return {str(s): int(n) for s, n in zip(people["stratum"], people["residents"], strict=True)}
