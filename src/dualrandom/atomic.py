"""Atomic outputs: write to a temporary sibling, then rename over the target.

A failed or killed run therefore leaves the previous good file (or directory) in place.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import glob
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_directory", "atomic_file", "write_bytes_atomic", "write_text_atomic"]


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextmanager
def atomic_file(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    A temporary left by a killed run (``.<name>.*<suffix>``, a name only this makes) is removed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target, suffix or ".tmp")
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or ".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path) as temporary:
        temporary.write_bytes(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


@contextmanager
def atomic_directory(
    path: str | Path, *, may_replace: Callable[[Path], None] | None = None
) -> Iterator[Path]:
    """Yield a fresh temporary directory beside ``path``; on success it takes its place.

    ``may_replace`` is called with an existing ``path`` before anything is written and raises
    if that directory must not be replaced (it holds files this program did not write). A
    symbolic link is followed: the directory it points to is replaced. On Linux the swap is one
    atomic exchange (``renameat2``), so ``path`` always holds a complete old or new directory;
    elsewhere it is two renames and a kill between them is repaired by the next call.
    Leftovers of a killed run (``.<name>.*.tmp``, names only this function makes) are removed
    by the next call.
    """
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_dir():
        raise FileExistsError(errno.EEXIST, "a file, not a folder, is in the way", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    aside = target.with_name(f".{target.name}.old")
    if aside.exists() and not target.exists():
        os.replace(aside, target)  # a previous two-rename swap was interrupted: restore the old state
    if target.exists() and may_replace is not None:
        may_replace(target)
    _remove_leftovers(target)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield temporary
        if target.exists() and _exchange(temporary, target):
            return  # the old directory is now at ``temporary``: removed below
        if aside.exists():
            shutil.rmtree(aside)
        if target.exists():
            os.replace(target, aside)
        os.replace(temporary, target)
        shutil.rmtree(aside, ignore_errors=True)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def _remove_leftovers(target: Path, suffix: str = ".tmp") -> None:
    """Remove the temporaries a killed run left beside ``target`` (``.<name>.*<suffix>``).

    Only `atomic_file` and `atomic_directory` make such names (``mkstemp``/``mkdtemp``).
    """
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*{glob.escape(suffix)}"):
        if leftover.is_symlink():
            continue
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories atomically with Linux's renameat2(RENAME_EXCHANGE); False elsewhere."""
    libc = _libc()
    function = getattr(libc, "renameat2", None) if libc is not None else None
    if function is None:
        return False
    at_cwd, rename_exchange = -100, 2
    result = function(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # the file system cannot exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(second))


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
