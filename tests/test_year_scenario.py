"""Issue #14, "Done when": a bureau's year with the library, checked against a hand count.

A 31-department joint plan of three batches over a synthetic city: classify, commit once, draw
each batch under its own seed, staff one joint team per visit, record the early-warning list in
bulk (a batch of triggered checks with its own teams, results and publication), import the
results, feed them back into the history and the credit records, and classify again. Then:
no random draw takes an entity over its cap, every entity drawn by several tasks of a batch is
one visit, results move tiers, a public-information task below 3 % is refused, and the annual
report's figures equal a count made by hand from the files and the ledger.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dualrandom.classify import classify, load_policy
from dualrandom.errors import PolicyError
from dualrandom.feedback import feed_back
from dualrandom.ledger import Ledger
from dualrandom.models import Campaign, parse_campaign
from dualrandom.protocol import CampaignProtocol, verify_against_ledger
from dualrandom.protocol.triggered import triggered_checks
from dualrandom.report import annual_report
from dualrandom.results import PROBLEM_CODES
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit
from dualrandom.synth.results import synth_results
from dualrandom.visits import verify_visit_teams, visit_id

POLICY = load_policy(Path(str(files("dualrandom") / "data" / "policy.toml")))
START, NEXT = date(2027, 1, 1), date(2027, 12, 1)
BATCHES = {"B1": date(2027, 3, 1), "B2": date(2027, 6, 1), "B3": date(2027, 9, 1)}
CAPS = {"A": 1, "B": 1, "C": 2, "D": 4}
ORDER = ["A", "B", "C", "D"]


def year_plan(departments: list[str], *, public: dict[str, float] | None = None) -> dict[str, Any]:
    """31 departments: T1 (public information, SAMR) in every batch, six joint tasks of five each."""
    others = [d for d in departments if d != "SAMR"]
    tasks: list[dict[str, Any]] = [
        {
            "id": "T1",
            "name": "企业公示信息抽查",
            "departments": ["SAMR"],
            "items": ["I-SAMR"],
            "kind": "public_information",
            "entity_types": ["enterprise"],
            "ratios": public or {"A": 0.03, "B": 0.04},
        },
    ]
    for n in range(6):
        group = others[5 * n : 5 * n + 5]
        tasks.append(
            {
                "id": f"T{n + 2}",
                "name": f"部门联合检查{n + 2}",
                "departments": group,
                "items": [f"I-{d}" for d in group],
                "batch": f"B{n // 2 + 1}",
            }
        )
    return {
        "plan": {
            "id": "XY-2027",
            "name": "襄阳市2027年度部门联合双随机抽查计划",
            "year": 2027,
            "initiating_department": "SAMR",
            "participating_departments": others,
            "authority": "襄阳市市场监督管理局",
            "batches": [{"id": b, "drawn_on": day} for b, day in BATCHES.items()],
        },
        "departments": [{"id": d, "name": f"部门{d}"} for d in departments],
        "items": [{"id": f"I-{d}", "name": f"{d}检查事项", "department": d} for d in departments],
        "tasks": tasks,
        "sampling": {
            "tiers": ORDER,
            "mode": "fixed",
            "reserve": 0,
            "ratios": {"A": 0.02, "B": 0.04, "C": 0.15, "D": 0.4},
            "frequency_caps": CAPS,
        },
        "teams": {"min_officers": 2, "local_recusal": False, "rotation_campaigns": 0, "mode": "fast"},
        "publication": {"working_days": 20, "disclosure": "open"},
    }


def warnings_list(roster: pd.DataFrame, drawn: set[str]) -> pd.DataFrame:
    """The early-warning list: 60 tier-C/D enterprises, none drawn in B1."""
    risky = roster[roster["tier"].isin(["C", "D"]) & ~roster["uscc"].isin(drawn)]
    return risky.head(60)[["uscc"]].assign(reason="风险预警", inspected_on="2027-04-10")


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The year, run once: every batch and the triggered checks, fed back, then classified again."""
    folder = tmp_path_factory.mktemp("year")
    city = synth_city(3_000, seed="year-scenario", n_departments=31, n_inspectors=500, as_of=START)
    credit = synth_credit(city.entities, as_of=START, seed="year-scenario")
    before = classify(city.entities, credit, POLICY, as_of=START, history=city.history)
    roster = before.tiered_roster(city.entities)
    plan = parse_campaign(year_plan(city.departments["id"].tolist()))
    history, records = city.history.astype("string"), credit
    done: dict[str, dict[str, Any]] = {}
    with Ledger.open(folder / "year.ledger") as ledger:
        CampaignProtocol(plan, ledger).commit(roster)
        for batch in ("B1", "W1", "B2", "B3"):
            step = CampaignProtocol(plan, ledger, batch=batch)
            if batch == "W1":
                drawn = set(done["B1"]["sample"]["uscc"])
                checks = triggered_checks(warnings_list(roster, drawn), step.campaign, task_id="T1")
                sample = step.trigger_many(checks, task_id="T1").value.assign(
                    tier=lambda t: t["uscc"].map(roster.set_index("uscc")["tier"])
                )
                start = date(2027, 4, 10)
            else:
                draw = step.draw(roster, f"seed-{batch}", history=history, output=folder / f"{batch}.csv")
                sample, start = draw.value.sample, BATCHES[batch] + timedelta(days=3)
            teams = step.assign(sample, city.inspectors, city.conflicts, f"teams-{batch}").value
            raw = synth_results(sample, seed=batch, start=start)
            results = step.import_results(raw, sample, as_of=start + timedelta(days=60)).value
            bundle = folder / f"bundle-{batch}"
            step.publish(
                sample,
                raw,
                roster,
                bundle,
                published_on=start + timedelta(days=20),
                draw_manifest=draw.value.manifest if batch != "W1" else None,
                teams=teams.teams,
                inspectors=city.inspectors,
            )
            fed = feed_back(results, teams.teams, plan, POLICY, history=history, records=records, batch=batch)
            history, records = fed.history, fed.records
            done[batch] = {
                "sample": sample,
                "teams": teams,
                "results": results,
                "raw": raw,
                "fed": fed,
                "bundle": bundle,
                "anchor": verify_against_ledger(bundle, ledger),
            }
        report = annual_report(ledger, 2027)
        ledger_records = ledger.records()
    after = classify(city.entities, records, POLICY, as_of=NEXT, history=history)
    return dict(locals())


