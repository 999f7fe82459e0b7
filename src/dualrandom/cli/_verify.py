"""`dualrandom verify`: recompute a draw, a team assignment or a publication bundle."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from ._common import fail_on_errors, read_residents

__all__ = ["verify"]


def _report(differences: list[str], what: str) -> None:
    from ..errors import VerificationError

    if differences:
        raise VerificationError(differences)
    click.echo(f"OK: {what} verified")


@click.command()
@click.argument("manifest", type=click.Path(exists=True))
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
@fail_on_errors
def verify(
    manifest: str,
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
) -> None:
    """Recompute MANIFEST (a draw or teams manifest JSON, or a publication bundle directory).

    Prints OK, or every difference and exits 1.
    """
    from ..draw.sealed import read_seal
    from ..errors import InputError, Problem
    from ..io import read_table

    seal = read_seal(seal_file) if seal_file else None
    path = Path(manifest)
    if path.is_dir():  # ---- publication bundle: dualrandom.publish (publication engineer) ----
        from ..publish import verify_bundle

        full = json.loads(Path(draw_manifest).read_text(encoding="utf-8")) if draw_manifest else None
        differences = verify_bundle(
            path,
            read_table(roster) if roster else None,
            draw_manifest=full,
            history=read_table(history) if history else None,
            seal=seal,
            commitment_digest=commitment_digest or (seal.digest if seal is not None else None),
        )
        if ledger_url:
            from ..ledger import Ledger
            from ..protocol import verify_against_ledger

            with Ledger.open(ledger_url, create=False, read_only=True) as ledger:
                differences += verify_against_ledger(path, ledger)
        _report(differences, f"bundle {path.name}" + (" against the ledger" if ledger_url else ""))
        return
    if ledger_url:
        raise click.UsageError("--ledger checks a publication bundle: give the bundle folder")
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(
            [Problem(str(path), None, None, None, "JSON", f"not a JSON manifest: {error}")]
        ) from None
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == "draw":  # ---- draw manifest: dualrandom.verify ----
        from ..verify import verify_draw

        if not roster:
            raise click.UsageError(
                "verifying a draw needs --roster (the frozen roster the digest commits to)"
            )
        differences = verify_draw(
            data, read_table(roster), history=read_table(history) if history else None,
            residents=read_residents(residents) if residents else None,
            seal=seal,
        )  # fmt: skip
        _report(differences, f"draw of {len(data.get('sample', []))} entities")
    elif kind == "teams":  # ---- teams manifest: dualrandom.assign (assignment engineer) ----
        from ..assign import verify_teams
        from ..models import load_campaign

        if not (teams and sample and inspectors):
            raise click.UsageError("verifying teams needs --teams, --sample and --inspectors")
        verify_teams(
            read_table(teams), read_table(sample), read_table(inspectors),
            read_table(conflicts) if conflicts else None, load_campaign(campaign) if campaign else None,
            history=read_table(history) if history else None, seed=data.get("seed"), mode=data.get("mode"),
            candidates=data.get("candidates"), allow_partial=data.get("status") == "PARTIAL",
            on=date.fromisoformat(data["on"]) if data.get("on") else None,
            sources={"sample": sample, "inspectors": inspectors, "conflicts": conflicts or "",
                     "history": history or ""},
        )  # fmt: skip
        click.echo("OK: teams verified")
    else:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    "kind",
                    str(kind),
                    "MANIFEST_KIND",
                    "the manifest kind must be 'draw' or 'teams'",
                )
            ]
        )
