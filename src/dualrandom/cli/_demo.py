"""`dualrandom demo`: the whole campaign on a synthetic city, with progress and a summary."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._common import console, fail_on_errors, seed_text
from .i18n import Command, _

__all__ = ["demo"]

STEPS = 10


@click.command(
    cls=Command,
    examples=[
        ("A small city, in a few seconds", "dualrandom demo --entities 20000 --out demo"),
        ("The default city of 150,000 entities", "dualrandom demo"),
    ],
)
@click.option("--entities", default=150_000, show_default=True, help="Entities in the synthetic city.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="dualrandom-demo",
    show_default=True,
    help="Output directory (replaced atomically; a rerun is idempotent).",
)
@click.option(
    "--seed", default=None, callback=seed_text, help="Seed of the draw (default: the demo's dice digits)."
)
@fail_on_errors
def demo(entities: int, out: Path, seed: str | None) -> None:
    """Run a whole campaign on a synthetic city: classify, commit, draw, assign, publish, verify."""
    from ..demo import DEMO_SEED, run_demo

    started = time.perf_counter()
    columns = (SpinnerColumn(), TextColumn("{task.description:<32}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("starting", total=STEPS)

        def step(description: str) -> None:
            progress.update(task, description=description, advance=1)

        summary = run_demo(out, entities=entities, seed=seed or DEMO_SEED, step=step)
        progress.update(task, description="done", completed=STEPS)

    table = Table(title="dualrandom demo")
    table.add_column(_("what"))
    table.add_column(_("value"), justify="right")
    for name, count in summary.counts.items():
        table.add_row(name, f"{count:,}")
    table.add_row(_("bundle verified"), _("yes") if summary.verified else _("NO"))
    table.add_row(_("seconds"), f"{time.perf_counter() - started:.1f}")
    console.print(table)
    paths = Table(title=_("open these"))
    paths.add_column(_("what"))
    paths.add_column(_("path"))
    for name, path in summary.paths.items():
        paths.add_row(name, str(path))
    console.print(paths)
