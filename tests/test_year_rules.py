"""The rules a bureau must follow (issue #14): per-task ratios, statutory minimums, no exempt
tier, key items uncapped, caps never skipped silently, and quotas that keep the design ratio."""

from __future__ import annotations

import hashlib
import math
from datetime import date
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest

from dualrandom.draw import NO_HISTORY, draw_campaign, public_manifest
from dualrandom.draw.quotas import ROUNDING_VERSION, round_up, rounded_quota
from dualrandom.errors import PolicyError
from dualrandom.models import Campaign, parse_campaign
from dualrandom.results import result_code
from dualrandom.verify import verify_draw

SEED = "73925180462217783145"


def campaign(tasks: list[dict[str, Any]], **sampling: Any) -> Campaign:
    """A campaign of one department with a general and a key item, and the given tasks."""
    rules = {"ratios": {"A": 0.01, "B": 0.02, "C": 0.05, "D": 0.1}, **sampling}
    return parse_campaign(
        {
            "plan": {"id": "P", "name": "plan", "year": 2026, "initiating_department": "SAMR"},
            "departments": [{"id": "SAMR", "name": "市场监督管理局"}],
            "items": [
                {"id": "GEN", "name": "一般事项", "department": "SAMR"},
                {"id": "KEY", "name": "重点事项", "department": "SAMR", "kind": "key"},
            ],
            "tasks": [{"name": t["id"], "departments": ["SAMR"], "items": ["GEN"], **t} for t in tasks],
            "sampling": rules,
        }
    )


def roster(n: int, tiers: str = "AAAAABBBCD", divisions: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": [f"U{i:07d}" for i in range(n)],
            "entity_type": "enterprise",
            "division": [f"42{i % divisions:04d}" for i in range(n)],
            "tier": [tiers[i % len(tiers)] for i in range(n)],
        }
    )


CITY = roster(10_000)


# -- 1. per-task ratios ----------------------------------------------------------------------


def test_a_task_draws_at_its_own_ratios_and_the_others_at_the_campaigns() -> None:
    plan = campaign([{"id": "T1"}, {"id": "T2", "ratios": {"D": 1.0, "C": 0.5}}])
    counts = draw_campaign(CITY, plan, SEED).counts.set_index(["task_id", "tier"])
    sizes = CITY["tier"].value_counts()
    assert counts.loc[("T2", "D"), "quota"] == sizes["D"]  # every D entity
    assert counts.loc[("T2", "C"), "quota"] == sizes["C"] // 2
    for tier, ratio in plan.sampling.ratios.items():
        assert abs(counts.loc[("T1", tier), "quota"] - ratio * sizes[tier]) < 1
        if tier in "AB":
            assert abs(counts.loc[("T2", tier), "quota"] - ratio * sizes[tier]) < 1


def test_per_task_ratios_are_recomputed_by_the_verifier_and_a_tampered_ratio_is_caught() -> None:
    plan = campaign([{"id": "T1"}, {"id": "T2", "ratios": {"D": 0.9}}])
    result = draw_campaign(CITY, plan, SEED)
    assert verify_draw(result.manifest, CITY).ok
    tampered = dict(result.manifest)
    policy = {**tampered["policy"], "tasks": [dict(t) for t in tampered["policy"]["tasks"]]}
    policy["tasks"][1]["filters"] = {**policy["tasks"][1]["filters"], "ratios": {"D": 0.5}}
    tampered["policy"] = policy
    assert any("T2" in line for line in verify_draw(tampered, CITY).lines())


def test_a_task_ratio_of_an_unknown_tier_or_of_zero_is_refused_when_the_campaign_is_read() -> None:
    with pytest.raises(PolicyError, match=r"task 'T1': ratios names unknown tier\(s\) \['E'\]"):
        campaign([{"id": "T1", "ratios": {"E": 0.5}}])
    with pytest.raises(PolicyError, match=r"ratio 0 for tier\(s\) \['A'\] refused; 不免抽"):
        campaign([{"id": "T1", "ratios": {"A": 0.0}}])


