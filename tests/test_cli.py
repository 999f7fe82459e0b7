"""The command line frame: help, version, python -m."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from dualrandom import load_campaign
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


def test_init_writes_a_campaign_file_that_loads(tmp_path: Path) -> None:
    target = tmp_path / "campaign.toml"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    campaign = load_campaign(target)
    assert campaign.plan.id == "PLAN-2026-01"
    again = CliRunner().invoke(main, ["init", str(target)])
    assert again.exit_code == 1
    assert "exists; pass --force to overwrite it" in again.output


def test_init_policy_writes_the_default_scorecard(tmp_path: Path) -> None:
    from dualrandom.classify import load_policy

    target = tmp_path / "policy.toml"
    result = CliRunner().invoke(main, ["init", str(target), "--kind", "policy"])
    assert result.exit_code == 0, result.output
    assert load_policy(target).tiers is not None