def prior_visits(year: dict[str, Any], batch: str) -> Counter[str]:
    """Visits per entity in the 365 days before ``batch``'s draw, counted by hand from the files."""
    day = BATCHES[batch]
    window = pd.Timestamp(day - timedelta(days=365))
    past = year["city"].history
    dates = pd.to_datetime(past["inspected_on"])
    inside = past[(dates >= window) & (dates < pd.Timestamp(day))]
    visits = set(zip(inside["uscc"], inside["inspected_on"], inside["campaign_id"], strict=True))
    counted = Counter(code for code, _, _ in visits)
    for earlier in ("B1", "W1", "B2", "B3"):
        when = date(2027, 4, 10) if earlier == "W1" else BATCHES[earlier]
        if when < day:
            counted.update(set(year["done"][earlier]["sample"]["uscc"]))
    return counted


def test_no_random_draw_takes_an_entity_over_its_cap(year: dict[str, Any]) -> None:
    tiers = year["roster"].set_index("uscc")["tier"]
    for batch in ("B1", "B2", "B3"):
        drawn = year["done"][batch]["sample"]["uscc"].drop_duplicates()
        before = prior_visits(year, batch)
        over = [code for code in drawn if before[code] + 1 > CAPS[tiers[code]]]
        assert not over, f"{batch}: {len(over)} entities over their cap, e.g. {over[:3]}"
    again = set(year["done"]["B1"]["sample"]["uscc"]) & set(year["done"]["B3"]["sample"]["uscc"])
    assert again and {tiers[c] for c in again} <= {"C", "D"}  # only tiers with a cap above 1 come back


def test_every_multi_task_entity_is_one_visit(year: dict[str, Any]) -> None:
    joint_total = 0
    for batch in ("B1", "B2", "B3"):
        run = year["done"][batch]
        sample, teams = run["sample"], run["teams"]
        tasks = sample.groupby("uscc")["task_id"].nunique()
        several = tasks[tasks > 1].index
        joint_total += len(several)
        assert (sample.groupby("uscc")["visit"].nunique() == 1).all()
        expected = {c: visit_id("XY-2027", batch, c) for c in sample["uscc"]}
        assert teams.teams.groupby("uscc")["visit"].agg(set).map(len).eq(1).all()
        assert dict(zip(teams.teams["uscc"], teams.teams["visit"], strict=True)) == expected
        assert teams.manifest["visits"]["count"] == sample["uscc"].nunique()
        assert teams.manifest["visits"]["joint"] == len(several)
        for _, rows in teams.teams[teams.teams["uscc"].isin(several)].groupby("uscc"):
            members = rows.groupby("task_id")["inspector_id"].agg(frozenset)
            assert frozenset().union(*members) == frozenset(rows["inspector_id"])  # one team, every task
        checked = verify_visit_teams(
            teams.teams,
            sample,
            year["city"].inspectors,
            year["city"].conflicts,
            year["plan"],
            batch=batch,
            seed=f"teams-{batch}",
        )
        assert checked.ok, checked.differences[:3]
        history = run["fed"].history
        fed = history[history["campaign_id"] == f"XY-2027/{batch}"]
        assert fed.groupby("uscc")["visit"].nunique().eq(1).all()  # fed back: one visit per entity
    assert joint_total > 0  # T1 and a joint task drew the same entities


