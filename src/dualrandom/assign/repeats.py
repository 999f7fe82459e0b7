"""Fewer repeated officer pairs in fast mode, by swaps that keep every rule and every load.

Two officers of one department who serve together on several targets form a repeated pair.
With ``teams.avoid_repeat_pairs`` each repeat is broken where a cheap swap exists: officer b
of a repeated pair (a, b) on target t trades places with officer c of a later target t' (then
an earlier one), when b may inspect t', c may inspect t, neither is already in the other team,
and the swap forms no pair that already exists. Both officers keep their loads, every team
keeps its size and every arc used is an eligible pair, so all hard rules still hold.

"Later", "earlier" and which officer of a pair moves follow a keyed random order of targets and
officers (the order of their pair-cost keys K_t and K_o), not their ids: no officer is moved
more often because of its id, and the result stays a pure function of seed and inputs.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import numpy.typing as npt

__all__ = ["spread_pairs"]

SEARCH = 64
"""Targets tried per repeated pair before the repeat is left in place."""


def spread_pairs(
    arc_slot: npt.NDArray[np.int32],
    arc_member: npt.NDArray[np.int32],
    chosen: npt.NDArray[np.bool_],
    slot_rank: npt.NDArray[np.int64] | None = None,
    member_rank: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.bool_]:
    """Chosen arcs after swaps that break repeated pairs; loads and team sizes are unchanged.

    ``slot_rank`` and ``member_rank`` (permutations) set the order in which targets are visited
    and officers compared; by default the order of their indices.
    """
    if slot_rank is not None:
        arc_slot = slot_rank[arc_slot].astype(np.int32)
    if member_rank is not None:
        arc_member = member_rank[arc_member].astype(np.int32)
    index = _Arcs(arc_slot, arc_member)
    teams: dict[int, set[int]] = {}
    picked = np.flatnonzero(chosen)
    for slot, member in zip(arc_slot[picked].tolist(), arc_member[picked].tolist(), strict=True):
        teams.setdefault(slot, set()).add(member)
    pairs: Counter[tuple[int, int]] = Counter()
    for team in teams.values():
        if len(team) > 1:
            pairs.update(combinations(sorted(team), 2))
    slots = sorted(teams)
    for position, t in enumerate(slots):
        if len(teams[t]) < 2:
            continue
        for a, b in combinations(sorted(teams[t]), 2):
            if pairs[(a, b)] > 1 and b in teams[t] and a in teams[t]:
                _swap_out(b, t, position, slots, teams, pairs, index)
    out = np.zeros_like(chosen)
    final = [(t, m) for t, team in teams.items() for m in team]
    out[index.positions(np.array(final, dtype=np.int64).reshape(-1, 2))] = True
    return out


class _Arcs:
    """(slot, member) -> arc index, each slot's members looked up only when a swap asks for them."""

    def __init__(self, arc_slot: npt.NDArray[np.int32], arc_member: npt.NDArray[np.int32]) -> None:
        self._width = int(arc_member.max(initial=0)) + 1
        key = arc_slot.astype(np.int64) * self._width + arc_member
        self._order = np.argsort(key, kind="stable")
        self._key = key[self._order]
        self._member = arc_member[self._order]
        slots = int(arc_slot.max(initial=-1)) + 1
        self._start = np.searchsorted(arc_slot[self._order], np.arange(slots + 1)).tolist()
        self._cache: dict[int, dict[int, int]] = {}

    def positions(self, pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The arc index of each (slot, member) row of ``pairs``; every pair must be an arc."""
        at = np.searchsorted(self._key, pairs[:, 0] * self._width + pairs[:, 1])
        found: npt.NDArray[np.int64] = self._order[at]
        return found

    def _of(self, slot: int) -> dict[int, int]:
        found = self._cache.get(slot)
        if found is None:
            left, right = self._start[slot], self._start[slot + 1]
            members = self._member[left:right].tolist()
            found = dict(zip(members, self._order[left:right].tolist(), strict=True))
            self._cache[slot] = found
        return found

    def __contains__(self, key: tuple[int, int]) -> bool:
        return key[1] in self._of(key[0])

    def __getitem__(self, key: tuple[int, int]) -> int:
        return self._of(key[0])[key[1]]


def _swap_out(
    b: int,
    t: int,
    position: int,
    slots: list[int],
    teams: dict[int, set[int]],
    pairs: Counter[tuple[int, int]],
    index: _Arcs,
) -> bool:
    """Move ``b`` out of target ``t`` by a swap that forms no existing pair; True if one was made."""
    here = teams[t] - {b}
    order = slots[position + 1 :] + slots[:position]
    for other in order[:SEARCH]:
        there = teams[other]
        if b in there or (other, b) not in index:
            continue
        for c in sorted(there - here):
            rest = there - {c}
            if (
                (t, c) not in index
                or any(pairs[_key(c, x)] for x in here)
                or any(pairs[_key(b, y)] for y in rest)
            ):
                continue
            for x in here:
                pairs[_key(b, x)] -= 1
                pairs[_key(c, x)] += 1
            for y in rest:
                pairs[_key(c, y)] -= 1
                pairs[_key(b, y)] += 1
            teams[t] = here | {c}
            teams[other] = rest | {b}
            return True
    return False


def _key(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)
