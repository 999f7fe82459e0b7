"""The data model: rosters' rows, conflict declarations, history, and the campaign file.

Every model is strict pydantic v2 with unknown keys rejected (`extra="forbid"`) and frozen.
Rosters are validated column-wise in `dualrandom.io` (a million rows cannot go through
pydantic one by one); these row models define the same fields and give the JSON Schema.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import PolicyError
from .ids import normalize_id, validate_ids

__all__ = [
    "DEFAULT_TIERS",
    "ENTITY_TYPES",
    "LOCAL_LEVELS",
    "MIN_RATIO_RULES",
    "NO_EXEMPT_SOURCE",
    "Batch",
    "Campaign",
    "Conflict",
    "Coordination",
    "Department",
    "Entity",
    "HistoryRecord",
    "Inspector",
    "Item",
    "Objection",
    "Period",
    "Plan",
    "Publication",
    "Sampling",
    "StrictModel",
    "Task",
    "TaskTeam",
    "TeamRules",
    "campaign_json_schema",
    "load_campaign",
    "parse_campaign",
    "policy_error_from",
    "read_toml",
]

DEFAULT_TIERS: tuple[str, ...] = ("A", "B", "C", "D")
ENTITY_TYPES: tuple[str, ...] = ("enterprise", "individual", "cooperative")
EntityType = Literal["enterprise", "individual", "cooperative"]
DivisionCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="GB/T 2260 division code")]
Ratio = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s;,]+$")]
# TOML and JSON give arrays as lists: tuples accept them while their items stay strict.
Identifiers = Annotated[tuple[Identifier, ...], Field(strict=False)]
Texts = Annotated[tuple[str, ...], Field(strict=False)]

MIN_RATIO_RULES: dict[str, tuple[float, str]] = {
    "public_information": (
        0.03,
        "《企业公示信息抽查办法》 (SAMR Order 101, 2025; formerly SAIC Order 67): "
        "at least 3 % of the enterprises are checked each year",
    ),
}
"""Task kinds that carry a statutory minimum ratio: (minimum, source named in refusals)."""

NO_EXEMPT_SOURCE = (
    "不免抽: no tier is exempt from sampling (国市监信发〔2022〕6号; Shandong 2020 "
    '企业信用风险分类监督管理办法 "不评价、不惩戒、不公开、不免抽")'
)
"""The source named when a ratio or frequency cap would exempt a tier."""


class StrictModel(BaseModel):
    """Base of every model: strict types, unknown keys rejected, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def _entity_code(value: str) -> str:
    code = normalize_id(value)
    check = validate_ids([code])
    if check.rule.notna().iloc[0]:
        raise ValueError(check.message(0))
    return code


class Entity(StrictModel):
    """One market entity of the entity roster (检查对象名录库)."""

    uscc: str = Field(description="统一社会信用代码 (18) or legacy 注册号 (15 digits)")
    name: str = Field(min_length=1)
    entity_type: EntityType
    division: DivisionCode
    industry: str = Field(pattern=r"^[A-T][0-9]{2,4}$", description="GB/T 4754 code, e.g. F52")
    registered_on: date
    address: str = ""
    legal_rep: str = Field(default="", description="法定代表人/经营者: private, never published unmasked")
    indicators: dict[str, float | bool | str | date | None] = Field(default_factory=dict)

    @field_validator("uscc")
    @classmethod
    def _valid_code(cls, value: str) -> str:
        return _entity_code(value)


class Inspector(StrictModel):
    """One enforcement officer of the inspector roster (执法检查人员名录库)."""

    inspector_id: Identifier
    name: str = Field(min_length=1)
    department: Identifier
    certificate_no: str = Field(default="", description="执法证号, published with the name")
    certificate_valid_until: date | None = Field(default=None, description="last day the 执法证 is valid")
    qualifications: Texts = ()
    home_division: Annotated[str, Field(pattern=r"^[0-9]{6}$")] | None = None
    active: bool = True
    max_targets: Annotated[int, Field(ge=0)] | None = None
    unavailable: Annotated[tuple[date, ...], Field(strict=False)] = ()
    expert: bool = Field(default=False, description="experts assist and never count in the quorum")


