"""Why no valid team exists, in words a bureau clerk can act on, with numbered remedies."""

from __future__ import annotations

from dataclasses import dataclass, field

from .quotas import EXPERTS

__all__ = ["CapacityShortage", "InfeasibilityExplanation", "Shortage", "pool_label"]

RULE_NAMES: dict[str, str] = {
    "CONFLICT": "declared conflict of interest",
    "LOCAL": "属地 rule (officer's home division is the entity's division)",
    "ROTATION": "rotation (inspected this entity in a recent campaign or within the window of days)",
    "QUALIFICATION": "lacks a required qualification",
    "UNAVAILABLE": "unavailable on the scheduled date",
    "INACTIVE": "inactive",
    "CAP_ZERO": "max_targets is 0",
    "UNCERTIFIED": "no 执法证 (certificate_no empty): not an enforcement officer",
    "CERTIFICATE_EXPIRED": "执法证 not valid on the visit date",
    "PAIR_CAP": "pair cap q leaves too little probability",
}
_SHOWN = 30


def pool_label(pool: str) -> str:
    """How a pool is named to people: its department id, or 'experts'."""
    return "experts" if pool == EXPERTS else f"department {pool}"


@dataclass(frozen=True)
class Shortage:
    """A target that one department (or the experts) cannot staff."""

    uscc: str
    task_id: str
    department: str
    needed: int
    eligible: int
    excluded: dict[str, list[str]] = field(default_factory=dict)
    booked: bool = False  # enough eligible officers, but all are needed elsewhere
    filled: int = 0  # seats a maximum flow could fill

    def describe(self) -> str:
        """One paragraph: the target, the counts and who was removed by which rule."""
        who = pool_label(self.department)
        head = (
            f"target {self.uscc} (task {self.task_id or '-'}): {who} must send {self.needed}, "
            f"{self.eligible} eligible"
        )
        if self.booked:
            head += ", but they are fully booked by other targets"
        lines = [head]
        if self.eligible == 0 and not self.excluded:
            lines.append(f"      the inspector roster has no officer of {who}")
        for rule, officers in self.excluded.items():
            if rule == "PAIR_CAP":
                lines.append(f"      limited by the pair cap: {officers[0]}")
                continue
            listed = ", ".join(officers[:8]) + (f" and {len(officers) - 8} more" if len(officers) > 8 else "")
            lines.append(f"      removed by {RULE_NAMES.get(rule, rule)}: {len(officers)} ({listed})")
        return "\n".join(lines)


@dataclass(frozen=True)
class CapacityShortage:
    """A department whose officers together may take fewer seats than its targets need."""

    department: str
    needed: int
    capacity: int
    officers: int

    def describe(self) -> str:
        """One line with the counts."""
        return (
            f"{pool_label(self.department)} must fill {self.needed} seats but its {self.officers} usable "
            f"officer(s) may take only {self.capacity} under their caps"
        )


@dataclass(frozen=True)
class InfeasibilityExplanation:
    """Everything that blocks an assignment, and what to do about it."""

    shortages: tuple[Shortage, ...]
    capacity: tuple[CapacityShortage, ...]
    remedies: tuple[str, ...]

    def __str__(self) -> str:
        parts = ["No team assignment satisfies every hard rule."]
        if self.capacity:
            parts.append("Workload caps:")
            parts += [f"  - {c.describe()}" for c in self.capacity]
        if self.shortages:
            parts.append(f"Targets that cannot be staffed ({len(self.shortages)}):")
            parts += [f"  - {s.describe()}" for s in self.shortages[:_SHOWN]]
            if len(self.shortages) > _SHOWN:
                parts.append(f"  ... and {len(self.shortages) - _SHOWN} more")
        parts.append("Remedies:")
        parts += [f"  {n}. {text}" for n, text in enumerate(self.remedies, start=1)]
        return "\n".join(parts)

    @classmethod
    def build(
        cls,
        shortages: list[Shortage],
        capacity: list[CapacityShortage],
        *,
        marginals: bool,
    ) -> InfeasibilityExplanation:
        """Collect findings and derive the remedies, most specific first."""
        remedies: list[str] = []
        for c in capacity:
            remedies.append(
                f"Raise max_targets of {pool_label(c.department)} officers "
                f"(or teams.max_targets_per_officer) by {c.needed - c.capacity} seat(s) in total, "
                "or add officers to it."
            )
        short: dict[str, int] = {}
        tasks: dict[str, set[str]] = {}
        for s in shortages:
            if not s.booked and s.needed > s.eligible:
                short[s.department] = max(short.get(s.department, 0), s.needed - s.eligible)
            tasks.setdefault(s.department, set()).add(s.task_id)
        for department, missing in sorted(short.items()):
            remedies.append(
                f"Add at least {missing} eligible officer(s) to {pool_label(department)} "
                "(active, qualified, not recused for these targets)."
            )
        if any(s.booked for s in shortages) and not capacity:
            remedies.append(
                "Raise the caps of the officers named above, or add officers, so the targets "
                "competing for them can all be staffed."
            )
        if marginals and any("PAIR_CAP" in s.excluded for s in shortages):
            remedies.append("Raise teams.pair_cap (q) so that q x eligible officers >= officers needed.")
        for department, names in sorted(tasks.items()):
            if department != EXPERTS:
                listed = ", ".join(sorted(n or "-" for n in names))
                remedies.append(
                    f"Drop {pool_label(department)} from task(s) {listed} if the plan allows, "
                    "or move these targets to a later batch."
                )
        remedies.append(
            "Assign everything else now with allow_partial (CLI: --allow-partial); the "
            "targets above are then listed as unassigned."
        )
        return cls(tuple(shortages), tuple(capacity), tuple(remedies))
