"""Controlled-marginals mode (Jecmen et al.'s two steps) on one pool's network.

1. Marginals: a min-cost flow in units of 1/`ONE` seat whose pair arcs are split into
   segments with slopes a+b (a piecewise-linear Σx²), capped at q per pair. The result x is
   each officer's exact probability of inspecting each target; it does not depend on the
   seed, so it can be published before the seed is drawn.
2. Dependent rounding: repeatedly find a cycle of fractional edges (source→officer loads and
   officer→slot pairs; the smallest edge id first, then the smallest unused edge at each
   node) and push it +α with probability β/(α+β), else −β, the coin being a SHA-256 keyed
   64-bit draw. Every E[X] equals x; team sizes hold exactly and loads stay within ⌊·⌋..⌈·⌉.
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt

from . import keys

__all__ = ["ONE", "dependent_round", "segments"]

ONE = 10_000
"""Units of flow per seat: marginals are multiples of 1/ONE."""

IntArray = npt.NDArray[np.int64]


def segments(
    pair_slot: npt.NDArray[np.int32],
    demand: IntArray,
    kept: IntArray,
    pair_cap: float,
) -> tuple[IntArray, IntArray, IntArray]:
    """Segment arcs of every pair: (pair index, capacity in units, unit cost), convex per pair.

    Breakpoints of a slot lie at ½, 1, 1½ and 2 times its even share demand/eligible, then q.
    """
    cap = int(np.floor(pair_cap * ONE + 1e-9))
    ideal = demand * ONE / np.maximum(kept, 1)
    steps = np.arange(1, 5, dtype=np.float64) / 2.0
    points = np.minimum(np.rint(ideal[:, None] * steps[None, :]).astype(np.int64), cap)
    points = np.concatenate(
        (np.zeros((len(demand), 1), np.int64), points, np.full((len(demand), 1), cap, np.int64)), axis=1
    )
    widths = np.diff(points, axis=1)[pair_slot]
    slopes = (points[:, :-1] + points[:, 1:])[pair_slot]
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
