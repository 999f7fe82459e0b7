"""Docs stay true: the CLI reference is regenerated from --help, every command has help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from dualrandom.cli import COMMANDS, main

DOCS = Path(__file__).parents[1] / "docs"


def test_cli_reference_matches_help() -> None:
    # a fresh process: click caches each command's help option in whatever context first asked
    done = subprocess.run(
        [sys.executable, "-m", "dualrandom.cli._reference"], capture_output=True, text=True, check=True,
        env={**os.environ, "COLUMNS": "80", "DUALRANDOM_LANG": "en"},
    )  # fmt: skip
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert committed == done.stdout, (
        "docs/cli.md drifted: run `python -m dualrandom.cli._reference > docs/cli.md`"
    )


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_exists_and_has_help(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None, f"command {name!r} is registered but not implemented"
    assert command.help, f"command {name!r} has no help"


def test_readme_python_tour_runs() -> None:
    import re

    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    exec(compile(block, "README.md", "exec"), {})


def test_readme_opens_with_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[2:6] == [
        "```bash",
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/dualrandom demo",
        "bash scripts/test.sh",
        "```",
    ]