class Department(StrictModel):
    """A department with enforcement power that takes part in joint checks."""

    id: Identifier
    name: str = Field(min_length=1)


class Conflict(StrictModel):
    """A declared conflict of interest: the officer may never inspect the entity (回避)."""

    inspector_id: Identifier
    uscc: str
    reason: str = Field(min_length=1)

    @field_validator("uscc")
    @classmethod
    def _valid_code(cls, value: str) -> str:
        return _entity_code(value)


class HistoryRecord(StrictModel):
    """One past inspection of an entity, random or triggered (complaint, alert, case lead)."""

    uscc: str
    inspected_on: date
    campaign_id: str = ""
    department: str = ""
    kind: Literal["random", "triggered"] = "random"
    inspector_id: str = ""


class Item(StrictModel):
    """An inspection item (抽查事项) of the published item list."""

    id: Identifier
    name: str = Field(min_length=1)
    department: Identifier
    qualification: str | None = Field(default=None, description="qualification officers need")
    kind: Literal["key", "general"] = "general"


class Period(StrictModel):
    """抽查时间: the days a plan's or a task's inspections run, first and last included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        return self

    def covers(self, other: Period) -> bool:
        """Whether ``other`` lies within this period."""
        return self.start <= other.start and other.end <= self.end


class Objection(StrictModel):
    """Where and until when an inspected entity may object (异议) to a published result."""

    authority: str = Field(min_length=1, description="受理机关: the office that receives objections")
    phone: str = ""
    address: str = ""
    email: str = ""
    deadline_days: int | None = Field(
        default=None, ge=1, le=60, description="working days from the publication to object"
    )

    @model_validator(mode="after")
    def _reachable(self) -> Objection:
        if not (self.phone or self.address or self.email):
            raise ValueError("an objection contact needs a phone, an address or an email")
        return self

    def notice(self) -> dict[str, Any]:
        """The contact as the notices publish it: the fields given, in the page's order."""
        shown: dict[str, Any] = {"authority": self.authority}
        for key in ("phone", "address", "email"):
            if getattr(self, key):
                shown[key] = getattr(self, key)
        if self.deadline_days is not None:
            shown["deadline_days"] = self.deadline_days
        return shown


