"""The published ticket recipe: one uniform number in (0, 1) per (seed, entity code).

The recipe is Rivest's ``consistent_sampler`` first ticket (2018), used in public election
audits, bit for bit::

    seed_digest = hex(SHA-256(UTF-8(seed)))                      # 64 lower-case hex chars
    n           = int(SHA-256(UTF-8(seed_digest + entity_id)))    # 256-bit integer
    ticket      = "0." + reversed(decimal(n) zero-padded to 64 digits)

Tickets compare as strings (equivalently as decimal numbers). `ticket_keys` gives the first
16 digits after "0." as an unsigned integer (`keys_from_digests` computes them in numpy from
the digests); ordering by (key, full ticket) equals the string order of the full tickets.
The reference path uses only hashlib and numpy, so a third party can read this module in one
sitting (see docs/draw-spec.md). Batches go through the compiled kernel (`dualrandom.kernel`)
when it was built: the same digests, keys and tickets, byte for byte, several times faster
per code; without it, hashlib.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from .errors import DrawError
from .kernel import available as kernel_available
from .kernel import digests as kernel_digests
from .kernel import keys as kernel_keys
from .kernel import tickets as kernel_tickets
from .kernel import usable_cores

__all__ = [
    "KEY_DIGITS",
    "compare_key",
    "digests",
    "kernel_threads",
    "keys_from_digests",
    "seed_digest",
    "ticket",
    "ticket_from_digest",
    "ticket_keys",
    "tickets",
]

KEY_DIGITS = 16
"""Digits of a ticket (after "0.") held in its integer key."""

_FIVE16 = 5**16  # 10**16 = 2**16 * 5**16; the key is computed modulo each factor, then joined (CRT)
_INV_FIVE16_MOD_2_16 = pow(_FIVE16, -1, 2**16)
# Weight of each big-endian 16-bit limb of the digest, reduced modulo 5**16 (< 2**38, so a
# limb times its weight is < 2**54 and the sum of 16 of them stays below 2**58).
_LIMB_WEIGHTS = np.array([pow(2, 16 * (15 - j), _FIVE16) for j in range(16)], dtype=np.uint64)
# Reverse the digits of every 4-digit block 0000..9999.
_REVERSE4 = np.array([int(f"{i:04d}"[::-1]) for i in range(10_000)], dtype=np.uint64)
_PARALLEL_MINIMUM = 200_000  # below this a second process costs more than it saves
_THREAD_MINIMUM = 32_768  # below this the kernel hashes on one thread (starting one costs more)


def seed_digest(seed: str) -> str:
    """The hex SHA-256 of the UTF-8 seed (the first step of every ticket).

    Raises `DrawError` unless the seed is text with a UTF-8 form: a seed is read off dice or a
    beacon as digits whose leading zeros matter, so ``123`` and ``"0123"`` must never meet.
    """
    if not isinstance(seed, str):
        raise DrawError(
            f"the seed must be text, as announced (for example '0042': leading zeros matter), "
            f"not {type(seed).__name__} {seed!r}"
        )
    try:
        return hashlib.sha256(seed.encode("utf-8")).hexdigest()
    except UnicodeEncodeError as error:
        raise DrawError(f"the seed {seed!r} has no UTF-8 form ({error.reason}); type it again") from None


def ticket_from_digest(digest: bytes) -> str:
    """The ticket string of one 32-byte SHA-256 digest."""
    return "0." + f"{int.from_bytes(digest, 'big'):064d}"[::-1]


def ticket(seed: str, entity_id: str) -> str:
    """The full ticket of one entity code under ``seed`` (pass the normalised code)."""
    prefix = seed_digest(seed).encode("ascii")
    return ticket_from_digest(hashlib.sha256(prefix + entity_id.encode("utf-8")).digest())


def _digest_chunk(prefix: str, ids: Sequence[str]) -> bytes:
    # The 64-byte prefix fills exactly one SHA-256 block: hash it once, then copy the state.
    base = hashlib.sha256(prefix.encode("ascii"))
    copy = base.copy
    parts: list[bytes] = []
    append = parts.append
    for entity_id in ids:
        state = copy()
        state.update(entity_id.encode("utf-8"))
        append(state.digest())
    return b"".join(parts)


_Out = TypeVar("_Out")
_CODE_ERRORS = (TypeError, AttributeError, UnicodeEncodeError)  # a code that is not UTF-8 text


def _bad_codes(error: Exception) -> DrawError:
    return DrawError(f"ticket codes must be text with a UTF-8 form: {error}")


def _in_kernel(step: Callable[..., _Out], seed: str, ids: Iterable[str], threads: int | None) -> _Out:
    """Run one of the kernel's batch functions on ``ids``, mapping bad codes to `DrawError`."""
    batch = ids if isinstance(ids, list | tuple | np.ndarray) else list(ids)
    prefix = seed_digest(seed)
    try:
        return step(prefix, batch, threads=kernel_threads(len(batch), threads))
    except _CODE_ERRORS as error:
        raise _bad_codes(error) from error


