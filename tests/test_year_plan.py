"""The annual plan in batches: one visit for many items, caps across the plan, triggered checks in bulk.

Reproductions of the bureau trial (issue #14): two tasks drawing one tier-B entity gave two
visits; a second batch re-drew capped entities; one history row per officer counted twice;
triggered checks were recorded one call at a time.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dualrandom.draw.frame import recent_checks
from dualrandom.errors import LedgerConflictError, LedgerMismatchError, PolicyError
from dualrandom.ledger import Ledger
from dualrandom.models import parse_campaign, read_toml
from dualrandom.protocol import CampaignProtocol, supersede
from dualrandom.protocol.triggered import triggered_checks
from dualrandom.synth import synth_city
from dualrandom.visits import plan_history, visit_id

EXAMPLE = Path(__file__).parents[1] / "examples" / "campaign.toml"
BATCHES = {"B1": date(2026, 3, 2), "B2": date(2026, 6, 1), "B3": date(2026, 9, 1)}


def year_campaign(**sampling: float) -> dict[str, object]:
    """The example joint campaign as an annual plan of three batches, open tickets, large ratios."""
    data = read_toml(EXAMPLE, "campaign")
    data["plan"]["batches"] = [{"id": b, "drawn_on": day} for b, day in BATCHES.items()]
    data["sampling"]["ratios"] = {"A": 0.2, "B": 0.3, "C": 0.5, "D": 1.0, **sampling}
    data["publication"]["disclosure"] = "open"
    return data


@pytest.fixture(scope="module")
def city() -> object:
    return synth_city(3_000, seed="year-plan", n_inspectors=240, n_departments=5)


@pytest.fixture(scope="module")
def roster(city: object) -> pd.DataFrame:
    entities = city.entities  # type: ignore[attr-defined]
    tiers = pd.Series(["A", "B", "C", "D"] * (len(entities) // 4 + 1))[: len(entities)]
    return entities.assign(tier=tiers.to_numpy())


def test_visit_id_is_the_documented_hash() -> None:
    text = "\x1f".join(("dualrandom-visit/1", "XY-2026", "B1", "91350100M000100Y43"))
    expected = "V" + hashlib.sha256(text.encode()).hexdigest()[:16].upper()
    assert visit_id("XY-2026", "B1", "91350100M000100Y43") == expected
    assert visit_id("XY-2026", "B2", "91350100M000100Y43") != expected


def test_one_row_per_officer_counts_as_one_check() -> None:
    history = pd.DataFrame(
        {
            "uscc": ["91350100M000100Y43"] * 3 + ["91110000802100433B"] * 2,
            "inspected_on": ["2026-01-05", "2026-01-05", "2026/1/5", "2026-01-05", "2026-02-07"],
            "campaign_id": ["XY-2025-Q4"] * 3 + ["XY-2025-Q4", "XY-2026-Q1"],
            "inspector_id": ["I1", "I2", "I3", "I1", "I2"],
        }
    )
    counts = recent_checks(history, date(2026, 3, 2))
    assert counts.to_dict() == {"91350100M000100Y43": 1, "91110000802100433B": 2}


def test_a_visit_column_separates_two_visits_on_one_day() -> None:
    history = pd.DataFrame(
        {"uscc": ["91350100M000100Y43"] * 3, "inspected_on": ["2026-01-05"] * 3,
         "visit": ["V1", "V1", "V2"]}
    )  # fmt: skip
    assert recent_checks(history, date(2026, 3, 2)).to_dict() == {"91350100M000100Y43": 2}


def test_batches_must_exist_and_go_forward() -> None:
    data = year_campaign()
    data["tasks"][0]["batch"] = "B9"
    with pytest.raises(PolicyError, match="names batch 'B9'"):
        parse_campaign(data)
    data = year_campaign()
    data["plan"]["batches"][2]["drawn_on"] = date(2026, 1, 1)
    with pytest.raises(PolicyError, match="must not go back in time"):
        parse_campaign(data)


def test_two_tasks_drawing_one_entity_make_one_visit(
    tmp_path: Path, roster: pd.DataFrame, city: object
) -> None:
    campaign = parse_campaign(year_campaign())
    inspectors = city.inspectors  # type: ignore[attr-defined]
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        CampaignProtocol(campaign, ledger).commit(roster)
        run = CampaignProtocol(campaign, ledger, batch="B1")
        sample = run.draw(roster, "1001", output=tmp_path / "s.csv").value.sample
        per_entity = sample.groupby("uscc")["task_id"].nunique()
        both = per_entity[per_entity > 1].index
        assert len(both) > 0  # the trial's situation: T1 and T2 drew the same entities
        assert (sample.groupby("uscc")["visit"].nunique() == 1).all()  # one visit id per entity
        teams = run.assign(sample, inspectors, None, "1001", output=tmp_path / "t.csv").value
        joint = teams.teams[teams.teams["uscc"].isin(both)]
        for _, rows in joint.groupby("uscc"):
            assert rows["visit"].nunique() == 1
            assert set(rows["department"]) == {"SAMR", "FOOD", "FIRE"}  # every department concerned
            by_task = rows.groupby("task_id")["inspector_id"].apply(frozenset)
            assert by_task["T2"] <= frozenset(rows["inspector_id"])  # one team serves both tasks
            assert len(rows.loc[rows["task_id"] == "T1", "department"].unique()) == 1
        assert teams.manifest["visits"]["joint"] == len(both)
        assert teams.manifest["visits"]["count"] == sample["uscc"].nunique()
        # the visit counts once toward the cap in the next batch's history
        history = plan_history(ledger, campaign, "B2")
        assert len(history) == sample["uscc"].nunique()
        assert set(history["visit"]) == set(sample["visit"])


def test_a_later_batch_never_redraws_capped_entities(tmp_path: Path, roster: pd.DataFrame) -> None:
    campaign = parse_campaign(year_campaign())
    caps = campaign.sampling.frequency_caps
    tiers = roster.set_index("uscc")["tier"]
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        CampaignProtocol(campaign, ledger).commit(roster)
        first = CampaignProtocol(campaign, ledger, batch="B1").draw(roster, "2001").value
        second = CampaignProtocol(campaign, ledger, batch="B2").draw(roster, "2002").value
    again = set(first.sample["uscc"]) & set(second.sample["uscc"])
    assert again, "tiers C and D may be visited again (caps 2 and 4)"
    assert {tiers[code] for code in again} <= {"C", "D"}
    capped = second.counts.groupby("tier")["capped"].sum()  # per task frame: a joint entity twice
    for tier in ("A", "B"):
        assert capped[tier] >= first.sample.loc[first.sample["tier"] == tier, "uscc"].nunique() > 0
    assert caps["A"] == caps["B"] == 1
    assert second.manifest["batch"] == "B2" and second.manifest["as_of"] == "2026-06-01"
    # without the plan's earlier batch, the same seed re-draws tier A/B entities: the trial's bug
    alone = CampaignProtocol(campaign, None, batch="B2").draw(roster, "2002").value
    redrawn = set(first.sample["uscc"]) & set(alone.sample["uscc"])
    assert {tiers[code] for code in redrawn} & {"A", "B"}


def test_batches_are_drawn_in_order_and_once(tmp_path: Path, roster: pd.DataFrame) -> None:
    campaign = parse_campaign(year_campaign())
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        with pytest.raises(PolicyError, match="is drawn in batches"):
            CampaignProtocol(campaign, ledger).draw(roster, "1")
        CampaignProtocol(campaign, ledger).commit(roster)
        with pytest.raises(LedgerConflictError, match="draw 'B1' first"):
            CampaignProtocol(campaign, ledger, batch="B2").draw(roster, "3002")
        run = CampaignProtocol(campaign, ledger, batch="B1")
        run.draw(roster, "3001")
        assert run.draw(roster, "3001").already_recorded
        with pytest.raises(LedgerMismatchError, match="is not the seed recorded"):
            run.draw(roster, "9999")
        with pytest.raises(PolicyError, match="drawn on 2026-03-02"):
            run.draw(roster, "3001", as_of=date(2026, 3, 3))
        with pytest.raises(LedgerConflictError, match="already recorded a different roster_commitment"):
            CampaignProtocol(campaign, ledger).commit(roster.iloc[:-1])
        with pytest.raises(LedgerConflictError, match="a later seed record resting on it"):
            supersede(ledger, 1, "roster changed")  # a batch's seed rests on the plan's commitment
        seeds = {r.campaign_id: r.payload["seed"] for r in ledger.records(kind="seed")}
    assert seeds == {"XY-2026-Q4/B1": "3001"}


def test_three_thousand_triggered_checks_in_one_step(tmp_path: Path, roster: pd.DataFrame) -> None:
    campaign = parse_campaign(year_campaign())
    warned = roster.iloc[:3_000][["uscc"]].assign(reason="风险预警", inspected_on="2026-04-10")
    with Ledger.open(tmp_path / "l.sqlite") as ledger:
        CampaignProtocol(campaign, ledger).commit(roster)
        CampaignProtocol(campaign, ledger, batch="B1").draw(roster, "4001")
        run = CampaignProtocol(campaign, ledger, batch="W1")
        checks = triggered_checks(warned, run.campaign, task_id="T1")
        started = time.perf_counter()
        step = run.trigger_many(checks, task_id="T1", output=tmp_path / "w1.csv")
        elapsed = time.perf_counter() - started
        assert len(step.records) == 1 and step.records[0].payload["count"] == 3_000
        assert elapsed < 30
        assert run.trigger_many(checks, task_id="T1").already_recorded
        targets = pd.read_csv(tmp_path / "w1.csv", dtype=str, encoding="utf-8-sig")
        run.check_sample(targets)  # the written targets are the recorded ones
        history = plan_history(ledger, campaign, "B2")
        assert (history["kind"] == "triggered").sum() == 3_000
        second = CampaignProtocol(campaign, ledger, batch="B2").draw(roster, "4002").value
    tiers = roster.set_index("uscc")["tier"]
    assert not {tiers[c] for c in second.sample["uscc"]} & {"A", "B"}  # every A/B entity was checked


def test_a_warnings_list_reports_every_bad_row() -> None:
    campaign = parse_campaign(year_campaign())
    table = pd.DataFrame(
        {"uscc": ["91350100M000100Y43", "not-a-code", "91350100M000100Y43", ""],
         "reason_1": ["风险预警", "", "风险预警", "x"],
         "inspected_on": ["2026-04-10", "2026-04-10", "soon", ""]}
    )  # fmt: skip
    from dualrandom.errors import InputError

    with pytest.raises(InputError) as caught:
        triggered_checks(table, campaign, task_id="T1", source="warnings.csv")
    rules = sorted((p.row, p.rule) for p in caught.value.problems)
    assert rules == [(3, "ID_LENGTH"), (3, "REQUIRED"), (4, "DATE"), (4, "DUPLICATE"),
                     (5, "ID_EMPTY"), (5, "REQUIRED")]  # fmt: skip (the schema's rules, as `check` has them)
