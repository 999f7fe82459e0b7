"""The columnar team assignment agrees with the plain row-by-row rules it replaced.

Each helper that now works per distinct value, per pool at once or in Arrow is compared with
the straightforward Python it replaced (written out here as the reference), on generated
inputs; the keys by the batch kernel are compared with hashlib, and whole assignments with
the kernel on and off.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom import kernel
from dualrandom.assign import assign_teams
from dualrandom.assign import keys as team_keys
from dualrandom.assign.assigner import recusals
from dualrandom.assign.eligibility import Eligibility, _division_codes, _ordinals, _positions
from dualrandom.assign.inputs import (
    normalize_conflicts,
    normalize_history,
    normalize_inspectors,
    normalize_sample,
)
from dualrandom.assign.manifest import _cell, frame_digest
from dualrandom.assign.quotas import team_spec
from dualrandom.draw.commitment import table_digest
from dualrandom.errors import InputError, Problem
from dualrandom.models import TeamRules
from dualrandom.schema import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_assign import city

CAMPAIGN = {"T1": ("D1",), "T2": ("D1", "D2")}


def reference_problems(
    sample: pd.DataFrame, task_departments: Mapping[str, tuple[str, ...]] | None
) -> list[tuple[object, ...]]:
    """The sample's problems found one row at a time (the rules as first written)."""
    checked = validate(sample, "sample", source="s", any_code=None)
    typed, found = checked.frame, [p for p in checked.errors if p.rule != "NO_ROWS"]
    problems: list[Problem] = list(found)
    for position, (task, text) in enumerate(
        zip(typed.task_id.tolist(), typed.departments.tolist(), strict=True)
    ):
        row, listed = position + 2, tuple(part for part in text.split(";") if part)
        if task_departments is not None:
            if task not in task_departments:
                allowed = f"the campaign has no such task; allowed: {sorted(task_departments)}"
                problems.append(Problem("s", row, "task_id", task, "TASK_UNKNOWN", allowed))
            elif not listed:
                listed = task_departments[task]
            elif listed != task_departments[task]:
                message = f"task {task!r} lists {';'.join(task_departments[task])!r}"
                problems.append(
                    Problem("s", row, "departments", ";".join(listed), "DEPARTMENTS_MISMATCH", message)
                )
        empty = not listed and (task_departments is None or task in task_departments)
        if not empty and len(set(listed)) != len(listed):
            message = "a department may take part only once"
            problems.append(
                Problem("s", row, "departments", ";".join(listed), "DEPARTMENTS_REPEATED", message)
            )
    first: dict[tuple[str, str], int] = {}
    for position, key in enumerate(zip(typed.uscc.tolist(), typed.task_id.tolist(), strict=True)):
        if key in first and key[0]:
            message = f"repeats row {first[key] + 2}; each must appear once"
            problems.append(Problem("s", position + 2, "uscc", key[0], "TARGET_DUPLICATE", message))
        first.setdefault(key, position)
    shown = [(p.row or 0, p.column or "", p.value, p.rule, p.message) for p in problems]
    return sorted(shown, key=lambda p: p[:2])  # the empty lists are left to test_schema