def _reference_digests(prefix: str, id_list: list[str], processes: int) -> bytes:
    if processes <= 1 or len(id_list) < _PARALLEL_MINIMUM:
        return _digest_chunk(prefix, id_list)
    size = -(-len(id_list) // processes)
    chunks = [id_list[i : i + size] for i in range(0, len(id_list), size)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        return b"".join(pool.map(_digest_chunk, [prefix] * len(chunks), chunks))


def kernel_threads(count: int, threads: int | None = None) -> int:
    """Threads the kernel uses for ``count`` codes: ``threads``, else every core for big batches."""
    if threads is not None:
        return max(1, threads)
    return usable_cores() if count >= _THREAD_MINIMUM else 1


def digests(seed: str, ids: Iterable[str], *, processes: int = 1, threads: int | None = None) -> bytes:
    """The concatenated 32-byte digests SHA-256(seed_digest + id), in the order of ``ids``.

    With the compiled kernel the batch is hashed in C on ``threads`` threads (default: every
    usable core from 32,768 codes on) and ``processes`` is not used; without it, the hashlib
    loop hashes in ``processes`` worker processes when > 1. The bytes are the same on every
    path. Raises `DrawError` if a code is not a str or has no UTF-8 form (a lone surrogate).
    """
    if kernel_available():
        return _in_kernel(kernel_digests, seed, ids, threads)
    prefix = seed_digest(seed)
    try:
        return _reference_digests(prefix, list(ids), processes)
    except _CODE_ERRORS as error:
        raise _bad_codes(error) from error


def keys_from_digests(buffer: bytes) -> npt.NDArray[np.uint64]:
    """The 16-digit integer keys of concatenated 32-byte digests (vectorised)."""
    limbs = np.frombuffer(buffer, dtype=">u2").reshape(-1, 16).astype(np.uint64)
    low = limbs[:, 15]  # n mod 2**16
    high = (limbs @ _LIMB_WEIGHTS) % np.uint64(_FIVE16)  # n mod 5**16
    # n mod 10**16 = high + 5**16 * t with t = (low - high) / 5**16 mod 2**16.
    t = ((low - high) * np.uint64(_INV_FIVE16_MOD_2_16)) & np.uint64(0xFFFF)
    tail = high + np.uint64(_FIVE16) * t  # the 16 lowest decimal digits of n
    block = np.uint64(10_000)
    b0 = tail % block
    b1 = (tail // block) % block
    b2 = (tail // np.uint64(10**8)) % block
    b3 = tail // np.uint64(10**12)
    # Reversing 16 digits = reversing each 4-digit block and reversing the block order.
    keys: npt.NDArray[np.uint64] = (
        _REVERSE4[b0] * np.uint64(10**12) + _REVERSE4[b1] * np.uint64(10**8) + _REVERSE4[b2] * block
    ) + _REVERSE4[b3]
    return keys


def ticket_keys(
    seed: str, ids: Iterable[str], *, processes: int = 1, threads: int | None = None
) -> npt.NDArray[np.uint64]:
    """Integer keys (the first 16 ticket digits) of every id; equal keys need `tickets` to order.

    The kernel computes the keys in C next to each digest (the same numbers as
    `keys_from_digests`); the reference path hashes with hashlib and converts in numpy.
    Raises `DrawError` as `digests` does.
    """
    if not kernel_available():
        return keys_from_digests(digests(seed, ids, processes=processes))
    return np.frombuffer(_in_kernel(kernel_keys, seed, ids, threads), dtype=np.uint64)


def tickets(seed: str, ids: Iterable[str]) -> npt.NDArray[np.object_]:
    """The full ticket strings of ``ids`` as an object array (one SHA-256 per id).

    The kernel writes the decimal digits in C; the reference path formats each digest with
    `ticket_from_digest`. Raises `DrawError` as `digests` does.
    """
    if kernel_available():
        texts = _in_kernel(kernel_tickets, seed, ids, None)
        full = np.empty(len(texts), dtype=object)
        full[:] = texts
        return full
    buffer = digests(seed, ids)
    out = np.empty(len(buffer) // 32, dtype=object)
    for i in range(len(out)):
        out[i] = ticket_from_digest(buffer[32 * i : 32 * i + 32])
    return out


def compare_key(key: int) -> str:
    """The 16 leading ticket digits that ``key`` stands for, as a string ("0." + digits)."""
    return f"0.{key:0{KEY_DIGITS}d}"
