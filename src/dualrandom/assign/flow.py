"""One pool's b-matching as a min-cost flow (OR-Tools `SimpleMinCostFlow`, array API).

Network of a pool: node 0 is the source, nodes 1..m the officers, then one node per slot.
Arcs: source → officer with capacity hi − lo (the floor lo is the officer's own supply);
officer → slot for each eligible pair. Supplies: source D − Σlo, officer lo, slot −demand.
Workload bounds start at the fair share (water-filling under each officer's cap); if the
hard rules make that impossible, the ceiling is raised and then the floor lowered, each by
bisection, to the most even loads the rules allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from ..errors import SolverError

__all__ = ["Cover", "Solved", "fair_bounds", "solve_balanced", "solve_covering", "solve_network"]

IntArray = npt.NDArray[np.int64]
_STATUS = min_cost_flow.SimpleMinCostFlow
_INFEASIBLE = {_STATUS.INFEASIBLE, _STATUS.UNBALANCED}


@dataclass(frozen=True)
class Solved:
    """A solved (or proven infeasible) pool network."""

    status: str  # OPTIMAL, INFEASIBLE or UNBALANCED
    objective: int
    nodes: int
    arcs: int
    flow: IntArray  # flow on each pair arc, in the order given
    lo: IntArray
    hi: IntArray

    @property
    def ok(self) -> bool:
        """True when the network has a feasible (optimal) flow."""
        return self.status == "OPTIMAL"


def solve_network(
    members: int,
    demand: IntArray,
    arc_member: npt.NDArray[np.int32],
    arc_slot: npt.NDArray[np.int32],
    capacity: IntArray,
    cost: IntArray,
    lo: IntArray,
    hi: IntArray,
    *,
    max_flow: bool = False,
) -> Solved:
    """Solve one pool network; ``max_flow`` sends as much as possible (for explanations)."""
    solver = min_cost_flow.SimpleMinCostFlow()
    _officer_arcs(solver, lo, hi, arc_member, arc_slot.astype(np.int64) + 1 + members, capacity, cost)
    supplies = np.concatenate(([int(demand.sum() - lo.sum())], lo, -demand)).astype(np.int64)
    return _finish(solver, supplies, members, len(arc_slot), max_flow, lo, hi)


def _officer_arcs(
    solver: min_cost_flow.SimpleMinCostFlow,
    lo: IntArray,
    hi: IntArray,
    arc_member: npt.NDArray[np.int32],
    heads: IntArray,
    capacity: IntArray,
    cost: IntArray,
) -> None:
    """The arcs every pool network starts with, through the array API: source (node 0) → officer
    m (node m + 1) with capacity hi − lo, then one arc per pair from its officer to ``heads``."""
    members = len(lo)
    solver.add_arcs_with_capacity_and_unit_cost(
        np.zeros(members, dtype=np.int32), np.arange(1, members + 1, dtype=np.int32),
        (hi - lo).astype(np.int64), np.zeros(members, np.int64),
    )  # fmt: skip
    solver.add_arcs_with_capacity_and_unit_cost(
        (arc_member + 1).astype(np.int32), heads.astype(np.int32),
        capacity.astype(np.int64), cost.astype(np.int64),
    )  # fmt: skip


def _finish(
    solver: min_cost_flow.SimpleMinCostFlow,
    supply: list[int] | IntArray,
    members: int,
    pairs: int,
    max_flow: bool,
    lo: IntArray,
    hi: IntArray,
) -> Solved:
    """Set the node supplies, solve, and read the flow on the ``pairs`` arcs after the members'.

    Raises `SolverError` on any status other than optimal or infeasible.
    """
    nodes = len(supply)
    solver.set_nodes_supplies(np.arange(nodes, dtype=np.int32), np.asarray(supply, dtype=np.int64))
    status = solver.solve_max_flow_with_min_cost() if max_flow else solver.solve()
    name = str(_STATUS.Status(status).name)
    if status in _INFEASIBLE:
        return Solved(name, 0, nodes, solver.num_arcs(), np.zeros(pairs, np.int64), lo, hi)
    if status != _STATUS.OPTIMAL:
        raise SolverError(
            f"OR-Tools min-cost flow returned status {name} on a pool of {members} officers, "
            f"{nodes - members - 1} other nodes and {pairs} pairs"
        )
    flow = np.asarray(solver.flows(np.arange(members, members + pairs, dtype=np.int32)), dtype=np.int64)
    return Solved("OPTIMAL", int(solver.optimal_cost()), nodes, solver.num_arcs(), flow, lo, hi)


def fair_bounds(effective: IntArray, total: int) -> tuple[IntArray, IntArray, int]:
    """Floors and ceilings around the fair share: loads L or L+1 (capped); returns (lo, hi, L)."""
    low, high = 0, int(effective.max(initial=0))
    while low < high:  # largest L with sum(min(eff, L)) <= total
        middle = (low + high + 1) // 2
        if int(np.minimum(effective, middle).sum()) <= total:
            low = middle
        else:
            high = middle - 1
    return np.minimum(effective, low), np.minimum(effective, low + 1), low


def solve_balanced(solve: Callable[[IntArray, IntArray], Solved], effective: IntArray, total: int) -> Solved:
    """The most even feasible loads: fair share first, else bisect the ceiling, then the floor."""
    lo, hi, level = fair_bounds(effective, total)
    first = solve(lo, hi)
    if first.ok:
        return first
    zero = np.zeros_like(effective)
    widest = solve(zero, effective)
    if not widest.ok:
        return widest
    low, high = level + 1, int(effective.max(initial=0))
    while low < high:  # smallest feasible ceiling
        middle = (low + high) // 2
        if solve(zero, np.minimum(effective, middle)).ok:
            high = middle
        else:
            low = middle + 1
    ceiling = np.minimum(effective, low)
    low_f, high_f = 0, level
    while low_f < high_f:  # largest feasible floor under that ceiling
        middle = (low_f + high_f + 1) // 2
        if solve(np.minimum(ceiling, middle), ceiling).ok:
            low_f = middle
        else:
            high_f = middle - 1
    return solve(np.minimum(ceiling, low_f), ceiling)


@dataclass(frozen=True)
class Cover:
    """Expert seats that must cover fields: per covering slot, its fields and who holds which.

    ``slot_fields[s]`` lists the fields of slot s (empty: an ordinary slot); ``holds[a]`` the
    fields (indices into ``slot_fields`` of the arc's slot) that the member of pair arc a holds.
    """

    slot_fields: list[tuple[str, ...]]
    holds: list[tuple[int, ...]]

    def covering(self, demand: IntArray) -> npt.NDArray[np.bool_]:
        """Slots whose experts must cover several fields (two or more fields and seats)."""
        return np.array([len(f) >= 2 for f in self.slot_fields], dtype=bool) & (demand >= 2)


def solve_covering(
    members: int,
    demand: IntArray,
    arc_member: npt.NDArray[np.int32],
    arc_slot: npt.NDArray[np.int32],
    cost: IntArray,
    cover: Cover,
    lo: IntArray,
    hi: IntArray,
    *,
    max_flow: bool = False,
) -> Solved:
    """Like `solve_network` with unit pair arcs, but a covering slot's experts cover its fields.

    A pair arc of a covering slot ends in its own node, which passes its one unit to a node of
    a field the member holds. With k seats and F fields, k >= F: every field node needs exactly
    one expert and a free node takes the other k - F; k < F: each field node passes at most one
    unit on to the slot, so the k experts hold k different fields.
    """
    solver = min_cost_flow.SimpleMinCostFlow()
    slots = len(demand)
    covering = cover.covering(demand)
    through = covering[arc_slot]
    first_pair = members + slots + 1
    pair_node = np.full(len(arc_slot), -1, dtype=np.int64)
    pair_node[through] = first_pair + np.arange(int(through.sum()))
    heads = np.where(through, pair_node, arc_slot.astype(np.int64) + 1 + members)
    _officer_arcs(solver, lo, hi, arc_member, heads, np.ones(len(arc_slot), np.int64), cost)
    supply = [int(demand.sum() - lo.sum()), *lo.tolist()]
    supply += [0 if c else -int(d) for c, d in zip(covering.tolist(), demand.tolist(), strict=True)]
    supply += [0] * int(through.sum())
    field_node = _field_nodes(solver, supply, members, demand, covering, cover)
    for a in np.flatnonzero(through).tolist():
        s = int(arc_slot[a])
        for f in (*cover.holds[a], -1):
            if (s, f) in field_node:
                solver.add_arc_with_capacity_and_unit_cost(int(pair_node[a]), field_node[(s, f)], 1, 0)
    return _finish(solver, supply, members, len(arc_slot), max_flow, lo, hi)


def _field_nodes(
    solver: min_cost_flow.SimpleMinCostFlow,
    supply: list[int],
    members: int,
    demand: IntArray,
    covering: npt.NDArray[np.bool_],
    cover: Cover,
) -> dict[tuple[int, int], int]:
    """Add the field nodes (and free-seat nodes, field -1) of every covering slot; extends ``supply``."""
    next_node = len(supply)
    field_node: dict[tuple[int, int], int] = {}
    for s in np.flatnonzero(covering).tolist():
        fields, seats = cover.slot_fields[s], int(demand[s])
        for f in range(len(fields)):
            field_node[(s, f)] = next_node
            next_node += 1
            if seats >= len(fields):
                supply.append(-1)
            else:
                supply.append(0)
                solver.add_arc_with_capacity_and_unit_cost(next_node - 1, s + 1 + members, 1, 0)
        if seats >= len(fields):
            field_node[(s, -1)] = next_node  # the free seats
            next_node += 1
            supply.append(len(fields) - seats)
        else:
            supply[s + 1 + members] = -seats
    return field_node
