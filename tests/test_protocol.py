"""The campaign protocol on the ledger, through the library and the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dualrandom.cli import main
from dualrandom.draw import NO_HISTORY, draw_campaign
from dualrandom.errors import LedgerConflictError, LedgerMismatchError, PolicyError
from dualrandom.ledger import Ledger
from dualrandom.models import load_campaign
from dualrandom.protocol import CampaignProtocol
from dualrandom.synth import synth_city

EXAMPLE = Path(__file__).parents[1] / "examples" / "campaign.toml"


@pytest.fixture(scope="module")
def CAMPAIGN(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example campaign with open disclosure: these tests are about the protocol's steps.

    (Its tiers have different ratios, so by default it must be sealed: tests/test_protocol_cli.py
    runs a sealed campaign, and `test_a_sealed_campaign_needs_its_seal` below the refusal.)
    """
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "[publication]\n", '[publication]\ndisclosure = "open"\n'
    )
    path = tmp_path_factory.mktemp("campaign") / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    entities = synth_city(3_000, seed="workflow", n_inspectors=80, n_departments=5).entities
    tiers = pd.Series(["A", "B", "C", "D"] * (len(entities) // 4 + 1))[: len(entities)]
    return entities.assign(tier=tiers.to_numpy())


def test_draw_before_commitment_is_refused(tmp_path: Path, roster: pd.DataFrame, CAMPAIGN: Path) -> None:
    campaign = load_campaign(CAMPAIGN)
    with Ledger.open(tmp_path / "l.sqlite") as ledger, pytest.raises(LedgerConflictError) as caught:
        CampaignProtocol(campaign, ledger).draw(roster, "123", output=tmp_path / "s.csv", history=NO_HISTORY)
    assert "record the roster_commitment before the draw" in str(caught.value)
    assert not (tmp_path / "s.csv").exists()


def test_commitment_after_seed_is_refused(tmp_path: Path, roster: pd.DataFrame, CAMPAIGN: Path) -> None:
    campaign = load_campaign(CAMPAIGN)
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        protocol = CampaignProtocol(campaign, ledger)
        protocol.commit(roster)
        protocol.draw(roster, "123", history=NO_HISTORY)
        again = protocol.commit(roster)  # the same commitment: already recorded, nothing appended
        assert again.already_recorded and again.records[0].seq == 1
        with pytest.raises(LedgerConflictError, match="already recorded a different roster_commitment"):
            protocol.commit(roster.iloc[1:])
        assert [r.kind for r in ledger.records()] == ["roster_commitment", "seed", "draw"]


def test_draw_must_match_committed_roster_and_recorded_seed(
    tmp_path: Path, roster: pd.DataFrame, CAMPAIGN: Path
) -> None:
    campaign = load_campaign(CAMPAIGN)
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        protocol = CampaignProtocol(campaign, ledger)
        protocol.commit(roster)
        with pytest.raises(LedgerMismatchError, match="committed to"):
            protocol.draw(roster.iloc[1:], "2468", output=tmp_path / "s.csv", history=NO_HISTORY)
        assert [r.kind for r in ledger.records()] == ["roster_commitment"]  # no seed left behind
        assert not (tmp_path / "s.csv").exists()
        first = protocol.draw(roster, "2468", output=tmp_path / "s.csv", history=NO_HISTORY)
        assert [r.kind for r in first.records] == ["seed", "draw"]
        with pytest.raises(LedgerMismatchError, match="is not the seed recorded"):
            protocol.draw(roster, "1357", history=NO_HISTORY)
        rerun = protocol.draw(roster, "2468", output=tmp_path / "s.csv", history=NO_HISTORY)
        assert rerun.already_recorded and rerun.records[0].seq == 3
        assert "already recorded as record 3" in rerun.describe()
        assert [r.kind for r in ledger.records()] == ["roster_commitment", "seed", "draw"]
        ledger.ensure_intact()


def test_cli_commit_then_draw_records_the_protocol(
    tmp_path: Path, roster: pd.DataFrame, CAMPAIGN: Path
) -> None:
    roster_file = tmp_path / "roster.csv"
    roster.to_csv(roster_file, index=False)
    ledger = tmp_path / "campaign.ledger"
    runner = CliRunner()
    committed = runner.invoke(
        main, ["commit", str(roster_file), "-o", str(tmp_path / "c.json"),
               "--ledger", str(ledger), "--campaign", str(CAMPAIGN)],
    )  # fmt: skip
    assert committed.exit_code == 0, committed.output
    args = ["draw", str(roster_file), "--campaign", str(CAMPAIGN), "--seed", "0042",
            "-o", str(tmp_path / "sample.csv"), "--ledger", str(ledger), "--without-history"]  # fmt: skip
    drawn = runner.invoke(main, args)
    assert drawn.exit_code == 0, drawn.output
    again = runner.invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "draw already recorded as record 3: nothing appended" in again.output
    other = runner.invoke(main, [*args[:5], "0043", *args[6:]])
    assert other.exit_code == 2
    assert f"dualrandom ledger supersede {ledger} 2 --reason TEXT" in other.output
    with Ledger.open(ledger, create=False) as opened:
        assert [r.kind for r in opened.records()] == ["roster_commitment", "seed", "draw"]


def test_assignment_records_its_recusals(tmp_path: Path, roster: pd.DataFrame, CAMPAIGN: Path) -> None:
    from dualrandom.assign import assign_teams

    city = synth_city(3_000, seed="workflow", n_inspectors=80, n_departments=5)
    campaign = load_campaign(CAMPAIGN)
    sample = draw_campaign(roster, campaign, "99", history=NO_HISTORY).sample
    inspectors = city.inspectors.assign(department="SAMR")  # one pool, so every conflict can bite
    drawn = sample["uscc"].iloc[0]
    officer = str(inspectors["inspector_id"].iloc[0])
    conflicts = pd.DataFrame({"inspector_id": [officer], "uscc": [drawn], "reason": ["近亲属"]})
    assignment = assign_teams(sample[sample["task_id"] == "T1"], inspectors, conflicts, campaign, "99")
    assert {"uscc": drawn, "task_id": "T1", "inspector_id": officer, "rule": "CONFLICT"}.items() <= (
        assignment.manifest["recusals"][0].items()
    )
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        protocol = CampaignProtocol(campaign, ledger)
        protocol.commit(roster)
        protocol.draw(roster, "99", history=NO_HISTORY)
        with pytest.raises(LedgerMismatchError, match="is not the sample of draw record 3"):
            protocol.assign(sample[sample["task_id"] == "T1"], inspectors, conflicts, "99")
        step = protocol.assign(sample, inspectors, conflicts, "99", allow_partial=True)
        [recusal] = ledger.records(kind="recusal")
        assert recusal.payload["recusals"] == step.value.manifest["recusals"]
        assert recusal.payload["assignment"] == ledger.records(kind="assignment")[0].seq


def test_demo_runs_end_to_end_and_is_idempotent(tmp_path: Path) -> None:
    from dualrandom.demo import run_demo

    out = tmp_path / "demo"
    first = run_demo(out, entities=4_000)
    assert first.verified
    published = (out / "output" / "bundle" / "results.csv").read_bytes()
    second = run_demo(out, entities=4_000)
    assert second.counts == first.counts
    assert (out / "output" / "bundle" / "results.csv").read_bytes() == published
    assert not any(p.name.endswith(".old") for p in tmp_path.iterdir())


def test_library_walkthrough_example_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(__file__).parents[1] / "examples" / "library_walkthrough.py"
    args = [sys.executable, str(script), "--entities", "3000", "--out", str(tmp_path)]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "published" in done.stdout


def test_cli_substitution_is_recorded_and_still_verifies(
    tmp_path: Path, roster: pd.DataFrame, CAMPAIGN: Path
) -> None:
    roster_file = tmp_path / "roster.csv"
    roster.to_csv(roster_file, index=False)
    ledger = tmp_path / "campaign.ledger"
    sample = tmp_path / "sample.csv"
    runner = CliRunner()
    for args in (
        ["commit", str(roster_file), "-o", str(tmp_path / "c.json"), "--ledger", str(ledger),
         "--campaign", str(CAMPAIGN)],
        ["draw", str(roster_file), "--campaign", str(CAMPAIGN), "--seed", "77", "-o", str(sample),
         "--ledger", str(ledger), "--without-history"],
    ):  # fmt: skip
        assert runner.invoke(main, args).exit_code == 0
    drawn = pd.read_csv(sample, encoding="utf-8-sig")
    gone = str(drawn["uscc"].iloc[0])
    done = runner.invoke(
        main, ["substitute", str(sample), "--uscc", gone, "--reason", "已注销", "--ledger", str(ledger),
               "--campaign", str(CAMPAIGN)]
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    after = pd.read_csv(sample, encoding="utf-8-sig")
    assert gone not in set(after["uscc"]) and len(after) == len(drawn)
    no_reason = runner.invoke(main, ["substitute", str(sample), "--uscc", str(after["uscc"].iloc[0]),
                                     "--reason", " "])  # fmt: skip
    assert no_reason.exit_code == 1
    assert "a substitution needs a reason" in no_reason.output
    verified = runner.invoke(main, ["verify", f"{sample}.manifest.json", "--roster", str(roster_file)])
    assert verified.exit_code == 0, verified.output
    with Ledger.open(ledger, create=False) as opened:
        kinds = [r.kind for r in opened.records()]
        assert kinds == ["roster_commitment", "seed", "draw", "substitution"]
        assert opened.records(kind="substitution")[0].payload["reason"] == "已注销"


def test_triggered_check_is_recorded_and_counts_toward_the_cap(
    tmp_path: Path, roster: pd.DataFrame, CAMPAIGN: Path
) -> None:
    from dualrandom.io import read_roster

    campaign = load_campaign(CAMPAIGN)
    ledger = tmp_path / "campaign.ledger"
    Ledger.open(ledger).close()
    history = tmp_path / "history.csv"
    newer = tmp_path / "history-2.csv"
    pd.DataFrame(
        {"uscc": [roster["uscc"].iloc[5]], "inspected_on": ["2026-03-01"], "campaign_id": ["OLD"],
         "department": ["SAMR"], "kind": ["random"], "inspector_id": [""]}
    ).to_csv(history, index=False)  # fmt: skip
    target = roster[(roster["tier"] == "A") & (roster["entity_type"] != "individual")]["uscc"].iloc[0]
    args = ["trigger", target, "--campaign", str(CAMPAIGN), "--department", "SAMR", "--reason", "投诉举报",
            "--on", "2026-10-20", "--ledger", str(ledger), "--history", str(history),
            "--history-out", str(newer)]  # fmt: skip
    frozen = history.read_bytes()
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert history.read_bytes() == frozen  # a draw may have committed to it: never rewritten
    past = read_roster(newer, "history")
    assert past["kind"].tolist() == ["random", "triggered"] and past["uscc"].iloc[1] == target
    capped = draw_campaign(roster, campaign, "5", history=past, as_of=date(2026, 11, 2)).counts
    assert capped.query("task_id == 'T1' and tier == 'A'")["capped"].sum() >= 1
    with Ledger.open(ledger, create=False) as opened:
        [record] = opened.records(kind="triggered_check")
        assert record.payload == {"uscc": target, "department": "SAMR", "inspected_on": "2026-10-20",
                                  "reason": "投诉举报"}  # fmt: skip
    bad = CliRunner().invoke(main, [*args[:1], "9135021359498494XO", *args[2:]])
    assert bad.exit_code == 2 and "a USCC uses only 0-9 and A-Y" in bad.output


def test_a_sealed_campaign_needs_its_seal(tmp_path: Path, roster: pd.DataFrame) -> None:
    campaign = load_campaign(EXAMPLE)  # tiers with different ratios: disclosure "auto" means sealed
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        with pytest.raises(PolicyError, match="needs a sealed commitment"):
            CampaignProtocol(campaign, ledger).commit(roster)
        assert ledger.records() == []
    draw = draw_campaign(
        roster, campaign, "5", history=NO_HISTORY
    )  # an open draw may be made, but never published
    with pytest.raises(PolicyError, match="needs a sealed draw to publish"):
        CampaignProtocol(campaign).publish(
            draw.sample, tmp_path / "none.csv", roster, tmp_path / "b", published_on=date(2026, 11, 30),
            draw_manifest=draw.manifest,
        )  # fmt: skip
    assert not (tmp_path / "b").exists()
