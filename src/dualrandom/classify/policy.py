"""The classification policy file: indicators, weights, transforms, tiers, overrides.

A policy is a TOML file (see ``examples/policy.toml``) validated strictly: unknown keys,
unknown indicators, missing weights and non-increasing cut-offs raise `PolicyError` naming
the key path. The score of an entity is ``base_score + sum(weight * transform(value))``,
clipped to ``[0, max_score]``; higher means riskier (Henan's 0-1000 convention).
"""

from __future__ import annotations

import calendar
import hashlib
import itertools
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from ..errors import PolicyError
from ..models import StrictModel, policy_error_from, read_toml

__all__ = [
    "INDICATORS",
    "RECORD_KINDS",
    "ClassificationPolicy",
    "IndicatorSpec",
    "Override",
    "TierBands",
    "load_policy",
    "parse_policy",
    "policy_digest",
    "reason_code",
]

RECORD_KINDS: dict[str, str] = {
    "annual_report_late": "annual_report_late",
    "annual_report_missing": "annual_report_missing",
    "abnormal_list": "abnormal_list",
    "serious_violation": "serious_violation",
    "dishonest_debtor": "dishonest_debtor",
    "penalty_minor": "penalty",
    "penalty": "penalty",
    "complaint": "complaint",
    "inspection_problem": "inspection_problem",
    "unreachable_address": "unreachable_address",
    "refused_inspection": "refused_inspection",
}
"""Credit-record kind -> the indicator it feeds (both penalty kinds feed ``penalty``)."""

INDICATORS: tuple[str, ...] = (
    *dict.fromkeys(RECORD_KINDS.values()),
    "clean_inspections",
    "age",
    "industry_risk",
)
"""Every indicator a policy may weight, in the fixed order used for scoring and ties."""

DEFAULT_PERIODS: dict[str, int] = {
    "annual_report_late": 36,
    "annual_report_missing": 0,
    "abnormal_list": 0,
    "serious_violation": 36,
    "dishonest_debtor": 0,
    "penalty_minor": 3,
    "penalty": 36,
    "complaint": 12,
    "inspection_problem": 36,
    "unreachable_address": 0,
    "refused_inspection": 36,
}
"""Publication period in months per record kind; 0 = until ``end_on`` or repair."""

Transform = Literal["flag", "linear", "log", "decay"]
Points = Annotated[float, Field(ge=-10_000.0, le=10_000.0, strict=False)]


def reason_code(indicator: str) -> str:
    """The reason code of an indicator (its name in upper case)."""
    return indicator.upper()


class IndicatorSpec(StrictModel):
    """The weight (in score points) and transform of one indicator.

    ``flag``: 1 if the value is above 0; ``linear``: min(value, cap) / cap; ``log``:
    log1p(min(value, cap)) / log1p(cap); ``decay``: max(0, 1 - value / cap) (for age).
    """

    weight: Points
    transform: Transform = "flag"
    cap: Annotated[float, Field(gt=0.0, strict=False)] = 1.0


