"""Optional extras: import a module that an extra provides, or say which extra to install.

The core (classify, draw, assign, ledger, publish) needs none of them; weight fitting needs
``dualrandom[fit]`` (scipy), the analyst's fairness toolkit ``dualrandom[fairness]`` (scipy,
matplotlib), the Dask engine ``dualrandom[dask]``, a PostgreSQL ledger ``dualrandom[postgres]``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``; raises `MissingDependencyError` naming ``extra`` when it is absent.

    ``purpose`` says what needs it, e.g. ``"fitting indicator weights"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        missing = (error.name or module).split(".")[0]
        raise MissingDependencyError(
            f"{purpose} needs {missing}, which is not installed; "
            f"install it with: pip install 'dualrandom[{extra}]'"
        ) from None
