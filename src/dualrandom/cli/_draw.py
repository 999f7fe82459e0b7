"""`dualrandom commit`, `tickets` and `draw`: the first random, from the command line."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import (
    batch_option,
    campaign_protocol,
    fail_on_errors,
    next_step,
    progress_option,
    read_residents,
    seed_text,
    steps,
    table_source,
)
from .i18n import Command, _

if TYPE_CHECKING:
    from ..draw import Draw
    from ..draw.sealed import Seal

__all__ = ["commit", "draw", "seal", "substitute", "tickets", "trigger"]

SEED = "73925180462217783145"
"""The tutorial's seed, in the examples."""
FIRST_DRAWN = '"$(sed -n 2p work/sample.csv | cut -d, -f1)"'
"""The first drawn code of the tutorial's sample, in the examples."""


def _ratios(values: tuple[str, ...]) -> dict[str, float]:
    ratios: dict[str, float] = {}
    for value in values:
        tier, sep, number = value.partition("=")
        try:
            ratio = float(number)
        except ValueError:
            ratio = -1.0
        if not sep or not tier.strip() or not 0.0 <= ratio <= 1.0:
            message = _("{value!r} is not TIER=R with 0 <= R <= 1").format(value=value)
            raise click.BadParameter(message, param_hint="'--ratio'")
        ratios[tier.strip()] = ratio
    return ratios


@click.command(
    cls=Command,
    examples=[
        (
            "Commit to the frozen roster in the ledger before the seed ceremony, sealing the tickets",
            "dualrandom commit work/classified.csv -o work/commitment.json --ledger work/campaign.ledger "
            "--campaign campaign.toml --seal-out auditor/sealed.json --history city/history.csv "
            "--as-of 2026-11-02",
        ),
        ("Only print the roster's digest", "dualrandom commit work/classified.csv -o work/digest.json"),
    ],
)
@table_source("roster", "history", snapshot=True)
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="COMMITMENT.json to write."
)
@click.option("--strata", default=None, help="Roster column the quotas are allocated over, if any.")
@click.option("--snapshot-digest", default=None, help="Digest of the classification snapshot.")
@click.option(
    "--ledger", "ledger_url", default=None, help="Record the commitment in this ledger (path or URL)."
)
@click.option(
    "--campaign", "campaign_file", type=click.Path(dir_okay=False), help="Campaign TOML (with --ledger)."
)
@click.option(
    "--seal-out", type=click.Path(dir_okay=False), default=None,
    help="Seal the tickets: write the secret sealed material (auditors only) here; reused if it exists.",
)  # fmt: skip
@click.option(
    "--history", type=click.Path(dir_okay=False), help="With --seal-out: the history the draw uses."
)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="With --seal-out: the draw date.")
@click.option(
    "--without-history", is_flag=True, help="With --seal-out: the draw will waive the frequency caps."
)
@fail_on_errors
def commit(
    roster: str, output: str, strata: str | None, snapshot_digest: str | None, ledger_url: str | None,
    campaign_file: str | None, seal_out: str | None, history: str | None, as_of: datetime | None,
    without_history: bool,
) -> None:  # fmt: skip
    """Digest the frozen ROSTER; publish the digest BEFORE the seed is drawn.

    With --seal-out, tickets are keyed by a secret key committed here (sealed draw, tier-private):
    keep the written file for the auditors and pass it to `dualrandom draw --seal`. A plan in
    batches is committed once, without --as-of; each batch is then sealed with `dualrandom seal`.
    """
    from ..engines.tiers import read_tiered
    from ..protocol import write_commitment

    if bool(ledger_url) != bool(campaign_file):
        raise click.UsageError(_("--ledger and --campaign go together (the ledger records per campaign)"))
    if seal_out and not campaign_file:
        raise click.UsageError(_("--seal-out needs --campaign (the seal covers the campaign's tasks)"))
    table = read_tiered(roster)
    if campaign_file:
        from ..models import load_campaign

        seal = (
            _seal(table, load_campaign(campaign_file), seal_out, history, as_of, without_history)
            if seal_out
            else None
        )
        with campaign_protocol(campaign_file, ledger_url, create=True) as protocol:
            step = protocol.commit(
                table, output=output, snapshot_digest=snapshot_digest, strata=strata, seal=seal,
                seal_output=seal_out,
            )  # fmt: skip
        click.echo(step.value["roster_digest"])
        click.echo(step.describe(), err=True)
        if ledger_url:
            next_step("commit")
        return
    from ..draw import commitment

    record = commitment(table, snapshot_digest=snapshot_digest, strata=strata)
    write_commitment(record, output)
    click.echo(record["roster_digest"])