class Task(StrictModel):
    """A task of the plan: one draw, checked jointly by its departments (进一次门、查多项事)."""

    id: Identifier
    name: str = Field(min_length=1)
    departments: Identifiers = Field(min_length=1, description="first one initiates")
    items: Identifiers = Field(min_length=1)
    entity_types: Annotated[tuple[EntityType, ...], Field(strict=False)] = (
        "enterprise",
        "individual",
        "cooperative",
    )
    industries: Texts = Field(default=(), description="industry prefixes; empty = all")
    divisions: Texts = Field(default=(), description="division prefixes; empty = all")
    completion_due: date | None = None
    # the annual plan (年度抽查计划): the batch the task is drawn in, and when its visits run
    batch: Identifier | None = Field(default=None, description="batch id of the plan; empty = every batch")
    starts_on: date | None = Field(default=None, description="first day of the task's visits")
    # the notices (公示): 对象范围 and 抽查时间 of the task as published
    scope: str = Field(default="", description="对象范围 as published, e.g. 辖区内食品销售企业")
    period: Period | None = Field(default=None, description="抽查时间 of the task; default: the plan's")

    # The task's sampling rules (docs/campaign-file.md "Rules per task").
    ratios: dict[str, Ratio] = Field(
        default_factory=dict, description="per tier, overriding [sampling].ratios for this task"
    )
    kind: Literal["general", "public_information"] = Field(
        default="general", description="public_information: at least 3 % of the frame (SAMR Order 101)"
    )
    min_ratio: Annotated[float, Field(gt=0.0, le=1.0)] | None = Field(
        default=None, description="least share of the task's frame drawn; default: the kind's minimum"
    )
    min_ratio_source: str = Field(default="", description="the rule behind min_ratio, named in refusals")
    per_capita: float | None = Field(
        default=None, gt=0, description="per 1,000 residents, overriding [sampling].per_capita for this task"
    )

    def notice(self) -> dict[str, Any]:
        """The task's 对象范围, 抽查时间 and completion date for the notices, the ones given."""
        shown: dict[str, Any] = {}
        if self.scope:
            shown["scope"] = self.scope
        if self.period is not None:
            shown["period"] = {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
        if self.completion_due is not None:
            shown["completion_due"] = self.completion_due.isoformat()
        return shown

    def tier_ratios(self, sampling: Sampling) -> dict[str, float]:
        """The ratio of every tier for this task: its own ``ratios`` over ``sampling.ratios``."""
        return {tier: self.ratios.get(tier, sampling.ratios[tier]) for tier in sampling.tiers}

    def minimum(self) -> tuple[float, str] | None:
        """The least share of the frame this task must draw and the rule's source, if any."""
        if self.min_ratio is not None:
            source = self.min_ratio_source or f"tasks.{self.id}.min_ratio of the campaign file"
            return self.min_ratio, source
        return MIN_RATIO_RULES.get(self.kind)


class Batch(StrictModel):
    """One batch of the annual plan: drawn on its own day under its own public seed."""

    id: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
    drawn_on: date = Field(description="draw date; frequency caps count back 365 days from it")
    name: str = ""
    due: date | None = Field(default=None, description="last day of the batch's visits")


class Plan(StrictModel):
    """The annual (or campaign) plan that the tasks belong to."""

    id: Identifier
    name: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    initiating_department: Identifier
    participating_departments: Identifiers = ()
    authority: str = Field(default="", description="抽查机关 as published")
    # the notices (公示): 抽查时间, 对象范围 and where to object
    period: Period | None = Field(default=None, description="抽查时间 of the plan as published")
    scope: str = Field(default="", description="对象范围 of the plan as published")
    objection: Objection | None = Field(default=None, description="异议: who receives objections, until when")
    batches: Annotated[tuple[Batch, ...], Field(strict=False)] = Field(
        default=(), description="the plan's batches, in drawing order; empty = one draw"
    )
    batches_in_order: bool = Field(default=True, description="a batch is drawn only after the previous one")

    @model_validator(mode="after")
    def _batches(self) -> Plan:
        ids = [b.id for b in self.batches]
        repeated = sorted({b for b in ids if ids.count(b) > 1})
        if repeated:
            raise ValueError(f"batch ids must be unique; repeated: {repeated}")
        days = [b.drawn_on for b in self.batches]
        if self.batches_in_order and days != sorted(days):
            raise ValueError("batches are drawn in order: their drawn_on dates must not go back in time")
        if self.batches and "/" in self.id:
            raise ValueError(
                f"a plan with batches records them as '{self.id}/<batch>': its id may not hold '/'"
            )
        return self

    def notice(self) -> dict[str, Any]:
        """The plan's 抽查时间, 对象范围 and objection contact for the notices, the ones given."""
        shown: dict[str, Any] = {}
        if self.period is not None:
            shown["period"] = {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
        if self.scope:
            shown["scope"] = self.scope
        if self.objection is not None:
            shown["objection"] = self.objection.notice()
        return shown

    def batch(self, batch_id: str) -> Batch:
        """The batch with this id (raises `PolicyError` naming the plan's batches if there is none)."""
        for batch in self.batches:
            if batch.id == batch_id:
                return batch
        known = ", ".join(b.id for b in self.batches) or "none: the plan is drawn once"
        raise PolicyError(f"plan {self.id!r} has no batch {batch_id!r}; its batches: {known}")


class Coordination(StrictModel):
    """Permanent random numbers: a fixed seed and a start shift per cycle (docs/draw-spec.md §9)."""

    permanent_seed: str = Field(min_length=1)
    start: float = Field(ge=0.0, lt=1.0, description="start point a of this cycle on (0,1)")


class Sampling(StrictModel):
    """The first random: per-tier ratios, frequency caps and draw mode."""

    tiers: Texts = DEFAULT_TIERS
    ratios: dict[str, Ratio]
    frequency_caps: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="random or triggered checks allowed per 365 days"
    )
    mode: Literal["fixed", "bernoulli"] = "fixed"
    rounding: Literal["random", "ceil"] = Field(
        default="random",
        description="fixed mode, proportional: r·N rounded up with probability its fraction (keeps "
        "each tier's design probability) or always up (ceil: 'at least' rules)",
    )
    min_total: Annotated[int, Field(ge=0)] | None = None
    max_total: Annotated[int, Field(ge=0)] | None = None
    reserve: int = Field(default=5, ge=0, description="reserve entities listed per tier")
    strata: str | None = Field(default=None, description="roster column to allocate quotas over")
    allocation: Literal["proportional", "per_capita", "fixed"] = "proportional"
    per_capita: float | None = Field(default=None, gt=0, description="targets per 1,000 residents")
    per_capita_unit: Literal["entities", "sampling_batches"] = Field(
        default="entities", description="what per_capita counts: entities, or sampling batches (抽检批次)"
    )
    batches_per_entity: int = Field(
        default=1, ge=1, description="sampling batches taken at each drawn entity"
    )
    per_capita_min: int = Field(default=0, ge=0, description="least targets (in per_capita_unit) per stratum")
    fixed_quotas: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    coordination: Coordination | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Sampling:
        if len(set(self.tiers)) != len(self.tiers) or not self.tiers:
            raise ValueError(f"tiers must be distinct and non-empty, got {list(self.tiers)}")
        for key, name in ((self.ratios, "ratios"), (self.frequency_caps, "frequency_caps")):
            unknown = sorted(set(key) - set(self.tiers))
            if unknown:
                raise ValueError(f"{name} names unknown tier(s) {unknown}; allowed: {list(self.tiers)}")
        missing = [t for t in self.tiers if t not in self.ratios]
        if missing:
            raise ValueError(f"ratios has no entry for tier(s) {missing}; every tier needs one")
        if self.min_total is not None and self.max_total is not None and self.min_total > self.max_total:
            raise ValueError(f"min_total ({self.min_total}) exceeds max_total ({self.max_total})")
        if self.allocation == "per_capita" and self.per_capita is None:
            raise ValueError("allocation 'per_capita' needs per_capita (targets per 1,000 residents)")
        if self.allocation != "per_capita" and (
            self.per_capita_unit != "entities" or self.batches_per_entity != 1 or self.per_capita_min
        ):
            raise ValueError(
                "per_capita_unit, batches_per_entity and per_capita_min go with allocation 'per_capita'"
            )
        if self.allocation != "proportional" and self.strata is None:
            raise ValueError(f"allocation {self.allocation!r} needs strata (a roster column)")
        return self


class TaskTeam(StrictModel):
    """Team rules of one task (``[teams.tasks.<task id>]``), overriding the campaign-wide ones."""

    min_officers: Annotated[int, Field(ge=2)] | None = Field(
        default=None, description="certified enforcement officers per visit, in total"
    )
    officers_per_department: Annotated[int, Field(ge=1)] | None = None
    experts: Annotated[int, Field(ge=0)] | None = Field(default=None, description="experts per visit")
    expert_qualifications: Texts = Field(
        default=(), description="an expert must hold one of these; default: the task items' qualifications"
    )


LOCAL_LEVELS: dict[str, int] = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
"""属地 levels and the division-code prefix length each compares (GB/T 2260 + township codes)."""


class TeamRules(StrictModel):
    """The second random: team composition, recusal rules and workload."""

    officers_per_department: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="default: 2 for a single-department task, 1 for a joint one"
    )
    min_officers: int = Field(default=2, ge=2, description="enforcement quorum per target")
    experts: int = Field(default=0, ge=0, description="experts added on top of the quorum")
    local_recusal: bool = Field(default=True, description="属地 officer may not inspect")
    local_level: Literal["province", "city", "county", "township", "village"] = Field(
        default="county", description="属地: division-code prefix compared (2, 4, 6, 9 or 12 digits)"
    )
    rotation_campaigns: int = Field(default=1, ge=0, description="no repeat within N campaigns")
    rotation_days: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="also no repeat within N days before the visit (any history row)"
    )
    certificates: Literal["required", "if_recorded", "off"] = Field(
        default="if_recorded",
        description="执法证: officers need a certificate_no valid on the visit date; "
        "if_recorded: only when the roster has a certificate_no column",
    )
    max_targets_per_officer: Annotated[int, Field(ge=1)] | None = None
    mode: Literal["fast", "marginals"] = "fast"
    balance: Literal["chances", "loads"] = Field(
        default="chances",
        description="fast mode: 'chances' only caps loads, so each target takes the k lowest keyed costs of "
        "its E eligible officers (k/E each) unless a cap binds; 'loads' keeps loads at the fair share",
    )
    pair_cap: float = Field(default=0.5, gt=0.0, le=1.0, description="q: max P(officer, target)")
    avoid_repeat_pairs: bool = Field(
        default=False,
        description="fast mode: swaps that keep loads (in a keyed random order) break repeated officer pairs",
    )
    tasks: dict[str, TaskTeam] = Field(default_factory=dict, description="per-task overrides")


