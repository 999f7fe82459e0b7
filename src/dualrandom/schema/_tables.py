"""One spec per table dualrandom reads: names, Chinese headers, types, rules and defaults."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Literal, get_args

from ._spec import Column, ColumnKind, TableSpec

__all__ = [
    "ENTITY_TYPE_ALIASES",
    "HISTORY_KIND_ALIASES",
    "TABLE_KINDS",
    "TableKind",
    "table_spec",
]

TableKind = Literal[
    "entities",
    "inspectors",
    "conflicts",
    "history",
    "warnings",
    "records",
    "sample",
    "teams",
    "results",
    "residents",
]
TABLE_KINDS: tuple[str, ...] = get_args(TableKind)
"""Every table kind, in the order the docs list them."""

ENTITY_TYPE_ALIASES = {
    "企业": "enterprise",
    "个体工商户": "individual",
    "个体": "individual",
    "农民专业合作社": "cooperative",
    "合作社": "cooperative",
}
HISTORY_KIND_ALIASES = {"双随机": "random", "随机": "random", "触发": "triggered", "投诉举报": "triggered"}

_CODE = ("统一社会信用代码/注册号", "统一社会信用代码", "注册号", "信用代码")
_OFFICER = ("执法人员编号", "人员编号", "执法人员ID")
_TASK = ("抽查任务编号", "任务编号", "抽查事项编号")
_DEPARTMENT = ("检查部门", "检查实施机关", "所属部门", "部门")
_INTERNAL = "written by classification; internal"
START_OF_DOUBLE_RANDOM = date(2015, 1, 1)
"""Results cannot predate the double-random system (国办发〔2015〕58号, 2015)."""


def _col(
    name: str,
    kind: ColumnKind,
    headers: tuple[str, ...] = (),
    description: str = "",
    *,
    required: bool = False,
    default: str | bool | float | None = "",
    **rules: object,
) -> Column:
    return Column(name, kind, required, default, headers=headers, description=description, **rules)  # type: ignore[arg-type]


def _code(unique: bool = False, required: bool = True) -> Column:
    return _col("uscc", "id", _CODE, required=required, unique=unique)


def _entities() -> TableSpec:
    return TableSpec("entities", "entity roster (检查对象名录库)", (
        _code(unique=True),
        _col("name", "text", ("主体名称", "企业名称", "名称"), required=True),
        _col("entity_type", "enum", ("市场主体类型", "主体类型", "类型"), required=True,
             choices=("enterprise", "individual", "cooperative"), aliases=tuple(ENTITY_TYPE_ALIASES.items())),
        _col("division", "division", ("行政区划代码", "行政区划", "所属区划"), required=True),
        _col("industry", "industry", ("行业代码", "国民经济行业代码", "行业"), required=True),
        _col("registered_on", "date", ("成立日期", "登记日期"), required=True),
        _col("address", "text", ("住所", "经营场所", "地址")),
        _col("legal_rep", "text", ("法定代表人", "经营者", "负责人"),
             "a natural person's name: private, never published unmasked"),
        _col("tier", "text", ("风险等级", "信用风险分类"), _INTERNAL, fill=False),
        _col("score", "score", ("风险分值",), _INTERNAL, default=None, fill=False),
    ))  # fmt: skip


def _inspectors() -> TableSpec:
    return TableSpec("inspectors", "inspector roster (执法检查人员名录库)", (
        _col("inspector_id", "identifier", _OFFICER, required=True, unique=True),
        _col("name", "text", ("姓名",), required=True),
        _col("department", "identifier", ("所属部门", "部门"), "as in the campaign's [[departments]]",
             required=True),
        _col("certificate_no", "text", ("执法证号", "执法证件号"), "published with the name", fill=False),
        _col("certificate_valid_until", "date", ("执法证有效期至", "有效期至"), "its last valid day",
             fill=False),
        _col("qualifications", "tags", ("执法资质", "业务专长")),
        _col("home_division", "local_division", ("属地", "负责区划")),
        _col("active", "bool", ("是否在岗", "在岗"), default=True),
        _col("max_targets", "int", ("最大检查户数",), "empty: no cap", default=None),
        _col("unavailable", "dates", ("不可用日期",)),
        _col("expert", "bool", ("是否专家", "专家"), "experts assist and never count in the quorum",
             default=False),
    ))  # fmt: skip


def _conflicts() -> TableSpec:
    return TableSpec("conflicts", "conflict declarations (回避)", (
        _col("inspector_id", "identifier", _OFFICER, required=True),
        _code(required=False),
        _col("party", "text", ("关联人", "当事人"), "a person: every target naming them is forbidden",
             fill=False),
        _col("reason", "text", ("回避理由", "理由"), "e.g. 近亲属, 利害关系", required=True),
    ), may_be_empty=True, one_of=(("uscc", "party"),))  # fmt: skip


def _history() -> TableSpec:
    return TableSpec("history", "inspection history", (
        _code(),
        _col("inspected_on", "date", ("检查日期", "检查完成日期"), required=True),
        _col("campaign_id", "text", ("抽查计划编号", "计划编号"), "empty for a triggered check"),
        _col("department", "text", ("检查部门", "检查实施机关")),
        _col("kind", "enum", ("检查类型",), default="random", choices=("random", "triggered"),
             aliases=tuple(HISTORY_KIND_ALIASES.items())),
        _col("inspector_id", "text", _OFFICER),
        _col("officers", "text", ("检查人员",),
             "`;`-separated inspector ids of one visit (written by `dualrandom results feedback`)",
             fill=False),
        _col("visit", "text", ("检查编号",), "the visit id; rows of one visit count once toward a cap",
             fill=False),
    ), may_be_empty=True)  # fmt: skip


def _warnings() -> TableSpec:
    return TableSpec("warnings", "early-warning list (风险预警名单)", (
        _code(unique=True),
        _col("inspected_on", "date", ("检查日期", "预警日期", "日期"),
             "required unless `trigger --on` gives the date of every empty cell", default=None),
        _col("reason", "text", ("触发原因", "预警原因", "原因", "reason_1"),
             "why the check is triggered (风险预警, complaint, case lead); required unless `trigger --reason`"
             " gives it; `reason_1` is the column `classify` writes"),
        _col("department", "identifier", _DEPARTMENT,
             "a department of the task; empty: `trigger --department`, else the task's initiating one"),
    ), note="one triggered check per entity, recorded by `dualrandom trigger --from-file`; other columns"
       " are kept")  # fmt: skip


def _records() -> TableSpec:
    from ..classify.policy import RECORD_KINDS

    return TableSpec("records", "credit records (信用记录)", (
        _code(),
        _col("kind", "enum", ("记录类型", "信用记录类型"), required=True, choices=tuple(RECORD_KINDS)),
        _col("start_on", "date", ("列入日期", "起始日期", "作出日期"), required=True),
        _col("end_on", "date", ("移出日期", "终止日期"), "the day the entry was lifted"),
        _col("repaired_on", "date", ("信用修复日期", "修复日期"), "the day credit repair was granted"),
        _col("severity", "number", ("严重程度",), "a number >= 0", default=1.0),
    ), may_be_empty=True, not_before=(("end_on", "start_on"), ("repaired_on", "start_on")))  # fmt: skip


def _sample() -> TableSpec:
    return TableSpec("sample", "drawn sample", (
        _code(),
        _col("task_id", "text", _TASK),
        _col("tier", "text", ("风险等级",)),
        _col("departments", "list", ("参与部门",), "';'-separated, the initiating department first"),
        _col("division", "text", ("行政区划代码", "行政区划")),
        _col("scheduled_on", "date", ("计划检查日期",)),
        _col("legal_rep", "text", ("法定代表人", "经营者", "负责人")),
        _col("related_parties", "list", ("关联人",)),
    ), lenient_ids=True, note="written by `dualrandom draw`; other columns are kept")  # fmt: skip


def _check_of(*columns: Column) -> tuple[Column, ...]:
    """The columns of a table about checks: the entity, the task, then ``columns``."""
    return (_code(), _col("task_id", "text", _TASK, required=True), *columns)


def _teams() -> TableSpec:
    return TableSpec("teams", "inspection teams", _check_of(
        _col("inspector_id", "identifier", _OFFICER, required=True),
        _col("department", "identifier", _DEPARTMENT, required=True),
        _col("role", "enum", ("角色",), required=True, choices=("officer", "expert")),
    ), lenient_ids=True, note="written by `dualrandom assign`")  # fmt: skip


def _results() -> TableSpec:
    return TableSpec("results", "inspection results (抽查检查结果)", _check_of(
        _col("department", "text", _DEPARTMENT, required=True),
        _col("completed_on", "date", ("检查完成日期", "完成日期", "检查日期"), required=True,
             earliest=START_OF_DOUBLE_RANDOM, until_as_of=True),
        _col("result", "text", ("检查结果", "抽查结果"), "a term of the official vocabulary", required=True),
    ), may_be_empty=True, note="may be empty: notices are published before any result")  # fmt: skip


def _residents() -> TableSpec:
    return TableSpec("residents", "residents per stratum", (
        _col("stratum", "text", ("行政区划代码", "区划", "分层"), required=True, unique=True),
        _col("residents", "int", ("常住人口", "人口"), "whole number of people", required=True),
    ))  # fmt: skip


_BUILDERS = {
    "entities": _entities,
    "inspectors": _inspectors,
    "conflicts": _conflicts,
    "history": _history,
    "warnings": _warnings,
    "records": _records,
    "sample": _sample,
    "teams": _teams,
    "results": _results,
    "residents": _residents,
}


@cache
def table_spec(kind: str) -> TableSpec:
    """The spec of one table kind; raises `ValueError` for an unknown kind."""
    if kind not in _BUILDERS:
        raise ValueError(f"unknown table kind {kind!r}; allowed: {', '.join(TABLE_KINDS)}")
    return _BUILDERS[kind]()
