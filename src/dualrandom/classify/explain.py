"""Explanations: why an entity is in its tier, as reason codes and Chinese/English text.

Explanations are for the bureau (and for the entity itself on request); like the tier,
they never go into public output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .policy import ClassificationPolicy, reason_code
from .scoring import contributions
from .snapshot import ClassificationSnapshot

__all__ = ["LABELS", "Contribution", "TierExplanation", "explain", "explain_frame", "label"]

LABELS: dict[str, tuple[str, str]] = {
    "annual_report_late": ("未按时报送年度报告", "annual report filed late"),
    "annual_report_missing": ("未报送年度报告", "annual report not filed"),
    "abnormal_list": ("列入经营异常名录", "on the abnormal-operations list"),
    "serious_violation": ("列入严重违法失信名单", "on the serious-violation list"),
    "dishonest_debtor": ("失信被执行人", "court-listed dishonest judgment debtor"),
    "penalty": ("公示期内的行政处罚", "administrative penalties in their publication period"),
    "complaint": ("投诉举报", "complaints and tip-offs"),
    "inspection_problem": ("检查发现问题", "problems found by inspections"),
    "unreachable_address": ("通过登记的住所无法联系", "unreachable at the registered address"),
    "refused_inspection": ("不配合检查情节严重", "serious refusal to cooperate with an inspection"),
    "clean_inspections": ("近期检查未发现问题", "recent inspections found no problem"),
    "age": ("成立时间较短", "recently registered"),
    "industry_risk": ("所属行业风险等级", "industry risk class"),
}
"""Readable (Chinese, English) label of every built-in indicator."""


def label(policy: ClassificationPolicy, indicator: str) -> tuple[str, str]:
    """The (Chinese, English) label of an indicator: the policy's, the built-in one, else its name.

    A policy's own indicator without labels takes those of the one record kind it reads, when
    the policy declares them.
    """
    spec = policy.indicators.get(indicator)
    zh, en = LABELS.get(indicator, (indicator, indicator))
    if spec is not None and spec.records is not None and len(spec.records) == 1:
        kind = policy.record_kinds.get(spec.records[0])
        if kind is not None:
            zh, en = kind.label_zh or zh, kind.label_en or en
    if spec is not None:
        zh, en = spec.label_zh or zh, spec.label_en or en
    return zh, en


@dataclass(frozen=True)
class Contribution:
    """One indicator's part in a score: its raw value and the points it added."""

    indicator: str
    code: str
    value: float
    points: float


@dataclass(frozen=True)
class TierExplanation:
    """Why one entity has its tier."""

    uscc: str
    tier: str
    score: float
    score_tier: str
    new_entity: bool
    override: str
    reason_codes: tuple[str, ...]
    contributions: tuple[Contribution, ...]
    text_zh: str
    text_en: str


def _override_labels(snapshot: ClassificationSnapshot, code: str) -> tuple[str, str]:
    for rule in snapshot.policy.overrides:
        if rule.code == code:
            zh, en = label(snapshot.policy, rule.indicator)
            return rule.label_zh or zh, rule.label_en or en
    return code, code


def _texts(row: pd.Series, top: list[Contribution], snapshot: ClassificationSnapshot) -> tuple[str, str]:
    policy = snapshot.policy
    score = f"{float(row['score']):.{policy.score_decimals}f}"
    zh = [f"截至{snapshot.as_of.isoformat()}，风险分值{score}，列为{row['tier']}类。"]
    en = [f"As of {snapshot.as_of.isoformat()} the risk score is {score}; tier {row['tier']}."]
    if top:
        named = [(label(policy, c.indicator), c.points) for c in top]
        zh.append(
            "主要因素：" + "；".join(f"{zh_en[0]}（+{points:.1f}分）" for zh_en, points in named) + "。"
        )
        en.append(
            "Main factors: " + "; ".join(f"{zh_en[1]} (+{points:.1f})" for zh_en, points in named) + "."
        )
    else:
        zh.append("无加分风险因素。")
        en.append("No risk factor added points.")
    if row["new_entity"]:
        new = snapshot.policy.tiers.new_entity
        zh.append(f"首次年度报告尚未到期，按新设主体默认列为{new}类。")
        en.append(f"Its first annual report is not yet due, so it takes the new-entity tier {new}.")
    if row["override"]:
        label_zh, label_en = _override_labels(snapshot, str(row["override"]))
        zh.append(f"因{label_zh}，至少列为{row['tier']}类（评分档为{row['score_tier']}类）。")
        en.append(
            f"Because it is {label_en}, its tier is at least {row['tier']} (score band {row['score_tier']})."
        )
    return "".join(zh), " ".join(en)


def explain(snapshot: ClassificationSnapshot, uscc: str) -> TierExplanation:
    """The explanation of one entity's tier; raises `InputError` if it is not in the snapshot."""
    table = snapshot.table
    found = table.index[table["uscc"] == uscc]
    if len(found) == 0:
        raise InputError([Problem("snapshot", None, "uscc", uscc, "UNKNOWN_ENTITY", "not in the snapshot")])
    row = table.loc[found[0]]
    names = snapshot.policy.indicator_names()
    values = np.array([[float(row[f"v_{name}"])] for name in names], dtype=np.float64)
    weighted, points = contributions(values, snapshot.policy)
    parts = tuple(
        Contribution(name, reason_code(name), float(values[names.index(name), 0]), float(points[column, 0]))
        for column, name in enumerate(weighted)
    )
    codes = tuple(str(row[f"reason_{s}"]) for s in (1, 2, 3) if row[f"reason_{s}"])
    top = [next(c for c in parts if c.code == code) for code in codes]
    reasons = codes + ((str(row["override"]),) if row["override"] else ())
    reasons += ("NEW_ENTITY",) if row["new_entity"] else ()
    zh, en = _texts(row, top, snapshot)
    return TierExplanation(
        uscc=uscc,
        tier=str(row["tier"]),
        score=float(row["score"]),
        score_tier=str(row["score_tier"]),
        new_entity=bool(row["new_entity"]),
        override=str(row["override"]),
        reason_codes=reasons,
        contributions=parts,
        text_zh=zh,
        text_en=en,
    )


def explain_frame(snapshot: ClassificationSnapshot, usccs: list[str] | None = None) -> pd.DataFrame:
    """Explanations of many entities (default: all) as ``uscc, tier, reason_codes, text_zh, text_en``."""
    chosen = snapshot.table["uscc"].tolist() if usccs is None else usccs
    rows = [explain(snapshot, code) for code in chosen]
    return pd.DataFrame(
        {
            "uscc": [r.uscc for r in rows],
            "tier": [r.tier for r in rows],
            "reason_codes": [";".join(r.reason_codes) for r in rows],
            "text_zh": [r.text_zh for r in rows],
            "text_en": [r.text_en for r in rows],
        }
    )
