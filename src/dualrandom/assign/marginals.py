"""Controlled-marginals mode (Jecmen et al.'s two steps) on one pool's network.

1. Marginals, equal chances as the goal: every officer eligible for a target gets the even
   share k/E of its k seats (in units of 1/`ONE` seat, the remainder units spread by a fixed
   rotation). When a workload cap or the pair cap q forbids that, a min-cost flow whose pair
   arcs are split into convex segments (a piecewise-linear Σ (x/share)², so relative
   deviations cost the same on every target; see `segments`), refined around its own
   solution, finds the nearest feasible x. Either way x is each officer's exact probability of
   inspecting each target; it does not depend on the seed, so it can be published before the
   seed is drawn.
2. Dependent rounding: repeatedly find a cycle of fractional edges (source→officer loads and
   officer→slot pairs; the smallest edge id first, then the smallest unused edge at each
   node) and push it +α with probability β/(α+β), else −β, the coin being a SHA-256 keyed
   64-bit draw. Every E[X] equals x; team sizes hold exactly and loads stay within ⌊·⌋..⌈·⌉.
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import keys
from .quotas import EXPERTS

__all__ = [
    "ONE",
    "STEPS",
    "MarginalDraw",
    "dependent_round",
    "draw_from_marginals",
    "even_shares",
    "segments",
]

ONE = 10_000
"""Units of flow per seat: marginals are multiples of 1/ONE."""

IntArray = npt.NDArray[np.int64]


STEPS = 4
"""Segments per even share in the convex flow (up to twice the share, then one to q)."""
FINE = 64
"""The refining pass cuts the even share this finely around the first solution."""
SLOPE = 1_000
"""Cost scale of the convex segments."""


def even_shares(
    pair_slot: npt.NDArray[np.int32],
    demand: IntArray,
    eligible: IntArray,
) -> IntArray:
    """Each pair's even share of its slot, in units: demand·ONE/E, summing exactly per slot.

    The slot's remainder units go one each to the pairs whose rank in the slot, shifted by
    the slot number, falls below the remainder (a fixed rotation, no randomness).
    """
    total = demand * ONE
    share = total // np.maximum(eligible, 1)
    remainder = total - share * eligible
    starts = np.searchsorted(pair_slot, np.arange(len(demand)))
    rank = np.arange(len(pair_slot)) - starts[pair_slot]
    slot = pair_slot.astype(np.int64)
    extra = (rank + slot) % np.maximum(eligible[slot], 1) < remainder[slot]
    shares: IntArray = share[slot] + extra.astype(np.int64)
    return shares


def segments(
    pair_slot: npt.NDArray[np.int32],
    demand: IntArray,
    eligible: IntArray,
    pair_cap: float,
    centre: IntArray | None = None,
) -> tuple[IntArray, IntArray, IntArray]:
    """Segment arcs of every pair: (pair index, capacity in units, unit cost), convex per pair.

    Breakpoints lie at j/`STEPS` of the slot's even share s (j = 1..2·`STEPS`) and at q; with
    ``centre`` (a first solution, per pair) also every s/`FINE` within `STEPS`·s/`FINE` of it.
    A segment [a, b] costs `SLOPE`·(a+b)/s per unit: the chord slope of x²/s, so relative
    deviations from the even share cost alike on every target.
    """
    cap = int(np.floor(pair_cap * ONE + 1e-9))
    ideal = (demand * ONE / np.maximum(eligible, 1))[pair_slot]
    coarse = np.arange(1, 2 * STEPS + 1, dtype=np.float64) / STEPS
    parts = [
        np.zeros((len(pair_slot), 1)),
        ideal[:, None] * coarse[None, :],
        np.full((len(pair_slot), 1), cap),
    ]
    if centre is not None:
        offsets = np.arange(-STEPS, STEPS + 1, dtype=np.float64) / FINE
        parts.append(centre[:, None] + ideal[:, None] * offsets[None, :])
    points = np.sort(np.clip(np.rint(np.concatenate(parts, axis=1)), 0, cap).astype(np.int64), axis=1)
    widths = np.diff(points, axis=1)
    slopes = np.rint(SLOPE * (points[:, :-1] + points[:, 1:]) / np.maximum(ideal, 1)[:, None]).astype(
        np.int64
    )
    pair, segment = np.nonzero(widths > 0)
    return pair.astype(np.int64), widths[pair, segment], slopes[pair, segment]


def dependent_round(
    x: IntArray,
    pair_member: npt.NDArray[np.int32],
    pair_slot: npt.NDArray[np.int32],
    members: int,
    seed: str,
    pool: str,
) -> npt.NDArray[np.bool_]:
    """Round marginals ``x`` (units per pair) to 0/1 with E[chosen] = x/ONE exactly."""
    pairs = len(x)
    loads = np.bincount(pair_member, weights=x, minlength=members).astype(np.int64)
    value = np.concatenate((x, loads)).tolist()
    # node ids: 0 source, 1..members officers, then slots
    tails = np.concatenate((pair_member + 1, np.zeros(members, np.int64))).tolist()
    heads = np.concatenate((pair_slot.astype(np.int64) + 1 + members, np.arange(1, members + 1))).tolist()
    adjacency: dict[int, list[int]] = {}  # per node a heap of its edges; integral ones removed lazily
    fractional: set[int] = set()
    for edge, amount in enumerate(value):
        if amount % ONE:
            fractional.add(edge)
            adjacency.setdefault(tails[edge], []).append(edge)
            adjacency.setdefault(heads[edge], []).append(edge)
    order = sorted(fractional)
    heapq.heapify(order)
    step = 0
    while fractional:
        while order[0] not in fractional:
            heapq.heappop(order)
        cycle = _cycle(order[0], tails, heads, adjacency, fractional)
        up = min(ONE - value[e] % ONE if sign > 0 else value[e] % ONE for e, sign in cycle)
        down = min(value[e] % ONE if sign > 0 else ONE - value[e] % ONE for e, sign in cycle)
        draw = keys.round_draw(seed, pool, step)
        delta = up if draw * (up + down) < down << 64 else -down
        step += 1
        for edge, sign in cycle:
            value[edge] += sign * delta
            if value[edge] % ONE == 0:
                fractional.discard(edge)  # an integral edge never joins a cycle again
    chosen: npt.NDArray[np.bool_] = np.array(value[:pairs], dtype=np.int64) == ONE
    return chosen


def _cycle(
    start: int,
    tails: list[int],
    heads: list[int],
    adjacency: dict[int, list[int]],
    fractional: set[int],
) -> list[tuple[int, int]]:
    """A cycle of fractional edges from edge ``start``: (edge, +1 if walked tail→head else −1)."""
    node = tails[start]
    seen = {node: 0}
    walked: list[tuple[int, int]] = []
    edge = start
    while True:
        forward = tails[edge] == node
        node = heads[edge] if forward else tails[edge]
        walked.append((edge, 1 if forward else -1))
        if node in seen:
            return walked[seen[node] :]
        seen[node] = len(walked)
        edge = _smallest_other(adjacency[node], edge, fractional)


def _smallest_other(heap: list[int], edge: int, fractional: set[int]) -> int:
    """The smallest fractional edge of a node's heap other than ``edge`` (which stays in it)."""
    while heap[0] not in fractional:
        heapq.heappop(heap)
    if heap[0] != edge:
        return heap[0]
    heapq.heappop(heap)
    while heap[0] not in fractional:
        heapq.heappop(heap)
    other = heap[0]
    heapq.heappush(heap, edge)
    return other


