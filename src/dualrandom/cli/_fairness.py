"""`dualrandom fairness`: every fairness and burden study of a campaign, as one HTML page."""

from __future__ import annotations

import os
from datetime import datetime

import click

from ._common import fail_on_errors, progress_option, steps, table_source
from .i18n import Command, _

__all__ = ["fairness"]

_FILE = click.Path(dir_okay=False)


@click.command(
    cls=Command,
    examples=[
        (
            "Study the tutorial's campaign on its classified roster and officers (internal report)",
            "dualrandom fairness campaign.toml -o work/fairness.html --roster work/classified.csv "
            "--inspectors city/inspectors.csv --conflicts city/conflicts.csv --history city/history.csv "
            "--seeds 200 --team-seeds 50",
        ),
        (
            "A quick look on a synthetic city",
            "dualrandom fairness campaign.toml -o work/fairness-city.html --seeds 100",
        ),
    ],
)
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
@progress_option
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
    show_progress: bool | None,
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
    with steps(show_progress) as step:
        step("reading the rosters")
        officers, declared = (read_table(path) if path else None for path in (inspectors, conflicts))
        past = read_table(history) if history else None
        report = fairness_report(
            plan,
            read_table(roster) if roster else None,
            inspectors=officers,
            conflicts=declared,
            history=past,
            as_of=as_of.date() if as_of else None,
            seeds=seeds,
            team_seeds=team_seeds,
            coordination_seeds=coordination_seeds,
            seed=seed,
            processes=processes,
            city_entities=city_entities,
            roster_source=roster or "roster",
            progress=step,
        )
        step("writing the report")
        write_text_atomic(output, report.html())
    verdict = _("passed") if report.inclusion.passed else _("FAILED")
    message = _("wrote {output}: inclusion test {verdict} (p = {p})")
    click.echo(message.format(output=output, verdict=verdict, p=f"{report.inclusion.p_value:.3g}"))
    if report.chances is not None:
        click.echo(_("one assignment: {figures}").format(figures=describe_fairness(report.chances)))
    if report.officers is not None:
        study = report.officers
        verdict = (
            _("passed")
            if study.passed
            else _("FAILED ({count} officer(s) flagged)").format(count=study.flagged_officers)
        )
        message = _("officers' chances over {seeds} seeds: {verdict} (p = {p})")
        click.echo(message.format(seeds=study.replicates, verdict=verdict, p=f"{study.p_value:.3g}"))
