"""`dualrandom results import`, `dualrandom publish` and `dualrandom report` (一公开)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from ._common import fail_on_errors

__all__ = ["publish", "report", "results"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@contextmanager
def _ledger(url: str | None) -> Iterator[Any]:
    """The existing campaign ledger at ``url`` (None when no ledger was asked for)."""
    if url is None:
        yield None
        return
    from ..ledger import Ledger

    with Ledger.open(url, create=False) as ledger:
        yield ledger


def _table(path: Path | None) -> Any:
    from ..results import read_strings

    return None if path is None else read_strings(path)


def _draw_manifest(sample: Path, given: Path | None) -> dict[str, Any] | None:
    path = given or sample.with_name(sample.name + ".manifest.json")
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@click.group()
def results() -> None:
    """Inspection results: import and validate them (official vocabulary)."""


@results.command("import")
@click.argument("file", type=_FILE)
@click.option("--campaign", "campaign_file", type=_FILE, required=True, help="Campaign TOML file.")
@click.option("--sample", type=_FILE, required=True, help="The draw's sample (CSV/XLSX/Parquet).")
@click.option("--ledger", "ledger_url", help="Ledger path or URL: append a 'results' record.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the validated CSV."
)
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Flag results overdue on this date (default: today)."
)
@fail_on_errors
def import_(
    file: Path, campaign_file: Path, sample: Path, ledger_url: str | None, output: Path | None, as_of: Any
) -> None:
    """Validate a results FILE (CSV/XLSX) against the campaign and the drawn sample.

    Prints the number of checks whose publication is overdue (due = completion + N working
    days, campaign ``publication.working_days``); -o writes the rows with ``due_on`` and ``overdue``.
    """
    from ..atomic import atomic_file
    from ..models import load_campaign
    from ..publish.deadlines import due_dates, overdue
    from ..results import import_results, record_results

    campaign = load_campaign(campaign_file)
    validated = import_results(file, campaign, _table(sample), source_name=str(file))
    day = as_of.date() if as_of is not None else date.today()
    due = due_dates(validated["completed_on"], campaign.publication.working_days)
    late = overdue(due, day)
    if output is not None:
        with atomic_file(output, suffix=".csv") as temporary:
            shown = validated.drop(columns=["tier", "row"]).assign(
                completed_on=validated["completed_on"].dt.strftime("%Y-%m-%d"),
                due_on=due.dt.strftime("%Y-%m-%d"),
                overdue=late,
            )
            shown.to_csv(temporary, index=False, encoding="utf-8")
    with _ledger(ledger_url) as ledger:
        if ledger is not None:
            record = record_results(ledger, campaign, validated, source=file.name)
            click.echo(f"ledger: results record {record.seq}")
    key = ["uscc", "task_id", "department"]
    checks = validated.drop_duplicates(key)
    late_checks = validated[late.to_numpy()].drop_duplicates(key)
    click.echo(f"{file}: {len(validated)} result(s) for {len(checks)} check(s) are valid")
    click.echo(f"overdue on {day.isoformat()}: {len(late_checks)} check(s) past their publication deadline")
    from ..publish.calendar import campaign_calendar
    from ..publish.deadlines import deadlines

    calendar = campaign_calendar(campaign, campaign_file)
    checked = deadlines(validated["completed_on"], campaign.publication.working_days, calendar)
    if checked.provisional_years:
        provisional = validated[checked.provisional.to_numpy()].drop_duplicates(key)
        years = ", ".join(str(year) for year in checked.provisional_years)
        click.echo(
            f"warning: {len(provisional)} check(s) have a provisional due date: it counts through "
            f"{years}, whose holiday notice is neither in the bureau calendar file "
            f"({calendar.source or 'none: set publication.calendar in the campaign'}) nor in the "
            "installed holidays package; enter the State Council's notice in the calendar file",
            err=True,
        )


@click.command()
@click.option("--campaign", "campaign_file", type=_FILE, required=True, help="Campaign TOML file.")
@click.option("--sample", type=_FILE, required=True, help="The draw's sample.")
@click.option("--results", "results_file", type=_FILE, required=True, help="Results (CSV/XLSX).")
@click.option("--roster", type=_FILE, required=True, help="Entity roster (names, entity types).")
@click.option("--teams", type=_FILE, help="Teams (assign output); published as officers' names.")
@click.option("--inspectors", type=_FILE, help="Inspector roster (names and certificate numbers).")
@click.option("--seed", help="The draw's seed (default: from SAMPLE.manifest.json).")
@click.option("--draw-manifest", type=_FILE, help="The draw manifest (default: SAMPLE.manifest.json).")
@click.option("--published-on", type=click.DateTime(["%Y-%m-%d"]), help="Publication date (default: today).")
@click.option("--ledger", "ledger_url", help="Ledger path or URL: append a 'publication' record.")
@click.option(
    "-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Bundle dir."
)
@fail_on_errors
def publish(
    campaign_file: Path,
    sample: Path,
    results_file: Path,
    roster: Path,
    teams: Path | None,
    inspectors: Path | None,
    seed: str | None,
    draw_manifest: Path | None,
    published_on: Any,
    ledger_url: str | None,
    output: Path,
) -> None:
    """Write the publication bundle (CSV, JSON, static site, public manifest) atomically."""
    from ..models import load_campaign
    from ..publish import publish_campaign

    with _ledger(ledger_url) as ledger:
        index = publish_campaign(
            load_campaign(campaign_file),
            _table(sample),
            results_file,
            _table(roster),
            output,
            published_on=published_on.date() if published_on is not None else date.today(),
            seed=seed,
            draw_manifest=_draw_manifest(sample, draw_manifest),
            teams=_table(teams),
            inspectors=_table(inspectors),
            ledger=ledger,
        )
    click.echo(f"{output}: {index['rows']} published row(s); bundle.json SHA-256 {index['digest']}")
    click.echo(f"on time: {index['on_time']}, overdue: {index['overdue']} (publication deadline)")


@click.command()
@click.option("--ledger", "ledger_url", required=True, help="Ledger path or URL.")
@click.option("--year", type=int, help="Only checks completed in this year.")
@click.option(
    "-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output dir."
)
@fail_on_errors
def report(ledger_url: str, year: int | None, output: Path) -> None:
    """Write the annual statistics report (report.html, report.json) from the ledger."""
    from ..report import annual_report, write_report

    with _ledger(ledger_url) as ledger:
        figures = annual_report(ledger, year)
    write_report(figures, output)
    click.echo(f"{output}: {figures['random_checks']} check(s), {figures['entities_checked']} entities")
