"""Campaign draws: task filters, frequency caps, strata allocation, coordination, verification."""

from __future__ import annotations

import hashlib
import math
from datetime import date
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from dualrandom.draw import NO_HISTORY, draw_campaign, draw_sample, next_start, roster_digest, substitute
from dualrandom.errors import DrawError, InputError, PolicyError
from dualrandom.models import Coordination, load_campaign, parse_campaign
from dualrandom.verify import verify_draw

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "campaign.toml"


def reference_ticket(seed: str, entity_id: str) -> str:
    inner = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return "0." + str(int(hashlib.sha256((inner + entity_id).encode()).hexdigest(), 16)).zfill(64)[::-1]


def reference_quota(ratio: float, size: int, seed: str, task_id: str, tier: str) -> int:
    """floor(r * N), plus one when SHA-256 of the rounding label falls below the fraction."""
    exact = Fraction(str(ratio)) * size
    text = "\x1f".join(("dualrandom-round/1", seed, task_id, "", tier))
    coin = Fraction(int(hashlib.sha256(text.encode()).hexdigest(), 16), 2**256)
    return math.floor(exact) + int(coin < exact - math.floor(exact))


def city(n: int = 2000) -> pd.DataFrame:
    """A deterministic little city: types, industries, divisions and tiers cycle with the row."""
    types = ["enterprise", "individual", "cooperative", "enterprise"]
    industries = ["F52", "F51", "C13", "F52", "I65"]
    divisions = ["420602", "420606", "420607"]
    tiers = ["A"] * 5 + ["B"] * 3 + ["C"] + ["D"]
    return pd.DataFrame(
        {
            "uscc": [f"U{i:06d}" for i in range(n)],
            "entity_type": [types[i % 4] for i in range(n)],
            "industry": [industries[i % 5] for i in range(n)],
            "division": [divisions[i % 3] for i in range(n)],
            "tier": [tiers[(i * 7) % 10] for i in range(n)],
        }
    )


CITY = city()
CAMPAIGN = load_campaign(EXAMPLE)


def test_each_task_filters_and_uses_its_own_seed() -> None:
    result = draw_campaign(CITY, CAMPAIGN, "63454660390103169462", history=NO_HISTORY)
    t1 = CITY[CITY["entity_type"].isin(["enterprise", "cooperative"])]
    t2 = CITY[CITY["industry"].str.startswith("F52")]
    for task_id, frame in (("T1", t1), ("T2", t2)):
        seed = f"63454660390103169462/{task_id}"
        mine = result.sample[result.sample["task_id"] == task_id]
        for tier, ratio in CAMPAIGN.sampling.ratios.items():
            ids = frame.loc[frame["tier"] == tier, "uscc"].tolist()
            n = reference_quota(ratio, len(ids), "63454660390103169462", task_id, tier)
            expected = sorted(ids, key=lambda i: reference_ticket(seed, i))[:n]
            assert mine.loc[mine["tier"] == tier].sort_values("rank")["uscc"].tolist() == expected
    assert set(result.sample.loc[result.sample["task_id"] == "T2", "departments"]) == {"FOOD;FIRE"}
    assert result.manifest["campaign_id"] == "XY-2026-Q4"
    assert result.manifest["roster_digest"] == roster_digest(
        CITY, ["uscc", "tier", "entity_type", "industry", "division"]
    )


def test_entities_at_their_cap_leave_the_frame_before_tickets_are_compared() -> None:
    base = draw_campaign(CITY, CAMPAIGN, "7", history=NO_HISTORY)
    drawn_a = base.sample[(base.sample["task_id"] == "T1") & (base.sample["tier"] == "A")]["uscc"].tolist()
    drawn_c = base.sample[(base.sample["task_id"] == "T1") & (base.sample["tier"] == "C")]["uscc"].tolist()
    history = pd.DataFrame(
        {
            "uscc": [drawn_a[0], drawn_c[0], drawn_c[1], drawn_c[1], drawn_a[1]],
            "inspected_on": ["2026-03-01", "2026-03-01", "2026-03-01", "2026-05-01", "2025-10-01"],
            "kind": ["triggered", "random", "random", "triggered", "random"],
        }
    )
    capped = draw_campaign(CITY, CAMPAIGN, "7", history=history, as_of=date(2026, 11, 1))
    t1 = capped.sample[capped.sample["task_id"] == "T1"]
    assert drawn_a[0] not in t1["uscc"].tolist()  # A: cap 1, one triggered check
    assert drawn_a[1] in t1["uscc"].tolist()  # that check is older than 365 days
    assert drawn_c[0] in t1["uscc"].tolist()  # C: cap 2, one check only
    assert drawn_c[1] not in t1["uscc"].tolist()  # two checks reach the cap
    counts = capped.counts.set_index(["task_id", "tier"])
    assert counts.loc[("T1", "A"), "capped"] == 1
    assert counts.loc[("T1", "C"), "capped"] == 1
    assert verify_draw(capped.manifest, CITY, history=history).ok
    with pytest.raises(DrawError, match="as_of"):
        draw_campaign(CITY, CAMPAIGN, "7", history=history)


