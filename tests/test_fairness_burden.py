"""Burden and coordination: known answers on small histories; PRN overlaps against the theory."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dualrandom.errors import InputError, PolicyError
from dualrandom.fairness import (
    burden_by_year,
    burden_summary,
    cap_effect,
    coordination_study,
    entity_burden,
    history_from_samples,
)
from dualrandom.models import parse_campaign

ROSTER = pd.DataFrame(
    {"uscc": ["E1", "E2", "E3", "E4"], "tier": ["A", "A", "B", "B"], "entity_type": ["enterprise"] * 4}
)
HISTORY = pd.DataFrame(
    {
        "uscc": ["E1", "E1", "E2", "E1", "E9"],
        "inspected_on": ["2025-03-01", "2025-09-01", "2025-05-05", "2026-01-10", "2025-01-01"],
        "campaign_id": ["C1", "C2", "C1", "", "C1"],
        "department": ["SAMR", "FOOD", "SAMR", "FIRE", "SAMR"],
        "kind": ["random", "random", "random", "triggered", "random"],
    }
)


def test_burden_by_year_counts_every_department() -> None:
    table = burden_by_year(HISTORY, ROSTER).set_index("year")
    assert table.loc[2025, "inspections"] == 3  # E9 is not on the roster
    assert table.loc[2025, "per_entity"] == pytest.approx(3 / 4)
    assert table.loc[2025, "inspected"] == pytest.approx(2 / 4)
    assert table.loc[2025, "twice_or_more"] == pytest.approx(1 / 4)
    assert table.loc[2026, "max"] == 1
    by_tier = burden_by_year(HISTORY, ROSTER, by="tier").set_index(["year", "tier"])
    assert by_tier.loc[(2025, "B"), "inspections"] == 0


def test_entity_burden_and_time_since_last() -> None:
    burden = entity_burden(HISTORY, ROSTER, as_of=date(2026, 3, 1)).set_index("uscc")
    # the window is the caps' one, [as_of - 365 days, as_of): 2025-03-01 is its first day
    assert burden.loc["E1", "inspections"] == 3
    later = entity_burden(HISTORY, ROSTER, as_of=date(2026, 3, 2)).set_index("uscc")
    assert later.loc["E1", "inspections"] == 2
    assert burden.loc["E1", "days_since_last"] == (date(2026, 3, 1) - date(2026, 1, 10)).days
    assert pd.isna(burden.loc["E3", "days_since_last"])
    summary = burden_summary(burden.reset_index()).set_index("group")
    assert summary.loc["A", "twice_or_more"] == 0.5 and summary.loc["B", "never"] == 1.0


def test_bad_history_dates_are_all_reported() -> None:
    bad = HISTORY.copy()
    bad.loc[1, "inspected_on"] = "yesterday"
    bad.loc[3, "inspected_on"] = "2026-13-40"
    with pytest.raises(InputError) as caught:
        burden_by_year(bad, ROSTER, source="history.csv")
    text = str(caught.value)
    where = "history.csv, row 3, column 'inspected_on'"
    assert f"{where}: expected a date such as 2024-03-15 (value 'yesterday') [DATE]" in text
    assert "history.csv, row 5, column 'inspected_on'" in text


def _campaign(ratios: dict[str, float], caps: dict[str, int]) -> object:
    return parse_campaign(
        {
            "plan": {"id": "P", "name": "p", "year": 2026, "initiating_department": "SAMR"},
            "departments": [{"id": "SAMR", "name": "s"}],
            "items": [{"id": "I", "name": "i", "department": "SAMR"}],
            "tasks": [{"id": "T", "name": "t", "departments": ["SAMR"], "items": ["I"]}],
            "sampling": {"tiers": ["A", "B"], "ratios": ratios, "frequency_caps": caps},
        }
    )


def test_frequency_caps_bound_the_burden() -> None:
    roster = pd.DataFrame({"uscc": [f"E{i:03d}" for i in range(200)], "tier": ["A"] * 100 + ["B"] * 100})
    campaign = _campaign({"A": 0.5, "B": 0.5}, {"A": 1, "B": 2})
    effect = cap_effect(roster, campaign, start=date(2026, 1, 1), cycles=4, replicates=2, seed="caps")
    table = effect.table.set_index(["policy", "tier"])
    # capped: tier A can never be drawn twice within the year
    assert table.loc[("capped", "A"), "twice"] == 0
    # uncapped at 50% over 4 cycles: P(>= 2) = 1 - 0.5^4 - 4 * 0.5^4 = 11/16; far from 0
    assert table.loc[("uncapped", "A"), "low"] > 0.5
    assert table.loc[("uncapped", "A"), "low"] <= 11 / 16 <= table.loc[("uncapped", "A"), "high"]
    assert table.loc[("capped", "B"), "per_entity"] <= 2


def test_history_from_samples() -> None:
    sample = pd.DataFrame({"uscc": ["E1", "E2"], "departments": ["FOOD;FIRE", "SAMR"]})
    history = history_from_samples([(date(2026, 1, 1), sample), (date(2026, 4, 1), sample.head(1))])
    assert history["department"].tolist() == ["FOOD", "SAMR", "FOOD"]
    assert history["campaign_id"].tolist() == ["simulated-1", "simulated-1", "simulated-2"]


COORDINATION_ROSTER = pd.DataFrame(
    {"uscc": [f"C{i:04d}" for i in range(400)], "tier": ["A"] * 250 + ["B"] * 150}
)


def test_coordination_matches_the_expected_overlaps() -> None:
    study = coordination_study(
        COORDINATION_ROSTER, {"A": 0.1, "B": 0.3}, {"A": 0.2, "B": 0.5}, replicates=25, seed="prn", alpha=0.01
    )
    assert study.passed, study.table
    table = study.table.set_index(["scheme", "tier"])
    assert table.loc[("negative", "A"), "hits"] == 0 and table.loc[("negative", "B"), "hits"] == 0
    assert table.loc[("positive", "B"), "expected"] == 0.3
    assert table.loc[("independent", "B"), "expected"] == pytest.approx(0.15)
    assert table.loc[("positive", "A"), "observed"] > table.loc[("independent", "A"), "observed"]


def test_coordination_needs_room_for_disjoint_cycles() -> None:
    with pytest.raises(PolicyError, match="sum to more than 1"):
        coordination_study(COORDINATION_ROSTER, {"A": 0.6, "B": 0.6}, replicates=1)
