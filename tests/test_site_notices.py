"""The notices' 抽查时间, 对象范围 and objection (异议) contact: from the campaign file to notices.json
and the page, with the campaign file's rules on them."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import _publish_data as data
import _site as site
from dualrandom.cli._init import campaign_template
from dualrandom.errors import PolicyError
from dualrandom.models import Objection, Period, parse_campaign

PLAN = {
    "period": {"start": date(2026, 10, 1), "end": date(2026, 12, 31)},
    "scope": "襄阳市辖区内登记注册的各类市场主体",
    "objection": {
        "authority": "襄阳市市场监督管理局信用监管科",
        "phone": "0710-3456789",
        "address": "襄阳市樊城区长虹路 1 号",
        "deadline_days": 15,
    },
}


def _raw(**plan: Any) -> dict[str, Any]:
    raw = tomllib.loads((data.ROOT / "examples" / "campaign.toml").read_text(encoding="utf-8"))
    raw["plan"].update(plan)
    raw.setdefault("publication", {})["disclosure"] = "open"
    return raw


def _campaign(**tasks: dict[str, Any]) -> Any:
    raw = _raw(**PLAN)
    for task in raw["tasks"]:
        task.update(tasks.get(task["id"], {}))
    return parse_campaign(raw, source="campaign.toml")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    campaign = _campaign(
        T1={"scope": "辖区内企业", "period": {"start": date(2026, 10, 8), "end": date(2026, 11, 30)}},
        T2={"scope": "辖区内食品经营者"},
    )
    return site.write(site.publication(campaign), tmp_path_factory.mktemp("notices") / "bundle")


def test_the_notices_carry_the_campaign_files_fields(bundle: Path) -> None:
    notices = json.loads((bundle / "notices.json").read_text(encoding="utf-8"))
    plan = notices["plan"]
    assert plan["period"] == {"start": "2026-10-01", "end": "2026-12-31"}
    assert plan["scope"] == "襄阳市辖区内登记注册的各类市场主体"
    assert plan["objection"] == {
        "authority": "襄阳市市场监督管理局信用监管科",
        "phone": "0710-3456789",
        "address": "襄阳市樊城区长虹路 1 号",
        "deadline_days": 15,
    }
    tasks = {t["id"]: t for t in notices["tasks"]}
    assert tasks["T1"]["scope"] == "辖区内企业"
    assert tasks["T1"]["period"] == {"start": "2026-10-08", "end": "2026-11-30"}
    assert "period" not in tasks["T2"]


def test_the_page_shows_them(bundle: Path) -> None:
    html = (bundle / "index.html").read_text(encoding="utf-8")
    for shown in (
        '<dd id="period">2026-10-01 至 2026-12-31</dd>',
        "<dt>对象范围</dt><dd>襄阳市辖区内登记注册的各类市场主体</dd>",
        '<dt>受理机关</dt><dd class="objection">襄阳市市场监督管理局信用监管科</dd>',
        '<dt>电话</dt><dd class="objection">0710-3456789</dd>',
        '<dt>地址</dt><dd class="objection">襄阳市樊城区长虹路 1 号</dd>',
        '<dt>提出期限</dt><dd class="objection">15 个工作日内</dd>',
        '<td role="cell" data-label="对象范围">辖区内企业</td>',
        '<td role="cell" data-label="抽查时间">2026-10-08 至 2026-11-30</td>',
    ):
        assert shown in html, shown
    assert "异议受理" not in html  # the fallback text only when no contact is given


def test_a_bundle_without_the_fields_keeps_its_notices_as_before(tmp_path: Path) -> None:
    notices = site.publication().notices
    assert set(notices["plan"]) == {
        "id", "name", "year", "authority", "initiating_department", "participating_departments",
    }  # fmt: skip
    assert not {"scope", "period"} & {key for task in notices["tasks"] for key in task}


def test_a_task_without_a_period_shows_the_plans(tmp_path: Path) -> None:
    publication = site.publication(_campaign())
    html = site.write(publication, tmp_path / "b").joinpath("index.html").read_text(encoding="utf-8")
    assert html.count('data-label="抽查时间">2026-10-01 至 2026-12-31</td>') == len(
        publication.notices["tasks"]
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"period": {"start": date(2026, 12, 1), "end": date(2026, 11, 1)}},
            "ends (2026-11-01) before it starts",
        ),
        ({"objection": {"authority": "某局"}}, "needs a phone, an address or an email"),
        ({"objection": {"authority": "", "phone": "1"}}, "plan.objection.authority"),
        ({"objection": {"authority": "某局", "phone": "1", "deadline_days": 0}}, "deadline_days"),
        ({"objection": {"authority": "某局", "phone": "1", "fax": "2"}}, "plan.objection.fax"),
    ],
)
def test_the_campaign_file_refuses_bad_notice_fields(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(message)):
        parse_campaign(_raw(**change), source="campaign.toml")


def test_a_task_period_lies_within_the_plans() -> None:
    outside = {"T1": {"period": {"start": date(2026, 9, 1), "end": date(2026, 10, 31)}}}
    with pytest.raises(PolicyError, match=re.escape("task 'T1': period 2026-09-01..2026-10-31 lies outside")):
        _campaign(**outside)


def test_the_models_say_what_they_publish() -> None:
    assert Period(start=date(2026, 1, 1), end=date(2026, 1, 1)).covers(
        Period(start=date(2026, 1, 1), end=date(2026, 1, 1))
    )
    contact = Objection(authority="某局", email="x@example.org")
    assert contact.notice() == {"authority": "某局", "email": "x@example.org"}


def test_the_campaign_template_fills_the_notices(tmp_path: Path) -> None:
    raw = tomllib.loads(campaign_template())
    campaign = parse_campaign(raw, source="campaign.toml")
    notice = campaign.plan.notice()
    assert set(notice) == {"period", "scope", "objection"}
    assert notice["objection"]["deadline_days"] == 15
    assert campaign.tasks[0].notice()["scope"]
