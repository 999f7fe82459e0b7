"""`dualrandom classify`: put every entity of a roster into a credit-risk tier as of a date."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.table import Table

from ._common import console, fail_on_errors

__all__ = ["classify"]


@click.command()
@click.argument("roster")
@click.option("--policy", "policy_file", required=True, type=click.Path(dir_okay=False), help="Policy TOML.")
@click.option(
    "--as-of", "as_of", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Classification date."
)
@click.option("--records", default=None, help="Credit records table (uscc, kind, start_on, ...).")
@click.option("--history", default=None, help="Inspection history table (uscc, inspected_on, ...).")
@click.option("--version", "label", default=None, help="Snapshot label (default: the as-of date).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="SNAPSHOT.parquet (+ SNAPSHOT.json).",
)
@click.option("--roster-out", default=None, help="Also write the roster with tier and score (draw input).")
@fail_on_errors
def classify(
    roster: str,
    policy_file: str,
    as_of: datetime,
    records: str | None,
    history: str | None,
    label: str | None,
    output: str,
    roster_out: str | None,
) -> None:
    """Classify ROSTER into credit-risk tiers; write the snapshot and print the tier counts.

    The snapshot holds tiers and scores: it is internal and never published.
    """
    from ..classify import classify as run
    from ..classify import load_policy, save_snapshot
    from ..io import read_roster, read_table, write_table

    policy = load_policy(policy_file)  # a bad policy is reported before any table is read
    table = read_roster(roster, "entities")
    snapshot = run(
        table,
        read_table(records) if records else None,
        policy,
        as_of=as_of.date(),
        history=read_table(history) if history else None,
        version=label,
        sources=(roster, records or "records", history or "history"),
    )
    save_snapshot(snapshot, output)
    if roster_out:
        write_table(snapshot.tiered_roster(table), roster_out)
    counts = snapshot.tier_counts()
    total = sum(counts.values())
    click.echo(f"{total} entities classified as of {snapshot.as_of} under {snapshot.policy.name!r}")
    summary = Table()
    summary.add_column("tier")
    summary.add_column("entities", justify="right")
    summary.add_column("share", justify="right")
    for tier, count in counts.items():
        summary.add_row(tier, str(count), f"{count / max(total, 1):.1%}")
    console.print(summary)
    overridden = int((snapshot.table["override"].astype(str) != "").sum())
    new = int(snapshot.table["new_entity"].sum())
    click.echo(f"overrides applied: {overridden}; new entities at the default tier: {new}")
    click.echo(f"snapshot {Path(output).name}: content digest {snapshot.content_digest}")