def _seal(
    table: Any, campaign: Any, path: str, history: str | None, as_of: datetime | None, without: bool
) -> Seal:
    """The sealed material at ``path`` if it exists (a rerun), else a new key sealed now."""
    from ..draw.sealed import read_seal, seal_campaign, seal_plan

    if Path(path).exists():
        return read_seal(path)
    if history and without:
        raise click.UsageError(_("--history and --without-history exclude each other"))
    if campaign.plan.batches:
        return _seal_plan(table, campaign, history, as_of, without, seal_plan)
    if campaign.sampling.frequency_caps and not without and not (history and as_of):
        raise click.UsageError(
            _(
                "this campaign has frequency caps, so the seal commits each task's frame after the caps: "
                "give --history and --as-of, the same the draw will use "
                "(or --without-history to waive the caps)"
            )
        )
    past = _history(history, without)
    return seal_campaign(table, campaign, history=past, as_of=as_of.date() if as_of else None)


def _seal_plan(
    table: Any, campaign: Any, history: str | None, as_of: datetime | None, without: bool,
    seal_plan: Callable[..., Seal],
) -> Seal:  # fmt: skip
    """The plan commitment of a plan in batches: no draw date (each batch is sealed on its own)."""
    if as_of is not None:
        raise click.UsageError(
            _(
                "plan {plan} is drawn in batches: its commitment has no --as-of (each batch is drawn on its "
                "date and sealed before its seed with `dualrandom seal --batch B`)"
            ).format(plan=campaign.plan.id)
        )
    if campaign.sampling.frequency_caps and not (history or without):
        raise click.UsageError(
            _(
                "this plan has frequency caps: give --history, the file its batches count past checks in "
                "(or --without-history: only the plan's own recorded checks count)"
            )
        )
    return seal_plan(table, campaign, history=_history(history, without))


@click.command(
    cls=Command,
    examples=[
        (
            "Seal batch B2 of the annual plan before its seed ceremony (after B1 is drawn)",
            "dualrandom seal work/classified.csv --batch B2 --campaign year.toml --ledger work/year.ledger "
            "--seal auditor/sealed.json --history city/history.csv -o work/B2.seal.json",
        ),
    ],
)
@table_source("roster", "history", snapshot=True)
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option("--campaign", "campaign_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Campaign TOML of the annual plan.")  # fmt: skip
@click.option(
    "--ledger", "ledger_url", required=True, help="The plan's ledger (it holds the plan commitment)."
)
@click.option(
    "--seal", "seal_file", required=True, type=click.Path(exists=True, dir_okay=False),
    help="The plan's sealed material, which `commit --seal-out` wrote.",
)  # fmt: skip
@click.option(
    "--history", type=click.Path(dir_okay=False), help="The history file the plan commitment committed."
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False),
    help="BATCH-SEAL.json to write (public: announce its digest before the seed).",
)  # fmt: skip
@batch_option
@fail_on_errors
def seal(
    roster: str, campaign_file: str, ledger_url: str, seal_file: str, history: str | None, output: str,
    batch: str | None,
) -> None:  # fmt: skip
    """Seal a batch of a sealed annual plan BEFORE its seed: its frames, counts and quotas.

    Computed under the plan's key from the plan commitment, its history file and the batches and
    triggered checks the ledger recorded so far; prints the digest to announce with the seed ceremony.
    """
    from ..draw.sealed import read_seal
    from ..engines.tiers import read_tiered
    from ..io import read_table

    if batch is None:
        raise click.UsageError(_("name the batch to seal (--batch B)"))
    material = read_seal(seal_file)
    table = read_tiered(roster)
    with campaign_protocol(campaign_file, ledger_url, batch=batch) as protocol:
        step = protocol.seal_batch(
            table, material, history=read_table(history) if history else None, output=output
        )
    click.echo(step.value["sealed"]["commitment_digest"])
    click.echo(step.describe(), err=True)
    next_step("seal")


