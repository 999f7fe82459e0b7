"""The `dualrandom` command line: one command per library function, loaded lazily.

Each command lives in its own module ``dualrandom.cli._<name>`` and is imported only when
it runs, so ``dualrandom --help`` starts fast and a command never pays for another's imports.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

__all__ = ["main"]

# command name -> "module:attribute"; the order is the order of a campaign.
COMMANDS: dict[str, str] = {
    "demo": "dualrandom.cli._demo:demo",
    "init": "dualrandom.cli._init:init",
    "check": "dualrandom.cli._check:check",
    "synth": "dualrandom.cli._synth:synth",
    "classify": "dualrandom.cli._classify:classify",
    "commit": "dualrandom.cli._draw:commit",
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


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

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


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dualrandom")
def main() -> None:
    """dualrandom: risk-based, publicly verifiable inspection scheduling (双随机、一公开).

    A campaign runs: classify -> commit -> draw -> assign -> results import -> publish ->
    verify. `dualrandom demo` runs all of it on a synthetic city.
    """
