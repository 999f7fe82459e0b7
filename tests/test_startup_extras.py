"""A lean install: the core runs without the fit and fairness extras, which say how to install them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter where importing these fails, as in an install without the extras.
BLOCKED = ("scipy", "matplotlib", "chinese_calendar")
WITHOUT_EXTRAS = f"import sys\nfor name in {BLOCKED!r}:\n    sys.modules[name] = None\n"


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS + code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )


def test_the_core_dependencies_leave_out_the_analysts_stacks() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"])
    for name in ("scipy", "matplotlib", "dask", "ipykernel", "nbmake", "chinesecalendar"):
        assert name not in core
    assert "holidays" in core
    extras = project["optional-dependencies"]
    assert any(d.startswith("scipy") for d in extras["fit"])
    assert any(d.startswith("matplotlib") for d in extras["fairness"])
    assert "dualrandom[fit]" in extras["fairness"]
    assert any(d.startswith("dualrandom[") and "fairness" in d for d in extras["test"])


def test_the_fairness_toolkit_names_its_extra(tmp_path: Path) -> None:
    done = _run("import dualrandom.fairness", tmp_path)
    assert done.returncode == 1
    assert "MissingDependencyError" in done.stderr
    assert "dualrandom.fairness (the analyst's toolkit) needs scipy" in done.stderr
    assert "pip install 'dualrandom[fairness]'" in done.stderr


def test_fitting_weights_names_its_extra(tmp_path: Path) -> None:
    code = (
        "import numpy as np\nfrom dualrandom.errors import MissingDependencyError\n"
        "from dualrandom.classify import auc\n"
        "try:\n    auc(np.array([1.0, 2.0]), np.array([True, False]))\n"
        "except MissingDependencyError as error:\n    print(error)\n"
    )
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "the AUC of fitted weights needs scipy, which is not installed; "
        "install it with: pip install 'dualrandom[fit]'"
    )


def test_the_fairness_command_names_its_extra(tmp_path: Path) -> None:
    code = "from dualrandom.cli import main\nmain(['fairness', 'campaign.toml', '-o', 'f.html'])"
    (tmp_path / "campaign.toml").write_text("", encoding="utf-8")
    done = _run(code, tmp_path)
    assert done.returncode == 1
    assert "Error: dualrandom.fairness (the analyst's toolkit) needs scipy" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_demo_runs_without_the_extras(tmp_path: Path) -> None:
    code = "from dualrandom.cli import main\nmain(['demo', '--entities', '3000', '--out', 'demo'])"
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "demo").is_dir()
