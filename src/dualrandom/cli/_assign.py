"""`dualrandom assign`: the second random, inspector teams for a drawn sample."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ._common import (
    batch_option,
    campaign_protocol,
    fail_on_errors,
    next_step,
    progress_option,
    seed_text,
    table_source,
)
from ._common import steps as progress_steps
from .i18n import Command, _

__all__ = ["assign"]

EXAMPLES = [
    (
        "Draw the teams of the tutorial's sample under the published seed; record them in the ledger",
        "dualrandom assign work/sample.csv --inspectors city/inspectors.csv --conflicts city/conflicts.csv "
        "--campaign campaign.toml --history city/history.csv --seed 73925180462217783145 -o work/teams.csv "
        "--ledger work/campaign.ledger",
    ),
    (
        "Every officer's chance per target too (marginals mode), without recording",
        "dualrandom assign work/sample.csv --inspectors city/inspectors.csv --conflicts city/conflicts.csv "
        "--campaign campaign.toml --seed 73925180462217783145 --mode marginals -o work/teams-trial.csv",
    ),
]


@click.command(cls=Command, examples=EXAMPLES)
@table_source("inspectors", "sample", "conflicts", "history")
@click.argument("sample", type=click.Path(dir_okay=False))
@click.option("--inspectors", required=True, type=click.Path(dir_okay=False), help="Inspector roster.")
@click.option(
    "--conflicts", type=click.Path(dir_okay=False), help="Declared conflicts (inspector_id, uscc, reason)."
)
@click.option(
    "--campaign", type=click.Path(dir_okay=False), help="Campaign TOML; default team rules without it."
)
@click.option(
    "--history", type=click.Path(dir_okay=False), help="Inspection history (for the rotation rule)."
)
@click.option("--seed", required=True, callback=seed_text, help="The published seed of this assignment.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Teams table to write.")
@click.option("--mode", type=click.Choice(["fast", "marginals"]), help="Override the campaign's mode.")
@click.option("--allow-partial", is_flag=True, help="Assign what can be assigned; list the rest.")
@click.option(
    "--candidates", type=click.IntRange(min=1), help="Thin to C candidates per target (huge rosters)."
)
@click.option(
    "--on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Assignment date (visit date if unscheduled)."
)
@click.option(
    "--ledger", "ledger_url", default=None, help="Record the assignment in this ledger (needs --campaign)."
)
@batch_option
@progress_option
@fail_on_errors
def assign(
    sample: str, inspectors: str, conflicts: str | None, campaign: str | None, history: str | None, seed: str,
    output: str, mode: str | None, allow_partial: bool, candidates: int | None, on: datetime | None,
    ledger_url: str | None, batch: str | None, show_progress: bool | None,
) -> None:  # fmt: skip
    """Draw inspector teams for SAMPLE under SEED; write TEAMS and TEAMS.manifest.json.

    In marginals mode every officer's probability per target goes to TEAMS.marginals.csv.
    """
    from ..assign import assign_teams
    from ..assign.figures import describe_fairness
    from ..io import read_table
    from ..io.tables import check_output
    from ..protocol import write_teams

    if ledger_url and not campaign:
        raise click.UsageError(_("--ledger needs --campaign (the ledger records per campaign)"))
    check_output(output)
    sample_frame = read_table(sample)
    options: dict[str, Any] = {
        "history": read_table(history) if history else None, "mode": mode, "allow_partial": allow_partial,
        "candidates": candidates, "on": on.date() if on else None,
        "sources": {"sample": sample, "inspectors": inspectors, "conflicts": conflicts or "",
                    "history": history or ""},
    }  # fmt: skip
    people, declared = read_table(inspectors), read_table(conflicts) if conflicts else None
    with progress_steps(show_progress) as progress:
        progress("assigning teams")
        if campaign is None:
            result = assign_teams(sample_frame, people, declared, None, seed, progress=progress, **options)
            write_teams(result, output)
        else:
            with campaign_protocol(campaign, ledger_url, batch=batch) as protocol:
                step = protocol.assign(
                    sample_frame, people, declared, seed, output=output, source=sample, progress=progress,
                    **options,
                )  # fmt: skip
            result = step.value
    targets = result.teams[["uscc", "task_id"]].drop_duplicates().shape[0]
    message = _("assigned {officers} officer(s) to {targets} target(s) ({mode} mode); manifest: {name}")
    click.echo(message.format(officers=len(result.teams), targets=targets, mode=result.manifest["mode"],
                              name=f"{Path(output).name}.manifest.json"))  # fmt: skip
    click.echo(describe_fairness(result.manifest["fairness"]))
    if ledger_url:
        click.echo(step.describe())
        next_step("assign")
    if result.unassigned:
        click.echo(_("{count} target(s) left unassigned:").format(count=len(result.unassigned)), err=True)
        for shortage in result.unassigned:
            click.echo(f"  - {shortage.describe()}", err=True)
