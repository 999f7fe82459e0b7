"""The tutorial's commands run as written, in an empty directory, in order."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).parents[1] / "docs" / "tutorial.md"


def commands() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), flags=re.S)


def test_tutorial_has_every_step() -> None:
    text = "\n".join(commands())
    for step in ("synth", "check", "init", "classify", "commit", "draw", "assign", "results import",
                 "publish", "verify", "ledger verify", "report"):  # fmt: skip
        assert f"dualrandom {step}" in text


@pytest.mark.slow
def test_tutorial_runs_to_its_end(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for block in commands():
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert (tmp_path / "bundle" / "index.html").exists()
    assert (tmp_path / "report" / "report.html").exists()
