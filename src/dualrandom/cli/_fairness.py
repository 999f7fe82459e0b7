"""`dualrandom fairness`: every fairness and burden study of a campaign, as one HTML page."""

from __future__ import annotations

import os
from datetime import datetime

import click

from ._common import fail_on_errors, table_source

__all__ = ["fairness"]

_FILE = click.Path(dir_okay=False)


@click.command()
@table_source("roster", "inspectors", "conflicts", "history")
@click.argument("campaign", type=_FILE)
@click.option("-o", "--output", required=True, type=_FILE, help="HTML report to write.")
@click.option(
    "--roster", type=_FILE, help="Classified entity roster (uscc, tier, ...); default: a synthetic city."
)
@click.option("--inspectors", type=_FILE, help="Inspector roster, for the officer study.")
@click.option("--conflicts", type=_FILE, help="Declared conflicts (inspector_id, uscc, reason).")
@click.option("--history", type=_FILE, help="Inspection history, for burden and frequency caps.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Study date (default: after the history).")
@click.option(
    "--seeds", default=1000, show_default=True, type=click.IntRange(min=1), help="Seeds of the draw."
)
@click.option(
    "--team-seeds", default=200, show_default=True, type=click.IntRange(min=1), help="Seeds of the teams."
)
@click.option(
    "--coordination-seeds",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="Permanent seeds.",
)
@click.option("--seed", default="fairness", show_default=True, help="Base text of every study seed.")
@click.option("--city-entities", default=3000, show_default=True, type=click.IntRange(min=100))
@click.option(
    "--processes",
    default=os.cpu_count() or 1,
    show_default="CPU count",
    type=click.IntRange(min=1),
    help="Worker processes; the figures are the same for any number.",
)
@fail_on_errors
def fairness(
    campaign: str,
    output: str,
    roster: str | None,
    inspectors: str | None,
    conflicts: str | None,
    history: str | None,
    as_of: datetime | None,
    seeds: int,
    team_seeds: int,
    coordination_seeds: int,
    seed: str,
    city_entities: int,
    processes: int,
) -> None:
    """Test CAMPAIGN's draw and teams for fairness and burden; write an internal HTML report.

    Runs the real draw on --seeds seeds (inclusion, disparity), permanent-random-number
    coordination, burden and frequency caps, and the real team assignment (officers'
    chances, workload). Prints the fairness figures of one assignment (max/min chance
    ratio, max pair probability, entropy, repeated pairs). Without --roster the studies run
    on a classified synthetic city. The report shows tiers: never publish it.
    """
    from ..assign.figures import describe_fairness
    from ..atomic import write_text_atomic
    from ..fairness import fairness_report
    from ..io import read_table
    from ..models import load_campaign

    plan = load_campaign(campaign)
    report = fairness_report(
        plan,
        read_table(roster) if roster else None,
        inspectors=read_table(inspectors) if inspectors else None,
        conflicts=read_table(conflicts) if conflicts else None,
        history=read_table(history) if history else None,
        as_of=as_of.date() if as_of else None,
        seeds=seeds,
        team_seeds=team_seeds,
        coordination_seeds=coordination_seeds,
        seed=seed,
        processes=processes,
        city_entities=city_entities,
        roster_source=roster or "roster",
    )
    write_text_atomic(output, report.html())
    verdict = "passed" if report.inclusion.passed else "FAILED"
    click.echo(f"wrote {output}: inclusion test {verdict} (p = {report.inclusion.p_value:.3g})")
    if report.chances is not None:
        click.echo(f"one assignment: {describe_fairness(report.chances)}")
    if report.officers is not None:
        study = report.officers
        verdict = "passed" if study.passed else f"FAILED ({study.flagged_officers} officer(s) flagged)"
        click.echo(f"officers' chances over {study.replicates} seeds: {verdict} (p = {study.p_value:.3g})")
