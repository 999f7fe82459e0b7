"""`dualrandom results import|feedback`, `dualrandom publish` and `dualrandom report` (一公开)."""

from __future__ import annotations

import json
from datetime import date, datetime
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
    steps,
    table_source,
)
from .i18n import Command, Group, _

__all__ = ["publish", "report", "results"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _table(path: Path | None, kind: str) -> Any:
    from ..results import read_strings

    return None if path is None else read_strings(path, kind)


def _draw_manifest(sample: Path, given: Path | None) -> dict[str, Any] | None:
    path = given or sample.with_name(sample.name + ".manifest.json")
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


IMPORT = (
    "Check the results against the drawn sample and record them; list the checks still without a result",
    "dualrandom results import work/results.csv --campaign campaign.toml --sample work/sample.csv "
    "--ledger work/campaign.ledger --as-of 2026-11-30",
)
FEEDBACK = (
    "Add the visits and the credit records of the results to next month's history and records",
    "dualrandom results feedback work/results.csv --campaign campaign.toml --sample work/sample.csv "
    "--teams work/teams.csv --policy policy.toml --history work/history-12.csv --records work/records-12.csv",
)


@click.group(cls=Group, examples=[IMPORT, FEEDBACK])
def results() -> None:
    """Inspection results: import and validate them (official vocabulary).

    `import` checks a results file and records it; `feedback` turns it into next month's
    inspection history and credit records.
    """


@results.command("import", examples=[IMPORT])
@table_source("file", "sample")
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
@click.option(
    "--pending", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the drawn checks that still have no result (CSV, with each task's completion date).",
)  # fmt: skip
@batch_option
@progress_option
@fail_on_errors
def import_(
    file: Path, campaign_file: Path, sample: Path, ledger_url: str | None, output: Path | None, as_of: Any,
    pending: Path | None, batch: str | None, show_progress: bool | None,
) -> None:  # fmt: skip
    """Validate a results FILE (CSV/XLSX) against the campaign and the drawn sample.

    Prints the number of checks whose publication is overdue (due = completion + N working
    days, campaign ``publication.working_days``); -o writes the rows with ``due_on`` and ``overdue``.
    With --ledger the sample must be the recorded draw, and the results are recorded once.
    Lists the drawn checks still without a result, and when each task is due.
    """
    from ..publish.calendar import campaign_calendar
    from ..publish.deadlines import deadlines, overdue

    day = as_of.date() if as_of is not None else date.today()
    with steps(show_progress) as stage:
        stage("reading the sample")
        drawn = _table(sample, "sample")
        stage("checking the results")
        with campaign_protocol(campaign_file, ledger_url, batch=batch) as protocol:
            step = protocol.import_results(
                file, drawn, source_name=str(file), sample_source=str(sample), output=output, as_of=day
            )
    validated = step.value
    _report_pending(protocol.campaign, drawn, validated, pending)
    calendar = campaign_calendar(protocol.campaign)
    checked = deadlines(validated["completed_on"], protocol.campaign.publication.working_days, calendar)
    late = overdue(checked.due_on, day)
    if ledger_url:
        click.echo(_("ledger: {step}").format(step=step.describe()))
    key = ["uscc", "task_id", "department"]
    checks = validated.drop_duplicates(key)
    late_checks = validated[late.to_numpy()].drop_duplicates(key)
    message = _("{file}: {results} result(s) for {checks} check(s) are valid")
    click.echo(message.format(file=file, results=len(validated), checks=len(checks)))
    message = _("overdue on {day}: {count} check(s) past their publication deadline")
    click.echo(message.format(day=day.isoformat(), count=len(late_checks)))
    if checked.provisional_years:
        provisional = validated[checked.provisional.to_numpy()].drop_duplicates(key)
        message = _(
            "warning: {count} check(s) have a provisional due date: it counts through {years}, whose "
            "holiday notice is neither in the bureau calendar file ({calendar}) nor in the installed "
            "holidays package; enter the State Council's notice in the calendar file"
        )
        where = calendar.source or _("none: set publication.calendar in the campaign")
        years = ", ".join(str(year) for year in checked.provisional_years)
        click.echo(message.format(count=len(provisional), years=years, calendar=where), err=True)
    if ledger_url:
        next_step("results")


@results.command("feedback", examples=[FEEDBACK])
@click.argument("file", type=_FILE)
@click.option("--campaign", "campaign_file", type=_FILE, required=True, help="Campaign TOML file.")
@click.option("--sample", type=_FILE, required=True, help="The draw's sample (CSV/XLSX/Parquet).")
@click.option("--teams", type=_FILE, required=True, help="The teams (assign output): officers of each visit.")
@click.option("--policy", "policy_file", type=_FILE, required=True, help="Classification policy ([results]).")
@click.option(
    "--history", "history_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="Inspection history to extend (created if missing); the --history of draw, assign, classify.",
)  # fmt: skip
@click.option(
    "--records", "records_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="Credit records to extend (created if missing); the --records of classify.",
)  # fmt: skip
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]),
    help="The day the results are read on: a completion date after it is refused (default: today).",
)  # fmt: skip
@batch_option
@fail_on_errors
def feedback(
    file: Path, campaign_file: Path, sample: Path, teams: Path, policy_file: Path, history_file: Path,
    records_file: Path, as_of: datetime | None, batch: str | None,
) -> None:  # fmt: skip
    """Add the visits and credit records of a results FILE to the history and records files.

    Each drawn check with results becomes one history row (its officers listed, so frequency
    caps count the visit once and rotation sees every officer); each result term becomes the
    credit records the policy's [results] table maps it to. Only rows not there yet are added:
    running it twice changes nothing. The results are checked as `results import` checks them.
    """
    from ..classify import load_policy
    from ..feedback import update_feedback
    from ..models import load_campaign

    policy = load_policy(policy_file)
    done = update_feedback(
        file, load_campaign(campaign_file), _table(sample, "sample"), _table(teams, "teams"), policy,
        history_path=history_file, records_path=records_file, source_name=str(file), teams_source=str(teams),
        batch=batch, as_of=as_of.date() if as_of else None,
    )  # fmt: skip
    message = _("{file}: {added} visit(s) added, {present} already there")
    click.echo(message.format(file=history_file, added=done.history_added, present=done.history_present))
    message = _("{file}: {added} credit record(s) added, {present} already there")
    click.echo(message.format(file=records_file, added=done.records_added, present=done.records_present))
    hint = _(
        "`dualrandom classify ROSTER --policy {policy} --records {records} --history {history} ...`, "
        "then `dualrandom draw ... --history {history} --as-of DATE`"
    )
    hint = hint.format(policy=policy_file, records=records_file, history=history_file)
    click.echo(_("next: {hint}").format(hint=hint), err=True)