class Publication(StrictModel):
    """The one public: deadline and privacy rules of the publication."""

    working_days: int = Field(default=20, ge=1, le=60)
    calendar: str | None = Field(
        default=None,
        min_length=1,
        description="Bureau calendar file (TOML: the State Council's holiday notices), relative to this one.",
    )
    mask_individual_names: bool = True
    retention_years: int = Field(default=5, ge=1)
    disclosure: Literal["auto", "sealed", "open"] = Field(
        default="auto",
        description="sealed tickets (tiers stay private) or open; auto = open only if all ratios are equal",
    )


class Campaign(StrictModel):
    """A campaign file: the plan, its departments, items and tasks, and the rules."""

    plan: Plan
    departments: Annotated[tuple[Department, ...], Field(strict=False, min_length=1)]
    items: Annotated[tuple[Item, ...], Field(strict=False, min_length=1)]
    tasks: Annotated[tuple[Task, ...], Field(strict=False, min_length=1)]
    sampling: Sampling
    teams: TeamRules = TeamRules()
    publication: Publication = Publication()

    @model_validator(mode="after")
    def _references(self) -> Campaign:
        departments = [d.id for d in self.departments]
        items = {i.id: i for i in self.items}
        for label, values in (
            ("departments", departments),
            ("items", list(items)),
            ("tasks", [t.id for t in self.tasks]),
        ):
            seen = {v for v in values if values.count(v) > 1}
            if seen:
                raise ValueError(f"{label} ids must be unique; repeated: {sorted(seen)}")
        known = set(departments)
        for who in (self.plan.initiating_department, *self.plan.participating_departments):
            if who not in known:
                raise ValueError(f"plan names department {who!r}; allowed: {departments}")
        for item in self.items:
            if item.department not in known:
                raise ValueError(
                    f"item {item.id!r} names department {item.department!r}; allowed: {departments}"
                )
        for task in self.tasks:
            for who in task.departments:
                if who not in known:
                    raise ValueError(f"task {task.id!r} names department {who!r}; allowed: {departments}")
            for item_id in task.items:
                if item_id not in items:
                    raise ValueError(f"task {task.id!r} names item {item_id!r}; allowed: {sorted(items)}")
                if items[item_id].department not in task.departments:
                    raise ValueError(
                        f"task {task.id!r} lists item {item_id!r} of department "
                        f"{items[item_id].department!r}, which is not among its departments"
                    )
        batches = [b.id for b in self.plan.batches]
        for task in self.tasks:
            if task.batch is not None and task.batch not in batches:
                raise ValueError(f"task {task.id!r} names batch {task.batch!r}; allowed: {batches}")
            period = self.plan.period
            if task.period is not None and period is not None and not period.covers(task.period):
                raise ValueError(
                    f"task {task.id!r}: period {task.period.start}..{task.period.end} lies outside the "
                    f"plan's period {period.start}..{period.end}"
                )
        self._task_rules()
        return self

    def _task_rules(self) -> None:
        """Per-task ratios name known tiers; no tier exempt; a minimum ratio the ratios can reach."""
        sampling = self.sampling
        for task in self.tasks:
            unknown = sorted(set(task.ratios) - set(sampling.tiers))
            if unknown:
                raise ValueError(
                    f"task {task.id!r}: ratios names unknown tier(s) {unknown}; "
                    f"allowed: {list(sampling.tiers)}"
                )
            ratios = task.tier_ratios(sampling)
            exempt = [tier for tier, ratio in ratios.items() if ratio <= 0]
            if exempt:
                raise ValueError(
                    f"task {task.id!r}: ratio 0 for tier(s) {exempt} refused; {NO_EXEMPT_SOURCE}"
                )
            if task.per_capita is not None and sampling.allocation != "per_capita":
                raise ValueError(f"task {task.id!r}: per_capita needs [sampling] allocation = 'per_capita'")
            minimum = task.minimum()
            if minimum is not None and max(ratios.values()) < minimum[0]:
                raise ValueError(
                    f"task {task.id!r}: no tier ratio reaches the minimum {minimum[0]:.2%} "
                    f"[MIN_RATIO] ({minimum[1]})"
                )

    def capped(self, task: Task) -> bool:
        """Whether frequency caps apply to ``task``: yes unless every item is key (重点).

        SAMR 2019: general (一般) items are strictly capped; key items have no upper limit.
        """
        kinds = {item.id: item.kind for item in self.items}
        return any(kinds[item_id] != "key" for item_id in task.items)

    def task(self, task_id: str) -> Task:
        """The task with this id (raises `PolicyError` if there is none)."""
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise PolicyError(f"campaign {self.plan.id!r} has no task {task_id!r}")

    def officers_per_department(self, task: Task) -> int:
        """Officers each department sends per target of ``task``."""
        if self.teams.officers_per_department is not None:
            return self.teams.officers_per_department
        return 2 if len(task.departments) == 1 else 1