SAMPLES = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.sampled_from(["T1", "T2", "T9"]),
        st.sampled_from(["D1", "D1;D2", "D2;D1", "D1;D1", "D2", "；D1"]),
        st.sampled_from(["", "张三", "李四"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(SAMPLES, st.booleans())
def test_sample_problems_and_targets_match_the_row_by_row_rules(
    rows: list[tuple[int, str, str, str]], campaign: bool
) -> None:
    sample = pd.DataFrame(
        {
            "uscc": [f"{u:015d}" for u, _, _, _ in rows],
            "task_id": [t for _, t, _, _ in rows],
            "departments": [d for _, _, d, _ in rows],
            "division": "420602",
            "legal_rep": [r for _, _, _, r in rows],
        }
    )
    mapping = CAMPAIGN if campaign else None
    expected = reference_problems(sample, mapping)
    try:
        targets = normalize_sample(sample, "s", mapping)
    except InputError as error:
        shown = [(p.row or 0, p.column or "", p.value, p.rule, p.message) for p in error.problems]
        assert [p for p in shown if p[3] != "DEPARTMENTS_EMPTY"] == expected
        return
    assert expected == []
    typed = validate(sample, "sample", source="s", any_code=None).frame
    listed = [tuple(p for p in text.split(";") if p) or (mapping or {}).get(t, ()) for t, text in
              zip(typed.task_id, typed.departments, strict=True)]  # fmt: skip
    reps = typed.legal_rep.tolist()
    by_row = sorted(
        zip(typed.uscc.tolist(), typed.task_id.tolist(), listed, reps, strict=True), key=lambda r: r[:2]
    )
    assert targets.departments.tolist() == [r[2] for r in by_row]
    assert targets.parties.tolist() == [frozenset([r[3]] if r[3] else []) for r in by_row]


def plain_key(domain: bytes, seed: str, part: str) -> int:
    digest = hashlib.sha256(domain + seed.encode("utf-8") + team_keys.SEP + part.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


SEEDS = st.one_of(
    st.text(st.sampled_from("abc0123456789"), min_size=30, max_size=80),
    st.text(min_size=0, max_size=50),
    st.builds(lambda n, tail: "s" * n + tail, st.integers(34, 40), st.sampled_from(["", "种", "种子", "é"])),
)


@settings(max_examples=150, deadline=None)
@given(SEEDS, st.lists(st.text(max_size=30), min_size=0, max_size=40))
def test_keys_by_the_kernel_equal_hashlib(seed: str, parts: list[str]) -> None:
    try:
        seed.encode("utf-8")
        for part in parts:
            part.encode("utf-8")
    except UnicodeEncodeError:
        return  # surrogates have no UTF-8 form; both paths refuse them
    expected = np.array([plain_key(team_keys.PAIR, seed, p) for p in parts], dtype=np.uint64)
    previous = kernel.set_enabled(True)
    try:
        with_kernel = team_keys._keys(team_keys.PAIR, seed, parts)
        kernel.set_enabled(False)
        without = team_keys._keys(team_keys.PAIR, seed, parts)
    finally:
        kernel.set_enabled(previous)
    assert with_kernel.tolist() == expected.tolist() == without.tolist()


@pytest.mark.skipif(not kernel.available(), reason="the batch kernel is not built")
def test_the_kernel_takes_the_keys_of_a_long_ascii_seed_only() -> None:
    parts = [f"target\x1f{i:015d}\x1fT1" for i in range(64)]
    for seed, used in (("a" * 38, True), ("a" * 37, False), ("a" * 36 + "种", False), ("种" * 40, False)):
        head = team_keys.PAIR + seed.encode("utf-8") + team_keys.SEP
        assert (team_keys._kernel_keys(head, parts) is not None) == used, seed


def test_whole_assignment_is_the_same_with_and_without_the_kernel() -> None:
    sample, roster, conflicts = city(600, 80, 4, 0.05, 3)
    seed = hashlib.sha256(b"a published beacon").hexdigest()
    previous = kernel.set_enabled(False)
    try:
        plain = assign_teams(sample, roster, conflicts, TeamRules(rotation_campaigns=0), seed, candidates=6)
    finally:
        kernel.set_enabled(previous)
    fast = assign_teams(sample, roster, conflicts, TeamRules(rotation_campaigns=0), seed, candidates=6)
    assert plain.teams.equals(fast.teams)
    assert json.dumps(plain.manifest, default=str) == json.dumps(fast.manifest, default=str)


def reference_recusals(eligibility: Eligibility) -> list[dict[str, str]]:
    """The recusal list by a Python sort of tuples (as first written)."""
    uscc = eligibility.targets.uscc.to_numpy(dtype=object)
    tasks = eligibility.targets.task_id.to_numpy(dtype=object)
    officers = eligibility.roster.inspector_id.to_numpy(dtype=object)
    rows = set()
    for pool in eligibility.pools:
        targets = pool.slot_target[pool.sparse_slot]
        for t, m, r, d in zip(targets, pool.members[pool.sparse_member], pool.sparse_rule, pool.sparse_detail,
                              strict=True):  # fmt: skip
            rows.add((uscc[t], tasks[t], officers[m], "CONFLICT" if r == 1 else "ROTATION", str(d)))
    return [
        dict(zip(("uscc", "task_id", "inspector_id", "rule", "detail"), row, strict=True))
        for row in sorted(rows)
    ]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_recusal_list_matches_a_python_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sample, roster, conflicts = city(120, 24, 3, 0.3, seed)
    sample["legal_rep"] = rng.choice(["", "王五", "赵六"], len(sample))
    sample["task_id"] = rng.choice(["T1", "T2"], len(sample))
    sample = sample.drop_duplicates(["uscc", "task_id"])
    conflicts = conflicts.assign(reason=rng.choice(["亲属", "declared", "前雇员"], len(conflicts)))
    persons = pd.DataFrame({"inspector_id": roster.inspector_id.iloc[:4], "uscc": "", "party": "王五",
                            "reason": "relative"})  # fmt: skip
    declared = pd.concat([conflicts.assign(party=""), conflicts.assign(party="").head(9), persons])
    visits = pd.DataFrame(
        {
            "uscc": rng.choice(sample.uscc.to_numpy(), 60),
            "inspector_id": rng.choice(roster.inspector_id.to_numpy(), 60),
            "campaign_id": rng.choice(["C1", "C2", "C3"], 60),
            "inspected_on": rng.choice(["2026-03-01", "2026-06-01", "2026-09-01"], 60),
        }
    )
    rules = TeamRules(rotation_campaigns=2, rotation_days=200)
    eligibility = Eligibility(
        normalize_sample(sample, "s", None),
        normalize_inspectors(roster, "i"),
        normalize_conflicts(declared, "c"),
        normalize_history(visits, "h"),
        team_spec(rules),
        date(2026, 11, 20),
    )
    assert recusals(eligibility) == reference_recusals(eligibility)
    assert {r["rule"] for r in recusals(eligibility)} == {"CONFLICT", "ROTATION"}


ITEM = st.text(st.sampled_from(["a", "B", ";", "\\", "部", "\t"]), max_size=4)
CELL = st.one_of(st.lists(ITEM, max_size=4).map(tuple), st.frozensets(ITEM, max_size=4))


@settings(max_examples=150, deadline=None)
@given(st.lists(CELL, min_size=1, max_size=30), st.booleans())
def test_set_cells_written_once_give_the_cell_by_cell_digest(cells: list[object], with_none: bool) -> None:
    values = [*cells, None] if with_none else cells
    frame = pd.DataFrame(
        {"uscc": [f"{i:03d}" for i in range(len(values))], "listed": pd.Series(values, dtype=object)}
    )
    written = frame.assign(listed=frame.listed.map(_cell))
    assert frame_digest(frame) == "sha256:" + table_digest(written, ["uscc", "listed"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=5), max_size=30), st.lists(st.text(max_size=5), max_size=30, unique=True))
def test_positions_in_arrow_match_pandas(values: list[str], universe: list[str]) -> None:
    try:
        for text in (*values, *universe):
            text.encode("utf-8")
    except UnicodeEncodeError:
        return
    found = _positions(pd.Series(values, dtype=object), pa.array(universe, type=pa.large_string()))
    assert found.tolist() == pd.Index(universe, dtype=object).get_indexer(values).tolist()
    typed = _positions(pd.Series(values, dtype="str"), pa.array(universe, type=pa.large_string()))
    assert typed.tolist() == found.tolist()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["420602", "420602001", "42060200100", "x", "", "4206020010012"]), max_size=20),
    st.lists(st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 1, 1))), max_size=20),
)
def test_codes_and_dates_converted_once_per_value_match_each_row(
    codes: list[str], days: list[date | None]
) -> None:
    expected = [int(c.ljust(12, "0")) if c.isdigit() and len(c) <= 12 else -1 for c in codes]
    assert _division_codes(np.array(codes, dtype=object), -1).tolist() == expected
    ordinals = [-7 if d is None else d.toordinal() for d in days]
    assert _ordinals(np.array(days, dtype=object), -7).tolist() == ordinals