def _report_pending(campaign: Any, sample: Any, validated: Any, path: Path | None) -> None:
    """Print how many drawn checks have no result yet (the first ten), and write them all to ``path``."""
    from ..atomic import atomic_file
    from ..results import pending_checks

    waiting = pending_checks(campaign, sample, validated)
    if path is not None:
        with atomic_file(path, suffix=".csv") as temporary:
            waiting.to_csv(temporary, index=False, encoding="utf-8-sig")
    if waiting.empty:
        click.echo(_("every drawn check has a result"))
        return
    where = _(" (all in {path})").format(path=path) if path else ""
    click.echo(_("{count} drawn check(s) have no result yet").format(count=len(waiting)) + where)
    for uscc, task_id, department, due_on in waiting.head(10).itertuples(index=False, name=None):
        due = _(", due {day}").format(day=due_on) if due_on else ""
        click.echo("  - " + _("{uscc} task {task}, {department}").format(
            uscc=uscc, task=task_id, department=department
        ) + due)  # fmt: skip
    if len(waiting) > 10:
        click.echo(
            _("  ... and {count} more (--pending FILE lists them all)").format(count=len(waiting) - 10)
        )


@click.command(
    cls=Command,
    examples=[
        (
            "Publish the checks' results with their teams; anchor the bundle to the ledger",
            "dualrandom publish --campaign campaign.toml --sample work/sample.csv --teams work/teams.csv "
            "--inspectors city/inspectors.csv --results work/results.csv --roster work/classified.csv "
            "--published-on 2026-11-30 --ledger work/campaign.ledger -o bundle",
        ),
    ],
)
@table_source("roster", "sample", "results_file", "teams", "inspectors")
@click.option("--campaign", "campaign_file", type=_FILE, required=True, help="Campaign TOML file.")
@click.option("--sample", type=_FILE, required=True, help="The draw's sample.")
@click.option("--results", "results_file", type=_FILE, required=True, help="Results (CSV/XLSX).")
@click.option("--roster", type=_FILE, required=True, help="Entity roster (names, entity types).")
@click.option("--teams", type=_FILE, help="Teams (assign output); published as officers' names.")
@click.option("--inspectors", type=_FILE, help="Inspector roster (names and certificate numbers).")
@click.option("--seed", callback=seed_text, help="The draw's seed (default: from SAMPLE.manifest.json).")
@click.option("--draw-manifest", type=_FILE, help="The draw manifest (default: SAMPLE.manifest.json).")
@click.option("--published-on", type=click.DateTime(["%Y-%m-%d"]), help="Publication date (default: today).")
@click.option("--ledger", "ledger_url", help="Ledger path or URL: append a 'publication' record.")
@click.option(
    "-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Bundle dir."
)
@batch_option
@progress_option
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
    batch: str | None,
    show_progress: bool | None,
) -> None:
    """Write the publication bundle (CSV, JSON, static site, public manifest) atomically.

    OUTPUT must be a new or empty folder, or a bundle published before: publication never
    replaces other files. With --ledger, every input must be the recorded one and the bundle
    carries the ledger head (its anchor) for `dualrandom verify BUNDLE --ledger`.
    """
    with steps(show_progress) as stage:
        stage("reading the sample, the roster and the teams")
        drawn, register = _table(sample, "sample"), _table(roster, "entities")
        officers, people = _table(teams, "teams"), _table(inspectors, "inspectors")
        stage("writing the publication bundle")
        with campaign_protocol(campaign_file, ledger_url, batch=batch) as protocol:
            step = protocol.publish(
                drawn, results_file, register, output,
                published_on=published_on.date() if published_on is not None else date.today(),
                seed=seed, draw_manifest=_draw_manifest(sample, draw_manifest), teams=officers,
                inspectors=people,
            )  # fmt: skip
    index = step.value
    message = _("{output}: {rows} published row(s); bundle.json SHA-256 {digest}")
    click.echo(message.format(output=output, rows=index["rows"], digest=index["digest"]))
    message = _("on time: {on_time}, overdue: {overdue} (publication deadline)")
    click.echo(message.format(on_time=index["on_time"], overdue=index["overdue"]))
    if ledger_url:
        anchor = index.get("ledger") or {}
        message = _("ledger: {step}; anchored at head {seq}:{hash}")
        click.echo(message.format(step=step.describe(), seq=anchor.get("seq"), hash=anchor.get("hash")))
        next_step("publish")


@click.command(
    cls=Command,
    examples=[
        ("The year's statistics from the ledger", "dualrandom report --ledger work/campaign.ledger -o report")
    ],
)
@click.option("--ledger", "ledger_url", required=True, help="Ledger path or URL.")
@click.option("--year", type=int, help="Only checks completed in this year.")
@click.option(
    "-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output dir."
)
@fail_on_errors
def report(ledger_url: str, year: int | None, output: Path) -> None:
    """Write the annual statistics report (report.html, report.json) from the ledger."""
    from ..ledger import Ledger
    from ..report import annual_report, write_report

    with Ledger.open(ledger_url, create=False, read_only=True) as ledger:
        figures = annual_report(ledger, year)
    write_report(figures, output)
    message = _(
        "{output}: {checks} check(s) by task (抽查次数), {visits} entity check(s) (户次), {entities} entities"
    )
    click.echo(message.format(output=output, checks=figures["random_checks"], visits=figures["entity_checks"],
                              entities=figures["entities_checked"]))  # fmt: skip
