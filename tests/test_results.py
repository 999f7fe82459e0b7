"""Results import: the official vocabulary, validation of every row at once, the ledger payload."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import _publish_data as data
from dualrandom.errors import InputError
from dualrandom.results import (
    PROBLEM_CODES,
    VOCABULARY,
    import_results,
    parse_dates,
    result_code,
    results_payload,
)

CAMPAIGN = data.campaign()
ROSTER = data.roster()
SAMPLE = data.draw(ROSTER, CAMPAIGN)
RESULTS = data.results(SAMPLE, CAMPAIGN)


def test_vocabulary_codes_and_labels() -> None:
    assert len({t.code for t in VOCABULARY}) == len({t.label for t in VOCABULARY}) == len(VOCABULARY)
    for term in VOCABULARY:
        assert result_code(term.label) == term.code
        assert result_code(f" {term.code.lower()} ") == term.code
        for alias in term.aliases:
            assert result_code(alias) == term.code
    assert result_code("通过登记的住所(经营场所)无法联系") == "UNREACHABLE_AT_ADDRESS"  # ASCII brackets
    assert result_code("公示信息隐瞒真实情况、弄虚作假") == "FALSE_PUBLICATION"
    assert result_code("不予配合情节严重") == "REFUSED_COOPERATION_SERIOUS"
    assert result_code("一切正常") is None
    assert "NO_PROBLEM" not in PROBLEM_CODES and "DEREGISTERED" not in PROBLEM_CODES
    assert {"PROBLEM_CORRECTED_AFTER_ORDER", "REFUSED_COOPERATION_SERIOUS"} <= PROBLEM_CODES


def test_parse_dates_known_answers() -> None:
    parsed = parse_dates(
        pd.Series(["2026-10-09", "2026/1/5", "2026年2月3日", "2026-02-30", "9.10", "", "2026-10-09 00:00:00"])
    )
    shown = [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in parsed]
    assert shown == ["2026-10-09", "2026-01-05", "2026-02-03", None, None, None, "2026-10-09"]


def test_valid_results_keep_every_row_with_codes_and_tiers() -> None:
    frame = import_results(RESULTS, CAMPAIGN, SAMPLE)
    assert len(frame) == len(RESULTS)
    assert list(frame.columns) == [
        "uscc",
        "task_id",
        "department",
        "completed_on",
        "result",
        "result_code",
        "tier",
        "row",
    ]
    tiers = SAMPLE.set_index(["uscc", "task_id"])["tier"]
    assert (
        frame["tier"].to_numpy() == tiers.reindex(pd.MultiIndex.from_frame(frame[["uscc", "task_id"]]))
    ).all()
    assert (frame["result_code"].map(result_code) == frame["result_code"]).all()
    assert frame["row"].tolist() == list(range(2, len(RESULTS) + 2))


def test_every_problem_is_listed_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    drawn = SAMPLE[SAMPLE["task_id"] == "T1"]["uscc"].iloc[0]
    joint = SAMPLE[SAMPLE["task_id"] == "T2"]["uscc"].iloc[0]
    undrawn = sorted(set(ROSTER["uscc"]) - set(SAMPLE["uscc"]))[0]
    rows = [
        (drawn, "T1", "SAMR", "2026-10-09", "未发现问题"),  # 2: fine
        (drawn.lower(), "T1", "SAMR", "2026-10-09", "未发现问题"),  # 3: same after normalising: duplicate
        (undrawn, "T1", "SAMR", "2026-10-09", "未发现问题"),  # 4: not drawn
        (drawn, "T9", "SAMR", "2026-10-09", "未发现问题"),  # 5: unknown task
        (joint, "T2", "SAMR", "2026-10-09", "未发现问题"),  # 6: department not in the task
        (joint, "T2", "FOOD", "2026-13-01", "一切正常"),  # 7: bad date and unknown result
        (joint, "T2", "FIRE", "2026-10-09", "未发现问题"),  # 8: combined with row 9
        (joint, "T2", "FIRE", "2026-10-10", "发现问题待后续处理"),  # 9: other date
        ("91350203M0001QAY9B", "T1", "TAX", "", "未发现问题"),  # 10: bad check char, unknown dept, empty date
    ]
    path = tmp_path / "结果.csv"
    pd.DataFrame(rows, columns=["uscc", "task_id", "department", "completed_on", "result"]).to_csv(
        path, index=False
    )
    with pytest.raises(InputError) as caught:
        import_results(path, CAMPAIGN, SAMPLE)
    found = [(p.row, p.column, p.rule) for p in caught.value.problems]
    assert found == [
        (3, "result", "RESULT_DUPLICATE"),
        (4, "uscc", "RESULT_NOT_DRAWN"),
        (5, "task_id", "TASK_UNKNOWN"),
        (6, "department", "DEPARTMENT_NOT_IN_TASK"),
        (7, "completed_on", "DATE"),
        (7, "result", "RESULT_UNKNOWN"),
        (8, "completed_on", "DATE_MISMATCH"),
        (8, "result", "RESULT_EXCLUSIVE"),
        (9, "completed_on", "DATE_MISMATCH"),
        (10, "completed_on", "REQUIRED"),
        (10, "department", "DEPARTMENT_UNKNOWN"),
        (10, "uscc", "ID_CHECK"),
    ]
    message = str(caught.value)
    assert message.startswith(f"{path}: 12 problem(s) found:\n")
    assert f"{path}, row 4, column 'uscc': this entity was not drawn for this task" in message
    assert "(value '一切正常') [RESULT_UNKNOWN]" in message
    assert "expected '9', found 'B'" in message


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError) as caught:
        import_results(RESULTS.drop(columns=["department", "result"]), CAMPAIGN, SAMPLE)
    assert [(p.row, p.column, p.rule) for p in caught.value.problems] == [
        (1, "department", "COLUMN_MISSING"),
        (1, "result", "COLUMN_MISSING"),
    ]


def test_xlsx_results(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "results.xlsx"
    RESULTS.head(20).to_excel(path, index=False)
    frame = import_results(path, CAMPAIGN, SAMPLE)
    assert frame["result"].tolist() == RESULTS["result"].head(20).tolist()


@settings(max_examples=10, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_ledger_payload(random) -> None:  # type: ignore[no-untyped-def]
    order = list(range(len(RESULTS)))
    random.shuffle(order)
    shuffled = RESULTS.iloc[order].reset_index(drop=True)
    first = results_payload(import_results(RESULTS, CAMPAIGN, SAMPLE), CAMPAIGN)
    second = results_payload(import_results(shuffled, CAMPAIGN, SAMPLE), CAMPAIGN)
    assert first == second
    assert first["count"] == len(RESULTS)
