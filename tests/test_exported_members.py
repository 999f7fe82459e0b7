"""The public API: `dualrandom.__all__` is exact, sorted, and every name resolves."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import dualrandom


def test_all_is_sorted_and_complete() -> None:
    assert dualrandom.__all__ == sorted(dualrandom.__all__)
    # Names are imported on first use (PEP 562): resolve them all, then nothing else is public.
    for name in dualrandom.__all__:
        assert getattr(dualrandom, name) is not None, name
    public = sorted(
        (name for name, value in vars(dualrandom).items()
         if not name.startswith("_") and not isinstance(value, ModuleType))
    )  # fmt: skip
    assert set(public) - {"annotations"} == set(dualrandom.__all__)
    assert [name for name in dir(dualrandom) if not name.startswith("_")] == dualrandom.__all__


def test_importing_the_package_does_not_import_dask_or_ortools_solvers_eagerly() -> None:
    code = "import sys, dualrandom; print('dask' in sys.modules, 'matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
