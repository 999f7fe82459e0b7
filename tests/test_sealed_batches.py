"""Sealed plans in batches (docs/draw-spec.md §14): the plan commitment, batch seals, and attacks.

The plan commits once before B1's seed; each batch is sealed before its own seed from the plan
commitment and the ledger's recorded earlier draws and triggered checks, at a recorded ledger
head. The auditor recomputes every batch seal; the public checks receipts against it.
"""

from __future__ import annotations

import copy
import hashlib
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom.draw.commitment import history_digest
from dualrandom.draw.sealed import (
    PLAN_KIND,
    commitment_digest,
    key_digest,
    plan_rules_digest,
    rounding_seed,
    seal_campaign,
    seal_plan,
    verify_receipt,
)
from dualrandom.errors import LedgerConflictError, LedgerError, LedgerMismatchError, PolicyError
from dualrandom.ledger import Ledger
from dualrandom.models import Campaign, parse_campaign, read_toml
from dualrandom.protocol import CampaignProtocol, supersede
from dualrandom.protocol.batches import batch_history, ledger_at, verify_batch_seals
from dualrandom.protocol.triggered import triggered_checks
from dualrandom.synth import synth_city
from dualrandom.verify import verify_draw

EXAMPLE = Path(__file__).parents[1] / "examples" / "campaign.toml"
BATCHES = {"B1": date(2026, 3, 2), "B2": date(2026, 6, 1)}
KEY = hashlib.sha256(b"sealed plan").digest()


def sealed_year() -> Campaign:
    """The example joint campaign as a plan of two batches; its ratios differ, so it is sealed."""
    data = read_toml(EXAMPLE, "campaign")
    data["plan"]["batches"] = [{"id": b, "drawn_on": day} for b, day in BATCHES.items()]
    data["sampling"]["ratios"] = {"A": 0.2, "B": 0.3, "C": 0.5, "D": 0.8}
    return parse_campaign(data)


PLAN = sealed_year()


@pytest.fixture(scope="module")
def city() -> Any:
    return synth_city(2_000, seed="sealed-year", n_inspectors=120, n_departments=5)


