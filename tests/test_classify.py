"""Credit-risk classification: known answers, boundaries, overrides, snapshots, explanations."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom.classify import (
    INDICATORS,
    RECORD_KINDS,
    ClassificationSnapshot,
    classify,
    early_warning,
    explain,
    explain_frame,
    load_policy,
    load_snapshot,
    parse_policy,
    policy_digest,
    save_snapshot,
)
from dualrandom.classify.indicators import add_months, industry_classes
from dualrandom.errors import InputError, PolicyError, VerificationError
from dualrandom.ids import check_character

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "policy.toml"
AS_OF = date(2026, 11, 1)


def code(number: int) -> str:
    """A valid USCC whose organisation code encodes ``number``."""
    body = f"91420602MA{number:07d}"
    return body + check_character(body)


def roster(*registered: str, industries: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": [code(i) for i in range(len(registered))],
            "name": [f"企业{i}" for i in range(len(registered))],
            "registered_on": list(registered),
            "industry": industries or ["F52"] * len(registered),
        }
    )


def records(*rows: tuple[int, str, str, str | None, float | None, str | None]) -> pd.DataFrame:
    """Rows of (entity number, kind, start_on, end_on, severity, repaired_on)."""
    return pd.DataFrame(
        [(code(i), k, s, e, v, r) for i, k, s, e, v, r in rows],
        columns=["uscc", "kind", "start_on", "end_on", "severity", "repaired_on"],
    )


def simple_policy(**changes: Any) -> dict[str, Any]:
    """A small policy whose scores are easy to compute by hand."""
    data: dict[str, Any] = {
        "name": "test",
        "max_score": 1000,
        "base_score": 100,
        "tiers": {"names": ["A", "B", "C", "D"], "cutoffs": [200, 500, 750], "new_entity": "B"},
        "indicators": {
            "penalty": {"weight": 300, "transform": "linear", "cap": 2},
            "complaint": {"weight": 100, "transform": "log", "cap": 3},
            "abnormal_list": {"weight": 150},
            "serious_violation": {"weight": 50},
            "age": {"weight": 80, "transform": "decay", "cap": 5},
        },
        "overrides": [
            {"code": "ABNORMAL_LIST", "indicator": "abnormal_list", "at_least": "C"},
            {"code": "SERIOUS_VIOLATION", "indicator": "serious_violation", "at_least": "D"},
        ],
    }
    data.update(changes)
    return data


def row(snapshot: ClassificationSnapshot, number: int) -> pd.Series:
    table = snapshot.table
    return table[table["uscc"] == code(number)].iloc[0]


# --- scores and tiers ------------------------------------------------------------------------


def test_known_answer_scores() -> None:
    policy = parse_policy(simple_policy())
    people = roster("2015-01-01", "2015-01-01", "2023-11-01", "2015-01-01")
    credit = records(
        (0, "penalty", "2025-01-01", None, 1, None),  # 300 * 1/2 = 150
        (1, "penalty", "2025-01-01", None, 3, None),  # capped: 300
        (1, "complaint", "2026-10-01", None, None, None),  # 100 * log(2)/log(4) = 50
        (3, "abnormal_list", "2026-01-01", None, None, None),  # 150, override to C
    )
    snapshot = classify(people, credit, policy, as_of=AS_OF)
    # entity 2 is 3 years old: age decay 80 * (1 - (1096/365.25)/5)
    expected = [250.0, 450.0, round(100 + 80 * (1 - (1096 / 365.25) / 5), 2), 250.0]
    assert [float(row(snapshot, i)["score"]) for i in range(4)] == pytest.approx(expected, abs=1e-9)
    assert [row(snapshot, i)["tier"] for i in range(4)] == ["B", "B", "A", "C"]
    assert [row(snapshot, i)["score_tier"] for i in range(4)] == ["B", "B", "A", "B"]
    assert row(snapshot, 3)["override"] == "ABNORMAL_LIST"
    assert [row(snapshot, 1)[f"reason_{s}"] for s in (1, 2, 3)] == ["PENALTY", "COMPLAINT", ""]


def test_score_on_a_cutoff_belongs_to_the_higher_tier_and_is_clipped() -> None:
    policy = parse_policy(simple_policy(base_score=200))
    snapshot = classify(roster("2015-01-01"), None, policy, as_of=AS_OF)
    assert float(row(snapshot, 0)["score"]) == 200.0 and row(snapshot, 0)["tier"] == "B"
    heavy = parse_policy(simple_policy(base_score=900, indicators={"penalty": {"weight": 500}}))
    credit = records((0, "penalty", "2026-01-01", None, None, None))
    assert float(row(classify(roster("2015-01-01"), credit, heavy, as_of=AS_OF), 0)["score"]) == 1000.0


def test_negative_weights_and_clean_inspections() -> None:
    data = simple_policy(base_score=300, clean_inspection_months=12)
    data["indicators"]["clean_inspections"] = {"weight": -120, "transform": "linear", "cap": 2}
    policy = parse_policy(data)
    history = pd.DataFrame(
        {
            "uscc": [code(0), code(0), code(0), code(0), code(1)],
            "inspected_on": ["2026-03-01", "2026-03-01", "2026-05-01", "2025-10-31", "2026-04-01"],
        }
    )
    credit = records((1, "inspection_problem", "2026-04-01", None, None, None))
    snapshot = classify(roster("2015-01-01", "2015-01-01"), credit, policy, as_of=AS_OF, history=history)
    # entity 0: two distinct days within 12 months (the 2025-10-31 visit is older) -> -120
    assert float(row(snapshot, 0)["v_clean_inspections"]) == 2.0
    assert float(row(snapshot, 0)["score"]) == 180.0
    # entity 1: its only visit found a problem, so it is not clean
    assert float(row(snapshot, 1)["v_clean_inspections"]) == 0.0


def test_industry_classes_use_the_longest_prefix() -> None:
    classes = industry_classes(pd.Series(["F5211", "F52", "F51", "H62", "", "f5299"]), {"F": 1, "F52": 3})
    assert classes.tolist() == [3.0, 3.0, 1.0, 0.0, 0.0, 0.0]


def test_add_months_clips_to_the_month_end() -> None:
    days = np.array(["2025-01-31", "2024-02-29", "2025-03-15", "2023-11-30"], dtype="datetime64[D]").astype(
        np.int64
    )
    moved = add_months(days, np.array([1, 12, 36, -3])).astype("datetime64[D]").astype(str).tolist()
    assert moved == ["2025-02-28", "2025-02-28", "2028-03-15", "2023-08-30"]


# --- time: publication periods, repair, start, new entities --------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "end", "repaired", "day_before", "day_of"),
    [
        ("penalty_minor", "2025-01-31", None, None, "2025-04-29", "2025-04-30"),  # 3 months, clipped
        ("penalty", "2022-03-15", None, None, "2025-03-14", "2025-03-15"),  # 3 years
        ("penalty", "2025-01-01", None, "2025-06-10", "2025-06-09", "2025-06-10"),  # repair
        ("abnormal_list", "2024-01-01", "2025-02-01", None, "2025-01-31", "2025-02-01"),  # removed
    ],
)
def test_a_record_stops_counting_on_its_end_day(
    kind: str, start: str, end: str | None, repaired: str | None, day_before: str, day_of: str
) -> None:
    policy = parse_policy(
        simple_policy(indicators={"penalty": {"weight": 300}, "abnormal_list": {"weight": 300}})
    )
    credit = records((0, kind, start, end, None, repaired))
    people = roster("2010-01-01")
    before = classify(people, credit, policy, as_of=date.fromisoformat(day_before))
    after = classify(people, credit, policy, as_of=date.fromisoformat(day_of))
    assert float(row(before, 0)["score"]) == 400.0
    assert float(row(after, 0)["score"]) == 100.0


def test_a_record_counts_from_its_start_day() -> None:
    policy = parse_policy(simple_policy(indicators={"penalty": {"weight": 300}}))
    credit = records((0, "penalty", "2026-05-10", None, None, None))
    scores = [
        float(row(classify(roster("2010-01-01"), credit, policy, as_of=date(2026, 5, d)), 0)["score"])
        for d in (9, 10)
    ]
    assert scores == [100.0, 400.0]


def test_new_entity_takes_the_default_tier_until_its_first_report_is_due() -> None:
    policy = parse_policy(simple_policy(base_score=50))  # score tier A
    people = roster("2025-03-01", "2025-03-01")
    credit = records((1, "serious_violation", "2026-01-05", None, None, None))
    on_due_day = classify(people, credit, policy, as_of=date(2026, 6, 30))
    after_due_day = classify(people, credit, policy, as_of=date(2026, 7, 1))
    assert row(on_due_day, 0)["tier"] == "B" and bool(row(on_due_day, 0)["new_entity"])
    assert row(on_due_day, 0)["score_tier"] == "A"
    assert row(after_due_day, 0)["tier"] == "A" and not bool(row(after_due_day, 0)["new_entity"])
    # an override still applies to a new entity
    assert row(on_due_day, 1)["tier"] == "D" and row(on_due_day, 1)["override"] == "SERIOUS_VIOLATION"


# --- overrides -------------------------------------------------------------------------------


def test_override_precedence_highest_floor_wins_and_file_order_breaks_ties() -> None:
    data = simple_policy()
    data["overrides"].append({"code": "REFUSED", "indicator": "refused_inspection", "at_least": "C"})
    policy = parse_policy(data)
    people = roster(*["2010-01-01"] * 4)
    credit = records(
        (0, "abnormal_list", "2026-01-01", None, None, None),
        (0, "serious_violation", "2026-01-01", None, None, None),
        (1, "abnormal_list", "2026-01-01", None, None, None),
        (1, "refused_inspection", "2026-01-01", None, None, None),
        (2, "penalty", "2026-01-01", None, 2, None),
        (2, "abnormal_list", "2026-01-01", None, None, None),
        (2, "complaint", "2026-01-01", None, 3, None),
        (2, "serious_violation", "2026-01-01", None, None, None),
    )
    snapshot = classify(people, credit, policy, as_of=AS_OF)
    assert (row(snapshot, 0)["tier"], row(snapshot, 0)["override"]) == ("D", "SERIOUS_VIOLATION")
    assert (row(snapshot, 1)["tier"], row(snapshot, 1)["override"]) == ("C", "ABNORMAL_LIST")
    # the score alone reaches D (100 + 300 + 150 + 100 + 50 = 700 -> C; +50 serious = 700) -> D by override
    assert float(row(snapshot, 2)["score"]) == 700.0
    assert (row(snapshot, 2)["tier"], row(snapshot, 2)["override"]) == ("D", "SERIOUS_VIOLATION")
    assert (row(snapshot, 3)["tier"], row(snapshot, 3)["override"]) == ("A", "")


def test_override_does_not_fire_when_the_score_tier_is_already_high_enough() -> None:
    policy = parse_policy(simple_policy(base_score=800))
    credit = records((0, "abnormal_list", "2026-01-01", None, None, None))
    snapshot = classify(roster("2010-01-01"), credit, policy, as_of=AS_OF)
    assert (row(snapshot, 0)["tier"], row(snapshot, 0)["override"]) == ("D", "")


def test_five_tier_policy() -> None:
    tiers = {"names": ["A", "B", "C", "D", "E"], "cutoffs": [150, 300, 500, 750], "new_entity": "B"}
    overrides = [{"code": "SERIOUS_VIOLATION", "indicator": "serious_violation", "at_least": "E"}]
    policy = parse_policy(simple_policy(tiers=tiers, overrides=overrides, base_score=0))
    people = roster(*["2010-01-01"] * 6)
    credit = records(
        (1, "penalty", "2026-01-01", None, 1, None),  # 150 -> B
        (2, "penalty", "2026-01-01", None, 2, None),  # 300 -> C
        (3, "penalty", "2026-01-01", None, 2, None),
        (3, "abnormal_list", "2026-01-01", None, None, None),
        (3, "complaint", "2026-01-01", None, 3, None),  # 300 + 150 + 100 = 550 -> D
        (4, "serious_violation", "2026-01-01", None, None, None),  # 50 -> A, override E
    )
    snapshot = classify(people, credit, policy, as_of=AS_OF)
    assert [row(snapshot, i)["tier"] for i in range(6)] == ["A", "B", "C", "D", "E", "A"]
    assert snapshot.tier_counts() == {"A": 2, "B": 1, "C": 1, "D": 1, "E": 1}


# --- invariants ------------------------------------------------------------------------------

KINDS = ["penalty", "complaint", "abnormal_list", "serious_violation", "penalty_minor"]


@st.composite
def record_row(draw: st.DrawFn) -> tuple[int, str, str, None, float | None, str | None]:
    start = draw(st.dates(date(2022, 1, 1), date(2026, 12, 31)))
    repair = draw(st.one_of(st.none(), st.integers(0, 900)))
    repaired = None if repair is None else date.fromordinal(start.toordinal() + repair).isoformat()
    severity = draw(st.one_of(st.none(), st.integers(0, 4).map(float)))
    return draw(st.integers(0, 7)), draw(st.sampled_from(KINDS)), start.isoformat(), None, severity, repaired


record_rows = st.lists(record_row(), max_size=25)


@settings(max_examples=25, deadline=None)
@given(rows=record_rows, seed=st.integers(0, 2**32 - 1))
def test_digest_and_table_do_not_depend_on_row_order(rows: list[Any], seed: int) -> None:
    policy = load_policy(EXAMPLE)
    people = roster(
        *[f"20{10 + i}-02-0{1 + i % 9}" for i in range(8)], industries=["F52", "H62", "C14", "K70"] * 2
    )
    credit = records(*rows)
    first = classify(people, credit, policy, as_of=AS_OF)
    rng = np.random.default_rng(seed)
    shuffled = classify(
        people.iloc[rng.permutation(len(people))],
        credit.iloc[rng.permutation(len(credit))],
        policy,
        as_of=AS_OF,
    )
    assert shuffled.content_digest == first.content_digest
    pd.testing.assert_frame_equal(shuffled.table, first.table)


@settings(max_examples=25, deadline=None)
@given(rows=record_rows, extra=st.sampled_from(KINDS))
def test_one_more_record_never_lowers_score_or_tier(rows: list[Any], extra: str) -> None:
    policy = load_policy(EXAMPLE)
    people = roster(*["2012-05-05"] * 8)
    before = classify(people, records(*rows), policy, as_of=AS_OF)
    after = classify(people, records(*rows, (0, extra, "2026-10-01", None, None, None)), policy, as_of=AS_OF)
    names = list(policy.tiers.names)
    assert float(row(after, 0)["score"]) >= float(row(before, 0)["score"])
    assert names.index(row(after, 0)["tier"]) >= names.index(row(before, 0)["tier"])
    changed = after.table["uscc"] != code(0)
    pd.testing.assert_frame_equal(after.table[changed], before.table[changed])
    tiers = after.table["tier"].astype(str).map(names.index)
    floors = after.table["score_tier"].astype(str).map(names.index).where(~after.table["new_entity"], 1)
    assert (tiers >= floors).all()


# --- snapshots -------------------------------------------------------------------------------


def example_snapshot() -> ClassificationSnapshot:
    people = roster("2015-01-01", "2020-05-05", "2026-03-01", industries=["F5211", "H62", "C14"])
    credit = records(
        (0, "penalty", "2025-01-01", None, 2, None),
        (1, "abnormal_list", "2024-01-01", None, None, None),
        (1, "complaint", "2026-06-01", None, None, None),
        (2, "dishonest_debtor", "2026-09-01", None, None, None),
    )
    return classify(people, credit, load_policy(EXAMPLE), as_of=AS_OF, version="2026-11")


def test_snapshots_are_byte_identical_and_round_trip(tmp_path: Path) -> None:
    first = save_snapshot(example_snapshot(), tmp_path / "a.parquet")
    second = save_snapshot(example_snapshot(), tmp_path / "b.parquet")
    assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    loaded = load_snapshot(first)
    original = example_snapshot()
    assert loaded.content_digest == original.content_digest
    assert (loaded.version, loaded.as_of, loaded.policy_digest) == (
        "2026-11",
        AS_OF,
        policy_digest(original.policy),
    )
    pd.testing.assert_frame_equal(loaded.table, original.table)


def test_a_changed_snapshot_fails_verification(tmp_path: Path) -> None:
    path = save_snapshot(example_snapshot(), tmp_path / "s.parquet")
    sidecar = tmp_path / "s.json"
    sidecar.write_text(
        sidecar.read_text(encoding="utf-8").replace('"2026-11"', '"2026-12"'), encoding="utf-8"
    )
    with pytest.raises(VerificationError, match="content digest"):
        load_snapshot(path)


def test_digest_changes_with_any_input() -> None:
    base = example_snapshot()
    people = roster("2015-01-01", "2020-05-05", "2026-03-01", industries=["F5211", "H62", "C14"])
    later = classify(people, None, load_policy(EXAMPLE), as_of=AS_OF, version="2026-11")
    assert later.content_digest != base.content_digest
    relabelled = classify(people, None, load_policy(EXAMPLE), as_of=AS_OF, version="other")
    assert relabelled.content_digest != later.content_digest


# --- explanations and early warning ----------------------------------------------------------------


def test_explanations_name_factors_and_overrides() -> None:
    snapshot = example_snapshot()
    debtor = explain(snapshot, code(2))
    assert debtor.tier == "D" and debtor.override == "DISHONEST_DEBTOR"
    assert debtor.reason_codes[-2:] == ("DISHONEST_DEBTOR", "NEW_ENTITY")
    assert "被人民法院列为失信被执行人" in debtor.text_zh and "首次年度报告尚未到期" in debtor.text_zh
    assert "court-listed dishonest judgment debtor" in debtor.text_en
    penalised = explain(snapshot, code(0))
    assert penalised.reason_codes[0] == "PENALTY"
    points = {c.indicator: c.points for c in penalised.contributions}
    assert points["penalty"] == pytest.approx(300 * np.log1p(2) / np.log1p(5))
    total = 100 + sum(points.values())
    assert penalised.score == pytest.approx(round(total, 2))
    assert "行政处罚" in penalised.text_zh and "administrative penalties" in penalised.text_en
    frame = explain_frame(snapshot)
    assert frame["uscc"].tolist() == sorted(code(i) for i in range(3))
    with pytest.raises(InputError, match="UNKNOWN_ENTITY"):
        explain(snapshot, code(9))


def test_early_warning_lists_sharp_rises_only() -> None:
    policy = parse_policy(simple_policy(early_warning={"rise": 100}))
    people = roster(*["2010-01-01"] * 3)
    before = classify(
        people, records((2, "penalty", "2025-01-01", None, 2, None)), policy, as_of=date(2026, 1, 1)
    )
    credit = records(
        (0, "penalty", "2026-05-01", None, 2, None),  # +300
        (1, "complaint", "2026-05-01", None, 1, None),  # +50: below the threshold
        (2, "penalty", "2025-01-01", None, 2, None),
    )
    after = classify(people, credit, policy, as_of=date(2026, 6, 1))
    warned = early_warning(before, after)
    assert warned["uscc"].tolist() == [code(0)]
    assert warned["rise"].tolist() == [300.0]
    assert early_warning(before, after, rise=40)["uscc"].tolist() == [code(0), code(1)]
    with pytest.raises(PolicyError):
        early_warning(after, before)


# --- bad policies and inputs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["tiers"].update(cutoffs=[200, 150, 750]),
            "tiers.cutoffs: Value error, cut-offs must increase",
        ),
        (lambda d: d["tiers"].update(cutoffs=[200, 500]), "tiers.cutoffs: 4 tiers need 3 cut-offs, got 2"),
        (
            lambda d: d["tiers"].update(cutoffs=[200, 500, 1200]),
            "tiers.cutoffs.2: 1200 is outside (0, max_score=1000]",
        ),
        (lambda d: d["indicators"].update(fines={"weight": 3}), "indicators.fines: unknown indicator"),
        (lambda d: d["indicators"]["penalty"].pop("weight"), "indicators.penalty.weight: Field required"),
        (lambda d: d["indicators"]["penalty"].update(scale=2), "indicators.penalty.scale: Extra inputs"),
        (lambda d: d["overrides"][0].update(at_least="Z"), "overrides.0.at_least: unknown tier 'Z'"),
        (lambda d: d.update(periods={"fine": 3}), "periods.fine: unknown record kind"),
        (lambda d: d["tiers"].update(new_entity="X"), "tiers.new_entity: unknown tier 'X'"),
        (lambda d: d.update(annual_report_due=[2, 29]), "annual_report_due: [2, 29] is not a (month, day)"),
    ],
)
def test_bad_policies_name_the_key(change: Any, message: str) -> None:
    data = copy.deepcopy(simple_policy())
    change(data)
    with pytest.raises(PolicyError) as error:
        parse_policy(data, source="p.toml")
    assert str(error.value).startswith("p.toml: ")
    assert message.replace("Value error, ", "") in str(error.value)


def test_example_policy_loads_and_bad_files_are_reported(tmp_path: Path) -> None:
    policy = load_policy(EXAMPLE)
    assert policy.tiers.names == ("A", "B", "C", "D") and policy.tiers.cutoffs == (200, 500, 750)
    assert tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["name"] == policy.name
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("name = ", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(tmp_path / "bad.toml")


def test_every_bad_input_row_is_reported_at_once() -> None:
    people = roster("2015-01-01", "2015-13-01")
    people.loc[2] = [code(0), "dup", "2016-01-01", "F52"]
    credit = records(
        (0, "penalty", "2025-01-01", None, -1, None),
        (1, "fine", "2025-01-01", None, None, None),
        (1, "complaint", "yesterday", None, None, None),
        (0, "penalty", "2025-01-01", "2024-01-01", None, None),
    )
    with pytest.raises(InputError) as error:
        classify(people, credit, parse_policy(simple_policy()), as_of=AS_OF)
    text = str(error.value)
    assert text.splitlines()[0] == "6 problem(s) in the classification inputs:"
    for expected in (
        "roster, row 3, column 'registered_on': expected a date such as 2024-03-15 "
        "(value '2015-13-01') [DATE]",
        f"roster, row 4, column 'uscc': duplicates row 2 (value '{code(0)}') [DUPLICATE]",
        "records, row 2, column 'severity': expected a number >= 0 (value '-1') [NUMBER]",
        "records, row 3, column 'kind': allowed values:",
        "records, row 4, column 'start_on': expected a date such as 2024-03-15 (value 'yesterday') [DATE]",
        "records, row 5, column 'end_on': this date is before start_on (value '2024-01-01') [DATE_ORDER]",
    ):
        assert expected in text


def test_missing_columns_are_reported() -> None:
    with pytest.raises(
        InputError, match="column 'registered_on': the entities table needs this column"
    ):
        classify(pd.DataFrame({"uscc": [code(0)]}), None, parse_policy(simple_policy()), as_of=AS_OF)


# --- building blocks against plain-Python references -------------------------------------------


@settings(max_examples=200, deadline=None)
@given(day=st.dates(date(1900, 1, 1), date(2200, 12, 31)), months=st.integers(-1200, 1200))
def test_add_months_matches_calendar_arithmetic(day: date, months: int) -> None:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    last = (following - date(year, month, 1)).days
    expected = date(year, month, min(day.day, last))
    got = add_months(np.array([day.toordinal() - date(1970, 1, 1).toordinal()]), months)[0]
    assert date.fromordinal(int(got) + date(1970, 1, 1).toordinal()) == expected


codes = st.one_of(
    st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18),
    st.text("0123456789", min_size=15, max_size=15),
    st.text("0123456789AZ", min_size=1, max_size=18),
)


@settings(max_examples=100, deadline=None)
@given(table=st.lists(codes, min_size=1, max_size=60, unique=True), extra=st.lists(codes, max_size=30))
def test_entity_keys_sort_and_join_like_strings(table: list[str], extra: list[str]) -> None:
    from dualrandom.classify.keys import entity_keys, lookup, sort_order

    keys = entity_keys(pd.Series(table, dtype=str))
    assert keys is not None
    assert [table[i] for i in sort_order(keys)] == sorted(table)
    wanted = table[::2] + extra
    found = lookup(keys, entity_keys(pd.Series(wanted, dtype=str)))  # type: ignore[arg-type]
    assert found is not None
    assert found.tolist() == [table.index(w) if w in table else -1 for w in wanted]
    assert entity_keys(pd.Series(["91-A"], dtype=str)) is None  # odd characters: pandas fallback


def test_codes_outside_the_key_alphabet_still_classify() -> None:
    people = pd.DataFrame({"uscc": ["B-2", "A-1"], "registered_on": ["2010-01-01", "2010-01-01"]})
    credit = pd.DataFrame({"uscc": ["A-1"], "kind": ["penalty"], "start_on": ["2026-01-01"]})
    snapshot = classify(people, credit, parse_policy(simple_policy()), as_of=AS_OF)
    assert snapshot.table["uscc"].tolist() == ["A-1", "B-2"]
    assert snapshot.table["score"].tolist() == [250.0, 100.0]


@settings(max_examples=25, deadline=None)
@given(rows=record_rows)
def test_reason_columns_are_the_top_positive_contributions(rows: list[Any]) -> None:
    policy = load_policy(EXAMPLE)
    people = roster(
        *[f"20{16 + i % 10}-03-01" for i in range(8)], industries=["F52", "H62", "M74", "K70"] * 2
    )
    snapshot = classify(people, records(*rows), policy, as_of=AS_OF)
    for position, entity in snapshot.table.iterrows():
        parts = explain(snapshot, str(entity["uscc"])).contributions
        ranked = sorted((c for c in parts if c.points > 0), key=lambda c: -c.points)  # stable: ties in order
        expected = [c.code for c in ranked[:3]] + [""] * (3 - min(3, len(ranked)))
        assert [entity[f"reason_{s}"] for s in (1, 2, 3)] == expected, position
        assert float(entity["score"]) == pytest.approx(
            min(max(100 + sum(c.points for c in parts), 0), 1000), abs=0.006
        )


def _months_later(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - date(year, month, 1)).days))


def _scalar_tier(entity: Any, credit: list[Any], visits: set[date], policy: Any) -> tuple[float, str]:
    """A plain-Python reading of docs/classification.md for one entity (the test oracle)."""
    from math import log1p

    values = dict.fromkeys(INDICATORS, 0.0)
    problem_days = set()
    for kind, start, end, severity, repaired in credit:
        months = policy.period_months(kind)
        until = min(
            _months_later(start, months) if months else date.max, end or date.max, repaired or date.max
        )
        if start <= AS_OF < until:
            values[RECORD_KINDS[kind]] += severity
        if kind == "inspection_problem":
            problem_days.add(start)
    since = _months_later(AS_OF, -policy.clean_inspection_months)
    values["clean_inspections"] = len({d for d in visits if since < d <= AS_OF} - problem_days)
    values["age"] = max((AS_OF - entity.registered_on).days, 0) / 365.25
    prefixes = sorted(policy.industry_classes, key=len, reverse=True)
    values["industry_risk"] = next(
        (policy.industry_classes[p] for p in prefixes if entity.industry.startswith(p)), 0
    )
    total = policy.base_score
    for name in INDICATORS:
        spec = policy.indicators.get(name)
        if spec is not None:
            x = min(max(values[name], 0.0), spec.cap)
            shape = {
                "flag": 1.0 if values[name] > 0 else 0.0,
                "linear": x / spec.cap,
                "log": log1p(x) / log1p(spec.cap),
                "decay": 1.0 - x / spec.cap,
            }
            total += spec.weight * shape[spec.transform]
    score = round(min(max(total, 0.0), policy.max_score), policy.score_decimals)
    names = list(policy.tiers.names)
    tier = sum(score >= cut for cut in policy.tiers.cutoffs)
    month, day = policy.annual_report_due
    if date(entity.registered_on.year + 1, month, day) >= AS_OF:
        tier = names.index(policy.tiers.new_entity)
    for rule in policy.overrides:
        if values[rule.indicator] >= rule.min_value:
            tier = max(tier, names.index(rule.at_least))
    return score, names[tier]


def test_vectorised_classification_equals_a_scalar_reading_of_the_rules() -> None:
    from dualrandom.synth import synth_city
    from dualrandom.synth.credit import synth_credit

    city = synth_city(3000, seed="oracle", as_of=AS_OF)
    entities = city.entities.assign(registered_on=city.entities["registered_on"].dt.date)
    credit = synth_credit(city.entities, as_of=AS_OF, seed=9, rates=dict.fromkeys(RECORD_KINDS, 0.2))
    credit.loc[credit.index[::7], "end_on"] = credit["start_on"].iloc[::7] + pd.Timedelta(days=200)
    policy = load_policy(EXAMPLE)
    snapshot = classify(city.entities, credit, policy, as_of=AS_OF, history=city.history)
    by_entity: dict[str, list[Any]] = {}
    for uscc, kind, start, end, severity, repaired in credit.itertuples(index=False):
        end_day = None if pd.isna(end) else end.date()
        repaired_day = None if pd.isna(repaired) else repaired.date()
        by_entity.setdefault(uscc, []).append((kind, start.date(), end_day, severity, repaired_day))
    visits: dict[str, set[date]] = {}
    for uscc, day in zip(city.history["uscc"], city.history["inspected_on"], strict=True):
        visits.setdefault(uscc, set()).add(day.date())
    table = snapshot.table.set_index("uscc")
    for entity in entities.itertuples(index=False):
        score, tier = _scalar_tier(
            entity, by_entity.get(entity.uscc, []), visits.get(entity.uscc, set()), policy
        )
        assert float(table.at[entity.uscc, "score"]) == pytest.approx(score, abs=0.0051), entity.uscc
        assert table.at[entity.uscc, "tier"] == tier, entity.uscc
    assert len(set(snapshot.table["tier"])) == 4  # every tier occurs, so the comparison covers them all


def test_as_of_must_be_a_date() -> None:
    from dualrandom.classify import classify as classify_roster
    from dualrandom.classify import load_policy as load
    from dualrandom.errors import PolicyError

    policy = load(Path(__file__).parents[1] / "src" / "dualrandom" / "data" / "policy.toml")
    roster = pd.DataFrame({"uscc": ["91420602MA4F1XYB0X"], "name": ["x"]})
    with pytest.raises(PolicyError, match="as_of must be a date such as date"):
        classify_roster(roster, None, policy, as_of="2026-11-01")  # type: ignore[arg-type]
