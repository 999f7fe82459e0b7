"""Keyed randomness of the second random: every number is SHA-256 of the seed and stable ids.

* pair cost (fast mode): the top 40 bits of splitmix64(K_t ⊕ K_o), where K_t and K_o are the
  first 8 bytes (big-endian) of SHA-256(``PAIR`` ‖ seed ‖ 0x1F ‖ "target" ‖ 0x1F ‖ target) and
  of SHA-256(``PAIR`` ‖ seed ‖ 0x1F ‖ "officer" ‖ 0x1F ‖ officer id), and a target is
  ``uscc + 0x1F + task_id``: one hash per target and per officer, the pairs mixed in numpy;
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

__all__ = [
    "candidate_scores",
    "costs_from_keys",
    "key64",
    "pair_costs",
    "pair_keys",
    "round_draw",
    "target_key",
]

PAIR = b"dualrandom-assign-pair/3\x1f"
CANDIDATE = b"dualrandom-assign-candidate/2\x1f"
ROUND = b"dualrandom-assign-round/2\x1f"
SEP = b"\x1f"
COST_BITS = 40
KERNEL_BLOCK = 64
"""The batch kernel's prefix: one SHA-256 block."""
KERNEL_MIN = 16
"""Fewer parts than this are hashed by hashlib (a kernel call is not worth it)."""


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
    """40-bit keyed costs of the arcs: splitmix64 of the XOR of a target key and an officer key."""
    if len(arc_slot) == 0:
        return np.zeros(0, dtype=np.int64)
    target, officer = pair_keys(seed, slot_keys, officers)
    return costs_from_keys(target, arc_slot, officer, arc_officer)


def costs_from_keys(
    target: npt.NDArray[np.uint64],
    arc_slot: npt.NDArray[np.int32],
    officer: npt.NDArray[np.uint64],
    arc_officer: npt.NDArray[np.int32],
) -> npt.NDArray[np.int64]:
    """The pair costs of `pair_costs` from keys already computed with `pair_keys`."""
    mixed = _splitmix64(target[arc_slot] ^ officer[arc_officer])
    costs: npt.NDArray[np.int64] = (mixed >> np.uint64(64 - COST_BITS)).astype(np.int64)
    return costs


def pair_keys(
    seed: str, slot_keys: Sequence[str], officers: Sequence[str]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The 64-bit keys K_t of the targets and K_o of the officers behind the pair costs.

    Their order is a random order of targets and of officers, the same for anyone with the seed.
    """
    target = _keys(PAIR, seed, [f"target\x1f{k}" for k in slot_keys])
    officer = _keys(PAIR, seed, [f"officer\x1f{o}" for o in officers])
    return target, officer


def _keys(domain: bytes, seed: str, parts: Sequence[str]) -> npt.NDArray[np.uint64]:
    """The first 8 bytes (big-endian) of SHA-256(domain ‖ seed ‖ 0x1F ‖ part) for each part.

    With the batch kernel and a head (domain ‖ seed ‖ 0x1F) of at least one block, the
    kernel hashes the parts in one call; otherwise hashlib does, from the head's state.
    """
    head = domain + seed.encode("utf-8") + SEP
    found = _kernel_keys(head, parts)
    if found is not None:
        return found
    base = hashlib.sha256(head)
    digests = []
    for part in parts:
        digest = base.copy()
        digest.update(part.encode("utf-8"))
        digests.append(digest.digest()[:8])
    return np.frombuffer(b"".join(digests), dtype=">u8").astype(np.uint64)


def _kernel_keys(head: bytes, parts: Sequence[str]) -> npt.NDArray[np.uint64] | None:
    """`_keys` by the batch kernel when it can take the head's first block as its prefix.

    The kernel's prefix is one 64-byte ASCII block; the rest of the head goes before each part.
    None when the kernel is off, the head is shorter than a block, or its first block is not
    ASCII or ends inside a UTF-8 character.
    """
    from ..kernel import available, digests

    if not available() or len(head) < KERNEL_BLOCK or len(parts) < KERNEL_MIN:
        return None
    try:
        prefix, rest = head[:KERNEL_BLOCK].decode("ascii"), head[KERNEL_BLOCK:].decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = digests(prefix, [rest + part for part in parts])
    words = np.frombuffer(found, dtype=">u8").reshape(-1, 4)[:, 0]
    return words.astype(np.uint64)


def _splitmix64(z: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The splitmix64 finaliser, elementwise (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        result: npt.NDArray[np.uint64] = z ^ (z >> np.uint64(31))
    return result


def key64(seed: str, parts: Sequence[str]) -> npt.NDArray[np.uint64]:
    """One 64-bit SHA-256 key per text of ``parts`` (for candidate thinning)."""
    return _keys(CANDIDATE, seed, parts)


def candidate_scores(rows: npt.NDArray[np.uint64], columns: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64(row ⊕ column) for every (row, column): the candidate order of a block."""
    return _splitmix64(rows[:, None] ^ columns[None, :])


def round_draw(seed: str, pool: str, step: int) -> int:
    """The 64-bit draw that decides cycle ``step`` of dependent rounding in ``pool``."""
    message = ROUND + seed.encode("utf-8") + SEP + pool.encode("utf-8") + SEP + str(step).encode("ascii")
    return int.from_bytes(hashlib.sha256(message).digest()[:8], "big")