# -- 2. statutory minimums, key items ---------------------------------------------------------


def test_a_public_information_draw_below_3_percent_is_refused_naming_rule_and_source() -> None:
    # the bureau trial: tiers at 1/2/5/10 % over a mostly-A roster draw 2.26 % of the enterprises
    plan = campaign([{"id": "PUB", "kind": "public_information"}])
    frame = roster(10_000, tiers="A" * 10 + "B" * 6 + "C" * 2 + "D" * 2)
    design = (0.01 * 10 + 0.02 * 6 + 0.05 * 2 + 0.1 * 2) / 20
    assert 0.02 < design < 0.03
    with pytest.raises(PolicyError, match=r"below the minimum 3\.00% \[MIN_RATIO\].*SAMR Order 101"):
        draw_campaign(frame, plan, SEED)


def test_a_public_information_draw_meeting_3_percent_draws_at_least_ceil_3_percent() -> None:
    plan = campaign(
        [{"id": "PUB", "kind": "public_information"}], ratios={"A": 0.03, "B": 0.03, "C": 0.03, "D": 0.03}
    )
    for seed in ("1", "2", "3", "4", "5"):
        frame = roster(977)  # 3 % of 977 is 29.31: rounding per cell could fall short, the floor cannot
        drawn = len(draw_campaign(frame, plan, seed).sample)
        assert drawn >= math.ceil(Fraction(3, 100) * 977)


def test_an_explicit_min_ratio_names_its_source_and_an_unreachable_one_is_refused_on_reading() -> None:
    plan = campaign([{"id": "T1", "min_ratio": 0.05, "min_ratio_source": "县级年度计划 ≥5%"}])
    with pytest.raises(PolicyError, match=r"\[MIN_RATIO\] \(县级年度计划 ≥5%\)"):
        draw_campaign(CITY, plan, SEED)
    with pytest.raises(PolicyError, match=r"no tier ratio reaches the minimum 20\.00%"):
        campaign([{"id": "T1", "min_ratio": 0.2}])


