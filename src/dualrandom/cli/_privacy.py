"""`dualrandom privacy`: the tier-inference attack on a publication bundle (docs/draw-spec.md §12)."""

from __future__ import annotations

import json

import click

from ._common import fail_on_errors, table_source
from .i18n import Command

__all__ = ["privacy"]


@click.command(
    cls=Command,
    examples=[
        (
            "How many entities' tiers the tutorial's bundle narrows (0 when sealed)",
            "dualrandom privacy bundle --campaign campaign.toml --roster work/classified.csv",
        ),
    ],
)
@table_source("roster")
@click.argument("bundle", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--campaign", type=click.Path(exists=True, dir_okay=False), required=True, help="Campaign TOML."
)
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="Register of codes (uscc, entity_type, industry, division); a tier column only splits the counts.",
)
@fail_on_errors
def privacy(bundle: str, campaign: str, roster: str) -> None:
    """Measure how many entities' tier sets BUNDLE narrows, per tier (must be 0 when sealed).

    Prints the figures as JSON; exits 1 when any entity's tier set is narrowed.
    """
    from ..io import read_table
    from ..models import load_campaign
    from ..publish.attack import bundle_narrowing
    from ..publish.privacy import entity_types

    register = read_table(roster)
    if "entity_type" in register.columns:
        register = register.assign(entity_type=entity_types(register["entity_type"]))
    figures = bundle_narrowing(bundle, load_campaign(campaign), register).as_dict()
    click.echo(json.dumps(figures, ensure_ascii=False, indent=2, sort_keys=True))
    if figures["narrowed"]:
        raise SystemExit(1)
