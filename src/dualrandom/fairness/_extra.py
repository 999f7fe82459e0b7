"""Checks that the ``dualrandom[fairness]`` extra is installed, before any study imports it.

Raises `MissingDependencyError` naming the extra when scipy or matplotlib is absent.
"""

from __future__ import annotations

from .._optional import require

__all__: list[str] = []

for _module in ("scipy.stats", "matplotlib.figure"):
    require(_module, "fairness", "dualrandom.fairness (the analyst's toolkit)")
