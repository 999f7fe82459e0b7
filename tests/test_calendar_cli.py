"""`results import` names the provisional years, and a bureau calendar file confirming them silences it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import _publish_data as data
from dualrandom.cli import main

CALENDAR_2027 = """
[2027]
notice = "国务院办公厅关于2027年部分节假日安排的通知"
holidays = [[2027-01-01, 2027-01-03], [2027-02-05, 2027-02-13]]
workdays = [2027-02-14, 2027-02-20]
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    campaign = data.campaign()
    sample = data.draw(data.roster(), campaign)
    sample.to_csv(tmp_path / "sample.csv", index=False)
    results = data.results(sample, campaign)
    late = results["uscc"].isin(sample["uscc"].iloc[::2])  # half completed in December, due in 2027
    results.loc[late, "completed_on"] = "2026-12-20"
    results.to_csv(tmp_path / "results.csv", index=False)
    (tmp_path / "calendar.toml").write_text(CALENDAR_2027, encoding="utf-8")
    return tmp_path


def _import(files: Path, calendar: str | None) -> tuple[str, str]:
    text = (data.ROOT / "examples" / "campaign.toml").read_text(encoding="utf-8")
    if calendar is not None:
        text = text.replace("[publication]\n", f'[publication]\ncalendar = "{calendar}"\n', 1)
    (files / "campaign.toml").write_text(text, encoding="utf-8")
    arguments = ["results", "import", str(files / "results.csv"), "--campaign", str(files / "campaign.toml")]
    arguments += ["--sample", str(files / "sample.csv"), "--as-of", "2027-01-05"]
    arguments += ["-o", str(files / "valid.csv")]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_provisional_years_are_named(files: Path) -> None:
    _, stderr = _import(files, None)
    assert "have a provisional due date: it counts through 2027" in stderr
    assert "none: set publication.calendar in the campaign" in stderr
    valid = (files / "valid.csv").read_text(encoding="utf-8")
    assert "2026-12-20" in valid and "2027-01-18" in valid


def test_a_bureau_calendar_confirming_the_year_silences_the_warning(files: Path) -> None:
    _, stderr = _import(files, "calendar.toml")
    assert "provisional" not in stderr


def test_a_missing_bureau_calendar_is_an_error(files: Path) -> None:
    (files / "calendar.toml").unlink()
    text = (data.ROOT / "examples" / "campaign.toml").read_text(encoding="utf-8")
    text = text.replace("[publication]\n", '[publication]\ncalendar = "calendar.toml"\n', 1)
    (files / "campaign.toml").write_text(text, encoding="utf-8")
    arguments = ["results", "import", str(files / "results.csv"), "--campaign", str(files / "campaign.toml")]
    arguments += ["--sample", str(files / "sample.csv"), "--as-of", "2027-01-05"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1
    assert "calendar.toml: calendar file not found" in result.output
