"""The client side of the Dask draw: quotas from the reduced cell sizes, then the sample.

The rules are those of `dualrandom.draw` (docs/draw-spec.md), applied to what the workers
reduced: the size of every (task, stratum, tier) cell and, per cell, the candidates with the
smallest ticket keys. The result has the same tables and manifest as the in-memory draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..draw.draw import (
    COUNT_COLUMNS,
    RESERVE_COLUMNS,
    Columns,
    columns_table,
    extend_columns,
    rank_sample,
    task_sampling,
    with_minimum,
)
from ..draw.frame import TaskSpec
from ..draw.quotas import cell_quotas, ratio_key, within_totals
from ..models import Sampling
from ..tickets import KEY_DIGITS, tickets

__all__ = ["Cell", "TaskCells", "assemble", "task_cells"]

Cell = tuple[str, str]  # (stratum, tier)


@dataclass(frozen=True)
class TaskCells:
    """One task's cells (sorted), their sizes, capped counts, quotas and Bernoulli flag."""

    cells: tuple[Cell, ...]
    sizes: dict[Cell, int]
    capped: dict[Cell, int]
    quotas: dict[Cell, int]
    bernoulli: bool


def task_cells(
    seen: Mapping[Cell, int],
    capped: Mapping[Cell, int],
    below: Mapping[Cell, int],
    sampling: Sampling,
    residents: Mapping[str, int] | None,
    spec: TaskSpec,
    seed: str,
) -> TaskCells:
    """A task's cells and quotas from the reduced counts (``below``: Bernoulli keys under r).

    ``sampling`` is the task's own (`dualrandom.draw.draw.task_sampling`); ``seed`` keys the rounding.
    """
    task_id = spec.task_id
    defaults = {("", t) for t in sampling.tiers} if not sampling.strata else set()
    cells = tuple(sorted(set(seen) | set(capped) | defaults))
    sizes = {cell: seen.get(cell, 0) for cell in cells}
    if sampling.mode == "bernoulli":
        sampling = with_minimum(sampling, spec, sizes, capped)
        limits = {cell: ratio_key(sampling.ratios[cell[1]]) for cell in cells}
        counted = {cell: below.get(cell, 0) for cell in cells}
        adjusted = within_totals(
            counted,
            {cell: Fraction(limits[cell], 10**16) * sizes[cell] for cell in cells},
            sizes,
            min_total=sampling.min_total,
            max_total=sampling.max_total,
        )
        return TaskCells(cells, sizes, dict(capped), adjusted, adjusted == counted)
    allocated = None
    if sampling.allocation != "proportional":
        unfloored = sampling.model_copy(update={"min_total": None})
        allocated = cell_quotas(sizes, unfloored, residents, task_id=task_id, seed=seed)
    sampling = with_minimum(sampling, spec, sizes, capped, allocated)
    quotas = cell_quotas(sizes, sampling, residents, task_id=task_id, seed=seed)
    return TaskCells(cells, sizes, dict(capped), quotas, False)


def _ordered(
    keys: npt.NDArray[np.uint64], full: npt.NDArray[np.object_], ids: npt.NDArray[np.object_]
) -> npt.NDArray[np.intp]:
    """Positions in (key, full ticket, code) order: a numpy sort, ties broken in Python."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    tied = np.flatnonzero(ranked[1:] == ranked[:-1])
    for start in np.unique(np.searchsorted(ranked, ranked[tied], side="left")):
        stop = int(np.searchsorted(ranked, ranked[start], side="right"))
        run = order[start:stop]
        order[start:stop] = run[sorted(range(len(run)), key=lambda i: (full[run[i]], ids[run[i]]))]
    return np.asarray(order, dtype=np.intp)


def assemble(
    candidates: pd.DataFrame,
    plans: Sequence[TaskCells],
    specs: Sequence[TaskSpec],
    sampling: Sampling,
    *,
    has_division: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The sample (with ``stratum``), reserve and counts tables from the merged candidates."""
    groups = candidates.groupby(["task", "stratum", "tier"], sort=False).indices if len(candidates) else {}
    keys_all = candidates["key"].to_numpy(dtype=np.uint64)
    ids_all = candidates["uscc"].to_numpy(dtype=object)
    division_all = candidates["division"].to_numpy(dtype=object)
    samples: Columns = {}
    reserves: Columns = {}
    counts: list[dict[str, Any]] = []
    for index, (spec, plan) in enumerate(zip(specs, plans, strict=True)):
        departments = ";".join(spec.departments)
        for cell in plan.cells:
            stratum, tier = cell
            rows = np.asarray(groups.get((index, stratum, tier), []), dtype=np.intp)
            full_all = tickets(spec.seed, ids_all[rows])
            take = _ordered(keys_all[rows], full_all, ids_all[rows])[: plan.quotas[cell] + sampling.reserve]
            picked = rows[take]
            full = full_all[take] if len(take) else np.empty(0, dtype=object)
            quota = plan.quotas[cell]
            drawn, spare = picked[:quota], picked[quota:]
            if plan.bernoulli:
                threshold = repr(float(task_sampling(sampling, spec).ratios[tier]))
            elif len(drawn):
                threshold = (
                    f"0.{int(keys_all[drawn[-1]]):0{KEY_DIGITS}d}{full[len(drawn) - 1][2 + KEY_DIGITS :]}"
                )
            else:
                threshold = ""
            counts.append(
                {
                    "task_id": spec.task_id, "stratum": stratum, "tier": tier, "eligible": plan.sizes[cell],
                    "capped": plan.capped.get(cell, 0), "quota": quota, "drawn": len(drawn),
                    "threshold": threshold,
                }
            )  # fmt: skip
            extend_columns(
                samples, uscc=ids_all[drawn], task_id=spec.task_id, tier=tier, ticket=full[: len(drawn)],
                _key=keys_all[drawn], stratum=stratum, departments=departments,
                division=division_all[drawn] if has_division else "",
            )  # fmt: skip
            extend_columns(
                reserves, uscc=ids_all[spare], task_id=spec.task_id, tier=tier, stratum=stratum,
                ticket=full[len(drawn) :], order=np.arange(1, len(spare) + 1, dtype=np.int64),
                division=division_all[spare] if has_division else "",
            )  # fmt: skip
    sample = rank_sample(columns_table(samples), sampling.tiers, [spec.task_id for spec in specs])
    reserve = columns_table(reserves)[RESERVE_COLUMNS] if reserves else pd.DataFrame(columns=RESERVE_COLUMNS)
    return sample, reserve, pd.DataFrame(counts, columns=COUNT_COLUMNS)
