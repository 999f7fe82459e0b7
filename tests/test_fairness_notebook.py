"""examples/fairness.ipynb runs end to end (its cells assert the inclusion and coordination tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).parents[1] / "examples" / "fairness.ipynb"


@pytest.mark.slow
def test_fairness_notebook_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--nbmake", "-p", "no:cacheprovider", str(NOTEBOOK)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
