"""Who may inspect whom: pools of officers, their slots (targets) and the recusal rules.

A *pool* is one department's enforcement officers (or all experts); a *slot* is one target
in which the pool takes part, with a demand (officers needed). Every exclusion has a rule
code so an explanation can say which rule removed whom:

``CONFLICT`` declared conflict, with the entity or with a person behind it (legal
representative, related party) · ``LOCAL`` 属地 officer of the entity's division (at the
configured level) · ``ROTATION`` inspected the entity within the last N campaigns or days ·
``QUALIFICATION`` lacks a qualification the task's items need (experts: holds none of the
task's fields) · ``UNAVAILABLE`` unavailable on the scheduled date · ``CERTIFICATE_EXPIRED``
执法证 not valid on the visit date · ``INACTIVE`` not active · ``CAP_ZERO`` may take no target
(max_targets = 0) · ``UNCERTIFIED`` no 执法证 number (never an enforcement officer).

Eligibility is computed block by block within a pool (slots × that pool's officers), so no
targets × officers matrix of the whole campaign is ever built.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import PolicyError
from ..models import LOCAL_LEVELS
from . import keys
from .quotas import EXPERTS, TeamSpec

__all__ = ["PAIR_RULES", "POOL_RULES", "Eligibility", "Pool", "PoolArcs"]

PAIR_RULES: tuple[str, ...] = (
    "CONFLICT",
    "LOCAL",
    "ROTATION",
    "QUALIFICATION",
    "UNAVAILABLE",
    "CERTIFICATE_EXPIRED",
)
POOL_RULES: tuple[str, ...] = ("INACTIVE", "CAP_ZERO", "UNCERTIFIED")
_NO_DAY = -1
_FOREVER = np.iinfo(np.int64).max
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


@dataclass(frozen=True)
class _Sparse:
    """Pairs excluded by one rule: roster rows, target rows, the rule code and each detail."""

    officer: IntArray  # roster rows (-1: not on the roster)
    target: IntArray
    rule: int
    detail: npt.NDArray[np.object_]


class Eligibility:
    """The recusal rules applied to normalised targets and roster."""

    def __init__(
        self,
        targets: pd.DataFrame,
        roster: pd.DataFrame,
        conflicts: pd.DataFrame,
        history: pd.DataFrame,
        spec: TeamSpec,
        on: date | None = None,
    ) -> None:
        """Raises `PolicyError` when a date-dependent rule (certificate validity, rotation in
        days) applies but a target has neither ``scheduled_on`` nor the assignment date ``on``."""
        # object columns: repeated to_numpy() on them is free (pandas 3 strings are Arrow-backed)
        self.targets = targets.astype(object)
        self.roster = roster.astype(object)
        self.target_column = {c: self.targets[c].to_numpy(dtype=object) for c in self.targets.columns}
        self.roster_column = {c: self.roster[c].to_numpy(dtype=object) for c in self.roster.columns}
        self.spec = spec
        self.on = on
        uscc, tasks = targets.uscc.tolist(), targets.task_id.tolist()
        self.target_keys = [keys.target_key(u, t) for u, t in zip(uscc, tasks, strict=True)]
        self._uscc = targets.uscc.to_numpy(dtype=object)
        first = np.ones(len(self._uscc), dtype=bool)
        first[1:] = self._uscc[1:] != self._uscc[:-1]  # targets are sorted by uscc
        self._uscc_start = np.flatnonzero(first).astype(np.int64)
        self._uscc_count = np.diff(np.append(self._uscc_start, len(self._uscc))).astype(np.int64)
        self._uscc_text = pa.array(self._uscc[first], type=pa.large_string())
        self._id_text = pa.array(self.roster_column["inspector_id"], type=pa.large_string())
        self._division = _division_codes(self.target_column["division"], -2)
        self._home = _division_codes(self.roster_column["home_division"], -1)
        self._day = _ordinals(self.target_column["scheduled_on"], _NO_DAY)
        if on is not None:
            self._day[self._day == _NO_DAY] = on.toordinal()
        self.certified = self._certified(roster)
        self._valid_until = _ordinals(self.roster_column["certificate_valid_until"], _FOREVER)
        self._keys: dict[tuple[str, str], npt.NDArray[np.uint64]] = {}
        self._check_dates(history)
        self.rotation_window = self._rotation_window(history)
        self.pools = self._pools(conflicts, history)

    def pair_keys(self, seed: str) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        """The pair-cost keys K_t of every target and K_o of every roster row (hashed once per seed)."""
        if (seed, "target") not in self._keys:
            officers = self.roster.inspector_id.tolist()
            target, officer = keys.pair_keys(seed, self.target_keys, officers)
            self._keys[(seed, "target")], self._keys[(seed, "officer")] = target, officer
        return self._keys[(seed, "target")], self._keys[(seed, "officer")]

    def candidate_keys(self, seed: str) -> npt.NDArray[np.uint64]:
        """The candidate keys of every roster row (hashed once per seed)."""
        if (seed, "candidate") not in self._keys:
            ids = self.roster.inspector_id.tolist()
            self._keys[(seed, "candidate")] = keys.key64(seed, [f"officer\x1f{i}" for i in ids])
        return self._keys[(seed, "candidate")]

    def _certified(self, roster: pd.DataFrame) -> BoolArray:
        """Who may count as an enforcement officer: holds a 执法证 number (per the rules)."""
        mode = self.spec.rules.certificates
        numbers = roster.certificate_no.tolist()
        if mode == "off":
            return np.ones(len(roster), dtype=bool)
        return np.array([bool(n) if n is not None else mode == "if_recorded" for n in numbers], dtype=bool)

    def _check_dates(self, history: pd.DataFrame) -> None:
        undated = np.flatnonzero(self._day == _NO_DAY)
        if not len(undated):
            return
        needs = []
        if self.spec.rules.certificates != "off" and (self._valid_until != _FOREVER).any():
            needs.append("certificate validity (certificate_valid_until)")
        if self.spec.rules.rotation_days is not None and len(history):
            needs.append(f"rotation within {self.spec.rules.rotation_days} days")
        if needs:
            first = int(undated[0])
            raise PolicyError(
                f"{' and '.join(needs)} depend(s) on the visit date, but target {self._uscc[first]!s} "
                f"(task {self.targets.task_id.iat[first]!s}) has no scheduled_on and no assignment "
                "date was given; pass on=YYYY-MM-DD (CLI: --on) or fill scheduled_on"
            )

    def _rotation_window(self, history: pd.DataFrame) -> tuple[str, ...]:
        """The ids of the last N past campaigns in the history (by their latest inspection date).

        Rows of the campaign being assigned do not count as a past campaign.
        """
        n = self.spec.rules.rotation_campaigns
        named = history[(history.campaign_id != "") & (history.campaign_id != self.spec.campaign_id)]
        if n == 0 or named.empty:
            return ()
        latest = named.groupby("campaign_id")["inspected_on"].max()
        ordered = sorted(latest.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        return tuple(str(campaign) for campaign, _ in ordered[:n])

    def _target_rows(self, uscc: str) -> range:
        left = int(np.searchsorted(self._uscc, uscc, side="left"))
        right = int(np.searchsorted(self._uscc, uscc, side="right"))
        return range(left, right)

    def _demand(self) -> dict[str, tuple[IntArray, IntArray]]:
        """Per pool: the target rows it staffs (ascending) and the seats each needs.

        The quotas are looked up once per distinct (task, departments), in that order.
        """
        tasks = self.target_column["task_id"]
        task_code, task_names = pd.factorize(tasks)
        list_code, distinct = pd.factorize(self.target_column["departments"])
        list_names = [";".join(d) for d in distinct.tolist()]
        combo, code = np.unique(task_code * max(len(list_names), 1) + list_code, return_inverse=True)
        order = np.argsort(code, kind="stable")
        bounds = np.searchsorted(code[order], np.arange(len(combo) + 1))
        named = [(str(task_names[c // max(len(list_names), 1)]), str(list_names[c % max(len(list_names), 1)]))
                 for c in combo.tolist()]  # fmt: skip
        parts: dict[str, list[tuple[IntArray, int]]] = {}
        for k in sorted(range(len(combo)), key=lambda k: named[k]):
            task, listed = named[k]
            rows = order[bounds[k] : bounds[k + 1]].astype(np.int64)
            seats = dict(self.spec.quotas(task, tuple(listed.split(";"))))
            if self.spec.experts(task):
                seats[EXPERTS] = self.spec.experts(task)
            for pool, need in seats.items():
                parts.setdefault(pool, []).append((rows, need))
        demand: dict[str, tuple[IntArray, IntArray]] = {}
        for pool, chunks in parts.items():
            rows = np.concatenate([r for r, _ in chunks])
            per_row = np.concatenate([np.full(len(r), n, dtype=np.int64) for r, n in chunks])
            ranked = np.argsort(rows, kind="stable")
            demand[pool] = (rows[ranked], per_row[ranked])
        return demand

    def _pools(self, conflicts: pd.DataFrame, history: pd.DataFrame) -> list[Pool]:
        rules = self.spec.rules
        roster = self.roster
        demand = self._demand()
        expert = roster.expert.to_numpy(dtype=bool)
        home_department = self.roster_column["department"]
        caps = roster.max_targets.to_numpy(dtype=np.int64)
        active = roster.active.to_numpy(dtype=bool)
        names = sorted(demand, key=lambda key: (key == EXPERTS, key))
        teams = [np.flatnonzero(expert if n == EXPERTS else ~expert & (home_department == n)) for n in names]
        sparse = self._pool_pairs(teams, [demand[name][0] for name in names], conflicts, history)
        pools = []
        for name, members, (slot_of, member_of, rule, detail) in zip(names, teams, sparse, strict=True):
            slots, need = demand[name]
            limit = int(need.sum())
            cap = np.where(caps[members] >= 0, caps[members], limit)
            if rules.max_targets_per_officer is not None:
                cap = np.minimum(cap, rules.max_targets_per_officer)
            allowed = active[members] & (cap > 0) & (self.certified[members] | (name == EXPERTS))
            pools.append(
                Pool(
                    name=name,
                    role="expert" if name == EXPERTS else "officer",
                    members=members,
                    usable=allowed,
                    capacity=cap.astype(np.int64),
                    slot_target=slots,
                    demand=need,
                    sparse_slot=slot_of,
                    sparse_member=member_of,
                    sparse_rule=rule,
                    sparse_detail=detail,
                )
            )
        return pools

    def _pool_pairs(
        self, teams: list[IntArray], slots: list[IntArray], conflicts: pd.DataFrame, history: pd.DataFrame
    ) -> list[tuple[IntArray, IntArray, npt.NDArray[np.int8], npt.NDArray[np.object_]]]:
        """Each pool's declared conflicts and rotation as (slot, member, rule, detail), sorted.

        An officer belongs to one pool at most, so the pairs are split by pool once.
        """
        pair_target, pair_officer, pair_rule, pair_detail = self._sparse_pairs(conflicts, history)
        pool_of = np.full(len(self.roster), -1, dtype=np.int64)
        member_index = np.zeros(len(self.roster), dtype=np.int64)
        for k, members in enumerate(teams):
            pool_of[members], member_index[members] = k, np.arange(len(members))
        pair_pool = pool_of[pair_officer]
        by_pool = np.argsort(pair_pool, kind="stable")
        bounds = np.searchsorted(pair_pool[by_pool], np.arange(len(teams) + 1))
        target_slot = np.full(len(self.targets), -1, dtype=np.int64)
        out = []
        for k, rows in enumerate(slots):
            target_slot[rows] = np.arange(len(rows))
            ours = by_pool[bounds[k] : bounds[k + 1]]
            slot_of = target_slot[pair_target[ours]]
            mine = ours[slot_of >= 0]
            slot_of, member_of = slot_of[slot_of >= 0], member_index[pair_officer[mine]]
            order = np.lexsort((pair_rule[mine], member_of, slot_of))
            out.append((slot_of[order], member_of[order], pair_rule[mine][order], pair_detail[mine][order]))
            target_slot[rows] = -1
        return out

    def _sparse_pairs(
        self,
        conflicts: pd.DataFrame,
        history: pd.DataFrame,
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.int8], npt.NDArray[np.object_]]:
        """Declared conflicts and rotation as (target row, roster row, rule code, detail) arrays."""
        parts = [*self._conflict_pairs(conflicts), *self._rotation_pairs(history)]
        officer = np.concatenate([p.officer for p in parts])
        keep = officer >= 0
        return (
            np.concatenate([p.target for p in parts])[keep],
            officer[keep].astype(np.int64),
            np.concatenate([np.full(len(p.target), p.rule, dtype=np.int8) for p in parts])[keep],
            np.concatenate([p.detail for p in parts])[keep],
        )

    def _expand(self, uscc: pd.Series) -> tuple[IntArray, IntArray]:
        """Every target row of each uscc given: (position in ``uscc``, target row), in order."""
        position = _positions(uscc, self._uscc_text)
        found = np.flatnonzero(position >= 0)
        start, count = self._uscc_start[position[found]], self._uscc_count[position[found]]
        source = np.repeat(found, count)
        offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        return source.astype(np.int64), (np.repeat(start, count) + offset).astype(np.int64)

    def _conflict_pairs(self, conflicts: pd.DataFrame) -> list[_Sparse]:
        """Conflicts with an entity, and with a person (legal representative or related party)."""
        named = (conflicts.uscc != "").to_numpy(dtype=bool)
        by_entity = conflicts if named.all() else conflicts[named]
        source, target = self._expand(by_entity.uscc)
        entity = _Sparse(
            _positions(by_entity.inspector_id, self._id_text)[source],
            target,
            _CODE["CONFLICT"],
            _shared_texts(by_entity.reason)[source],
        )
        persons = conflicts[conflicts.party != ""]
        if persons.empty:
            return [entity]
        behind = pd.DataFrame(
            {"target": np.arange(len(self.targets)), "party": [sorted(p) for p in self.targets.parties]}
        ).explode("party")
        person = persons.merge(behind.dropna().astype({"party": object}), on="party")
        detail = [f"{r} (person {p})" for r, p in zip(person.reason, person.party, strict=True)]
        return [
            entity,
            _Sparse(
                _positions(person.inspector_id, self._id_text),
                person.target.to_numpy(np.int64),
                _CODE["CONFLICT"],
                np.array(detail, dtype=object),
            ),
        ]

    def _rotation_pairs(self, history: pd.DataFrame) -> list[_Sparse]:
        """Past inspections within the campaign window, or within N days of the visit."""
        visits = history[history.inspector_id != ""]
        if visits.empty:
            return []
        recent = visits[visits.campaign_id.isin(self.rotation_window)]
        recent = recent.drop_duplicates(["inspector_id", "uscc", "campaign_id"])
        source, target = self._expand(recent.uscc)
        campaigns = recent.campaign_id.to_numpy(dtype=object)[source]
        out = [
            _Sparse(
                _positions(recent.inspector_id, self._id_text)[source],
                target,
                _CODE["ROTATION"],
                np.array([f"inspected it in campaign {c}" for c in campaigns], dtype=object),
            )
        ]
        days = self.spec.rules.rotation_days
        if days is None:
            return out
        source, target = self._expand(visits.uscc)
        when = visits.inspected_on.to_numpy(dtype=object)[source]
        on = np.array([d.toordinal() for d in when], dtype=np.int64)
        close = np.flatnonzero(self._day[target] - on < days)
        detail = [f"inspected it on {d.isoformat()}" for d in when[close]]
        ids = _positions(visits.inspector_id, self._id_text)[source[close]]
        return [*out, _Sparse(ids, target[close], _CODE["ROTATION"], np.array(detail, dtype=object))]

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
            scale = np.int64(10 ** (12 - LOCAL_LEVELS[self.spec.rules.local_level]))
            entity, home = self._division[targets], self._home[pool.members]
            same = (entity // scale)[:, None] == (home // scale)[None, :]
            out["LOCAL"] = same & (entity >= 0)[:, None] & (home >= 0)[None, :]
        tasks = self.target_column["task_id"][targets]
        held = self.roster_column["qualifications"][pool.members]
        for task in sorted(set(tasks.tolist())):
            if pool.role == "officer":
                need = self.spec.required(task, pool.name)
                lacking = [not need <= q for q in held] if need else None
            else:
                fields = self.spec.expert_fields(task)
                lacking = [not fields & q for q in held] if fields else None
            if lacking is not None:
                out["QUALIFICATION"][tasks == task] = np.array(lacking, dtype=bool)
        if pool.role == "officer":
            valid_until = self._valid_until[pool.members]
            out["CERTIFICATE_EXPIRED"] = self._day[targets][:, None] > valid_until[None, :]
        days = self.target_column["scheduled_on"][targets]
        away = self.roster_column["unavailable"][pool.members]
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
                    member_keys = self.candidate_keys(seed)[pool.members]
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
        ids = self.roster_column["inspector_id"][pool.members]
        masks = self.masks(pool, np.array([slot], dtype=np.int64))
        out: dict[str, list[str]] = {}
        active = self.roster.active.to_numpy(dtype=bool)[pool.members]
        certified = self.certified[pool.members] | (pool.role == "expert")
        for rule, flags in (
            ("INACTIVE", ~active),
            ("UNCERTIFIED", active & ~certified),
            ("CAP_ZERO", active & certified & ~pool.usable),
        ):
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


def _division_codes(codes: npt.NDArray[np.object_], missing: int) -> IntArray:
    """Division codes (6, 9 or 12 digits) as 12-digit integers, right-padded with zeros.

    Each distinct code is converted once.
    """
    code, uniques = pd.factorize(codes, use_na_sentinel=False)
    numbers = [int(c.ljust(12, "0")) if c.isdigit() and len(c) <= 12 else missing for c in uniques.tolist()]
    found: IntArray = np.array(numbers, dtype=np.int64)[code]
    return found


def _shared_texts(values: pd.Series) -> npt.NDArray[np.object_]:
    """The column as an object array in which equal texts are one Python object (less memory)."""
    code, distinct = pd.factorize(values, use_na_sentinel=False)
    texts = np.empty(len(distinct), dtype=object)
    texts[:] = distinct.tolist()
    shared: npt.NDArray[np.object_] = texts[code]
    return shared


def _positions(values: pd.Series, universe: pa.Array) -> IntArray:
    """The position of each text of ``values`` in ``universe`` (distinct texts), -1 when absent.

    Arrow matches the texts in C, without a Python object per value.
    """
    text = pa.array(values.to_numpy(dtype=object) if values.dtype == object else values, from_pandas=True)
    if text.type != universe.type:
        text = text.cast(universe.type)
    found = pc.index_in(text, value_set=universe).fill_null(-1)
    positions: IntArray = found.to_numpy(zero_copy_only=False).astype(np.int64)
    return positions


def _ordinals(days: npt.NDArray[np.object_], missing: int) -> IntArray:
    """Each date's ordinal day number, ``missing`` for None; each distinct date converted once."""
    out = np.full(len(days), missing, dtype=np.int64)
    known = ~pd.isna(days)
    if known.any():
        code, uniques = pd.factorize(days[known])
        out[known] = np.array([d.toordinal() for d in uniques.tolist()], dtype=np.int64)[code]
    return out
