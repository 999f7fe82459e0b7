"""The annual statistics report computed from a real (SQLite) ledger: known answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dualrandom.ledger import Ledger
from dualrandom.report import annual_report, write_report

COLUMNS = ["uscc", "task_id", "department", "completed_on", "result_code", "tier", "joint"]
U1, U2, U3 = "91420602000000012R", "93420602000000208G", "91420602000000287U"


def results(rows: list[list[object]]) -> dict[str, object]:
    return {"source": "test", "digest": "", "count": len(rows), "columns": COLUMNS, "rows": rows}


def publication(published_on: str, rows: list[list[str]]) -> dict[str, object]:
    return {
        "published_on": published_on,
        "columns": ["uscc", "task_id", "department", "completed_on", "due_on"],
        "published": rows,
    }


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(tmp_path / "ledger.db") as ledger:
        _fill(ledger)
        yield ledger


def draw(tasks: dict[str, dict[str, float]]) -> dict[str, object]:
    """The policy part of a draw manifest: campaign ratios differ by tier, tasks may override."""
    sampling = {"tiers": ["A", "B", "C", "D"], "ratios": {"A": 0.01, "B": 0.03, "C": 0.1, "D": 0.3}}
    listed = [
        {"id": t, "seed": f"s/{t}", "departments": [], "filters": {"ratios": r}} for t, r in tasks.items()
    ]
    return {"kind": "draw", "policy": {"sampling": sampling, "tasks": listed}}


def _fill(ledger: Ledger) -> None:
    # T1 is drawn at 5 % in every tier (not combined with credit tiers); T2 at the tiered ratios
    ledger.append("C1", "draw", draw({"T1": {"A": 0.05, "B": 0.05, "C": 0.05, "D": 0.05}, "T2": {}}))
    ledger.append(
        "C1",
        "results",
        results(
            [
                [U1, "T1", "SAMR", "2026-09-30", "NO_PROBLEM", "A", False],
                [U2, "T2", "FOOD", "2026-10-09", "PROBLEM_CORRECTED_AFTER_ORDER", "D", True],
                [U2, "T2", "FIRE", "2026-10-09", "NO_PROBLEM", "D", True],
                [U1, "T2", "FOOD", "2026-10-12", "NO_RELEVANT_BUSINESS_ACTIVITY", "A", True],
                [U1, "T2", "FIRE", "2026-10-12", "DEREGISTERED", "A", True],
                [U3, "T1", "SAMR", "2025-12-01", "NOT_PUBLISHED_AS_REQUIRED", "", False],
            ]
        ),
    )
    # FIRE re-enters its check of U2: the later record replaces its earlier rows
    ledger.append(
        "C1", "results", results([[U2, "T2", "FIRE", "2026-10-09", "PROBLEM_PENDING_FOLLOW_UP", "D", True]])
    )
    ledger.append(
        "C1",
        "publication",
        publication(
            "2026-10-20",
            [
                [U1, "T1", "SAMR", "2026-09-30", "2026-11-03"],
                [U2, "T2", "FOOD", "2026-10-09", "2026-11-06"],
            ],
        ),
    )
    ledger.append(
        "C1",
        "publication",
        publication(
            "2026-11-20",
            [
                [U1, "T1", "SAMR", "2026-09-30", "2026-11-03"],
                [U2, "T2", "FIRE", "2026-10-09", "2026-11-06"],
            ],
        ),
    )


def test_annual_report_known_answers(ledger: Ledger) -> None:
    report = annual_report(ledger, 2026)
    assert report["campaigns"] == ["C1"]
    # 抽查次数 by task: T1 and T2; 户次: (U1, T1), (U2, T2), (U1, T2)
    assert (report["random_checks"], report["entity_checks"], report["entities_checked"]) == (2, 3, 2)
    assert (report["joint_checks"], report["joint_share"]) == (1, 0.5)
    assert (report["joint_entity_checks"], report["joint_entity_share"]) == (2, 0.6667)
    assert (report["tier_combined_checks"], report["tier_combined_share"]) == (1, 0.5)
    assert report["tier_combined_unknown"] == 0
    assert (report["problems_found"], report["problem_rate"]) == (1, 0.3333)
    assert report["tiers"] == [
        {"tier": "A", "checks": 2, "problems": 0, "problem_rate": 0.0},
        {"tier": "D", "checks": 1, "problems": 1, "problem_rate": 1.0},
    ]
    assert report["departments"] == [
        {"department": "FIRE", "checks": 2},
        {"department": "FOOD", "checks": 2},
        {"department": "SAMR", "checks": 1},
    ]
    assert {r["code"]: r["checks"] for r in report["results"]} == {
        "DEREGISTERED": 1,
        "NO_PROBLEM": 1,
        "NO_RELEVANT_BUSINESS_ACTIVITY": 1,
        "PROBLEM_CORRECTED_AFTER_ORDER": 1,
        "PROBLEM_PENDING_FOLLOW_UP": 1,
    }
    assert report["publication"] == {
        "department_checks": 5,
        "published": 3,
        "on_time": 2,
        "overdue": 1,
        "due_unknown": 0,
        "unpublished": 2,
        "on_time_rate": 0.6667,
    }


def test_all_years(ledger: Ledger) -> None:
    report = annual_report(ledger)
    assert (report["random_checks"], report["entity_checks"], report["entities_checked"]) == (2, 4, 3)
    assert report["tier_combined_share"] == 0.5
    assert report["tiers"][0] == {"tier": "(none)", "checks": 1, "problems": 1, "problem_rate": 1.0}


def test_write_report(ledger: Ledger, tmp_path: Path) -> None:
    report = annual_report(ledger, 2026)
    paths = write_report(report, tmp_path / "out")
    assert json.loads(paths[0].read_text(encoding="utf-8")) == report
    html = paths[1].read_text(encoding="utf-8")
    assert "<td>66.7%（按时 2，\n    逾期 1，未公示 2）</td>" in html
    assert "<td>D</td><td>1</td><td>1</td><td>100.0%</td>" in html


def test_empty_ledger(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "empty.db") as ledger:
        report = annual_report(ledger, 2026)
    assert report["random_checks"] == 0 and report["joint_share"] is None
    assert report["publication"]["on_time_rate"] is None


def test_joint_share_counts_tasks_as_the_bureaus_do(tmp_path: Path) -> None:
    """Hand count: 3 joint tasks of one entity each and 1 single-department task of 5 entities.

    By task (抽查次数) 3 of 4 checks are joint, 75 %; by entity × task (户次) only 3 of 8.
    A task without a draw record is not counted as combined with credit tiers.
    """
    codes = [f"9142060200000{i:04d}X" for i in range(5)]
    rows = [[codes[0], f"J{i}", "SAMR", "2026-06-01", "NO_PROBLEM", "B", True] for i in range(3)]
    rows += [[code, "S1", "SAMR", "2026-06-02", "NO_PROBLEM", "B", False] for code in codes]
    with Ledger.open(tmp_path / "hand.db") as ledger:
        ledger.append(
            "C2", "draw", draw({"J0": {}, "J1": {}, "S1": {"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1}})
        )
        ledger.append("C2", "results", results(rows))
        report = annual_report(ledger, 2026)
    assert (report["random_checks"], report["joint_checks"], report["joint_share"]) == (4, 3, 0.75)
    assert (report["entity_checks"], report["joint_entity_share"]) == (8, 0.375)
    assert (report["tier_combined_checks"], report["tier_combined_unknown"]) == (2, 1)
    assert report["tier_combined_share"] == 0.5
