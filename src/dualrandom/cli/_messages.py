"""Every message the command line translates, for the catalog's tests and its maintainers.

``python -m dualrandom.cli._messages`` prints, in .po form, the messages that the Chinese catalog
lacks. The messages are: each command's help paragraphs, option help and example texts; every
``_("…")`` literal (and progress stage) in ``dualrandom/cli``; the tables of hints (`NEXT_STEPS`,
`RULES`, `STAGES`, `OS_HINTS`, `SEVERITIES`); and the click messages listed in `CLICK_MESSAGES`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import click

from . import main
from ._common import NEXT_STEPS, OS_HINTS, RULES, STAGES
from .i18n import Command

__all__ = ["CLICK_MESSAGES", "SEVERITIES", "command_messages", "messages", "source_messages"]

CLICK_MESSAGES = (
    "Usage:",
    "Options",
    "Commands",
    "Error: {message}",
    "Try '{command} {option}' for help.",
    "Missing argument",
    "Missing option",
    "Missing parameter",
    "Missing command.",
    "No such option {name!r}.",
    "Invalid value for {param_hint}: {message}",
    "Invalid value: {message}",
    "default: {default}",
    "required",
    "Show this message and exit.",
    "Show the version and exit.",
    "Aborted!",
    "{value!r} is not a valid {number_type}.",
    "{value} is not in the range {range}.",
    "file",
    "directory",
    "path",
    "{name} {filename!r} does not exist.",
    "{name} {filename!r} is a file.",
    "{name} {filename!r} is a directory.",
)
"""Click's own messages that the catalog translates (a test checks each is still click's).

Click says some messages through ``ngettext`` (singular and plural); those stay in English.
"""

SEVERITIES = ("error", "warning")
"""A problem's severity, as `dualrandom check --format lines` prints it."""


def _walk(command: click.Command, context: click.Context) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            if sub is not None:
                yield from _walk(sub, click.Context(sub, info_name=name, parent=context))


def _words(text: str) -> str:
    return " ".join(text.split())


def command_messages() -> list[str]:
    """Help paragraphs, option help and example texts of every command, in command order."""
    found: list[str] = []
    for command in _walk(main, click.Context(main, info_name="dualrandom")):
        found.extend(_words(p) for p in (command.help or "").split("\n\n") if p.strip())
        found.extend(_words(str(getattr(p, "help", "") or "")) for p in command.params)
        if isinstance(command, Command):
            found.extend(what for what, _line in command.examples)
    return found


def source_messages(directory: Path | None = None) -> list[str]:
    """The literal arguments of every ``_(…)`` call (and progress stage) in the command-line modules."""
    found: list[str] = []
    for path in sorted((directory or Path(__file__).parent).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "step", "stage", "progress")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append(node.args[0].value)
    return found


def messages() -> list[str]:
    """Every message to translate, each once, in a stable order."""
    tables = [*NEXT_STEPS.values(), *RULES.values(), *STAGES, *OS_HINTS.values(), *SEVERITIES]
    every = [*command_messages(), *source_messages(), *tables, *CLICK_MESSAGES]
    return list(dict.fromkeys(m for m in every if m))


def _po(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":
    from .i18n import _catalog

    catalog = _catalog("zh")
    for message in messages():
        if catalog.gettext(message) == message:
            print(f'msgid {_po(message)}\nmsgstr ""\n')
