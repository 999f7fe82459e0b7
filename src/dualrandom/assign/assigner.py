"""`assign_teams`: the second random, from a sample and rosters to inspection teams.

The result is a pure function of (seed, sample, rosters, rules): inputs are sorted by id
first, pools (departments) are solved one by one in id order, and no solver runs under a
time limit. Department quotas split the problem into one b-matching per department.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InfeasibleAssignmentError, PolicyError
from ..models import Campaign, TeamRules
from . import keys
from .eligibility import Eligibility, Pool, PoolArcs
from .explain import CapacityShortage, InfeasibilityExplanation, Shortage, pool_label
from .flow import Cover, Solved, solve_balanced, solve_covering, solve_network
from .inputs import Sources, normalize_conflicts, normalize_history, normalize_inspectors, normalize_sample
from .manifest import frame_digest, versions
from .marginals import ONE, dependent_round, even_shares, segments
from .quotas import EXPERTS, TeamSpec, team_spec
from .repeats import spread_pairs

__all__ = ["ALGORITHM", "TEAM_COLUMNS", "Assignment", "assign_teams"]

ALGORITHM = "dualrandom-assign/2"
TEAM_COLUMNS = ["uscc", "task_id", "inspector_id", "department", "role"]
MARGINAL_COLUMNS = ["uscc", "task_id", "inspector_id", "department", "role", "probability"]
Mode = Literal["fast", "marginals"]
Progress = Callable[[str, int, int], None]
IntArray = npt.NDArray[np.int64]
REFINE = 2
"""Refining passes of the convex flow when caps or q keep the even shares out of reach."""
CHANCE_TOLERANCE = 1.05
"""Largest max/min chance ratio among the officers eligible for one target counted as equal."""
FIGURES = ("max_probability", "l2", "entropy", "support", "chance_ratio_max", "zero_probability_pairs",
           "targets_unequal", "targets_checked")  # fmt: skip
"""The manifest's fairness figures that need known chances (None when they are unknown)."""


@dataclass(frozen=True)
class Assignment:
    """Teams (one row per target × officer), the manifest, and in marginals mode the marginals."""

    teams: pd.DataFrame
    manifest: dict[str, Any]
    marginals: pd.DataFrame | None = None
    unassigned: tuple[Shortage, ...] = ()
    explanation: InfeasibilityExplanation | None = None


@dataclass
class _PoolOutcome:
    pool: Pool
    arcs: PoolArcs
    solved: Solved
    chosen: npt.NDArray[np.bool_]
    x: IntArray | None = None  # marginals mode: the published marginals, in units of 1/ONE
    design: npt.NDArray[np.float64] | None = None  # each pair's exact probability, when known
    shortages: list[Shortage] = field(default_factory=list)
    capacity: CapacityShortage | None = None
    method: str = "keyed-cost flow"


