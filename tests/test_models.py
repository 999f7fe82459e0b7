"""Campaign files: strict parsing, messages that name the key path and allowed values."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from dualrandom import PolicyError, campaign_json_schema, load_campaign, parse_campaign

EXAMPLE = Path(__file__).parents[1] / "examples" / "campaign.toml"


def example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_example_campaign_loads() -> None:
    campaign = load_campaign(EXAMPLE)
    assert [t.id for t in campaign.tasks] == ["T1", "T2"]
    assert campaign.officers_per_department(campaign.task("T1")) == 2
    assert campaign.officers_per_department(campaign.task("T2")) == 1


def test_every_problem_is_listed_with_its_key_path() -> None:
    data = example()
    data["sampling"]["mode"] = "random"
    data["teams"]["colour"] = "red"
    data["tasks"][0]["departments"] = [3]
    with pytest.raises(PolicyError) as caught:
        parse_campaign(data, source="c.toml")
    message = str(caught.value)
    assert "sampling.mode: Input should be 'fixed' or 'bernoulli' (got 'random')" in message
    assert "teams.colour: Extra inputs are not permitted (got 'red')" in message
    assert "tasks.0.departments.0: Input should be a valid string (got 3)" in message


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["sampling"]["ratios"].update(E=0.5), "ratios names unknown tier(s) ['E']"),
        (lambda d: d["sampling"]["ratios"].pop("D"), "ratios has no entry for tier(s) ['D']"),
        (lambda d: d["sampling"]["ratios"].update(A=1.5), "sampling.ratios.A: Input should be less"),
        (lambda d: d["tasks"][1].update(items=["NOPE"]), "task 'T2' names item 'NOPE'"),
        (lambda d: d["tasks"][0].update(items=["FOOD-SALE"]), "which is not among its departments"),
        (lambda d: d["plan"].update(initiating_department="X"), "plan names department 'X'"),
        (lambda d: d["sampling"].update(min_total=10, max_total=5), "min_total (10) exceeds"),
    ],
)
def test_cross_field_rules(edit: Any, expected: str) -> None:
    data = example()
    edit(data)
    with pytest.raises(PolicyError, match=None) as caught:
        parse_campaign(data)
    assert expected in str(caught.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[plan\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_campaign(bad)
    with pytest.raises(PolicyError, match="campaign file not found"):
        load_campaign(tmp_path / "none.toml")


def test_json_schema_is_exported() -> None:
    schema = campaign_json_schema()
    assert set(schema["properties"]) == {
        "plan",
        "departments",
        "items",
        "tasks",
        "sampling",
        "teams",
        "publication",
    }
    json.dumps(schema)
