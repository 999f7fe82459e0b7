"""Sealed draws: the auditor reproduces them, the public checks them without any ticket."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import _publish_data as data
from dualrandom.draw import NO_HISTORY, draw_campaign, substitute
from dualrandom.draw.sealed import (
    disclosure_of,
    draw_sealed,
    entity_opening,
    load_seal,
    opening_ticket,
    receipt_commitment,
    receipt_leaf,
    seal_campaign,
    seal_json,
    verify_receipt,
)
from dualrandom.errors import DrawError, InputError
from dualrandom.models import Campaign, load_campaign
from dualrandom.publish import publish_campaign, verify_bundle
from dualrandom.publish.bundle import file_digests
from dualrandom.tickets import ticket
from dualrandom.verify import verify_draw

CAMPAIGN = load_campaign(data.ROOT / "examples" / "campaign.toml")  # disclosure "auto": sealed
ROSTER = data.roster(3000)
KEY = hashlib.sha256(b"test key").digest()
SEAL = seal_campaign(ROSTER, CAMPAIGN, key=KEY, history=NO_HISTORY)
DRAW = draw_sealed(ROSTER, CAMPAIGN, data.SEED, SEAL, history=NO_HISTORY)


def test_default_disclosure_is_sealed_when_ratios_differ() -> None:
    assert len(set(CAMPAIGN.sampling.ratios.values())) > 1
    assert disclosure_of(CAMPAIGN) == "sealed"
    shared = CAMPAIGN.model_copy(
        update={
            "sampling": CAMPAIGN.sampling.model_copy(
                update={"ratios": dict.fromkeys(CAMPAIGN.sampling.tiers, 0.05)}
            )
        }
    )
    assert disclosure_of(shared) == "open"
    chosen = CAMPAIGN.model_copy(
        update={"publication": CAMPAIGN.publication.model_copy(update={"disclosure": "open"})}
    )
    assert disclosure_of(chosen) == "open"


def test_sealed_tickets_are_not_the_public_ones() -> None:
    row = DRAW.sample.iloc[0]
    assert row["ticket"] != ticket(f"{data.SEED}/{row['task_id']}", row["uscc"])
    opening = entity_opening(SEAL, row["uscc"])
    assert row["ticket"] == ticket(f"{data.SEED}/{row['task_id']}", opening["sealed_id"])


def test_commitment_fixes_quotas_before_the_seed() -> None:
    quotas = {t["task_id"]: t["quota"] for t in SEAL.commitment["tasks"]}
    drawn = DRAW.sample.groupby("task_id").size().to_dict()
    assert quotas == drawn
    other = draw_sealed(ROSTER, CAMPAIGN, "another seed", SEAL, history=NO_HISTORY)
    assert other.sample.groupby("task_id").size().to_dict() == quotas
    assert set(other.sample["uscc"]) != set(DRAW.sample["uscc"])


def test_same_inputs_give_the_same_draw() -> None:
    again = draw_sealed(
        ROSTER,
        CAMPAIGN,
        data.SEED,
        seal_campaign(ROSTER, CAMPAIGN, key=KEY, history=NO_HISTORY),
        history=NO_HISTORY,
    )
    assert again.manifest == DRAW.manifest


def test_a_seal_for_another_roster_is_refused() -> None:
    edited = ROSTER.assign(
        tier=ROSTER["tier"].where(ROSTER.index != 5, "D" if ROSTER.at[5, "tier"] != "D" else "A")
    )
    with pytest.raises(DrawError, match="not the one the seal committed"):
        draw_sealed(edited, CAMPAIGN, data.SEED, SEAL, history=NO_HISTORY)


def test_auditor_reproduces_the_sealed_draw_bit_for_bit() -> None:
    material = load_seal(json.loads(seal_json(SEAL)))
    assert verify_draw(DRAW.manifest, ROSTER, seal=material).ok
    with pytest.raises(InputError, match="a sealed draw is recomputed with its sealed material"):
        verify_draw(DRAW.manifest, ROSTER)
    other_key = seal_campaign(ROSTER, CAMPAIGN, key=b"x" * 32, history=NO_HISTORY)
    wrong = load_seal({**json.loads(seal_json(other_key))})
    assert verify_draw(DRAW.manifest, ROSTER, seal=wrong).kinds() == ["sealed.key"]
    swapped = substitute(
        DRAW, DRAW.sample["uscc"].iloc[0], "deregistered", task_id=DRAW.sample["task_id"].iloc[0]
    )
    assert verify_draw(swapped.manifest, ROSTER, seal=material).ok


def test_auditor_catches_an_edited_sealed_manifest() -> None:
    forged = copy.deepcopy(DRAW.manifest)
    forged["sample"].pop(0)
    problems = verify_draw(forged, ROSTER, seal=SEAL).lines()
    assert any("missing from the manifest" in p for p in problems)


def test_an_entity_checks_its_own_receipt() -> None:
    receipts = {(r["task_id"], r["uscc"]): r for r in DRAW.manifest["receipts"]}
    root = SEAL.commitment["frames_root"]
    for row in DRAW.sample.head(20).itertuples():
        receipt = receipts[(row.task_id, row.uscc)]
        opening = entity_opening(SEAL, row.uscc)
        assert verify_receipt(receipt, root, opening=opening).ok
        assert opening_ticket(opening, f"{data.SEED}/{row.task_id}") == row.ticket
        other = entity_opening(SEAL, DRAW.sample["uscc"].iloc[-1])
        if other["uscc"] != row.uscc:
            assert verify_receipt(receipt, root, opening=other).kinds() == ["receipt.opening"]
    bad = {
        **receipts[(DRAW.sample["task_id"].iloc[0], DRAW.sample["uscc"].iloc[0])],
        "uscc": "91420602MA0000000X",
    }
    assert verify_receipt(bad, root).kinds() == ["receipt.path"]


# --- the bundle: public check, and forgeries -------------------------------------------------


def _publish(directory: Path, draw: Any = DRAW, campaign: Campaign = CAMPAIGN) -> Path:
    publish_campaign(
        campaign,
        draw.sample,
        data.results(draw.sample, campaign),
        ROSTER,
        directory,
        published_on=date(2026, 10, 20),
        draw_manifest=draw.manifest,
    )
    return directory


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _publish(tmp_path_factory.mktemp("sealed") / "bundle")


def _forge(bundle: Path, tmp_path: Path, edit: Any) -> Path:
    """A copy of the bundle with manifest.json edited and bundle.json re-hashed (a careful forger)."""
    copy_dir = tmp_path / "forged"
    shutil.copytree(bundle, copy_dir)
    manifest = json.loads((copy_dir / "manifest.json").read_text(encoding="utf-8"))
    edit(manifest)
    (copy_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    index = json.loads((copy_dir / "bundle.json").read_text(encoding="utf-8"))
    index["files"] = file_digests(copy_dir)
    (copy_dir / "bundle.json").write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    return copy_dir


def test_sealed_bundle_verifies_and_holds_no_ticket(bundle: Path) -> None:
    assert verify_bundle(bundle, commitment_digest=SEAL.digest).ok
    assert verify_bundle(bundle, ROSTER, draw_manifest=DRAW.manifest, seal=SEAL).ok
    text = "".join(
        p.read_text(encoding="utf-8") for p in bundle.iterdir() if p.suffix in (".json", ".html", ".csv")
    )
    assert not any(t in text for t in DRAW.sample["ticket"].tolist())
    assert KEY.hex() not in text and "sealed_id" not in text
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    assert all(t["rule"] == "sealed" and t["strata"] == [] for t in manifest["tasks"])


def test_public_check_catches_a_commitment_other_than_the_announced_one(bundle: Path) -> None:
    assert any(
        "announced before the seed" in p for p in verify_bundle(bundle, commitment_digest="0" * 64).lines()
    )


def _first(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["drawn"][0]  # type: ignore[no-any-return]


def test_forgery_drop_a_drawn_entity_and_its_count(bundle: Path, tmp_path: Path) -> None:
    def drop(manifest: dict[str, Any]) -> None:
        gone = manifest["drawn"].pop(0)
        task = next(t for t in manifest["tasks"] if t["task_id"] == gone["task_id"])
        task["drawn"] -= 1

    problems = verify_bundle(_forge(bundle, tmp_path, drop)).lines()
    assert any("were committed before the seed" in p for p in problems)


def test_forgery_add_an_entity(bundle: Path, tmp_path: Path) -> None:
    drawn = set(zip(DRAW.sample["task_id"], DRAW.sample["uscc"], strict=True))
    task_id = DRAW.sample["task_id"].iloc[0]
    outsider = next(u for u in ROSTER["uscc"] if (task_id, u) not in drawn)

    def add(manifest: dict[str, Any]) -> None:
        fake = receipt_commitment(task_id, outsider, "guessed")
        manifest["drawn"].append(
            {"uscc": outsider, "task_id": task_id, "commitment": fake, "path": _first(manifest)["path"]}
        )
        next(t for t in manifest["tasks"] if t["task_id"] == task_id)["drawn"] += 1

    problems = verify_bundle(_forge(bundle, tmp_path, add)).lines()
    assert any("committed before the seed" in p for p in problems)
    assert any(outsider in p and "receipt" in p for p in problems)


def test_forgery_swap_for_an_entity_outside_the_frame(bundle: Path, tmp_path: Path) -> None:
    task = next(
        t for t in CAMPAIGN.tasks if set(t.entity_types) != {"enterprise", "individual", "cooperative"}
    )
    outside = ROSTER.loc[~ROSTER["entity_type"].isin(task.entity_types), "uscc"].iloc[0]

    def swap(manifest: dict[str, Any]) -> None:
        entry = next(d for d in manifest["drawn"] if d["task_id"] == task.id)
        entry["uscc"] = outside

    problems = verify_bundle(_forge(bundle, tmp_path, swap)).lines()
    assert any(outside in p and "receipt does not lead" in p for p in problems)


def test_forgery_swap_inside_the_frame_is_caught_by_the_auditor(bundle: Path, tmp_path: Path) -> None:
    """The publisher holds the key: an in-frame swap carries a valid receipt; the auditor catches it."""
    task_id = DRAW.sample["task_id"].iloc[0]
    drawn = set(DRAW.sample.loc[DRAW.sample["task_id"] == task_id, "uscc"])
    frame = data.roster(3000)
    insider = next(u for u in SEAL.frames[task_id] if u not in drawn)
    forged_draw = copy.deepcopy(DRAW.manifest)
    gone = next(r for r in forged_draw["sample"] if r["task_id"] == task_id)
    gone["uscc"] = insider
    problems = verify_draw(forged_draw, frame, seal=SEAL).lines()
    assert any("in the manifest but not drawn" in p and insider in p for p in problems)


def test_forgery_change_a_count(bundle: Path, tmp_path: Path) -> None:
    def recount(manifest: dict[str, Any]) -> None:
        manifest["tasks"][0]["drawn"] += 1
        manifest["sealed"]["commitment"]["tasks"][0]["quota"] += 1

    problems = verify_bundle(_forge(bundle, tmp_path, recount)).lines()
    assert any("hashes to" in p and "not its recorded digest" in p for p in problems)


def test_open_draw_keeps_public_recomputation(tmp_path: Path) -> None:
    publication = CAMPAIGN.publication.model_copy(update={"disclosure": "open"})
    chosen = CAMPAIGN.model_copy(update={"publication": publication})  # the campaign chose open tickets
    opened = draw_campaign(ROSTER, chosen, data.SEED, history=NO_HISTORY)
    directory = _publish(tmp_path / "open", opened, chosen)
    assert verify_bundle(directory).ok
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert all("ticket" in d for d in manifest["drawn"])


def test_sealed_material_never_enters_the_bundle(bundle: Path) -> None:
    assert all("sealed_material" not in p.read_text(encoding="utf-8") for p in bundle.glob("*.json"))
    assert receipt_leaf("T", "X", "c") != receipt_leaf("T", "X", "d")


def _campaign() -> Campaign:
    return CAMPAIGN
