"""Results feed the next cycle: history rows, credit records, and the loop over two campaigns."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dualrandom.assign import assign_teams
from dualrandom.classify import classify, load_policy, parse_policy
from dualrandom.draw import draw_campaign
from dualrandom.draw.frame import recent_checks
from dualrandom.errors import InputError
from dualrandom.feedback import credit_records, feed_back, history_rows, merge_rows, update_feedback
from dualrandom.ids import check_character
from dualrandom.models import parse_campaign
from dualrandom.results import import_results
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit
from dualrandom.visits import visit_id

POLICY = load_policy(Path(str(files("dualrandom") / "data" / "policy.toml")))
CAPS = {"A": 1, "B": 1, "C": 1, "D": 2}
FIRST, SECOND = date(2026, 11, 1), date(2026, 12, 1)


def campaign_data(plan_id: str) -> dict[str, Any]:
    """A one-department campaign over every entity, with caps and the rotation rule."""
    return {
        "plan": {"id": plan_id, "name": "信用风险分类抽查", "year": 2026, "initiating_department": "SAMR",
                 "authority": "某市市场监督管理局"},
        "departments": [{"id": "SAMR", "name": "市场监督管理局"}],
        "items": [{"id": "PUB-INFO", "name": "企业公示信息情况检查", "department": "SAMR"}],
        "tasks": [{"id": "T1", "name": "企业公示信息抽查", "departments": ["SAMR"], "items": ["PUB-INFO"]}],
        "sampling": {"tiers": ["A", "B", "C", "D"], "mode": "fixed", "reserve": 0,
                     "ratios": {"A": 0.02, "B": 0.04, "C": 0.3, "D": 0.9}, "frequency_caps": CAPS},
        "teams": {"min_officers": 2, "local_recusal": False, "rotation_campaigns": 1, "mode": "fast"},
        "publication": {"working_days": 20},
    }  # fmt: skip


def code(number: int) -> str:
    body = f"91420602MA{number:07d}"
    return body + check_character(body)


def results_for(sample: pd.DataFrame, start: date) -> pd.DataFrame:
    """One result per drawn check: a problem for about a third (by a hash of the code), else none."""
    terms = ["发现问题经责令已改正", "通过登记的住所（经营场所）无法联系", "未发现问题"] + ["未发现问题"] * 6
    pick = [int(hashlib.sha256(u.encode()).hexdigest(), 16) % len(terms) for u in sample["uscc"]]
    return pd.DataFrame(
        {
            "uscc": sample["uscc"],
            "task_id": sample["task_id"],
            "department": "SAMR",
            "completed_on": [(start + timedelta(days=p)).isoformat() for p in pick],
            "result": [terms[p] for p in pick],
        }
    )


@pytest.fixture(scope="module")
def loop() -> dict[str, Any]:
    """Two cycles: classify, draw, assign, results, feedback; then classify and draw again."""
    city = synth_city(3000, seed="feedback-loop", n_inspectors=120, as_of=FIRST)
    inspectors = city.inspectors[city.inspectors["department"] == "SAMR"]
    credit = synth_credit(city.entities, as_of=FIRST, seed="feedback-loop")
    first_campaign = parse_campaign(campaign_data("LOOP-2026-11"))
    snapshot = classify(city.entities, credit, POLICY, as_of=FIRST)
    roster = snapshot.tiered_roster(city.entities)
    draw = draw_campaign(roster, first_campaign, "11111", as_of=FIRST, history=city.history.iloc[:0])
    teams = assign_teams(draw.sample, inspectors, None, first_campaign, "22222").teams
    results = import_results(results_for(draw.sample, FIRST + timedelta(days=3)), first_campaign, draw.sample)
    fed = feed_back(results, teams, first_campaign, POLICY, history=None, records=credit)
    second_campaign = parse_campaign(campaign_data("LOOP-2026-12"))
    history = fed.history
    after = classify(city.entities, fed.records, POLICY, as_of=SECOND, history=history)
    control = classify(city.entities, credit, POLICY, as_of=SECOND)
    second_roster = after.tiered_roster(city.entities)
    second_draw = draw_campaign(second_roster, second_campaign, "33333", as_of=SECOND, history=history)
    second_teams = assign_teams(
        second_draw.sample, inspectors, None, second_campaign, "44444", history=history
    ).teams
    return dict(locals())


def test_one_history_row_per_visit_lists_every_officer(loop: dict[str, Any]) -> None:
    history, teams, results = loop["fed"].history, loop["teams"], loop["results"]
    assert len(history) == len(results) == len(loop["draw"].sample)
    assert not history.duplicated(["uscc", "campaign_id", "task_id"]).any()
    officers = teams.groupby("uscc")["inspector_id"].agg(lambda s: ";".join(sorted(s)))
    assert history.set_index("uscc")["officers"].to_dict() == officers.to_dict()
    assert (history["officers"].str.count(";") == 1).all()  # two officers each (min_officers = 2)
    dates = results.groupby("uscc")["completed_on"].max().dt.strftime("%Y-%m-%d")
    assert history.set_index("uscc")["inspected_on"].to_dict() == dates.to_dict()
    assert set(history["kind"]) == {"random"} and set(history["campaign_id"]) == {"LOOP-2026-11"}


def test_problems_become_records_as_the_policy_maps_them(loop: dict[str, Any]) -> None:
    results, fed, credit = loop["results"], loop["fed"], loop["credit"]
    added = fed.records.iloc[len(credit) :]
    assert fed.records_added == len(added) and fed.records_present == 0
    corrected = set(results.loc[results["result_code"] == "PROBLEM_CORRECTED_AFTER_ORDER", "uscc"])
    unreachable = set(results.loc[results["result_code"] == "UNREACHABLE_AT_ADDRESS", "uscc"])
    assert corrected and unreachable
    by_kind = added.groupby("kind")["uscc"].agg(set).to_dict()
    assert by_kind == {"inspection_problem": corrected | unreachable, "unreachable_address": unreachable}
    visits = fed.history.set_index("uscc")["inspected_on"]
    assert (added["start_on"].to_numpy() == visits.reindex(added["uscc"]).to_numpy()).all()
    assert (added[["end_on", "repaired_on"]] == "").all().all() and set(added["severity"]) == {"1"}


def test_entities_with_problems_move_up_and_clean_ones_earn_their_visit(loop: dict[str, Any]) -> None:
    after = loop["after"].table.set_index("uscc")
    control = loop["control"].table.set_index("uscc")  # same day, without the first campaign's results
    results = loop["results"].set_index("uscc")["result_code"]
    tiers = list(POLICY.tiers.names)
    rise = after["score"] - control["score"]
    moved = after["tier"].astype(str).map(tiers.index) - control["tier"].astype(str).map(tiers.index)
    problems = results.index[results != "NO_PROBLEM"]
    clean = results.index[results == "NO_PROBLEM"]
    found = after["v_inspection_problem"] - control["v_inspection_problem"]
    assert (found[problems] == 1).all() and (found.drop(problems) == 0).all()
    assert (rise[problems] >= 0).all()
    # a first inspection_problem record adds 250 * log1p(1) / log1p(3) = 125 points (below the cap)
    first = problems[
        (control.loc[problems, "v_inspection_problem"] == 0) & (control.loc[problems, "score"] < 875)
    ]
    assert len(first) > 10 and (rise[first] >= 125.0 - 0.01).all()
    assert (moved[problems] >= 0).all()
    below_top = problems[control.loc[problems, "tier"].astype(str) != tiers[-1]]
    assert (moved[below_top] > 0).mean() > 0.5, (moved[below_top] > 0).mean()
    unreachable = results.index[results == "UNREACHABLE_AT_ADDRESS"]
    assert (
        after.loc[unreachable, "tier"].astype(str).map(tiers.index) >= tiers.index("C")
    ).all()  # the override
    # a clean visit is one clean inspection: -60 * 1/3 = -20 points (scores stay within [0, 1000])
    assert (after.loc[clean, "v_clean_inspections"] == 1).all()
    inside = clean[control.loc[clean, "score"].between(20.0, 980.0)]  # not clipped at 0 or 1000
    assert len(inside) > 100 and rise[inside].round(2).eq(-20.0).all()
    assert rise[clean].between(-20.0 - 1e-9, 0.0).all()
    untouched = after.index.difference(results.index)
    assert (rise[untouched] == 0).all() and (moved[untouched] == 0).all()


def test_the_next_draw_counts_each_visit_once_against_the_caps(loop: dict[str, Any]) -> None:
    history, sample = loop["history"], loop["second_draw"].sample
    checks = recent_checks(history, SECOND)
    assert checks.max() == 1  # one row per visit, however many officers went
    tier = loop["second_roster"].set_index("uscc")["tier"]
    drawn_before = checks.reindex(sample["uscc"]).fillna(0).to_numpy()
    caps = sample["uscc"].map(tier).map(CAPS).to_numpy()
    assert (drawn_before < caps).all()  # nobody drawn at or over its cap
    visited = set(checks.index)
    again = sample[sample["uscc"].isin(visited)]
    assert len(again) > 0 and set(again["uscc"].map(tier)) == {"D"}  # only D (cap 2) comes back


def test_rotation_keeps_last_campaigns_officers_away(loop: dict[str, Any]) -> None:
    first = set(zip(loop["teams"]["inspector_id"], loop["teams"]["uscc"], strict=True))
    second = set(zip(loop["second_teams"]["inspector_id"], loop["second_teams"]["uscc"], strict=True))
    assert not first & second
    revisited = {u for _, u in second} & {u for _, u in first}
    assert revisited  # the rule had something to do
    # control: the same draw assigned without the history sends some officer back
    blind = assign_teams(
        loop["second_draw"].sample, loop["inspectors"], None, loop["second_campaign"], "44444"
    )
    assert first & set(zip(blind.teams["inspector_id"], blind.teams["uscc"], strict=True))


def test_feedback_twice_adds_nothing_and_keeps_hand_edits(tmp_path: Path, loop: dict[str, Any]) -> None:
    raw = results_for(loop["draw"].sample, FIRST + timedelta(days=3))
    args = (raw, loop["first_campaign"], loop["draw"].sample, loop["teams"], POLICY)
    paths = {"history_path": tmp_path / "history.csv", "records_path": tmp_path / "records.csv"}
    first = update_feedback(*args, **paths)
    assert first.history_added == len(loop["draw"].sample) and first.history_present == 0
    records = pd.read_csv(paths["records_path"], dtype=str, keep_default_na=False)
    records.loc[0, "repaired_on"] = "2026-11-20"  # credit repair entered by hand
    records.to_csv(paths["records_path"], index=False)
    before = {name: path.read_bytes() for name, path in paths.items() if name == "history_path"}
    second = update_feedback(*args, **paths)
    assert (second.history_added, second.records_added) == (0, 0)
    assert (second.history_present, second.records_present) == (first.history_added, first.records_added)
    assert paths["history_path"].read_bytes() == before["history_path"]
    kept = pd.read_csv(paths["records_path"], dtype=str, keep_default_na=False)
    assert len(kept) == first.records_added and kept.loc[0, "repaired_on"] == "2026-11-20"


def test_a_chinese_history_export_keeps_every_row(loop: dict[str, Any], tmp_path: Path) -> None:
    raw = results_for(loop["draw"].sample, FIRST + timedelta(days=3))
    codes = loop["draw"].sample["uscc"].tolist()[:3]
    exported = pd.DataFrame(
        {"统一社会信用代码": codes, "检查日期": ["2025/11/01"] * 3, "检查类型": ["双随机"] * 3}
    )
    history = tmp_path / "检查记录.csv"
    exported.to_csv(history, index=False, encoding="gb18030")
    args = (raw, loop["first_campaign"], loop["draw"].sample, loop["teams"], POLICY)
    done = update_feedback(*args, history_path=history, records_path=tmp_path / "records.csv")
    kept = pd.read_csv(history, dtype=str, keep_default_na=False)
    assert len(kept) == 3 + done.history_added
    assert kept["uscc"].tolist()[:3] == codes and kept["inspected_on"].tolist()[:3] == ["2025/11/01"] * 3
    assert "统一社会信用代码" not in kept.columns  # written back under the schema's names


def test_a_damaged_history_file_is_refused_and_left_as_it_was(loop: dict[str, Any], tmp_path: Path) -> None:
    raw = results_for(loop["draw"].sample, FIRST + timedelta(days=3))
    codes = loop["draw"].sample["uscc"].tolist()[:3]
    history = tmp_path / "history.csv"
    pd.DataFrame({"uscc": codes, "inspected_on": ["2025-11-01", "2025-13-01", "2025-11-03"]}).to_csv(
        history, index=False
    )
    before = history.read_bytes()
    args = (raw, loop["first_campaign"], loop["draw"].sample, loop["teams"], POLICY)
    with pytest.raises(InputError) as caught:
        update_feedback(*args, history_path=history, records_path=tmp_path / "records.csv")
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "inspected_on", "2025-13-01")
    assert history.read_bytes() == before and not (tmp_path / "records.csv").exists()


def test_teams_of_another_draw_are_refused(loop: dict[str, Any]) -> None:
    other = loop["second_teams"]
    with pytest.raises(InputError) as caught:
        history_rows(loop["results"], other, loop["first_campaign"], teams_source="teams.csv")
    assert {p.rule for p in caught.value.problems} == {"TEAM_MISSING"}
    assert all(p.source == "teams.csv" for p in caught.value.problems)
    with pytest.raises(InputError, match="COLUMN_MISSING"):
        history_rows(loop["results"], other.drop(columns="inspector_id"), loop["first_campaign"])


def test_a_joint_check_is_one_visit_dated_by_its_last_department() -> None:
    campaign = parse_campaign(
        campaign_data("JOINT")
        | {
            "departments": [{"id": "SAMR", "name": "市场监督管理局"}, {"id": "FOOD", "name": "食品科"}],
            "tasks": [
                {"id": "T1", "name": "联合检查", "departments": ["SAMR", "FOOD"], "items": ["PUB-INFO"]}
            ],
        }
    )
    sample = pd.DataFrame({"uscc": [code(1)], "task_id": ["T1"], "tier": ["B"]})
    raw = pd.DataFrame(
        {
            "uscc": [code(1)] * 3,
            "task_id": ["T1"] * 3,
            "department": ["SAMR", "FOOD", "FOOD"],
            "completed_on": ["2026-11-05", "2026-11-09", "2026-11-09"],
            "result": ["未发现问题", "违反食品药品管理相关规定", "公示信息隐瞒真实情况弄虚作假"],
        }
    )
    results = import_results(raw, campaign, sample)
    teams = pd.DataFrame({"uscc": [code(1)] * 3, "task_id": ["T1"] * 3, "inspector_id": ["S2", "F1", "S1"]})
    visit = history_rows(results, teams, campaign)
    assert visit.to_dict("records") == [
        {"uscc": code(1), "inspected_on": "2026-11-09", "campaign_id": "JOINT", "task_id": "T1",
         "department": "FOOD;SAMR", "kind": "random", "inspector_id": "", "officers": "F1;S1;S2",
         "visit": visit_id("JOINT", None, code(1))}
    ]  # fmt: skip  (the visit id: the plan's record of this visit is not counted again)
    policy = parse_policy(
        POLICY.model_dump()
        | {
            "record_kinds": {"food_violation": {"period": 24}},
            "results": {"VIOLATION_FOOD_DRUG": ["food_violation"]},
        }
    )
    made = credit_records(results, policy, campaign)
    assert made[["kind", "severity", "result_code"]].values.tolist() == [
        ["inspection_problem", "2", "FALSE_PUBLICATION"],
        ["food_violation", "1", "VIOLATION_FOOD_DRUG"],
    ]
    assert set(made["start_on"]) == {"2026-11-09"}
    entity = pd.DataFrame({"uscc": [code(1)], "registered_on": ["2010-01-01"], "industry": ["F52"]})
    assert classify(entity, made, policy, as_of=SECOND).table.loc[0, "v_inspection_problem"] == 2.0


def test_merge_rows_matches_keys_across_spellings() -> None:
    existing = pd.DataFrame(
        {"uscc": [code(1).lower() + " "], "inspected_on": ["2026-01-01"], "inspector_id": ["X"]}
    )
    new = pd.DataFrame(
        {
            "uscc": [code(1), code(2)],
            "inspected_on": ["2026-11-09"] * 2,
            "campaign_id": ["C"] * 2,
            "task_id": ["T"] * 2,
        }
    )
    merged, added, present = merge_rows(existing, new, ("uscc", "campaign_id", "task_id"))
    assert (added, present) == (2, 0)  # the old row has no campaign: another visit
    again, added, present = merge_rows(merged, new, ("uscc", "campaign_id", "task_id"))
    assert (added, present, len(again)) == (0, 2, 3)
    assert list(again.columns) == ["uscc", "inspected_on", "inspector_id", "campaign_id", "task_id"]
    assert again.loc[1:, "inspector_id"].tolist() == ["", ""]
