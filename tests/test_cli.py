"""The command line frame: help, version, python -m."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from dualrandom.cli import main


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "dualrandom" in result.output


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dualrandom", "--version"], capture_output=True, text=True, check=True
    )
    assert "0.1.0" in done.stdout
