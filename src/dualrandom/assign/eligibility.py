"""Who may inspect whom: pools of officers, their slots (targets) and the recusal rules.

A *pool* is one department's enforcement officers (or all experts); a *slot* is one target
in which the pool takes part, with a demand (officers needed). Every exclusion has a rule
code so an explanation can say which rule removed whom:

``CONFLICT`` declared conflict · ``LOCAL`` 属地 officer of the entity's division ·
``ROTATION`` inspected the entity within the last N campaigns · ``QUALIFICATION`` lacks a
qualification the task's items need · ``UNAVAILABLE`` unavailable on the scheduled date ·
``INACTIVE`` not active · ``CAP_ZERO`` may take no target (max_targets = 0).

Eligibility is computed block by block within a pool (slots × that pool's officers), so no
targets × officers matrix of the whole campaign is ever built.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import keys
from .quotas import EXPERTS, TeamSpec

__all__ = ["PAIR_RULES", "POOL_RULES", "Eligibility", "Pool", "PoolArcs"]

PAIR_RULES: tuple[str, ...] = ("CONFLICT", "LOCAL", "ROTATION", "QUALIFICATION", "UNAVAILABLE")
POOL_RULES: tuple[str, ...] = ("INACTIVE", "CAP_ZERO")
_BLOCK_CELLS = 1 << 22
_CODE = {"CONFLICT": 1, "ROTATION": 2}

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Pool:
    """One department's officers (or the experts) and the targets they must staff."""

    name: str
    role: str
    members: IntArray  # roster rows, ascending inspector_id
    usable: BoolArray  # active and allowed at least one target
    capacity: IntArray  # targets each member may take in this campaign
    slot_target: IntArray  # target rows, ascending
    demand: IntArray  # officers needed per slot
    sparse_slot: IntArray  # declared conflicts and rotation, as (slot, member, rule, detail)
    sparse_member: IntArray
    sparse_rule: npt.NDArray[np.int8]  # 1 CONFLICT, 2 ROTATION
    sparse_detail: npt.NDArray[np.object_]


@dataclass(frozen=True)
class PoolArcs:
    """The eligible (slot, member) pairs of a pool kept for the flow, sorted by slot then member."""

    slot: npt.NDArray[np.int32]
    member: npt.NDArray[np.int32]
    eligible: IntArray  # eligible members per slot before any thinning
    thinned: int  # eligible pairs left out by thinning to C candidates


