"""The page's files for people: results-zh.csv and results.xlsx, and the notices' 抽查时间 / 对象范围 /
异议 as the page shows them (from the notices when present, honest fallbacks otherwise)."""

from __future__ import annotations

import copy
import csv
import dataclasses
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import _site as site
from dualrandom.publish import write_bundle
from dualrandom.publish.downloads import ZH_COLUMNS
from dualrandom.publish.site import check_data, notice_view

HEADERS = [
    "统一社会信用代码/注册号",
    "名称",
    "计划编号",
    "任务编号",
    "抽查任务",
    "检查类型",
    "检查实施机关",
    "完成日期",
    "检查事项",
    "检查结果",
    "执法人员",
]


@pytest.fixture(scope="module")
def publication() -> Any:
    return site.publication()


@pytest.fixture(scope="module")
def bundle(publication: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return site.write(publication, tmp_path_factory.mktemp("downloads") / "bundle")


def _zh_rows(bundle: Path) -> list[list[str]]:
    with open(bundle / "results-zh.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_chinese_csv_has_the_rows_of_results_csv(bundle: Path, publication: Any) -> None:
    assert (bundle / "results-zh.csv").read_bytes().startswith("\ufeff".encode())  # Excel reads UTF-8
    header, *body = _zh_rows(bundle)
    assert header == HEADERS == list(ZH_COLUMNS.values())
    with open(bundle / "results.csv", encoding="utf-8-sig", newline="") as handle:
        english = list(csv.DictReader(handle))
    assert len(body) == len(english) == len(publication.rows)
    for zh, en in zip(body, english, strict=True):
        assert zh[:6] == [en[c] for c in ("uscc", "name", "plan_id", "task_id", "task_name", "check_type")]
        assert zh[6] == en["authority"] and zh[7] == en["completed_on"]
        assert zh[8] == en["items"].replace(";", "、") and zh[9] == en["results"].replace(";", "；")
        assert zh[10] == en["inspectors"].replace(";", "、")
    departments = {row[6] for row in body}
    assert departments == {"市场监督管理局", "食品安全监管科", "消防救援支队"}  # names, never ids
    hostile = [row[1] for row in body if "onerror" in row[1]]
    assert hostile and all(name == site.HOSTILE for name in hostile)


def test_xlsx_opens_with_the_same_rows_as_text(bundle: Path) -> None:
    header, *body = _zh_rows(bundle)
    with zipfile.ZipFile(bundle / "results.xlsx") as archive:
        assert archive.testzip() is None
    book = openpyxl.load_workbook(bundle / "results.xlsx", read_only=False)
    assert book.sheetnames == ["抽查结果"]
    sheet = book["抽查结果"]
    cells = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    assert cells[0] == header
    assert cells[1:] == body
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row)  # text, never a formula
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"


def test_formula_like_names_are_text_in_both_files(tmp_path: Path, publication: Any) -> None:
    rows = publication.rows.copy()
    rows.loc[0, "name"] = '=HYPERLINK("http://x","点我")'
    write_bundle(dataclasses.replace(publication, rows=rows), tmp_path / "b")
    assert _zh_rows(tmp_path / "b")[1][1] == "'" + rows.loc[0, "name"]  # the CSV's usual prefix
    cell = openpyxl.load_workbook(tmp_path / "b" / "results.xlsx")["抽查结果"]["B2"]
    assert cell.value == rows.loc[0, "name"] and cell.data_type == "s"  # XLSX: typed as text


def test_downloads_are_byte_identical_for_the_same_inputs(tmp_path: Path, publication: Any) -> None:
    write_bundle(publication, tmp_path / "one")
    write_bundle(site.publication(), tmp_path / "two")
    for name in ("results-zh.csv", "results.xlsx", "index.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_notices_fall_back_honestly(publication: Any) -> None:
    view = notice_view(publication)
    dates = sorted(publication.rows["completed_on"])
    assert view["period"] == f"{dates[0]} 至 {dates[-1]}（据已公示结果的完成日期）"
    objection = "对公示的检查结果有异议的，可向抽查机关（襄阳市市场监督管理局）提出。"
    assert view["objection"] == [("异议受理", objection)]
    assert {t["scope"] for t in view["tasks"].values()} == {"未公布"}
    for task_id, task in view["tasks"].items():
        days = sorted(publication.rows.loc[publication.rows["task_id"] == task_id, "completed_on"])
        assert task["period"] == f"{days[0]} 至 {days[-1]}（据已公示结果的完成日期）"


def test_notice_fields_are_shown_when_the_notices_carry_them(tmp_path: Path, publication: Any) -> None:
    notices = copy.deepcopy(publication.notices)
    notices["plan"]["period"] = {"start": "2026-09-15", "end": "2026-10-31"}
    notices["plan"]["objection"] = {
        "contact": "襄阳市市场监督管理局信用监管科",
        "phone": "0710-1234567",
        "deadline_days": 20,
    }
    notices["tasks"][0]["scope"] = ["企业", "农民专业合作社"]
    notices["tasks"][1]["completion_due"] = "2026-10-31"
    write_bundle(dataclasses.replace(publication, notices=notices), tmp_path / "b")
    html = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    for shown in (
        '<dd id="period">2026-09-15 至 2026-10-31</dd>',
        '<dt>受理机关</dt><dd class="objection">襄阳市市场监督管理局信用监管科</dd>',
        '<dt>电话</dt><dd class="objection">0710-1234567</dd>',
        '<dt>提出期限</dt><dd class="objection">20 个工作日内</dd>',
        '<td role="cell" data-label="对象范围">企业、农民专业合作社</td>',
        '<td role="cell" data-label="抽查时间">2026-10-31 前完成</td>',
    ):
        assert shown in html


def test_check_data_follows_the_manifest(publication: Any) -> None:
    full = check_data(publication)
    assert [t["seed"] for t in full["tasks"]] == [t["task_seed"] for t in publication.manifest["tasks"]]
    assert all(t["thresholds"] and t["drawn"] for t in full["tasks"])
    manifest = copy.deepcopy(publication.manifest)
    manifest["tasks"][0]["strata"][0]["threshold"] = None  # one hidden threshold hides the task's
    del manifest["drawn"]
    partial = check_data(dataclasses.replace(publication, manifest=manifest))
    assert partial["tasks"][0]["thresholds"] is None and partial["tasks"][1]["thresholds"]
    assert all(t["drawn"] is None for t in partial["tasks"])
