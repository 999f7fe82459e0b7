"""Configurable indicators: record kinds and roster columns declared in the policy file."""

from __future__ import annotations

import hashlib
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dualrandom.classify import (
    classify,
    explain,
    explain_frame,
    features,
    load_policy,
    load_snapshot,
    parse_policy,
    policy_digest,
    save_snapshot,
)
from dualrandom.errors import InputError, PolicyError
from dualrandom.ids import check_character
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit

AS_OF = date(2026, 11, 1)
DEFAULT_POLICY = Path(str(files("dualrandom") / "data" / "policy.toml"))


def test_default_policy_output_is_unchanged() -> None:
    """Known answer: the digests of the default policy's snapshot, explanations and features."""
    city = synth_city(3000, seed="known-answer")
    credit = synth_credit(city.entities, as_of=AS_OF, seed=11)
    policy = load_policy(DEFAULT_POLICY)
    snapshot = classify(city.entities, credit, policy, as_of=AS_OF, history=city.history)
    assert policy_digest(policy) == "397bca7b714bc4280461dcda31c1c99d4d3fe9273be079da5b411a8526b6ca9a"
    # format 2 (the tag respelled) changed the digest; tiers, explanations and features did not change
    assert snapshot.content_digest == "15b9a8fa99842427639aaacd035abd7f1408aefa150244469a22858573d81414"
    assert snapshot.tier_counts() == {"A": 683, "B": 1931, "C": 283, "D": 103}
    explained = explain_frame(snapshot, snapshot.table["uscc"].tolist()[:200]).to_csv(index=False)
    assert hashlib.sha256(explained.encode()).hexdigest() == (
        "f262660aafdded1c9126fa6b0198c0701697703a9c6dbbd016220e378bdaed01"
    )
    table = features(city.entities, credit, policy, as_of=AS_OF, history=city.history).to_csv(index=False)
    assert hashlib.sha256(table.encode()).hexdigest() == (
        "d94f553eb6851bad1b2dfd582f954e333af2009c016e448691cd544788aeb2ec"
    )


def code(number: int) -> str:
    """A valid USCC whose organisation code encodes ``number``."""
    body = f"91420602MA{number:07d}"
    return body + check_character(body)


def base_policy(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "custom",
        "base_score": 100,
        "tiers": {"names": ["A", "B", "C", "D"], "cutoffs": [200, 500, 750], "new_entity": "B"},
        "record_kinds": {
            "commitment_breach": {
                "period": 12,
                "label_zh": "未履行信用承诺",
                "label_en": "broken credit commitment",
            },
            "env_penalty": {"period": 36},
        },
        "indicators": {
            "penalty": {"weight": 100, "transform": "linear", "cap": 2},
            "commitment": {"weight": 200, "records": ["commitment_breach"]},
        },
    }
    data.update(changes)
    return data


ROSTER = pd.DataFrame(
    {
        "uscc": [code(i) for i in range(4)],
        "registered_on": ["2015-01-01"] * 4,
        "tax_arrears": ["", "3", "是", "0.5"],
    }
)


def credit(*rows: tuple[int, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [(code(i), kind, start, severity) for i, kind, start, severity in rows],
        columns=["uscc", "kind", "start_on", "severity"],
    )


def test_a_declared_record_kind_scores_through_its_indicator_and_period() -> None:
    policy = parse_policy(base_policy())
    records = credit((0, "commitment_breach", "2026-03-01", 1), (1, "commitment_breach", "2025-10-01", 1))
    snapshot = classify(ROSTER, records, policy, as_of=AS_OF).table.set_index("uscc")
    # entity 0: in force (12-month period); entity 1: ran out on 2026-10-01
    assert snapshot.loc[code(0), "score"] == 300.0 and snapshot.loc[code(0), "v_commitment"] == 1.0
    assert snapshot.loc[code(1), "score"] == 100.0 and snapshot.loc[code(1), "v_commitment"] == 0.0
    assert snapshot.loc[code(0), "reason_1"] == "COMMITMENT"
    assert list(snapshot.columns)[-1] == "v_commitment"  # the policy's own indicators come last
    text = explain(classify(ROSTER, records, policy, as_of=AS_OF), code(0))
    assert (
        "未履行信用承诺（+200.0分）" in text.text_zh and "broken credit commitment (+200.0)" in text.text_en
    )
    assert [c.indicator for c in text.contributions] == ["penalty", "commitment"]


def test_a_kind_the_policy_does_not_declare_is_still_refused() -> None:
    with pytest.raises(InputError) as caught:
        classify(
            ROSTER, credit((0, "tax_evasion", "2026-03-01", 1)), parse_policy(base_policy()), as_of=AS_OF
        )
    assert [(p.row, p.rule) for p in caught.value.problems] == [(2, "ENUM")]
    assert "commitment_breach" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        ("severity", [5.0, 2.0, 0.0, 0.0]),
        ("count", [2.0, 1.0, 0.0, 0.0]),
        ("any", [1.0, 1.0, 0.0, 0.0]),
        # days since the latest start, else since registration (2015-01-01 -> 2026-11-01 = 4322 days)
        ("days_since", [31.0, 245.0, 4322.0, 4322.0]),
    ],
)
def test_measures_of_records_known_answers(measure: str, expected: list[float]) -> None:
    indicator = {"weight": 1, "transform": "value", "records": ["env_penalty", "commitment_breach"]}
    policy = parse_policy(base_policy(indicators={"mix": {**indicator, "measure": measure}}))
    records = credit(
        (0, "env_penalty", "2026-01-01", 2),
        (0, "commitment_breach", "2026-10-01", 3),
        (1, "env_penalty", "2026-03-01", 2),
        (2, "env_penalty", "2027-01-01", 9),  # starts after the as-of day: not yet
    )
    table = classify(ROSTER, records, policy, as_of=AS_OF).table
    assert table["v_mix"].tolist() == expected