class Eligibility:
    """The recusal rules applied to normalised targets and roster."""

    def __init__(
        self,
        targets: pd.DataFrame,
        roster: pd.DataFrame,
        conflicts: pd.DataFrame,
        history: pd.DataFrame,
        spec: TeamSpec,
    ) -> None:
        # object columns: repeated to_numpy() on them is free (pandas 3 strings are Arrow-backed)
        self.targets = targets.astype(object)
        self.roster = roster.astype(object)
        self.spec = spec
        self.target_keys = [keys.target_key(u, t) for u, t in zip(targets.uscc, targets.task_id, strict=True)]
        self._uscc = targets.uscc.to_numpy(dtype=object)
        self._division = np.array([int(d) if d.isdigit() else -2 for d in targets.division], dtype=np.int64)
        self._home = np.array([int(h) if h.isdigit() else -1 for h in roster.home_division], dtype=np.int64)
        self.rotation_window = self._rotation_window(history)
        self.pools = self._pools(conflicts, history)

    def _rotation_window(self, history: pd.DataFrame) -> tuple[str, ...]:
        """The ids of the last N campaigns in the history (by their latest inspection date)."""
        n = self.spec.rules.rotation_campaigns
        named = history[history.campaign_id != ""]
        if n == 0 or named.empty:
            return ()
        latest = named.groupby("campaign_id")["inspected_on"].max()
        ordered = sorted(latest.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        return tuple(str(campaign) for campaign, _ in ordered[:n])

    def _target_rows(self, uscc: str) -> range:
        left = int(np.searchsorted(self._uscc, uscc, side="left"))
        right = int(np.searchsorted(self._uscc, uscc, side="right"))
        return range(left, right)

    def _pools(self, conflicts: pd.DataFrame, history: pd.DataFrame) -> list[Pool]:
        rules = self.spec.rules
        roster = self.roster
        demand: dict[str, list[tuple[int, int]]] = {}
        listed = zip(self.targets.task_id, self.targets.departments, strict=True)
        for row, (task, departments) in enumerate(listed):
            for department, seats in self.spec.quotas(task, departments).items():
                demand.setdefault(department, []).append((row, seats))
            if rules.experts:
                demand.setdefault(EXPERTS, []).append((row, rules.experts))
        expert = roster.expert.to_numpy(dtype=bool)
        home_department = roster.department.to_numpy(dtype=object)
        caps = roster.max_targets.to_numpy(dtype=np.int64)
        active = roster.active.to_numpy(dtype=bool)
        pair_target, pair_officer, pair_rule, pair_detail = self._sparse_pairs(conflicts, history)
        officer_pool = np.full(len(roster), -1, dtype=np.int64)
        target_slot = np.full(len(self.targets), -1, dtype=np.int64)
        pools = []
        for name in sorted(demand, key=lambda key: (key == EXPERTS, key)):
            members = np.flatnonzero(expert if name == EXPERTS else (~expert & (home_department == name)))
            slots = np.array([row for row, _ in demand[name]], dtype=np.int64)
            need = np.array([seats for _, seats in demand[name]], dtype=np.int64)
            limit = int(need.sum())
            cap = np.where(caps[members] >= 0, caps[members], limit)
            if rules.max_targets_per_officer is not None:
                cap = np.minimum(cap, rules.max_targets_per_officer)
            officer_pool[:] = -1
            officer_pool[members] = np.arange(len(members))
            target_slot[:] = -1
            target_slot[slots] = np.arange(len(slots))
            member_of = officer_pool[pair_officer]
            slot_of = target_slot[pair_target]
            mine = np.flatnonzero((member_of >= 0) & (slot_of >= 0))
            order = mine[np.lexsort((pair_rule[mine], member_of[mine], slot_of[mine]))]
            pools.append(
                Pool(
                    name=name,
                    role="expert" if name == EXPERTS else "officer",
                    members=members,
                    usable=active[members] & (cap > 0),
                    capacity=cap.astype(np.int64),
                    slot_target=slots,
                    demand=need,
                    sparse_slot=slot_of[order],
                    sparse_member=member_of[order],
                    sparse_rule=pair_rule[order],
                    sparse_detail=pair_detail[order],
                )
            )
        return pools

    def _sparse_pairs(
        self,
        conflicts: pd.DataFrame,
        history: pd.DataFrame,
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.int8], npt.NDArray[np.object_]]:
        """Declared conflicts and rotation as (target row, roster row, rule code, detail) arrays."""
        rows = pd.DataFrame({"uscc": self.targets.uscc, "target": np.arange(len(self.targets))})
        officers = pd.DataFrame(
            {"inspector_id": self.roster.inspector_id, "officer": np.arange(len(self.roster))}
        )
        recent = history[history.campaign_id.isin(self.rotation_window) & (history.inspector_id != "")]
        recent = recent.drop_duplicates(["inspector_id", "uscc", "campaign_id"])
        parts = [
            conflicts.assign(rule=_CODE["CONFLICT"], detail=conflicts.reason)[
                ["inspector_id", "uscc", "rule", "detail"]
            ],
            recent.assign(
                rule=_CODE["ROTATION"], detail=[f"inspected it in campaign {c}" for c in recent.campaign_id]
            )[["inspector_id", "uscc", "rule", "detail"]],
        ]
        pairs = pd.concat(parts, ignore_index=True).astype({"inspector_id": object, "uscc": object})
        pairs = pairs.merge(rows.astype({"uscc": object}), on="uscc").merge(officers, on="inspector_id")
        return (
            pairs.target.to_numpy(np.int64),
            pairs.officer.to_numpy(np.int64),
            pairs.rule.to_numpy(np.int8),
            pairs.detail.to_numpy(dtype=object),
        )

    def masks(self, pool: Pool, slots: IntArray) -> dict[str, BoolArray]:
        """For each pair rule, which (slot, member) pairs it excludes; ``slots`` ascending."""
        rows, cols = len(slots), len(pool.members)
        targets = pool.slot_target[slots]
        out: dict[str, BoolArray] = {rule: np.zeros((rows, cols), dtype=bool) for rule in PAIR_RULES}
        left, right = np.searchsorted(pool.sparse_slot, [slots[0], slots[-1] + 1]) if rows else (0, 0)
        if right > left:  # slots is a contiguous ascending range, and sparse_slot is sorted
            where = pool.sparse_slot[left:right] - slots[0]
            members, codes = pool.sparse_member[left:right], pool.sparse_rule[left:right]
            for rule in ("CONFLICT", "ROTATION"):
                pick = codes == _CODE[rule]
                out[rule][where[pick], members[pick]] = True
        if self.spec.rules.local_recusal:
            out["LOCAL"] = self._division[targets][:, None] == self._home[pool.members][None, :]
        if pool.role == "officer":
            tasks = self.targets.task_id.to_numpy(dtype=object)[targets]
            held = self.roster.qualifications.to_numpy(dtype=object)[pool.members]
            for task in sorted(set(tasks.tolist())):
                need = self.spec.required(task, pool.name)
                if need:
                    lacking = np.array([not need <= q for q in held], dtype=bool)
                    out["QUALIFICATION"][tasks == task] = lacking
        days = self.targets.scheduled_on.to_numpy(dtype=object)[targets]
        away = self.roster.unavailable.to_numpy(dtype=object)[pool.members]
        for day in sorted({d for d in days.tolist() if d is not None}):
            out["UNAVAILABLE"][days == day] = np.array([day in a for a in away], dtype=bool)
        return out

    def blocks(self, pool: Pool) -> Iterator[IntArray]:
        """Slot ranges small enough that a block of masks stays within a few MB."""
        step = max(1, _BLOCK_CELLS // max(1, len(pool.members)))
        for start in range(0, len(pool.slot_target), step):
            yield np.arange(start, min(start + step, len(pool.slot_target)), dtype=np.int64)

    def arcs(self, pool: Pool, seed: str, candidates: int | None) -> PoolArcs:
        """Eligible pairs; with ``candidates`` = C, a slot keeps its C lowest candidate keys."""
        slot_parts: list[npt.NDArray[np.int64]] = []
        member_parts: list[npt.NDArray[np.int64]] = []
        eligible = np.zeros(len(pool.slot_target), dtype=np.int64)
        thinned = 0
        member_keys: npt.NDArray[np.uint64] | None = None
        for slots in self.blocks(pool):
            masks = self.masks(pool, slots)
            ok = np.logical_or.reduce(list(masks.values())) if masks else np.zeros((len(slots), 0), bool)
            ok = ~ok & pool.usable[None, :]
            counts = ok.sum(axis=1)
            eligible[slots] = counts
            if candidates is not None and (counts > candidates).any():
                if member_keys is None:
                    member_keys = keys.key64(
                        seed, [f"officer\x1f{self.roster.inspector_id.iat[m]}" for m in pool.members]
                    )
                wide = np.flatnonzero(counts > candidates)
                slot_keys = keys.key64(
                    seed, [f"{self.target_keys[pool.slot_target[slots[w]]]}\x1f{pool.name}" for w in wide]
                )
                scores = keys.candidate_scores(slot_keys, member_keys)
                scores[~ok[wide]] = np.iinfo(np.uint64).max
                keep = np.argpartition(scores, candidates - 1, axis=1)[:, :candidates]
                thinned += int(counts[wide].sum()) - candidates * len(wide)
                ok[wide] = False
                ok[wide[:, None], keep] = True
            rows, cols = np.nonzero(ok)
            slot_parts.append(slots[rows])
            member_parts.append(cols.astype(np.int64))
        slot = np.concatenate(slot_parts) if slot_parts else np.zeros(0, np.int64)
        member = np.concatenate(member_parts) if member_parts else np.zeros(0, np.int64)
        return PoolArcs(slot.astype(np.int32), member.astype(np.int32), eligible, thinned)

    def excluded(self, pool: Pool, slot: int) -> dict[str, list[str]]:
        """Which rule removed which officer (ids, with a declared reason when there is one)."""
        ids = self.roster.inspector_id.to_numpy(dtype=object)[pool.members]
        masks = self.masks(pool, np.array([slot], dtype=np.int64))
        out: dict[str, list[str]] = {}
        active = self.roster.active.to_numpy(dtype=bool)[pool.members]
        for rule, flags in (("INACTIVE", ~active), ("CAP_ZERO", active & ~pool.usable)):
            if flags.any():
                out[rule] = [str(i) for i in ids[flags]]
        names = {code: rule for rule, code in _CODE.items()}
        here = np.flatnonzero(pool.sparse_slot == slot)
        details = {
            (int(pool.sparse_member[i]), names[int(pool.sparse_rule[i])]): str(pool.sparse_detail[i])
            for i in here
        }
        for rule in PAIR_RULES:
            hit = masks[rule][0] & pool.usable
            if hit.any():
                out[rule] = [
                    f"{ids[m]} ({details[(m, rule)]})" if (m, rule) in details else str(ids[m])
                    for m in np.flatnonzero(hit).tolist()
                ]
        return out