def test_results_move_tiers(year: dict[str, Any]) -> None:
    before = year["roster"].set_index("uscc")["tier"].map(ORDER.index)
    after = year["after"].tiered_roster(year["city"].entities).set_index("uscc")["tier"].map(ORDER.index)
    results = pd.concat([r["results"] for r in year["done"].values()])
    refused = set(results.loc[results["result_code"] == "REFUSED_COOPERATION_SERIOUS", "uscc"])
    assert refused and all(after[c] >= ORDER.index("C") for c in refused)  # the policy's override
    problems = set(results.loc[results["result_code"].isin(PROBLEM_CODES), "uscc"])
    raised = [c for c in problems if after[c] > before[c]]
    assert len(raised) >= len(problems) // 4, (len(raised), len(problems))
    fed = year["done"]["B3"]["fed"]
    assert fed.records_added > 0 and (fed.records["campaign_id"] == "XY-2027/B3").sum() == fed.records_added


def test_the_statutory_minimum_is_refused(year: dict[str, Any]) -> None:
    departments = year["city"].departments["id"].tolist()
    with pytest.raises(PolicyError, match=r"MIN_RATIO.*Order 101"):  # every tier below 3 %: the file
        parse_campaign(year_plan(departments, public=dict.fromkeys(ORDER, 0.02)))
    low = parse_campaign(year_plan(departments, public={"A": 0.01, "B": 0.01, "C": 0.03, "D": 0.05}))
    with pytest.raises(PolicyError, match=r"MIN_RATIO.*Order 101"):  # below 3 % of the frame: the draw
        CampaignProtocol(low, None, batch="B1").draw(year["roster"], "seed-B1", history=year["city"].history)


def test_triggered_checks_are_published_as_triggered(year: dict[str, Any]) -> None:
    w1 = year["done"]["W1"]
    assert w1["anchor"].ok, w1["anchor"].differences
    notices = (w1["bundle"] / "notices.json").read_text(encoding="utf-8")
    assert "触发" in notices or "triggered" in notices
    assert not year["done"]["B1"]["anchor"].differences


def hand_count(year: dict[str, Any]) -> dict[str, Any]:
    """The report's figures counted by hand from the results imported and the plan's tasks."""
    plan: Campaign = year["plan"]
    joint = {t.id for t in plan.tasks if len(t.departments) > 1}
    rows = pd.concat(
        [r["results"].assign(campaign=f"XY-2027/{b}") for b, r in year["done"].items()], ignore_index=True
    )
    checks = rows.groupby(["campaign", "uscc", "task_id"])["result_code"].agg(set)
    per_department = rows.drop_duplicates(["campaign", "uscc", "task_id", "department"])
    drawn = [key for key in checks.index if key[0] != "XY-2027/W1"]  # W1: triggered, not random
    tasks = {(c, t) for c, _, t in drawn}
    return {
        "random_checks": len(tasks),
        "joint_checks": sum(t in joint for _, t in tasks),
        "entity_checks": len(drawn),
        "triggered_checks": len(checks) - len(drawn),
        "entities_checked": len({u for _, u, _ in checks.index}),
        "joint_entity_checks": sum(t in joint for _, _, t in drawn),
        "problems_found": sum(bool(codes & PROBLEM_CODES) for codes in checks),
        "department_checks": len(per_department),
        "departments": dict(Counter(per_department["department"])),
    }


def test_the_annual_report_equals_a_hand_count(year: dict[str, Any]) -> None:
    report, counted = year["report"], hand_count(year)
    for key in (
        "random_checks",
        "joint_checks",
        "entity_checks",
        "triggered_checks",
        "entities_checked",
        "joint_entity_checks",
        "problems_found",
    ):
        assert report[key] == counted[key], key
    assert counted["random_checks"] == 3 + 6 and counted["triggered_checks"] == 60  # T1 thrice, T2..T7 once
    assert report["publication"]["department_checks"] == counted["department_checks"]
    assert report["publication"]["unpublished"] == 0  # every batch, W1 included, was published
    assert {d["department"]: d["checks"] for d in report["departments"]} == counted["departments"]
    assert len(counted["departments"]) == 31
    drawn = [r for r in year["ledger_records"] if r.kind == "draw"]
    assert [r.campaign_id for r in drawn] == ["XY-2027/B1", "XY-2027/B2", "XY-2027/B3"]
    assert report["tier_combined_checks"] == counted["random_checks"]  # every task: ratios by tier
    assert report["tier_combined_unknown"] == 0
