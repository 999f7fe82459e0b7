"""Every reader takes its table through the schema: warnings lists, histories (digest, burden), results.

A table spelled with the Chinese headers or aliases of `dualrandom.schema` means what it means
with the English ones: the same triggered checks, the same history digest, the same burden.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _publish_data as data
from dualrandom.draw.commitment import history_digest
from dualrandom.errors import InputError
from dualrandom.fairness import burden_by_year, entity_burden
from dualrandom.models import Campaign, load_campaign
from dualrandom.protocol.triggered import triggered_checks
from dualrandom.results import import_results, read_strings
from dualrandom.schema import HISTORY_KIND_ALIASES, check_table, table_spec, validate

CODES = [data.uscc("enterprise", i) for i in range(1, 6)]
ENGLISH = pd.DataFrame(
    {
        "uscc": CODES,
        "inspected_on": ["2026-04-10", "2026-04-10", "2026-04-11", "2026-04-11", "2026-04-12"],
        "reason": ["风险预警", "投诉举报", "风险预警", "案件线索", "风险预警"],
        "department": ["SAMR", "FOOD", "SAMR", "FIRE", ""],
    }
)
CHINESE_DATES = ["2026/4/10", "2026年4月10日", "20260411", "2026.4.11", "2026-04-12"]
EXPECTED = ENGLISH.assign(department=["SAMR", "FOOD", "SAMR", "FIRE", "FOOD"])[  # T2 is initiated by FOOD
    ["uscc", "department", "inspected_on", "reason"]
]


def demo_campaign() -> Campaign:
    packaged = resources.files("dualrandom").joinpath("data/demo-campaign.toml")
    with resources.as_file(packaged) as path:
        return load_campaign(path)


CAMPAIGN = demo_campaign()


def _headers(kind: str) -> dict[str, tuple[str, ...]]:
    """Every spelling of each column: its name, then its Chinese headers."""
    return {c.name: (c.name, *c.headers) for c in table_spec(kind).columns}


# 1. a warnings list with Chinese headers ------------------------------------------------------


def test_a_chinese_headed_warnings_list_gives_the_same_checks() -> None:
    chinese = ENGLISH.assign(inspected_on=CHINESE_DATES).rename(
        columns={
            "uscc": "统一社会信用代码",
            "inspected_on": "检查日期",
            "reason": "触发原因",
            "department": "检查部门",
        }
    )
    checks = triggered_checks(chinese, CAMPAIGN, task_id="T2", source="预警名单.csv")
    pd.testing.assert_frame_equal(checks, EXPECTED.astype(object), check_dtype=False)
    assert checks.to_dict(orient="records")[1] == {
        "uscc": CODES[1], "department": "FOOD", "inspected_on": "2026-04-10", "reason": "投诉举报"
    }  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_spelling_of_the_headers_and_any_row_order_gives_the_same_checks(draw: st.DataObject) -> None:
    spellings = _headers("warnings")
    renamed = {name: draw.draw(st.sampled_from(spellings[name])) for name in ENGLISH.columns}
    order = draw.draw(st.permutations(range(len(ENGLISH))))
    table = ENGLISH.iloc[list(order)].rename(columns=renamed)
    checks = triggered_checks(table, CAMPAIGN, task_id="T2")
    assert checks.sort_values("uscc", ignore_index=True).to_dict(orient="records") == EXPECTED.to_dict(
        orient="records"
    )


def test_the_list_classify_writes_takes_its_reason_from_reason_1_and_the_date_from_on() -> None:
    warned = pd.DataFrame(
        {"uscc": CODES[:2], "previous_score": ["300", "320"], "score": ["520", "610"], "rise": ["220", "290"],
         "previous_tier": ["B", "B"], "tier": ["C", "D"], "reason_1": ["行政处罚", "经营异常名录"]}
    )  # fmt: skip
    checks = triggered_checks(warned, CAMPAIGN, task_id="T1", on=date(2026, 5, 6))
    assert checks.to_dict(orient="records") == [
        {"uscc": CODES[0], "department": "SAMR", "inspected_on": "2026-05-06", "reason": "行政处罚"},
        {"uscc": CODES[1], "department": "SAMR", "inspected_on": "2026-05-06", "reason": "经营异常名录"},
    ]
    assert check_table(warned, "warnings").errors == ()  # `check --kind warnings` accepts it as it is


def test_empty_cells_take_the_defaults_and_without_them_are_named() -> None:
    table = ENGLISH.assign(
        inspected_on=["", *ENGLISH["inspected_on"][1:]], reason=["", *ENGLISH["reason"][1:]]
    )
    checks = triggered_checks(table, CAMPAIGN, task_id="T2", on=date(2026, 4, 9), reason="风险预警")
    assert checks.loc[0, "inspected_on"] == "2026-04-09" and checks.loc[0, "reason"] == "风险预警"
    assert checks.loc[1, "inspected_on"] == "2026-04-10" and checks.loc[1, "reason"] == "投诉举报"
    with pytest.raises(InputError) as caught:
        triggered_checks(table, CAMPAIGN, task_id="T2")
    found = [(p.row, p.column, p.rule) for p in caught.value.problems]
    assert found == [(2, "inspected_on", "REQUIRED"), (2, "reason", "REQUIRED")]
    with pytest.raises(InputError) as caught:
        triggered_checks(ENGLISH.drop(columns="reason"), CAMPAIGN, task_id="T2")
    assert [(p.column, p.rule) for p in caught.value.problems] == [("reason", "COLUMN_MISSING")]


def test_a_department_outside_the_task_is_named_as_the_file_names_it() -> None:
    table = ENGLISH.rename(columns={"department": "检查部门"}).assign(
        检查部门=["SAMR", "DRUG", "", "", "bad id"]
    )
    with pytest.raises(InputError) as caught:
        triggered_checks(table, CAMPAIGN, task_id="T1", source="w.csv")
    found = [(p.row, p.column, p.value, p.rule) for p in caught.value.problems]
    assert found == [
        (3, "检查部门 (department)", "DRUG", "DEPARTMENT_UNKNOWN"),
        (6, "检查部门 (department)", "bad id", "IDENTIFIER"),  # the schema's rule, reported once
    ]
    assert "nothing was recorded" in str(caught.value)


def test_one_entity_listed_twice_under_two_spellings_is_refused() -> None:
    """Attack: a code repeated in lower case with spaces would record two checks for one visit."""
    table = pd.concat([ENGLISH, ENGLISH.iloc[[0]].assign(uscc=f"  {CODES[0].lower()} ")], ignore_index=True)
    with pytest.raises(InputError) as caught:
        triggered_checks(table, CAMPAIGN, task_id="T2")
    assert [(p.row, p.rule, p.message) for p in caught.value.problems] == [
        (7, "DUPLICATE", "duplicates row 2")
    ]


def test_a_code_excel_turned_into_a_number_is_refused() -> None:
    table = ENGLISH.assign(uscc=[*CODES[:4], "9.14206E+17"])
    with pytest.raises(InputError) as caught:
        triggered_checks(table, CAMPAIGN, task_id="T2")
    assert [(p.row, p.column, p.rule) for p in caught.value.problems] == [(6, "uscc", "EXCEL_NUMBER")]


# 2. the history digest: one history, one digest, however its kinds are spelled ----------------

HISTORY = pd.DataFrame(
    {
        "uscc": ["91420600MA0000001X", "91420600MA0000002X", "91420600MA0000003X"],
        "inspected_on": ["2026-03-05", "2025-12-01", "2026-01-31"],
        "kind": ["random", "triggered", "random"],
    }
)
CANONICAL_DIGEST = "b99f90daee505e733425023a34babf6a203ae2fee666deb5bf94443298dec1e2"
"""Computed before kinds were normalised: canonical spellings keep their digest."""


def test_the_digest_of_a_canonically_spelled_history_is_unchanged() -> None:
    assert history_digest(HISTORY) == CANONICAL_DIGEST


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_alias_of_a_kind_gives_the_same_digest(draw: st.DataObject) -> None:
    spellings: dict[str, list[str]] = {"random": ["random", "Random", " RANDOM "], "triggered": ["triggered"]}
    for alias, kind in HISTORY_KIND_ALIASES.items():
        spellings[kind] += [alias, f" {alias} "]
    kinds = [draw.draw(st.sampled_from(spellings[k])) for k in HISTORY["kind"]]
    header = draw.draw(st.sampled_from(_headers("history")["kind"]))
    spelled = HISTORY.assign(kind=kinds).rename(columns={"kind": header})
    assert history_digest(spelled) == CANONICAL_DIGEST


def test_a_changed_kind_changes_the_digest() -> None:
    """Tamper: re-labelling a random check as triggered (or 双随机 as 投诉举报) is seen."""
    assert history_digest(HISTORY.assign(kind=["random", "random", "random"])) != CANONICAL_DIGEST
    assert history_digest(HISTORY.assign(kind=["双随机", "双随机", "双随机"])) != CANONICAL_DIGEST
    assert history_digest(HISTORY.assign(kind=["双随机", "投诉举报", "投诉举报"])) != CANONICAL_DIGEST
    assert history_digest(HISTORY.assign(kind=["random", "unknown", "random"])) != CANONICAL_DIGEST


# 3. burden reads its history through the schema -----------------------------------------------

ROSTER = pd.DataFrame({"uscc": CODES[:3], "tier": ["A", "A", "B"]})
BURDEN_HISTORY = pd.DataFrame(
    {
        "uscc": [CODES[0], CODES[0], CODES[1], CODES[0]],
        "inspected_on": ["2025-03-01", "2025-09-01", "2025-05-05", "2026-01-10"],
        "kind": ["random", "random", "random", "triggered"],
    }
)


def test_burden_reads_a_chinese_headed_history_with_bureau_dates() -> None:
    chinese = BURDEN_HISTORY.assign(
        inspected_on=["2025/3/1", "2025年9月1日", "20250505", "2026-01-10"],
        kind=["双随机", "随机", "双随机", "触发"],
    ).rename(columns={"uscc": "统一社会信用代码", "inspected_on": "检查日期", "kind": "检查类型"})
    pd.testing.assert_frame_equal(burden_by_year(chinese, ROSTER), burden_by_year(BURDEN_HISTORY, ROSTER))
    per_entity = entity_burden(chinese, ROSTER, as_of=date(2026, 3, 1)).set_index("uscc")
    assert per_entity["inspections"].tolist() == [3, 1, 0]


def test_burden_reports_every_bad_history_row_by_the_schema_rules() -> None:
    bad = BURDEN_HISTORY.assign(
        uscc=[CODES[0], "91420600MA00000", CODES[1], CODES[0]],
        inspected_on=["2025-03-01", "", "soon", "2026-01-10"],
    ).rename(columns={"inspected_on": "检查日期"})
    with pytest.raises(InputError) as caught:
        burden_by_year(bad, ROSTER, source="history.csv")
    found = [(p.row, p.column, p.rule) for p in caught.value.problems]
    assert found == [
        (3, "uscc", "ID_LENGTH"),
        (3, "检查日期 (inspected_on)", "REQUIRED"),
        (4, "检查日期 (inspected_on)", "DATE"),
    ]


# 4. results: the schema renames the headers once and hands back the raw table -----------------


def test_checked_hands_back_the_raw_table_under_the_schema_names() -> None:
    raw = ENGLISH.assign(inspected_on=CHINESE_DATES).rename(
        columns={"uscc": "统一社会信用代码", "inspected_on": "检查日期"}
    )
    checked = validate(raw, "warnings")
    assert list(checked.raw.columns) == ["uscc", "inspected_on", "reason", "department"]
    assert checked.raw["inspected_on"].tolist() == CHINESE_DATES  # values as written
    assert checked.frame["inspected_on"].dt.strftime("%Y-%m-%d").tolist()[0] == "2026-04-10"
    assert checked.label("uscc") == "统一社会信用代码 (uscc)" and checked.label("reason") == "reason"


@pytest.fixture
def renames(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the header renames (`canonical_headers`) a read makes, wherever it is called from."""
    import dualrandom.results
    from dualrandom.schema import _validate

    calls: list[str] = []
    original: Callable[..., Any] = _validate.canonical_headers

    def counted(frame: pd.DataFrame, spec: Any) -> Any:
        calls.append(spec.name)
        return original(frame, spec)

    monkeypatch.setattr(_validate, "canonical_headers", counted)
    monkeypatch.setattr(dualrandom.results, "canonical_headers", counted, raising=False)
    return calls


