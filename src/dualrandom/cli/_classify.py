"""`dualrandom classify`: put every entity of a roster into a credit-risk tier as of a date."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.table import Table

from ._common import console, fail_on_errors, progress_option, steps, table_source
from .i18n import Command, _

__all__ = ["classify"]

EXAMPLES = [
    (
        "Classify the roster as of 1 November; write the snapshot and the roster with tiers (the draw's "
        "input)",
        "dualrandom classify city/entities.csv --policy policy.toml --as-of 2026-11-01 "
        "--records city/credit_records.csv --history city/history.csv -o work/snapshot.parquet "
        "--roster-out work/classified.csv",
    ),
    (
        "Next month: also list the entities whose score rose past the early-warning threshold",
        "dualrandom classify city/entities.csv --policy policy.toml --as-of 2026-12-01 "
        "--records city/credit_records.csv --history city/history.csv -o work/snapshot-12.parquet "
        "--previous work/snapshot.parquet",
    ),
]


@click.command(cls=Command, examples=EXAMPLES)
@table_source("roster", "records", "history")
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
    type=click.Path(),
    help="SNAPSHOT.parquet (+ SNAPSHOT.json); a Parquet directory with --engine dask.",
)
@click.option("--roster-out", default=None, help="Also write the roster with tier and score (draw input).")
@click.option("--engine", type=click.Choice(["memory", "dask"]), default="memory", show_default=True,
              help="dask: ROSTER is a Parquet file, directory or glob, classified on Dask.")  # fmt: skip
@click.option(
    "--scheduler", default=None, help="With --engine dask: 'threads', 'local' or a scheduler address."
)
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Previous snapshot: write OUTPUT.warnings.csv, the entities whose score rose past the "
    "policy's early-warning threshold.",
)
@progress_option
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
    engine: str,
    scheduler: str | None,
    previous: str | None,
    show_progress: bool | None,
) -> None:
    """Classify ROSTER into credit-risk tiers; write the snapshot and print the tier counts.

    The snapshot holds tiers and scores: it is internal and never published.
    """
    from ..classify import classify as run
    from ..classify import early_warning, load_policy, load_snapshot, save_snapshot
    from ..io import read_roster, read_table, write_table

    if engine == "memory" and Path(output).suffix.lower() not in (".parquet", ".pq"):
        raise click.BadParameter(
            _(
                "the snapshot is a Parquet file: name it {name} (--roster-out writes CSV, XLSX or Parquet)"
            ).format(name=Path(output).with_suffix(".parquet").name),
            param_hint="'-o' / '--output'",
        )
    policy = load_policy(policy_file)  # a bad policy is reported before any table is read
    if engine == "dask":
        if roster_out:
            raise click.UsageError(
                _("--roster-out needs --engine memory (with dask, draw from the snapshot)")
            )
        if previous:
            raise click.UsageError(_("--previous needs --engine memory"))
        from ..engines.console import classify_on_dask

        done = classify_on_dask(scheduler)(
            roster, read_table(records) if records else None, policy, as_of=as_of.date(), output=output,
            history=read_table(history) if history else None, version=label,
            sources=(roster, records or "records", history or "history"),
        )  # fmt: skip
        _classified(done.rows, done.as_of, policy.name)
        click.echo(", ".join(f"{tier}: {count}" for tier, count in done.tier_counts.items()))
        _digest(output, done.content_digest)
        return
    if scheduler:
        raise click.UsageError(_("--scheduler goes with --engine dask"))
    earlier = load_snapshot(previous) if previous else None  # a bad snapshot fails before the work
    with steps(show_progress) as step:
        step("reading the roster")
        table = read_roster(roster, "entities")
        step("reading the credit records and the history")
        credit = read_table(records) if records else None
        past = read_table(history) if history else None
        step("classifying")
        snapshot = run(
            table, credit, policy, as_of=as_of.date(), history=past, version=label,
            sources=(roster, records or "records", history or "history"),
        )  # fmt: skip
        step("writing the snapshot")
        save_snapshot(snapshot, output)
        if roster_out:
            write_table(snapshot.tiered_roster(table), roster_out)
    counts = snapshot.tier_counts()
    total = sum(counts.values())
    _classified(total, snapshot.as_of, snapshot.policy.name)
    summary = Table()
    summary.add_column(_("tier"))
    summary.add_column(_("entities"), justify="right")
    summary.add_column(_("share"), justify="right")
    for tier, count in counts.items():
        summary.add_row(tier, str(count), f"{count / max(total, 1):.1%}")
    console.print(summary)
    overridden = int((snapshot.table["override"].astype(str) != "").sum())
    new = int(snapshot.table["new_entity"].sum())
    click.echo(_("overrides applied: {overridden}; new entities at the default tier: {new}").format(
        overridden=overridden, new=new
    ))  # fmt: skip
    _digest(output, snapshot.content_digest)
    if earlier is not None:
        warned = early_warning(earlier, snapshot)
        write_table(warned, f"{output}.warnings.csv")
        message = _(
            "early warning (风险预警): {count} entities rose more than {rise} points since {since}; "
            "listed in {name}.warnings.csv for triggered checks outside the random quota"
        )
        click.echo(message.format(
            count=len(warned), rise=f"{snapshot.policy.early_warning.rise:g}", since=earlier.as_of,
            name=Path(output).name,
        ))  # fmt: skip


def _classified(total: int, as_of: object, policy: str) -> None:
    message = _("{total} entities classified as of {as_of} under {policy!r}")
    click.echo(message.format(total=total, as_of=as_of, policy=policy))


def _digest(output: str, digest: str) -> None:
    click.echo(_("snapshot {name}: content digest {digest}").format(name=Path(output).name, digest=digest))
