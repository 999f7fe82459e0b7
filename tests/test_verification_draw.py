"""The draw verifier: one tamper per difference kind, usage errors, and the Hypothesis property
that an untampered draw always verifies while one edit to the published sample never does."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _publish_data as data
from dualrandom.draw import NO_HISTORY, draw_campaign, substitute
from dualrandom.draw.sealed import commitment_digest, draw_sealed, seal_campaign
from dualrandom.errors import InputError, VerificationError
from dualrandom.models import load_campaign
from dualrandom.verification import KINDS
from dualrandom.verify import ensure_draw, verify_draw

CAMPAIGN = data.campaign()
ROSTER = data.roster(1200)
OPEN = draw_campaign(ROSTER, CAMPAIGN, data.SEED, history=NO_HISTORY)
FIRST = OPEN.manifest["sample"][0]
SWAPPED = substitute(OPEN, FIRST["uscc"], "deregistered", task_id=FIRST["task_id"])
SEALED_CAMPAIGN = load_campaign(data.ROOT / "examples" / "campaign.toml")  # disclosure "auto": sealed
KEY = hashlib.sha256(b"verification tests").digest()
SEAL = seal_campaign(ROSTER, SEALED_CAMPAIGN, key=KEY, history=NO_HISTORY)
SEALED = draw_sealed(ROSTER, SEALED_CAMPAIGN, data.SEED, SEAL, history=NO_HISTORY)

Manifest = dict[str, Any]


def _recommit(manifest: Manifest) -> None:
    """What a careful forger does after editing the sealed commitment: record its new digest."""
    manifest["sealed"]["commitment_digest"] = commitment_digest(manifest["sealed"]["commitment"])


def _add_cell(m: Manifest) -> None:
    m["strata"].append({**m["strata"][0], "stratum": "invented"})


def _sealed_roster_digest(m: Manifest) -> None:
    m["sealed"]["commitment"]["roster_digest"] = "0" * 64
    _recommit(m)


def _sealed_quota(m: Manifest) -> None:
    m["sealed"]["commitment"]["tasks"][0]["quota"] += 1
    _recommit(m)


def _receipt(m: Manifest) -> None:
    m["receipts"][0]["path"] = list(reversed(m["receipts"][0]["path"]))


def _extra(m: Manifest) -> None:
    drawn = {r["uscc"] for r in m["sample"]}
    outsider = next(u for u in ROSTER["uscc"] if u not in drawn)
    m["sample"].append({**m["sample"][0], "uscc": outsider})


OPEN_TAMPERS: dict[str, Callable[[Manifest], object]] = {
    "draw.seed_digest": lambda m: m.update(seed_digest="0" * 64),
    "draw.roster_digest": lambda m: m.update(roster_digest="0" * 64),
    "count.cell_extra": _add_cell,
    "count.cell_missing": lambda m: m["strata"].pop(),
    "count.differs": lambda m: m["strata"][0].update(eligible=m["strata"][0]["eligible"] + 1),
    "sample.missing": lambda m: m["sample"].pop(0),
    "sample.extra": _extra,
    "sample.duplicate": lambda m: m["sample"].append(dict(m["sample"][0])),
    "sample.ticket": lambda m: m["sample"][0].update(ticket="0.5"),
    "sample.rank": lambda m: m["sample"][0].update(rank=m["sample"][0]["rank"] + 1),
}
SEALED_TAMPERS: dict[str, Callable[[Manifest], object]] = {
    "sealed.commitment_digest": lambda m: m["sealed"]["commitment"].update(frames_root="0" * 64),
    "sealed.commitment": _sealed_roster_digest,
    "sealed.quota": _sealed_quota,
    "sealed.receipts": _receipt,
}


def test_untampered_draws_verify() -> None:
    assert verify_draw(OPEN.manifest, ROSTER).ok
    assert verify_draw(SWAPPED.manifest, ROSTER).ok
    assert verify_draw(SEALED.manifest, ROSTER, seal=SEAL).ok
    ensure_draw(OPEN.manifest, ROSTER)


@pytest.mark.parametrize("kind", sorted(OPEN_TAMPERS))
def test_each_open_draw_tamper_gives_exactly_its_kind(kind: str) -> None:
    forged = copy.deepcopy(OPEN.manifest)
    OPEN_TAMPERS[kind](forged)
    assert set(verify_draw(forged, ROSTER).kinds()) == {kind}


@pytest.mark.parametrize("kind", sorted(SEALED_TAMPERS))
def test_each_sealed_draw_tamper_gives_exactly_its_kind(kind: str) -> None:
    forged = copy.deepcopy(SEALED.manifest)
    SEALED_TAMPERS[kind](forged)
    assert set(verify_draw(forged, ROSTER, seal=SEAL).kinds()) == {kind}


def test_a_seal_with_another_key_is_named_and_stops_the_recomputation() -> None:
    other = seal_campaign(ROSTER, SEALED_CAMPAIGN, key=b"k" * 32, history=NO_HISTORY)
    assert verify_draw(SEALED.manifest, ROSTER, seal=other).kinds() == ["sealed.key"]


def test_a_substitution_that_skips_the_next_reserve_entity() -> None:
    forged = copy.deepcopy(SWAPPED.manifest)
    forged["substitutions"][0]["added"] = "91420602000000000X"
    result = verify_draw(forged, ROSTER)
    assert result.kinds() == ["substitution.reserve"]
    assert str(result[0]).startswith("substitution 1: 91420602000000000X replaced ")


def test_a_substitution_of_an_entity_never_drawn_cannot_be_recomputed() -> None:
    forged = copy.deepcopy(SWAPPED.manifest)
    forged["substitutions"][0]["removed"] = "91420602000000000X"
    assert verify_draw(forged, ROSTER).kinds() == ["draw.not_recomputable"]


def test_a_history_other_than_the_one_the_caps_used() -> None:
    drawn = OPEN.sample["uscc"].tolist()[:3]
    history = pd.DataFrame({"uscc": drawn, "inspected_on": "2026-06-01", "kind": "triggered"})
    capped = draw_campaign(ROSTER, CAMPAIGN, data.SEED, history=history, as_of=date(2026, 11, 1))
    assert verify_draw(capped.manifest, ROSTER, history=history).ok
    older = history.assign(inspected_on="2026-06-02")  # the same caps, another history file
    assert verify_draw(capped.manifest, ROSTER, history=older).kinds() == ["draw.history_digest"]
    with pytest.raises(InputError, match="pass the inspection history"):
        verify_draw(capped.manifest, ROSTER)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "teams"}, "not a draw manifest"),
        ({"algorithm": "dualrandom-draw/0"}, "is not 'dualrandom-draw/2'; use the matching version"),
    ],
)
def test_what_cannot_be_verified_is_an_input_error(change: Manifest, message: str) -> None:
    with pytest.raises(InputError, match=message):
        verify_draw({**OPEN.manifest, **change}, ROSTER)


def test_ensure_draw_carries_the_differences() -> None:
    forged = copy.deepcopy(OPEN.manifest)
    gone = forged["sample"].pop(0)
    with pytest.raises(VerificationError) as caught:
        ensure_draw(forged, ROSTER)
    [difference] = caught.value.differences
    assert difference.kind == "sample.missing" and difference.expected == gone["uscc"]  # type: ignore[attr-defined]
    assert str(caught.value).startswith("verification failed:\n  - task 'T")


def test_every_draw_kind_has_a_tamper_case() -> None:
    covered = {*OPEN_TAMPERS, *SEALED_TAMPERS, "sealed.key", "substitution.reserve", "draw.not_recomputable"}
    covered.add("draw.history_digest")
    families = ("draw.", "count.", "sample.", "substitution.")
    mine = {k for k in KINDS if k.startswith(families)}
    sealed_in_draw = {
        "sealed.key",
        "sealed.commitment_digest",
        "sealed.commitment",
        "sealed.quota",
        "sealed.receipts",
    }
    assert mine | sealed_in_draw == covered


# --- the property: untampered always verifies, one edit never does ---------------------------

SMALL = data.roster(300, seed=11)


def _edit(manifest: Manifest, index: int, how: str) -> None:
    rows = manifest["sample"]
    row = rows[index % len(rows)]
    if how == "drop":
        rows.remove(row)
    elif how == "duplicate":
        rows.append(dict(row))
    elif how == "ticket":
        row["ticket"] = row["ticket"][:-1] + ("1" if row["ticket"][-1] != "1" else "2")
    elif how == "rank":
        row["rank"] += 1
    elif how == "tier":
        row["tier"] = "A" if row["tier"] != "A" else "D"
    elif how == "task":
        row["task_id"] = "T2" if row["task_id"] != "T2" else "T1"
    else:  # swap for an entity that was not drawn for this task
        taken = {r["uscc"] for r in rows if r["task_id"] == row["task_id"]}
        row["uscc"] = next(u for u in SMALL["uscc"] if u not in taken)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10**20).map(str),
    index=st.integers(min_value=0, max_value=10_000),
    how=st.sampled_from(["drop", "duplicate", "ticket", "rank", "tier", "task", "swap"]),
)
def test_untampered_verifies_and_one_edit_never_does(seed: str, index: int, how: str) -> None:
    drawn = draw_campaign(SMALL, CAMPAIGN, seed, history=NO_HISTORY)
    assert verify_draw(drawn.manifest, SMALL).ok
    forged = copy.deepcopy(drawn.manifest)
    _edit(forged, index, how)
    result = verify_draw(forged, SMALL)
    assert not result.ok
    assert all(kind.startswith("sample.") for kind in result.kinds()), result.lines()
