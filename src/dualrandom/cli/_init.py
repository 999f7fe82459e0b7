"""`dualrandom init`: write a commented campaign file to start from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from ..atomic import write_text_atomic
from ._common import fail_on_errors
from .i18n import Command, _

__all__ = ["campaign_template", "init"]


TEMPLATES = {"campaign": "campaign-template.toml", "policy": "policy.toml"}


def campaign_template(kind: str = "campaign") -> str:
    """The commented file that `dualrandom init` writes: a campaign or a classification policy."""
    return resources.files("dualrandom").joinpath(f"data/{TEMPLATES[kind]}").read_text("utf-8")


@click.command(
    cls=Command,
    examples=[
        ("The campaign file to edit", "dualrandom init campaign.toml"),
        ("The classification policy to edit", "dualrandom init policy.toml --kind policy"),
    ],
)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--kind",
    type=click.Choice(list(TEMPLATES)),
    default="campaign",
    show_default=True,
    help="A campaign file, or the classification policy (Henan-style scorecard).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@fail_on_errors
def init(path: Path | None, kind: str, force: bool) -> None:
    """Write a commented campaign file (or --kind policy) to edit for a real campaign.

    PATH defaults to campaign.toml (policy.toml with --kind policy).
    """
    path = path or Path(f"{kind}.toml")
    if path.exists() and not force:
        raise click.ClickException(_("{path} exists; pass --force to overwrite it").format(path=path))
    write_text_atomic(path, campaign_template(kind))
    what = (
        _("the plan, departments, items, tasks and ratios") if kind == "campaign" else _("weights and tiers")
    )
    click.echo(_("wrote {path}: edit {what}").format(path=path, what=what))