@click.command(
    cls=Command,
    examples=[
        (
            "The tickets of the drawn entities of task T1 (its seed: the campaign seed, a slash, the task)",
            f"tail -n +2 work/sample.csv | cut -d, -f1 | dualrandom tickets --seed {SEED}/T1",
        ),
    ],
)
@click.option(
    "--seed", required=True, callback=seed_text, help="The public seed (text; leading zeros matter)."
)
@fail_on_errors
def tickets(seed: str) -> None:
    """Read IDs one per line on stdin; write `uscc,ticket` CSV on stdout (IDs normalised)."""
    from ..ids import normalize_id
    from ..tickets import tickets as full_tickets

    ids = [normalize_id(line.lstrip("\ufeff")) for line in sys.stdin.read().splitlines()]
    ids = [i for i in ids if i]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["uscc", "ticket"])
    writer.writerows(zip(ids, full_tickets(seed, ids).tolist(), strict=True))
    click.echo(out.getvalue(), nl=False)


@click.command(
    cls=Command,
    examples=[
        (
            "Draw the campaign under the seed of the public ceremony; record it in the ledger",
            f"dualrandom draw work/classified.csv --campaign campaign.toml --seed {SEED} "
            "--history city/history.csv --as-of 2026-11-02 -o work/sample.csv --ledger work/campaign.ledger "
            "--seal auditor/sealed.json",
        ),
        (
            "Try ratios per tier without a campaign file (nothing recorded)",
            "dualrandom draw work/classified.csv --ratio A=0.02 --ratio B=0.05 --ratio C=0.1 --ratio D=0.2 "
            "--seed 12345 -o work/trial.csv",
        ),
    ],
)
@table_source("roster", "history", "residents", snapshot=True)
@click.argument("roster", type=click.Path())
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False), help="Campaign TOML file.")
@click.option(
    "--ratio", "ratio_values", multiple=True, metavar="TIER=R", help="Instead of --campaign (repeat)."
)
@click.option(
    "--seed", required=True, callback=seed_text, help="The public seed (text; leading zeros matter)."
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="SAMPLE file to write.")
@click.option("--history", type=click.Path(dir_okay=False), help="Inspection history, for frequency caps.")
@click.option(
    "--without-history", is_flag=True,
    help="Draw a campaign with frequency caps without them, on purpose (the manifest records it).",
)  # fmt: skip
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Draw date (YYYY-MM-DD); caps count back 365 days."
)
@click.option(
    "--mode", type=click.Choice(["fixed", "bernoulli"]), help="With --ratio: fixed (default) or bernoulli."
)
@click.option(
    "--reserve", type=click.IntRange(0), help="With --ratio: reserve entities per tier (default 5)."
)
@click.option(
    "--residents", type=click.Path(dir_okay=False), help="CSV stratum,residents for per-capita quotas."
)
@click.option("--snapshot-digest", default=None, help="Digest of the classification snapshot.")
@click.option(
    "--ledger",
    "ledger_url",
    default=None,
    help="Record the seed and the draw in this ledger (it must hold the roster commitment).",
)
@click.option("--seed-source", default="public ceremony", show_default=True, help="Where the seed came from.")
@click.option(
    "--seal", "seal_file", type=click.Path(exists=True, dir_okay=False), default=None,
    help="The sealed material `commit --seal-out` wrote, for a sealed (tier-private) draw.",
)  # fmt: skip
@click.option("--engine", type=click.Choice(["memory", "dask"]), default="memory", show_default=True,
              help="dask: ROSTER is a Parquet file, directory or glob, drawn on a Dask cluster.")  # fmt: skip
