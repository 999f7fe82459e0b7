"""kill -9 at a random point of any recording command, 200 times: never stuck, never inconsistent.

A forked child runs one step of the campaign (commit, draw, assign, results import, publish)
through the command line; the parent kills it with SIGKILL after a random fraction of the step's
own duration. After every kill: the ledger's chain verifies, every record's outputs exist and
are the ones recorded, and the same command, run again, goes through (nothing is stuck).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from _campaign import CampaignFiles, Operator, campaign_files, write_results
from dualrandom.ledger import Ledger
from dualrandom.protocol import drawn_pairs

KILLS = 200

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")


def steps(operator: Operator) -> list[tuple[str, Callable[[], Result]]]:
    f = operator.files

    def gone() -> str:  # the first entity of task T1 in the recorded draw (the same every cycle)
        with Ledger.open(f.ledger, create=False, read_only=True) as ledger:
            [draw] = ledger.records(kind="draw")
        return str(next(r["uscc"] for r in draw.payload["sample"] if r["task_id"] == "T1"))

    newer = f.folder / "h2.csv"
    return [
        ("roster_commitment", operator.commit),
        ("draw", lambda: operator.draw()),
        ("substitution", lambda: operator.run("substitute", f.sample, "--uscc", gone(), "--task", "T1",
                                              "--reason", "已注销", "--campaign", f.campaign,
                                              "--ledger", f.ledger)),
        ("assignment", lambda: operator.assign()),
        ("results", lambda: operator.import_results()),
        ("publication", lambda: operator.publish()),
        ("triggered_check", lambda: operator.run("trigger", gone(), "--campaign", f.campaign,
                                                 "--department", "SAMR", "--reason", "投诉举报",
                                                 "--on", "2026-11-20", "--ledger", f.ledger,
                                                 "--history", f.history, "--history-out", newer)),
    ]  # fmt: skip


def killed(step: Callable[[], Result], after: float | None) -> float:
    """Run ``step`` in a forked child and SIGKILL it ``after`` seconds (None: let it finish).

    Returns the seconds the child ran; a child run to its end must exit 0.
    """
    started = time.perf_counter()
    child = os.fork()
    if child == 0:  # the child: run the step, never return into pytest
        code = 1
        try:
            code = step().exit_code
        finally:
            os._exit(code)
    if after is not None:
        time.sleep(after)
        os.kill(child, signal.SIGKILL)
    _, status = os.waitpid(child, 0)
    assert after is not None or os.waitstatus_to_exitcode(status) == 0
    return time.perf_counter() - started


def agrees(files: CampaignFiles) -> list[str]:
    """Disagreements between the ledger and the files its records name (empty when they agree)."""
    problems: list[str] = []
    if not started(files):
        return problems
    with Ledger.open(files.ledger, create=False, read_only=True) as ledger:
        ledger.ensure_intact()
        records = {r.kind: r for r in ledger.records()}
        campaign = next(iter(records.values())).campaign_id if records else ""
        recorded_substitutions = [r.payload for r in ledger.records(campaign, "substitution")]
    written = {"roster_commitment": files.commitment, "assignment": Path(f"{files.teams}.manifest.json")}
    for kind, path in written.items():
        if kind in records and json.loads(path.read_text(encoding="utf-8")) != records[kind].payload:
            problems.append(f"{kind} record {records[kind].seq} differs from {path.name}")
    if "draw" in records:  # the files may be one substitution ahead (written, not yet recorded)
        manifest = json.loads(Path(f"{files.sample}.manifest.json").read_text(encoding="utf-8"))
        written_substitutions = manifest["substitutions"]
        ahead = len(written_substitutions) - len(recorded_substitutions)
        if written_substitutions[: len(recorded_substitutions)] != recorded_substitutions or ahead not in (
            0,
            1,
        ):
            problems.append("the sample's substitutions are not the recorded ones")
        if drawn_pairs(manifest) != applied(records["draw"].payload, written_substitutions):
            problems.append("the sample's manifest is not the recorded draw")
    if "triggered_check" in records:
        newer = files.folder / "h2.csv"
        if records["triggered_check"].payload["uscc"] not in newer.read_text(encoding="utf-8-sig"):
            problems.append("the triggered check is recorded but not in the new history version")
    if "publication" in records:
        digest = hashlib.sha256((files.bundle / "bundle.json").read_bytes()).hexdigest()
        if digest != records["publication"].payload["bundle_digest"]:
            problems.append("the publication record names another bundle")
    return problems


def applied(draw: dict[str, object], substitutions: list[dict[str, str]]) -> set[tuple[str, str]]:
    """The drawn pairs of a recorded draw after the given substitutions."""
    pairs = drawn_pairs(draw)
    for s in substitutions:
        pairs.discard((s["task_id"], s["removed"]))
        pairs.add((s["task_id"], s["added"]))
    return pairs


def leftovers(files: CampaignFiles) -> list[str]:
    """Temporary files or folders beside the outputs (a completed step leaves none)."""
    return sorted(
        p.name
        for p in files.folder.iterdir()
        if p.name.startswith(".") and not p.name.endswith(("-wal", "-shm"))
    )


def started(files: CampaignFiles) -> bool:
    """Whether the ledger exists: a commit killed while creating it leaves a file with no tables."""
    if not files.ledger.exists():
        return False
    with sqlite3.connect(files.ledger) as connection:
        return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0


def recorded(files: CampaignFiles) -> set[str]:
    if not started(files):
        return set()
    with Ledger.open(files.ledger, create=False, read_only=True) as ledger:
        return {r.kind for r in ledger.records()}


def test_kill_9_anywhere_never_leaves_a_stuck_or_inconsistent_campaign(tmp_path: Path) -> None:
    pristine = campaign_files(tmp_path / "pristine", entities=1_500)
    files = CampaignFiles(tmp_path / "work")
    operator = Operator(files)
    durations: dict[str, float] = {}
    rng = random.Random("kill-9")
    outcomes = {"before the record": 0, "after the record": 0}
    kills = 0
    while kills < KILLS:
        shutil.rmtree(files.folder, ignore_errors=True)
        shutil.copytree(pristine.folder, files.folder)
        for kind, step in steps(operator):
            if kind == "results":
                write_results(files)
            if kind not in durations:
                durations[kind] = killed(step, None)  # time a forked run once, then kill the reruns
                continue
            killed(step, rng.uniform(0.0, durations[kind] * 1.3))
            kills += 1
            outcomes["after the record" if kind in recorded(files) else "before the record"] += 1
            assert agrees(files) == [], f"kill {kills} during {kind}"
            started = time.perf_counter()
            rerun = step()
            durations[kind] = (durations[kind] + time.perf_counter() - started) / 2  # follow the load
            assert rerun.exit_code == 0, f"kill {kills} during {kind} left it stuck: {rerun.output}"
            assert kind in recorded(files) and agrees(files) == []
            assert leftovers(files) == [], f"kill {kills} during {kind}"
    assert min(outcomes.values()) >= 10, outcomes  # the kills hit both sides of the record
