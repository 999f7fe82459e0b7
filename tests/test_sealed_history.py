"""A sealed draw reads its inspection history through the schema, as the open draw does."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd

import _publish_data as data
from _campaign import Operator, campaign_files
from dualrandom.draw import draw_campaign
from dualrandom.draw.sealed import draw_sealed, seal_campaign
from dualrandom.models import load_campaign
from dualrandom.verify import verify_draw

CAMPAIGN = load_campaign(data.ROOT / "examples" / "campaign.toml")
ROSTER = data.roster(1500)
KEY = hashlib.sha256(b"history headers").digest()
AS_OF = date(2026, 11, 2)
CHINESE = {"uscc": "统一社会信用代码", "inspected_on": "检查日期", "campaign_id": "抽查计划编号",
           "department": "检查部门", "kind": "检查类型"}  # fmt: skip


def _history() -> pd.DataFrame:
    """Every fifth entity checked twice this year: tiers A and B reach their caps."""
    codes = ROSTER["uscc"].iloc[::5].tolist()
    rows = [(c, day, "XY-2026-Q1", "SAMR", "双随机") for c in codes for day in ("2026-03-01", "2026-06-01")]
    return pd.DataFrame(rows, columns=list(CHINESE.values()))


def test_a_chinese_headed_history_seals_and_draws() -> None:
    chinese = _history()
    english = chinese.rename(columns={v: k for k, v in CHINESE.items()}).replace(
        {"kind": {"双随机": "random"}}
    )
    seal = seal_campaign(ROSTER, CAMPAIGN, key=KEY, history=chinese, as_of=AS_OF)
    same = seal_campaign(ROSTER, CAMPAIGN, key=KEY, history=english, as_of=AS_OF)
    for key in ("frames_root", "tasks", "roster_digest"):  # the headers do not change the frames
        assert seal.commitment[key] == same.commitment[key]
    drawn = draw_sealed(ROSTER, CAMPAIGN, data.SEED, seal, history=chinese, as_of=AS_OF)
    capped = sum(int(c["capped"]) for c in drawn.manifest["strata"])
    assert capped > 0  # the caps saw the checks under their Chinese headers
    low = drawn.sample.loc[drawn.sample["tier"].isin(["A", "B"]), "uscc"]
    assert not set(low) & set(chinese["统一社会信用代码"])  # A and B reached their cap of 1
    opened = draw_campaign(ROSTER, CAMPAIGN, data.SEED, history=chinese, as_of=AS_OF)
    assert [c["capped"] for c in drawn.manifest["strata"]] == [c["capped"] for c in opened.manifest["strata"]]
    assert verify_draw(drawn.manifest, ROSTER, history=chinese, seal=seal).ok


def test_an_operator_seals_with_a_chinese_headed_history_export(tmp_path: Path) -> None:
    """The reported failure: `commit --seal-out --history` on a 统一社会信用代码 export raised KeyError."""
    op = Operator(campaign_files(tmp_path, entities=1_500))
    f = op.files
    history = pd.read_csv(f.history, dtype=str)
    history.rename(columns=CHINESE).to_csv(f.history, index=False, encoding="gb18030")
    done = op.commit()
    assert done.exit_code == 0, done.output
    done = op.draw()
    assert done.exit_code == 0, done.output
    assert "frequency caps left out" in done.output
    done = op.run("verify", f"{f.sample}.manifest.json", "--roster", f.roster, "--history", f.history,
                  "--seal", f.seal)  # fmt: skip
    assert done.exit_code == 0, done.output