def test_key_items_are_not_capped_and_general_items_are() -> None:
    plan = campaign(
        [{"id": "GENERAL"}, {"id": "KEYONLY", "items": ["KEY"]}],
        ratios={"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0},
        frequency_caps={"A": 1, "B": 1, "C": 1, "D": 1},
    )
    frame = roster(200)
    history = pd.DataFrame({"uscc": frame["uscc"][:50], "inspected_on": "2026-03-01"})
    result = draw_campaign(frame, plan, SEED, history=history, as_of=date(2026, 11, 2))
    drawn = result.sample.groupby("task_id")["uscc"].apply(set)
    assert drawn["KEYONLY"] == set(frame["uscc"])  # checked this year, still drawn for key items
    assert drawn["GENERAL"] == set(frame["uscc"][50:])
    assert [t["capped"] for t in result.manifest["policy"]["tasks"]] == [True, False]
    assert verify_draw(result.manifest, frame, history=history).ok


# -- 4. caps without history -----------------------------------------------------------------


def test_a_capped_campaign_without_history_is_refused_and_an_explicit_waiver_is_recorded() -> None:
    plan = campaign([{"id": "T1"}], frequency_caps={"A": 1})
    with pytest.raises(PolicyError, match=r"has frequency caps.*--without-history.*NO_HISTORY"):
        draw_campaign(CITY, plan, SEED)
    result = draw_campaign(CITY, plan, SEED, history=NO_HISTORY)
    assert result.manifest["frequency_caps"] == "waived"
    assert public_manifest(result.manifest)["frequency_caps"] == "waived"
    history = pd.DataFrame({"uscc": CITY["uscc"][:10], "inspected_on": "2026-03-01"})
    applied = draw_campaign(CITY, plan, SEED, history=history, as_of=date(2026, 11, 2))
    assert applied.manifest["frequency_caps"] == "applied"


def test_a_key_only_campaign_with_caps_needs_no_history() -> None:
    plan = campaign([{"id": "K", "items": ["KEY"]}], frequency_caps={"A": 1})
    assert draw_campaign(CITY, plan, SEED).manifest["frequency_caps"] == "none"


# -- 3. allocation keeps the design probability ----------------------------------------------


def test_the_rounding_coin_is_the_published_recipe() -> None:
    fraction = Fraction(37, 100)
    text = "\x1f".join((ROUNDING_VERSION, SEED, "T1", "", "A"))
    value = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    assert round_up(SEED, "T1", "", "A", fraction) == (Fraction(value, 2**256) < fraction)
    assert rounded_quota(0.01, 137, SEED, "T1", ("", "A")) == 1 + int(round_up(SEED, "T1", "", "A", fraction))
    assert rounded_quota(0.03, 100, SEED, "T1", ("", "A")) == 3  # exact: no coin
    assert not round_up(SEED, "T1", "", "A", Fraction(0))


def test_the_coin_comes_up_with_its_fraction_over_many_seeds() -> None:
    n, p = 4_000, Fraction(37, 100)
    ups = sum(round_up(str(seed), "T1", "", "A", p) for seed in range(n))
    sd = math.sqrt(n * 0.37 * 0.63)
    assert abs(ups - n * 0.37) < 4 * sd


def plan_of_small_tasks(tasks: int, rounding: str) -> tuple[Campaign, pd.DataFrame]:
    specs = [{"id": f"T{i:03d}", "divisions": [f"42{i:04d}"]} for i in range(tasks)]
    frame = roster(tasks * 60, tiers="A" * 50 + "B" * 10, divisions=tasks)
    return campaign(specs, rounding=rounding), frame


def test_ceil_inflates_tier_a_over_a_plan_of_189_small_tasks_and_random_rounding_does_not() -> None:
    ceil_plan, frame = plan_of_small_tasks(189, "ceil")
    size_a = int((frame["tier"] == "A").sum())  # 50 per task: r * N = 0.5
    ceil_drawn = draw_campaign(frame, ceil_plan, SEED).counts.query("tier == 'A'")["quota"].sum()
    assert ceil_drawn / size_a == 0.02  # the fault: tier A at 1 % drawn at 2 %
    random_plan, _ = plan_of_small_tasks(189, "random")
    counts = draw_campaign(frame, random_plan, SEED).counts
    for tier, ratio in (("A", 0.01), ("B", 0.02)):
        cells = counts[counts["tier"] == tier]
        expected = float(sum(Fraction(str(ratio)) * int(n) for n in cells["eligible"]))
        # each cell adds a Bernoulli(fraction) to its floor: variance sum f(1 - f)
        fractions = [float(Fraction(str(ratio)) * int(n) % 1) for n in cells["eligible"]]
        sd = math.sqrt(sum(f * (1 - f) for f in fractions))
        assert abs(int(cells["quota"].sum()) - expected) <= 4 * sd + 1e-9


def test_each_entity_keeps_its_design_probability_across_seeds() -> None:
    # a cell of 5 at r = 0.3: r * N = 1.5; ceil would draw each entity with probability 0.4
    plan = campaign([{"id": "T1"}], ratios={"A": 0.3, "B": 0.3, "C": 0.3, "D": 0.3})
    frame = roster(10, tiers="AB")
    runs, tier_a = 300, set(frame.loc[frame["tier"] == "A", "uscc"])
    hits = sum(len(tier_a & set(draw_campaign(frame, plan, f"s{k}").sample["uscc"])) for k in range(runs))
    trials = runs * len(tier_a)
    sd = math.sqrt(trials * 0.3 * 0.7)
    assert abs(hits - trials * 0.3) < 4 * sd


# -- 6. older result terms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("older", "current"),
    [
        ("未按规定公示年报信息", "NOT_PUBLISHED_AS_REQUIRED"),
        ("未按规定公示即时信息", "NOT_PUBLISHED_AS_REQUIRED"),
        ("查无下落", "UNREACHABLE_AT_ADDRESS"),
    ],
)
def test_older_result_terms_read_as_their_current_equivalents(older: str, current: str) -> None:
    assert result_code(older) == current


