"""The batch ticket kernel: SHA-256(seed_digest + code) for many codes at once, in C.

The compiled module ``_sha256`` hashes the 64-byte seed digest once (it is exactly one
SHA-256 block, so every code of at most 55 UTF-8 bytes costs one more compression), uses
the CPU's SHA extensions when present, and splits large batches over threads. It is
optional: when it was not built or cannot be loaded, `available` is False and
`dualrandom.tickets` uses its hashlib loop, which is the published reference and gives the
same bytes. Set ``DUALRANDOM_TICKET_KERNEL=off`` to use the reference path everywhere.
After editing ``_sha256.c``, run ``pip install -e .`` again: an editable install builds the
extension once, in place.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from ..errors import DrawError

__all__ = ["available", "backend", "digests", "keys", "set_enabled", "text_keys", "tickets", "usable_cores"]


def _load() -> ModuleType | None:
    try:
        from . import _sha256  # type: ignore[attr-defined]
    except (ImportError, OSError):  # not built, or built for another interpreter
        return None
    module: ModuleType = _sha256
    return module


_OFF = frozenset({"0", "off", "no", "false", "hashlib"})  # values of DUALRANDOM_TICKET_KERNEL
_MODULE = _load()
_enabled = _MODULE is not None and os.environ.get("DUALRANDOM_TICKET_KERNEL", "").strip().lower() not in _OFF


def available() -> bool:
    """Whether the compiled kernel is loaded and enabled (else tickets use hashlib)."""
    return _enabled


def set_enabled(enabled: bool) -> bool:
    """Use the kernel (if it is loaded) or the hashlib reference; returns the previous setting.

    Results never depend on this choice; it exists so tests and benchmarks can compare paths.
    """
    global _enabled
    previous = _enabled
    _enabled = enabled and _MODULE is not None
    return previous


def backend() -> str:
    """The path tickets take: ``"C, SHA-NI"``, ``"C, portable"`` or ``"hashlib"``."""
    if not _enabled or _MODULE is None:
        return "hashlib"
    return "C, SHA-NI" if _MODULE.SHA_NI else "C, portable"


def usable_cores() -> int:
    """The number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def digests(prefix: str, codes: Iterable[str], *, threads: int = 1, portable: bool = False) -> bytes:
    """Concatenated SHA-256(prefix + UTF-8(code)) digests, 32 bytes each, in the order of ``codes``.

    ``prefix`` must be 64 ASCII characters (a hex seed digest). ``threads`` splits the batch
    into contiguous ranges; ``portable`` skips the SHA-NI instructions (for tests). Raises
    `DrawError` when the kernel is not built, TypeError for a code that is not a str and
    UnicodeEncodeError for a code with no UTF-8 form (`dualrandom.tickets` maps both to
    `DrawError`).
    """
    if _MODULE is None:
        raise DrawError("the compiled ticket kernel is not built; use dualrandom.tickets")
    result: bytes = _MODULE.digests(prefix.encode("ascii"), codes, threads, portable)
    return result


def keys(prefix: str, codes: Iterable[str], *, threads: int = 1, portable: bool = False) -> bytearray:
    """The 16-digit ticket keys of ``codes`` as native-endian uint64 (8 bytes each), no digests kept.

    Each key is computed from its digest in C exactly as `dualrandom.tickets.keys_from_digests`
    does in numpy. Raises as `digests` does.
    """
    if _MODULE is None:
        raise DrawError("the compiled ticket kernel is not built; use dualrandom.tickets")
    result: bytearray = _MODULE.digests(prefix.encode("ascii"), codes, threads, portable, 1)
    return result


def tickets(prefix: str, codes: Iterable[str], *, threads: int = 1, portable: bool = False) -> list[str]:
    """The full ticket strings of ``codes`` ("0." + the reversed zero-padded decimal digest).

    Raises as `digests` does.
    """
    if _MODULE is None:
        raise DrawError("the compiled ticket kernel is not built; use dualrandom.tickets")
    result: list[str] = _MODULE.digests(prefix.encode("ascii"), codes, threads, portable, 2)
    return result


def _text_buffers(values: Any) -> tuple[Any, memoryview]:
    """The UTF-8 data and the n + 1 int64 offsets of a pyarrow ``large_string`` array, without copies.

    Raises `ValueError` for another type or for missing values (a code is never missing here).
    """
    if str(values.type) != "large_string" or values.null_count:
        raise ValueError("text_keys needs a pyarrow large_string array without missing values")
    _, offsets, data = values.buffers()
    if offsets is None:  # an empty array may have no buffers
        return b"", memoryview(bytes(8))
    start = 8 * values.offset
    return (data if data is not None else b""), memoryview(offsets)[start : start + 8 * (len(values) + 1)]


def text_keys(prefix: str, values: Any, *, threads: int = 1, portable: bool = False) -> bytearray:
    """`keys` of the codes of a pyarrow ``large_string`` array, read from its buffers.

    No Python object is made per code (a million codes as objects cost 70 MB and a tenth of a
    second before the first is hashed). Raises `DrawError` when the kernel is not built and
    `ValueError` for an array that is not large strings without missing values.
    """
    if _MODULE is None:
        raise DrawError("the compiled ticket kernel is not built; use dualrandom.tickets")
    data, offsets = _text_buffers(values)
    result: bytearray = _MODULE.text_digests(prefix.encode("ascii"), data, offsets, threads, portable, 1)
    return result
