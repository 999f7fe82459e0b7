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

__all__ = ["Solved", "fair_bounds", "solve_balanced", "solve_network"]

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
    slots = len(demand)
    officer_nodes = np.arange(1, members + 1, dtype=np.int32)
    solver.add_arcs_with_capacity_and_unit_cost(
        np.zeros(members, dtype=np.int32),
        officer_nodes,
        (hi - lo).astype(np.int64),
        np.zeros(members, np.int64),
    )
    solver.add_arcs_with_capacity_and_unit_cost(
        (arc_member + 1).astype(np.int32),
        (arc_slot + 1 + members).astype(np.int32),
        capacity.astype(np.int64),
        cost.astype(np.int64),
    )
    nodes = np.arange(members + slots + 1, dtype=np.int32)
    supplies = np.concatenate(([int(demand.sum() - lo.sum())], lo, -demand)).astype(np.int64)
    solver.set_nodes_supplies(nodes, supplies)
    status = solver.solve_max_flow_with_min_cost() if max_flow else solver.solve()
    name = str(_STATUS.Status(status).name)
    if status in _INFEASIBLE:
        return Solved(name, 0, len(nodes), solver.num_arcs(), np.zeros(len(arc_slot), np.int64), lo, hi)
    if status != _STATUS.OPTIMAL:
        raise SolverError(
            f"OR-Tools min-cost flow returned status {name} on a pool of {members} officers, "
            f"{slots} targets and {len(arc_slot)} pairs"
        )
    flow = np.asarray(
        solver.flows(np.arange(members, members + len(arc_slot), dtype=np.int32)), dtype=np.int64
    )
    return Solved("OPTIMAL", int(solver.optimal_cost()), len(nodes), solver.num_arcs(), flow, lo, hi)


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
