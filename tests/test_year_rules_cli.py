"""The bureau's rules from the command line, the way a clerk runs them, mistakes included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _campaign import SEED, CampaignFiles, Operator, campaign_files
from dualrandom.draw import ALGORITHM


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> CampaignFiles:
    made = campaign_files(tmp_path_factory.mktemp("year"), entities=2_000)
    # the clerk opens the campaign to the public on purpose (no seal needed for this scenario)
    text = made.campaign.read_text(encoding="utf-8").replace(
        "[publication]", '[publication]\ndisclosure = "open"'
    )
    made.campaign.write_text(text, encoding="utf-8")
    return made


def draw(op: Operator, *extra: str | Path, campaign: Path | None = None) -> tuple[int, str]:
    f = op.files
    result = op.run(
        "draw",
        f.roster,
        "--campaign",
        campaign or f.campaign,
        "--seed",
        SEED,
        "-o",
        f.folder / "s.csv",
        *extra,
    )
    return result.exit_code, result.output


def test_forgetting_the_history_is_refused_and_nothing_is_written(files: CampaignFiles) -> None:
    op = Operator(files)
    code, output = draw(op)
    assert code == 1
    assert output.startswith("Error: campaign 'DEMO-2026-Q4' has frequency caps")
    assert "--history FILE --as-of DATE" in output and "--without-history" in output
    assert not (files.folder / "s.csv").exists()


def test_both_history_flags_are_a_usage_error(files: CampaignFiles) -> None:
    code, output = draw(
        Operator(files), "--history", files.history, "--as-of", "2026-11-02", "--without-history"
    )
    assert code == 2 and "--history and --without-history exclude each other" in output


def test_waiving_the_caps_is_recorded_in_both_manifests(files: CampaignFiles) -> None:
    code, output = draw(Operator(files), "--without-history")
    assert code == 0, output
    manifest = json.loads((files.folder / "s.csv.manifest.json").read_text(encoding="utf-8"))
    public = json.loads((files.folder / "s.csv.public.json").read_text(encoding="utf-8"))
    assert manifest["frequency_caps"] == public["frequency_caps"] == "waived"
    assert manifest["algorithm"] == ALGORITHM == "dualrandom-draw/2"
    assert manifest["policy"]["sampling"]["rounding"] == "random"


def test_with_the_history_the_caps_are_applied(files: CampaignFiles) -> None:
    code, output = draw(Operator(files), "--history", files.history, "--as-of", "2026-11-02")
    assert code == 0, output
    manifest = json.loads((files.folder / "s.csv.manifest.json").read_text(encoding="utf-8"))
    assert manifest["frequency_caps"] == "applied"
    key_only = {t["id"]: t["capped"] for t in manifest["policy"]["tasks"]}
    assert key_only == {"T1": True, "T2": True, "T3": True}  # each demo task has a general item


def test_a_public_information_task_below_3_percent_is_refused_with_its_source(files: CampaignFiles) -> None:
    # the trial's mistake: T1 (企业公示信息抽查) at its own low ratios draws about 2.2 % of its frame
    text = files.campaign.read_text(encoding="utf-8").replace(
        'name = "企业公示信息抽查"',
        'name = "企业公示信息抽查"\nkind = "public_information"\nratios = { C = 0.02, D = 0.02 }',
        1,
    )
    strict = files.folder / "strict.toml"
    strict.write_text(text, encoding="utf-8")
    code, output = draw(Operator(files), "--without-history", campaign=strict)
    assert code == 1, output
    assert output.startswith("Error: task 'T1' is designed to draw 2.")
    assert "[MIN_RATIO] (《企业公示信息抽查办法》 (SAMR Order 101" in output
    fixed = strict.read_text(encoding="utf-8").replace(
        "ratios = { C = 0.02, D = 0.02 }", "ratios = { A = 0.03 }"
    )
    strict.write_text(fixed, encoding="utf-8")
    code, output = draw(Operator(files), "--without-history", campaign=strict)
    assert code == 0, output


def test_a_zero_task_ratio_is_refused_when_the_file_is_read(files: CampaignFiles) -> None:
    text = files.campaign.read_text(encoding="utf-8").replace(
        'name = "企业公示信息抽查"', 'name = "企业公示信息抽查"\nratios = { A = 0.0 }', 1
    )
    bad = files.folder / "exempt.toml"
    bad.write_text(text, encoding="utf-8")
    code, output = draw(Operator(files), "--without-history", campaign=bad)
    assert code != 0
    assert "task 'T1': ratio 0 for tier(s) ['A'] refused; 不免抽" in output
