"""One schema for every table: the reported disagreements between `check` and the steps, each a test.

Every reproduction of issue #16 (part 1) is a row of a table-driven test; a Hypothesis test
shows that `check --kind K` and the step that reads K give the same verdict on the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualrandom.assign.inputs import normalize_history, normalize_inspectors, normalize_sample
from dualrandom.classify.inputs import prepare_inputs
from dualrandom.draw.frame import prepare_frame, recent_checks
from dualrandom.errors import InputError
from dualrandom.results import read_strings, suggest
from dualrandom.schema import TABLE_KINDS, table_spec, validate

GOOD = "91350100M000100Y43"
OTHER = "91350200776049653A"


def _rules(table: pd.DataFrame, kind: str, **options: object) -> set[str]:
    return {p.rule for p in validate(table, kind, **options).errors}  # type: ignore[arg-type]


def _raises(step: Callable[[], object]) -> set[str]:
    try:
        step()
    except InputError as error:
        return {p.rule for p in error.problems if p.severity == "error"}
    return set()


INSPECTOR = pd.DataFrame(
    {"inspector_id": ["I1"], "name": ["张三"], "department": ["SAMR"], "active": ["在岗"]}
)
HISTORY_TRIGGERED = pd.DataFrame({"uscc": [GOOD], "inspected_on": ["2026-03-01"], "kind": ["触发"]})
HISTORY_BAD_CODE = pd.DataFrame(
    {"uscc": [GOOD, "91350100M00010"], "inspected_on": ["2026-03-01", "2026-04-01"]}
)
RESULTS_CN = pd.DataFrame(
    {"统一社会信用代码": [GOOD], "任务编号": ["T1"], "检查部门": ["SAMR"], "检查完成日期": ["2026-05-01"],
     "检查结果": ["未发现问题"]}
)  # fmt: skip
SAMPLE_CN = pd.DataFrame({"统一社会信用代码": [GOOD], "参与部门": ["SAMR"]})
PAST = pd.DataFrame({"uscc": [GOOD, OTHER], "inspected_on": ["2026-01-01", "2026-02-01"]})
ROSTER = pd.DataFrame(
    {"uscc": [GOOD, OTHER], "tier": ["A", "B"], "registered_on": ["2020-01-01", "2021-02-03"]}
)

REPRODUCTIONS: dict[str, tuple[Callable[[], set[str]], set[str]]] = {
    "active=在岗 passes check": (lambda: _rules(INSPECTOR, "inspectors"), set()),
    "active=在岗 passes assign": (lambda: _raises(lambda: normalize_inspectors(INSPECTOR, "i")), set()),
    "kind=触发 passes check": (lambda: _rules(HISTORY_TRIGGERED, "history"), set()),
    "kind=触发 passes draw": (
        lambda: _raises(lambda: recent_checks(HISTORY_TRIGGERED, date(2026, 6, 1))),
        set(),
    ),
    "history without campaign_id passes assign": (
        lambda: _raises(lambda: normalize_history(HISTORY_TRIGGERED, "h")),
        set(),
    ),
    "a malformed history code fails check": (lambda: _rules(HISTORY_BAD_CODE, "history"), {"ID_LENGTH"}),
    "a malformed history code fails draw": (
        lambda: _raises(lambda: recent_checks(HISTORY_BAD_CODE, date(2026, 6, 1))),
        {"ID_LENGTH"},
    ),
    "a malformed history code fails classify": (
        lambda: _raises(lambda: prepare_inputs(ROSTER, None, HISTORY_BAD_CODE, need_industry=False)),
        {"ID_LENGTH"},
    ),
    "results take Chinese headers": (lambda: _rules(RESULTS_CN, "results"), set()),
    "a sample takes Chinese headers": (
        lambda: _raises(lambda: normalize_sample(SAMPLE_CN, "s", None)),
        set(),
    ),
    "a completion date in 2099 is refused": (
        lambda: _rules(RESULTS_CN.assign(检查完成日期="2099-01-01"), "results", as_of=date(2026, 6, 1)),
        {"DATE_RANGE"},
    ),
    "a completion date in 1999 is refused": (
        lambda: _rules(RESULTS_CN.assign(检查完成日期="1999-01-01"), "results", as_of=date(2026, 6, 1)),
        {"DATE_RANGE"},
    ),
    "a completion date after --as-of is refused": (
        lambda: _rules(RESULTS_CN.assign(检查完成日期="2026-06-02"), "results", as_of=date(2026, 6, 1)),
        {"DATE_RANGE"},
    ),
    "an Excel-rounded code is named as such": (
        lambda: _rules(PAST.assign(uscc=["9.24206E+17", OTHER]), "history", lenient=True),
        {"EXCEL_NUMBER"},
    ),
    "an Excel-truncated code is never another entity under --lenient": (
        lambda: _rules(PAST.assign(uscc=["924206000000000000", OTHER]), "history", lenient=True),
        {"EXCEL_NUMBER"},
    ),
    "an empty roster is refused": (
        lambda: _rules(ROSTER.iloc[:0], "entities"),
        {"NO_ROWS", "COLUMN_MISSING"},
    ),
    "an empty roster fails the draw": (
        lambda: _raises(lambda: prepare_frame(ROSTER.iloc[:0], ("A", "B"))),
        {"NO_ROWS"},
    ),
}


@pytest.mark.parametrize("name", list(REPRODUCTIONS))
def test_every_reported_reproduction_behaves(name: str) -> None:
    run, expected = REPRODUCTIONS[name]
    assert run() == expected


def test_a_result_with_a_trailing_full_stop_suggests_the_term() -> None:
    assert suggest("未发现问题。") == "未发现问题"
    assert suggest("未发现问题 ") == "未发现问题"
    assert suggest("完全无关的文字内容") is None


def test_the_publish_roster_takes_chinese_headers() -> None:
    frame = pd.DataFrame(
        {"统一社会信用代码": [GOOD], "企业名称": ["甲"], "市场主体类型": ["企业"], "行政区划代码": ["420606"],
         "行业代码": ["F52"], "成立日期": ["2020-01-01"]}
    )  # fmt: skip
    strings = read_strings(frame, "entities")
    assert {"uscc", "name", "entity_type", "division", "industry", "registered_on"} <= set(strings.columns)


def test_the_readme_pattern_reports_one_missing_department_cause_once() -> None:
    sample = pd.DataFrame({"uscc": [f"{i:015d}" for i in range(1, 151)], "tier": "B"})
    with pytest.raises(InputError) as caught:
        normalize_sample(sample, "sample", None)
    problems = [p for p in caught.value.problems if p.rule == "DEPARTMENTS_EMPTY"]
    assert len(problems) == 1
    assert problems[0].row is None
    assert "every one of the 150 rows" in problems[0].message
    assert "campaign" in problems[0].message


def test_a_whole_bad_column_is_one_problem_but_a_few_bad_rows_are_listed() -> None:
    n = 40
    table = pd.DataFrame({"uscc": [GOOD] * n, "inspected_on": ["yesterday"] * n})
    dates = [p for p in validate(table, "history").errors if p.rule == "DATE"]
    assert len(dates) == 1 and dates[0].row is None and dates[0].value == "yesterday"
    table.loc[0, "inspected_on"] = "2026-01-01"
    assert len([p for p in validate(table, "history").errors if p.rule == "DATE"]) == n - 1


def test_every_kind_has_a_spec_with_documented_columns() -> None:
    for kind in TABLE_KINDS:
        spec = table_spec(kind)
        assert spec.columns and spec.required, kind
        assert len({c.name for c in spec.columns}) == len(spec.columns)
    with pytest.raises(ValueError, match="unknown table kind"):
        table_spec("nonsense")


# --- the same spec gives the same verdict in `check` and in each step ------------------------

_ACTIVE = st.sampled_from(["true", "否", "在岗", "离岗", "", "maybe", "1"])
_CAP = st.sampled_from(["", "3", "0", "-1", "x"])
_DAY = st.sampled_from(["2026-01-03", "2026/1/3", "", "2026-02-30", "20260105", "2026年3月1日"])
_ID = st.sampled_from(["I1", "I2", "I3", "", "a b"])
_CODE = st.sampled_from([GOOD, OTHER, "", "91350100M00010", "9.24206E+17", "91350203M0001QAY9B"])
_KIND = st.sampled_from(["random", "triggered", "触发", "", "audit"])
_HOME = st.sampled_from(["", "420606", "420606001", "4206"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_ID, _ACTIVE, _CAP, _DAY, _HOME), min_size=1, max_size=6))
def test_check_inspectors_agrees_with_assign(rows: list[tuple[str, str, str, str, str]]) -> None:
    table = pd.DataFrame(
        rows, columns=["inspector_id", "active", "max_targets", "unavailable", "home_division"]
    )
    table = table.assign(name="张三", department="SAMR")
    checked = not validate(table, "inspectors").errors
    assert checked == (not _raises(lambda: normalize_inspectors(table, "inspectors")))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_CODE, _DAY, _KIND), min_size=1, max_size=6))
def test_check_history_agrees_with_draw_assign_and_classify(rows: list[tuple[str, str, str]]) -> None:
    history = pd.DataFrame(rows, columns=["uscc", "inspected_on", "kind"])
    checked = not validate(history, "history").errors
    assigned = not _raises(lambda: normalize_history(history, "history"))
    assert assigned or not checked  # what `check` accepts, assign accepts
    assert assigned == (not validate(history, "history", any_code=None).errors)
    lenient = not validate(history, "history", lenient=True).errors  # `check --lenient`
    # the draw of a GB 32100 roster (prepare_frame's attrs[CODES] == "checked")
    assert lenient == (not _raises(lambda: recent_checks(history, date(2026, 6, 1), any_code=False)))
    classified = _raises(lambda: prepare_inputs(ROSTER, None, history, need_industry=False))
    assert lenient == (not classified)


# --- an operator at the command line ------------------------------------------------------------

HEADER = "统一社会信用代码,企业名称,市场主体类型,行政区划代码,行业代码,成立日期"


def _run(args: list[str]) -> tuple[int, str]:
    from click.testing import CliRunner

    from dualrandom.cli import main

    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_cli_chinese_headers_name_file_row_column_value_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "名录.csv"
    path.write_bytes(
        f"{HEADER}\n{GOOD},甲,企业,420606,F52,2020-01-01\n91350203M0001QAY9B,乙,个体,42060,F52,2020-01-01\n".encode(
            "gbk"
        )
    )
    code, output = _run(["check", str(path), "--format", "lines"])
    assert code == 2
    assert f"{path}, row 3, column '统一社会信用代码 (uscc)'" in output and "[ID_CHECK]" in output
    assert (
        f"{path}, row 3, column '行政区划代码 (division)'" in output
        and "(value '42060') [DIVISION]" in output
    )


def test_cli_an_excel_damaged_file_is_named_as_excel_damage_even_lenient(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(f"uscc,inspected_on\n9.24206E+17,2026-01-01\n{GOOD},2026-01-02\n", encoding="utf-8")
    code, output = _run(["check", str(path), "--lenient", "--format", "lines"])
    assert code == 2
    assert "row 2, column 'uscc': Excel turned this code into a number" in output
    assert "(value '9.24206E+17') [EXCEL_NUMBER]" in output


def test_cli_a_big5_file_is_named_and_utf16_is_read(tmp_path: Path) -> None:
    head = "uscc,name,entity_type,division,industry,registered_on"
    rows = f"{head}\n{GOOD},臺灣鑫盛貿易有限公司,企業,420606,F52,2020-01-01\n"
    big5 = tmp_path / "big5.csv"
    big5.write_bytes(rows.encode("big5"))
    code, output = _run(["check", str(big5), "--kind", "entities"])
    assert code == 2 and "Big5" in output
    utf16 = tmp_path / "entities.csv"
    utf16.write_bytes(
        rows.replace("企業", "企业").replace("臺灣", "台湾").replace("貿易", "贸易").encode("utf-16")
    )
    code, output = _run(["check", str(utf16)])
    assert (code, output) == (0, "ok: 1 entities rows, 0 warning(s)\n")


def test_cli_an_empty_roster_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "entities.csv"
    path.write_text("uscc,name,entity_type,division,industry,registered_on\n", encoding="utf-8")
    code, output = _run(["check", str(path), "--format", "lines"])
    assert code == 2
    assert "has a header but no rows" in output


def test_cli_checks_campaign_and_policy_files(tmp_path: Path) -> None:
    examples = Path(__file__).parent.parent / "examples"
    assert _run(["check", str(examples / "campaign.toml")])[0] == 0
    assert _run(["check", str(examples / "policy.toml")])[0] == 0
    bad = tmp_path / "campaign.toml"
    bad.write_text(
        (examples / "campaign.toml").read_text(encoding="utf-8").replace("[plan]", "[plan]\nbogus = 1")
    )
    code, output = _run(["check", str(bad)])
    assert code == 2 and "bogus" in output


def test_cli_classify_refuses_a_csv_snapshot_name(tmp_path: Path) -> None:
    examples = Path(__file__).parent.parent / "examples"
    out = tmp_path / "s.csv"
    code, output = _run([
        "classify", "nowhere.csv", "--policy", str(examples / "policy.toml"), "--as-of", "2026-06-01",
        "-o", str(out),
    ])  # fmt: skip
    assert code == 2 and "s.parquet" in output
    assert not out.exists()


def test_results_import_suggests_the_term_and_bounds_dates_by_as_of() -> None:
    from dualrandom.models import load_campaign
    from dualrandom.results import import_results

    campaign = load_campaign(Path(__file__).parent.parent / "examples" / "campaign.toml")
    sample = pd.DataFrame({"uscc": [GOOD, OTHER], "task_id": ["T1", "T1"]})
    results = RESULTS_CN.assign(检查结果="未发现问题。")
    results = pd.concat([results, RESULTS_CN.assign(统一社会信用代码=OTHER, 检查完成日期="2026-07-01")])
    with pytest.raises(InputError) as caught:
        import_results(results, campaign, sample, as_of=date(2026, 6, 1))
    found = {(p.row, p.rule): p.message for p in caught.value.problems}
    assert set(found) == {(2, "RESULT_UNKNOWN"), (3, "DATE_RANGE")}
    assert found[2, "RESULT_UNKNOWN"].endswith("did you mean '未发现问题'?")
    assert "not after 2026-06-01" in found[3, "DATE_RANGE"]
    valid = import_results(results.assign(检查结果="未发现问题"), campaign, sample, as_of=date(2026, 7, 1))
    assert valid["result_code"].tolist() == ["NO_PROBLEM", "NO_PROBLEM"]


ENTITY_HEADER = "uscc,name,entity_type,division,industry,registered_on"
MINIMAL = {
    "entities": f"{ENTITY_HEADER}\n{GOOD},甲,企业,420606,F52,2020-01-01\n",
    "inspectors": "inspector_id,name,department,active\nI1,张三,SAMR,在岗\n",
    "conflicts": f"inspector_id,uscc,reason\nI1,{GOOD},近亲属\n",
    "history": f"uscc,inspected_on,kind\n{GOOD},2026-01-01,触发\n",
    "warnings": f"uscc,reason,inspected_on\n{GOOD},风险预警,2026-04-10\n",
    "records": f"uscc,kind,start_on\n{GOOD},penalty,2025-01-01\n",
    "sample": f"uscc,task_id,departments\n{GOOD},T1,SAMR\n",
    "teams": f"uscc,task_id,inspector_id,department,role\n{GOOD},T1,I1,SAMR,officer\n",
    "results": f"uscc,task_id,department,completed_on,result\n{GOOD},T1,SAMR,2026-01-02,未发现问题\n",
    "residents": "stratum,residents\n420606,90000\n",
}


BAD_ROW = {
    "entities": "X,甲,企业,420606,F52,2020-01-01",
    "inspectors": "I1,张三,SAMR,maybe",
    "conflicts": "I1,,近亲属",
    "history": f"{GOOD},yesterday,触发",
    "warnings": f"{GOOD},风险预警,soon",
    "records": f"{GOOD},fine,2025-01-01",
    "sample": "9.24206E+17,T1,SAMR",
    "teams": f"{GOOD},T1,I1,SAMR,boss",
    "results": f"{GOOD},T1,SAMR,2099-01-02,未发现问题",
    "residents": "420606,many",
}


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_cli_check_takes_every_kind_and_refuses_a_bad_cell(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "table.csv"
    path.write_text(MINIMAL[kind], encoding="utf-8")
    assert _run(["check", str(path), "--kind", kind]) == (0, f"ok: 1 {kind} rows, 0 warning(s)\n")
    header = MINIMAL[kind].splitlines()[0]
    path.write_text(f"{header}\n{BAD_ROW[kind]}\n", encoding="utf-8")
    code, output = _run(["check", str(path), "--kind", kind, "--format", "lines"])
    assert code == 2 and "error: " in output


def test_cli_draw_refuses_an_empty_roster(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("uscc,tier\n", encoding="utf-8")
    out = tmp_path / "sample.csv"
    code, output = _run(["draw", str(roster), "--ratio", "A=0.5", "--seed", "1", "-o", str(out)])
    assert code == 2 and "[NO_ROWS]" in output
    assert not out.exists()