# -- the same rules on every path: sealed tickets, the Dask engine ----------------------------


RULES = [
    {"id": "PUB", "kind": "public_information", "ratios": {"A": 0.03, "B": 0.03}},
    {"id": "KEYONLY", "items": ["KEY"], "ratios": {"D": 1.0}},
]
CAPS = {"A": 1, "B": 1, "C": 2, "D": 2}


def test_a_sealed_draw_follows_the_task_rules_and_its_committed_quotas_hold() -> None:
    from dualrandom.draw.sealed import draw_sealed, seal_campaign

    plan = campaign(RULES, frequency_caps=CAPS)
    history = pd.DataFrame({"uscc": CITY["uscc"][:300], "inspected_on": "2026-03-01"})
    day = date(2026, 11, 2)
    seal = seal_campaign(CITY, plan, key=b"k" * 32, history=history, as_of=day)
    sealed = draw_sealed(CITY, plan, SEED, seal, history=history, as_of=day)
    drawn = sealed.sample.groupby("task_id").size().to_dict()
    assert drawn == {t["task_id"]: t["quota"] for t in seal.commitment["tasks"]}
    assert drawn["PUB"] >= math.ceil(0.03 * len(CITY) - 300)  # the capped leave; 3 % of the rest at least
    assert set(CITY.loc[CITY["tier"] == "D", "uscc"]) <= set(
        sealed.sample.query("task_id == 'KEYONLY'")["uscc"]
    )
    assert verify_draw(sealed.manifest, CITY, history=history, seal=seal).ok
    with pytest.raises(PolicyError, match="has frequency caps"):
        seal_campaign(CITY, plan, key=b"k" * 32)


@pytest.mark.parametrize("mode", ["fixed", "bernoulli"])
def test_the_dask_engine_draws_the_task_rules_as_the_memory_draw_does(mode: str) -> None:
    pytest.importorskip("distributed")
    from dualrandom.engines.dask import draw_dask

    plan = campaign(RULES, frequency_caps=CAPS, mode=mode)
    history = pd.DataFrame({"uscc": CITY["uscc"][:300], "inspected_on": "2026-03-01"})
    day = date(2026, 11, 2)
    expected = draw_campaign(CITY, plan, SEED, history=history, as_of=day)
    got = draw_dask(CITY, plan, SEED, history=history, as_of=day, scheduler="threads")
    pd.testing.assert_frame_equal(got.sample, expected.sample)
    pd.testing.assert_frame_equal(got.counts, expected.counts)
    assert got.manifest == expected.manifest
    waived = draw_dask(CITY, plan, SEED, history=NO_HISTORY, scheduler="threads")
    assert waived.manifest == draw_campaign(CITY, plan, SEED, history=NO_HISTORY).manifest


# -- 6. sampling units without a credit code, quotas in sampling batches ----------------------


def stalls(n: int, division: str = "420602") -> pd.DataFrame:
    """Market stalls and small farmers: no credit code, a stable unit id instead."""
    return pd.DataFrame(
        {
            "uscc": [f"U{division}-{i:04d}" for i in range(n)],
            "name": [f"摊位{i}" for i in range(n)],
            "entity_type": "individual",
            "division": division,
            "industry": "F52",
            "registered_on": "2020-01-01",
            "tier": "B",
        }
    )


