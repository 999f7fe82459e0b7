"""The CLI reference (docs/cli.md), generated from `--help` so that it cannot drift.

Regenerate with ``python -m dualrandom.cli._reference > docs/cli.md``; a test fails when the
committed file differs from what this prints.
"""

from __future__ import annotations

import click

from . import main
from .i18n import use_language

__all__ = ["render_reference"]

HEADER = """# CLI reference

Generated from `--help` by `python -m dualrandom.cli._reference > docs/cli.md`; a test fails
when this file drifts from the commands. The tutorial (docs/tutorial.md) shows them in use.
"""


def _sections(command: click.Command, path: list[str], parent: click.Context | None = None) -> list[str]:
    context = click.Context(
        command,
        info_name=path[-1],
        parent=parent,
        terminal_width=100,
        max_content_width=100,
        help_option_names=["-h", "--help"],
    )
    help_text = command.get_help(context)
    sections = [f"\n## `{' '.join(path)}`\n\n```text\n{help_text}\n```\n"]
    if isinstance(command, click.Group):
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            if sub is not None and not sub.hidden:
                sections.extend(_sections(sub, [*path, name], context))
    return sections


def render_reference() -> str:
    """The whole reference as Markdown, in English whatever the locale."""
    with use_language("en"):
        return HEADER + "".join(_sections(main, ["dualrandom"]))


if __name__ == "__main__":
    print(render_reference(), end="")
