"""The `dualrandom` command line: one command per library function, loaded lazily.

Each command lives in its own module ``dualrandom.cli._<name>`` and is imported only when
it runs, so ``dualrandom --help`` starts fast and a command never pays for another's imports:
the list of commands in ``--help`` comes from `SUMMARIES`, which a test keeps equal to the
commands' own help. A mistyped command gets a suggestion ("Did you mean 'draw'?"). Help,
summaries, hints and common errors speak Chinese under a Chinese locale (`dualrandom.cli.i18n`).
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

import click

from .i18n import Command, Group, _, localize_click

__all__ = ["main"]

# command name -> "module:attribute"; the order is the order of a campaign.
COMMANDS: dict[str, str] = {
    "demo": "dualrandom.cli._demo:demo",
    "init": "dualrandom.cli._init:init",
    "check": "dualrandom.cli._check:check",
    "synth": "dualrandom.cli._synth:synth",
    "classify": "dualrandom.cli._classify:classify",
    "commit": "dualrandom.cli._draw:commit",
    "seal": "dualrandom.cli._draw:seal",
    "tickets": "dualrandom.cli._draw:tickets",
    "draw": "dualrandom.cli._draw:draw",
    "substitute": "dualrandom.cli._draw:substitute",
    "trigger": "dualrandom.cli._draw:trigger",
    "assign": "dualrandom.cli._assign:assign",
    "verify": "dualrandom.cli._verify:verify",
    "privacy": "dualrandom.cli._privacy:privacy",
    "results": "dualrandom.cli._publish:results",
    "publish": "dualrandom.cli._publish:publish",
    "report": "dualrandom.cli._publish:report",
    "ledger": "dualrandom.cli._ledger:ledger",
    "fairness": "dualrandom.cli._fairness:fairness",
    "schema": "dualrandom.cli._check:schema",
}

# command name -> the first paragraph of its help, shown by `dualrandom --help` without
# importing the command (tests/test_startup.py checks it against each command's help).
SUMMARIES: dict[str, str] = {
    "demo": "Run a whole campaign on a synthetic city: classify, commit, draw, assign, publish, verify.",
    "init": "Write a commented campaign file (or --kind policy) to edit for a real campaign.",
    "check": "Validate ROSTER (a CSV/XLSX/Parquet file or SQL URL) and list every problem; writes nothing.",
    "synth": (
        "Write a synthetic city's rosters (entities, inspectors, conflicts, history, credit records) to OUT."
    ),
    "classify": "Classify ROSTER into credit-risk tiers; write the snapshot and print the tier counts.",
    "commit": "Digest the frozen ROSTER; publish the digest BEFORE the seed is drawn.",
    "seal": "Seal a batch of a sealed annual plan BEFORE its seed: its frames, counts and quotas.",
    "tickets": "Read IDs one per line on stdin; write `uscc,ticket` CSV on stdout (IDs normalised).",
    "draw": "Draw the tier-stratified sample of ROSTER under SEED; write SAMPLE and SAMPLE.manifest.json.",
    "substitute": (
        "Replace a drawn entity of SAMPLE by the next reserve entity of its stratum, with a reason."
    ),
    "trigger": "Record a check of USCC triggered outside the random quota (complaint, alert, case lead).",
    "assign": "Draw inspector teams for SAMPLE under SEED; write TEAMS and TEAMS.manifest.json.",
    "verify": "Verify TARGET: a publication bundle folder, a draw or teams manifest JSON, or a ledger.",
    "privacy": "Measure how many entities' tier sets BUNDLE narrows, per tier (must be 0 when sealed).",
    "results": "Inspection results: import and validate them (official vocabulary).",
    "publish": "Write the publication bundle (CSV, JSON, static site, public manifest) atomically.",
    "report": "Write the annual statistics report (report.html, report.json) from the ledger.",
    "ledger": "Check and read the campaign ledger (a SQLite file or a postgresql:// URL).",
    "fairness": "Test CAMPAIGN's draw and teams for fairness and burden; write an internal HTML report.",
    "schema": "Print the JSON Schema of a campaign file or of one roster row, for integrators.",
}


def suggestions(name: str, choices: list[str]) -> list[str]:
    """The choices close to a mistyped ``name``, closest first (at most three)."""
    return difflib.get_close_matches(name, choices, n=3, cutoff=0.6)


class LazyGroup(Group):
    """A group whose subcommands are imported on first use, and that suggests near misses."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line, click's own messages in the operator's language too."""
        localize_click()
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve ``args[0]``; raises `click.UsageError` naming the closest commands when unknown."""
        name = args[0]
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            close = suggestions(name, list(COMMANDS))
            hint = _(" Did you mean {names}?").format(names=_(" or ").join(repr(c) for c in close))
            message = _("No such command {name!r}.{hint} See 'dualrandom --help'.")
            raise click.UsageError(message.format(name=name, hint=hint if close else ""), ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their `SUMMARIES`, importing none of them.

        A command without a summary is imported for its help (slower; a test asks for one).
        """
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = []
        for name in COMMANDS:
            # a stand-in command shortens the summary exactly as the real command would
            command = Command(name, help=SUMMARIES[name]) if name in SUMMARIES else self._load(name)
            if command is not None:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:  # not written yet
                return None
            raise
        command: Any = getattr(module, attribute)
        return command if isinstance(command, click.Command) else None


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    examples=[
        ("Run a whole campaign on a synthetic city", "dualrandom demo --entities 20000 --out demo"),
        ("Help on one command", "dualrandom draw --help"),
    ],
)
@click.version_option(package_name="dualrandom")
def main() -> None:
    """dualrandom: risk-based, publicly verifiable inspection scheduling (双随机、一公开).

    A campaign runs: classify -> commit -> draw -> assign -> results import -> publish ->
    verify. `dualrandom demo` runs all of it on a synthetic city.
    """
