"""An operator records a bureau's early-warning list (风险预警名单) exported from Excel: mistakes first.

The list comes as GB18030 CSV with Chinese headers and bureau dates; `check` and
`trigger --from-file` read it through the one schema, so they agree on every row.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from _campaign import Operator, campaign_files, ledger_kinds
from dualrandom.ledger import Ledger

HEADERS = {
    "uscc": "统一社会信用代码",
    "inspected_on": "检查日期",
    "reason": "触发原因",
    "department": "检查部门",
}


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Operator:
    files = campaign_files(tmp_path_factory.mktemp("warnings"), entities=500)
    op = Operator(files)
    done = op.commit()
    assert done.exit_code == 0, done.output
    return op


def excel_export(folder: Path, codes: list[str], last_day: str) -> Path:
    """The list as the bureau's Excel saves it on Chinese Windows: GB18030, Chinese headers, 2026/4/10."""
    table = pd.DataFrame(
        {
            "uscc": codes,
            "inspected_on": ["2026/4/10", "2026/4/10", "2026/4/11", "2026/4/11", last_day],
            "reason": ["风险预警", "投诉举报", "风险预警", "案件线索", "风险预警"],
            "department": ["SAMR", "FOOD", "", "FIRE", "SAMR"],
        }
    ).rename(columns=HEADERS)
    path = folder / "warnings.csv"
    table.to_csv(path, index=False, encoding="gb18030")
    assert path.read_bytes().decode("gb18030").startswith("统一社会信用代码")
    return path


def test_an_operator_checks_and_records_a_chinese_warnings_list(operator: Operator) -> None:
    f = operator.files
    codes = pd.read_csv(f.roster, dtype=str)["uscc"].iloc[:5].tolist()
    listed = excel_export(f.folder, codes, last_day="2026/4/31")  # April has 30 days
    before = ledger_kinds(f)

    done = operator.run("check", listed, "--kind", "warnings", "--format", "lines")
    assert done.exit_code == 2
    line = f"error: {listed}, row 6, column '检查日期 (inspected_on)': expected a date such as 2024-03-15"
    assert f"{line} (value '2026/4/31') [DATE]" in done.output
    assert "1 error(s), 0 warning(s) in 5 warnings rows" in done.output
    done = operator.run("check", listed)  # the file's name says the kind
    assert done.exit_code == 2 and "5 warnings rows" in done.output

    trigger = ("trigger", "--from-file", listed, "--campaign", f.campaign, "--ledger", f.ledger)
    done = operator.run(*trigger)  # mistake: no task
    assert done.exit_code == 2 and "--from-file needs --task" in done.output
    done = operator.run(*trigger, "--task", "T2")  # the bad date is named, nothing recorded
    assert done.exit_code == 2
    assert "row 6, column '检查日期 (inspected_on)'" in done.output and "[DATE]" in done.output
    assert "nothing was recorded" in done.output
    assert ledger_kinds(f) == before
    done = operator.run(*trigger, "--task", "T1")  # T1 is SAMR's alone: FOOD and FIRE are named
    assert done.exit_code == 2 and done.output.count("[DEPARTMENT_UNKNOWN]") == 2
    assert ledger_kinds(f) == before

    excel_export(f.folder, codes, last_day="2026/4/30")
    done = operator.run("check", listed, "--kind", "warnings")
    assert done.exit_code == 0 and done.output == "ok: 5 warnings rows, 0 warning(s)\n"
    done = operator.run(*trigger, "--task", "T2")
    assert done.exit_code == 0, done.output
    assert "5 triggered check(s) from warnings.csv" in done.output
    assert ledger_kinds(f) == [*before, "triggered_check"]
    with Ledger.open(f.ledger, create=False, read_only=True) as ledger:
        payload = [r.payload for r in ledger.records(kind="triggered_check")][-1]
    checks = {c["uscc"]: c for c in payload["checks"]}
    assert payload["task_id"] == "T2" and payload["count"] == 5
    assert [checks[c]["inspected_on"] for c in codes] == [
        "2026-04-10", "2026-04-10", "2026-04-11", "2026-04-11", "2026-04-30"
    ]  # fmt: skip
    assert [checks[c]["department"] for c in codes] == ["SAMR", "FOOD", "FOOD", "FIRE", "SAMR"]
    assert json.dumps(payload, ensure_ascii=False).count("风险预警") == 3

    done = operator.run(*trigger, "--task", "T2")  # the same list again
    assert done.exit_code == 0 and "already recorded" in done.output
    assert ledger_kinds(f) == [*before, "triggered_check"]
