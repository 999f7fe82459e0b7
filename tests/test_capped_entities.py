"""``capped_entities``: each entity the frequency caps left out, counted once across task frames."""

from __future__ import annotations

from datetime import date

import pandas as pd

import _publish_data as data
from dualrandom.protocol import CampaignProtocol
from dualrandom.protocol.caps import capped_entities

CAMPAIGN = data.campaign()  # T1: enterprises and cooperatives; T2: industry F52, every type
ROSTER = data.roster(1500)
AS_OF = date(2026, 11, 2)
CAPS = {"A": 1, "B": 1, "C": 2, "D": 4}


def _history() -> pd.DataFrame:
    """Every third entity checked once this year; every ninth twice."""
    once = ROSTER["uscc"].iloc[::3].tolist()
    twice = ROSTER["uscc"].iloc[::9].tolist()
    rows = [(c, "2026-03-01", "XY-2026-Q1") for c in once] + [(c, "2026-07-01", "XY-2026-Q3") for c in twice]
    return pd.DataFrame(rows, columns=["uscc", "inspected_on", "campaign_id"])


def _known() -> tuple[set[str], int]:
    """The capped entities and the per-task-frame count, from the campaign's rules written out."""
    checks = _history()["uscc"].value_counts()
    done = ROSTER["uscc"].map(checks).fillna(0)
    over = done >= ROSTER["tier"].map(CAPS)
    in_t1 = ROSTER["entity_type"].isin(["enterprise", "cooperative"])
    in_t2 = ROSTER["industry"].str.startswith("F52")
    gone = set(ROSTER.loc[over & (in_t1 | in_t2), "uscc"])
    return gone, int((over & in_t1).sum() + (over & in_t2).sum())


def test_a_joint_entity_is_counted_once() -> None:
    drawn = CampaignProtocol(CAMPAIGN).draw(ROSTER, data.SEED, history=_history(), as_of=AS_OF).value
    gone, per_frame = _known()
    cells = sum(int(c["capped"]) for c in drawn.manifest["strata"])
    assert cells == per_frame  # the per-cell counts count a joint entity in each task's frame
    assert drawn.manifest["capped_entities"] == len(gone) < per_frame
    assert not gone & set(drawn.sample["uscc"])


def test_no_count_without_caps_applied() -> None:
    assert capped_entities(ROSTER, CAMPAIGN, None, AS_OF) is None
    assert capped_entities("roster.parquet", CAMPAIGN, _history(), AS_OF) is None
    empty = _history().iloc[:0]
    assert capped_entities(ROSTER, CAMPAIGN, empty, AS_OF) == 0
