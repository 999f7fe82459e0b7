"""Keyed randomness of the second random: every number is SHA-256 of the seed and stable ids.

* pair cost (fast mode): the first 5 bytes (40 bits) of SHA-256(``PAIR`` ‖ seed ‖ 0x1F ‖ target
  ‖ 0x1F ‖ officer) read big-endian, where a target is ``uscc + 0x1F + task_id``;
* candidate key (only when a pool is thinned to C candidates per target): splitmix64 of the
  XOR of two 64-bit SHA-256 keys, one per (target, pool) and one per officer;
* rounding stream (marginals mode): 64-bit draws SHA-256(``ROUND`` ‖ seed ‖ 0x1F ‖ pool ‖ 0x1F
  ‖ step), one per cycle that dependent rounding cancels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["candidate_scores", "key64", "pair_costs", "round_draw", "target_key"]

PAIR = b"dualrandom/assign/pair/v1\x1f"
CANDIDATE = b"dualrandom/assign/candidate/v1\x1f"
ROUND = b"dualrandom/assign/round/v1\x1f"
SEP = b"\x1f"
COST_BITS = 40


def target_key(uscc: str, task_id: str) -> str:
    """The text that names one target (an entity within one task) in every key."""
    return f"{uscc}\x1f{task_id}"


def pair_costs(
    seed: str,
    slot_keys: Sequence[str],
    arc_slot: npt.NDArray[np.int32],
    officers: Sequence[str],
    arc_officer: npt.NDArray[np.int32],
) -> npt.NDArray[np.int64]:
    """40-bit keyed costs of the arcs (``arc_slot`` sorted ascending) from SHA-256."""
    base = hashlib.sha256(PAIR + seed.encode("utf-8") + SEP)
    encoded = [officer.encode("utf-8") for officer in officers]
    if len(arc_slot) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, arc_slot[1:] != arc_slot[:-1]])
    stops = np.r_[starts[1:], len(arc_slot)]
    members = arc_officer.tolist()
    digests: list[bytes] = []
    append = digests.append
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        per_target = base.copy()
        per_target.update(slot_keys[int(arc_slot[start])].encode("utf-8") + SEP)
        fork = per_target.copy
        for member in members[start:stop]:
            digest = fork()
            digest.update(encoded[member])
            append(digest.digest())
    raw = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, 32)[:, :5].astype(np.int64)
    weights = np.array([1 << 32, 1 << 24, 1 << 16, 1 << 8, 1], dtype=np.int64)
    costs: npt.NDArray[np.int64] = raw @ weights
    return costs


def key64(seed: str, parts: Sequence[str]) -> npt.NDArray[np.uint64]:
    """One 64-bit SHA-256 key per text of ``parts`` (for candidate thinning)."""
    base = hashlib.sha256(CANDIDATE + seed.encode("utf-8") + SEP)
    out = np.empty(len(parts), dtype=np.uint64)
    for index, part in enumerate(parts):
        digest = base.copy()
        digest.update(part.encode("utf-8"))
        out[index] = int.from_bytes(digest.digest()[:8], "big")
    return out


def candidate_scores(rows: npt.NDArray[np.uint64], columns: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64(row ⊕ column) for every (row, column): the candidate order of a block."""
    with np.errstate(over="ignore"):
        z = rows[:, None] ^ columns[None, :]
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        result: npt.NDArray[np.uint64] = z ^ (z >> np.uint64(31))
    return result


def round_draw(seed: str, pool: str, step: int) -> int:
    """The 64-bit draw that decides cycle ``step`` of dependent rounding in ``pool``."""
    message = ROUND + seed.encode("utf-8") + SEP + pool.encode("utf-8") + SEP + str(step).encode("ascii")
    return int.from_bytes(hashlib.sha256(message).digest()[:8], "big")
