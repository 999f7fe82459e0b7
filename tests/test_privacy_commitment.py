"""Canonical commitments (table/2): the digest depends on the values, not on the file format or dtypes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import _publish_data as data
from dualrandom.draw import NO_HISTORY, draw_campaign
from dualrandom.draw.commitment import COMMITMENT_VERSION, commitment, history_digest, roster_digest
from dualrandom.io import read_table


def test_version_is_bumped() -> None:
    assert COMMITMENT_VERSION == "dualrandom-table/2"
    assert commitment(data.roster(10))["version"] == "dualrandom-table/2"


def test_csv_with_a_blank_division_and_parquet_give_one_digest(tmp_path: Path) -> None:
    roster = data.roster(50).assign(division="420602")
    roster.loc[3, "division"] = ""
    roster.to_csv(tmp_path / "r.csv", index=False)
    roster.to_parquet(tmp_path / "r.parquet", index=False)
    from_csv = pd.read_csv(tmp_path / "r.csv")  # pandas reads the division column as float
    assert from_csv["division"].dtype == float
    digests = {
        roster_digest(from_csv),
        roster_digest(pd.read_parquet(tmp_path / "r.parquet")),
        roster_digest(read_table(tmp_path / "r.csv")),
        roster_digest(roster),
    }
    assert len(digests) == 1


def test_a_changed_value_changes_the_digest() -> None:
    roster = data.roster(50)
    edited = roster.copy()
    edited.loc[0, "division"] = "420606"
    assert roster_digest(roster) != roster_digest(edited)


def test_history_digest_reads_dates_however_written(tmp_path: Path) -> None:
    codes = [data.uscc("enterprise", i) for i in (1, 2, 3)]
    iso = pd.DataFrame(
        {"uscc": codes, "inspected_on": ["2026-03-05", "2025-12-01", "2026-01-31"], "kind": "random"}
    )
    spelled = iso.assign(inspected_on=["2026/3/5", "2025年12月1日", "20260131"], kind=" Random ")
    typed = iso.assign(inspected_on=pd.to_datetime(iso["inspected_on"]))
    typed.to_parquet(tmp_path / "h.parquet", index=False)
    assert (
        history_digest(iso)
        == history_digest(spelled)
        == history_digest(pd.read_parquet(tmp_path / "h.parquet"))
    )
    assert history_digest(iso) != history_digest(
        iso.assign(inspected_on=["2026-03-06", "2025-12-01", "2026-01-31"])
    )


def test_the_draw_commits_the_canonical_digest(tmp_path: Path) -> None:
    roster = data.roster(400)
    roster.loc[7, "division"] = ""
    roster.to_csv(tmp_path / "r.csv", index=False)
    campaign = data.campaign()
    from_csv = draw_campaign(
        pd.read_csv(tmp_path / "r.csv", dtype={"uscc": str}), campaign, data.SEED, history=NO_HISTORY
    )
    direct = draw_campaign(roster, campaign, data.SEED, history=NO_HISTORY)
    assert (
        from_csv.manifest["roster_digest"]
        == direct.manifest["roster_digest"]
        == roster_digest(roster, from_csv.manifest["roster_columns"])
    )
