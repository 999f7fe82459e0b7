"""`dualrandom synth`: write the tables of a synthetic city for demos, tests and benchmarks."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click

from ..io import write_table
from ..synth import synth_city
from ..synth.credit import synth_credit
from ._common import fail_on_errors
from .i18n import Command, _

__all__ = ["synth"]


@click.command(
    cls=Command,
    examples=[
        (
            "The tutorial's city: 20,000 entities and their officers, conflicts, history and records",
            "dualrandom synth --out city --entities 20000",
        ),
        (
            "Simulated results for the tutorial's sample",
            "dualrandom synth --out work --results-for work/sample.csv",
        ),
    ],
)
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory."
)
@click.option("--entities", "n_entities", default=150_000, show_default=True, type=click.IntRange(min=1))
@click.option("--inspectors", "n_inspectors", default=400, show_default=True, type=click.IntRange(min=2))
@click.option("--departments", "n_departments", default=30, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--seed", default="demo", show_default=True, help="Any text; the same seed gives the same city."
)
@click.option("--as-of", "as_of", default="2026-11-01", show_default=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option(
    "--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "parquet", "xlsx"])
)
@click.option(
    "--results-for",
    "results_for",
    type=click.Path(dir_okay=False),
    default=None,
    help="Instead of a city: write OUT/results.csv, simulated results for this drawn SAMPLE.",
)
@fail_on_errors
def synth(
    out: Path,
    n_entities: int,
    n_inspectors: int,
    n_departments: int,
    seed: str,
    as_of: datetime,
    fmt: str,
    results_for: str | None,
) -> None:
    """Write a synthetic city's rosters (entities, inspectors, conflicts, history, credit records) to OUT."""
    if results_for is not None:
        from ..io import read_table
        from ..synth.results import synth_results

        results = synth_results(read_table(results_for), seed=seed, start=as_of.date() + timedelta(days=2))
        write_table(results, out / "results.csv")
        click.echo(_("wrote {path} ({rows} rows)").format(path=out / "results.csv", rows=f"{len(results):,}"))
        return
    if n_inspectors < 2 * n_departments:
        raise click.BadParameter(
            _("need at least 2 inspectors per department ({count})").format(count=2 * n_departments)
        )
    city = synth_city(
        n_entities, seed=seed, n_departments=n_departments, n_inspectors=n_inspectors, as_of=as_of.date()
    )
    records = synth_credit(city.entities, as_of=as_of.date(), seed=seed)
    for name, frame in {**city.tables(), "credit_records": records}.items():
        path = out / f"{name}.{fmt}"
        write_table(frame, path)
        click.echo(_("wrote {path} ({rows} rows)").format(path=path, rows=f"{len(frame):,}"))