def assign_teams(
    sample: pd.DataFrame,
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame | None,
    campaign_or_rules: Campaign | TeamRules | None,
    seed: str,
    *,
    history: pd.DataFrame | None = None,
    mode: Mode | None = None,
    allow_partial: bool = False,
    candidates: int | None = None,
    sources: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    on: date | None = None,
) -> Assignment:
    """Draw a team for every sampled target under every hard rule.

    ``mode`` defaults to the rules' mode. ``candidates`` = C thins each department to the C
    eligible officers with the lowest candidate keys per target (for very large rosters;
    enlarged automatically when that makes a department infeasible). With ``allow_partial``
    the targets that cannot be staffed are listed in ``unassigned`` instead of raising
    `InfeasibleAssignmentError`. ``on`` is the assignment date: the visit date of targets
    without ``scheduled_on``, against which certificates and rotation in days are checked.

    Raises `PolicyError` (bad mode, seed, candidates, a date rule without a date, or experts who
    must cover several fields in marginals mode),
    `InputError` (bad rows), `InfeasibleAssignmentError` and `SolverError`.
    """
    spec = team_spec(campaign_or_rules)
    chosen_mode: Mode = mode or spec.rules.mode
    if chosen_mode not in ("fast", "marginals"):
        raise PolicyError(f"mode must be 'fast' or 'marginals', got {chosen_mode!r}")
    if not seed:
        raise PolicyError("the seed is empty; publish a seed before assigning teams")
    if candidates is not None and candidates < 1:
        raise PolicyError(f"candidates must be at least 1, got {candidates}")
    names = Sources.of(sources)
    targets = normalize_sample(sample, names.sample, spec.task_departments)
    roster = normalize_inspectors(inspectors, names.inspectors)
    declared = normalize_conflicts(conflicts, names.conflicts)
    past = normalize_history(history, names.history)

    explanation: InfeasibilityExplanation | None = None
    unassigned: list[Shortage] = []
    remaining = targets
    while True:
        eligibility = Eligibility(remaining, roster, declared, past, spec, on)
        outcomes = [
            _solve_pool(eligibility, pool, seed, chosen_mode, candidates)
            for pool in _report(eligibility.pools, progress)
        ]
        failed = [o for o in outcomes if not o.solved.ok]
        if not failed:
            break
        found = InfeasibilityExplanation.build(
            [s for o in failed for s in o.shortages],
            [o.capacity for o in failed if o.capacity is not None],
            marginals=chosen_mode == "marginals",
        )
        explanation = explanation or found
        if not allow_partial:
            raise InfeasibleAssignmentError(str(found), found)
        # drop whole targets that got no seat at all; otherwise the first short one, then retry
        empty = [s for s in found.shortages if s.filled == 0]
        dropped = empty or [min(found.shortages, key=lambda s: (s.uscc, s.task_id, s.department))]
        drop = {(s.uscc, s.task_id) for s in dropped}
        unassigned += [s for s in found.shortages if (s.uscc, s.task_id) in drop]
        keep = [(u, t) not in drop for u, t in zip(remaining.uscc, remaining.task_id, strict=True)]
        remaining = remaining[keep].reset_index(drop=True)

    teams = _teams(eligibility, outcomes)
    marginals = _marginals(eligibility, outcomes) if chosen_mode == "marginals" else None
    manifest = _manifest(
        spec,
        chosen_mode,
        seed,
        candidates,
        targets,
        roster,
        declared,
        past,
        outcomes,
        teams,
        marginals,
        unassigned,
    )
    manifest["rotation_window"] = list(eligibility.rotation_window)
    manifest["on"] = on.isoformat() if on is not None else None
    manifest["certificates"] = _certificate_summary(spec, roster, eligibility)
    manifest["recusals"] = recusals(eligibility)
    return Assignment(teams, manifest, marginals, tuple(unassigned), explanation)


_RULE_NAMES = np.array(["CONFLICT", "ROTATION"], dtype=object)


