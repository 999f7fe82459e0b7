"""The bureau's calendar file: it wins for the years it has, and every mistake is named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dualrandom import load_campaign
from dualrandom.cli import main
from dualrandom.errors import PolicyError
from dualrandom.publish.calendar import DEFAULT_CALENDAR, campaign_calendar, load_calendar, parse_calendar
from dualrandom.publish.deadlines import deadlines, due_date, is_working_day

# A notice for 2027 as a bureau would enter it. (The real one is published in the autumn of
# 2026; these days are an example, chosen to differ from the package's estimate.)
CALENDAR_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知
[2027]
notice = "国务院办公厅关于2027年部分节假日安排的通知"
holidays = [
    [2027-01-01, 2027-01-03],
    [2027-02-05, 2027-02-13],
    "2027-04-05",
]
workdays = [2027-02-14, "2027-02-20"]
"""


@pytest.fixture
def calendar_file(tmp_path: Path) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    return path


def test_the_bureau_file_wins_for_its_year(calendar_file: Path) -> None:
    calendar = load_calendar(calendar_file)
    assert calendar.bureau_years == (2027,)
    assert calendar.source_of(2027) == "bureau" and not calendar.is_provisional(2027)
    # The package estimates Feb 5-10 off; the notice gives Feb 5-13 off and two working weekends.
    assert DEFAULT_CALENDAR.is_working_day(date(2027, 2, 11))
    assert not calendar.is_working_day(date(2027, 2, 11))
    assert calendar.is_working_day(date(2027, 2, 14)) and calendar.is_working_day(date(2027, 2, 20))
    assert due_date(date(2027, 2, 4), 1) == date(2027, 2, 11)
    assert due_date(date(2027, 2, 4), 1, calendar) == date(2027, 2, 14)
    assert due_date(date(2027, 2, 4), 3, calendar) == date(2027, 2, 16)
    # Other years still come from the package.
    assert calendar.is_working_day(date(2026, 10, 10)) and calendar.source_of(2026) == "package"


def test_a_confirmed_year_is_not_provisional(calendar_file: Path) -> None:
    completed = pd.Series(pd.to_datetime(["2026-12-20", "2027-12-20"]))
    result = deadlines(completed, 20, load_calendar(calendar_file))
    assert result.due_on.tolist() == [pd.Timestamp("2027-01-18"), pd.Timestamp("2028-01-18")]
    assert result.provisional.tolist() == [False, True]
    assert result.provisional_years == (2028,)


def test_the_file_replaces_a_whole_year_of_the_package() -> None:
    # A bureau entering 2026 without the Sunday make-up day of Jan 4: its file wins.
    calendar = parse_calendar({"2026": {"holidays": [[date(2026, 1, 1), date(2026, 1, 3)]], "workdays": []}})
    assert is_working_day(date(2026, 1, 4)) and not is_working_day(date(2026, 1, 4), calendar)
    assert is_working_day(date(2026, 2, 16), calendar)  # no Spring Festival in this file


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"27": {"holidays": ["2027-01-01"]}}, r"\[27\]: expected a table named after a year"),
        ({"2027": {"holidays": ["2027-01-01"], "days": []}}, r"unknown key\(s\) \['days'\]"),
        ({"2027": {"holidays": ["2027-13-01"]}}, r"'2027-13-01' is not a date"),
        ({"2027": {"holidays": [["2027-01-03", "2027-01-01"]]}}, r"or a \[first, last\] range"),
        ({"2027": {"holidays": ["2027-01-01", "2028-01-01"]}}, r"2028-01-01 is not in 2027"),
        ({"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-02-15"]}}, "2027-02-15 is a weekday"),
        ({"2027": {"holidays": ["2027-01-01", "2027-02-06"], "workdays": ["2027-02-06"]}}, "both a holiday"),
        ({"2027": {"holidays": ["2027-02-06"]}}, r"2027-01-01 \(元旦\) is missing"),
        ({"2027": {"holidays": "2027-01-01"}}, "must be a list"),
        ({"2027": {"holidays": ["2027-01-01"], "notice": 7}}, "notice must be text"),
    ],
)
def test_mistakes_are_named(data: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_calendar(data, source="calendar.toml")


def test_every_mistake_is_listed_at_once() -> None:
    data = {"2027": {"holidays": ["2027-02-06"], "workdays": ["2027-02-15"]}, "x": {}}
    with pytest.raises(PolicyError) as caught:
        parse_calendar(data, source="calendar.toml")
    assert str(caught.value).count("\n  ") == 3


def test_a_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="calendar file not found"):
        load_calendar(tmp_path / "nope.toml")


def _campaign_with_calendar(tmp_path: Path, calendar: str | None) -> Path:
    runner = CliRunner()
    target = tmp_path / "campaign.toml"
    assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    if calendar is not None:
        text = target.read_text(encoding="utf-8")
        text = text.replace("[publication]\n", f'[publication]\ncalendar = "{calendar}"\n', 1)
        target.write_text(text, encoding="utf-8")
    return target


def test_the_campaign_names_its_calendar_relative_to_itself(tmp_path: Path, calendar_file: Path) -> None:
    (tmp_path / "campaign").mkdir()
    target = _campaign_with_calendar(tmp_path / "campaign", "../calendar.toml")
    campaign = load_campaign(target)  # the path is resolved against the campaign file when loaded
    assert campaign.publication.calendar == str(target.parent / "../calendar.toml")
    assert campaign_calendar(campaign).bureau_years == (2027,)
    plain = load_campaign(_campaign_with_calendar(tmp_path, None))
    assert campaign_calendar(plain, target) is DEFAULT_CALENDAR
    unresolved = campaign.model_copy(
        update={"publication": campaign.publication.model_copy(update={"calendar": "../calendar.toml"})}
    )  # a campaign built in memory: its relative path is taken from the campaign file given
    assert campaign_calendar(unresolved, target).bureau_years == (2027,)
    with pytest.raises(PolicyError, match="calendar file not found"):
        campaign_calendar(unresolved, tmp_path / "elsewhere" / "campaign.toml")
