"""`dualrandom verify`: check a publication bundle, a draw or teams manifest, or a ledger."""

from __future__ import annotations

import json

import click

from ._common import fail_on_errors, read_residents
from .i18n import Command, _

__all__ = ["verify"]


@click.command(
    cls=Command,
    examples=[
        ("Anyone checks a published bundle", "dualrandom verify bundle"),
        (
            "The auditor recomputes the sealed draw bit for bit",
            "dualrandom verify bundle --roster work/classified.csv "
            "--draw-manifest work/sample.csv.manifest.json --history city/history.csv "
            "--seal auditor/sealed.json",
        ),
        ("Check the bundle against the ledger", "dualrandom verify bundle --ledger work/campaign.ledger"),
        (
            "The auditor recomputes every batch seal of a sealed annual plan from the ledger",
            "dualrandom verify work/year.ledger --campaign year.toml --roster work/classified.csv "
            "--seal auditor/sealed.json --history city/history.csv",
        ),
    ],
)
@click.argument("target", metavar="TARGET")
@click.option("--roster", type=click.Path(dir_okay=False), help="The frozen roster (with tiers).")
@click.option(
    "--history", type=click.Path(dir_okay=False), help="Inspection history, if the draw applied caps."
)
@click.option(
    "--residents", type=click.Path(dir_okay=False), help="CSV stratum,residents (per-capita quotas)."
)
@click.option("--teams", type=click.Path(dir_okay=False), help="Teams table (teams manifests).")
@click.option("--sample", type=click.Path(dir_okay=False), help="Sample table (teams manifests).")
@click.option("--inspectors", type=click.Path(dir_okay=False), help="Inspector roster (teams manifests).")
@click.option("--conflicts", type=click.Path(dir_okay=False), help="Conflict declarations (teams manifests).")
@click.option("--campaign", type=click.Path(dir_okay=False), help="Campaign TOML (teams manifests).")
@click.option(
    "--draw-manifest", type=click.Path(dir_okay=False), help="The draw's full manifest (bundle + --roster)."
)
@click.option(
    "--ledger",
    "ledger_url",
    default=None,
    help="Also check a bundle against this campaign ledger (read only).",
)
@click.option(
    "--seal", "seal_file", type=click.Path(exists=True, dir_okay=False), default=None,
    help="The sealed material (auditors): recompute a sealed draw bit for bit.",
)  # fmt: skip
@click.option(
    "--commitment-digest", default=None, help="The sealed commitment digest announced before the seed."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON (kind, where, expected, found)."
)
@fail_on_errors
def verify(
    target: str,
    roster: str | None,
    history: str | None,
    residents: str | None,
    teams: str | None,
    sample: str | None,
    inspectors: str | None,
    conflicts: str | None,
    campaign: str | None,
    draw_manifest: str | None,
    ledger_url: str | None,
    seal_file: str | None,
    commitment_digest: str | None,
    as_json: bool,
) -> None:
    """Verify TARGET: a publication bundle folder, a draw or teams manifest JSON, or a ledger.

    A ledger is a SQLite ledger file or a postgresql:// URL. Prints OK, or every difference
    and exits 1; a check that cannot be made as asked exits 2.
    """
    from ..verification import verify_path

    result = verify_path(
        target, roster=roster, history=history, residents=read_residents(residents) if residents else None,
        teams=teams, sample=sample, inspectors=inspectors, conflicts=conflicts, campaign=campaign,
        draw_manifest=draw_manifest, ledger=ledger_url, seal=seal_file, commitment_digest=commitment_digest,
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        if not result.ok:
            raise SystemExit(1)
        return
    result.raise_if_failed()
    click.echo(_("OK: {subject} verified").format(subject=result.subject))