class TierBands(StrictModel):
    """The tier set, lowest risk first, and the score cut-offs between them."""

    names: Annotated[tuple[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,16}$")], ...], Field(strict=False)]
    cutoffs: Annotated[tuple[float, ...], Field(strict=False)]
    new_entity: str = Field(description="tier of entities whose first annual report is not yet due")

    @field_validator("names")
    @classmethod
    def _distinct(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        if len(names) < 2 or len(set(names)) != len(names):
            raise ValueError(f"needs at least two distinct tier names, got {list(names)}")
        return names

    @field_validator("cutoffs")
    @classmethod
    def _increasing(cls, cutoffs: tuple[float, ...]) -> tuple[float, ...]:
        for low, high in itertools.pairwise(cutoffs):
            if not high > low:
                raise ValueError(f"cut-offs must increase strictly, but {high:g} follows {low:g}")
        return cutoffs


class Override(StrictModel):
    """A hard rule applied after the score: when ``indicator`` >= ``min_value``, tier >= ``at_least``."""

    code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,39}$")]
    indicator: str
    min_value: Annotated[float, Field(gt=0.0, strict=False)] = 1.0
    at_least: str
    label_zh: str = ""
    label_en: str = ""


class EarlyWarning(StrictModel):
    """Xiangyang's 风险预警: list entities whose score rose by more than ``rise`` points."""

    rise: Annotated[float, Field(gt=0.0, strict=False)] = 150.0


class ClassificationPolicy(StrictModel):
    """A whole classification policy (scorecard + bands + overrides), see module docstring."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: str = ""
    max_score: Annotated[float, Field(gt=0.0, strict=False)] = 1000.0
    base_score: Annotated[float, Field(ge=0.0, strict=False)] = 0.0
    score_decimals: Annotated[int, Field(ge=0, le=6)] = 2
    tiers: TierBands
    annual_report_due: Annotated[tuple[int, int], Field(strict=False)] = (6, 30)
    clean_inspection_months: Annotated[int, Field(ge=1, le=240)] = 36
    periods: dict[str, Annotated[int, Field(ge=0, le=1200)]] = Field(default_factory=dict)
    industry_classes: dict[str, Annotated[int, Field(ge=0, le=100)]] = Field(default_factory=dict)
    indicators: dict[str, IndicatorSpec]
    overrides: Annotated[tuple[Override, ...], Field(strict=False)] = ()
    early_warning: EarlyWarning = EarlyWarning()

    def period_months(self, kind: str) -> int:
        """The publication period of ``kind`` in months (0 = until ended or repaired)."""
        return self.periods.get(kind, DEFAULT_PERIODS[kind])

    def categories(self) -> dict[str, list[str]]:
        """The fixed category list of each text column of a snapshot table."""
        reasons = [reason_code(n) for n in INDICATORS if n in self.indicators] + [""]
        return {
            "tier": list(self.tiers.names),
            "score_tier": list(self.tiers.names),
            "override": ["", *(o.code for o in self.overrides)],
            "reason_1": reasons,
            "reason_2": reasons,
            "reason_3": reasons,
        }

    def tier_index(self, name: str) -> int:
        """Position of tier ``name`` in the tier set (0 = lowest risk)."""
        return self.tiers.names.index(name)


def _semantic_problems(policy: ClassificationPolicy) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    names = policy.tiers.names
    if len(policy.tiers.cutoffs) != len(names) - 1:
        problems.append(
            (
                "tiers.cutoffs",
                f"{len(names)} tiers need {len(names) - 1} cut-offs, got {len(policy.tiers.cutoffs)}",
            )
        )
    for position, cut in enumerate(policy.tiers.cutoffs):
        if not 0.0 < cut <= policy.max_score:
            problems.append(
                (f"tiers.cutoffs.{position}", f"{cut:g} is outside (0, max_score={policy.max_score:g}]")
            )
    if policy.tiers.new_entity not in names:
        problems.append(
            ("tiers.new_entity", f"unknown tier {policy.tiers.new_entity!r}; allowed: {list(names)}")
        )
    if policy.base_score > policy.max_score:
        problems.append(("base_score", f"{policy.base_score:g} exceeds max_score {policy.max_score:g}"))
    month, day = policy.annual_report_due
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(2001, month)[1]):  # 2001: no 29 Feb
        problems.append(("annual_report_due", f"[{month}, {day}] is not a (month, day) of every year"))
    for kind in policy.periods:
        if kind not in RECORD_KINDS:
            problems.append((f"periods.{kind}", f"unknown record kind; allowed: {sorted(RECORD_KINDS)}"))
    for prefix in policy.industry_classes:
        if not prefix or not prefix.isalnum():
            problems.append((f"industry_classes.{prefix}", "an industry prefix is letters and digits"))
    for name in policy.indicators:
        if name not in INDICATORS:
            problems.append((f"indicators.{name}", f"unknown indicator; allowed: {list(INDICATORS)}"))
    if not policy.indicators:
        problems.append(("indicators", "a policy must weight at least one indicator"))
    codes = [o.code for o in policy.overrides]
    for position, rule in enumerate(policy.overrides):
        if rule.indicator not in INDICATORS:
            problems.append(
                (
                    f"overrides.{position}.indicator",
                    f"unknown indicator {rule.indicator!r}; allowed: {list(INDICATORS)}",
                )
            )
        if rule.at_least not in names:
            problems.append(
                (f"overrides.{position}.at_least", f"unknown tier {rule.at_least!r}; allowed: {list(names)}")
            )
        if codes.count(rule.code) > 1:
            problems.append((f"overrides.{position}.code", f"override code {rule.code!r} is repeated"))
    return problems


def parse_policy(data: dict[str, Any], *, source: str = "policy") -> ClassificationPolicy:
    """Validate a policy given as a mapping; raises `PolicyError` naming every bad key."""
    try:
        policy = ClassificationPolicy.model_validate(data)
    except ValidationError as error:
        raise policy_error_from(error, source) from None
    problems = _semantic_problems(policy)
    if problems:
        lines = "\n".join(f"  - {path}: {message}" for path, message in problems)
        raise PolicyError(f"{source}: {len(problems)} problem(s):\n{lines}")
    return policy


def load_policy(path: str | Path) -> ClassificationPolicy:
    """Read and validate a classification policy TOML file."""
    return parse_policy(read_toml(path, "policy"), source=str(path))


def policy_digest(policy: ClassificationPolicy) -> str:
    """SHA-256 (hex) of the policy's canonical JSON (sorted keys, no whitespace)."""
    canonical = json.dumps(
        policy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
