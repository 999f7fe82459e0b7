"""End to end with the real draw: publish, then the public and the auditor's verification."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import _publish_data as data
from dualrandom.cli import main
from dualrandom.draw import NO_HISTORY, draw_campaign
from dualrandom.publish import publish_campaign, verify_bundle

CAMPAIGN = data.campaign()
ROSTER = data.roster(3000)
DRAW = draw_campaign(ROSTER, CAMPAIGN, data.SEED, history=NO_HISTORY)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("verify") / "bundle"
    publish_campaign(
        CAMPAIGN,
        DRAW.sample,
        data.results(DRAW.sample, CAMPAIGN),
        ROSTER,
        directory,
        published_on=date(2026, 10, 20),
        draw_manifest=DRAW.manifest,
    )
    return directory


def test_public_and_auditor_checks_pass(bundle: Path) -> None:
    assert verify_bundle(bundle) == []
    assert verify_bundle(bundle, ROSTER, draw_manifest=DRAW.manifest) == []
    assert verify_bundle(bundle, ROSTER) == [
        "the auditor's check needs the draw's full manifest (SAMPLE.manifest.json)"
    ]


def test_bundle_carries_the_draws_public_manifest_without_tiers(bundle: Path) -> None:
    public = json.loads((bundle / "draw-manifest.json").read_text(encoding="utf-8"))
    assert public["public"] is True and public["seed"] == data.SEED
    assert public["roster_digest"] == DRAW.manifest["roster_digest"]
    assert all(set(r) == {"uscc", "task_id", "ticket"} for r in public["sample"])
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["roster_digest"] == DRAW.manifest["roster_digest"]
    assert [t["task_seed"] for t in manifest["tasks"]] == [
        t["seed"] for t in DRAW.manifest["policy"]["tasks"]
    ]
    for name in ("draw-manifest.json", "manifest.json", "results.json", "index.html"):
        text = (bundle / name).read_text(encoding="utf-8")
        assert '"tier"' not in text and "tier" not in text.lower().replace("tiers", "")


def test_auditor_check_catches_an_edited_roster(bundle: Path) -> None:
    roster = ROSTER.copy()
    drawn = DRAW.sample["uscc"].iloc[0]
    tier = roster.loc[roster["uscc"] == drawn, "tier"].iloc[0]
    roster.loc[roster["uscc"] == drawn, "tier"] = "D" if tier != "D" else "A"
    differences = verify_bundle(bundle, roster, draw_manifest=DRAW.manifest)
    assert differences[0].startswith(
        f"roster digest: manifest {DRAW.manifest['roster_digest']}, roster gives "
    )
    assert any(d.startswith("task 'T1', tier ") and "eligible is" in d for d in differences)


def test_auditor_check_catches_a_bundle_of_another_draw(bundle: Path) -> None:
    other = draw_campaign(ROSTER, CAMPAIGN, data.SEED + "0", history=NO_HISTORY)
    differences = verify_bundle(bundle, ROSTER, draw_manifest=other.manifest)
    assert "the full draw manifest's seed differs from the bundle's" in differences
    assert "the full draw manifest's sample differs from the entities the bundle publishes" in differences


def test_cli_verify_bundle(bundle: Path, tmp_path: Path) -> None:
    ROSTER.to_csv(tmp_path / "roster.csv", index=False)
    (tmp_path / "draw.json").write_text(json.dumps(DRAW.manifest), encoding="utf-8")
    runner = CliRunner()
    public = runner.invoke(main, ["verify", str(bundle)])
    assert public.exit_code == 0 and public.output == "OK: bundle bundle verified\n"
    audited = runner.invoke(
        main,
        [
            "verify",
            str(bundle),
            "--roster",
            str(tmp_path / "roster.csv"),
            "--draw-manifest",
            str(tmp_path / "draw.json"),
        ],
    )
    assert audited.exit_code == 0, audited.output
    results = bundle / "results.json"
    original = results.read_bytes()
    try:
        results.write_bytes(original.replace(b"2026-09-2", b"2026-09-1", 1))
        tampered = runner.invoke(main, ["verify", str(bundle)])
    finally:
        results.write_bytes(original)
    assert tampered.exit_code == 1
    assert tampered.output.startswith("Error: verification failed:\n  - results.json: SHA-256 ")


def test_results_sample_roundtrip_through_csv(tmp_path: Path) -> None:
    """A sample read back from CSV (tickets as text) publishes the same bundle."""
    DRAW.sample.to_csv(tmp_path / "sample.csv", index=False)
    sample = pd.read_csv(tmp_path / "sample.csv", dtype=str)
    results = data.results(DRAW.sample, CAMPAIGN)
    for name, frame in (("a", DRAW.sample), ("b", sample)):
        publish_campaign(
            CAMPAIGN,
            frame,
            results,
            ROSTER,
            tmp_path / name,
            published_on=date(2026, 10, 20),
            draw_manifest=DRAW.manifest,
        )
    assert (tmp_path / "a" / "bundle.json").read_bytes() == (tmp_path / "b" / "bundle.json").read_bytes()