@pytest.fixture(scope="module")
def roster(city: Any) -> pd.DataFrame:
    tiers = pd.Series(["A", "B", "C", "D"] * (len(city.entities) // 4 + 1))[: len(city.entities)]
    return city.entities.assign(tier=tiers.to_numpy())


@pytest.fixture(scope="module")
def plan_seal(roster: pd.DataFrame, city: Any) -> Any:
    return seal_plan(roster, PLAN, key=KEY, history=city.history)


def _protocol(ledger: Ledger, batch: str | None = None) -> CampaignProtocol:
    return CampaignProtocol(PLAN, ledger, batch=batch)


@pytest.fixture
def year(tmp_path: Path, roster: pd.DataFrame, city: Any, plan_seal: Any) -> Any:
    """A ledger holding the plan commitment, B1 sealed and drawn, and 20 warnings of tier A."""
    ledger = Ledger.open(tmp_path / "year.ledger")
    _protocol(ledger).commit(roster, seal=plan_seal)
    _protocol(ledger, "B1").seal_batch(roster, plan_seal, history=city.history)
    _protocol(ledger, "B1").draw(roster, "11111", seal=plan_seal, history=city.history)
    warned = roster.loc[roster["tier"] == "A", "uscc"].iloc[:20]
    listed = pd.DataFrame({"uscc": warned, "reason": "风险预警", "inspected_on": "2026-04-10"})
    checks = triggered_checks(listed, _protocol(ledger, "W1").campaign, task_id="T1")
    _protocol(ledger, "W1").trigger_many(checks, task_id="T1")
    yield ledger
    ledger.close()


def test_the_plan_commitment_names_key_roster_history_and_rules(plan_seal: Any, city: Any) -> None:
    committed = plan_seal.commitment
    assert committed["kind"] == PLAN_KIND and committed["key_digest"] == key_digest(KEY)
    assert committed["history_digest"] == history_digest(city.history)
    assert committed["batches"] == [
        {"batch": "B1", "drawn_on": "2026-03-02"},
        {"batch": "B2", "drawn_on": "2026-06-01"},
    ]
    first, second = PLAN.plan.batches
    moved_plan = PLAN.plan.model_copy(
        update={"batches": (first.model_copy(update={"drawn_on": date(2026, 3, 3)}), second)}
    )
    assert plan_rules_digest(PLAN.model_copy(update={"plan": moved_plan})) != committed["rules_digest"]
    assert plan_rules_digest(sealed_year()) == committed["rules_digest"]  # the same file again


def test_a_plan_takes_the_plan_commitment_not_a_campaign_seal(
    tmp_path: Path, roster: pd.DataFrame, city: Any
) -> None:
    drawn_once = PLAN.model_copy(update={"plan": PLAN.plan.model_copy(update={"batches": ()})})
    once = seal_campaign(roster, drawn_once, key=KEY, history=city.history, as_of=BATCHES["B1"])
    with Ledger.open(tmp_path / "l") as ledger, pytest.raises(PolicyError, match="drawn in batches"):
        _protocol(ledger).commit(roster, seal=once)


def test_the_same_key_rounds_each_batch_with_its_own_coins() -> None:
    assert rounding_seed(KEY, {}) == key_digest(KEY)
    assert rounding_seed(KEY, {"batch": "B1"}) != rounding_seed(KEY, {"batch": "B2"})


def test_a_batch_is_drawn_under_its_recorded_seal(
    year: Ledger, roster: pd.DataFrame, city: Any, plan_seal: Any
) -> None:
    draw = year.current("XY-2026-Q4/B1", "draw")[-1].payload
    sealed = year.current("XY-2026-Q4/B1", "roster_commitment")[-1].payload["sealed"]
    assert draw["sealed"] == sealed and draw["disclosure"] == "sealed"
    quotas = {t["task_id"]: t["quota"] for t in sealed["commitment"]["tasks"]}
    drawn = pd.Series([r["task_id"] for r in draw["sample"]]).value_counts().to_dict()
    assert drawn == quotas
    root = sealed["commitment"]["frames_root"]
    assert all(verify_receipt(r, root).ok for r in draw["receipts"])
    past = batch_history(ledger_at(year, 0), PLAN, "B1", city.history)
    assert verify_draw(draw, roster, history=past, seal=plan_seal).ok


def test_b2_needs_its_seal_and_counts_what_was_recorded_before_it(
    year: Ledger, roster: pd.DataFrame, city: Any, plan_seal: Any
) -> None:
    with pytest.raises(LedgerConflictError, match="has no batch seal"):
        _protocol(year, "B2").draw(roster, "22222", seal=plan_seal, history=city.history)
    sealed = _protocol(year, "B2").seal_batch(roster, plan_seal, history=city.history)
    head = sealed.value["sealed"]["commitment"]["ledger_head"]
    assert head["seq"] == year.head().seq - 1
    late = roster.loc[roster["tier"] == "B", "uscc"].iloc[:15]
    listed = pd.DataFrame({"uscc": late, "reason": "投诉举报", "inspected_on": "2026-05-01"})
    _protocol(year, "W2").trigger_many(triggered_checks(listed, PLAN, task_id="T1"), task_id="T1")
    again = _protocol(year, "B2").seal_batch(roster, plan_seal, history=city.history)
    assert again.already_recorded and again.value == sealed.value
    drawn = _protocol(year, "B2").draw(roster, "22222", seal=plan_seal, history=city.history).value
    b1 = {r["uscc"] for r in year.current("XY-2026-Q4/B1", "draw")[-1].payload["sample"]}
    warned = set(roster.loc[roster["tier"] == "A", "uscc"].iloc[:20])
    low = set(drawn.sample.loc[drawn.sample["tier"].isin(["A", "B"]), "uscc"])
    assert not low & (b1 | warned)  # tiers A and B have a cap of 1: B1 and W1 count
    assert drawn.manifest["history_digest"] == sealed.value["sealed"]["commitment"]["history_digest"]
    assert verify_batch_seals(year, PLAN, roster, plan_seal, city.history).ok


def test_a_triggered_check_after_the_seal_is_outside_the_sealed_frame(
    year: Ledger, roster: pd.DataFrame, city: Any, plan_seal: Any
) -> None:
    sealed = _protocol(year, "B2").seal_batch(roster, plan_seal, history=city.history).value
    late = roster.loc[roster["tier"] == "B", "uscc"].iloc[:400].tolist()
    listed = pd.DataFrame({"uscc": late, "reason": "投诉举报", "inspected_on": "2026-05-01"})
    _protocol(year, "W2").trigger_many(triggered_checks(listed, PLAN, task_id="T1"), task_id="T1")
    drawn = _protocol(year, "B2").draw(roster, "22222", seal=plan_seal, history=city.history).value
    eligible = {t["task_id"]: t["eligible"] for t in sealed["sealed"]["commitment"]["tasks"]}
    counted = drawn.counts.groupby("task_id")["eligible"].sum().to_dict()
    assert counted == eligible  # the 400 late checks capped no one out of the sealed frames


def test_resealing_needs_the_old_seal_withdrawn(
    year: Ledger, roster: pd.DataFrame, city: Any, plan_seal: Any
) -> None:
    first = _protocol(year, "B2").seal_batch(roster, plan_seal, history=city.history).records[0]
    other = city.history.iloc[:-3]
    with pytest.raises(LedgerMismatchError, match="not the file the plan commitment committed"):
        _protocol(year, "B2").seal_batch(roster, plan_seal, history=other)
    supersede(year, first.seq, "a warning list arrived before the ceremony")
    late = roster.loc[roster["tier"] == "B", "uscc"].iloc[:30]
    listed = pd.DataFrame({"uscc": late, "reason": "投诉举报", "inspected_on": "2026-05-01"})
    _protocol(year, "W2").trigger_many(triggered_checks(listed, PLAN, task_id="T1"), task_id="T1")
    second = _protocol(year, "B2").seal_batch(roster, plan_seal, history=city.history)
    assert not second.already_recorded
    assert second.value["sealed"]["commitment_digest"] != first.payload["sealed"]["commitment_digest"]
    assert verify_batch_seals(year, PLAN, roster, plan_seal, city.history).ok


def test_no_seal_without_a_ledger_or_a_batch(roster: pd.DataFrame, plan_seal: Any, tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="ledger"):
        CampaignProtocol(PLAN, None, batch="B1").seal_batch(roster, plan_seal)
    with Ledger.open(tmp_path / "l") as ledger, pytest.raises(PolicyError, match="one batch"):
        _protocol(ledger).seal_batch(roster, plan_seal)


def test_the_view_of_a_past_head_is_read_only(year: Ledger) -> None:
    past = ledger_at(year, 2)
    assert [r.seq for r in past.records()] == [1, 2] and past.head().seq == 2
    assert past.head().hash == year.record(2).hash  # type: ignore[union-attr]
    with pytest.raises(LedgerError, match="past state"):
        past.append("XY-2026-Q4", "seed", {"seed": "x"})


# --- attacks --------------------------------------------------------------------------------


def _forge_seal(ledger: Ledger, batch: str, edit: Any) -> None:
    """Record, as a dishonest bureau with write access, an edited batch seal for ``batch``."""
    current = ledger.current(f"XY-2026-Q4/{batch}", "roster_commitment")
    source = current[-1] if current else ledger.current("XY-2026-Q4/B1", "roster_commitment")[-1]
    payload = copy.deepcopy(source.payload)
    edit(payload["sealed"]["commitment"])
    payload["sealed"]["commitment_digest"] = commitment_digest(payload["sealed"]["commitment"])
    if current:
        ledger.supersede(current[-1].seq, "resealed")
    ledger.append(f"XY-2026-Q4/{batch}", "roster_commitment", payload)


def test_attack_a_batch_frame_changed_after_the_seal(
    year: Ledger, roster: pd.DataFrame, city: Any, plan_seal: Any
) -> None:
    _protocol(year, "B2").seal_batch(roster, plan_seal, history=city.history)
    keep_out = roster.loc[roster["tier"] == "D", "uscc"].iloc[0]

    def shrink(commitment: dict[str, Any]) -> None:  # a frame without one tier-D entity
        commitment["tasks"][0]["eligible"] -= 1
        commitment["frames_root"] = hashlib.sha256(keep_out.encode()).hexdigest()

    _forge_seal(year, "B2", shrink)
    found = verify_batch_seals(year, PLAN, roster, plan_seal, city.history)
    assert set(found.kinds()) == {"batch_seal.recomputed"}
    assert {d.detail for d in found.differences if d.kind == "batch_seal.recomputed"} >= {
        "frames_root",
        "tasks",
    }
    drawn = _protocol(year, "B2").draw(roster, "22222", seal=plan_seal, history=city.history).value.manifest
    root = drawn["sealed"]["commitment"]["frames_root"]  # the public sees no receipt reach the forged root
    assert not any(verify_receipt(r, root).ok for r in drawn["receipts"])


def test_attack_b1_seal_reused_for_b2(year: Ledger, roster: pd.DataFrame, city: Any, plan_seal: Any) -> None:
    _forge_seal(year, "B2", lambda commitment: None)  # B1's seal, recorded as B2's
    found = verify_batch_seals(year, PLAN, roster, plan_seal, city.history)
    assert "batch_seal.batch" in found.kinds() and "batch_seal.recomputed" in found.kinds()
    with pytest.raises(LedgerMismatchError, match="campaign"):
        _protocol(year, "B2").draw(roster, "22222", seal=plan_seal, history=city.history)


def test_attack_a_seal_made_after_the_seed(
    year: Ledger, roster: pd.DataFrame, city: Any, plan_seal: Any
) -> None:
    _forge_seal(year, "B1", lambda commitment: None)  # B1 resealed after its seed and draw
    assert "batch_seal.after_seed" in verify_batch_seals(year, PLAN, roster, plan_seal, city.history).kinds()


def test_attack_other_material(year: Ledger, roster: pd.DataFrame, city: Any) -> None:
    other = seal_plan(roster, PLAN, key=b"k" * 32, history=city.history)
    with pytest.raises(LedgerMismatchError, match="sealed material"):
        _protocol(year, "B2").seal_batch(roster, other, history=city.history)
    found = verify_batch_seals(year, PLAN, roster, other, city.history)
    assert {"sealed.announced", "batch_seal.plan"} <= set(found.kinds())


# --- the ledger as it stood at a head ---------------------------------------------------------

OPERATIONS = st.lists(st.tuples(st.sampled_from(["P/W1", "P/W2"]), st.booleans()), min_size=1, max_size=8)


@settings(max_examples=15, deadline=None)
@given(operations=OPERATIONS)
def test_a_past_head_shows_exactly_the_records_then_current(operations: list[tuple[str, bool]]) -> None:
    """Invariant: ``ledger_at(L, s)`` is the ledger that had only records 1..s, withdrawals included."""
    with tempfile.TemporaryDirectory() as folder, Ledger.open(Path(folder) / "l") as ledger:
        for number, (campaign, withdraw) in enumerate(operations):
            record = ledger.append(campaign, "triggered_check", {"uscc": str(number)})
            if withdraw:
                ledger.supersede(record.seq, "entered by mistake")
        every = ledger.records()
        for seq in range(ledger.head().seq + 1):
            past = ledger_at(ledger, seq)
            assert [r.seq for r in past.records()] == [r.seq for r in every if r.seq <= seq]
            with tempfile.TemporaryDirectory() as other, Ledger.open(Path(other) / "l") as replay:
                for r in every[:seq]:
                    replay.append(r.campaign_id, r.kind, r.payload, supersedes=r.supersedes, reason=r.reason)
                for campaign in ("P/W1", "P/W2"):
                    then = [r.payload for r in past.current(campaign, "triggered_check")]
                    assert then == [r.payload for r in replay.current(campaign, "triggered_check")]
