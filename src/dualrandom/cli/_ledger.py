"""`dualrandom ledger verify|show`: check and read a campaign ledger."""

from __future__ import annotations

import json

import click
from rich.table import Table
from rich.text import Text

from ..ledger import KINDS, Ledger, LedgerHead
from ._common import console, fail_on_errors
from .i18n import Group, _

__all__ = ["ledger"]

URL = click.argument("url", metavar="URL")


def _anchor(context: click.Context, parameter: click.Parameter, values: tuple[str, ...]) -> list[LedgerHead]:
    anchors = []
    for value in values:
        seq, _colon, digest = value.partition(":")
        if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise click.BadParameter(
                _("{value!r} is not SEQ:HASH (a record number and 64 lower-case hex digits)").format(
                    value=value
                )
            )
        anchors.append(LedgerHead(int(seq), digest))
    return anchors


VERIFY = (
    "Check that no record was edited, deleted or reordered",
    "dualrandom ledger verify work/campaign.ledger",
)
SHOW = ("List the records of the ledger", "dualrandom ledger show work/campaign.ledger")
SUPERSEDE = (
    "Withdraw record 5 with the reason and the decision, so that its step can be taken again",
    "dualrandom ledger supersede work/campaign.ledger 5 "
    '--reason "wrong results file; decided by the head of unit"',
)


@click.group(cls=Group, examples=[VERIFY, SHOW])
def ledger() -> None:
    """Check and read the campaign ledger (a SQLite file or a postgresql:// URL)."""


@ledger.command(examples=[VERIFY])
@URL
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    callback=_anchor,
    metavar="SEQ:HASH",
    help="A published (record, hash) pair the ledger must still contain; repeatable.",
)
@fail_on_errors
def verify(url: str, anchors: list[LedgerHead]) -> None:
    """Detect any edited, deleted, inserted or reordered record; print the head to publish.

    Exits 1 naming the first bad record when the chain is broken.
    """
    with Ledger.open(url, create=False, read_only=True) as opened:
        head = opened.ensure_intact(anchors)
    click.echo(
        _("ledger OK: {count} record(s); head {seq}:{hash}").format(
            count=head.seq, seq=head.seq, hash=head.hash
        )
    )


@ledger.command(examples=[SHOW])
@URL
@click.option("--campaign", "campaign_id", metavar="ID", help="Only this campaign's records.")
@click.option("--kind", type=click.Choice(KINDS), help="Only records of this kind.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, payloads included.")
@fail_on_errors
def show(url: str, campaign_id: str | None, kind: str | None, as_json: bool) -> None:
    """List ledger records in order (superseded ones included)."""
    with Ledger.open(url, create=False, read_only=True) as opened:
        records = opened.records(campaign_id, kind)
    if as_json:
        for record in records:
            click.echo(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True))
        return
    table = Table(
        *(_(h) for h in ("seq", "campaign", "kind", "supersedes", "reason", "recorded at (UTC)", "hash"))
    )
    for record in records:
        cells = (
            str(record.seq),
            record.campaign_id,
            record.kind,
            "" if record.supersedes is None else str(record.supersedes),
            record.reason or "",
            record.recorded_at,
            record.hash[:16],
        )
        table.add_row(*(Text(cell) for cell in cells))  # Text: no rich markup in user data
    console.print(table)


@ledger.command(examples=[SUPERSEDE])
@URL
@click.argument("seq", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="What was wrong and who decided (kept in the ledger).")
@fail_on_errors
def supersede(url: str, seq: int, reason: str) -> None:
    """Withdraw record SEQ with a reason, so that its step can be taken again.

    Both records stay in the ledger. A record that a later step rests on (a seed under a draw,
    a draw under teams or results) is refused: withdraw the later one first.
    """
    from ..protocol import supersede as withdraw

    with Ledger.open(url, create=False) as opened:
        record = withdraw(opened, seq, reason)
    message = _(
        "record {seq} ({kind} of campaign {campaign}) withdrawn by record {by}; "
        "the step can now be taken again"
    )
    click.echo(message.format(seq=seq, kind=record.kind, campaign=record.campaign_id, by=record.seq))
