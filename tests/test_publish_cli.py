"""`dualrandom results import`, `publish` and `report` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import _publish_data as data
from dualrandom.assign.manifest import frame_digest
from dualrandom.cli import main
from dualrandom.ledger import Ledger
from dualrandom.ledger.records import Step
from dualrandom.publish import verify_bundle


@pytest.fixture
def files(tmp_path: Path) -> Path:
    campaign = data.campaign()
    roster = data.roster()
    sample = data.draw(roster, campaign)
    roster.to_csv(tmp_path / "roster.csv", index=False)
    sample.to_csv(tmp_path / "sample.csv", index=False)
    data.results(sample, campaign).to_csv(tmp_path / "results.csv", index=False)
    data.teams(sample).to_csv(tmp_path / "teams.csv", index=False)
    data.inspectors().to_csv(tmp_path / "inspectors.csv", index=False)
    data.campaign_file(tmp_path)
    manifest = {"kind": "draw", "seed": data.SEED, "roster_digest": "cd" * 32}
    (tmp_path / "sample.csv.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path


def record_campaign(files: Path, ledger: str) -> None:
    """The records a campaign holds before its results: commitment, seed, draw and teams."""
    manifest = json.loads((files / "sample.csv.manifest.json").read_text(encoding="utf-8"))
    sample = pd.read_csv(files / "sample.csv", dtype=str)
    manifest["sample"] = [
        {"uscc": u, "task_id": t} for u, t in zip(sample["uscc"], sample["task_id"], strict=True)
    ]
    teams = frame_digest(pd.read_csv(files / "teams.csv", dtype=str, keep_default_na=False))
    cid = data.campaign().plan.id
    with Ledger.open(ledger) as opened:
        opened.append_steps(
            [
                Step(cid, "roster_commitment", {"roster_digest": manifest["roster_digest"]}),
                Step(cid, "seed", {"seed": data.SEED, "source": "dice"}),
                Step(cid, "draw", manifest),
                Step(cid, "assignment", {"kind": "teams", "outputs": {"teams": teams}}),
            ]
        )


def test_results_import_publish_report(files: Path) -> None:
    runner = CliRunner()
    ledger = str(files / "ledger.db")
    missing = runner.invoke(main, ["report", "--ledger", ledger, "-o", str(files / "r")])
    assert missing.exit_code == 1
    assert "no ledger file at" in missing.output  # a mistyped path never makes an empty ledger
    record_campaign(files, ledger)  # the campaign's ledger exists from the roster commitment on
    imported = runner.invoke(
        main,
        [
            "results",
            "import",
            str(files / "results.csv"),
            "--campaign",
            str(files / "campaign.toml"),
            "--sample",
            str(files / "sample.csv"),
            "--ledger",
            ledger,
            "-o",
            str(files / "valid.csv"),
            "--as-of",
            "2026-10-28",
        ],
    )
    assert imported.exit_code == 0, imported.output
    rows = len(pd.read_csv(files / "results.csv"))
    valid = pd.read_csv(files / "valid.csv", dtype=str)
    assert list(valid.columns) == [
        "uscc",
        "task_id",
        "department",
        "completed_on",
        "result",
        "result_code",
        "due_on",
        "overdue",
    ]
    # completed 2026-09-20..22 are due 2026-10-23..27 (Mid-Autumn Sep 25, National Day, make-up
    # Saturday Oct 10): overdue on 2026-10-28; completed 2026-09-23 is due on 2026-10-28 itself
    late = valid[valid["overdue"] == "True"].drop_duplicates(["uscc", "task_id", "department"])
    assert set(late["completed_on"]) == {"2026-09-20", "2026-09-21", "2026-09-22"}
    assert set(late["due_on"]) == {"2026-10-23", "2026-10-26", "2026-10-27"}
    assert (
        f"{files / 'results.csv'}: {rows} result(s) for 277 check(s) are valid\n"
        f"overdue on 2026-10-28: {len(late)} check(s) past their publication deadline\n"
    ) in imported.output
    assert imported.output.endswith(
        "next: publish within the deadline: `dualrandom publish --campaign C "
        "--sample SAMPLE --results RESULTS --roster R --ledger L -o BUNDLE`\n"
    )
    published = runner.invoke(
        main,
        [
            "publish",
            "--campaign",
            str(files / "campaign.toml"),
            "--sample",
            str(files / "sample.csv"),
            "--results",
            str(files / "results.csv"),
            "--roster",
            str(files / "roster.csv"),
            "--teams",
            str(files / "teams.csv"),
            "--inspectors",
            str(files / "inspectors.csv"),
            "--published-on",
            "2026-11-30",
            "--ledger",
            ledger,
            "-o",
            str(files / "bundle"),
        ],
    )
    assert published.exit_code == 0, published.output
    assert published.output.startswith(f"{files / 'bundle'}: 277 published row(s); bundle.json SHA-256 ")
    assert verify_bundle(files / "bundle").ok
    manifest = json.loads((files / "bundle" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == data.SEED and manifest["roster_digest"] == "cd" * 32
    reported = runner.invoke(
        main, ["report", "--ledger", ledger, "--year", "2026", "-o", str(files / "report")]
    )
    assert reported.exit_code == 0, reported.output
    figures = json.loads((files / "report" / "report.json").read_text(encoding="utf-8"))
    assert figures["entity_checks"] == len(pd.read_csv(files / "sample.csv"))
    # completed 2026-09-20..29, due 2026-10-23..11-02: all overdue on 2026-11-30
    assert figures["publication"]["overdue"] == 277 and figures["publication"]["on_time_rate"] == 0.0
    with Ledger.open(ledger) as opened:
        kinds = [r.kind for r in opened.records()]
        assert kinds == ["roster_commitment", "seed", "draw", "assignment", "results", "publication"]


def test_bad_results_exit_2_and_list_every_problem(files: Path) -> None:
    frame = pd.read_csv(files / "results.csv", dtype=str)
    frame.loc[0, "result"] = "基本合格"
    frame.loc[3, "task_id"] = "T7"
    frame.to_csv(files / "bad.csv", index=False)
    result = CliRunner().invoke(
        main,
        [
            "results",
            "import",
            str(files / "bad.csv"),
            "--campaign",
            str(files / "campaign.toml"),
            "--sample",
            str(files / "sample.csv"),
            "-o",
            str(files / "out.csv"),
        ],
    )
    assert result.exit_code == 2
    bad = files / "bad.csv"
    assert result.output == (
        f"Error: {bad}: 2 problem(s) found:\n"
        f"  - {bad}, row 2, column 'result': not a term of the official result vocabulary (see "
        "docs/publication.md) (value '基本合格') [RESULT_UNKNOWN]\n"
        f"  - {bad}, row 5, column 'task_id': no such task in campaign 'XY-2026-Q4'; allowed: ['T1', 'T2'] "
        "(value 'T7') [TASK_UNKNOWN]\n"
    )
    assert not (files / "out.csv").exists()


def test_publish_without_a_seed_fails_clearly(files: Path) -> None:
    (files / "sample.csv.manifest.json").unlink()
    result = CliRunner().invoke(
        main,
        [
            "publish",
            "--campaign",
            str(files / "campaign.toml"),
            "--sample",
            str(files / "sample.csv"),
            "--results",
            str(files / "results.csv"),
            "--roster",
            str(files / "roster.csv"),
            "-o",
            str(files / "bundle"),
        ],
    )
    assert result.exit_code == 1
    assert result.output == "Error: publishing needs the draw's seed: pass --seed or the draw manifest\n"
    assert not (files / "bundle").exists()
