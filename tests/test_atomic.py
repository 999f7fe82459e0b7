"""Atomic outputs: the previous file survives a failure; new files get ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dualrandom.atomic import atomic_directory, atomic_file, write_text_atomic


def test_failed_write_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_text_atomic(target, "good\n")
    with pytest.raises(RuntimeError), atomic_file(target) as temporary:
        temporary.write_text("half", encoding="utf-8")
        raise RuntimeError("killed")
    assert target.read_text(encoding="utf-8") == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_written_files_follow_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


def test_directory_swap_and_interrupted_swap_recovery(tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    with atomic_directory(target) as work:
        (work / "v").write_text("1", encoding="utf-8")
    # a swap killed between its two renames leaves only the old directory aside
    os.replace(target, tmp_path / ".bundle.old")
    with pytest.raises(RuntimeError), atomic_directory(target) as work:
        raise RuntimeError("failed run")
    assert (target / "v").read_text(encoding="utf-8") == "1"
