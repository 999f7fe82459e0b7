"""The classification policy file: indicators, weights, transforms, tiers, overrides.

A policy is a TOML file (see ``examples/policy.toml``) validated strictly: unknown keys,
unknown indicators, missing weights and non-increasing cut-offs raise `PolicyError` naming
the key path. The score of an entity is ``base_score + sum(weight * transform(value))``,
clipped to ``[0, max_score]``; higher means riskier (Henan's 0-1000 convention).

Besides the built-in `INDICATORS` and `RECORD_KINDS`, a policy may declare its own record
kinds (``[record_kinds.NAME]``) and indicators that read any record kinds or a numeric roster
column (``[indicators.NAME]`` with ``records`` or ``column``); ``[results]`` says which credit
records each inspection result term becomes (`dualrandom.feedback`). Keys a policy does not
use are left out of its canonical form, so older policies keep their digest.
"""

from __future__ import annotations

import calendar
import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, ValidationError, field_validator, model_serializer

from ..errors import PolicyError
from ..models import StrictModel, policy_error_from, read_toml
from ..results import VOCABULARY, result_code

__all__ = [
    "DEFAULT_RESULT_RECORDS",
    "INDICATORS",
    "RECORD_KINDS",
    "ClassificationPolicy",
    "IndicatorSpec",
    "Override",
    "RecordKind",
    "ResultRecords",
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

DEFAULT_RESULT_RECORDS: dict[str, tuple[tuple[str, ...], float]] = {
    "NO_PROBLEM": ((), 1.0),
    "NO_RELEVANT_BUSINESS_ACTIVITY": ((), 1.0),
    "NOT_PUBLISHED_AS_REQUIRED": (("inspection_problem",), 1.0),
    "FALSE_PUBLICATION": (("inspection_problem",), 2.0),
    "UNREACHABLE_AT_ADDRESS": (("unreachable_address", "inspection_problem"), 1.0),
    "REFUSED_COOPERATION_SERIOUS": (("refused_inspection", "inspection_problem"), 1.0),
    "PROBLEM_CORRECTED_AFTER_ORDER": (("inspection_problem",), 1.0),
    "PROBLEM_PENDING_FOLLOW_UP": (("inspection_problem",), 1.0),
    "VIOLATION_FOOD_DRUG": (("inspection_problem",), 1.0),
    "VIOLATION_QUALITY": (("inspection_problem",), 1.0),
    "VIOLATION_OTHER_DEPARTMENT": (("inspection_problem",), 1.0),
    "VIOLATION_OTHER_AMR": (("inspection_problem",), 1.0),
    "VIOLATION_PUBLIC_SECURITY": (("inspection_problem",), 1.0),
    "CLOSED_OR_LIQUIDATING": ((), 1.0),
    "DEREGISTERED": ((), 1.0),
    "REVOKED": ((), 1.0),
    "CANCELLED": ((), 1.0),
    "MOVED_OUT": ((), 1.0),
}
"""Result code -> (credit record kinds, severity) written for it when ``[results]`` is silent.

A problem found becomes an ``inspection_problem`` record (so the visit is not a clean one);
unreachable and serious refusal also become the records that their overrides read. A clear
result or a change of legal status writes nothing: the visit itself enters the history.
"""

Transform = Literal["flag", "linear", "log", "decay", "log1p", "value"]
Measure = Literal["severity", "count", "any", "days_since"]
Sign = Literal["raises", "lowers", "free"]
Points = Annotated[float, Field(ge=-10_000.0, le=10_000.0, strict=False)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")]
Kinds = Annotated[tuple[Name, ...], Field(strict=False)]
_NAME = r"^[a-z][a-z0-9_]{0,47}$"


def reason_code(indicator: str) -> str:
    """The reason code of an indicator (its name in upper case)."""
    return indicator.upper()


def _without_unset(data: Any, optional: tuple[str, ...]) -> Any:
    """The dump without the optional keys left at None or empty (so old policies keep their digest)."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if not (k in optional and v in (None, {}, [], ()))}
    return data


class IndicatorSpec(StrictModel):
    """The weight (in score points), source and transform of one indicator.

    ``flag``: 1 if the value is above 0; ``linear``: min(value, cap) / cap; ``log``:
    log1p(min(value, cap)) / log1p(cap); ``decay``: max(0, 1 - value / cap) (for age);
    ``log1p``: log1p(value) and ``value``: the value itself (both without a cap).
    ``records`` (record kinds, measured by ``measure``) or ``column`` (a numeric roster column)
    say what a policy's own indicator reads; ``sign`` fixes the sign a fit may give the weight
    (default: the sign of ``weight``; ``free`` when it is 0).
    """

    weight: Points
    transform: Transform = "flag"
    cap: Annotated[float, Field(gt=0.0, strict=False)] = 1.0
    records: Kinds | None = None
    column: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    measure: Measure | None = None
    sign: Sign | None = None
    label_zh: str | None = None
    label_en: str | None = None

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_unset(handler(self), ("records", "column", "measure", "sign", "label_zh", "label_en"))

    def effective_sign(self) -> Sign:
        """The sign a fitted weight must keep: ``sign``, else the sign of ``weight``."""
        if self.sign is not None:
            return self.sign
        return "raises" if self.weight > 0 else "lowers" if self.weight < 0 else "free"


class RecordKind(StrictModel):
    """A record kind a policy adds (e.g. 信用承诺未履行, another department's penalty)."""

    period: Annotated[int, Field(ge=0, le=1200)] = 0
    label_zh: str = ""
    label_en: str = ""


class ResultRecords(StrictModel):
    """The credit records one inspection result term becomes: kinds and their severity."""

    records: Kinds = ()
    severity: Annotated[float, Field(gt=0.0, le=1000.0, strict=False)] = 1.0


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
    record_kinds: dict[str, RecordKind] = Field(default_factory=dict)
    indicators: dict[str, IndicatorSpec]
    overrides: Annotated[tuple[Override, ...], Field(strict=False)] = ()
    early_warning: EarlyWarning = EarlyWarning()
    results: dict[str, ResultRecords] = Field(default_factory=dict)

    @field_validator("results", mode="before")
    @classmethod
    def _kinds_only(cls, value: Any) -> Any:
        """``TERM = ["kind", ...]`` is short for ``[results.TERM] records = [...]``."""
        if isinstance(value, dict):
            return {k: {"records": v} if isinstance(v, list | tuple) else v for k, v in value.items()}
        return value

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_unset(handler(self), ("record_kinds", "results"))

    def kinds(self) -> tuple[str, ...]:
        """Every record kind a records file may hold: the built-in ones, then the declared ones."""
        return (*RECORD_KINDS, *sorted(k for k in self.record_kinds if k not in RECORD_KINDS))

    def indicator_names(self) -> tuple[str, ...]:
        """Every indicator, in scoring order: the built-in `INDICATORS`, then the policy's own, by name."""
        return (*INDICATORS, *sorted(n for n in self.indicators if n not in INDICATORS))

    def period_months(self, kind: str) -> int:
        """The publication period of ``kind`` in months (0 = until ended or repaired)."""
        if kind in self.periods:
            return self.periods[kind]
        declared = self.record_kinds.get(kind)
        return declared.period if declared is not None else DEFAULT_PERIODS[kind]

    def reads(self, indicator: str) -> tuple[str, ...]:
        """The record kinds an indicator sums (its ``records``, else the built-in mapping)."""
        spec = self.indicators.get(indicator)
        if spec is not None and spec.records is not None:
            return spec.records
        if spec is not None and spec.column is not None:
            return ()
        return tuple(kind for kind, name in RECORD_KINDS.items() if name == indicator)

    def is_custom(self, indicator: str) -> bool:
        """True when the indicator's source is set in the policy (``records`` or ``column``)."""
        spec = self.indicators.get(indicator)
        return spec is not None and (spec.records is not None or spec.column is not None)

    def signs(self) -> dict[str, Sign]:
        """The sign each weighted indicator keeps when weights are fitted."""
        return {name: spec.effective_sign() for name, spec in self.indicators.items()}

    def result_records(self) -> dict[str, ResultRecords]:
        """Result code -> the credit records it becomes: `DEFAULT_RESULT_RECORDS`, then ``[results]``."""
        mapping = {
            code: ResultRecords(records=kinds, severity=severity)
            for code, (kinds, severity) in DEFAULT_RESULT_RECORDS.items()
        }
        for term, rule in self.results.items():
            code = result_code(term)
            if code is not None:
                mapping[code] = rule
        return mapping

    def categories(self) -> dict[str, list[str]]:
        """The fixed category list of each text column of a snapshot table."""
        reasons = [reason_code(n) for n in self.indicator_names() if n in self.indicators] + [""]
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


def _tier_problems(policy: ClassificationPolicy) -> list[tuple[str, str]]:
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
    return problems


def _kind_problems(policy: ClassificationPolicy) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    kinds = policy.kinds()
    for kind in policy.record_kinds:
        if kind in RECORD_KINDS:
            problems.append((f"record_kinds.{kind}", "a built-in record kind; set its period in [periods]"))
        elif not re.fullmatch(_NAME, kind):
            problems.append((f"record_kinds.{kind}", "a record kind is lower-case letters, digits and _"))
    for kind in policy.periods:
        if kind not in kinds:
            problems.append((f"periods.{kind}", f"unknown record kind; allowed: {sorted(kinds)}"))
    for prefix in policy.industry_classes:
        if not prefix or not prefix.isalnum():
            problems.append((f"industry_classes.{prefix}", "an industry prefix is letters and digits"))
    codes: dict[str, str] = {}
    for term, rule in policy.results.items():
        code = result_code(term)
        if code is None:
            allowed = ", ".join(t.code for t in VOCABULARY)
            problems.append((f"results.{term}", f"not a result term (code or label); allowed: {allowed}"))
        elif code in codes:
            problems.append((f"results.{term}", f"the same term as results.{codes[code]}"))
        else:
            codes[code] = term
        problems += [
            (f"results.{term}.records", f"unknown record kind {kind!r}; allowed: {sorted(kinds)}")
            for kind in rule.records
            if kind not in kinds
        ]
    return problems


def _indicator_problems(policy: ClassificationPolicy) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    kinds = policy.kinds()
    for name, spec in policy.indicators.items():
        where = f"indicators.{name}"
        if name not in INDICATORS and not policy.is_custom(name):
            problems.append(
                (where, f"unknown indicator; give it `records` or `column`, or use one of {list(INDICATORS)}")
            )
        elif not re.fullmatch(_NAME, name):
            problems.append((where, "an indicator name is lower-case letters, digits and _"))
        if spec.records is not None and spec.column is not None:
            problems.append((where, "an indicator reads either `records` or a roster `column`, not both"))
        if spec.records is not None and not spec.records:
            problems.append((f"{where}.records", "list at least one record kind"))
        problems += [
            (f"{where}.records", f"unknown record kind {kind!r}; allowed: {sorted(kinds)}")
            for kind in spec.records or ()
            if kind not in kinds
        ]
        if spec.measure is not None and spec.records is None:
            problems.append((f"{where}.measure", "a measure applies to `records` (a column gives its value)"))
        if (spec.sign == "raises" and spec.weight < 0) or (spec.sign == "lowers" and spec.weight > 0):
            problems.append((f"{where}.weight", f"{spec.weight:g} has the wrong sign for sign {spec.sign!r}"))
    if not policy.indicators:
        problems.append(("indicators", "a policy must weight at least one indicator"))
    return problems


def _override_problems(policy: ClassificationPolicy) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    names, allowed = policy.tiers.names, policy.indicator_names()
    codes = [o.code for o in policy.overrides]
    for position, rule in enumerate(policy.overrides):
        if rule.indicator not in allowed:
            problems.append(
                (
                    f"overrides.{position}.indicator",
                    f"unknown indicator {rule.indicator!r}; allowed: {list(allowed)}",
                )
            )
        if rule.at_least not in names:
            problems.append(
                (f"overrides.{position}.at_least", f"unknown tier {rule.at_least!r}; allowed: {list(names)}")
            )
        if codes.count(rule.code) > 1:
            problems.append((f"overrides.{position}.code", f"override code {rule.code!r} is repeated"))
    return problems


def _semantic_problems(policy: ClassificationPolicy) -> list[tuple[str, str]]:
    return (
        _tier_problems(policy)
        + _kind_problems(policy)
        + _indicator_problems(policy)
        + _override_problems(policy)
    )


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