@click.option(
    "--scheduler", default=None, help="With --engine dask: 'threads', 'local' or a scheduler address."
)
@batch_option
@progress_option
@fail_on_errors
def draw(
    roster: str,
    campaign_file: str | None,
    ratio_values: tuple[str, ...],
    seed: str,
    output: str,
    history: str | None,
    without_history: bool,
    as_of: datetime | None,
    mode: str | None,
    reserve: int | None,
    residents: str | None,
    snapshot_digest: str | None,
    ledger_url: str | None,
    seed_source: str,
    seal_file: str | None,
    engine: str,
    scheduler: str | None,
    batch: str | None,
    show_progress: bool | None,
) -> None:
    """Draw the tier-stratified sample of ROSTER under SEED; write SAMPLE and SAMPLE.manifest.json.

    Also writes SAMPLE.public.json, the manifest without any entity's tier. A batch of an
    annual plan (--batch) is drawn on its date against the history plus the plan's earlier
    batches and triggered checks, written as SAMPLE.history.csv for the auditor.
    """
    from ..draw import draw_campaign, draw_sample
    from ..engines.tiers import read_tiered
    from ..io.tables import check_output

    if bool(campaign_file) == bool(ratio_values):
        raise click.UsageError(_("give either --campaign FILE or one or more --ratio TIER=R"))
    if campaign_file and (mode is not None or reserve is not None):
        raise click.UsageError(_("--mode and --reserve go with --ratio; a campaign sets them in [sampling]"))
    if ledger_url and not campaign_file:
        raise click.UsageError(_("--ledger needs --campaign (the ledger records per campaign)"))
    if history and as_of is None and batch is None:
        raise click.UsageError(_("--history needs --as-of (the draw date the caps count back from)"))
    if batch and not campaign_file:
        raise click.UsageError(_("--batch needs --campaign (batches are declared in the plan)"))
    if history and without_history:
        raise click.UsageError(_("--history and --without-history exclude each other"))
    when = as_of.date() if as_of is not None else None
    if scheduler and engine != "dask":
        raise click.UsageError(_("--scheduler goes with --engine dask"))
    check_output(output)
    campaign_draw: Callable[..., Draw] = draw_campaign
    ratio_draw: Callable[..., Draw] = draw_sample
    if engine == "dask":  # same arguments, same Draw: only where the work runs differs
        from ..engines.console import draw_on_dask

        campaign_draw = ratio_draw = draw_on_dask(scheduler)
    with steps(show_progress if engine == "memory" else False) as step:  # dask: the engine's own bar
        step("reading the roster")
        table = read_tiered(roster) if engine == "memory" else roster
        step("drawing")
        _draw(table, roster, campaign_file, ratio_values, seed, output, history, without_history, when,
              mode, reserve, residents, snapshot_digest, ledger_url, seed_source, seal_file, batch,
              (campaign_draw, ratio_draw))  # fmt: skip


def _draw(
    table: Any, roster: str, campaign_file: str | None, ratio_values: tuple[str, ...], seed: str, output: str,
    history: str | None, without_history: bool, when: Any, mode: str | None, reserve: int | None,
    residents: str | None, snapshot_digest: str | None, ledger_url: str | None, seed_source: str,
    seal_file: str | None, batch: str | None, drawers: tuple[Callable[..., Draw], Callable[..., Draw]],
) -> None:  # fmt: skip
    """The draw itself, by ratios or by the campaign (recorded with a ledger), and its summary."""
    from ..draw.sealed import read_seal
    from ..protocol import write_draw

    campaign_draw, ratio_draw = drawers
    if not campaign_file:
        if history or seal_file or without_history:
            message = (
                "--history, --without-history and --seal need --campaign (caps and seals are campaign policy)"
            )
            raise click.UsageError(_(message))
        result = ratio_draw(
            table, _ratios(ratio_values), seed, mode=mode or "fixed",
            reserve=5 if reserve is None else reserve, snapshot_digest=snapshot_digest, source=roster,
        )  # fmt: skip
        write_draw(result, output)
        _drawn(result, output)
        return
    with campaign_protocol(campaign_file, ledger_url, batch=batch) as protocol:
        step = protocol.draw(
            table, seed, output=output, seed_source=seed_source, drawer=campaign_draw,
            history=_history(history, without_history), as_of=when,
            residents=read_residents(residents) if residents else None, snapshot_digest=snapshot_digest,
            source=roster, history_source=history or "history",
            seal=read_seal(seal_file) if seal_file else None,
        )  # fmt: skip
    _drawn(step.value, output)
    if ledger_url:
        click.echo(step.describe())
        next_step("draw")


def _history(path: str | None, without: bool) -> Any:
    """The history table, `NO_HISTORY` when the operator waives the caps, else None."""
    from ..draw import NO_HISTORY
    from ..io import read_table

    if without:
        return NO_HISTORY
    return read_table(path) if path else None


