"""Natural persons' names are masked whatever the roster's spelling; hidden characters never published."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import _publish_data as data
from dualrandom.draw import NO_HISTORY
from dualrandom.draw.sealed import draw_sealed, seal_campaign
from dualrandom.publish import publish_campaign
from dualrandom.publish.privacy import clean_text, individual_mask, mask_entity_names

CAMPAIGN = data.campaign()

# (entity_type, name, legal_rep, the personal name that must not appear)
PLANTED = [
    ("Individual", "韩梅梅便利店", "韩梅梅", "韩梅梅"),
    ("INDIVIDUAL", "欧阳修", "", "欧阳修"),
    ("个体工商户", "杜甫", None, "杜甫"),
    ("个体", "李白（经营者）", "", "李白"),
    ("individual", "张 伟", "", "张伟"),
    ("individual", "王\u3000强", "", "王强"),
    ("ｉｎｄｉｖｉｄｕａｌ", "孙悟空小吃店", "孙　悟空", "孙悟空"),
    ("individual", "猪八戒\u202e店", "猪八戒", "猪八戒"),
    ("individual", "沙\x00和尚", "", "沙和尚"),
    ("", "唐三藏\x1b[31m", "", "唐三藏"),  # no type: the 92… USCC says individual business
]


def test_every_spelling_counts_as_an_individual_business() -> None:
    kinds = pd.Series(
        ["individual", "Individual", "个体工商户", "个体", "ｉｎｄｉｖｉｄｕａｌ", "enterprise", "企业", ""]
    )
    codes = pd.Series(["91", "91", "91", "91", "91", "91", "91", "92420602000000001X"])
    assert individual_mask(kinds, codes).tolist() == [True, True, True, True, True, False, False, True]


@pytest.mark.parametrize(("kind", "name", "operator", "person"), PLANTED)
def test_each_planted_name_is_masked(kind: str, name: str, operator: str | None, person: str) -> None:
    code = data.uscc("individual", 1)
    masked = mask_entity_names(
        pd.Series([name]), pd.Series([kind]), pd.Series([operator]), pd.Series([code])
    )[0]
    assert person not in masked and person[0] in masked and "*" in masked
    assert clean_text(masked) == masked


def test_clean_text_strips_nul_esc_and_bidi() -> None:
    assert clean_text("A\x00B\x1bC\u202eD\u2066E\u200bF\ufeffG") == "ABCDEFG"


def _planted_roster(size: int = 600) -> pd.DataFrame:
    roster = data.roster(size)
    individuals = roster.index[roster["entity_type"] == "individual"][: len(PLANTED)]
    for row, (kind, name, operator, _) in zip(individuals, PLANTED, strict=True):
        roster.loc[row, ["entity_type", "name", "legal_rep"]] = [kind, name, operator]
    return roster


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle publishing a result for each planted entity, from a roster with Chinese headers."""
    roster = _planted_roster()
    typed = roster.assign(
        entity_type=roster["entity_type"].where(
            ~individual_mask(roster["entity_type"], roster["uscc"]), "individual"
        )
    )
    seal = seal_campaign(typed, CAMPAIGN, key=b"m" * 32, history=NO_HISTORY)
    draw = draw_sealed(typed, CAMPAIGN, data.SEED, seal, history=NO_HISTORY)
    task = CAMPAIGN.tasks[0]
    planted = typed[typed["name"].isin([p[1] for p in PLANTED])]
    extra = planted.assign(task_id=task.id, rank=0, ticket="", departments=";".join(task.departments))
    sample = pd.concat([draw.sample, extra[draw.sample.columns]]).drop_duplicates(["uscc", "task_id"])
    chinese = roster.rename(
        columns={
            "uscc": "统一社会信用代码",
            "name": "主体名称",
            "entity_type": "市场主体类型",
            "legal_rep": "经营者",
        }
    )
    directory = tmp_path_factory.mktemp("masking") / "bundle"
    results = data.results(sample, CAMPAIGN)
    publish_campaign(
        CAMPAIGN,
        sample,
        results,
        chinese,
        directory,
        published_on=date(2026, 10, 20),
        seed=data.SEED,
        draw_manifest=draw.manifest,
    )
    return directory


@pytest.mark.parametrize("name", ["results.csv", "results.json", "index.html"])
def test_no_planted_name_is_published_unmasked(bundle: Path, name: str) -> None:
    text = (bundle / name).read_text(encoding="utf-8")
    if name == "results.json":
        text = json.dumps(json.loads(text), ensure_ascii=False)
    unmasked = [person for _, _, _, person in PLANTED if person in text]
    assert unmasked == []
    assert all(person[0] + "*" in text for _, _, _, person in PLANTED)  # published, masked
    assert not any(ch in text for ch in ("\x00", "\x1b", "\u202e"))
