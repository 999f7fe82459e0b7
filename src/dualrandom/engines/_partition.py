"""Per-partition work of the Dask draw: scan (check, count) and select (smallest tickets).

Plain pandas and numpy: workers run these on one partition at a time, so memory follows the
partition size. Every function is pure in (partition, plan); the plan is what the client
learned from earlier passes (cell sizes, hence quotas).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..draw.coordination import shift_keys
from ..draw.draw import task_sampling
from ..draw.frame import TaskSpec, apply_caps, check_frame, filter_task
from ..errors import Problem
from ..models import Sampling
from ..tickets import ticket_keys
from .tiers import unclassified

__all__ = [
    "CANDIDATE_COLUMNS",
    "CellKey",
    "DrawPlan",
    "Scan",
    "candidates",
    "clean",
    "key_bounds",
    "scan",
    "short_cells",
    "smallest",
    "trim",
]

CellKey = tuple[int, str, str]
"""A draw cell: (task position, stratum, tier)."""

CANDIDATE_COLUMNS = ["task", "stratum", "tier", "key", "uscc", "division"]


@dataclass(frozen=True)
class DrawPlan:
    """What a worker needs: the policy, the tasks and, for selection, how many to keep per cell.

    ``keep`` is quota + reserve per cell; cells in ``limits`` are Bernoulli cells, which keep
    every ticket key below the limit plus the reserve after it. ``bounds`` (see `key_bounds`)
    lets a partition drop, before choosing its smallest keys, every key at or above a bound
    that the cell's smallest ``keep`` keys lie below but for a chance of about 10^-9; the
    client checks that they did (`short_cells`) and selects again without the bound if not.
    ``snapshot`` names the classification snapshot whose tiers were joined on (a row without
    one is NOT_CLASSIFIED).
    """

    sampling: Sampling
    specs: tuple[TaskSpec, ...]
    source: str
    checks: pd.Series | None = None
    keep: Mapping[CellKey, int] = field(default_factory=dict)
    limits: Mapping[CellKey, int] = field(default_factory=dict)
    bounds: Mapping[CellKey, int] = field(default_factory=dict)
    snapshot: str | None = None


@dataclass(frozen=True)
class Scan:
    """One partition's rows, its bad cells (rows local: first data row = 2) and cell counts."""

    rows: int
    problems: tuple[Problem, ...]
    sizes: dict[CellKey, int]
    capped: dict[CellKey, int]
    below: dict[CellKey, int]


def clean(part: pd.DataFrame) -> pd.DataFrame:
    """The partition typed as `dualrandom.draw.prepare_frame` types a roster (`dualrandom.schema`)."""
    return check_frame(part, None, partition=True)[0]


def _strata(frame: pd.DataFrame, column: str | None) -> npt.NDArray[np.object_]:
    if column is None:
        return np.full(len(frame), "", dtype=object)
    return frame[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)


def _cells(
    strata: npt.NDArray[np.object_], tiers: npt.NDArray[np.object_]
) -> dict[tuple[str, str], npt.NDArray[np.intp]]:
    if len(strata) == 0:
        return {}
    groups: dict[Any, Any] = pd.DataFrame({"s": strata, "t": tiers}).groupby(["s", "t"], sort=False).indices
    return {(str(key[0]), str(key[1])): np.asarray(rows, dtype=np.intp) for key, rows in groups.items()}


def _covered(
    frame: pd.DataFrame, plan: DrawPlan, spec: TaskSpec
) -> tuple[pd.DataFrame, dict[tuple[str, str], int]]:
    """The rows ``spec`` covers after the frequency caps, and the capped count per cell."""
    covered = filter_task(frame, spec.task, source=plan.source) if spec.task is not None else frame
    capped: dict[tuple[str, str], int] = {}
    if plan.checks is not None:
        caps = task_sampling(plan.sampling, spec).frequency_caps
        over = apply_caps(covered, caps, plan.checks).to_numpy(dtype=bool)
        if over.any():
            gone = covered.loc[over]
            strata = _strata(gone, plan.sampling.strata)
            for cell, rows in _cells(strata, gone["tier"].to_numpy(dtype=object)).items():
                capped[cell] = len(rows)
            covered = covered.loc[~over]
    return covered.reset_index(drop=True), capped


def _keys(covered: pd.DataFrame, spec: TaskSpec, sampling: Sampling) -> npt.NDArray[np.uint64]:
    keys = ticket_keys(spec.seed, covered["uscc"].to_numpy(dtype=object))
    if sampling.coordination is not None:
        keys = shift_keys(keys, sampling.coordination.start)
    return keys


def scan(part: pd.DataFrame, plan: DrawPlan, limits: Mapping[tuple[int, str], int]) -> Scan:
    """Check one partition and count, per task and cell, the eligible and capped entities.

    With Bernoulli ``limits`` (ticket-key limit per (task position, tier)) also count the keys below them.
    """
    frame, problems = check_frame(part, plan.sampling.tiers, source=plan.source, partition=True)
    if plan.snapshot is not None and part["tier"].isna().any():
        missing = unclassified(part.reset_index(drop=True), plan.source, plan.snapshot)
        unjoined = {p.row for p in missing}
        problems = [p for p in problems if p.row not in unjoined or "tier" not in (p.column or "")] + missing
    sizes: dict[CellKey, int] = {}
    capped: dict[CellKey, int] = {}
    below: dict[CellKey, int] = {}
    if problems:
        return Scan(len(frame), tuple(problems), sizes, capped, below)
    for index, spec in enumerate(plan.specs):
        covered, gone = _covered(frame, plan, spec)
        capped.update({(index, *cell): n for cell, n in gone.items()})
        tiers = covered["tier"].to_numpy(dtype=object)
        members = _cells(_strata(covered, plan.sampling.strata), tiers)
        sizes.update({(index, *cell): len(rows) for cell, rows in members.items()})
        if limits:
            keys = _keys(covered, spec, plan.sampling)
            for cell, rows in members.items():
                below[(index, *cell)] = int((keys[rows] < np.uint64(limits[(index, cell[1])])).sum())
    return Scan(len(frame), (), sizes, capped, below)


