"""What every command shares: error reporting, the console, and common options."""

from __future__ import annotations

import errno
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

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
