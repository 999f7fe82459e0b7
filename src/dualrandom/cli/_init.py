"""`dualrandom init`: write a commented campaign file to start from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from ..atomic import write_text_atomic
from ._common import fail_on_errors

__all__ = ["campaign_template", "init"]


def campaign_template() -> str:
    """The commented campaign file that `dualrandom init` writes."""
    return resources.files("dualrandom").joinpath("data/campaign-template.toml").read_text("utf-8")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="campaign.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@fail_on_errors
def init(path: Path, force: bool) -> None:
    """Write a commented campaign file (default: campaign.toml) to edit for a real campaign."""
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; pass --force to overwrite it")
    write_text_atomic(path, campaign_template())
    click.echo(f"wrote {path}: edit the plan, departments, items, tasks and ratios")