def test_a_roster_column_is_an_indicator_with_log1p_and_value_transforms() -> None:
    policy = parse_policy(
        base_policy(
            indicators={
                "arrears": {"weight": 100, "transform": "log1p", "column": "tax_arrears"},
                "arrears_raw": {"weight": 10, "transform": "value", "column": "tax_arrears"},
            }
        )
    )
    table = classify(ROSTER.iloc[::-1], None, policy, as_of=AS_OF).table  # row order does not matter
    assert table["v_arrears"].tolist() == [0.0, 3.0, 1.0, 0.5]
    expected = 100 + 100 * np.log1p([0.0, 3.0, 1.0, 0.5]) + 10 * np.array([0.0, 3.0, 1.0, 0.5])
    assert table["score"].tolist() == pytest.approx(np.round(expected, 2).tolist())


def test_a_bad_or_missing_indicator_column_lists_every_problem() -> None:
    policy = parse_policy(base_policy(indicators={"arrears": {"weight": 1, "column": "tax_arrears"}}))
    bad = ROSTER.assign(tax_arrears=["1", "lots", "2", "n/a"])
    with pytest.raises(InputError) as caught:
        classify(bad, None, policy, as_of=AS_OF)
    assert [(p.row, p.column, p.value, p.rule) for p in caught.value.problems] == [
        (3, "tax_arrears", "lots", "NUMBER"),
        (5, "tax_arrears", "n/a", "NUMBER"),
    ]
    with pytest.raises(InputError, match="COLUMN_MISSING"):
        classify(ROSTER.drop(columns="tax_arrears"), None, policy, as_of=AS_OF)


def test_an_override_may_read_a_policy_indicator() -> None:
    rule = {"code": "COMMITMENT", "indicator": "commitment", "at_least": "D", "label_zh": "严重失信承诺"}
    policy = parse_policy(base_policy(overrides=[rule]))
    snapshot = classify(ROSTER, credit((0, "commitment_breach", "2026-03-01", 1)), policy, as_of=AS_OF)
    assert snapshot.table["tier"].tolist() == ["D", "A", "A", "A"]
    assert "因严重失信承诺" in explain(snapshot, code(0)).text_zh


def test_a_snapshot_with_policy_indicators_round_trips(tmp_path: Path) -> None:
    policy = parse_policy(base_policy())
    snapshot = classify(ROSTER, credit((0, "commitment_breach", "2026-03-01", 1)), policy, as_of=AS_OF)
    save_snapshot(snapshot, tmp_path / "s.parquet")
    again = load_snapshot(tmp_path / "s.parquet")
    assert again.content_digest == snapshot.content_digest and again.policy == policy


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"indicators": {"mystery": {"weight": 1}}}, "indicators.mystery", "give it `records` or `column`"),
        (
            {"indicators": {"x": {"weight": 1, "records": ["nope"]}}},
            "indicators.x.records",
            "unknown record kind",
        ),
        ({"indicators": {"x": {"weight": 1, "records": []}}}, "indicators.x.records", "at least one"),
        (
            {"indicators": {"x": {"weight": 1, "records": ["env_penalty"], "column": "c"}}},
            "indicators.x",
            "not both",
        ),
        (
            {"indicators": {"x": {"weight": 1, "column": "c", "measure": "count"}}},
            "indicators.x.measure",
            "applies",
        ),
        (
            {"indicators": {"penalty": {"weight": -5, "sign": "raises"}}},
            "indicators.penalty.weight",
            "wrong sign",
        ),
        ({"record_kinds": {"penalty": {"period": 1}}}, "record_kinds.penalty", "built-in"),
        ({"periods": {"tax": 3}}, "periods.tax", "unknown record kind"),
        ({"results": {"发现问题": ["inspection_problem"]}}, "results.发现问题", "not a result term"),
        ({"results": {"NO_PROBLEM": ["clean"]}}, "results.NO_PROBLEM.records", "unknown record kind"),
        (
            {"results": {"NO_PROBLEM": [], "未发现问题": []}},
            "results.未发现问题",
            "the same term as results.NO_PROBLEM",
        ),
    ],
)
def test_policy_mistakes_name_the_key(change: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(base_policy(**change))
    assert f"  - {path}: " in str(caught.value) and message in str(caught.value)


def test_results_mapping_merges_over_the_defaults_and_keeps_old_digests() -> None:
    policy = parse_policy(
        base_policy(
            results={"未发现问题": ["commitment_breach"], "FALSE_PUBLICATION": {"records": [], "severity": 1}}
        )
    )
    mapping = policy.result_records()
    assert mapping["NO_PROBLEM"].records == ("commitment_breach",)
    assert mapping["FALSE_PUBLICATION"].records == ()
    assert mapping["REFUSED_COOPERATION_SERIOUS"].records == ("refused_inspection", "inspection_problem")
    plain = parse_policy(
        {k: v for k, v in base_policy().items() if k != "record_kinds"}
        | {"indicators": {"age": {"weight": 1}}}
    )
    assert set(plain.model_dump()) == {
        "name", "description", "max_score", "base_score", "score_decimals", "tiers", "annual_report_due",
        "clean_inspection_months", "periods", "industry_classes", "indicators", "overrides", "early_warning",
    }  # fmt: skip
    assert set(plain.model_dump()["indicators"]["age"]) == {"weight", "transform", "cap"}
