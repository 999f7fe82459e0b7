"""`dualrandom assign` and the teams branch of `dualrandom verify`, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dualrandom.cli import main


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    pd.DataFrame(
        {
            "uscc": [f"{t:015d}" for t in range(6)],
            "task_id": "T1",
            "departments": ["SAMR", "SAMR;FIRE", "SAMR", "FIRE", "FIRE;SAMR", "SAMR"],
            "division": ["420602"] * 6,
        }
    ).to_csv("sample.csv", index=False)
    pd.DataFrame(
        {
            "inspector_id": ["S1", "S2", "S3", "S4", "F1", "F2", "F3"],
            "name": "officer",
            "department": ["SAMR"] * 4 + ["FIRE"] * 3,
            "active": ["true"] * 6 + ["false"],
            "max_targets": ["", "", "", "", "4", "", ""],
        }
    ).to_csv("inspectors.csv", index=False)
    pd.DataFrame({"inspector_id": ["S1"], "uscc": [f"{0:015d}"], "reason": ["shareholder"]}).to_csv(
        "conflicts.csv", index=False
    )
    return tmp_path


ARGS = [
    "assign",
    "sample.csv",
    "--inspectors",
    "inspectors.csv",
    "--conflicts",
    "conflicts.csv",
    "--seed",
    "2026-11-22 dice 4-1-6",
    "-o",
    "teams.csv",
]


def test_assign_writes_teams_and_manifest_and_verify_accepts_them(files: Path) -> None:
    result = CliRunner().invoke(main, ARGS)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "assigned 12 officer(s) to 6 target(s) (fast mode); manifest: teams.csv.manifest.json\n"
        # every officer eligible for a slot gets k/E: here S2-S4 on target 0 (S1 declared a conflict)
        "chances k/E: max/min chance ratio 1.000 on 8 (target, department) slot(s), 0 above 1.05; "
        "max pair probability 1.000, entropy 7.74; 1 of 5 officer pair(s) repeated (at most 2 times)\n"
    )
    teams = pd.read_csv("teams.csv", dtype=str)
    assert list(teams.columns) == ["uscc", "task_id", "inspector_id", "department", "role"]
    assert "S1" not in set(teams[teams.uscc == f"{0:015d}"].inspector_id)
    assert "F3" not in set(teams.inspector_id)
    manifest = json.loads(Path("teams.csv.manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "teams" and manifest["status"] == "OPTIMAL"
    assert manifest["versions"]["ortools"].startswith("9.")
    assert manifest["model"]["pools"] == 2 and manifest["model"]["arcs"] > 0
    verified = CliRunner().invoke(
        main,
        [
            "verify",
            "teams.csv.manifest.json",
            "--teams",
            "teams.csv",
            "--sample",
            "sample.csv",
            "--inspectors",
            "inspectors.csv",
            "--conflicts",
            "conflicts.csv",
        ],
    )
    assert verified.exit_code == 0, verified.output
    assert verified.output == "OK: teams verified\n"
    teams.loc[0, "inspector_id"] = "F3"
    teams.to_csv("teams.csv", index=False)
    broken = CliRunner().invoke(
        main,
        [
            "verify",
            "teams.csv.manifest.json",
            "--teams",
            "teams.csv",
            "--sample",
            "sample.csv",
            "--inspectors",
            "inspectors.csv",
            "--conflicts",
            "conflicts.csv",
        ],
    )
    assert broken.exit_code == 1
    assert "the officer is inactive" in broken.output


def test_marginals_mode_writes_the_published_probabilities(files: Path) -> None:
    roster = pd.read_csv("inspectors.csv", dtype=str, keep_default_na=False)
    extra = pd.DataFrame(
        {
            "inspector_id": ["S5", "F4", "F5"],
            "name": "officer",
            "department": ["SAMR", "FIRE", "FIRE"],
            "active": "true",
            "max_targets": "",
        }
    )
    pd.concat([roster, extra]).to_csv(
        "inspectors.csv", index=False
    )  # q = 0.5 needs >= 4 eligible per pair of seats
    result = CliRunner().invoke(main, [*ARGS, "--mode", "marginals"])
    assert result.exit_code == 0, result.output
    marginals = pd.read_csv("teams.csv.marginals.csv", dtype={"uscc": str})
    assert list(marginals.columns) == ["uscc", "task_id", "inspector_id", "department", "role", "probability"]
    sums = marginals.groupby(["uscc", "department"]).probability.sum().round(6)
    assert set(sums) <= {1.0, 2.0}


def test_infeasible_assignment_exits_1_with_remedies(files: Path) -> None:
    pd.DataFrame(
        {"inspector_id": ["S1", "F1"], "uscc": [f"{3:015d}", f"{3:015d}"], "reason": ["kin", "kin"]}
    ).to_csv("conflicts.csv", index=False)
    result = CliRunner().invoke(main, ARGS)
    assert result.exit_code == 1
    assert result.output.startswith("Error: No team assignment satisfies every hard rule.\n")
    assert (
        "  - target 000000000000003 (task T1): department FIRE must send 2, 1 eligible\n"
        "      removed by inactive: 1 (F3)\n"
        "      removed by declared conflict of interest: 1 (F1 (kin))\n"
    ) in result.output
    assert "  1. Add at least 1 eligible officer(s) to department FIRE" in result.output
    partial = CliRunner().invoke(main, [*ARGS, "--allow-partial"])
    assert partial.exit_code == 0, partial.output
    assert "assigned 10 officer(s) to 5 target(s)" in partial.stdout
    assert "1 target(s) left unassigned:\n  - target 000000000000003 (task T1)" in partial.stderr
    verified = CliRunner().invoke(
        main,
        [
            "verify",
            "teams.csv.manifest.json",
            "--teams",
            "teams.csv",
            "--sample",
            "sample.csv",
            "--inspectors",
            "inspectors.csv",
            "--conflicts",
            "conflicts.csv",
        ],
    )
    assert verified.exit_code == 0, verified.output


def test_bad_inspector_file_exits_2_naming_file_row_and_column(files: Path) -> None:
    pd.DataFrame({"inspector_id": ["S1", "S1"], "name": ["a", "b"]}).to_csv("inspectors.csv", index=False)
    result = CliRunner().invoke(main, ARGS)
    assert result.exit_code == 2
    assert result.output == (
        "Error: inspectors.csv: cannot assign teams:\n"
        "  - inspectors.csv, row 1, column 'department': the inspectors table needs this column; "
        "found: inspector_id, name [COLUMN_MISSING]\n"
    )
    pd.DataFrame({"inspector_id": ["S1", "S1"], "name": ["a", "b"], "department": "SAMR"}).to_csv(
        "inspectors.csv", index=False
    )
    result = CliRunner().invoke(main, ARGS)
    assert result.exit_code == 2
    assert (
        "  - inspectors.csv, row 3, column 'inspector_id': duplicates row 2 (value 'S1') [DUPLICATE]\n"
    ) in result.output


def test_campaign_file_sets_the_rules(files: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    pd.DataFrame({"uscc": [f"{t:015d}" for t in range(2)], "task_id": "T2", "division": "420602"}).to_csv(
        "sample.csv", index=False
    )
    pd.DataFrame(
        {
            "inspector_id": ["D1", "D2", "R1", "R2"],
            "name": "officer",
            "department": ["FOOD", "FOOD", "FIRE", "FIRE"],
            "qualifications": ["food", "", "", ""],
        }
    ).to_csv("inspectors.csv", index=False)
    result = CliRunner().invoke(main, [*ARGS, "--campaign", str(root / "examples" / "campaign.toml")])
    assert result.exit_code == 0, result.output
    teams = pd.read_csv("teams.csv", dtype=str)
    assert set(teams[teams.department == "FOOD"].inspector_id) == {"D1"}  # FOOD-SALE needs "food"


def test_operator_reads_the_fairness_figures_and_a_mistyped_balance_is_refused(files: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    example = (root / "examples" / "campaign.toml").read_text(encoding="utf-8")
    pd.DataFrame({"uscc": [f"{t:015d}" for t in range(4)], "task_id": "T1", "division": "420602"}).to_csv(
        "sample.csv", index=False
    )
    pd.DataFrame({"inspector_id": [f"S{i}" for i in range(5)], "name": "o", "department": "SAMR"}).to_csv(
        "inspectors.csv", index=False
    )
    args = [a for a in ARGS if a not in ("--conflicts", "conflicts.csv")] + ["--campaign", "campaign.toml"]

    def run(balance: str, *extra: str) -> tuple[int, str]:
        Path("campaign.toml").write_text(
            example.replace('mode = "fast"', f'mode = "fast"\nbalance = "{balance}"'), encoding="utf-8"
        )
        result = CliRunner().invoke(main, [*args, *extra])
        return result.exit_code, result.output

    code, output = run("chance")  # a typo: refused before anything is written
    assert code == 1, output
    assert "teams.balance: Input should be 'chances' or 'loads' (got 'chance')" in output
    assert not Path("teams.csv").exists()
    code, output = run("chances")
    assert code == 0, output
    assert output.splitlines()[1].startswith(
        "chances k/E: max/min chance ratio 1.000 on 4 (target, department) slot(s), 0 above 1.05; "
        "max pair probability 0.400, entropy "
    )
    code, output = run("loads")
    assert code == 0, output
    assert output.splitlines()[1].startswith(
        "chances unknown: teams.balance = 'loads' keeps loads even, not chances; "
    )
    code, output = run("loads", "--mode", "marginals")
    assert code == 0, output
    assert output.splitlines()[1].startswith("chances published marginals: max/min chance ratio 1.000 on 4")
    manifest = json.loads(Path("teams.csv.manifest.json").read_text(encoding="utf-8"))
    assert manifest["fairness"]["max_probability"] == pytest.approx(0.4)
    assert manifest["fairness"]["entropy"] == pytest.approx(-20 * 0.4 * np.log(0.4))