def policy_error_from(error: ValidationError, source: str) -> PolicyError:
    """Turn a pydantic error into a `PolicyError` naming each key path and the rule."""
    lines = []
    for detail in error.errors(include_url=False):
        path = ".".join(str(part) for part in detail["loc"]) or "(top level)"
        shown = detail.get("input")
        value = "" if isinstance(shown, dict | list) else f" (got {shown!r})"
        message = detail["msg"].removeprefix("Value error, ")
        lines.append(f"  - {path}: {message}{value}")
    return PolicyError(f"{source}: {len(lines)} problem(s):\n" + "\n".join(lines))


def parse_campaign(data: dict[str, Any], *, source: str = "campaign") -> Campaign:
    """Validate a campaign given as a mapping (for example parsed TOML)."""
    try:
        return Campaign.model_validate(data)
    except ValidationError as error:
        raise policy_error_from(error, source) from None


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """Parse a TOML file; a missing file or bad TOML is a `PolicyError` naming ``what`` it is."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise PolicyError(f"{path}: a folder, not a {what} file") from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        hint = _encoding_hint(data)
        raise PolicyError(
            f"{path}: the {what} file is not UTF-8 text (byte {error.start}){hint}; "
            "save it as UTF-8 (in Notepad: Save as → Encoding: UTF-8)"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: not valid TOML: {error}") from None


def _encoding_hint(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ": it is UTF-16 ('Unicode')"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return ": it looks like GBK, which Notepad calls 'ANSI'"


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign TOML file; raises `PolicyError` naming every bad key.

    A relative ``publication.calendar`` path is resolved against the campaign file's folder.
    """
    campaign = parse_campaign(read_toml(path, "campaign"), source=str(path))
    calendar = campaign.publication.calendar
    if calendar is None or Path(calendar).is_absolute():
        return campaign
    resolved = str(Path(path).parent / calendar)
    publication = campaign.publication.model_copy(update={"calendar": resolved})
    return campaign.model_copy(update={"publication": publication})


def campaign_json_schema() -> dict[str, Any]:
    """The JSON Schema of the campaign file, for integrators."""
    return Campaign.model_json_schema()
