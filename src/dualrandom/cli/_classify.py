"""`dualrandom classify`: put every entity of a roster into a credit-risk tier as of a date."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.table import Table

from ._common import console, fail_on_errors, table_source

__all__ = ["classify"]


@click.command()
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
) -> None:
    """Classify ROSTER into credit-risk tiers; write the snapshot and print the tier counts.

    The snapshot holds tiers and scores: it is internal and never published.
    """
    from ..classify import classify as run
    from ..classify import early_warning, load_policy, load_snapshot, save_snapshot
    from ..io import read_roster, read_table, write_table

    if engine == "memory" and Path(output).suffix.lower() not in (".parquet", ".pq"):
        raise click.BadParameter(
            f"the snapshot is a Parquet file: name it {Path(output).with_suffix('.parquet').name} "
            "(--roster-out writes CSV, XLSX or Parquet)",
            param_hint="'-o' / '--output'",
        )
    policy = load_policy(policy_file)  # a bad policy is reported before any table is read
    if engine == "dask":
        if roster_out:
            raise click.UsageError("--roster-out needs --engine memory (with dask, draw from the snapshot)")
        if previous:
            raise click.UsageError("--previous needs --engine memory")
        from ..engines.console import classify_on_dask

        done = classify_on_dask(scheduler)(
            roster, read_table(records) if records else None, policy, as_of=as_of.date(), output=output,
            history=read_table(history) if history else None, version=label,
            sources=(roster, records or "records", history or "history"),
        )  # fmt: skip
        click.echo(f"{done.rows} entities classified as of {done.as_of} under {policy.name!r}")
        click.echo(", ".join(f"{tier}: {count}" for tier, count in done.tier_counts.items()))
        click.echo(f"snapshot {Path(output).name}: content digest {done.content_digest}")
        return
    if scheduler:
        raise click.UsageError("--scheduler goes with --engine dask")
    earlier = load_snapshot(previous) if previous else None  # a bad snapshot fails before the work
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
    if earlier is not None:
        warned = early_warning(earlier, snapshot)
        write_table(warned, f"{output}.warnings.csv")
        click.echo(
            f"early warning (风险预警): {len(warned)} entities rose more than "
            f"{snapshot.policy.early_warning.rise:g} points since {earlier.as_of}; "
            f"listed in {Path(output).name}.warnings.csv for triggered checks outside the random quota"
        )
