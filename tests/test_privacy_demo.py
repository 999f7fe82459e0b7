"""The demo leaves the auditor's material next to (never inside) the public bundle."""

from __future__ import annotations

import json
from pathlib import Path

from dualrandom.demo import run_demo
from dualrandom.draw.sealed import load_seal
from dualrandom.io import read_table
from dualrandom.publish import verify_bundle
from dualrandom.verify import verify_draw


def test_demo_names_and_leaves_the_auditors_material(tmp_path: Path) -> None:
    summary = run_demo(tmp_path / "demo", entities=4_000)
    sealed_path = summary.paths["auditor's sealed material (secret)"]
    roster_path = summary.paths["auditor's frozen roster (tiers; internal)"]
    bundle = summary.paths["bundle"]
    assert sealed_path.exists() and roster_path.exists()
    assert bundle not in sealed_path.parents and bundle not in roster_path.parents
    material = json.loads(sealed_path.read_text(encoding="utf-8"))
    seal = load_seal(material)
    assert all(material["key"] not in p.read_text(encoding="utf-8") for p in bundle.glob("*.json"))
    manifest = json.loads(summary.paths["draw manifest"].read_text(encoding="utf-8"))
    roster = read_table(roster_path)
    history = read_table(tmp_path / "demo" / "input" / "history.csv")
    assert verify_draw(manifest, roster, history=history, seal=seal).ok
    assert verify_bundle(bundle, commitment_digest=seal.digest).ok
    commitment = json.loads((tmp_path / "demo" / "output" / "commitment.json").read_text(encoding="utf-8"))
    assert commitment["sealed"]["commitment_digest"] == seal.digest