def _drawn(result: Draw, output: str) -> None:
    tasks = result.sample["task_id"].nunique()
    message = _(
        "drew {count} entities in {tasks} task(s); public manifest: {name}.public.json (publish it); "
        "auditor's manifest: {name}.manifest.json (internal: names tiers)"
    )
    click.echo(message.format(count=len(result.sample), tasks=tasks, name=Path(output).name))
    capped = result.manifest.get("capped_entities")
    if capped is not None:
        cells = sum(int(c["capped"]) for c in result.manifest.get("strata", []))
        message = _(
            "frequency caps left out {capped} entities ({cells} task frame places: an entity in several "
            "tasks' frames is counted in each)"
        )
        click.echo(message.format(capped=capped, cells=cells))


@click.command(
    cls=Command,
    examples=[
        (
            "Replace a drawn entity found deregistered by the next of its reserve; record why",
            f"dualrandom substitute work/sample.csv --uscc {FIRST_DRAWN} --reason 已注销 "
            "--campaign campaign.toml --ledger work/campaign.ledger",
        ),
    ],
)
@click.argument("sample", type=click.Path(exists=True, dir_okay=False))
@click.option("--uscc", required=True, help="The drawn entity to replace.")
@click.option("--reason", required=True, help="Why (deregistered, moved out, recusal unsatisfiable, ...).")
@click.option("--task", "task_id", default=None, help="The task, when the entity is drawn in several.")
@click.option(
    "--campaign", "campaign_file", type=click.Path(dir_okay=False), help="Campaign TOML (with --ledger)."
)
@click.option("--ledger", "ledger_url", default=None, help="Record the substitution in this ledger.")
@fail_on_errors
def substitute(
    sample: str,
    uscc: str,
    reason: str,
    task_id: str | None,
    campaign_file: str | None,
    ledger_url: str | None,
) -> None:
    """Replace a drawn entity of SAMPLE by the next reserve entity of its stratum, with a reason.

    Rewrites SAMPLE, SAMPLE.manifest.json and SAMPLE.public.json; the manifest keeps every
    substitution, so `dualrandom verify` still recomputes the draw.
    """
    import json

    from ..draw import substitute as replace_entity
    from ..draw.draw import restore_draw
    from ..ids import normalize_id
    from ..io import read_table
    from ..protocol import write_draw

    if bool(ledger_url) != bool(campaign_file):
        raise click.UsageError(_("--ledger and --campaign go together (the ledger records per campaign)"))
    manifest_path = Path(f"{sample}.manifest.json")
    if not manifest_path.exists():
        message = _("{path} not found: substitute works on a sample written by draw")
        raise click.UsageError(message.format(path=manifest_path))
    before = restore_draw(json.loads(manifest_path.read_text(encoding="utf-8")), read_table(sample))
    code = normalize_id(uscc)
    if campaign_file:
        with campaign_protocol(campaign_file, ledger_url) as protocol:
            step = protocol.substitute(before, code, reason, task_id=task_id, output=sample)
        after = step.value
        click.echo(step.describe(), err=True)
    else:
        after = replace_entity(before, code, reason, task_id=task_id)
        write_draw(after, sample)
    record = after.substitutions[-1]
    message = _("{removed} -> {added} in task {task}: {reason}")
    click.echo(message.format(removed=record["removed"], added=record["added"], task=record["task_id"],
                              reason=record["reason"]))  # fmt: skip