def test_history_problems_are_listed_together() -> None:
    history = pd.DataFrame(
        {"uscc": ["U000001", ""], "inspected_on": ["soon", "2026-01-01"], "kind": ["x", "random"]}
    )
    with pytest.raises(InputError) as caught:
        draw_campaign(CITY, CAMPAIGN, "7", history=history, as_of=date(2026, 11, 1), history_source="h.csv")
    assert [(p.row, p.column, p.rule) for p in caught.value.problems] == [
        (2, "inspected_on", "DATE"),
        (2, "kind", "ENUM"),
        (3, "uscc", "ID_EMPTY"),
    ]
    assert "h.csv, row 2, column 'inspected_on': expected a date such as 2024-03-15 (value 'soon')" in str(
        caught.value
    )


def campaign_with(**sampling: object) -> object:
    data = CAMPAIGN.model_dump(mode="json")
    data["sampling"].update(sampling)
    return parse_campaign(data)


def test_fixed_allocation_over_divisions() -> None:
    fixed = campaign_with(
        strata="division", allocation="fixed", fixed_quotas={"420602": 10, "420606": 4, "420607": 1}
    )
    result = draw_campaign(CITY, fixed, "alloc", history=NO_HISTORY)
    per = result.counts.groupby(["task_id", "stratum"])["quota"].sum()
    assert per.loc[("T1", "420602")] == 10
    assert per.loc[("T1", "420606")] == 4
    assert per.loc[("T1", "420607")] == 1
    assert verify_draw(result.manifest, CITY).ok


def test_per_capita_allocation_xianning_four_per_thousand() -> None:
    plan = campaign_with(strata="division", allocation="per_capita", per_capita=4.0)
    residents = {"420602": 2_500, "420606": 1_000, "420607": 250}
    result = draw_campaign(CITY, plan, "cap", residents=residents, history=NO_HISTORY)
    per = result.counts.groupby(["task_id", "stratum"])["quota"].sum()
    assert [per.loc[("T1", d)] for d in ("420602", "420606", "420607")] == [10, 4, 1]
    with pytest.raises(PolicyError, match="no resident count for stratum '420607'"):
        draw_campaign(CITY, plan, "cap", residents={"420602": 1, "420606": 1}, history=NO_HISTORY)


def test_coordination_positive_across_tasks_and_negative_across_cycles() -> None:
    roster = CITY[["uscc", "tier"]]
    ratios = {"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1}
    first = Coordination(permanent_seed="PRN-2026", start=0.25)
    one = draw_sample(roster, ratios, "cycle-1", mode="bernoulli", coordination=first, task_id="SAMR")
    other_department = draw_sample(
        roster, ratios, "any", mode="bernoulli", coordination=first, task_id="FOOD"
    )
    assert set(one.sample["uscc"]) == set(other_department.sample["uscc"])  # one visit, two departments
    start = next_start(0.25, 0.1, 0.1, "cycle-2 ceremony")
    assert (start - 0.35) % 1 <= 0.8  # inside the window [a + r_prev, a + 1 - r] mod 1
    two = draw_sample(
        roster,
        ratios,
        "cycle-2",
        mode="bernoulli",
        coordination=Coordination(permanent_seed="PRN-2026", start=start),
    )
    assert not set(one.sample["uscc"]) & set(two.sample["uscc"])  # nobody drawn twice in a row
    for tier in ratios:
        ids = roster.loc[roster["tier"] == tier, "uscc"]
        expected = sorted(
            i
            for i in ids
            if (Fraction(reference_ticket("PRN-2026", i)) - Fraction("0.25")) % 1 < Fraction("0.1")
        )
        assert sorted(one.sample.loc[one.sample["tier"] == tier, "uscc"]) == expected
    assert verify_draw(two.manifest, roster).ok


def test_verify_says_exactly_what_differs() -> None:
    result = substitute(
        draw_campaign(CITY, CAMPAIGN, "v", history=NO_HISTORY),
        draw_campaign(CITY, CAMPAIGN, "v", history=NO_HISTORY).sample["uscc"].iloc[0],
        "moved out",
        task_id="T1",
    )
    assert verify_draw(result.manifest, CITY).ok
    assert verify_draw(result.manifest, CITY.sample(frac=1.0, random_state=1)).ok
    tampered = dict(result.manifest)
    victim = tampered["sample"][3]
    tampered["sample"] = [r for r in tampered["sample"] if r is not victim] + [
        {**victim, "uscc": "U999999", "ticket": "0.1"}
    ]
    problems = verify_draw(tampered, CITY).lines()
    assert f"task 'T1', tier 'A': missing from the manifest: {victim['uscc']}" in problems
    assert "task 'T1', tier 'A': in the manifest but not drawn: U999999" in problems
    edited = CITY.copy()
    edited.loc[5, "tier"] = "D"
    problems = verify_draw(result.manifest, edited).lines()
    assert problems[0].startswith("roster digest: manifest ")
    assert verify_draw({**result.manifest, "seed": "w"}, CITY).kinds()[0] == "draw.seed_digest"