def test_stalls_without_a_credit_code_are_checked_drawn_and_their_results_accepted() -> None:
    from dualrandom.io.rosters import validate_roster
    from dualrandom.results import import_results

    frame = stalls(40)
    assert not validate_roster(frame.drop(columns="tier"), "entities").errors
    plan = campaign([{"id": "FARM"}], ratios={"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1})
    drawn = draw_campaign(frame, plan, SEED).sample
    assert len(drawn) == 4
    results = pd.DataFrame(
        {
            "uscc": drawn["uscc"].str.lower(),  # typed in lower case by the clerk: normalised
            "task_id": "FARM",
            "department": "SAMR",
            "completed_on": "2026-11-20",
            "result": ["未发现问题", "查无下落", "未按规定公示年报信息", "未发现问题"],
        }
    )
    imported = import_results(results, plan, drawn)
    assert imported["result_code"].tolist() == [
        "NO_PROBLEM",
        "UNREACHABLE_AT_ADDRESS",
        "NOT_PUBLISHED_AS_REQUIRED",
        "NO_PROBLEM",
    ]
    assert (
        imported["result"].tolist()[1] == "通过登记的住所（经营场所）无法联系"
    )  # published in today's words


def test_a_malformed_unit_id_is_still_refused() -> None:
    from dualrandom.ids import validate_ids

    check = validate_ids(["U42060-1", "U420602-", "U420602-0001", "V420602-0001"])
    assert check.rule.astype(object).where(check.rule.notna(), None).tolist() == [
        "ID_LENGTH",
        "ID_LENGTH",
        None,
        "ID_LENGTH",
    ]
    assert "unit id U<6-digit division>-<serial>" in check.message(0)


def per_capita_plan(**rules: Any) -> Campaign:
    return campaign(
        [{"id": "FOOD"}, {"id": "FARM", "per_capita": 1.0}],
        strata="division",
        allocation="per_capita",
        per_capita=4.0,
        **rules,
    )


def test_per_capita_counts_sampling_batches_with_a_least_number_per_division() -> None:
    # Xianning: at least 4 batches per 1,000 residents, at least 1 of farm produce
    frame = pd.concat([stalls(300, "420602"), stalls(300, "420606")], ignore_index=True)
    residents = {"420602": 2_500, "420606": 250}
    plan = per_capita_plan(per_capita_unit="sampling_batches", batches_per_entity=2, per_capita_min=3)
    quotas = draw_campaign(frame, plan, SEED, residents=residents).counts.groupby(["task_id", "stratum"])[
        "quota"
    ]
    # FOOD: 10 batches -> 5 stalls; 1 batch, raised to the least 3 -> 2 stalls
    # FARM: 2.5 -> 3 batches -> 2 stalls; 0.25 -> 1, raised to 3 -> 2 stalls
    assert quotas.sum().to_dict() == {
        ("FARM", "420602"): 2,
        ("FARM", "420606"): 2,
        ("FOOD", "420602"): 5,
        ("FOOD", "420606"): 2,
    }
    entities = draw_campaign(frame, per_capita_plan(), SEED, residents=residents).counts
    assert entities.groupby(["task_id", "stratum"])["quota"].sum().to_dict()[("FOOD", "420602")] == 10


def test_batch_counting_needs_the_per_capita_allocation() -> None:
    with pytest.raises(PolicyError, match="go with allocation 'per_capita'"):
        campaign([{"id": "T1"}], per_capita_unit="sampling_batches")
    with pytest.raises(PolicyError, match="task 'T1': per_capita needs"):
        campaign([{"id": "T1", "per_capita": 1.0}])


def test_the_fairness_toolkit_expects_the_design_ratio_under_random_rounding() -> None:
    from dualrandom.fairness.inclusion import design_probabilities

    plan = campaign(
        [{"id": "T1"}, {"id": "T2", "ratios": {"A": 0.5}}], ratios={"A": 0.3, "B": 0.3, "C": 0.3, "D": 0.3}
    )
    frame = roster(10, tiers="AB")  # five per tier: r * N = 1.5, never a whole quota
    design = design_probabilities(frame, plan.sampling, plan.tasks)
    by = design.groupby(["task_id", "tier"])["design"].unique().map(list).to_dict()
    assert by == {("T1", "A"): [0.3], ("T1", "B"): [0.3], ("T2", "A"): [0.5], ("T2", "B"): [0.3]}