def recusals(eligibility: Eligibility) -> list[dict[str, str]]:
    """Every declared-conflict and rotation recusal that touched a drawn target, sorted.

    Rule-wide exclusions (属地, inactive, caps) follow from the published rules and rosters and
    are not listed one by one. Sorted by (uscc, task_id, inspector_id, rule, detail), as target
    rows, roster rows and ranks (targets and roster are sorted by id), repeats dropped.
    """
    pools = eligibility.pools
    target = np.concatenate([p.slot_target[p.sparse_slot] for p in pools] or [np.zeros(0, np.int64)])
    member = np.concatenate([p.members[p.sparse_member] for p in pools] or [np.zeros(0, np.int64)])
    rule = np.concatenate([p.sparse_rule for p in pools] or [np.zeros(0, np.int8)])
    detail = np.concatenate([p.sparse_detail for p in pools] or [np.zeros(0, object)])
    ids = eligibility.roster_column["inspector_id"]
    id_rank = np.cumsum(np.r_[False, ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, np.int64)
    code, distinct = pd.factorize(detail, use_na_sentinel=False)
    texts = np.empty(len(distinct), dtype=object)
    texts[:] = [str(t) for t in distinct.tolist()]  # one object per distinct text, shared by the rows
    detail_rank = np.argsort(np.argsort(texts.astype(str), kind="stable"))[code]
    columns = (detail_rank, rule, id_rank[member], target)
    order = np.lexsort(columns)
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.logical_or.reduce([c[order][1:] != c[order][:-1] for c in columns])
    kept = order[first]
    rows = zip(
        eligibility.target_column["uscc"][target[kept]].tolist(),
        eligibility.target_column["task_id"][target[kept]].tolist(),
        ids[member[kept]].tolist(),
        _RULE_NAMES[(rule[kept] != 1).astype(np.int64)].tolist(),
        texts[code[kept]].tolist(),
        strict=True,
    )
    return [{"uscc": u, "task_id": t, "inspector_id": i, "rule": r, "detail": d} for u, t, i, r, d in rows]


def _certificate_summary(spec: TeamSpec, roster: pd.DataFrame, eligibility: Eligibility) -> dict[str, Any]:
    """How 执法证 were checked: the rule, whether the roster records them, who lacks one."""
    officers = ~roster.expert.to_numpy(dtype=bool)
    recorded = bool(roster.certificate_no.notna().any())
    ids = roster.inspector_id.to_numpy(dtype=object)[officers & ~eligibility.certified]
    return {
        "rule": spec.rules.certificates,
        "recorded": recorded,
        "checked": spec.rules.certificates == "required"
        or (spec.rules.certificates == "if_recorded" and recorded),
        "uncertified_officers": sorted(str(i) for i in ids),
    }


def _report(pools: list[Pool], progress: Progress | None) -> Iterator[Pool]:
    """Yield the pools in order, telling ``progress`` (label, done, total) as each one starts."""
    for done, pool in enumerate(pools):
        if progress is not None:
            progress(pool_label(pool.name), done, len(pools))
        yield pool
    if progress is not None:
        progress("done", len(pools), len(pools))


def _solve_pool(
    eligibility: Eligibility,
    pool: Pool,
    seed: str,
    mode: Mode,
    candidates: int | None,
) -> _PoolOutcome:
    """Solve one pool: fast (keyed costs; equal chances or even loads) or marginals (rounding)."""
    if mode == "marginals":
        return _solve_marginals(eligibility, pool, seed)
    rules = eligibility.spec.rules
    arcs = eligibility.arcs(pool, seed, candidates)
    members = len(pool.members)
    degree = np.bincount(arcs.member, minlength=members).astype(np.int64)
    effective = np.where(pool.usable, np.minimum(pool.capacity, degree), 0).astype(np.int64)
    every_target, every_officer = eligibility.pair_keys(seed)
    target_key, officer_key = every_target[pool.slot_target], every_officer[pool.members]
    cost = keys.costs_from_keys(target_key, arcs.slot, officer_key, arcs.member)
    ones = np.ones(len(arcs.slot), dtype=np.int64)

    cover = _cover(eligibility, pool, arcs)

    def solve(lo: IntArray, hi: IntArray, max_flow: bool = False) -> Solved:
        if cover is not None:
            return solve_covering(
                members, pool.demand, arcs.member, arcs.slot, cost, cover, lo, hi, max_flow=max_flow
            )
        return solve_network(
            members, pool.demand, arcs.member, arcs.slot, ones, cost, lo, hi, max_flow=max_flow
        )

    if rules.balance == "chances":
        solved = solve(np.zeros_like(effective), effective)
    else:
        solved = solve_balanced(solve, effective, int(pool.demand.sum()))
    if not solved.ok and arcs.thinned:
        return _solve_pool(eligibility, pool, seed, mode, None)
    if not solved.ok:
        return _failure(eligibility, pool, arcs, solve, effective, 1, mode)
    chosen = solved.flow == 1
    if rules.avoid_repeat_pairs and pool.role == "officer":
        chosen = spread_pairs(arcs.slot, arcs.member, chosen, _ranks(target_key), _ranks(officer_key))
    # equal chances are exact when no cap can bind: each target then takes the k lowest keyed
    # costs of its E eligible officers, a uniformly random k of E
    free = bool((pool.capacity >= degree)[pool.usable].all())
    exact = rules.balance == "chances" and not arcs.thinned and free and cover is None
    design = (pool.demand / np.maximum(arcs.eligible, 1))[arcs.slot] if exact else None
    return _PoolOutcome(pool, arcs, solved, chosen, design=design)


def _cover(eligibility: Eligibility, pool: Pool, arcs: PoolArcs) -> Cover | None:
    """The fields an expert pool's seats must cover, when a target has several fields and seats."""
    if pool.role != "expert":
        return None
    tasks = eligibility.target_column["task_id"][pool.slot_target]
    fields = {task: tuple(sorted(eligibility.spec.expert_fields(task))) for task in set(tasks.tolist())}
    cover = Cover([fields[task] for task in tasks.tolist()], [])
    if not cover.covering(pool.demand).any():
        return None
    held = eligibility.roster_column["qualifications"][pool.members]
    holds = [
        tuple(f for f, name in enumerate(cover.slot_fields[s]) if name in held[m])
        for s, m in zip(arcs.slot.tolist(), arcs.member.tolist(), strict=True)
    ]
    return Cover(cover.slot_fields, holds)


def _refuse_cover(eligibility: Eligibility, pool: Pool, arcs: PoolArcs) -> None:
    """Raise `PolicyError` when experts must cover several fields: marginals mode cannot."""
    cover = _cover(eligibility, pool, arcs)
    if cover is None:
        return
    slot = int(np.flatnonzero(cover.covering(pool.demand))[0])
    task = eligibility.targets.task_id.iat[int(pool.slot_target[slot])]
    raise PolicyError(
        f"task {task!s} sends {int(pool.demand[slot])} experts who must together cover the fields "
        f"{list(cover.slot_fields[slot])}, which marginals mode cannot guarantee; use fast mode "
        "(--mode fast), or one expert per visit"
    )


def _ranks(values: npt.NDArray[np.uint64]) -> IntArray:
    """The rank of each value in ascending order (a permutation of 0..n-1)."""
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[np.argsort(values, kind="stable")] = np.arange(len(values))
    return ranks


def _solve_marginals(eligibility: Eligibility, pool: Pool, seed: str) -> _PoolOutcome:
    """Equal chances: the even share k/E per eligible officer when caps and q allow it, else the
    nearest feasible marginals by a convex min-cost flow; then dependent rounding.

    Every eligible pair is kept (no thinning), so the marginals do not depend on the seed.
    """
    arcs = eligibility.arcs(pool, seed, None)
    _refuse_cover(eligibility, pool, arcs)
    members = len(pool.members)
    degree = np.bincount(arcs.member, minlength=members).astype(np.int64)
    effective = np.where(pool.usable, np.minimum(pool.capacity, degree), 0).astype(np.int64)
    pair_cap = eligibility.spec.rules.pair_cap
    zero = np.zeros(members, dtype=np.int64)

    def network(centre: IntArray | None) -> tuple[IntArray, Callable[..., Solved]]:
        pair, width, slope = segments(arcs.slot, pool.demand, arcs.eligible, pair_cap, centre)

        def solve(lo: IntArray, hi: IntArray, max_flow: bool = False) -> Solved:
            return solve_network(
                members,
                pool.demand * ONE,
                arcs.member[pair],
                arcs.slot[pair],
                width,
                slope,
                lo * ONE,
                hi * ONE,
                max_flow=max_flow,
            )

        return pair, solve

    x = even_shares(arcs.slot, pool.demand, arcs.eligible)
    loads = np.bincount(arcs.member, weights=x, minlength=members)
    staffed = np.bincount(arcs.slot, weights=x, minlength=len(pool.demand)) == pool.demand * ONE
    under_q = len(x) == 0 or x.max() <= int(np.floor(pair_cap * ONE + 1e-9))
    fits = bool(staffed.all()) and under_q and bool((loads <= effective * ONE).all())
    if fits:
        solved = Solved("OPTIMAL", 0, 0, 0, x, zero, effective * ONE)  # even shares: no flow needed
    else:
        pair, solve = network(None)
        solved = solve(zero, effective)
        if not solved.ok:
            return _failure(eligibility, pool, arcs, solve, effective, ONE, "marginals")
        for _ in range(REFINE):  # re-cut the segments finely around the solution so far
            x = np.bincount(pair, weights=solved.flow, minlength=len(arcs.slot)).astype(np.int64)
            pair, solve = network(x)
            solved = solve(zero, effective)
        x = np.bincount(pair, weights=solved.flow, minlength=len(arcs.slot)).astype(np.int64)
    chosen = dependent_round(x, arcs.member, arcs.slot, members, seed, pool.name)
    method = "even shares" if fits else "convex flow"
    return _PoolOutcome(pool, arcs, solved, chosen, x, x / ONE, method=method)


def _failure(
    eligibility: Eligibility,
    pool: Pool,
    arcs: PoolArcs,
    solve: Callable[..., Solved],
    effective: IntArray,
    scale: int,
    mode: Mode,
) -> _PoolOutcome:
    """Find what blocks a pool: its caps, and the targets a maximum flow leaves short."""
    zero = np.zeros_like(effective)
    best = solve(zero, effective, max_flow=True)
    total = int(pool.demand.sum())
    pair_slot = arcs.slot if mode == "fast" else None
    if pair_slot is None:  # marginals: the segment arcs map back to pairs
        pair, _, _ = segments(arcs.slot, pool.demand, arcs.eligible, eligibility.spec.rules.pair_cap)
        pair_slot = arcs.slot[pair]
    inflow = (
        np.bincount(pair_slot, weights=best.flow, minlength=len(pool.demand))
        if best.ok
        else np.zeros(len(pool.demand))
    )
    short = np.flatnonzero(inflow < pool.demand * scale) if best.ok else np.arange(len(pool.demand))
    q = eligibility.spec.rules.pair_cap
    shortages = []
    for slot in short.tolist():
        row = int(pool.slot_target[slot])
        needed = int(pool.demand[slot])
        eligible = int(arcs.eligible[slot])
        excluded = eligibility.excluded(pool, slot)
        too_thin = mode == "marginals" and eligible >= needed and eligible * q < needed
        if too_thin:
            excluded["PAIR_CAP"] = [f"q = {q}: {eligible} x {q} < {needed}"]
        shortages.append(
            Shortage(
                uscc=str(eligibility.targets.uscc.iat[row]),
                task_id=str(eligibility.targets.task_id.iat[row]),
                department=pool.name,
                needed=needed,
                eligible=eligible,
                excluded=excluded,
                booked=eligible >= needed and not too_thin,
                filled=int(inflow[slot]) // scale,
            )
        )
    seats = int(np.where(pool.usable, pool.capacity, 0).sum())
    capacity = CapacityShortage(pool.name, total, seats, int(pool.usable.sum())) if seats < total else None
    failed = Solved("INFEASIBLE", 0, best.nodes, best.arcs, best.flow, best.lo, best.hi)
    nothing = np.zeros(len(arcs.slot), dtype=bool)
    return _PoolOutcome(pool, arcs, failed, nothing, shortages=shortages, capacity=capacity)


def _pairs(eligibility: Eligibility, outcome: _PoolOutcome, mask: npt.NDArray[np.bool_]) -> pd.DataFrame:
    pool = outcome.pool
    rows = pool.slot_target[outcome.arcs.slot[mask]]
    officers = pool.members[outcome.arcs.member[mask]]
    roster = eligibility.roster
    return pd.DataFrame(
        {
            "uscc": eligibility.target_column["uscc"][rows],
            "task_id": eligibility.target_column["task_id"][rows],
            "inspector_id": roster.inspector_id.to_numpy(dtype=object)[officers],
            "department": roster.department.to_numpy(dtype=object)[officers],
            "role": pool.role,
        }
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame.assign(_r=(frame.role != "officer").astype(int))
    order = order.sort_values(["uscc", "task_id", "_r", "department", "inspector_id"], kind="stable")
    return order.drop(columns="_r").reset_index(drop=True)


def _teams(eligibility: Eligibility, outcomes: list[_PoolOutcome]) -> pd.DataFrame:
    """Chosen rows of every pool, sorted by target, officers before experts, department, id.

    Targets and the roster are sorted by id already, so integer rows sort like the ids.
    """
    rows = np.concatenate(
        [o.pool.slot_target[o.arcs.slot[o.chosen]] for o in outcomes] or [np.zeros(0, np.int64)]
    )
    officers = np.concatenate(
        [o.pool.members[o.arcs.member[o.chosen]] for o in outcomes] or [np.zeros(0, np.int64)]
    )
    expert = np.concatenate(
        [np.full(int(o.chosen.sum()), o.pool.role == "expert") for o in outcomes] or [np.zeros(0, bool)]
    )
    departments = eligibility.roster_column["department"]
    rank = np.unique(departments, return_inverse=True)[1].reshape(-1) if len(departments) else np.zeros(0)
    order = np.lexsort((officers, rank[officers], expert, rows))
    rows, officers = rows[order], officers[order]
    return pd.DataFrame(
        {
            "uscc": eligibility.target_column["uscc"][rows],
            "task_id": eligibility.target_column["task_id"][rows],
            "inspector_id": eligibility.roster_column["inspector_id"][officers],
            "department": departments[officers],
            "role": np.where(expert[order], "expert", "officer").astype(object),
        },
        columns=TEAM_COLUMNS,
        dtype=object,
    )


def _marginals(eligibility: Eligibility, outcomes: list[_PoolOutcome]) -> pd.DataFrame:
    parts = []
    for outcome in outcomes:
        assert outcome.x is not None
        positive = outcome.x > 0
        part = _pairs(eligibility, outcome, positive)
        part["probability"] = outcome.x[positive] / ONE
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MARGINAL_COLUMNS)
    return _sorted(frame)[MARGINAL_COLUMNS]


def _pair_counts(teams: pd.DataFrame) -> IntArray:
    """How often each pair of people served in one team together (teams rows grouped by target)."""
    uscc, tasks = pd.factorize(teams.uscc)[0], pd.factorize(teams.task_id)
    target = pd.factorize(uscc * max(len(tasks[1]), 1) + tasks[0])[0]
    person, people = pd.factorize(teams.inspector_id)
    order = np.argsort(target, kind="stable")
    target, person = target[order], person[order].astype(np.int64)
    codes = []
    for gap in range(1, int(np.bincount(target).max(initial=1))):
        same = target[gap:] == target[:-gap]
        a, b = person[:-gap][same], person[gap:][same]
        codes.append(np.minimum(a, b) * len(people) + np.maximum(a, b))
    joined = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    counts: IntArray = np.unique(joined, return_counts=True)[1].astype(np.int64)
    return counts


def _fairness(
    teams: pd.DataFrame, outcomes: list[_PoolOutcome], mode: Mode, rules: TeamRules
) -> dict[str, Any]:
    """Repeat pairings of officers in this campaign, and the chances of the design when known.

    The chances are known exactly in marginals mode (the published marginals) and in fast mode
    with ``balance = "chances"`` when no cap can bind (k/E per eligible pair); otherwise the
    chance figures are None and ``chances`` says why.
    """
    counts = _pair_counts(teams)
    out: dict[str, Any] = {
        "officer_pairs": len(counts),
        "officer_pairs_repeated": int((counts > 1).sum()),
        "officer_pair_max_repeats": int(counts.max(initial=0)),
    }
    unknown = [o for o in outcomes if o.design is None]
    names = ", ".join(pool_label(o.pool.name) for o in unknown)
    if mode == "marginals":
        out["chances"] = "published marginals"
    elif rules.balance == "loads":
        out["chances"] = "unknown: teams.balance = 'loads' keeps loads even, not chances"
    elif unknown:
        out["chances"] = (
            f"k/E, except in {names}: a cap may bind, the pool was thinned or experts cover fields"
        )
    else:
        out["chances"] = "k/E: each target takes a keyed random k of its E eligible officers"
    known = [o.design for o in outcomes if o.design is not None]
    if not known or not any(o.design is not None for o in outcomes if o.pool.role == "officer"):
        out |= dict.fromkeys(FIGURES)
        out["chance_tolerance"] = CHANCE_TOLERANCE
        return out
    every = np.concatenate(known)
    x = every[every > 0]
    out |= {
        "max_probability": float(x.max(initial=0.0)),
        "l2": float(np.sqrt((x**2).sum())),
        "entropy": float(-(x * np.log(x)).sum()),
        "support": len(x),
    }
    return out | chance_figures(outcomes)


def chance_figures(outcomes: list[_PoolOutcome], tolerance: float = CHANCE_TOLERANCE) -> dict[str, Any]:
    """Equal chances per target: the largest max/min probability ratio among the officers
    eligible for one target (experts apart), the eligible pairs at probability 0, and the
    targets whose ratio exceeds ``tolerance``. Pools without a known design are skipped."""
    worst, zeros, unequal, slots = 1.0, 0, 0, 0
    for o in outcomes:
        if o.design is None or o.pool.role != "officer" or not len(o.design):
            continue
        x = o.design
        starts = np.searchsorted(o.arcs.slot, np.arange(len(o.pool.demand)))
        has = np.diff(np.append(starts, len(x))) > 0  # arcs are sorted by slot
        high = np.where(has, np.maximum.reduceat(x, np.minimum(starts, len(x) - 1)), -1.0)
        low = np.where(has, np.minimum.reduceat(x, np.minimum(starts, len(x) - 1)), np.inf)
        staffed = high > 0
        zeros += int((x == 0).sum())
        floor = np.where(low[staffed] > 0, low[staffed], 1.0)
        ratio = np.where(low[staffed] > 0, high[staffed] / floor, np.inf)
        worst = max(worst, float(ratio.max(initial=1.0)))
        unequal += int((ratio > tolerance).sum())
        slots += int(staffed.sum())
    return {
        "chance_ratio_max": worst if np.isfinite(worst) else None,
        "zero_probability_pairs": zeros,
        "targets_unequal": unequal,
        "targets_checked": slots,
        "chance_tolerance": tolerance,
    }


def _manifest(
    spec: TeamSpec,
    mode: Mode,
    seed: str,
    candidates: int | None,
    targets: pd.DataFrame,
    roster: pd.DataFrame,
    declared: pd.DataFrame,
    past: pd.DataFrame,
    outcomes: list[_PoolOutcome],
    teams: pd.DataFrame,
    marginals: pd.DataFrame | None,
    unassigned: list[Shortage],
) -> dict[str, Any]:
    scale = 1 if mode == "fast" else ONE
    pools = []
    for o in outcomes:
        loads = np.bincount(o.arcs.member[o.chosen], minlength=len(o.pool.members))[o.pool.usable]
        pools.append(
            {
                "department": "experts" if o.pool.name == EXPERTS else o.pool.name,
                "role": o.pool.role,
                "officers": int(o.pool.usable.sum()),
                "targets": len(o.pool.slot_target),
                "seats": int(o.pool.demand.sum()),
                "nodes": o.solved.nodes,
                "arcs": o.solved.arcs,
                "thinned_pairs": o.arcs.thinned,
                "method": o.method,
                "status": o.solved.status,
                "objective": o.solved.objective,
                "load_floor": int(o.solved.lo.max(initial=0)) // scale,
                "load_ceiling": int(o.solved.hi.max(initial=0)) // scale,
                "load_min": int(loads.min()) if len(loads) else 0,
                "load_max": int(loads.max()) if len(loads) else 0,
            }
        )
    return {
        "kind": "teams",
        "algorithm": ALGORITHM,
        "mode": mode,
        "seed": seed,
        "campaign_id": spec.campaign_id,
        "versions": versions(),
        "rules": spec.rules.model_dump(mode="json"),
        "candidates": candidates,
        "rotation_window": [],
        "status": "PARTIAL" if unassigned else "OPTIMAL",
        "objective": sum(p["objective"] for p in pools),
        "model": {
            "pools": len(pools),
            "nodes": sum(p["nodes"] for p in pools),
            "arcs": sum(p["arcs"] for p in pools),
        },
        "pools": pools,
        "inputs": {
            "sample": frame_digest(targets, ["uscc", "task_id", "departments", "division", "scheduled_on"]),
            "inspectors": frame_digest(roster),
            "conflicts": frame_digest(declared),
            "history": frame_digest(past),
        },
        "outputs": {
            "teams": frame_digest(teams),
            "rows": len(teams),
            "marginals": None if marginals is None else frame_digest(marginals),
        },
        "fairness": _fairness(teams, outcomes, mode, spec.rules),
        "unassigned": [
            {
                "uscc": s.uscc,
                "task_id": s.task_id,
                "department": pool_label(s.department),
                "needed": s.needed,
                "eligible": s.eligible,
            }
            for s in unassigned
        ],
    }