def smallest(keys: npt.NDArray[np.uint64], count: int) -> npt.NDArray[np.bool_]:
    """Mask of the ``count`` smallest keys, every key equal to the count-th one included."""
    if count <= 0:
        return np.zeros(len(keys), dtype=bool)
    if count >= len(keys):
        return np.ones(len(keys), dtype=bool)
    kth = np.partition(keys, count - 1)[count - 1]
    return np.asarray(keys <= kth, dtype=bool)


def _keep(keys: npt.NDArray[np.uint64], cell: CellKey, plan: DrawPlan) -> npt.NDArray[np.bool_]:
    if cell in plan.limits:  # Bernoulli: a filter, plus the reserve after the limit
        mask = keys < np.uint64(plan.limits[cell])
        after = np.flatnonzero(~mask)
        mask[after[smallest(keys[after], plan.sampling.reserve)]] = True
        return mask
    bound = plan.bounds.get(cell)
    if bound is None:
        return smallest(keys, plan.keep.get(cell, 0))
    mask = keys < np.uint64(bound)
    below = np.flatnonzero(mask)
    mask[below[~smallest(keys[below], plan.keep.get(cell, 0))]] = False
    return mask


MARGIN_SD = 6.0
"""How many standard deviations above its expected place a cell's key bound lies."""


def key_bounds(keep: Mapping[CellKey, int], sizes: Mapping[CellKey, int]) -> dict[CellKey, int]:
    """Per cell that keeps fewer than it holds, a key bound its ``keep`` smallest keys lie below.

    Ticket keys are uniform on [0, 2^64), so the k-th smallest of N lies near k/N of the range
    with a standard deviation below sqrt(k)/N: the bound is (k + MARGIN_SD·sqrt(k) + 10)/N of
    it. Candidates then follow the sample, not the roster (a cell drawn at 3 % keeps about 3 %
    of each partition instead of its k smallest, which at national scale is nearly all of it).
    """
    bounds: dict[CellKey, int] = {}
    for cell, k in keep.items():
        n = sizes.get(cell, 0)
        share = (k + MARGIN_SD * np.sqrt(k) + 10) / n if n else 1.0
        if k < n and share < 1.0:
            bounds[cell] = min(max(int(share * 2.0**64), 0), 2**64 - 1)
    return bounds


def short_cells(merged: pd.DataFrame, plan: DrawPlan) -> set[CellKey]:
    """The bounded cells whose merged candidates are fewer than they keep (the bound cut too low)."""
    if not plan.bounds:
        return set()
    counted = Counter(
        zip(
            merged["task"].astype(int).tolist(),
            merged["stratum"].astype(str).tolist(),
            merged["tier"].astype(str).tolist(),
            strict=True,
        )
    )
    return {cell for cell in plan.bounds if counted.get(cell, 0) < plan.keep.get(cell, 0)}


def _empty_candidates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task": np.empty(0, dtype=np.int64),
            "stratum": np.empty(0, dtype=object),
            "tier": np.empty(0, dtype=object),
            "key": np.empty(0, dtype=np.uint64),
            "uscc": np.empty(0, dtype=object),
            "division": np.empty(0, dtype=object),
        }
    )


def candidates(part: pd.DataFrame, plan: DrawPlan) -> pd.DataFrame:
    """Per task and cell, the partition's rows that may be drawn or reserved (smallest keys)."""
    frame = clean(part)
    pieces = [_empty_candidates()]
    for index, spec in enumerate(plan.specs):
        covered, _ = _covered(frame, plan, spec)
        if covered.empty:
            continue
        keys = _keys(covered, spec, plan.sampling)
        tiers = covered["tier"].to_numpy(dtype=object)
        division = (
            covered["division"].astype("string").fillna("").to_numpy(dtype=object)
            if "division" in covered.columns
            else np.full(len(covered), "", dtype=object)
        )
        ids = covered["uscc"].to_numpy(dtype=object)
        for (stratum, tier), rows in _cells(_strata(covered, plan.sampling.strata), tiers).items():
            chosen = rows[_keep(keys[rows], (index, stratum, tier), plan)]
            if len(chosen):
                pieces.append(
                    pd.DataFrame(
                        {
                            "task": np.full(len(chosen), index, dtype=np.int64),
                            "stratum": np.full(len(chosen), stratum, dtype=object),
                            "tier": np.full(len(chosen), tier, dtype=object),
                            "key": keys[chosen],
                            "uscc": ids[chosen],
                            "division": division[chosen],
                        }
                    )
                )
    return pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]


def trim(pieces: Sequence[pd.DataFrame], plan: DrawPlan) -> pd.DataFrame:
    """Merge candidate tables and keep, per cell, what the cell may still need (a reduction)."""
    frame = pd.concat([_empty_candidates(), *pieces], ignore_index=True)
    if frame.empty:
        return frame
    keys = frame["key"].to_numpy(dtype=np.uint64)
    keep = np.zeros(len(frame), dtype=bool)
    groups: dict[Any, Any] = frame.groupby(["task", "stratum", "tier"], sort=False).indices
    for key, rows in groups.items():
        positions = np.asarray(rows, dtype=np.intp)
        keep[positions[_keep(keys[positions], (int(key[0]), str(key[1]), str(key[2])), plan)]] = True
    return frame.loc[keep].reset_index(drop=True)
