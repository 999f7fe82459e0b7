"""Small, deterministic campaign data for the results and publication tests.

The sample is drawn here with an independent few-line version of the published draw
(per tier, the ceil(ratio * N) smallest tickets under seed + "/" + task id).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd

from dualrandom.ids import check_character
from dualrandom.models import Campaign, load_campaign

ROOT = Path(__file__).resolve().parents[1]
SEED = "20261103748291035566"
TYPES = {"enterprise": "1", "individual": "2", "cooperative": "3"}
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "伟芳娜敏静丽强磊军洋"


def campaign() -> Campaign:
    """The example campaign with open disclosure: these data are drawn with open tickets."""
    example = load_campaign(ROOT / "examples" / "campaign.toml")
    publication = example.publication.model_copy(update={"disclosure": "open"})
    return example.model_copy(update={"publication": publication})


def campaign_file(folder: Path) -> Path:
    """`campaign` as a TOML file in ``folder``, for the command line."""
    text = (ROOT / "examples" / "campaign.toml").read_text(encoding="utf-8")
    path = folder / "campaign.toml"
    path.write_text(text.replace("[publication]\n", '[publication]\ndisclosure = "open"\n'), encoding="utf-8")
    return path


def uscc(kind: str, number: int) -> str:
    body = f"9{TYPES[kind]}420602{number:09d}"
    return body + check_character(body)


def ref_ticket(seed: str, code: str) -> str:
    inner = hashlib.sha256(seed.encode()).hexdigest()
    value = int(hashlib.sha256((inner + code).encode()).hexdigest(), 16)
    return "0." + f"{value:064d}"[::-1]


def roster(size: int = 400, seed: int = 7) -> pd.DataFrame:
    """Entities with tiers; every third is an individual business named after its operator."""
    rng = np.random.default_rng(seed)
    kinds = np.array(["enterprise", "individual", "cooperative"])[rng.choice(3, size, p=[0.5, 0.45, 0.05])]
    people = [SURNAMES[i % 10] + GIVEN[(i // 10) % 10] + GIVEN[(i * 7) % 10] for i in range(size)]
    names = [
        (f"{p}便利店" if i % 2 else p) if kind == "individual" else f"襄阳{p}商贸有限公司"
        for i, (p, kind) in enumerate(zip(people, kinds, strict=True))
    ]
    return pd.DataFrame(
        {
            "uscc": [uscc(str(k), i + 1) for i, k in enumerate(kinds)],
            "name": names,
            "entity_type": kinds,
            "division": "420602",
            "industry": np.where(rng.random(size) < 0.6, "F52", "C13"),
            "registered_on": "2020-01-01",
            "address": "襄阳市樊城区",
            "legal_rep": people,
            "tier": np.array(["A", "B", "C", "D"])[rng.choice(4, size, p=[0.4, 0.35, 0.15, 0.1])],
            "score": rng.uniform(0, 1000, size).round(1),
        }
    )


def draw(entities: pd.DataFrame, plan: Campaign, seed: str = SEED) -> pd.DataFrame:
    parts = []
    for task in plan.tasks:
        frame = entities[entities["entity_type"].isin(task.entity_types)]
        if task.industries:
            frame = frame[frame["industry"].str.startswith(tuple(task.industries))]
        frame = frame.assign(ticket=[ref_ticket(f"{seed}/{task.id}", u) for u in frame["uscc"]])
        for tier, group in frame.groupby("tier"):
            n = math.ceil(plan.sampling.ratios[str(tier)] * len(group) * 10)  # 10x: a usable test sample
            chosen = group.sort_values("ticket").head(n)
            parts.append(
                chosen.assign(
                    task_id=task.id,
                    rank=range(1, len(chosen) + 1),
                    departments=";".join(task.departments),
                )[["uscc", "task_id", "tier", "ticket", "rank", "departments", "division"]]
            )
    return pd.concat(parts, ignore_index=True)


def results(sample: pd.DataFrame, plan: Campaign) -> pd.DataFrame:
    """One or two results per department and drawn entity, completed around National Day 2026."""
    rows = []
    labels = [
        "未发现问题",
        "发现问题经责令已改正",
        "未按规定公示应当公示的信息",
        "未发现开展本次抽查涉及的经营活动",
    ]
    for i, (code, task_id) in enumerate(zip(sample["uscc"], sample["task_id"], strict=True)):
        for department in plan.task(task_id).departments:
            day = f"2026-09-{20 + i % 10:02d}"
            label = labels[i % 4]
            rows.append(
                {
                    "uscc": code,
                    "task_id": task_id,
                    "department": department,
                    "completed_on": day,
                    "result": label,
                }
            )
            if label == "发现问题经责令已改正":
                rows.append(
                    {
                        "uscc": code,
                        "task_id": task_id,
                        "department": department,
                        "completed_on": day,
                        "result": "未按规定公示应当公示的信息",
                    }
                )
    return pd.DataFrame(rows)


def inspectors() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "inspector_id": ["S1", "S2", "F1", "R1"],
            "name": ["周正", "吴刚", "郑洁", "冯勇"],
            "department": ["SAMR", "SAMR", "FOOD", "FIRE"],
            "certificate_no": ["42060001", "42060002", "42060003", "42060004"],
            "phone": ["13800000001", "13800000002", "13800000003", "13800000004"],
        }
    )


def teams(sample: pd.DataFrame) -> pd.DataFrame:
    people = {"SAMR": ["S1", "S2"], "FOOD": ["F1"], "FIRE": ["R1"]}
    rows = [
        {"uscc": u, "task_id": t, "inspector_id": who, "department": d, "role": "officer"}
        for u, t, ds in zip(sample["uscc"], sample["task_id"], sample["departments"], strict=True)
        for d in ds.split(";")
        for who in people[d]
    ]
    return pd.DataFrame(rows)