class MarginalDraw:
    """Published marginals prepared once, then rounded for any seed with no solver.

    ``marginals`` is the table `assign_teams` publishes in marginals mode (uscc, task_id,
    inspector_id, department, role, probability). Each pool (a department's officers, or the
    experts) is rounded exactly as `assign_teams` rounds it: slots in (uscc, task_id) order,
    officers in inspector_id order, so anyone can redo a draw from the file and the seed.
    """

    _COLUMNS = ("uscc", "task_id", "inspector_id", "department", "role")

    def __init__(self, marginals: pd.DataFrame) -> None:
        frame = marginals.astype({c: str for c in self._COLUMNS})
        pool = np.where(frame.role.to_numpy() == "expert", EXPERTS, frame.department.to_numpy())
        keys_ = ["_pool", "uscc", "task_id", "inspector_id"]
        self.rows = frame.assign(_pool=pool).sort_values(keys_, kind="stable").reset_index(drop=True)
        self._pools: list[
            tuple[str, npt.NDArray[np.int64], IntArray, npt.NDArray[np.int32], npt.NDArray[np.int32], int]
        ] = []
        for name, index in self.rows.groupby("_pool", sort=True).indices.items():
            group = self.rows.iloc[index]
            slot = pd.factorize(group.uscc + "\x1f" + group.task_id, sort=True)[0]
            member, officers = pd.factorize(group.inspector_id, sort=True)
            units = np.rint(group.probability.to_numpy(dtype=np.float64) * ONE).astype(np.int64)
            rows = np.asarray(index, dtype=np.int64)
            self._pools.append(
                (str(name), rows, units, member.astype(np.int32), slot.astype(np.int32), len(officers))
            )

    def chosen(self, seed: str) -> npt.NDArray[np.bool_]:
        """Which rows of ``rows`` (the marginals, sorted by pool) the seed puts in a team."""
        out = np.zeros(len(self.rows), dtype=bool)
        for name, rows, units, member, slot, officers in self._pools:
            out[rows] = dependent_round(units, member, slot, officers, seed, name)
        return out

    def teams(self, seed: str) -> pd.DataFrame:
        """The team rows the seed draws, sorted like the teams of `assign_teams`."""
        teams = self.rows[self.chosen(seed)]
        order = teams.assign(_r=(teams.role != "officer").astype(int))
        order = order.sort_values(["uscc", "task_id", "_r", "department", "inspector_id"], kind="stable")
        return order[list(self._COLUMNS)].astype(object).reset_index(drop=True)


def draw_from_marginals(marginals: pd.DataFrame, seed: str) -> pd.DataFrame:
    """The teams ``seed`` draws from published marginals (see `MarginalDraw`), with no solver."""
    return MarginalDraw(marginals).teams(seed)
