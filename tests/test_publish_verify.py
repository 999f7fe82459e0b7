"""End to end with the real draw: publish, then the public and the auditor's verification."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import _publish_data as data
from dualrandom.cli import main
from dualrandom.draw import NO_HISTORY, draw_campaign
from dualrandom.draw.sealed import draw_sealed, seal_campaign
from dualrandom.errors import InputError, VerificationError
from dualrandom.models import load_campaign
from dualrandom.publish import ensure_bundle, publish_campaign, verify_bundle
from dualrandom.publish.bundle import file_digests
from dualrandom.verification import KINDS

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
    assert verify_bundle(bundle).ok
    assert verify_bundle(bundle, ROSTER, draw_manifest=DRAW.manifest).ok
    with pytest.raises(InputError, match="the auditor's check needs the draw's full manifest"):
        verify_bundle(bundle, ROSTER)


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
    differences = verify_bundle(bundle, roster, draw_manifest=DRAW.manifest).lines()
    assert differences[0].startswith(
        f"roster digest: manifest {DRAW.manifest['roster_digest']}, roster gives "
    )
    assert any(d.startswith("task 'T1', tier ") and "eligible is" in d for d in differences)


def test_auditor_check_catches_a_bundle_of_another_draw(bundle: Path) -> None:
    other = draw_campaign(ROSTER, CAMPAIGN, data.SEED + "0", history=NO_HISTORY)
    differences = verify_bundle(bundle, ROSTER, draw_manifest=other.manifest).lines()
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


# --- one tamper per difference kind of the bundle verifier ------------------------------------

SEALED_CAMPAIGN = load_campaign(data.ROOT / "examples" / "campaign.toml")  # disclosure "auto": sealed
KEY = hashlib.sha256(b"bundle tamper tests").digest()
SEAL = seal_campaign(ROSTER, SEALED_CAMPAIGN, key=KEY, history=NO_HISTORY)
SEALED = draw_sealed(ROSTER, SEALED_CAMPAIGN, data.SEED, SEAL, history=NO_HISTORY)

Files = dict[str, Any]


@pytest.fixture(scope="module")
def sealed_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sealed") / "bundle"
    publish_campaign(
        SEALED_CAMPAIGN, SEALED.sample, data.results(SEALED.sample, SEALED_CAMPAIGN), ROSTER, directory,
        published_on=date(2026, 10, 20), draw_manifest=SEALED.manifest,
    )  # fmt: skip
    return directory


def _forge(bundle: Path, tmp_path: Path, edit: Callable[[Path, Files], None], rehash: bool = True) -> Path:
    """A copy of the bundle, edited; a careful forger then re-hashes bundle.json."""
    copied = tmp_path / "forged"
    shutil.copytree(bundle, copied)
    files = {
        n: json.loads((copied / n).read_text(encoding="utf-8")) for n in ("manifest.json", "results.json")
    }
    if (copied / "draw-manifest.json").exists():
        files["draw-manifest.json"] = json.loads((copied / "draw-manifest.json").read_text(encoding="utf-8"))
    edit(copied, files)
    if not rehash:
        return copied
    for name, content in files.items():
        (copied / name).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    index = json.loads((copied / "bundle.json").read_text(encoding="utf-8"))
    if isinstance(index.get("files"), dict):
        index["files"] = file_digests(copied)
    (copied / "bundle.json").write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    return copied


def _index(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path, Files], None]:
    def run(folder: Path, files: Files) -> None:
        index = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
        edit(index)
        (folder / "bundle.json").write_text(json.dumps(index), encoding="utf-8")

    return run


def _not_json(folder: Path, files: Files) -> None:
    files.pop("results.json")
    (folder / "results.json").write_text("{not json", encoding="utf-8")


def _ticket(folder: Path, files: Files) -> None:
    entry = files["manifest.json"]["drawn"][0]
    entry["ticket"] = "0.5"
    next(r for r in files["draw-manifest.json"]["sample"] if r["uscc"] == entry["uscc"])["ticket"] = "0.5"


def _lowest_threshold(folder: Path, files: Files) -> None:
    task = files["manifest.json"]["tasks"][0]
    min(task["strata"], key=lambda s: str(s["threshold"]))["threshold"] = "0.0"


def _top_threshold(folder: Path, files: Files) -> None:
    task = files["manifest.json"]["tasks"][0]
    top = max(task["strata"], key=lambda s: str(s["threshold"]))
    drawn = [d["ticket"] for d in files["manifest.json"]["drawn"] if d["task_id"] == task["task_id"]]
    top["threshold"] = sorted(drawn)[-2]  # the largest drawn ticket now lies above every threshold


def _stray(folder: Path, files: Files) -> None:
    drawn = {d["uscc"] for d in files["manifest.json"]["drawn"]}
    outsider = next(u for u in ROSTER["uscc"] if u not in drawn)
    files["results.json"]["results"].append({**files["results.json"]["results"][0], "uscc": outsider})


def _in(name: str, edit: Callable[[dict[str, Any]], object]) -> Callable[[Path, Files], None]:
    def run(folder: Path, files: Files) -> None:
        edit(files[name])

    return run


def _manifest(edit: Callable[[dict[str, Any]], object]) -> Callable[[Path, Files], None]:
    return _in("manifest.json", edit)


def _draw_manifest(edit: Callable[[dict[str, Any]], object]) -> Callable[[Path, Files], None]:
    return _in("draw-manifest.json", edit)


OPEN_TAMPERS: dict[str, tuple[Callable[[Path, Files], None], bool, set[str]]] = {
    # kind: (edit, re-hash bundle.json, other kinds the same edit necessarily gives)
    "bundle.index": (_index(lambda i: i.update(files=list(i["files"]))), True, set()),
    "bundle.file_missing": (lambda f, _: (f / "index.html").unlink(), False, set()),
    "bundle.file_digest": (lambda f, _: (f / "index.html").write_text("edited"), False, set()),
    "bundle.file_unlisted": (lambda f, _: (f / "extra.txt").write_text("x"), False, set()),
    "bundle.not_json": (_not_json, True, set()),
    "bundle.task_seed": (_manifest(lambda m: m["tasks"][0].update(task_seed="other")), True, set()),
    "bundle.ticket": (_ticket, True, set()),
    "bundle.count": (
        _manifest(lambda m: m["tasks"][0].update(drawn=m["tasks"][0]["drawn"] + 1)),
        True,
        set(),
    ),
    "bundle.threshold": (_lowest_threshold, True, set()),
    "bundle.above_threshold": (_top_threshold, True, {"bundle.threshold"}),
    "bundle.stray_result": (_stray, True, set()),
    "bundle.draw_seed": (_draw_manifest(lambda m: m.update(seed="other")), True, set()),
    "bundle.draw_sample": (_draw_manifest(lambda m: m["sample"].pop()), True, set()),
}


@pytest.mark.parametrize("kind", sorted(OPEN_TAMPERS))
def test_each_bundle_tamper_gives_its_kind(bundle: Path, tmp_path: Path, kind: str) -> None:
    edit, rehash, along = OPEN_TAMPERS[kind]
    result = verify_bundle(_forge(bundle, tmp_path, edit, rehash))
    assert set(result.kinds()) == {kind} | along, result.lines()


def _duplicate(m: dict[str, Any]) -> None:
    m["drawn"].append(dict(m["drawn"][0]))
    next(t for t in m["tasks"] if t["task_id"] == m["drawn"][0]["task_id"])["drawn"] += 1


def _drop(m: dict[str, Any]) -> None:
    gone = m["drawn"].pop(0)
    next(t for t in m["tasks"] if t["task_id"] == gone["task_id"])["drawn"] -= 1


def _outside(m: dict[str, Any]) -> None:
    drawn = {d["uscc"] for d in m["drawn"]}
    m["drawn"][0]["uscc"] = next(u for u in ROSTER["uscc"] if u not in drawn)


SEALED_TAMPERS: dict[str, tuple[Callable[[dict[str, Any]], object], set[str]]] = {
    "sealed.commitment_digest": (lambda m: m["sealed"].update(commitment_digest="0" * 64), set()),
    "sealed.roster_digest": (lambda m: m.update(roster_digest="0" * 64), set()),
    "sealed.quota": (_drop, {"bundle.stray_result", "bundle.draw_sample"}),  # its result stays published
    "bundle.duplicate": (_duplicate, {"sealed.quota"}),
    "receipt.path": (_outside, {"bundle.stray_result", "bundle.draw_sample"}),
}


@pytest.mark.parametrize("kind", sorted(SEALED_TAMPERS))
def test_each_sealed_bundle_tamper_gives_its_kind(sealed_bundle: Path, tmp_path: Path, kind: str) -> None:
    assert verify_bundle(sealed_bundle, commitment_digest=SEAL.digest).ok
    edit, along = SEALED_TAMPERS[kind]
    forged = _forge(sealed_bundle, tmp_path, _manifest(edit))
    result = verify_bundle(forged)
    assert set(result.kinds()) == {kind} | along, result.lines()


def test_a_commitment_other_than_the_announced_one(sealed_bundle: Path) -> None:
    assert verify_bundle(sealed_bundle, commitment_digest="0" * 64).kinds() == ["sealed.announced"]


def test_the_auditor_names_a_full_manifest_of_another_draw(bundle: Path) -> None:
    other = draw_campaign(ROSTER, CAMPAIGN, data.SEED + "0", history=NO_HISTORY)
    kinds = set(verify_bundle(bundle, ROSTER, draw_manifest=other.manifest).kinds())
    assert {"bundle.full_seed", "bundle.full_sample"} <= kinds


def test_every_bundle_kind_has_a_tamper_case() -> None:
    covered = {*OPEN_TAMPERS, *SEALED_TAMPERS, "sealed.announced", "bundle.full_seed", "bundle.full_sample"}
    assert {k for k in KINDS if k.startswith("bundle.")} <= covered


def test_what_is_not_a_bundle_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a bundle directory"):
        verify_bundle(tmp_path / "nowhere")
    with pytest.raises(InputError, match=r"bundle\.json: not a readable bundle index"):
        verify_bundle(tmp_path)
    (tmp_path / "bundle.json").write_text('{"kind": "something else"}', encoding="utf-8")
    with pytest.raises(InputError, match="not a dualrandom publication bundle"):
        verify_bundle(tmp_path)


def test_ensure_bundle_raises_with_the_differences(bundle: Path, tmp_path: Path) -> None:
    forged = _forge(bundle, tmp_path, lambda f, _: (f / "extra.txt").write_text("x"), rehash=False)
    with pytest.raises(VerificationError) as caught:
        ensure_bundle(forged)
    assert [str(d) for d in caught.value.differences] == ["extra.txt: present but not listed in bundle.json"]
    ensure_bundle(bundle)