@click.command(
    cls=Command,
    examples=[
        (
            "Record a check triggered by a complaint; write the history the next draw counts it in",
            f"dualrandom trigger {FIRST_DRAWN} --campaign campaign.toml --department SAMR --reason 投诉举报 "
            "--on 2026-11-20 --ledger work/campaign.ledger --history city/history.csv "
            "--history-out work/history-2.csv",
        ),
        (
            "Record an early-warning list as the targets of batch W1 of the annual plan",
            "dualrandom trigger --from-file work/warnings.csv --task T1 --batch W1 --campaign year.toml "
            "--ledger work/year.ledger -o work/W1.csv",
        ),
    ],
)
@table_source("from_file", "history")
@click.argument("uscc", required=False)
@click.option("--campaign", "campaign_file", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--from-file", "from_file", type=click.Path(exists=True, dir_okay=False), default=None,
    help="An early-warning list (uscc, reason, inspected_on columns), recorded in one step.",
)  # fmt: skip
@click.option("--task", "task_id", default=None, help="With --from-file: the task whose items are checked.")
@click.option("--department", default=None, help="The department that inspects (an id of the campaign).")
@click.option("--reason", default=None, help="Complaint, early warning (风险预警), case lead, ...")
@click.option("--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="Inspection date (default for a list).")
@click.option("--ledger", "ledger_url", required=True, help="The campaign ledger.")
@click.option(
    "--history", type=click.Path(exists=True, dir_okay=False), default=None,
    help="The inspection history so far (read only: a draw may have committed to it).",
)  # fmt: skip
@click.option(
    "--history-out", type=click.Path(dir_okay=False), default=None,
    help="Write the history plus this check here (a new version), so that frequency caps count it.",
)  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None,
    help="With --from-file: write the checks as targets (a sample for assign and results import).",
)  # fmt: skip
@batch_option
@fail_on_errors
def trigger(
    uscc: str | None, campaign_file: str, from_file: str | None, task_id: str | None, department: str | None,
    reason: str | None, day: datetime | None, ledger_url: str, history: str | None, history_out: str | None,
    output: str | None, batch: str | None,
) -> None:  # fmt: skip
    """Record a check of USCC triggered outside the random quota (complaint, alert, case lead).

    With --from-file, every check of an early-warning list is validated (all bad rows reported
    at once) and recorded in one step; with --batch they become targets of that batch.
    """
    from ..io import read_roster
    from ..io.tables import check_output

    if bool(uscc) == bool(from_file):
        raise click.UsageError(_("give either one USCC or --from-file LIST"))
    if history and not history_out:
        raise click.UsageError(_("--history needs --history-out: the history a draw used is never rewritten"))
    for path in (history_out, output):
        if path is not None:
            check_output(path)
    if history_out is not None and history and Path(history_out).resolve() == Path(history).resolve():
        raise click.UsageError(_("--history-out must be a new file: the history a draw used stays as it is"))
    past = read_roster(history, "history") if history else None
    if from_file:
        _trigger_list(from_file, campaign_file, ledger_url, batch, task_id, department, reason, day, past,
                      history_out, output)  # fmt: skip
        return
    if not (department and reason and day):
        raise click.UsageError(_("one triggered check needs --department, --reason and --on"))
    _trigger_one(str(uscc), campaign_file, ledger_url, department, reason, day, past, history_out)


def _trigger_one(
    uscc: str, campaign_file: str, ledger_url: str, department: str, reason: str, day: datetime, past: Any,
    history_out: str | None,
) -> None:  # fmt: skip
    from ..ids import validate_ids

    check = validate_ids([uscc])
    if not check.ok.iloc[0]:
        raise click.BadParameter(f"{uscc!r}: {check.message(0)}", param_hint="'USCC'")
    with campaign_protocol(campaign_file, ledger_url) as protocol:
        step = protocol.trigger(
            str(check.normalized.iloc[0]),
            department,
            day.date(),
            reason,
            history=past,
            history_out=history_out,
        )
    message = _("triggered check of {uscc}: {step}; outside the random quota")
    click.echo(message.format(uscc=step.value["uscc"], step=step.describe()))


def _trigger_list(
    from_file: str, campaign_file: str, ledger_url: str, batch: str | None, task_id: str | None,
    department: str | None, reason: str | None, day: datetime | None, past: Any, history_out: str | None,
    output: str | None,
) -> None:  # fmt: skip
    from ..io import read_table
    from ..protocol.triggered import triggered_checks

    if task_id is None:
        raise click.UsageError(_("--from-file needs --task: the task whose items the triggered checks cover"))
    with campaign_protocol(campaign_file, ledger_url, batch=batch) as protocol:
        checks = triggered_checks(
            read_table(from_file), protocol.campaign, task_id=task_id, department=department,
            on=day.date() if day else None, reason=reason, source=from_file,
        )  # fmt: skip
        step = protocol.trigger_many(
            checks, task_id=task_id, history=past, history_out=history_out, output=output
        )
    message = _("{count} triggered check(s) from {name}: {step}; outside the random quota")
    click.echo(message.format(count=len(step.value), name=Path(from_file).name, step=step.describe()))