RESULTS = pd.DataFrame(
    {
        "统一社会信用代码": [CODES[0]],
        "抽查任务编号": ["T1"],
        "检查部门": ["SAMR"],
        "检查完成日期": ["2026/11/20"],
        "检查结果": ["未发现问题"],
    }
)


def test_read_strings_renames_once(renames: list[str]) -> None:
    strings = read_strings(RESULTS, "results")
    assert renames == ["results"]
    assert list(strings.columns) == ["uscc", "task_id", "department", "completed_on", "result"]
    assert strings.loc[0, "completed_on"] == "2026/11/20"


def test_import_results_renames_once(renames: list[str]) -> None:
    sample = pd.DataFrame({"uscc": [CODES[0]], "task_id": ["T1"], "departments": ["SAMR"], "tier": ["A"]})
    imported = import_results(RESULTS, CAMPAIGN, sample, as_of=date(2026, 11, 30))
    assert renames == ["results"]
    assert imported.loc[0, "result_code"] == "NO_PROBLEM" and imported.loc[0, "row"] == 2


# 5. the spec list is pandas-free ------------------------------------------------------------------


def test_the_table_kinds_import_without_pandas() -> None:
    import subprocess

    code = "import sys\nfrom dualrandom.schema import TABLE_KINDS, table_spec\ntable_spec('warnings')\n"
    code += "print('pandas' in sys.modules, 'warnings' in TABLE_KINDS)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_a_path_and_a_frame_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "预警名单.csv"
    ENGLISH.to_csv(path, index=False, encoding="gb18030")
    from_file, from_frame = check_table(path, "warnings"), check_table(ENGLISH, "warnings")
    pd.testing.assert_frame_equal(from_file.frame, from_frame.frame)
    assert from_file.source == str(path) and from_frame.source == "<DataFrame>"
    assert check_table(ENGLISH, "warnings", name="预警名单").source == "预警名单"
